import { allocate, roundDiv, type Fen } from '#libs/money';
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
 * - The usage fee of an instalment paid before its due date follows the product's rule (terms.earlyRepaymentFee),
 *   the same on both paths below:
 *   ACCRUED: CURRENT interest at V is the fee accrued to V (the instalment's fee pro rata over the days of its
 *   period elapsed by V, the schedule engine's accrual). Principal paid before the due date (the current
 *   instalment's and any prepaid) bears no fee for the rest of the period: the fee not yet accrued is scaled by
 *   the balance left over the balance before, and stays due on the due date; the accrual then runs on from V.
 *   So an instalment's amount paid on the disbursement day is all principal, as a payoff that day charges no fee.
 *   PERIOD: the CURRENT instalment's scheduled fee is due whenever it is paid, and a payoff charges it whole.
 *   A payment on or after a due date pays that instalment's whole fee under both rules.
 * - A payment equal to the payoff (every unpaid principal, penalty and due interest, plus the current period's
 *   fee: accrued to V under ACCRUED, the schedule engine's payoffAmount; the whole fee of the instalment paid as
 *   CURRENT under PERIOD) closes the loan; the current period's interest becomes that fee (never less than what
 *   was already paid: interest paid in advance is not refunded), and later periods charge none. A payment above
 *   the payoff is refused (no silent credit).
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
  /**
   * ACCRUED: the part of this period's fee accrued by `through`, fixed when a payment before the due date lowered
   * the balance; the rest accrues evenly from `through` to the due date. Absent while the fee accrues from the
   * period start. Held in memory by the replay (not a column): every replay starts from the frozen schedule.
   */
  feeAccrued?: { through: string; fen: Fen };
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
/**
 * Nothing owed: every part paid. The same as Σ of the unpaid parts = 0, since no part is ever paid beyond itself (a payment
 * takes at most what is unpaid, penalty only grows, and a re-frozen or payoff fee never drops below the fee already
 * paid), and it compares instead of computing: the replay asks it of every instalment on every step.
 */
const settled = (i: InstallmentState): boolean =>
  i.principalFen === i.paidPrincipalFen &&
  i.interestFen === i.paidInterestFen &&
  i.penaltyFen === i.paidPenaltyFen;

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
    // a PAID instalment has no principal unpaid, and never again (principal is frozen, paid principal only grows
    // and nothing reopens an instalment): the test below would skip it too, after a bigint subtraction per call
    if (i.status === 'PAID' || date <= i.dueDate) continue;
    // accrued to this very date already (a step right after an accrual to its date): nothing more to add
    if (i.accruedThrough === date) continue;
    if (i.principalFen <= i.paidPrincipalFen) continue;
    const principal = unpaidPrincipal(i);
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
    // grace days are never negative: on or before the due date nothing is overdue (and no date arithmetic is needed)
    if (i.status === 'PAID' || date <= i.dueDate || settled(i)) continue;
    if (i.status === 'OVERDUE' && i.overdueSince !== null) {
      // marked before, by the lines below (the replay's only marking): overdueSince is due + grace + 1, so the
      // test `date <= lastOnTime` reads `date < overdueSince`, and the dates need no arithmetic again
      if (date < i.overdueSince) continue;
    } else {
      const lastOnTime = addDays(i.dueDate, terms.graceDays);
      if (date <= lastOnTime) continue;
      i.status = 'OVERDUE';
      i.overdueSince = addDays(lastOnTime, 1);
    }
    const penalty = penaltyFor(i.penaltyFenDays, terms.penaltyRatePercent);
    if (penalty > i.penaltyFen) i.penaltyFen = penalty;
  }
}

/**
 * An instalment's fee accrued by `date`: all of it on or after its due date, none before its period starts;
 * between, pro rata over the days of the period (half up or half even as the loan rounds, exactly as the schedule
 * engine's accruedInterest), or, once an early payment fixed a part (feeAccrued), that part plus the rest pro rata
 * over the days from then to the due date.
 */
export function accruedFee(i: InstallmentState, terms: Pick<RepaymentTerms, 'rounding'>, date: string): Fen {
  if (date >= i.dueDate) return i.interestFen;
  if (date <= i.periodStart) return 0n;
  const mark = i.feeAccrued;
  if (!mark)
    return roundDiv(i.interestFen * BigInt(daysFrom(i.periodStart, date)), BigInt(i.days), terms.rounding);
  if (date <= mark.through) return mark.fen;
  const rest = i.interestFen - mark.fen;
  const elapsed = BigInt(daysFrom(mark.through, date));
  return mark.fen + roundDiv(rest * elapsed, BigInt(daysFrom(mark.through, i.dueDate)), terms.rounding);
}

/** The instalment a payment on `date` pays as CURRENT: the first due on or after it with principal or fee unpaid. */
const currentIndexOf = (state: readonly InstallmentState[], date: string): number =>
  state.findIndex(
    (i) => i.dueDate >= date && (i.principalFen > i.paidPrincipalFen || i.interestFen > i.paidInterestFen),
  );

/**
 * The instalment not yet due whose fee a payoff on `date` charges, and that fee. ACCRUED: the period running on
 * `date` (period start ≤ date < due date), its fee accrued to `date`. PERIOD: the CURRENT instalment when it is not
 * yet due, its whole fee. Null when no such instalment (the payoff charges only what is due).
 */
function chargedPeriod(
  state: readonly InstallmentState[],
  terms: RepaymentTerms,
  date: string,
): { installment: InstallmentState; feeFen: Fen } | null {
  if (terms.earlyRepaymentFee === 'PERIOD') {
    const k = currentIndexOf(state, date);
    const i = k >= 0 ? state[k] : null;
    return i && i.dueDate > date ? { installment: i, feeFen: i.interestFen } : null;
  }
  const i = state.find((x) => x.dueDate > date);
  return i && i.periodStart <= date ? { installment: i, feeFen: accruedFee(i, terms, date) } : null;
}

/** What closes the loan on `date`, by part (after accruing and marking to that date). */
export interface PayoffBreakdown {
  /** Every unpaid principal, due or not. */
  principalFen: Fen;
  /** Unpaid fee of the instalments due on or before the date. */
  dueInterestFen: Fen;
  /** Unpaid fee of the current period (accrued to the date, or whole: the product's early-repayment fee rule). */
  currentInterestFen: Fen;
  /** Unpaid penalty. */
  penaltyFen: Fen;
  totalFen: Fen;
}

export function payoffBreakdown(
  state: readonly InstallmentState[],
  terms: RepaymentTerms,
  date: string,
): PayoffBreakdown {
  let principal = 0n;
  let due = 0n;
  let penalty = 0n;
  for (const i of state) {
    // a PAID instalment has no principal unpaid (see accrueTo); with its fee and penalty paid it adds nothing
    if (i.status === 'PAID' && i.interestFen === i.paidInterestFen && i.penaltyFen === i.paidPenaltyFen)
      continue;
    // (a part with nothing unpaid adds nothing: skipped without a subtraction)
    if (i.principalFen !== i.paidPrincipalFen) principal += unpaidPrincipal(i);
    if (i.penaltyFen !== i.paidPenaltyFen) penalty += unpaidPenalty(i);
    if (i.dueDate <= date && i.interestFen !== i.paidInterestFen) due += unpaidInterest(i);
  }
  const c = chargedPeriod(state, terms, date);
  const current =
    c && c.feeFen > c.installment.paidInterestFen ? c.feeFen - c.installment.paidInterestFen : 0n;
  return {
    principalFen: principal,
    dueInterestFen: due,
    currentInterestFen: current,
    penaltyFen: penalty,
    totalFen: principal + due + current + penalty,
  };
}

/** What closes the loan on `date` (after accruing and marking to that date): unpaid penalties + the payoff. */
export function payoffOf(state: readonly InstallmentState[], terms: RepaymentTerms, date: string): Fen {
  return payoffBreakdown(state, terms, date).totalFen;
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

/** The principal unpaid on the instalments from `index` on. */
function unpaidFrom(state: readonly InstallmentState[], index: number): Fen {
  let balance = 0n;
  for (let j = index; j < state.length; j++) {
    const i = state[j];
    if (i.principalFen !== i.paidPrincipalFen) balance += unpaidPrincipal(i);
  }
  return balance;
}

/**
 * The balance the current period's fee runs on, from the principal unpaid on the current instalment and every later
 * one (FLAT: the loan's principal less what was prepaid, while any is unpaid).
 */
const feeBaseOf = (balance: Fen, terms: RepaymentTerms, prepaidFen: Fen): Fen =>
  terms.method !== 'FLAT' ? balance : balance > 0n ? terms.principalFen - prepaidFen : 0n;

/** ACCRUED, a payment before the current instalment's due date: the fee of CURRENT interest is what accrued to V. */
function currentFeeDue(i: InstallmentState, terms: RepaymentTerms, date: string): Fen {
  if (terms.earlyRepaymentFee === 'PERIOD' || i.dueDate <= date) return unpaidInterest(i);
  const accrued = accruedFee(i, terms, date) - i.paidInterestFen;
  const unpaid = unpaidInterest(i);
  return accrued <= 0n ? 0n : accrued < unpaid ? accrued : unpaid;
}

/**
 * ACCRUED, principal paid before the current instalment's due date: the fee accrued to V stays, the rest of the
 * period's fee runs on the balance left (rest × after / before), never below what was already paid.
 */
function refixCurrent(
  i: InstallmentState,
  terms: RepaymentTerms,
  date: string,
  beforeFen: Fen,
  afterFen: Fen,
): void {
  const accrued = accruedFee(i, terms, date);
  const rest = i.interestFen - accrued;
  const restAfter = beforeFen > 0n && rest > 0n ? roundDiv(rest * afterFen, beforeFen, terms.rounding) : 0n;
  const fee = accrued + restAfter;
  i.interestFen = fee > i.paidInterestFen ? fee : i.paidInterestFen;
  // before its period starts nothing has accrued: the fee simply runs on the smaller balance from the start
  if (date >= i.periodStart) i.feeAccrued = { through: date, fen: accrued };
}

function waterfall(
  state: InstallmentState[],
  terms: RepaymentTerms,
  date: string,
  apply: Applier,
  prepaid: { totalFen: Fen },
): Fen {
  const pastDue = state.filter((i) => i.dueDate < date && !settled(i));
  const currentIndex = currentIndexOf(state, date);
  const current = currentIndex >= 0 ? state[currentIndex] : null;
  const early = terms.earlyRepaymentFee === 'ACCRUED' && current !== null && current.dueDate > date;
  // the later instalments with principal unpaid: only the FUTURE step takes from them, so worked out when it comes
  let future: InstallmentState[] | null = null;
  let prepaidNow = 0n;
  /** principal taken from the current instalment (the fee base also falls by prepaidNow) */
  let currentPrincipal = 0n;
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
        if (current) apply.take(current, 'INTEREST', currentFeeDue(current, terms, date));
        break;
      case 'CURRENT_PRINCIPAL':
        if (current) currentPrincipal += apply.take(current, 'PRINCIPAL', unpaidPrincipal(current));
        break;
      case 'FUTURE': {
        future ??=
          currentIndex >= 0
            ? state.slice(currentIndex + 1).filter((i) => i.principalFen > i.paidPrincipalFen)
            : [];
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
  // the fee base moves only by principal taken from the current instalment on (and, FLAT, by what was prepaid):
  // the base before is the base after with that principal back
  const lowered = currentPrincipal + prepaidNow;
  if (early && lowered > 0n) {
    const balanceAfter = unpaidFrom(state, currentIndex);
    const baseAfter = feeBaseOf(balanceAfter, terms, prepaid.totalFen);
    const baseBefore = feeBaseOf(balanceAfter + lowered, terms, prepaid.totalFen - prepaidNow);
    if (baseAfter < baseBefore) refixCurrent(current, terms, date, baseBefore, baseAfter);
  }
  return prepaidNow;
}

/**
 * Closes the loan on `date`: the current period's interest becomes its fee by the product's rule (accrued to the
 * date, or whole), later periods charge none.
 */
function payoff(state: InstallmentState[], terms: RepaymentTerms, date: string, apply: Applier): Fen {
  const charged = chargedPeriod(state, terms, date);
  let prepaidNow = 0n;
  let afterCurrent = false;
  for (const i of state) {
    if (i.dueDate > date) {
      if (charged && i === charged.installment) {
        i.interestFen = charged.feeFen > i.paidInterestFen ? charged.feeFen : i.paidInterestFen;
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
      (i.interestFen > 0n || settled(i))
    ) {
      i.interestPaidOn = date;
    }
    if (i.status !== 'PAID' && settled(i)) {
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
 * One step of the replay: accrues and marks `state` to the payment's value date, applies the payment (the payoff,
 * or the product's waterfall) and settles what it paid, in place. `replay` is these steps in value-date order from
 * the frozen schedule; a caller that keeps a loan's state (the projection simulator) applies the next payment, on
 * or after the last one's date, with this same step. Throws OverpaymentError above the payoff of the value date.
 */
export function applyPayment(
  state: InstallmentState[],
  terms: RepaymentTerms,
  prepaid: { totalFen: Fen },
  p: ReplayPayment,
): { outcome: PaymentOutcome; lines: AllocationLine[] } {
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
  const sum = totalsOf(apply.lines);
  return {
    outcome: {
      paymentId: p.id,
      valueDate: p.valueDate,
      amountFen: p.amountFen,
      principalFen: sum.PRINCIPAL,
      interestFen: sum.INTEREST,
      penaltyFen: sum.PENALTY,
      prepaidPrincipalFen: prepaidNow,
      payoff: isPayoff,
      payoffBeforeFen: payoffFen,
    },
    lines: apply.lines,
  };
}

/**
 * A replay between payments: the instalments after the payments applied so far (in value-date order, before the
 * final accrual to `asOf`), the principal prepaid so far, and the day the loan was paid off. `replay` is
 * `startReplay`, `stepReplay` for each payment in order, then `finishReplay`; a caller holding the checkpoint of a
 * loan's earlier payments may apply a later payment to a copy of it (`resumeReplay`) with the same result as
 * replaying them all.
 */
export interface ReplayCheckpoint {
  state: InstallmentState[];
  prepaidFen: Fen;
  closedOn: string | null;
  /** the last payment applied (the next must come after it in value-date order) */
  last: ReplayPayment | null;
}

export function startReplay(schedule: readonly FrozenInstallment[]): ReplayCheckpoint {
  return { state: initialState(schedule), prepaidFen: 0n, closedOn: null, last: null };
}

/** Applies the next payment in value-date order to the checkpoint, in place (`applyPayment` on its state). */
export function stepReplay(
  cp: ReplayCheckpoint,
  terms: RepaymentTerms,
  p: ReplayPayment,
): { outcome: PaymentOutcome; lines: AllocationLine[] } {
  if (cp.last && paymentOrder(cp.last, p) > 0)
    throw new RangeError(`payment ${p.id} does not come after payment ${cp.last.id}`);
  const prepaid = { totalFen: cp.prepaidFen };
  const step = applyPayment(cp.state, terms, prepaid, p);
  cp.prepaidFen = prepaid.totalFen;
  if (cp.closedOn === null && cp.state.every((i) => i.status === 'PAID')) cp.closedOn = p.valueDate;
  cp.last = p;
  return step;
}

/** Accruals and overdue marking to `asOf`, in place; the result of the payments applied. */
export function finishReplay(
  cp: ReplayCheckpoint,
  terms: RepaymentTerms,
  asOf: string,
  allocations: AllocationLine[],
  payments: PaymentOutcome[],
): ReplayResult {
  if (cp.last && cp.last.valueDate > asOf)
    throw new RangeError(`asOf ${asOf} is before the payment of ${cp.last.valueDate}`);
  accrueTo(cp.state, asOf);
  markOverdue(cp.state, terms, asOf);
  return { asOf, installments: cp.state, allocations, payments, closedOn: cp.closedOn };
}

/** A deep copy of a checkpoint (the instalments are mutated by every step): flat records, copied field by field. */
export function copyCheckpoint(cp: ReplayCheckpoint): ReplayCheckpoint {
  return {
    state: cp.state.map((i) => (i.feeAccrued ? { ...i, feeAccrued: { ...i.feeAccrued } } : { ...i })),
    prepaidFen: cp.prepaidFen,
    closedOn: cp.closedOn,
    last: cp.last && { ...cp.last },
  };
}

/**
 * Replays a loan: the payments in value-date order on its frozen schedule, then accruals and overdue marking to
 * `asOf` (which must not be before the last payment's value date). Throws OverpaymentError when a payment
 * exceeds the payoff of its value date. `checkpoint`, when given, receives a copy of the state after the last
 * payment (before the accrual to `asOf`), for `resumeReplay`.
 */
export function replay(
  terms: RepaymentTerms,
  schedule: readonly FrozenInstallment[],
  payments: readonly ReplayPayment[],
  asOf: string,
  checkpoint?: (cp: ReplayCheckpoint) => void,
): ReplayResult {
  const cp = startReplay(schedule);
  const ordered = [...payments].sort(paymentOrder);
  const last = ordered[ordered.length - 1];
  if (last && last.valueDate > asOf)
    throw new RangeError(`asOf ${asOf} is before the payment of ${last.valueDate}`);
  const allocations: AllocationLine[] = [];
  const outcomes: PaymentOutcome[] = [];
  for (const p of ordered) {
    const { outcome, lines } = stepReplay(cp, terms, p);
    outcomes.push(outcome);
    allocations.push(...lines);
  }
  checkpoint?.(copyCheckpoint(cp));
  return finishReplay(cp, terms, asOf, allocations, outcomes);
}

/**
 * The replay of a loan's earlier payments and one more that comes after all of them, from the checkpoint of the
 * earlier ones (left unchanged): equal to `replay` of them all, except that `allocations` and `payments` hold the
 * new payment's only. `checkpoint` receives the state after the new payment.
 */
export function resumeReplay(
  terms: RepaymentTerms,
  from: ReplayCheckpoint,
  payment: ReplayPayment,
  asOf: string,
  checkpoint?: (cp: ReplayCheckpoint) => void,
): ReplayResult {
  const cp = copyCheckpoint(from);
  if (payment.valueDate > asOf)
    throw new RangeError(`asOf ${asOf} is before the payment of ${payment.valueDate}`);
  const { outcome, lines } = stepReplay(cp, terms, payment);
  checkpoint?.(copyCheckpoint(cp));
  return finishReplay(cp, terms, asOf, [...lines], [outcome]);
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
export { ARREARS_BUCKETS, bucketOf, type ArrearsBucket, type BucketLimitsDays } from '#libs/schedules/domain';

/** Σ per component of a set of allocation lines. */
export function totalsOf(lines: readonly { component: Component; amountFen: Fen }[]): Record<Component, Fen> {
  const t: Record<Component, Fen> = { PRINCIPAL: 0n, INTEREST: 0n, PENALTY: 0n };
  for (const l of lines) t[l.component] += l.amountFen;
  return t;
}
