import { fundAccounts } from './accounts.js';
import {
  closingErrors,
  contributionRefusals,
  infoOf,
  positionAccounts,
  positionFacts,
  ruleColumnChanges,
  rulesOf,
  stripUndefined,
  type FundRow,
} from './fund.js';
import { memberView } from './members.js';
import { fundView } from './views.js';
import { computePosition } from './position.js';

const row: FundRow = {
  id: '7',
  village_id: '3',
  village_code: '370302106201',
  village_name: '东坪村',
  district_id: '2',
  name: '东坪村互助资金',
  status: 'ACTIVE',
  lending_cap_percent: '80.000000',
  max_loan_fen: '5000000',
  first_loan_max_fen: '2000000',
  max_term_months: 12,
  usage_fee_rate_percent: '6.000000',
  group_required: true,
  group_min_size: 3,
  group_max_size: 5,
  public_notice_days: 7,
  second_approval_threshold_fen: '3000000',
  share_lock_months: 12,
  fee_capital_percent: '50.000000',
  fee_risk_reserve_percent: '20.000000',
  fee_public_welfare_percent: '10.000000',
  fee_administration_percent: '10.000000',
  fee_dividend_percent: '10.000000',
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: new Date('2026-01-02T00:00:00Z'),
};

describe('fund rows and rules', () => {
  it('reads rules exactly: decimals normalized, fen as bigint', () => {
    const r = rulesOf(row);
    expect(r.lendingCapPercent).toBe('80');
    expect(r.usageFeeRatePercent).toBe('6');
    expect(r.maxLoanFen).toBe(5_000_000n);
    expect(r.secondApprovalThresholdFen).toBe(3_000_000n);
  });

  it('gives other libraries identity, rules and account codes', () => {
    const info = infoOf(row);
    expect(info).toMatchObject({ id: '7', villageId: '3', districtId: '2', status: 'ACTIVE' });
    expect(info.accounts).toEqual(fundAccounts('7'));
    expect(info.updatedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('writes only the rule columns that changed, fen as text', () => {
    const before = rulesOf(row);
    expect(ruleColumnChanges(before, before)).toEqual([]);
    expect(
      ruleColumnChanges(before, {
        ...before,
        maxLoanFen: 6_000_000n,
        groupRequired: false,
        lendingCapPercent: '80',
      }),
    ).toEqual([
      ['max_loan_fen', '6000000'],
      ['group_required', false],
    ]);
  });

  it('keeps only the fields a patch gives', () => {
    expect(stripUndefined({ a: 1, b: undefined, c: false })).toEqual({ a: 1, c: false });
  });

  it('names every account that still holds money before a fund closes', () => {
    expect(closingErrors([])).toEqual([]);
    expect(closingErrors([{ code: 'MAF:7:CASH', balance_fen: '12' }])).toEqual([
      { field: 'MAF:7:CASH', code: 'BALANCE_NOT_ZERO', message: 'balance 12 fen' },
    ]);
  });
});

describe('fund position facts', () => {
  it('reads every position account, and names the first one missing', () => {
    const codes = positionAccounts('7');
    const balances = new Map(codes.map((c, i) => [c, BigInt(i * 100)]));
    const a = fundAccounts('7');
    const { facts, missing } = positionFacts('7', balances);
    expect(missing).toBeNull();
    expect(facts!.cashFen).toBe(balances.get(a.cash));
    expect(facts!.capitalBySourceFen.MEMBER).toBe(balances.get(a.capital.MEMBER));
    balances.delete(a.loans);
    expect(positionFacts('7', balances)).toEqual({ facts: null, missing: a.loans });
  });
});

describe('contribution refusals', () => {
  const fund = { status: 'ACTIVE' as const, villageId: '3', villageName: '东坪村' };
  const codes = (f: { code: string }[]) => f.map((x) => x.code);

  it('accepts money without a household, and a member of the village', () => {
    expect(contributionRefusals(fund, { householdId: null, fiscalFunded: false }, undefined)).toEqual([]);
    expect(
      contributionRefusals(
        fund,
        { householdId: '9', fiscalFunded: true },
        { village_id: '3', status: 'POOR' },
      ),
    ).toEqual([]);
  });

  it('refuses a closed fund, an unknown household, another village, a fiscal share of a non-poor household', () => {
    expect(
      codes(
        contributionRefusals(
          { ...fund, status: 'CLOSED' },
          { householdId: '9', fiscalFunded: false },
          undefined,
        ),
      ),
    ).toEqual(['FUND_CLOSED', 'FUND_HOUSEHOLD_NOT_FOUND']);
    expect(
      codes(
        contributionRefusals(
          fund,
          { householdId: '9', fiscalFunded: true },
          { village_id: '4', status: 'NORMAL' },
        ),
      ),
    ).toEqual(['FUND_MEMBER_NOT_OF_VILLAGE', 'FUND_FISCAL_SHARE_NOT_POOR']);
  });
});

describe('member and fund views', () => {
  it('shows shares in yuan and the first day the paid share may be withdrawn', () => {
    const v = memberView(
      {
        id: '1',
        fund_id: '7',
        household_id: '9',
        joined_on: '2026-01-31',
        status: 'ACTIVE',
        paid_share_fen: '10000',
        fiscal_share_fen: '5000',
        withdrawn_fen: '0',
        left_on: null,
        created_at: new Date(),
        updated_at: new Date(),
      },
      1,
    );
    expect(v).toMatchObject({
      paidShare: '100.00',
      fiscalShare: '50.00',
      totalShare: '150.00',
      withdrawableFrom: '2026-02-28',
    });
  });

  it('shows a fund with its rules and position as the API does', () => {
    const info = infoOf(row);
    const position = computePosition(
      {
        cashFen: 100n,
        loansFen: 0n,
        interestReceivableFen: 0n,
        capitalBySourceFen: { CENTRAL: 100n, CITY: 0n, DISTRICT: 0n, SOE: 0n, DONATION: 0n, MEMBER: 0n },
        capitalAccumulatedFen: 0n,
      },
      info.rules.lendingCapPercent,
      { all: 0, poor: 0 },
    );
    const v = fundView(info, position);
    expect(v.rules.maxLoan).toBe('50000.00');
    expect(v.id).toBe('7');
  });
});
