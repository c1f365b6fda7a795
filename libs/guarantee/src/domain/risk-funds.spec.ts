import {
  closeProblems,
  contributionYear,
  DEFAULT_MINIMUM_FEN,
  DEFAULT_NPL_OVERDUE_DAYS,
  depositMemo,
  fundView,
  newFundTerms,
  type FundRecord,
} from './risk-funds.js';

const record: FundRecord = {
  id: '1',
  district_id: '11',
  district_code: 'D01',
  district_name: 'East',
  heavy_task: true,
  name: 'East fund',
  status: 'ACTIVE',
  minimum_fund_fen: '500000000',
  npl_overdue_days: 90,
  created_by: 'admin',
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: new Date('2026-01-02T00:00:00Z'),
  version: 1,
  balance_fen: '400000000',
  capital: { CITY: '300000000', DISTRICT: '100000000' },
  interest_fen: '0',
  compensation_fen: '0',
  recovery_fen: '0',
  available_fen: '400000000',
  shortfall_fen: '0',
};

describe('risk funds', () => {
  it('creates a fund with the defaults where nothing is said', () => {
    expect(newFundTerms({}, 'East')).toEqual({
      name: 'East risk compensation fund',
      minimumFen: DEFAULT_MINIMUM_FEN,
      nplOverdueDays: DEFAULT_NPL_OVERDUE_DAYS,
    });
    expect(newFundTerms({ name: 'F', minimumFund: '0.00', nplOverdueDays: 60 }, 'East')).toEqual({
      name: 'F',
      minimumFen: 0n,
      nplOverdueDays: 60,
    });
  });

  it('closes only an empty fund with no open covers, every reason at once', () => {
    expect(closeProblems('0.00', 0)).toEqual([]);
    expect(closeProblems('1.00', 2).map((p) => p.message)).toEqual([
      'the fund still holds 1.00',
      '2 covered loan(s) are still open',
    ]);
  });

  it('shows capital by every source and the minimum shortfall of a heavy-task fund', () => {
    const v = fundView(record);
    expect(v.capital).toEqual({ CENTRAL: '0.00', CITY: '3000000.00', DISTRICT: '1000000.00', SOE: '0.00' });
    expect(v).toMatchObject({ belowMinimum: true, minimumShortfall: '1000000.00', balance: '4000000.00' });
    expect(fundView({ ...record, heavy_task: false }).belowMinimum).toBe(false);
  });

  it('names the deposit and its year', () => {
    expect(depositMemo('CITY', 'DOC-1')).toBe('CITY deposit (DOC-1)');
    expect(depositMemo('CITY')).toBe('CITY deposit');
    expect(contributionYear('2026-03-01')).toBe(2026);
  });
});
