import type { FieldErrorCode } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';

/** One failed rule, reported with every other failed rule at once. */
export interface FailedRule {
  code: FieldErrorCode;
  field: string;
  message: string;
}

/**
 * Facts about a mutual-aid application, gathered by the service (under the fund lock at disbursement); the rules
 * are pure. The product's own rules (amount and term band, purpose, household status, age) are checked by the
 * products library's `checkLoanRequest`; these are the fund's and the village's.
 */
export interface MutualAidFacts {
  amountFen: Fen;
  termMonths: number;
  /** A suspended or closed fund lends nothing new. */
  fundStatus: 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
  /** The household still lives in the fund's village (it may have moved since the application was taken). */
  householdInFundVillage: boolean;
  /** The fund's own limits (SPEC §2.1 defaults: any loan ≤ 10,000; first loan ≤ 5,000; term ≤ 12 months). */
  fundMaxLoanFen: Fen;
  fundFirstLoanMaxFen: Fen;
  fundMaxTermMonths: number;
  /** No mutual-aid loan of the household was ever paid out. */
  isFirstLoan: boolean;
  isMember: boolean;
  /** Other mutual-aid loans of the household that are active or on their way (submitted … disbursed). */
  otherActiveLoans: number;
  /** The fund's group rule or the product's: a joint-liability group must endorse. */
  groupRequired: boolean;
  group: null | {
    active: boolean;
    villageMatches: boolean;
    size: number;
    minSize: number;
    maxSize: number;
    /** Members (the applicant included) with an OVERDUE instalment or days overdue on an active loan. */
    overdueMembers: number;
    applicantIsMember: boolean;
  };
  /** From the fund position: cash and the lending-cap headroom (checked again under the lock at disbursement). */
  cashFen: Fen;
  capHeadroomFen: Fen;
  /** The applicant is a co-obligor under an open group-liability call. */
  underLiabilityCall: boolean;
}

/** The money rules: the only ones that can pass a moment later without anything about the application changing. */
export const MONEY_RULES: ReadonlySet<string> = new Set(['FUND_INSUFFICIENT_CASH', 'FUND_CAP_EXCEEDED']);

export function mutualAidRules(f: MutualAidFacts): FailedRule[] {
  const failed: FailedRule[] = [];
  const fail = (code: FieldErrorCode, field: string, message: string) => failed.push({ code, field, message });
  if (f.fundStatus !== 'ACTIVE') {
    fail('FUND_NOT_ACTIVE', 'householdId', `the village's fund is ${f.fundStatus.toLowerCase()} and makes no new loans`);
  }
  if (!f.householdInFundVillage) {
    fail('HOUSEHOLD_NOT_OF_FUND_VILLAGE', 'householdId', "the household no longer belongs to the fund's village");
  }
  if (!f.isMember) {
    fail('NOT_FUND_MEMBER', 'householdId', "the household is not a member of this village's fund");
  }
  if (f.amountFen > f.fundMaxLoanFen) {
    fail('FUND_LOAN_LIMIT', 'amount', `the fund lends at most ${formatYuan(f.fundMaxLoanFen)} per loan`);
  }
  if (f.isFirstLoan && f.amountFen > f.fundFirstLoanMaxFen) {
    fail('FIRST_LOAN_LIMIT', 'amount', `a household's first loan from the fund may not exceed ${formatYuan(f.fundFirstLoanMaxFen)}`);
  }
  if (f.termMonths > f.fundMaxTermMonths) {
    fail('FUND_TERM_LIMIT', 'termMonths', `the fund lends for at most ${f.fundMaxTermMonths} months`);
  }
  if (f.otherActiveLoans > 0) {
    fail('ACTIVE_LOAN_EXISTS', 'householdId', 'one active loan per household: this household already has one');
  }
  if (f.underLiabilityCall) {
    fail(
      'GROUP_LIABILITY_OPEN',
      'householdId',
      'the household is a co-obligor under an open group-liability call and cannot borrow until it is cleared',
    );
  }
  if (f.groupRequired && !f.group) {
    fail('GROUP_REQUIRED', 'groupId', 'a joint-liability group (联保小组) must endorse this loan');
  }
  if (f.group) {
    const g = f.group;
    if (!g.active) fail('GROUP_INACTIVE', 'groupId', 'the group is dissolved');
    if (!g.villageMatches) fail('GROUP_OTHER_VILLAGE', 'groupId', "the group is not of the fund's village");
    if (!g.applicantIsMember) fail('NOT_GROUP_MEMBER', 'groupId', 'the applicant is not a member of the group');
    if (g.active && (g.size < g.minSize || g.size > g.maxSize)) {
      fail('GROUP_SIZE', 'groupId', `a group needs ${g.minSize}–${g.maxSize} members; it has ${g.size}`);
    }
    if (g.overdueMembers > 0) {
      fail(
        'GROUP_MEMBER_OVERDUE',
        'groupId',
        `while a group member is overdue no one in the group gets a new loan (${g.overdueMembers} member(s) overdue)`,
      );
    }
  }
  if (f.amountFen > f.capHeadroomFen) {
    fail(
      'FUND_CAP_EXCEEDED',
      'amount',
      `outstanding principal may not exceed the fund's lending cap; headroom is ${formatYuan(f.capHeadroomFen < 0n ? 0n : f.capHeadroomFen)}`,
    );
  }
  if (f.amountFen > f.cashFen) {
    fail('FUND_INSUFFICIENT_CASH', 'amount', `the fund has ${formatYuan(f.cashFen < 0n ? 0n : f.cashFen)} cash available`);
  }
  return failed;
}

/**
 * The top-level code of a refused disbursement. When only money rules fail the refusal says which: cash first,
 * since cash is the physical limit (with a 100 % cap both fail together), else the cap. Any other failed rule
 * means the loan itself is no longer eligible.
 */
export function disbursementRefusalCode(
  failed: readonly FailedRule[],
): 'LOAN_NOT_ELIGIBLE' | 'FUND_INSUFFICIENT_CASH' | 'FUND_CAP_EXCEEDED' {
  if (failed.some((f) => !MONEY_RULES.has(f.code))) return 'LOAN_NOT_ELIGIBLE';
  return failed.some((f) => f.code === 'FUND_INSUFFICIENT_CASH') ? 'FUND_INSUFFICIENT_CASH' : 'FUND_CAP_EXCEEDED';
}
