import type { FieldErrorCode } from '#libs/common';
import { disbursementRefusalCode, mutualAidRules, type MutualAidFacts } from './eligibility.js';

const eligible: MutualAidFacts = {
  amountFen: 300_000n,
  termMonths: 12,
  fundStatus: 'ACTIVE',
  householdInFundVillage: true,
  fundMaxLoanFen: 1_000_000n,
  fundFirstLoanMaxFen: 500_000n,
  fundMaxTermMonths: 12,
  isFirstLoan: true,
  isMember: true,
  otherActiveLoans: 0,
  groupRequired: true,
  group: { active: true, villageMatches: true, size: 4, minSize: 3, maxSize: 5, overdueMembers: 0, applicantIsMember: true },
  cashFen: 10_000_000n,
  capHeadroomFen: 9_000_000n,
  underLiabilityCall: false,
};
const codes = (f: Partial<MutualAidFacts>) => mutualAidRules({ ...eligible, ...f }).map((r) => r.code);
const group = (g: Partial<NonNullable<MutualAidFacts['group']>>) => ({ group: { ...eligible.group!, ...g } });

describe('mutualAidRules', () => {
  it('passes an eligible application', () => {
    expect(mutualAidRules(eligible)).toEqual([]);
  });

  // Each rule: the failing case, and the boundary that passes.
  it.each<[string, Partial<MutualAidFacts>, Partial<MutualAidFacts>]>([
    ['FUND_NOT_ACTIVE', { fundStatus: 'SUSPENDED' }, { fundStatus: 'ACTIVE' }],
    ['HOUSEHOLD_NOT_OF_FUND_VILLAGE', { householdInFundVillage: false }, { householdInFundVillage: true }],
    ['NOT_FUND_MEMBER', { isMember: false }, { isMember: true }],
    ['FUND_LOAN_LIMIT', { amountFen: 1_000_001n, isFirstLoan: false }, { amountFen: 1_000_000n, isFirstLoan: false }],
    ['FIRST_LOAN_LIMIT', { amountFen: 500_001n }, { amountFen: 500_000n }],
    ['FUND_TERM_LIMIT', { termMonths: 13 }, { termMonths: 12 }],
    ['ACTIVE_LOAN_EXISTS', { otherActiveLoans: 1 }, { otherActiveLoans: 0 }],
    ['GROUP_LIABILITY_OPEN', { underLiabilityCall: true }, { underLiabilityCall: false }],
    ['GROUP_REQUIRED', { group: null }, { group: null, groupRequired: false }],
    ['GROUP_INACTIVE', group({ active: false }), group({ active: true })],
    ['GROUP_OTHER_VILLAGE', group({ villageMatches: false }), group({ villageMatches: true })],
    ['NOT_GROUP_MEMBER', group({ applicantIsMember: false }), group({ applicantIsMember: true })],
    ['GROUP_SIZE', group({ size: 2 }), group({ size: 3 })],
    ['GROUP_SIZE', group({ size: 6 }), group({ size: 5 })],
    ['GROUP_MEMBER_OVERDUE', group({ overdueMembers: 1 }), group({ overdueMembers: 0 })],
    ['FUND_CAP_EXCEEDED', { capHeadroomFen: 299_999n }, { capHeadroomFen: 300_000n }],
    ['FUND_INSUFFICIENT_CASH', { cashFen: 299_999n }, { cashFen: 300_000n }],
  ])('%s fails and passes at its boundary', (code, failing, passing) => {
    expect(codes(failing)).toEqual([code]);
    expect(codes(passing)).toEqual([]);
  });

  it('reports every failed rule at once, each naming its field', () => {
    const failed = mutualAidRules({
      ...eligible,
      fundStatus: 'CLOSED',
      isMember: false,
      amountFen: 2_000_000n,
      termMonths: 24,
      otherActiveLoans: 2,
      underLiabilityCall: true,
      group: { active: true, villageMatches: false, size: 6, minSize: 3, maxSize: 5, overdueMembers: 2, applicantIsMember: false },
      cashFen: -5n,
      capHeadroomFen: -100n,
    });
    expect(failed.map((f) => [f.code, f.field])).toEqual([
      ['FUND_NOT_ACTIVE', 'householdId'],
      ['NOT_FUND_MEMBER', 'householdId'],
      ['FUND_LOAN_LIMIT', 'amount'],
      ['FIRST_LOAN_LIMIT', 'amount'],
      ['FUND_TERM_LIMIT', 'termMonths'],
      ['ACTIVE_LOAN_EXISTS', 'householdId'],
      ['GROUP_LIABILITY_OPEN', 'householdId'],
      ['GROUP_OTHER_VILLAGE', 'groupId'],
      ['NOT_GROUP_MEMBER', 'groupId'],
      ['GROUP_SIZE', 'groupId'],
      ['GROUP_MEMBER_OVERDUE', 'groupId'],
      ['FUND_CAP_EXCEEDED', 'amount'],
      ['FUND_INSUFFICIENT_CASH', 'amount'],
    ]);
    // negative headroom or cash is never shown as a negative amount to lend
    expect(failed.find((f) => f.code === 'FUND_CAP_EXCEEDED')!.message).toContain('headroom is 0.00');
    expect(failed.find((f) => f.code === 'FUND_INSUFFICIENT_CASH')!.message).toContain('0.00 cash');
  });
});

describe('disbursementRefusalCode', () => {
  const rule = (code: FieldErrorCode) => ({ code, field: 'amount', message: code });
  it('names the money rule when only money rules fail, cash before cap', () => {
    expect(disbursementRefusalCode([rule('FUND_INSUFFICIENT_CASH')])).toBe('FUND_INSUFFICIENT_CASH');
    expect(disbursementRefusalCode([rule('FUND_CAP_EXCEEDED')])).toBe('FUND_CAP_EXCEEDED');
    expect(disbursementRefusalCode([rule('FUND_CAP_EXCEEDED'), rule('FUND_INSUFFICIENT_CASH')])).toBe('FUND_INSUFFICIENT_CASH');
  });
  it('is LOAN_NOT_ELIGIBLE as soon as any other rule fails', () => {
    expect(disbursementRefusalCode([rule('FUND_INSUFFICIENT_CASH'), rule('AGE_OUT_OF_RANGE')])).toBe('LOAN_NOT_ELIGIBLE');
  });
});
