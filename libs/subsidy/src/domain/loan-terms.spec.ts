import {
  freshTerms,
  programmeLoan,
  termsFactsMissing,
  termsRefusalDetail,
  type LoanTermsFacts,
} from './loan-terms.js';
import { parsePolicy, type SubsidyPolicy } from './policy.js';

const policy = (p: Record<string, unknown>): SubsidyPolicy => {
  const r = parsePolicy({ programmeId: '4', ...p });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
};

const loan: LoanTermsFacts = {
  id: '42',
  loan_no: 'ML-42',
  channel: 'BANK_COVERED',
  borrower_type: 'ENTITY',
  bank_id: '3',
  fund_id: null,
  principal_fen: '30000000',
  term_months: 12,
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  day_count: 'ACT_365',
  rounding: 'HALF_UP',
  status: 'DISBURSED',
  flags: [],
  contract_date: '2026-01-05',
  product_version_id: '8',
};

describe('loan subsidy terms', () => {
  it('needs the contract date for a benchmark it must look up, and the contract rate for a capped policy', () => {
    const full = policy({ type: 'FULL_BENCHMARK' });
    expect(termsFactsMissing(loan, full, { benchmarkRatePercent: null, annualRatePercent: null })).toBeNull();
    expect(
      termsFactsMissing({ ...loan, contract_date: null }, full, {
        benchmarkRatePercent: null,
        annualRatePercent: null,
      }),
    ).toEqual({
      field: 'loans[42].contractDate',
      code: 'MISSING',
      message: 'loan ML-42 has no contract date for its benchmark rate',
    });
    expect(
      termsFactsMissing({ ...loan, contract_date: null }, full, {
        benchmarkRatePercent: '3.45',
        annualRatePercent: null,
      }),
    ).toBeNull();
    const capped = policy({ type: 'CAPPED', capPercent: '5' });
    expect(
      termsFactsMissing(loan, capped, { benchmarkRatePercent: null, annualRatePercent: null })?.field,
    ).toBe('loans[42].annualRatePercent');
    expect(
      termsFactsMissing(loan, capped, { benchmarkRatePercent: null, annualRatePercent: '6.5' }),
    ).toBeNull();
  });

  it('freezes the terms with the linked poor households of an entity, none for a household', () => {
    const p = policy({ type: 'FULL_BENCHMARK' });
    const entity = freshTerms(loan, p, {
      annualRatePercent: '6',
      benchmarkRatePercent: '3.45',
      linkedPoorCount: 2,
    });
    expect(entity.terms.ratePercent).toBe('3.45');
    expect(entity.frozen).toMatchObject({
      loanId: '42',
      versionId: '8',
      rate: '3.45',
      benchmark: '3.45',
      linked: 2,
    });
    expect(entity.frozen.cap).toBe(entity.terms.basisCapFen.toString());
    const household = freshTerms({ ...loan, borrower_type: 'HOUSEHOLD' }, p, {
      annualRatePercent: '6',
      benchmarkRatePercent: '3.45',
      linkedPoorCount: 7,
    });
    expect(household.frozen.linked).toBeNull();
  });

  it('pays the subsidy of a covered loan to its bank, of a mutual-aid loan to its fund', () => {
    const p = policy({ type: 'FIXED_RATE', ratePercent: '2' });
    const terms = { ratePercent: '2', basisCapFen: 5_000_000n };
    expect(programmeLoan(loan, p, terms)).toMatchObject({
      payeeType: 'BANK',
      payeeId: '3',
      policyType: 'FIXED_RATE',
    });
    const fundLoan = programmeLoan({ ...loan, channel: 'MUTUAL_AID', bank_id: null, fund_id: '9' }, p, terms);
    expect(fundLoan).toMatchObject({ payeeType: 'FUND', payeeId: '9' });
    expect(fundLoan.facts.principalFen).toBe(30_000_000n);
  });

  it('counts the product versions and loans a refusal names', () => {
    expect(
      termsRefusalDetail([
        { field: 'loans[1].contractDate', message: 'a' },
        { field: 'loans[1].annualRatePercent', message: 'b' },
        { field: 'productVersions[2].subsidyPolicy.type', message: 'c' },
      ]),
    ).toBe('the subsidy of 2 product version(s) or loan(s) cannot be computed: a; b; c');
  });
});
