import type { FieldErrorCode } from '#libs/common';
import { MAX_YUAN_FEN, compareDecimal, parseDecimal, remembered } from '#libs/money';
import { isBusinessDate } from './dates.js';
import {
  DAY_COUNTS,
  FREQUENCIES,
  MAX_INSTALLMENTS,
  MAX_RATE_DECIMALS,
  MAX_RATE_PERCENT,
  MAX_TERM_MONTHS,
  SCHEDULE_METHODS,
  SCHEDULE_ROUNDINGS,
  type Frequency,
  type ScheduleFieldError,
  type ScheduleRequest,
} from './types.js';

/** Months between two due dates; AT_MATURITY has one period whose length is termMonths. */
export function monthsPerPeriod(frequency: Exclude<Frequency, 'AT_MATURITY'>): number {
  return frequency === 'QUARTERLY' ? 3 : 1;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * A check of a text field, remembered per text: a book's loans share a few rates and disbursement days, and parsing
 * them (regular expression, bigint scaling) was a fifth of generating a schedule.
 */
function rememberedCheck(check: (text: string) => boolean): (text: unknown) => boolean {
  const known = remembered(check);
  return (text) => typeof text === 'string' && known(text);
}

/** A rate of percent per year: a decimal string between 0 and the maximum, with at most the allowed decimals. */
const isRatePercent = rememberedCheck((text) => {
  const rate = parseDecimal(text);
  return (
    rate !== null &&
    rate.scale <= MAX_RATE_DECIMALS &&
    compareDecimal(text, '0') >= 0 &&
    compareDecimal(text, MAX_RATE_PERCENT) <= 0
  );
});
const isRequestDate = rememberedCheck(isBusinessDate);

/** The terms the consistency rules look at; any of them may be missing or malformed (checked elsewhere). */
export interface ConsistencyTerms {
  frequency?: unknown;
  method?: unknown;
  numberOfInstallments?: unknown;
  termMonths?: unknown;
  principalGraceInstallments?: unknown;
}

/**
 * Rules between fields. They skip a rule whose inputs are missing or malformed, so the API can report these
 * beside the single-field errors in one answer without repeating them.
 */
export function consistencyErrors(t: ConsistencyTerms): ScheduleFieldError[] {
  const errors: ScheduleFieldError[] = [];
  const n = isInt(t.numberOfInstallments) && t.numberOfInstallments >= 1 ? t.numberOfInstallments : undefined;
  const grace = isInt(t.principalGraceInstallments) ? t.principalGraceInstallments : 0;
  if (t.frequency === 'AT_MATURITY') {
    if (t.method !== undefined && t.method !== 'BULLET') {
      errors.push({
        field: 'frequency',
        code: 'atMaturityOnlyBullet',
        message: 'frequency AT_MATURITY is only for method BULLET',
      });
    }
    if (n !== undefined && n !== 1) {
      errors.push({
        field: 'numberOfInstallments',
        code: 'atMaturitySingleInstallment',
        message: 'numberOfInstallments must be 1 with frequency AT_MATURITY',
      });
    }
    if (t.termMonths === undefined || t.termMonths === null) {
      errors.push({
        field: 'termMonths',
        code: 'termMonthsRequired',
        message: 'termMonths is required with frequency AT_MATURITY',
      });
    }
  } else if (
    (t.frequency === 'MONTHLY' || t.frequency === 'QUARTERLY') &&
    n !== undefined &&
    isInt(t.termMonths)
  ) {
    // termMonths is redundant here; accepted when it agrees, refused when it contradicts the instalments.
    const expected = n * monthsPerPeriod(t.frequency);
    if (t.termMonths !== expected) {
      errors.push({
        field: 'termMonths',
        code: 'termMonthsMismatch',
        message: `termMonths must be ${expected} (numberOfInstallments × months per period) or omitted`,
      });
    }
  }
  if (n !== undefined && grace >= n) {
    errors.push({
      field: 'principalGraceInstallments',
      code: 'graceTooLong',
      message: 'principalGraceInstallments must be less than numberOfInstallments',
    });
  } else if (t.method === 'BULLET' && grace > 0) {
    errors.push({
      field: 'principalGraceInstallments',
      code: 'graceNotForBullet',
      message: 'principalGraceInstallments must be 0 for method BULLET (one instalment at maturity)',
    });
  }
  return errors;
}

/** Every broken rule of a typed request (single fields first, then the rules between fields). */
export function validateScheduleRequest(req: ScheduleRequest): ScheduleFieldError[] {
  const errors: ScheduleFieldError[] = [];
  const push = (field: ScheduleFieldError['field'], code: FieldErrorCode, message: string) =>
    errors.push({ field, code, message });

  if (typeof req.principalFen !== 'bigint' || req.principalFen <= 0n || req.principalFen > MAX_YUAN_FEN) {
    push('principal', 'isYuan', 'principal must be a positive amount of at most 10^13 yuan');
  }
  if (!isRatePercent(req.annualRatePercent)) {
    push(
      'annualRatePercent',
      'isPercent',
      `annualRatePercent must be a decimal string of percent per year between 0 and ${MAX_RATE_PERCENT} with at most ${MAX_RATE_DECIMALS} decimals`,
    );
  }
  if (
    !isInt(req.numberOfInstallments) ||
    req.numberOfInstallments < 1 ||
    req.numberOfInstallments > MAX_INSTALLMENTS
  ) {
    push(
      'numberOfInstallments',
      'isInt',
      `numberOfInstallments must be an integer from 1 to ${MAX_INSTALLMENTS}`,
    );
  }
  if (!FREQUENCIES.includes(req.frequency))
    push('frequency', 'isIn', `frequency must be one of ${FREQUENCIES.join(', ')}`);
  if (
    req.termMonths !== undefined &&
    (!isInt(req.termMonths) || req.termMonths < 1 || req.termMonths > MAX_TERM_MONTHS)
  ) {
    push('termMonths', 'isInt', `termMonths must be an integer from 1 to ${MAX_TERM_MONTHS}`);
  }
  if (!SCHEDULE_METHODS.includes(req.method))
    push('method', 'isIn', `method must be one of ${SCHEDULE_METHODS.join(', ')}`);
  if (!DAY_COUNTS.includes(req.dayCount))
    push('dayCount', 'isIn', `dayCount must be one of ${DAY_COUNTS.join(', ')}`);
  if (!isRequestDate(req.disbursementDate)) {
    push(
      'disbursementDate',
      'isCalendarDate',
      'disbursementDate must be a calendar date YYYY-MM-DD (1900-2199)',
    );
  }
  if (!SCHEDULE_ROUNDINGS.includes(req.rounding)) {
    push('rounding', 'isIn', `rounding must be one of ${SCHEDULE_ROUNDINGS.join(', ')}`);
  }
  if (
    typeof req.installmentMultipleFen !== 'bigint' ||
    req.installmentMultipleFen <= 0n ||
    req.installmentMultipleFen > MAX_YUAN_FEN
  ) {
    push('installmentMultiple', 'isYuan', 'installmentMultiple must be a positive amount in yuan');
  }
  if (!isInt(req.principalGraceInstallments) || req.principalGraceInstallments < 0) {
    push('principalGraceInstallments', 'isInt', 'principalGraceInstallments must be a non-negative integer');
  }
  errors.push(...consistencyErrors(req));
  return errors;
}
