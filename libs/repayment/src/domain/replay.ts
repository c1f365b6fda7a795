import { allocate, type Fen } from '#libs/money';
import { accruedInterest, payoffAmount, type LoanPosition } from '#libs/schedules';
import { addDays, daysFrom } from './dates.js';
import { penaltyFor, periodInterest, type RepaymentTerms } from './terms.js';

/**
 * The repayment engine: a loan's state is a pure function of its frozen schedule, the repayments applied to it (in
 * value-date order) and the business date its accruals reach. Every write (a repayment, a backdated one, a
 * reversal) replays the loan from its frozen schedule and stores the result; what changed in the split of the
 * earlier repayments becomes a correction entry in the ledger. The close of business computes the same accruals
 * incrementally in SQL (see arrears-sql.ts); both use the rules below, and tests hold them to the same numbers.
 *
 * Rules (one place):
 * - An instalment is OVERDUE on date X when something of it is unpaid and X > due date + grace days; it was
 *   overdue since due + grace + 1. A payment made on or before due + grace is on time.
 * - Penalty runs on unpaid principal from the due date (not from the end of the grace: the grace waives the
 *   penalty only when the instalment is paid within it) as fen-days; it is charged once the instalment is overdue.
 * - Waterfall categories at a value date V: OVERDUE = instalments due before V with something unpaid (penalty,
 *   interest, principal, each oldest first); CURRENT = the first instalment due on or after V with something
 *   unpaid, paid as scheduled (an early payment of an instalment is just that); FUTURE = principal of the later
 *   instalments (a partial prepayment). The product's waterfall orders these six steps.
 * - A partial prepayment keeps every instalment's scheduled principal (so principal always sums to the loan) and
 *   marks prepaid principal paid: SHORTEN_TERM from the last instalment backwards (the loan ends earlier),
 *   LOWER_INSTALLMENT pro rata over the later instalments (each gets smaller). The interest of the later
 *   instalments is then re-frozen on the balance that remains, by the loan's day count.
 * - A payment equal to the payoff (every unpaid principal, penalty and due interest, plus the current period's
 *   interest accrued to V: the schedule engine's payoffAmount) closes the loan; the current period's interest
 *   becomes what accrued (never less than what was already paid: interest paid in advance is not refunded), and
 *   later periods charge none. A payment above the payoff is refused (no silent credit).
 */

export type Component = 'PRINCIPAL' | 'INTEREST' | 'PENALTY';
export type InstallmentStatus = 'OPEN' | 'OVERDUE' | 'PAID';

/** An instalment as frozen at disbursement. */
export interface FrozenInstallment {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  principalFen: Fen;
  originalInterestFen: Fen;
}

export interface ReplayPayment {
  id: string;
  valueDate: string;
  amountFen: Fen;
}

/** An instalment's state: the columns of loan_installments the engine owns. */
export interface InstallmentState {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  penaltyFenDays: bigint;
  accruedThrough: string | null;
  paidPrincipalFen: Fen;
  paidInterestFen: Fen;
  paidPenaltyFen: Fen;
  status: InstallmentStatus;
  overdueSince: string | null;
  paidOn: string | null;
  interestPaidOn: string | null;
}

export interface AllocationLine {
  paymentId: string;
  number: number;
  component: Component;
  amountFen: Fen;
}

export interface PaymentOutcome {
  paymentId: string;
  valueDate: string;
  amountFen: Fen;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  /** Principal of instalments after the current one (a partial prepayment, or the payoff's). */
  prepaidPrincipalFen: Fen;
  payoff: boolean;
  /** What would have closed the loan on the value date, before this payment. */
  payoffBeforeFen: Fen;
}

export interface ReplayResult {
  asOf: string;
  installments: InstallmentState[];
  allocations: AllocationLine[];
  payments: PaymentOutcome[];
  /** Value date of the payment that paid everything, or null while something is owed. */
  closedOn: string | null;
}

/** A payment above what would close the loan on its value date. */
export class OverpaymentError extends Error {
  constructor(
    readonly paymentId: string,
    readonly valueDate: string,
    readonly amountFen: Fen,
    readonly payoffFen: Fen,
  ) {
    super(`payment ${paymentId} of ${amountFen} fen on ${valueDate} exceeds the payoff of ${payoffFen} fen`);
    this.name = 'OverpaymentError';
  }
}

const unpaidPrincipal = (i: InstallmentState): Fen => i.principalFen - i.paidPrincipalFen;
const unpaidInterest = (i: InstallmentState): Fen => i.interestFen - i.paidInterestFen;
const unpaidPenalty = (i: InstallmentState): Fen => i.penaltyFen - i.paidPenaltyFen;
const owed = (i: InstallmentState): Fen => unpaidPrincipal(i) + unpaidInterest(i) + unpaidPenalty(i);

/** The initial state of a loan: its frozen schedule, nothing paid, nothing accrued. */
export function initialState(schedule: readonly FrozenInstallment[]): InstallmentState[] {
  return schedule.map((f) => ({
    number: f.number,
    periodStart: f.periodStart,
    dueDate: f.dueDate,
    days: f.days,
    principalFen: f.principalFen,
    interestFen: f.originalInterestFen,
    penaltyFen: 0n,
    penaltyFenDays: 0n,
    accruedThrough: null,
    paidPrincipalFen: 0n,
    paidInterestFen: 0n,
    paidPenaltyFen: 0n,
    status: 'OPEN',
    overdueSince: null,
    paidOn: null,
    interestPaidOn: null,
  }));
}

/**
 * Accrues penalty fen-days up to `date` on every instalment past due with unpaid principal. Same rule as the
 * COB's SQL: from max(accruedThrough, dueDate) to date, on the principal unpaid meanwhile.
 */
export function accrueTo(state: InstallmentState[], date: string): void {
  for (const i of state) {
    const principal = unpaidPrincipal(i);
    if (principal <= 0n || date <= i.dueDate) continue;
    const from = i.accruedThrough !== null && i.accruedThrough > i.dueDate ? i.accruedThrough : i.dueDate;
    const days = daysFrom(from, date);
    if (days <= 0) continue;
    i.penaltyFenDays += principal * BigInt(days);
    i.accruedThrough = date;
  }
}

/** Marks what is overdue on `date` and charges its penalty (same rule as the COB's SQL). */
export function markOverdue(state: InstallmentState[], terms: RepaymentTerms, date: string): void {
  for (const i of state) {
    if (i.status === 'PAID' || owed(i) === 0n) continue;
    const lastOnTime = addDays(i.dueDate, terms.graceDays);
    if (date <= lastOnTime) continue;
    i.status = 'OVERDUE';
    i.overdueSince = addDays(lastOnTime, 1);
    const penalty = penaltyFor(i.penaltyFenDays, terms.penaltyRatePercent);
    if (penalty > i.penaltyFen) i.penaltyFen = penalty;
  }
}

function positionOf(state: InstallmentState[], terms: RepaymentTerms): LoanPosition {
  return {
    rounding: terms.rounding,
    installments: state.map((i) => ({
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      days: i.days,
      principalFen: i.principalFen,
      interestFen: i.interestFen,
      paidPrincipalFen: i.paidPrincipalFen,
      paidInterestFen: i.paidInterestFen,
    })),
  };
}

/** What closes the loan on `date` (after accruing and marking to that date): unpaid penalties + the payoff. */
export function payoffOf(state: InstallmentState[], terms: RepaymentTerms, date: string): Fen {
  const penalties = state.reduce((s, i) => s + unpaidPenalty(i), 0n);
  return penalties + payoffAmount(positionOf(state, terms), date).totalFen;
}

class Applier {
  readonly lines: AllocationLine[] = [];
  constructor(
    private readonly paymentId: string,
    public remaining: Fen,
  ) {}

  take(i: InstallmentState, component: Component, wanted: Fen): Fen {
    const amount = wanted < this.remaining ? wanted : this.remaining;
    if (amount <= 0n) return 0n;
    if (component === 'PRINCIPAL') i.paidPrincipalFen += amount;
    else if (component === 'INTEREST') i.paidInterestFen += amount;
    else i.paidPenaltyFen += amount;
    this.remaining -= amount;
    this.lines.push({ paymentId: this.paymentId, number: i.number, component, amountFen: amount });
    return amount;
  }
}

/**
 * Re-freezes the interest of the instalments after `currentIndex` on the balance left after a prepayment: the
 * balance at the start of period j is the principal still unpaid on instalments j, j+1, … (the ones before are
 * paid as scheduled by then). FLAT loans charge interest on the principal less what was prepaid.
 */
function refreeze(
  state: InstallmentState[],
  terms: RepaymentTerms,
  currentIndex: number,
  prepaidTotalFen: Fen,
): void {
  let balance = 0n;
  for (let j = state.length - 1; j > currentIndex; j--) {
    const i = state[j];
    balance += unpaidPrincipal(i);
    const base =
      terms.method === 'FLAT' ? (balance > 0n ? terms.principalFen - prepaidTotalFen : 0n) : balance;
    const interest = periodInterest(terms, base, i.days);
    i.interestFen = interest > i.paidInterestFen ? interest : i.paidInterestFen;
  }
}

function waterfall(
  state: InstallmentState[],
  terms: RepaymentTerms,
  date: string,
  apply: Applier,
  prepaid: { totalFen: Fen },
): Fen {
  const pastDue = state.filter((i) => i.dueDate < date && owed(i) > 0n);
  const currentIndex = state.findIndex(
    (i) => i.dueDate >= date && (unpaidPrincipal(i) > 0n || unpaidInterest(i) > 0n),
  );
  const current = currentIndex >= 0 ? state[currentIndex] : null;
  const future =
    currentIndex >= 0 ? state.slice(currentIndex + 1).filter((i) => unpaidPrincipal(i) > 0n) : [];
  let prepaidNow = 0n;
  for (const step of terms.waterfall) {
    if (apply.remaining === 0n) break;
    switch (step) {
      case 'OVERDUE_PENALTY':
        for (const i of pastDue) apply.take(i, 'PENALTY', unpaidPenalty(i));
        break;
      case 'OVERDUE_INTEREST':
        for (const i of pastDue) apply.take(i, 'INTEREST', unpaidInterest(i));
        break;
      case 'OVERDUE_PRINCIPAL':
        for (const i of pastDue) apply.take(i, 'PRINCIPAL', unpaidPrincipal(i));
        break;
      case 'CURRENT_INTEREST':
        if (current) apply.take(current, 'INTEREST', unpaidInterest(current));
        break;
      case 'CURRENT_PRINCIPAL':
        if (current) apply.take(current, 'PRINCIPAL', unpaidPrincipal(current));
        break;
      case 'FUTURE': {
        if (!future.length) break;
        if (terms.prepaymentMode === 'SHORTEN_TERM') {
          for (let k = future.length - 1; k >= 0; k--)
            prepaidNow += apply.take(future[k], 'PRINCIPAL', unpaidPrincipal(future[k]));
        } else {
          const weights = future.map(unpaidPrincipal);
          const total = weights.reduce((s, w) => s + w, 0n);
          const amount = apply.remaining < total ? apply.remaining : total;
          // allocate() keeps every share within its weight when amount ≤ Σ weights, and the shares sum exactly.
          const shares = allocate(amount, weights);
          future.forEach((i, k) => (prepaidNow += apply.take(i, 'PRINCIPAL', shares[k])));
        }
        break;
      }
    }
  }
  if (prepaidNow > 0n) {
    prepaid.totalFen += prepaidNow;
    refreeze(state, terms, currentIndex, prepaid.totalFen);
  }
  return prepaidNow;
}

/** Closes the loan on `date`: the current period's interest becomes what accrued, later periods charge none. */
function payoff(state: InstallmentState[], terms: RepaymentTerms, date: string, apply: Applier): Fen {
  const accrual = accruedInterest(positionOf(state, terms), date);
  let prepaidNow = 0n;
  let afterCurrent = false;
  for (const i of state) {
    if (i.dueDate > date) {
      if (accrual && i.number === accrual.number) {
        i.interestFen = accrual.accruedFen > i.paidInterestFen ? accrual.accruedFen : i.paidInterestFen;
      } else {
        i.interestFen = i.paidInterestFen;
      }
    }
    apply.take(i, 'PENALTY', unpaidPenalty(i));
    apply.take(i, 'INTEREST', unpaidInterest(i));
    const principal = apply.take(i, 'PRINCIPAL', unpaidPrincipal(i));
    // Principal of instalments after the one running on the value date is paid before its time.
    if (afterCurrent) prepaidNow += principal;
    if (i.dueDate >= date) afterCurrent = true;
  }
  return prepaidNow;
}

function settle(state: InstallmentState[], date: string): void {
  for (const i of state) {
    if (
      i.interestPaidOn === null &&
      i.paidInterestFen === i.interestFen &&
      (i.interestFen > 0n || owed(i) === 0n)
    ) {
      i.interestPaidOn = date;
    }
    if (i.status !== 'PAID' && owed(i) === 0n) {
      i.status = 'PAID';
      i.paidOn = date;
    }
  }
}

/** Orders payments as the engine applies them: by value date, then by id (the order they were recorded). */
export function paymentOrder(a: ReplayPayment, b: ReplayPayment): number {
  if (a.valueDate !== b.valueDate) return a.valueDate < b.valueDate ? -1 : 1;
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Replays a loan: the payments in value-date order on its frozen schedule, then accruals and overdue marking to
 * `asOf` (which must not be before the last payment's value date). Throws OverpaymentError when a payment
 * exceeds the payoff of its value date.
 */
export function replay(
  terms: RepaymentTerms,
  schedule: readonly FrozenInstallment[],
  payments: readonly ReplayPayment[],
  asOf: string,
): ReplayResult {
  const state = initialState(schedule);
  const ordered = [...payments].sort(paymentOrder);
  const last = ordered[ordered.length - 1];
  if (last && last.valueDate > asOf)
    throw new RangeError(`asOf ${asOf} is before the payment of ${last.valueDate}`);
  const allocations: AllocationLine[] = [];
  const outcomes: PaymentOutcome[] = [];
  const prepaid = { totalFen: 0n };
  let closedOn: string | null = null;
  for (const p of ordered) {
    if (p.amountFen <= 0n) throw new RangeError(`payment ${p.id} must be positive`);
    accrueTo(state, p.valueDate);
    markOverdue(state, terms, p.valueDate);
    const payoffFen = payoffOf(state, terms, p.valueDate);
    if (p.amountFen > payoffFen) throw new OverpaymentError(p.id, p.valueDate, p.amountFen, payoffFen);
    const apply = new Applier(p.id, p.amountFen);
    const isPayoff = p.amountFen === payoffFen;
    const prepaidNow = isPayoff
      ? payoff(state, terms, p.valueDate, apply)
      : waterfall(state, terms, p.valueDate, apply, prepaid);
    if (apply.remaining !== 0n) {
      // Cannot happen: below the payoff the waterfall can always absorb the amount. Refuse loudly if it does.
      throw new Error(`payment ${p.id}: ${apply.remaining} fen left unapplied`);
    }
    settle(state, p.valueDate);
    const sum = (c: Component) =>
      apply.lines.filter((l) => l.component === c).reduce((s, l) => s + l.amountFen, 0n);
    outcomes.push({
      paymentId: p.id,
      valueDate: p.valueDate,
      amountFen: p.amountFen,
      principalFen: sum('PRINCIPAL'),
      interestFen: sum('INTEREST'),
      penaltyFen: sum('PENALTY'),
      prepaidPrincipalFen: prepaidNow,
      payoff: isPayoff,
      payoffBeforeFen: payoffFen,
    });
    allocations.push(...apply.lines);
    if (closedOn === null && state.every((i) => i.status === 'PAID')) closedOn = p.valueDate;
  }
  accrueTo(state, asOf);
  markOverdue(state, terms, asOf);
  return { asOf, installments: state, allocations, payments: outcomes, closedOn };
}

/** Days overdue on `date`: from the oldest overdue instalment's due date; 0 when nothing is overdue. */
export function daysOverdueOf(state: readonly InstallmentState[], date: string): number {
  const oldest = state.find((i) => i.status === 'OVERDUE');
  return oldest ? daysFrom(oldest.dueDate, date) : 0;
}

/**
 * The bucket of a replayed loan is the one ageing rule of every loan (libs/schedules' domain/ageing.ts, re-exported
 * by libs/loans): `bucketOf(daysOverdueOf(state, date), limits)`, the limits passed in by the caller.
 */
export { ARREARS_BUCKETS, bucketOf, type ArrearsBucket, type BucketLimitsDays } from '#libs/schedules';

/** Σ per component of a set of allocation lines. */
export function totalsOf(lines: readonly { component: Component; amountFen: Fen }[]): Record<Component, Fen> {
  const t: Record<Component, Fen> = { PRINCIPAL: 0n, INTEREST: 0n, PENALTY: 0n };
  for (const l of lines) t[l.component] += l.amountFen;
  return t;
}
