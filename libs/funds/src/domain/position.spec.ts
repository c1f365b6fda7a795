import fc from 'fast-check';
import { computePosition, lendingCapOf, type FundBalances } from './position.js';
import { maxWithdrawableUnderCap } from './shares.js';

const balances = (
  over: Partial<FundBalances> & { capital?: Partial<FundBalances['capitalBySourceFen']> } = {},
): FundBalances => ({
  cashFen: over.cashFen ?? 0n,
  loansFen: over.loansFen ?? 0n,
  interestReceivableFen: over.interestReceivableFen ?? 0n,
  capitalBySourceFen: {
    CENTRAL: 0n,
    CITY: 0n,
    DISTRICT: 0n,
    SOE: 0n,
    DONATION: 0n,
    MEMBER: 0n,
    ...over.capital,
  },
  capitalAccumulatedFen: over.capitalAccumulatedFen ?? 0n,
});

describe('computePosition', () => {
  it('computes the cap, headroom, availability and utilisation exactly', () => {
    // 520,000 + 3,000 member + 2,000 accumulated = 525,000 capital; 60,000 lent; 465,000 cash.
    const p = computePosition(
      balances({
        cashFen: 46_500_000n,
        loansFen: 6_000_000n,
        capital: { CITY: 20_000_000n, DISTRICT: 30_000_000n, DONATION: 2_000_000n, MEMBER: 300_000n },
        capitalAccumulatedFen: 200_000n,
      }),
      '90',
      { all: 5, poor: 2 },
    );
    expect(p.capitalFen).toBe(52_500_000n);
    expect(p.lendingCapFen).toBe(47_250_000n);
    expect(p.capHeadroomFen).toBe(41_250_000n);
    expect(p.availableToLendFen).toBe(41_250_000n);
    expect(p.capUtilisationPercent).toBe('12.70');
    expect(p.capitalBySourceFen.ACCUMULATED).toBe(200_000n);
    expect([p.memberCount, p.poorMemberCount]).toEqual([5, 2]);
  });

  it('is limited by cash when cash is short, and never negative', () => {
    const low = computePosition(
      balances({ cashFen: 100n, loansFen: 0n, capital: { CITY: 1_000_000n } }),
      '90',
      { all: 0, poor: 0 },
    );
    expect(low.availableToLendFen).toBe(100n);
    const over = computePosition(
      balances({ cashFen: 500_000n, loansFen: 950_000n, capital: { CITY: 1_000_000n } }),
      '90',
      { all: 0, poor: 0 },
    );
    expect(over.capHeadroomFen).toBe(-50_000n);
    expect(over.availableToLendFen).toBe(0n);
  });

  it('rounds the cap down to the fen and reports no utilisation for an empty fund', () => {
    expect(lendingCapOf(333n, '90')).toBe(299n); // 299.7
    expect(lendingCapOf(1n, '33.33')).toBe(0n);
    expect(computePosition(balances(), '90', { all: 0, poor: 0 }).capUtilisationPercent).toBeNull();
  });

  it('property: available ≤ cash, ≤ headroom, ≥ 0, and lending it keeps outstanding within the cap', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 1, max: 10000 }),
        (cash, loans, capital, capBasisPoints) => {
          const pct = `${Math.floor(capBasisPoints / 100)}.${String(capBasisPoints % 100).padStart(2, '0')}`;
          const p = computePosition(
            balances({ cashFen: cash, loansFen: loans, capital: { CITY: capital } }),
            pct,
            { all: 0, poor: 0 },
          );
          expect(p.availableToLendFen >= 0n).toBe(true);
          expect(p.availableToLendFen <= cash).toBe(true);
          if (p.availableToLendFen > 0n) {
            // outstanding after lending it all, × 10000 ≤ capital × basis points (the exact rule)
            expect((loans + p.availableToLendFen) * 10000n <= capital * BigInt(capBasisPoints)).toBe(true);
            // and one fen more would break the cap or the cash
            const more = loans + p.availableToLendFen + 1n;
            expect(more * 10000n > capital * BigInt(capBasisPoints) || p.availableToLendFen + 1n > cash).toBe(
              true,
            );
          }
        },
      ),
    );
  });

  it('property: maxWithdrawableUnderCap is the exact boundary of the cap rule', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        fc.integer({ min: 1, max: 10000 }),
        (capital, loans, bp) => {
          const pct = `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
          const w = maxWithdrawableUnderCap(capital, loans, pct);
          const holds = (c: bigint) => loans * 10000n <= c * BigInt(bp);
          if (w > 0n) expect(holds(capital - w)).toBe(true);
          if (w < capital && holds(capital)) expect(holds(capital - w - 1n)).toBe(false);
        },
      ),
    );
  });
});
