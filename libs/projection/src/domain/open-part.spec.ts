import fc from 'fast-check';
import {
  WATERFALL_STEPS,
  accrueTo,
  applyPayment,
  daysOverdueOf,
  initialState,
  markOverdue,
  payoffOf,
  type InstallmentState,
  type RepaymentTerms,
} from '#libs/repayment';
import { addDays, generateSchedule } from '#libs/schedules';
import { openFrom } from './simulate.js';

/**
 * The simulator hands the replay's step, accrual, marking and days overdue only the instalments that still matter
 * (openFrom: past the leading ones PAID in full and due before the date). On random loans (every method, prepayment
 * mode, early-repayment fee rule, waterfall order and grace) and random payment sequences (partial payments, whole
 * instalments, prepayments, payoffs, on any day), that gives the same states, outcomes and days overdue as handing
 * them every instalment.
 */

const clone = (s: InstallmentState[]): InstallmentState[] => structuredClone(s);

describe('the open part of a loan’s instalments', () => {
  it('moves exactly as the whole loan under the replay’s step, accrual, marking and ageing', () => {
    fc.assert(
      fc.property(
        fc.record({
          principalFen: fc.bigInt({ min: 1_000n, max: 5_000_000n }),
          months: fc.integer({ min: 1, max: 24 }),
          rate: fc.constantFrom('0', '6', '12.5'),
          method: fc.constantFrom('EQUAL_PRINCIPAL' as const, 'EQUAL_INSTALLMENT' as const, 'FLAT' as const),
          prepaymentMode: fc.constantFrom('SHORTEN_TERM' as const, 'LOWER_INSTALLMENT' as const),
          earlyRepaymentFee: fc.constantFrom('ACCRUED' as const, 'PERIOD' as const),
          graceDays: fc.integer({ min: 0, max: 5 }),
          waterfall: fc.shuffledSubarray([...WATERFALL_STEPS], { minLength: WATERFALL_STEPS.length, maxLength: WATERFALL_STEPS.length }),
        }),
        // each step: days after the previous date; the share of the payoff paid (per mille; 0: only a month-end read),
        // or (negative) everything owed on that many of the first open instalments, due or not (paying ahead)
        fc.array(fc.tuple(fc.integer({ min: 0, max: 45 }), fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -3, max: -1 }))), {
          minLength: 1,
          maxLength: 40,
        }),
        (l, steps) => {
          const disbursed = '2026-01-20';
          const s = generateSchedule({
            principalFen: l.principalFen,
            annualRatePercent: l.rate,
            numberOfInstallments: l.months,
            frequency: 'MONTHLY',
            termMonths: l.months,
            method: l.method,
            dayCount: 'PERIOD',
            disbursementDate: disbursed,
            rounding: 'HALF_UP',
            installmentMultipleFen: 1n,
            principalGraceInstallments: 0,
          });
          const terms: RepaymentTerms = {
            principalFen: l.principalFen,
            annualRatePercent: l.rate,
            penaltyRatePercent: '9',
            method: l.method,
            frequency: 'MONTHLY',
            dayCount: 'PERIOD',
            rounding: 'HALF_UP',
            graceDays: l.graceDays,
            waterfall: l.waterfall,
            prepaymentMode: l.prepaymentMode,
            earlyRepaymentFee: l.earlyRepaymentFee,
          };
          const whole = initialState(
            s.installments.map((i) => ({ number: i.number, periodStart: i.periodStart, dueDate: i.dueDate, days: i.days, principalFen: i.principalFen, originalInterestFen: i.interestFen })),
          );
          const part = clone(whole);
          const prepaidWhole = { totalFen: 0n };
          const prepaidPart = { totalFen: 0n };
          let from = 0;
          let day = disbursed;
          let seq = 0;
          for (const [after, perMille] of steps) {
            day = addDays(day, after);
            from = openFrom(part, from, day);
            const open = part.slice(from);
            if (perMille !== 0) {
              // the payoff of the day, read on a copy, sets the payment's size
              const probe = clone(whole);
              accrueTo(probe, day);
              markOverdue(probe, terms, day);
              const payoff = payoffOf(probe, terms, day);
              let amountFen = (payoff * BigInt(perMille)) / 1000n;
              if (perMille < 0) {
                const owed = probe
                  .filter((i) => i.status !== 'PAID')
                  .slice(0, -perMille)
                  .reduce((t, i) => t + i.principalFen - i.paidPrincipalFen + i.interestFen - i.paidInterestFen + i.penaltyFen - i.paidPenaltyFen, 0n);
                amountFen = owed < payoff ? owed : payoff;
              }
              if (amountFen > 0n) {
                const p = { id: String(++seq), valueDate: day, amountFen };
                const a = applyPayment(whole, terms, prepaidWhole, p);
                const b = applyPayment(open, terms, prepaidPart, p);
                expect(b).toEqual(a);
              }
            } else {
              accrueTo(whole, day);
              markOverdue(whole, terms, day);
              accrueTo(open, day);
              markOverdue(open, terms, day);
            }
            expect(part).toEqual(whole);
            expect(prepaidPart).toEqual(prepaidWhole);
            expect(daysOverdueOf(open, day)).toBe(daysOverdueOf(whole, day));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
