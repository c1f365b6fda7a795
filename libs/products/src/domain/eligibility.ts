import type { FieldErrorCode } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import { borrowerTypeOf, installmentCount, requiresProductivePurpose, type BorrowerType } from './enums.js';
import type { RuleFailure } from './definition.js';
import { isProductivePurpose, isPurpose } from './purposes.js';
import type { ProductTerms } from './terms.js';

/** What the eligibility rules read from a product version. */
export type EligibilityTerms = Pick<
  ProductTerms,
  | 'kind'
  | 'minPrincipalFen'
  | 'maxPrincipalFen'
  | 'firstLoanMaxFen'
  | 'minTermMonths'
  | 'maxTermMonths'
  | 'frequency'
  | 'allowedPurposes'
  | 'eligibleStatuses'
  | 'minAge'
  | 'maxAge'
  | 'requiresGroup'
  | 'requiresGuaranteeFund'
  | 'maxPerLinkedHouseholdFen'
> & { active?: boolean };

/**
 * A requested loan, as origination or guarantee knows it. Optional facts are checked only when given (a caller
 * that does not deal with groups leaves `hasGroup` out); a fact a product rule needs but the caller left out is
 * a failure of that rule, so a missing birth date never passes an age band.
 */
export interface LoanRequestFacts {
  principalFen: Fen;
  termMonths: number;
  purpose: string;
  borrowerType?: BorrowerType;
  householdStatus?: string | null;
  /** Whole years on the application date (see `ageOn`). */
  borrowerAge?: number | null;
  isFirstLoan?: boolean;
  /** Entity loans: poor households the entity drives (带动). */
  linkedPoorHouseholds?: number | null;
  hasGroup?: boolean;
  hasGuaranteeFund?: boolean;
}

/** The API field each rule names; callers override to match their own request (e.g. `principal`). */
export interface EligibilityFieldNames {
  productId: string;
  borrowerType: string;
  amount: string;
  termMonths: string;
  purpose: string;
  householdStatus: string;
  borrowerAge: string;
  linkedPoorHouseholds: string;
  groupId: string;
  guaranteeFund: string;
}

export const DEFAULT_ELIGIBILITY_FIELDS: EligibilityFieldNames = {
  productId: 'productId',
  borrowerType: 'borrowerType',
  amount: 'amount',
  termMonths: 'termMonths',
  purpose: 'purpose',
  householdStatus: 'householdStatus',
  borrowerAge: 'birthDate',
  linkedPoorHouseholds: 'linkedPoorHouseholds',
  groupId: 'groupId',
  guaranteeFund: 'fundId',
};

/**
 * Checks a requested loan against a product version and returns every failed rule (empty = eligible). Codes:
 * PRODUCT_INACTIVE, BORROWER_TYPE_NOT_ALLOWED, AMOUNT_BELOW_MIN, AMOUNT_ABOVE_MAX, FIRST_LOAN_ABOVE_MAX,
 * LINKED_HOUSEHOLDS_REQUIRED, AMOUNT_ABOVE_LINKED_CAP, TERM_OUT_OF_RANGE, TERM_NOT_WHOLE_PERIODS,
 * PURPOSE_UNKNOWN, PURPOSE_NOT_ALLOWED, STATUS_NOT_ELIGIBLE, AGE_OUT_OF_RANGE, GROUP_REQUIRED,
 * GUARANTEE_FUND_REQUIRED.
 */
export function checkLoanRequest(
  terms: EligibilityTerms,
  req: LoanRequestFacts,
  fieldNames: Partial<EligibilityFieldNames> = {},
): RuleFailure[] {
  const f = { ...DEFAULT_ELIGIBILITY_FIELDS, ...fieldNames };
  const out: RuleFailure[] = [];
  const fail = (field: string, code: FieldErrorCode, message: string) => out.push({ field, code, message });

  if (terms.active === false) fail(f.productId, 'PRODUCT_INACTIVE', 'the product is deactivated and makes no new loans');

  const expectedBorrower = borrowerTypeOf(terms.kind);
  if (req.borrowerType && req.borrowerType !== expectedBorrower) {
    fail(f.borrowerType, 'BORROWER_TYPE_NOT_ALLOWED', `${terms.kind} lends to ${expectedBorrower === 'ENTITY' ? 'operating entities' : 'households'} only`);
  }

  const amount = req.principalFen;
  if (amount < terms.minPrincipalFen) {
    fail(f.amount, 'AMOUNT_BELOW_MIN', `the product lends at least ${formatYuan(terms.minPrincipalFen)}`);
  }
  if (amount > terms.maxPrincipalFen) {
    fail(f.amount, 'AMOUNT_ABOVE_MAX', `the product lends at most ${formatYuan(terms.maxPrincipalFen)}`);
  }
  if (req.isFirstLoan && terms.firstLoanMaxFen !== null && amount > terms.firstLoanMaxFen) {
    fail(f.amount, 'FIRST_LOAN_ABOVE_MAX', `a first loan under this product may not exceed ${formatYuan(terms.firstLoanMaxFen)}`);
  }
  if (terms.maxPerLinkedHouseholdFen !== null) {
    const n = req.linkedPoorHouseholds;
    if (n === undefined || n === null || !Number.isInteger(n) || n < 1) {
      fail(f.linkedPoorHouseholds, 'LINKED_HOUSEHOLDS_REQUIRED', 'the credit of an entity loan is capped per linked poor household: at least one is required');
    } else if (amount > terms.maxPerLinkedHouseholdFen * BigInt(n)) {
      fail(
        f.amount,
        'AMOUNT_ABOVE_LINKED_CAP',
        `${n} linked poor household(s) × ${formatYuan(terms.maxPerLinkedHouseholdFen)} allows at most ${formatYuan(terms.maxPerLinkedHouseholdFen * BigInt(n))}`,
      );
    }
  }

  const term = req.termMonths;
  if (!Number.isInteger(term) || term < terms.minTermMonths || term > terms.maxTermMonths) {
    fail(f.termMonths, 'TERM_OUT_OF_RANGE', `the term must be ${terms.minTermMonths}-${terms.maxTermMonths} months`);
  } else if (installmentCount(terms.frequency, term) === null) {
    fail(f.termMonths, 'TERM_NOT_WHOLE_PERIODS', `a ${terms.frequency} product needs a term in whole periods`);
  }

  if (!isPurpose(req.purpose)) {
    fail(f.purpose, 'PURPOSE_UNKNOWN', `unknown purpose ${String(req.purpose)}`);
  } else if (
    !terms.allowedPurposes.includes(req.purpose) ||
    (requiresProductivePurpose(terms.kind) && !isProductivePurpose(req.purpose))
  ) {
    fail(f.purpose, 'PURPOSE_NOT_ALLOWED', `purpose ${req.purpose} is not allowed; allowed: ${terms.allowedPurposes.join(', ')}`);
  }

  if (terms.eligibleStatuses.length) {
    const s = req.householdStatus;
    if (!s || !(terms.eligibleStatuses as string[]).includes(s)) {
      fail(
        f.householdStatus,
        'STATUS_NOT_ELIGIBLE',
        `household status ${s ?? '(unknown)'} is not eligible; eligible: ${terms.eligibleStatuses.join(', ')}`,
      );
    }
  }

  if (terms.minAge !== null || terms.maxAge !== null) {
    const age = req.borrowerAge;
    const band = `${terms.minAge ?? 0}-${terms.maxAge ?? '∞'}`;
    if (age === undefined || age === null) {
      fail(f.borrowerAge, 'AGE_OUT_OF_RANGE', `the borrower's age is needed for the age band ${band}`);
    } else if ((terms.minAge !== null && age < terms.minAge) || (terms.maxAge !== null && age > terms.maxAge)) {
      fail(f.borrowerAge, 'AGE_OUT_OF_RANGE', `the borrower is ${age}; the product lends to ages ${band}`);
    }
  }

  if (terms.requiresGroup && req.hasGroup === false) {
    fail(f.groupId, 'GROUP_REQUIRED', 'the product needs a joint-liability group to endorse the loan');
  }
  if (terms.requiresGuaranteeFund && req.hasGuaranteeFund === false) {
    fail(f.guaranteeFund, 'GUARANTEE_FUND_REQUIRED', 'the product lends only under a guarantee fund');
  }
  return out;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whole years of age on a date (both YYYY-MM-DD): a 29 February birthday counts from 1 March in other years. */
export function ageOn(birthDate: string, onDate: string): number {
  const b = DATE.exec(birthDate);
  const d = DATE.exec(onDate);
  if (!b || !d) throw new RangeError('dates must be YYYY-MM-DD');
  let age = Number(d[1]) - Number(b[1]);
  const before = Number(d[2]) < Number(b[2]) || (Number(d[2]) === Number(b[2]) && Number(d[3]) < Number(b[3]));
  if (before) age -= 1;
  return age;
}
