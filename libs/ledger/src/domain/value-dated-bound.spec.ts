import fc from 'fast-check';
import { balanceAsOf, firstNegativeDate, type DatedChange } from './value-dated-bound.js';

describe('firstNegativeDate', () => {
  it('is undefined when every date stays at or above zero', () => {
    const later: DatedChange[] = [
      { date: '2026-03-05', deltaFen: -300n },
      { date: '2026-03-09', deltaFen: 500n },
    ];
    expect(firstNegativeDate('2026-03-01', 1000n, -700n, later)).toBeUndefined();
  });

  it('names the value date itself when the entry alone takes the balance below zero', () => {
    expect(firstNegativeDate('2026-03-01', 100n, -250n, [])).toEqual({ date: '2026-03-01', shortfallFen: 150n });
  });

  it('names the first intermediate date that fails, even when the latest balance is positive', () => {
    // 1,000 on 03-01; a withdrawal of 800 on 03-05 and a deposit of 2,000 on 03-20 are already booked.
    // Back-dating a withdrawal of 500 to 03-02 leaves 500 on 03-02, −300 on 03-05 and 1,700 on 03-20.
    const later: DatedChange[] = [
      { date: '2026-03-05', deltaFen: -800n },
      { date: '2026-03-20', deltaFen: 2000n },
    ];
    expect(firstNegativeDate('2026-03-02', 1000n, -500n, later)).toEqual({ date: '2026-03-05', shortfallFen: 300n });
  });

  it('refuses changes that are not ascending after the value date', () => {
    expect(() => firstNegativeDate('2026-03-02', 0n, 0n, [{ date: '2026-03-02', deltaFen: 1n }])).toThrow();
  });

  it('balanceAsOf takes the later changes off the current balance', () => {
    expect(balanceAsOf(1000n, [{ date: '2026-03-05', deltaFen: -800n }, { date: '2026-03-20', deltaFen: 2000n }])).toBe(-200n);
  });

  it('agrees with a day-by-day replay of the running balance', () => {
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 0, max: 30 }), delta: fc.bigInt({ min: -500n, max: 500n }) }), {
          maxLength: 20,
        }),
        fc.integer({ min: 0, max: 30 }),
        fc.bigInt({ min: -1000n, max: 0n }),
        (history, at, delta) => {
          const byDay = new Map<number, bigint>();
          for (const h of history) byDay.set(h.day, (byDay.get(h.day) ?? 0n) + h.delta);
          const current = [...byDay.values()].reduce((a, b) => a + b, 0n);
          const later = [...byDay]
            .filter(([d]) => d > at)
            .sort(([a], [b]) => a - b)
            .map(([d, deltaFen]) => ({ date: day(d), deltaFen }));
          const opening = balanceAsOf(current, later);
          // reference: the balance of every day from `at` to the last day, entry included
          let expected: { date: string; shortfallFen: bigint } | undefined;
          for (let d = at; d <= 30 && !expected; d++) {
            let b = delta;
            for (const [k, v] of byDay) if (k <= d) b += v;
            if (b < 0n) expected = { date: day(d), shortfallFen: -b };
          }
          expect(firstNegativeDate(day(at), opening, delta, later)).toEqual(expected);
        },
      ),
    );
  });
});
