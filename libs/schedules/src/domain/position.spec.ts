import fc from 'fast-check';
import { generateSchedule } from './generate.js';
import {
  accruedInterest,
  dueAsOf,
  payoffAmount,
  positionOf,
  type LoanPosition,
  type PaidComponents,
} from './position.js';
import type { ScheduleRequest } from './types.js';

// 1200.00 at 12 % over 3 months from 2024-01-31 (see generate.spec.ts):
//   1  2024-01-31 → 2024-02-29  29 days  principal 396.03  interest 12.00
//   2  2024-02-29 → 2024-03-31  31 days  principal 399.99  interest  8.04
//   3  2024-03-31 → 2024-04-30  30 days  principal 403.98  interest  4.04
const terms: ScheduleRequest = {
  principalFen: 120_000n,
  annualRatePercent: '12',
  numberOfInstallments: 3,
  frequency: 'MONTHLY',
  method: 'EQUAL_INSTALLMENT',
  dayCount: 'PERIOD',
  disbursementDate: '2024-01-31',
  rounding: 'HALF_UP',
  installmentMultipleFen: 1n,
  principalGraceInstallments: 0,
};
const schedule = generateSchedule(terms);
const paidInFull = (n: number): [number, PaidComponents] => {
  const i = schedule.installments[n - 1];
  return [n, { principalFen: i.principalFen, interestFen: i.interestFen }];
};

describe('dueAsOf', () => {
  it('nothing is due before the first due date; an instalment is due on its due date', () => {
    const p = positionOf(schedule);
    expect(dueAsOf(p, '2024-02-28')).toMatchObject({
      principalFen: 0n,
      interestFen: 0n,
      totalFen: 0n,
      installments: [],
      oldestDueDate: null,
    });
    expect(dueAsOf(p, '2024-02-29')).toEqual({
      asOf: '2024-02-29',
      principalFen: 39_603n,
      interestFen: 1_200n,
      totalFen: 40_803n,
      installments: [
        { number: 1, dueDate: '2024-02-29', principalFen: 39_603n, interestFen: 1_200n, totalFen: 40_803n },
      ],
      oldestDueDate: '2024-02-29',
    });
  });

  it('subtracts what was paid per component and skips settled instalments', () => {
    // instalment 1 settled, instalment 2 paid 100.00 principal and its interest: 299.99 principal left
    const p = positionOf(
      schedule,
      new Map([paidInFull(1), [2, { principalFen: 10_000n, interestFen: 804n }]]),
    );
    const due = dueAsOf(p, '2024-05-01');
    expect(due.installments.map((i) => [i.number, i.principalFen, i.interestFen])).toEqual([
      [2, 29_999n, 0n],
      [3, 40_398n, 404n],
    ]);
    expect(due).toMatchObject({
      principalFen: 70_397n,
      interestFen: 404n,
      totalFen: 70_801n,
      oldestDueDate: '2024-03-31',
    });
  });
});

describe('accruedInterest', () => {
  it('spreads the period interest over its days and rounds once', () => {
    // period 2: 8.04 over 31 days; Feb 29 → Mar 15 = 15 days: 804 × 15 / 31 = 389.03 fen → 3.89
    expect(accruedInterest(positionOf(schedule), '2024-03-15')).toEqual({
      number: 2,
      periodStart: '2024-02-29',
      dueDate: '2024-03-31',
      elapsedDays: 15,
      periodDays: 31,
      accruedFen: 389n,
      unpaidFen: 389n,
    });
  });

  it('is zero on the first day of a period and absent before disbursement and after the last due date', () => {
    const p = positionOf(schedule);
    expect(accruedInterest(p, '2024-01-31')).toMatchObject({ number: 1, elapsedDays: 0, accruedFen: 0n });
    // on a due date the instalment is due (dueAsOf) and the next period starts at zero
    expect(accruedInterest(p, '2024-02-29')).toMatchObject({ number: 2, elapsedDays: 0, accruedFen: 0n });
    expect(accruedInterest(p, '2024-04-29')).toMatchObject({ number: 3, elapsedDays: 29, accruedFen: 391n }); // 404 × 29/30 = 390.5 → 391
    expect(accruedInterest(p, '2024-01-30')).toBeNull();
    expect(accruedInterest(p, '2024-04-30')).toBeNull();
    expect(accruedInterest(p, '2025-01-01')).toBeNull();
  });

  it('rounds a half fen in the schedule mode', () => {
    // 5 fen over 30 days, 15 elapsed: 2.5 fen → 3 HALF_UP, 2 HALF_EVEN
    const position = (rounding: 'HALF_UP' | 'HALF_EVEN'): LoanPosition => ({
      rounding,
      installments: [
        {
          number: 1,
          periodStart: '2024-04-01',
          dueDate: '2024-05-01',
          days: 30,
          principalFen: 1_000n,
          interestFen: 5n,
          paidPrincipalFen: 0n,
          paidInterestFen: 0n,
        },
      ],
    });
    expect(accruedInterest(position('HALF_UP'), '2024-04-16')?.accruedFen).toBe(3n);
    expect(accruedInterest(position('HALF_EVEN'), '2024-04-16')?.accruedFen).toBe(2n);
  });

  it('nets interest already paid on the current instalment, never below zero', () => {
    const p = positionOf(schedule, new Map([paidInFull(1), [2, { principalFen: 0n, interestFen: 500n }]]));
    expect(accruedInterest(p, '2024-03-15')).toMatchObject({ accruedFen: 389n, unpaidFen: 0n });
    expect(accruedInterest(p, '2024-03-30')).toMatchObject({ accruedFen: 778n, unpaidFen: 278n }); // 804 × 30/31 = 778.06
  });
});

describe('payoffAmount', () => {
  it('on a current loan: all principal + interest accrued in the running period, nothing of future periods', () => {
    const p = positionOf(schedule, new Map([paidInFull(1)]));
    // 399.99 + 403.98 = 803.97 principal, 3.89 accrued (see above)
    expect(payoffAmount(p, '2024-03-15')).toEqual({
      valueDate: '2024-03-15',
      principalFen: 80_397n,
      dueInterestFen: 0n,
      accruedInterestFen: 389n,
      totalFen: 80_786n,
      interestPaidInAdvanceFen: 0n,
    });
  });

  it('on the disbursement day it is the principal', () => {
    expect(payoffAmount(positionOf(schedule), '2024-01-31').totalFen).toBe(120_000n);
  });

  it('with arrears: unpaid due interest is charged in full besides the accrual', () => {
    // nothing paid; on Mar 15 instalment 1 is overdue: 1200.00 + 12.00 + 3.89
    expect(payoffAmount(positionOf(schedule), '2024-03-15')).toMatchObject({
      principalFen: 120_000n,
      dueInterestFen: 1_200n,
      accruedInterestFen: 389n,
      totalFen: 121_589n,
    });
  });

  it('after maturity it is everything unpaid, and zero once all is paid', () => {
    expect(payoffAmount(positionOf(schedule), '2024-06-01').totalFen).toBe(schedule.totals.totalFen);
    const all = positionOf(schedule, new Map([paidInFull(1), paidInFull(2), paidInFull(3)]));
    expect(payoffAmount(all, '2024-06-01').totalFen).toBe(0n);
  });

  it('reports interest paid for time after the value date instead of charging or silently keeping it', () => {
    // instalment 3's interest (4.04) paid in advance, and 5.00 on the running period when only 3.89 has accrued
    const p = positionOf(
      schedule,
      new Map([
        paidInFull(1),
        [2, { principalFen: 0n, interestFen: 500n }],
        [3, { principalFen: 0n, interestFen: 404n }],
      ]),
    );
    expect(payoffAmount(p, '2024-03-15')).toMatchObject({
      principalFen: 80_397n,
      accruedInterestFen: 0n,
      totalFen: 80_397n,
      interestPaidInAdvanceFen: 404n + (500n - 389n),
    });
  });

  it('never exceeds what the rest of the schedule would collect, and reaches it on the last due date', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100n, max: 100_000_000n }),
        fc.integer({ min: 1, max: 36 }),
        fc.constantFrom('PERIOD', 'ACTUAL_360', 'ACTUAL_365' as const),
        fc.integer({ min: 0, max: 1200 }),
        (principalFen, n, dayCount, offsetDays) => {
          const s = generateSchedule({
            ...terms,
            principalFen,
            numberOfInstallments: n,
            dayCount: dayCount as ScheduleRequest['dayCount'],
          });
          const p = positionOf(s);
          const valueDate = new Date(Date.UTC(2024, 0, 31 + offsetDays)).toISOString().slice(0, 10);
          const payoff = payoffAmount(p, valueDate);
          expect(payoff.totalFen <= s.totals.totalFen).toBe(true);
          expect(payoff.principalFen).toBe(principalFen);
          const due = dueAsOf(p, valueDate);
          expect(payoff.totalFen >= principalFen + due.interestFen).toBe(true);
          expect(payoffAmount(p, s.installments[n - 1].dueDate).totalFen).toBe(s.totals.totalFen);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('positionOf', () => {
  it('refuses payments beyond the schedule', () => {
    expect(() => positionOf(schedule, new Map([[1, { principalFen: 39_604n, interestFen: 0n }]]))).toThrow(
      RangeError,
    );
    expect(() => positionOf(schedule, new Map([[2, { principalFen: 0n, interestFen: -1n }]]))).toThrow(
      RangeError,
    );
  });
  it('refuses an unparseable date', () => {
    expect(() => dueAsOf(positionOf(schedule), '2024-02-30')).toThrow(RangeError);
  });
});
