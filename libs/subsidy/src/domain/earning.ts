import { percentToRatio, roundDiv, type Fen, type Ratio } from '#libs/money';
import { addMonthsClamped, daysBetween, epochDay, requireDate } from '#libs/schedules/domain';
import type { LoanSubsidyTerms } from './policy.js';

/** Why a period's subsidy is not paid (recorded on the claim line). */
export const FORFEIT_REASONS = [
  'LATE_PAYMENT',
  'UNPAID',
  'LOAN_MISUSE',
  'LOAN_FRAUD',
  'WRITTEN_OFF',
] as const;
export type ForfeitReason = (typeof FORFEIT_REASONS)[number];
export type Outcome = 'EARNED' | 'FORFEITED' | 'PENDING';

/** The loan facts the subsidy of its periods depends on. */
export interface SubsidyLoanFacts {
  principalFen: Fen;
  termMonths: number;
  method: string;
  frequency: string;
  dayCount: string;
  rounding: 'HALF_UP' | 'HALF_EVEN';
  status: string;
  flags: readonly string[];
}

/** One instalment as the loan's schedule and repayments left it. */
export interface SubsidyInstallmentFacts {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  /** Scheduled principal (the repayment engine keeps it as scheduled, even after a prepayment). */
  principalFen: Fen;
  /** Interest charged for the period now (lowered by a prepayment's re-freeze or cut to the accrual by a payoff). */
  interestFen: Fen;
  /** Interest as frozen at disbursement. */
  originalInterestFen: Fen;
  paidInterestFen: Fen;
  /** The day the period's interest was paid in full, or null while it is not. */
  interestPaidOn: string | null;
}

export interface PeriodSubsidy {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  /** Scheduled principal outstanding during the period. */
  balanceFen: Fen;
  /** min(balance, the policy's cap): what the subsidy rate applies to. */
  basisFen: Fen;
  /** The period's share of a year, exactly as the schedule counts it. */
  share: Ratio;
  ratePercent: string;
  interestFen: Fen;
  originalInterestFen: Fen;
  paidInterestFen: Fen;
  interestPaidOn: string | null;
  /** The policy's subsidy for the period, never above the interest charged. */
  computedFen: Fen;
  outcome: Outcome;
  reason: ForfeitReason | null;
  earnedFen: Fen;
  forfeitedFen: Fen;
}

const PERIODS_PER_YEAR: Record<string, bigint> = { MONTHLY: 12n, QUARTERLY: 4n };
const MONTHS_PER_PERIOD: Record<string, number> = { MONTHLY: 1, QUARTERLY: 3 };

/**
 * The share of a year one period's interest runs for, the way the schedule engine counts it (SPEC §5):
 * - ACTUAL_360 / ACTUAL_365: days / 360 or 365;
 * - PERIOD, BULLET (利随本清): term months / 12;
 * - PERIOD, MONTHLY or QUARTERLY: 1 / periods per year; a period shorter than a full one (a bank's first period
 *   running to its fixed repayment day) counts days / the days of the full period ending on the same due date.
 */
export function yearShare(
  loan: Pick<SubsidyLoanFacts, 'dayCount' | 'method' | 'frequency' | 'termMonths'>,
  i: Pick<SubsidyInstallmentFacts, 'periodStart' | 'dueDate' | 'days'>,
): Ratio {
  if (loan.dayCount === 'ACTUAL_360') return { num: BigInt(i.days), den: 360n };
  if (loan.dayCount === 'ACTUAL_365') return { num: BigInt(i.days), den: 365n };
  if (loan.method === 'BULLET' || loan.frequency === 'AT_MATURITY')
    return { num: BigInt(loan.termMonths), den: 12n };
  const ppy = PERIODS_PER_YEAR[loan.frequency];
  const mpp = MONTHS_PER_PERIOD[loan.frequency];
  if (!ppy || !mpp) throw new RangeError(`unknown frequency ${loan.frequency}`);
  const start = requireDate(i.periodStart, 'periodStart');
  const due = requireDate(i.dueDate, 'dueDate');
  if (epochDay(addMonthsClamped(start, mpp)) > epochDay(due)) {
    const fullDays = daysBetween(addMonthsClamped(due, -mpp), due);
    return { num: BigInt(i.days), den: BigInt(fullDays) * ppy };
  }
  return { num: 1n, den: ppy };
}

/**
 * The subsidy of one period: rate × basis × share of the year, rounded once in the loan's rounding mode, and
 * never above the interest actually charged. When a prepayment or a payoff lowered the period's interest below
 * what was frozen at disbursement, the subsidy follows in the same proportion (charged / frozen): subsidy is paid
 * only on interest actually charged, at the policy's rate, never on interest that was not charged.
 */
export function periodComputedFen(
  rate: Ratio,
  basisFen: Fen,
  share: Ratio,
  interestFen: Fen,
  originalInterestFen: Fen,
  rounding: 'HALF_UP' | 'HALF_EVEN',
): Fen {
  if (interestFen <= 0n || originalInterestFen <= 0n || basisFen <= 0n || rate.num === 0n) return 0n;
  const charged = interestFen < originalInterestFen ? interestFen : originalInterestFen;
  const raw = roundDiv(
    rate.num * basisFen * share.num * charged,
    rate.den * share.den * originalInterestFen,
    rounding,
  );
  return raw < interestFen ? raw : interestFen;
}

/**
 * Whether a period's subsidy is earned (SPEC §2.3): its interest was paid in full on or before due date + grace
 * days. A loan flagged for fraud or misuse, or written off, forfeits every period it has; a period paid late, or
 * unpaid once its grace has passed on `asOf`, is forfeited; one still within its grace and unpaid is PENDING (it
 * enters the claim of a later generation).
 */
export function periodOutcome(
  loan: Pick<SubsidyLoanFacts, 'status' | 'flags'>,
  i: Pick<SubsidyInstallmentFacts, 'dueDate' | 'interestFen' | 'paidInterestFen' | 'interestPaidOn'>,
  graceDays: number,
  asOf: string,
): { outcome: Outcome; reason: ForfeitReason | null } {
  if (loan.flags.includes('FRAUD')) return { outcome: 'FORFEITED', reason: 'LOAN_FRAUD' };
  if (loan.flags.includes('MISUSE')) return { outcome: 'FORFEITED', reason: 'LOAN_MISUSE' };
  if (loan.status === 'WRITTEN_OFF') return { outcome: 'FORFEITED', reason: 'WRITTEN_OFF' };
  const lastOnTime = epochDay(requireDate(i.dueDate, 'dueDate')) + graceDays;
  if (i.interestPaidOn !== null && i.paidInterestFen >= i.interestFen) {
    return epochDay(requireDate(i.interestPaidOn, 'interestPaidOn')) <= lastOnTime
      ? { outcome: 'EARNED', reason: null }
      : { outcome: 'FORFEITED', reason: 'LATE_PAYMENT' };
  }
  if (epochDay(requireDate(asOf, 'asOf')) > lastOnTime) return { outcome: 'FORFEITED', reason: 'UNPAID' };
  return { outcome: 'PENDING', reason: null };
}

/**
 * Every period of one loan with its subsidy and outcome, in instalment order. `installments` must be the loan's
 * whole schedule (the balance of a period is the principal less the scheduled principal of the earlier ones).
 */
export function loanPeriodSubsidies(
  loan: SubsidyLoanFacts,
  terms: LoanSubsidyTerms,
  installments: readonly SubsidyInstallmentFacts[],
  graceDays: number,
  asOf: string,
): PeriodSubsidy[] {
  const rate = percentToRatio(terms.ratePercent);
  const ordered = [...installments].sort((a, b) => a.number - b.number);
  const out: PeriodSubsidy[] = [];
  let balance = loan.principalFen;
  for (const i of ordered) {
    const basis = balance < terms.basisCapFen ? balance : terms.basisCapFen;
    const share = yearShare(loan, i);
    const computed = periodComputedFen(
      rate,
      basis > 0n ? basis : 0n,
      share,
      i.interestFen,
      i.originalInterestFen,
      loan.rounding,
    );
    const { outcome, reason } = periodOutcome(loan, i, graceDays, asOf);
    out.push({
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      days: i.days,
      balanceFen: balance,
      basisFen: basis > 0n ? basis : 0n,
      share,
      ratePercent: terms.ratePercent,
      interestFen: i.interestFen,
      originalInterestFen: i.originalInterestFen,
      paidInterestFen: i.paidInterestFen,
      interestPaidOn: i.interestPaidOn,
      computedFen: computed,
      outcome,
      reason,
      earnedFen: outcome === 'EARNED' ? computed : 0n,
      forfeitedFen: outcome === 'FORFEITED' ? computed : 0n,
    });
    balance -= i.principalFen;
  }
  return out;
}

export const shareText = (r: Ratio): string => `${r.num}/${r.den}`;
