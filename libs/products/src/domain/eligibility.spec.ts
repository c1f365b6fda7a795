import { ageOn, checkLoanRequest, type EligibilityTerms, type LoanRequestFacts } from './eligibility.js';
import { installmentCount } from './enums.js';
import { PRODUCTIVE_PURPOSES } from './purposes.js';

const household: EligibilityTerms = {
  kind: 'HOUSEHOLD_MICROCREDIT',
  active: true,
  minPrincipalFen: 100_000n,
  maxPrincipalFen: 5_000_000n,
  firstLoanMaxFen: null,
  minTermMonths: 1,
  maxTermMonths: 36,
  frequency: 'MONTHLY',
  allowedPurposes: [...PRODUCTIVE_PURPOSES],
  eligibleStatuses: ['POOR', 'GRADUATED'],
  minAge: 18,
  maxAge: 65,
  requiresGroup: false,
  requiresGuaranteeFund: true,
  maxPerLinkedHouseholdFen: null,
};

const ok: LoanRequestFacts = { principalFen: 3_000_000n, termMonths: 24, purpose: 'BREEDING', householdStatus: 'POOR', borrowerAge: 40 };
const codes = (terms: EligibilityTerms, facts: Partial<LoanRequestFacts>) =>
  checkLoanRequest(terms, { ...ok, ...facts }).map((f) => `${f.field}:${f.code}`);

describe('checkLoanRequest', () => {
  it('passes an eligible request', () => expect(codes(household, {})).toEqual([]));

  it.each<[string, Partial<LoanRequestFacts>, string[]]>([
    ['amount at the bounds', { principalFen: 100_000n }, []],
    ['amount at the max', { principalFen: 5_000_000n }, []],
    ['amount one fen above the max', { principalFen: 5_000_001n }, ['amount:AMOUNT_ABOVE_MAX']],
    ['amount below the min', { principalFen: 99_999n }, ['amount:AMOUNT_BELOW_MIN']],
    ['term beyond the max', { termMonths: 37 }, ['termMonths:TERM_OUT_OF_RANGE']],
    ['term zero', { termMonths: 0 }, ['termMonths:TERM_OUT_OF_RANGE']],
    ['fractional term', { termMonths: 1.5 }, ['termMonths:TERM_OUT_OF_RANGE']],
    ['non-productive purpose', { purpose: 'MARRIAGE' }, ['purpose:PURPOSE_NOT_ALLOWED']],
    ['unknown purpose', { purpose: 'GAMBLING' }, ['purpose:PURPOSE_UNKNOWN']],
    ['non-poor household', { householdStatus: 'NON_POOR' }, ['householdStatus:STATUS_NOT_ELIGIBLE']],
    ['status unknown', { householdStatus: null }, ['householdStatus:STATUS_NOT_ELIGIBLE']],
    ['17 years old', { borrowerAge: 17 }, ['birthDate:AGE_OUT_OF_RANGE']],
    ['66 years old', { borrowerAge: 66 }, ['birthDate:AGE_OUT_OF_RANGE']],
    ['65 years old', { borrowerAge: 65 }, []],
    ['age unknown', { borrowerAge: undefined }, ['birthDate:AGE_OUT_OF_RANGE']],
    ['an entity borrowing', { borrowerType: 'ENTITY' }, ['borrowerType:BORROWER_TYPE_NOT_ALLOWED']],
    ['no guarantee fund', { hasGuaranteeFund: false }, ['fundId:GUARANTEE_FUND_REQUIRED']],
  ])('%s', (_name, facts, expected) => expect(codes(household, facts)).toEqual(expected));

  it('returns every failed rule at once', () => {
    expect(
      codes(household, { principalFen: 6_000_000n, termMonths: 48, purpose: 'CONSUMPTION', householdStatus: 'NON_POOR', borrowerAge: 70 }),
    ).toEqual([
      'amount:AMOUNT_ABOVE_MAX',
      'termMonths:TERM_OUT_OF_RANGE',
      'purpose:PURPOSE_NOT_ALLOWED',
      'householdStatus:STATUS_NOT_ELIGIBLE',
      'birthDate:AGE_OUT_OF_RANGE',
    ]);
  });

  it('refuses non-productive purposes for microcredit even if the terms were to list them', () => {
    expect(codes({ ...household, allowedPurposes: ['PLANTING', 'MARRIAGE'] }, { purpose: 'MARRIAGE' })).toEqual(['purpose:PURPOSE_NOT_ALLOWED']);
    expect(codes({ ...household, kind: 'MUTUAL_AID', allowedPurposes: ['PLANTING', 'MARRIAGE'] }, { purpose: 'MARRIAGE' })).toEqual([]);
  });

  it('applies the first-loan cap only to a first loan', () => {
    const mutual: EligibilityTerms = { ...household, kind: 'MUTUAL_AID', maxPrincipalFen: 1_000_000n, firstLoanMaxFen: 500_000n, requiresGroup: true };
    expect(codes(mutual, { principalFen: 600_000n, termMonths: 12, isFirstLoan: true })).toEqual(['amount:FIRST_LOAN_ABOVE_MAX']);
    expect(codes(mutual, { principalFen: 600_000n, termMonths: 12, isFirstLoan: false })).toEqual([]);
    expect(codes(mutual, { principalFen: 500_000n, termMonths: 12, isFirstLoan: true })).toEqual([]);
    expect(codes(mutual, { termMonths: 12, principalFen: 500_000n, hasGroup: false })).toEqual(['groupId:GROUP_REQUIRED']);
  });

  it('caps entity credit per linked poor household', () => {
    const entity: EligibilityTerms = {
      ...household,
      kind: 'ENTITY_LOAN',
      maxPrincipalFen: 300_000_000n,
      eligibleStatuses: [],
      minAge: null,
      maxAge: null,
      maxPerLinkedHouseholdFen: 5_000_000n,
    };
    const base = { borrowerType: 'ENTITY' as const, householdStatus: undefined, borrowerAge: undefined };
    expect(codes(entity, { ...base, principalFen: 15_000_000n, linkedPoorHouseholds: 3 })).toEqual([]);
    expect(codes(entity, { ...base, principalFen: 15_000_001n, linkedPoorHouseholds: 3 })).toEqual(['amount:AMOUNT_ABOVE_LINKED_CAP']);
    expect(codes(entity, { ...base, principalFen: 15_000_000n })).toEqual(['linkedPoorHouseholds:LINKED_HOUSEHOLDS_REQUIRED']);
    expect(codes(entity, { ...base, principalFen: 300_000_001n, linkedPoorHouseholds: 100 })).toEqual(['amount:AMOUNT_ABOVE_MAX']);
  });

  it('needs a quarterly term in whole quarters', () => {
    expect(codes({ ...household, frequency: 'QUARTERLY' }, { termMonths: 7 })).toEqual(['termMonths:TERM_NOT_WHOLE_PERIODS']);
    expect(codes({ ...household, frequency: 'QUARTERLY' }, { termMonths: 9 })).toEqual([]);
  });

  it('refuses anything under an inactive product', () => {
    expect(codes({ ...household, active: false }, {})).toEqual(['productId:PRODUCT_INACTIVE']);
  });

  it('names the caller’s fields when asked', () => {
    const failures = checkLoanRequest(household, { ...ok, principalFen: 1n }, { amount: 'principal' });
    expect(failures.map((f) => f.field)).toEqual(['principal']);
  });
});

describe('ageOn', () => {
  it.each([
    ['2000-06-15', '2018-06-14', 17],
    ['2000-06-15', '2018-06-15', 18],
    ['1960-01-01', '2025-12-31', 65],
    ['1960-01-01', '2026-01-01', 66],
    ['2004-02-29', '2022-02-28', 17],
    ['2004-02-29', '2022-03-01', 18],
    ['2004-02-29', '2024-02-29', 20],
  ])('born %s, on %s: %i', (birth, on, age) => expect(ageOn(birth, on)).toBe(age));
});

describe('installmentCount', () => {
  it('counts whole periods', () => {
    expect(installmentCount('MONTHLY', 36)).toBe(36);
    expect(installmentCount('QUARTERLY', 12)).toBe(4);
    expect(installmentCount('QUARTERLY', 10)).toBeNull();
    expect(installmentCount('AT_MATURITY', 7)).toBe(1);
  });
});
