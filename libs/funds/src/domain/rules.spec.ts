import { normalizeDecimal, validateRules, type FundRules } from './rules.js';

const DEFAULTS: FundRules = {
  lendingCapPercent: '90',
  maxLoanFen: 1_000_000n,
  firstLoanMaxFen: 500_000n,
  maxTermMonths: 12,
  usageFeeRatePercent: '6',
  groupRequired: true,
  groupMinSize: 3,
  groupMaxSize: 5,
  publicNoticeDays: 3,
  secondApprovalThresholdFen: 800_000n,
  shareLockMonths: 12,
  feeCapitalPercent: '40',
  feeRiskReservePercent: '20',
  feePublicWelfarePercent: '10',
  feeAdministrationPercent: '30',
  feeDividendPercent: '0',
};

const codes = (patch: Partial<FundRules>) =>
  validateRules({ ...DEFAULTS, ...patch }).map((e) => `${e.field}:${e.code}`);

describe('validateRules', () => {
  it('accepts the SPEC §2.1 defaults and edge values', () => {
    expect(codes({})).toEqual([]);
    expect(
      codes({
        lendingCapPercent: '100',
        publicNoticeDays: 0,
        shareLockMonths: 0,
        groupMinSize: 4,
        groupMaxSize: 4,
      }),
    ).toEqual([]);
    expect(codes({ lendingCapPercent: '0.01', firstLoanMaxFen: 1_000_000n })).toEqual([]);
    expect(
      codes({
        feeCapitalPercent: '33.33',
        feeRiskReservePercent: '33.33',
        feePublicWelfarePercent: '33.34',
        feeAdministrationPercent: '0',
      }),
    ).toEqual([]);
  });

  it.each([
    [{ lendingCapPercent: '0' }, 'lendingCapPercent:LENDING_CAP_RANGE'],
    [{ lendingCapPercent: '100.01' }, 'lendingCapPercent:LENDING_CAP_RANGE'],
    [{ lendingCapPercent: '90.001' }, 'lendingCapPercent:LENDING_CAP_RANGE'],
    [{ maxLoanFen: 0n }, 'maxLoan:LOAN_LIMIT_POSITIVE'],
    [{ firstLoanMaxFen: 0n }, 'firstLoanMax:LOAN_LIMIT_POSITIVE'],
    [{ firstLoanMaxFen: 1_000_001n }, 'firstLoanMax:FIRST_LOAN_ABOVE_MAX'],
    [{ secondApprovalThresholdFen: -1n }, 'secondApprovalThreshold:THRESHOLD_POSITIVE'],
    [{ maxTermMonths: 0 }, 'maxTermMonths:TERM_RANGE'],
    [{ maxTermMonths: 361 }, 'maxTermMonths:TERM_RANGE'],
    [{ usageFeeRatePercent: '36.5' }, 'usageFeeRatePercent:RATE_RANGE'],
    [{ groupMinSize: 0 }, 'groupMinSize:GROUP_SIZE_RANGE'],
    [{ groupMinSize: 6 }, 'groupMaxSize:GROUP_SIZE_ORDER'],
    [{ publicNoticeDays: -1 }, 'publicNoticeDays:NOTICE_DAYS_RANGE'],
    [{ shareLockMonths: -1 }, 'shareLockMonths:SHARE_LOCK_RANGE'],
    [{ shareLockMonths: 1.5 }, 'shareLockMonths:SHARE_LOCK_RANGE'],
    [{ feeDividendPercent: '5' }, 'feeDistribution:FEE_PERCENT_SUM'],
    [{ feeCapitalPercent: '39.99' }, 'feeDistribution:FEE_PERCENT_SUM'],
    [{ feeCapitalPercent: '101' }, 'feeCapitalPercent:FEE_PERCENT_RANGE'],
  ] as [Partial<FundRules>, string][])('%o fails with %s', (patch, expected) => {
    expect(codes(patch)).toEqual([expected]);
  });

  it('returns every broken rule at once', () => {
    expect(
      codes({
        lendingCapPercent: '0',
        groupMinSize: 5,
        groupMaxSize: 3,
        publicNoticeDays: -2,
        feeAdministrationPercent: '25',
        firstLoanMaxFen: 2_000_000n,
      }),
    ).toEqual([
      'lendingCapPercent:LENDING_CAP_RANGE',
      'firstLoanMax:FIRST_LOAN_ABOVE_MAX',
      'groupMaxSize:GROUP_SIZE_ORDER',
      'publicNoticeDays:NOTICE_DAYS_RANGE',
      'feeDistribution:FEE_PERCENT_SUM',
    ]);
  });

  it('skips the sum check when a part is itself invalid (one error per cause)', () => {
    expect(codes({ feeDividendPercent: 'abc' })).toEqual(['feeDividendPercent:FEE_PERCENT_RANGE']);
  });
});

describe('normalizeDecimal', () => {
  it.each([
    ['6.000000', '6'],
    ['4.350000', '4.35'],
    ['90.00', '90'],
    ['0.50', '0.5'],
    ['100', '100'],
  ])('%s → %s', (input, out) => expect(normalizeDecimal(input)).toBe(out));
});
