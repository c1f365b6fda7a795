import { formatYuan, type Fen } from '#libs/money';

/** One failed rule, reported with every other failed rule at once. */
export interface FailedRule {
  code: string;
  field: string;
  message: string;
}

/** Facts about a mutual-aid application, gathered by the service under the fund lock; the rules are pure. */
export interface MutualAidFacts {
  amountFen: Fen;
  termMonths: number;
  /** The fund's own limits (SPEC §2.1: any loan ≤ 10,000; first loan ≤ 5,000; term ≤ 12 months). */
  fundMaxLoanFen: Fen;
  fundFirstLoanMaxFen: Fen;
  fundMaxTermMonths: number;
  isFirstLoan: boolean;
  isMember: boolean;
  /** Other loans of the household that are active or on their way (submitted … disbursed, not closed). */
  otherActiveLoans: number;
  groupRequired: boolean;
  group: null | {
    villageMatches: boolean;
    size: number;
    minSize: number;
    maxSize: number;
    active: boolean;
    /** Members (other than the applicant) with an overdue instalment or an open group-liability call. */
    overdueMembers: number;
    applicantIsMember: boolean;
  };
  /** From the fund position: cash and the lending cap headroom. Checked again under the lock at disbursement. */
  cashFen: Fen;
  capHeadroomFen: Fen;
  /** The applicant is a co-obligor under an open group-liability call. */
  underLiabilityCall: boolean;
}

export function mutualAidRules(f: MutualAidFacts): FailedRule[] {
  const failed: FailedRule[] = [];
  if (!f.isMember) {
    failed.push({ code: 'NOT_FUND_MEMBER', field: 'householdId', message: "the household is not a member of this village's fund" });
  }
  if (f.amountFen > f.fundMaxLoanFen) {
    failed.push({ code: 'FUND_LOAN_LIMIT', field: 'amount', message: `the fund lends at most ${formatYuan(f.fundMaxLoanFen)} per loan` });
  }
  if (f.isFirstLoan && f.amountFen > f.fundFirstLoanMaxFen) {
    failed.push({
      code: 'FIRST_LOAN_LIMIT',
      field: 'amount',
      message: `a first loan may not exceed ${formatYuan(f.fundFirstLoanMaxFen)}`,
    });
  }
  if (f.termMonths > f.fundMaxTermMonths) {
    failed.push({ code: 'FUND_TERM_LIMIT', field: 'termMonths', message: `the fund lends for at most ${f.fundMaxTermMonths} months` });
  }
  if (f.otherActiveLoans > 0) {
    failed.push({ code: 'ACTIVE_LOAN_EXISTS', field: 'householdId', message: 'one active loan per household: this household already has one' });
  }
  if (f.underLiabilityCall) {
    failed.push({
      code: 'GROUP_LIABILITY_OPEN',
      field: 'householdId',
      message: 'the household is a co-obligor under an open group-liability call and cannot borrow until it is cleared',
    });
  }
  if (f.groupRequired && !f.group) {
    failed.push({ code: 'GROUP_REQUIRED', field: 'groupId', message: 'a joint-liability group (联保小组) must endorse this loan' });
  }
  if (f.group) {
    const g = f.group;
    if (!g.active) failed.push({ code: 'GROUP_INACTIVE', field: 'groupId', message: 'the group is dissolved' });
    if (!g.villageMatches) failed.push({ code: 'GROUP_OTHER_VILLAGE', field: 'groupId', message: "the group is not of the fund's village" });
    if (!g.applicantIsMember) failed.push({ code: 'NOT_GROUP_MEMBER', field: 'groupId', message: 'the applicant is not a member of the group' });
    if (g.size < g.minSize || g.size > g.maxSize) {
      failed.push({ code: 'GROUP_SIZE', field: 'groupId', message: `a group needs ${g.minSize}–${g.maxSize} members; it has ${g.size}` });
    }
    if (g.overdueMembers > 0) {
      failed.push({
        code: 'GROUP_MEMBER_OVERDUE',
        field: 'groupId',
        message: `while a group member is overdue no one in the group gets a new loan (${g.overdueMembers} overdue)`,
      });
    }
  }
  if (f.amountFen > f.capHeadroomFen) {
    failed.push({
      code: 'FUND_CAP_EXCEEDED',
      field: 'amount',
      message: `outstanding principal may not exceed the fund's lending cap; headroom is ${formatYuan(f.capHeadroomFen < 0n ? 0n : f.capHeadroomFen)}`,
    });
  }
  if (f.amountFen > f.cashFen) {
    failed.push({
      code: 'FUND_INSUFFICIENT_CASH',
      field: 'amount',
      message: `the fund has ${formatYuan(f.cashFen)} cash available`,
    });
  }
  return failed;
}
