import { addMonths, withdrawalRules, type WithdrawalFacts } from './shares.js';

const facts = (over: Partial<WithdrawalFacts> = {}): WithdrawalFacts => ({
  amountFen: 100_000n,
  today: '2026-06-01',
  fundStatus: 'ACTIVE',
  member: { status: 'ACTIVE', joinedOn: '2025-01-15', paidShareFen: 100_000n, fiscalShareFen: 0n },
  shareLockMonths: 12,
  outstandingLoans: 0,
  cashFen: 1_000_000n,
  loansFen: 0n,
  capitalFen: 1_000_000n,
  lendingCapPercent: '90',
  ...over,
});
const codes = (over: Partial<WithdrawalFacts>) => withdrawalRules(facts(over)).map((e) => e.code);

describe('addMonths', () => {
  it.each([
    ['2025-01-15', 12, '2026-01-15'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2025-11-30', 3, '2026-02-28'],
    ['2025-05-10', 0, '2025-05-10'],
  ])('%s + %i months = %s', (d, n, out) => expect(addMonths(d, n)).toBe(out));
});

describe('withdrawalRules', () => {
  it('passes a withdrawal within the paid share, after the lock, with cash and cap room', () => {
    expect(codes({})).toEqual([]);
  });

  it('unlocks on the anniversary day, not before', () => {
    expect(codes({ today: '2026-01-14' })).toEqual(['SHARE_LOCKED']);
    expect(codes({ today: '2026-01-15' })).toEqual([]);
    expect(codes({ today: '2025-01-15', shareLockMonths: 0 })).toEqual([]);
  });

  it('refuses more than the member-paid share and names the fiscal share as not withdrawable', () => {
    const [e] = withdrawalRules(
      facts({
        amountFen: 100_001n,
        member: { status: 'ACTIVE', joinedOn: '2025-01-15', paidShareFen: 100_000n, fiscalShareFen: 50_000n },
      }),
    );
    expect(e.code).toBe('SHARE_INSUFFICIENT');
    expect(e.message).toMatch(/fiscal-funded share of 500.00 is not withdrawable/);
  });

  it('refuses a fund that would go below zero cash or above its cap, at the exact boundary', () => {
    expect(codes({ cashFen: 100_000n })).toEqual([]);
    expect(codes({ cashFen: 99_999n })).toEqual(['FUND_INSUFFICIENT_CASH']);
    // capital after = 900,000 fen → cap 810,000
    expect(codes({ loansFen: 810_000n })).toEqual([]);
    expect(codes({ loansFen: 810_001n })).toEqual(['FUND_CAP_EXCEEDED']);
  });

  it('refuses while the household owes the fund principal', () => {
    expect(codes({ outstandingLoans: 1 })).toEqual(['FUND_MEMBER_HAS_LOAN']);
  });

  it('stops at non-membership (nothing else can be judged) and returns every other failure together', () => {
    expect(codes({ member: null, cashFen: 0n })).toEqual(['FUND_NOT_A_MEMBER']);
    expect(
      codes({ member: { status: 'LEFT', joinedOn: '2020-01-01', paidShareFen: 0n, fiscalShareFen: 0n } }),
    ).toEqual(['FUND_NOT_A_MEMBER']);
    expect(
      codes({
        fundStatus: 'CLOSED',
        today: '2025-02-01',
        amountFen: 200_000n,
        outstandingLoans: 1,
        cashFen: 10n,
        loansFen: 900_000n,
      }),
    ).toEqual([
      'FUND_CLOSED',
      'SHARE_INSUFFICIENT',
      'SHARE_LOCKED',
      'FUND_MEMBER_HAS_LOAN',
      'FUND_INSUFFICIENT_CASH',
      'FUND_CAP_EXCEEDED',
    ]);
  });
});
