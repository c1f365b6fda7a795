import { divHalfUp, percentToRatio, remembered, roundDiv, type Fen, type Ratio } from '#libs/money';
import type { DayCount, Frequency, ScheduleMethod, ScheduleRounding } from '#libs/schedules/domain';

/** The order a repayment is applied in (a product's waterfall is a permutation of these six). */
export const WATERFALL_STEPS = [
  'OVERDUE_PENALTY',
  'OVERDUE_INTEREST',
  'OVERDUE_PRINCIPAL',
  'CURRENT_INTEREST',
  'CURRENT_PRINCIPAL',
  'FUTURE',
] as const;
export type WaterfallStep = (typeof WATERFALL_STEPS)[number];

/** SHORTEN_TERM: prepaid principal pays the last instalments first; LOWER_INSTALLMENT: every later one pro rata. */
export type PrepaymentMode = 'SHORTEN_TERM' | 'LOWER_INSTALLMENT';

/**
 * The usage fee of an instalment paid before its due date (the product version's rule). ACCRUED: the fee accrued
 * to the value date; principal paid before the due date bears no fee for the rest of the period (a payment of an
 * instalment's amount on the disbursement day is all principal, as a payoff that day charges no fee). PERIOD: the
 * scheduled period fee is due whenever the instalment is paid, and a payoff charges the current period's fee whole.
 */
export type EarlyRepaymentFee = 'ACCRUED' | 'PERIOD';

/** Everything about a loan the repayment engine needs besides its instalments. */
export interface RepaymentTerms {
  principalFen: Fen;
  /** Contract rate, percent per year, exact decimal. */
  annualRatePercent: string;
  /** Penalty rate on overdue principal, percent per year, exact decimal (already resolved from the product). */
  penaltyRatePercent: string;
  method: ScheduleMethod;
  frequency: Frequency;
  dayCount: DayCount;
  rounding: ScheduleRounding;
  /** Days after the due date during which a payment is still on time (no penalty, not overdue). */
  graceDays: number;
  waterfall: readonly WaterfallStep[];
  prepaymentMode: PrepaymentMode;
  earlyRepaymentFee: EarlyRepaymentFee;
}

export function isWaterfall(steps: readonly string[]): steps is WaterfallStep[] {
  return (
    steps.length === WATERFALL_STEPS.length &&
    new Set(steps).size === WATERFALL_STEPS.length &&
    steps.every((s) => (WATERFALL_STEPS as readonly string[]).includes(s))
  );
}

/**
 * A rate's exact ratio, remembered: a replay asks for the same few rates at every instalment of every step, and
 * parsing the decimal is most of a penalty's cost. Bounded (cleared when full); the ratios are never changed.
 */
const ratioOf = remembered((percent: string): Readonly<Ratio> => Object.freeze(percentToRatio(percent)));

/**
 * Penalty interest (罚息) on overdue principal, from the instalment's fen-days (Σ unpaid principal × days past
 * due): fen-days × rate / 100 / 365, rounded once, half up. Keeping fen-days and rounding once makes the penalty
 * exact and independent of how often it is accrued (daily by the COB, or at each repayment's value date).
 * The close of business computes the same number in SQL: div(2 × fenDays × rate + 36500, 73000).
 */
export function penaltyFor(fenDays: bigint, penaltyRatePercent: string): Fen {
  if (fenDays === 0n) return 0n;
  const d = penaltyDivisorOf(penaltyRatePercent);
  // fen-days are never negative (unpaid principal × days): HALF_UP by the divisor's remembered half
  return fenDays > 0n
    ? divHalfUp(fenDays * d.num, d.den, d.half)
    : roundDiv(fenDays * d.num, d.den, 'HALF_UP');
}

/** A penalty rate's divisor (rate den × 365) and its half, remembered per rate like the ratio. */
const penaltyDivisorOf = remembered(
  (percent: string): Readonly<{ num: bigint; den: bigint; half: bigint }> => {
    const r = ratioOf(percent);
    const den = r.den * 365n;
    return Object.freeze({ num: r.num, den, half: den / 2n });
  },
);

/**
 * Interest of one future period on a balance, by the loan's day count, exactly as the schedule engine computes it
 * (SPEC §5): PERIOD = balance × rate / periods per year; ACTUAL_* = balance × rate × days / 360 or 365; each
 * rounded once in the loan's mode. Used to re-freeze the instalments after a partial prepayment.
 */
export function periodInterest(terms: RepaymentTerms, balanceFen: Fen, days: number): Fen {
  if (balanceFen <= 0n) return 0n;
  const r = ratioOf(terms.annualRatePercent);
  if (terms.dayCount === 'PERIOD') {
    const perYear = terms.frequency === 'QUARTERLY' ? 4n : terms.frequency === 'MONTHLY' ? 12n : 1n;
    return roundDiv(balanceFen * r.num, r.den * perYear, terms.rounding);
  }
  const basis = terms.dayCount === 'ACTUAL_360' ? 360n : 365n;
  return roundDiv(balanceFen * r.num * BigInt(days), r.den * basis, terms.rounding);
}
