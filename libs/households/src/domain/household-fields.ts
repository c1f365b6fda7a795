/**
 * Field rules of a household registration (the DTO checks them too; the service repeats them so seeds, imports
 * and other libraries are held to them). Pure: the business date is passed in.
 */
import type { RuleError } from './poverty-status.js';
import { validateResidentId } from './resident-id.js';

/** A mobile (13905331234) or landline (0533-1234567) number. */
export const PHONE_PATTERN = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

export interface HouseholdFields {
  headName: string;
  idNumber: string;
  phone?: string | null;
  memberCount: number;
  perCapitaIncomeFen: bigint;
  incomeYear: number;
}

/** The errors of the registration's own fields, on the business date `today` (YYYY-MM-DD). */
export function householdFieldErrors(input: HouseholdFields, today: string): RuleError[] {
  const errors: RuleError[] = [];
  const idr = validateResidentId(input.idNumber, today);
  if (!idr.ok) errors.push({ field: 'idNumber', code: 'isResidentId', message: `idNumber ${idr.message}` });
  if (typeof input.headName !== 'string' || !input.headName.trim() || input.headName.trim().length > 50) {
    errors.push({ field: 'headName', code: 'isLength', message: 'headName must be 1-50 characters' });
  }
  if (input.phone !== undefined && input.phone !== null && !PHONE_PATTERN.test(input.phone.trim())) {
    errors.push({
      field: 'phone',
      code: 'matches',
      message: 'phone must be a mobile (13905331234) or landline (0533-1234567) number',
    });
  }
  if (!Number.isInteger(input.memberCount) || input.memberCount < 1 || input.memberCount > 50) {
    errors.push({
      field: 'memberCount',
      code: 'min',
      message: 'memberCount must be an integer from 1 to 50',
    });
  }
  if (typeof input.perCapitaIncomeFen !== 'bigint' || input.perCapitaIncomeFen < 0n) {
    errors.push({
      field: 'perCapitaIncome',
      code: 'isYuan',
      message: 'perCapitaIncome must not be negative',
    });
  }
  if (
    !Number.isInteger(input.incomeYear) ||
    input.incomeYear < 2000 ||
    input.incomeYear > Number(today.slice(0, 4))
  ) {
    errors.push({
      field: 'incomeYear',
      code: 'INCOME_YEAR_INVALID',
      message: `incomeYear must be a year from 2000 to ${today.slice(0, 4)}`,
    });
  }
  return errors;
}

/** The birth date (YYYY-MM-DD) an 18-character resident ID number carries. */
export function birthDateOf(idNumber: string): string {
  return `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
}

/** The sex the ID number's sequence carries: odd for men, even for women. */
export function sexOf(idNumber: string): 'M' | 'F' {
  return Number(idNumber[16]) % 2 === 1 ? 'M' : 'F';
}
