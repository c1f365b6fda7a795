import {
  formatDecimal,
  mulDiv,
  parseDecimal,
  parseYuan,
  percentToRatio,
  pow10,
  roundDiv,
  type Fen,
} from '#libs/money';
import { addDays, daysInMonth, generateSchedule } from '#libs/schedules/domain';
import type { FrozenInstallment, InstallmentState, ReplayPayment, RepaymentTerms } from '#libs/repayment';
import type { Kernel } from './kernel.js';
import type {
  Behaviour,
  BookSnapshot,
  CoveredDemand,
  CoveredProduct,
  MonthState,
  PolicyChange,
  ProductKind,
  RunResult,
  ScenarioSpec,
  SnapshotAgreement,
  SnapshotBudget,
  SnapshotFund,
  SnapshotLoan,
  SnapshotRiskFund,
} from './model.js';
import type { Rng } from './prng.js';

/** A programme's settlement calendar (libs/subsidy's SettlementCalendar). */
interface SettlementCalendar {
  endMonths: readonly number[];
  endDay: number;
}

/**
 * One run of the monthly simulator. It starts from a snapshot of the books and moves them forward month by month,
 * in memory only, with the live engine's own functions (the `Kernel`): every loan's state at any date is the replay
 * of its frozen schedule and its payments (as the repayment engine computes it), a covered loan's backing is
 * ⌈outstanding / multiple⌉ and a fund's capacity ⌊multiple × available⌋ (libs/guarantee), a compensation is split
 * by the agreement's loss shares, a fund lends within its lending cap (libs/funds), new loans get their schedule
 * from libs/schedules and a period's subsidy is the subsidy domain's. The scenario decides only who pays when.
 *
 * Within a month the events (payments, applications) run in date order; the month's figures are read at its last
 * day, after every event of that day, as the monthly report reads the books.
 */

const HUNDRED_PERCENT = 100;

/** The month ends a projection reports: the first month end after `asOf`, then one per month. */
export function monthEndsAfter(asOf: string, months: number): string[] {
  const out: string[] = [];
  let y = Number(asOf.slice(0, 4));
  let m = Number(asOf.slice(5, 7));
  const endOf = (yy: number, mm: number) =>
    `${yy}-${String(mm).padStart(2, '0')}-${String(daysInMonth(yy, mm)).padStart(2, '0')}`;
  if (endOf(y, m) <= asOf) {
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  while (out.length < months) {
    out.push(endOf(y, m));
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

const fen = (yuanText: string): Fen => {
  const r = parseYuan(yuanText, { allowZero: true });
  if (!r.ok) throw new RangeError(`not an amount: ${yuanText}`);
  return r.fen;
};

/** a + b of two exact decimal strings */
function addDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) throw new RangeError(`not decimals: ${a}, ${b}`);
  const scale = Math.max(x.scale, y.scale);
  return formatDecimal({ units: x.units * pow10(scale - x.scale) + y.units * pow10(scale - y.scale), scale });
}

/** num / den × 10^4, half up (a ratio or a percent with four decimals, as the report prints them); null: no base */
export const decimal4 = (num: bigint, den: bigint): bigint | null =>
  den > 0n ? roundDiv(num * 10_000n, den, 'HALF_UP') : null;

interface Plan {
  lateDays: number;
  /** the last instalment a defaulter pays; null: pays them all */
  stopsAfter: number | null;
}

interface SimLoan {
  id: string;
  channel: SnapshotLoan['channel'];
  householdId: string | null;
  fundId: string | null;
  riskFundId: string | null;
  agreementId: string | null;
  coverMultiple: string | null;
  nplOverdueDays: number;
  terms: RepaymentTerms;
  schedule: FrozenInstallment[];
  termMonths: number;
  subsidy: SnapshotLoan['subsidy'];
  plan: Plan;
  /** instalments whose due date the run has handled (paid, or the borrower's payment day passed) */
  handledThrough: number;
  closed: boolean;
  compensated: boolean;
  /** covered: past the trigger at a month end, claimed and paid at the next */
  claimable: boolean;
  /** covered: the backing held, ⌈outstanding / multiple⌉ */
  coverUsedFen: Fen;
  /** the loan's replayed state, kept and moved forward payment by payment (the replay's own step) */
  state: InstallmentState[];
  /** the instalments of it that still matter (see openFrom), from index firstOpen; null: not worked out yet */
  open: InstallmentState[] | null;
  firstOpen: number;
  prepaid: { totalFen: Fen };
  /** whether its last payment paid everything then due, and the due date after that payment's day (null: none) */
  cleared: boolean;
  nextDue: string | null;
  /** its principal unpaid: the snapshot's, less the principal of each payment as the replay's step allocated it */
  unpaidFen: Fen;
  /** subsidy: instalments already counted */
  subsidisedThrough: number;
  seq: number;
  /** the loan's months as its plan plays them, shared by every run that drew the same plan (see trajectoryOf) */
  trajectory: Trajectory | null;
  /** the run's state of the loan's village fund (mutual aid), looked up once */
  fund: FundState | null;
  /** a pooled loan drawn otherwise than on time: its on-time months, which come out of its fund's pool */
  onTime: Trajectory | null;
  /**
   * Whether each step replays it in full (its state is read besides its payments, or the run shares nothing): its
   * month ends accrue penalty and sum its principal from the state, and the accrual and marking before a payment or
   * at a month end go over every open instalment. Otherwise see monthEndOf and dueThrough.
   */
  replayedInFull: boolean;
}

/** A payment the run settles: its day, amount, the principal it paid and the principal it left. */
interface Paid {
  day: string;
  amountFen: Fen;
  principalFen: Fen;
  leftFen: Fen;
}

/** A loan's month: its payments in date order, then its principal outstanding and days overdue at the month end. */
interface LoanMonth {
  paid: Paid[];
  /** Σ of the payments' amounts and principal (what a month without applications settles at once) */
  amountFen: Fen;
  principalFen: Fen;
  outstandingFen: Fen;
  dpd: number;
}

/**
 * A loan's months from the snapshot on, as its plan plays them (the month in which it closes is the last). For a
 * mutual-aid loan without subsidy nothing in them depends on the rest of the run: the payments are its plan's, its
 * state moves only by its own payments (the replay's step) and the month end reads only its state. So every run
 * that draws the same plan for the loan gets the same months, and they are computed once, by the very code a run
 * uses (`payDays`, `payDue`, `monthEndOf`), and shared; the run settles the payments into its fund and reads the
 * month ends. Kept for the plans that recur (on time; stopping after the 0th–2nd more instalment). A late payer's
 * lateness is drawn from a range, so its months are not kept; but they too depend on nothing else, so a run works
 * them out the same way when it draws the plan, the loan's every month before the next loan's, instead of month by
 * month beside every other loan: a loan's few kilobytes of state stay in the processor's caches for its whole
 * horizon instead of being fetched again from memory each month among the megabytes of all late payers' states.
 */
interface Trajectory {
  months: LoanMonth[];
}

interface FundState {
  snap: SnapshotFund;
  cashFen: Fen;
  capitalFen: Fen;
  outstandingFen: Fen;
  lendingCapPercent: string;
  maxLoanFen: Fen;
  /** households served: those with a loan outstanding on the snapshot date (shared, read only), and the run's others */
  servedAtStart: ReadonlySet<string>;
  served: Set<string>;
  newLoans: number;
  /** the on-time months of the fund's pooled loans (null: every loan added one by one) */
  pool: PoolMonth[] | null;
  /**
   * What the run's draws change in the pool's month figures (STRIDE per month, see PoolFigure): the shifts of the
   * pooled loans drawn stopping or late added (the on-time months of one added by itself taken out); null: none.
   */
  delta: BigInt64Array | null;
  keys: ReturnType<typeof keysOf>;
  /** the month end being read: its loans' outstanding, PAR30, NPL and households */
  month: FundMonth;
}

interface FundMonth {
  outstanding: Fen;
  par30: Fen;
  npl: Fen;
  /** households of the loans read one by one */
  households: Set<string>;
  /** households of the fund's pooled loans (see Pool), each distinct from every other household of the fund */
  pooledHouseholds: number;
}

const emptyMonth = (): FundMonth => ({
  outstanding: 0n,
  par30: 0n,
  npl: 0n,
  households: new Set(),
  pooledHouseholds: 0,
});

/** The series keys of a fund's figures. */
const keysOf = (id: string) => ({
  cash: `fund:${id}:cash`,
  roomToLend: `fund:${id}:roomToLend`,
  outstanding: `fund:${id}:outstanding`,
  par30: `fund:${id}:par30`,
  households: `fund:${id}:households`,
  householdsCumulative: `fund:${id}:householdsCumulative`,
});

const serve = (f: FundState, household: string): void => {
  if (!f.servedAtStart.has(household)) f.served.add(household);
};
const servedCount = (f: FundState): number => f.servedAtStart.size + f.served.size;

interface RiskFundState {
  snap: SnapshotRiskFund;
  balanceFen: Fen;
  availableFen: Fen;
  suspended: boolean;
  /**
   * The district's covered principal and its non-performing part at the last month end (the snapshot's at first):
   * what the breaker rule reads when a bank registers a new loan (the live engine's district NPL figures).
   */
  district: { covered: Fen; npl: Fen };
}

/** What a new covered loan is made on: its product kind (for behaviour), NPL days, repayment terms and rate. */
interface CoveredTerms {
  kind: ProductKind;
  nplOverdueDays: number;
  terms: Omit<RepaymentTerms, 'principalFen' | 'annualRatePercent'>;
  rate: string;
  installmentMultipleFen: Fen;
}

/** The subsidy library's default settlement calendar (the 20th of Mar, Jun, Sep and Dec). */
const DEFAULT_SETTLEMENT: SettlementCalendar = { endMonths: [3, 6, 9, 12], endDay: 20 };
/** The loan facts `periodOutcome` reads: a live loan, not written off, with no fraud or misuse flag. */
const ACTIVE_LOAN = Object.freeze({ status: 'ACTIVE', flags: Object.freeze([]) as readonly string[] });

/** New covered lending of a risk fund in the month: registered and refused, counts and amounts. */
interface CoveredMonth {
  registered: number;
  registeredFen: Fen;
  refused: number;
  refusedFen: Fen;
}

interface BudgetState extends SnapshotBudget {
  spentFen: Fen;
}

const unpaidPrincipal = (i: InstallmentState): Fen => i.principalFen - i.paidPrincipalFen;
const owedOf = (i: InstallmentState): Fen =>
  i.principalFen - i.paidPrincipalFen + i.interestFen - i.paidInterestFen + i.penaltyFen - i.paidPenaltyFen;

/** Pays every instalment on its due date (one object: plans are read, never changed). */
const ON_TIME: Plan = Object.freeze({ lateDays: 0, stopsAfter: null });
const isOnTime = (p: Plan): boolean => p.lateDays === 0 && p.stopsAfter === null;

function drawPlan(rng: Rng, b: Behaviour | undefined, handled: number): Plan {
  if (!b) return ON_TIME;
  const u = rng.next() * HUNDRED_PERCENT;
  if (u < b.defaultPercent) return { lateDays: 0, stopsAfter: handled + rng.int(0, 2) };
  if (u < b.defaultPercent + b.latePercent)
    return { lateDays: rng.int(b.lateDays.min, b.lateDays.max), stopsAfter: null };
  return ON_TIME;
}

/** Instalments due on or before `date` (the ones a borrower paying everything due settles). */
const dueBy = (schedule: readonly FrozenInstallment[], date: string): number => dueByFrom(schedule, 0, date);

/**
 * The greater of `from` and dueBy(schedule, date), looking only after the first `from` instalments: instalments are
 * numbered 1…n in due-date order (prepOf checks a snapshot's; libs/schedules numbers a new loan's so).
 */
function dueByFrom(schedule: readonly FrozenInstallment[], from: number, date: string): number {
  let n = from;
  for (let j = from; j < schedule.length && schedule[j].dueDate <= date; j++) n = schedule[j].number;
  return n;
}

/** A simulated payment's id, `9` and its number on six digits (the replay orders a day's payments by id). */
const PAYMENT_IDS: string[] = [];
const paymentId = (seq: number): string => (PAYMENT_IDS[seq] ??= `9${String(seq).padStart(6, '0')}`);

/**
 * A loan's replayed state on the snapshot date, the same for every run of a snapshot: replayed once and copied into
 * each run (the runs move their copies forward).
 */
const starts = new WeakMap<
  BookSnapshot,
  Map<string, { installments: InstallmentState[]; prepaidFen: Fen; closedOn: string | null }>
>();
function startOf(snapshot: BookSnapshot, l: SnapshotLoan, k: Kernel) {
  return copyStart(baseStartOf(snapshot, l, k));
}

/** A run's own copy of a replayed start (the run moves it forward). */
function copyStart(s: ReturnType<typeof baseStartOf>): ReturnType<typeof baseStartOf> {
  return {
    installments: s.installments.map((i) => ({ ...i, feeAccrued: i.feeAccrued && { ...i.feeAccrued } })),
    prepaidFen: s.prepaidFen,
    closedOn: s.closedOn,
  };
}

/** The replayed start itself (shared: read only, never moved forward). */
function baseStartOf(snapshot: BookSnapshot, l: SnapshotLoan, k: Kernel) {
  let byLoan = starts.get(snapshot);
  if (!byLoan) starts.set(snapshot, (byLoan = new Map()));
  let s = byLoan.get(l.id);
  if (!s) {
    const r = k.replay(l.terms, l.schedule, l.payments, snapshot.asOf);
    s = {
      installments: r.installments,
      prepaidFen: r.payments.reduce((t, p) => t + p.prepaidPrincipalFen, 0n),
      closedOn: r.closedOn,
    };
    byLoan.set(l.id, s);
  }
  return s;
}

/** The days in (prevEnd, monthEnd] the loan's borrower pays on, ascending (its plan: due date + late days). */
function payDays(loan: SimLoan, asOf: string, prevEnd: string, monthEnd: string): string[] {
  const days: string[] = [];
  // instalments are numbered 1…n in due-date order (see dueByFrom): the handled ones are the first handledThrough
  for (let j = loan.handledThrough; j < loan.schedule.length; j++) {
    const i = loan.schedule[j];
    if (loan.plan.stopsAfter !== null && i.number > loan.plan.stopsAfter) break;
    let day = loan.plan.lateDays ? addDays(i.dueDate, loan.plan.lateDays) : i.dueDate;
    if (day <= asOf) day = addDays(asOf, 1);
    if (day > monthEnd) break; // due dates ascend: the rest fall in later months
    if (day > prevEnd && days[days.length - 1] !== day) days.push(day);
  }
  return days;
}

/**
 * The borrower pays on `day` what is due then (every unpaid principal, fee and penalty of instalments due by
 * then), through the repayment engine's own step; null when nothing is due.
 */
function payDue(loan: SimLoan, day: string, k: Kernel): Paid | null {
  if (loan.closed || loan.compensated) return null;
  const st = openPart(loan, day);
  const due = loan.replayedInFull ? st : dueThrough(st, day);
  // after a payment that paid everything due, with nothing falling due since before this day, nothing is overdue
  // or accruing penalty: the accrual and marking would change nothing (applyPayment does them anyway)
  if (!loan.cleared || (loan.nextDue !== null && loan.nextDue < day)) {
    k.accrueTo(due, day);
    k.markOverdue(due, loan.terms, day);
  }
  let owed = 0n;
  for (const i of due) {
    if (i.dueDate > day) break; // due dates ascend: the rest are not due yet
    // a PAID instalment owes no principal (nor, checked without arithmetic, fee or penalty): it adds nothing
    if (i.status === 'PAID' && i.interestFen === i.paidInterestFen && i.penaltyFen === i.paidPenaltyFen)
      continue;
    owed += owedOf(i);
  }
  loan.handledThrough = dueByFrom(loan.schedule, loan.handledThrough, day);
  if (owed <= 0n) return null;
  const principal = recordPayment(loan, { id: paymentId(++loan.seq), valueDate: day, amountFen: owed }, k);
  // the first handledThrough instalments are due by the day, the next one after it
  loan.cleared = true;
  loan.nextDue = loan.schedule[loan.handledThrough]?.dueDate ?? null;
  return { day, amountFen: owed, principalFen: principal, leftFen: loan.unpaidFen };
}

/**
 * Where a loan's instalments still matter from `date` on: the index after the leading ones that are PAID in full
 * (principal, fee and penalty) and due before `date`, searched from `from`. The replay's step, accrual, marking and
 * days overdue on any date from `date` on give the same result on the instalments from there as on them all: such
 * an instalment is skipped by the accrual and the marking, adds nothing to a payoff, is neither overdue, nor
 * CURRENT, nor the period a payoff charges, nor FUTURE, and is never reopened (the property test in
 * open-part.spec.ts holds the two to the same states and outcomes).
 */
export function openFrom(state: readonly InstallmentState[], from: number, date: string): number {
  let n = from;
  while (n < state.length) {
    const i = state[n];
    if (
      i.status !== 'PAID' ||
      i.interestFen !== i.paidInterestFen ||
      i.penaltyFen !== i.paidPenaltyFen ||
      i.dueDate >= date
    )
      break;
    n++;
  }
  return n;
}

/** The loan's instalments that still matter from `date` on (the same objects as its state: see openFrom). */
function openPart(loan: SimLoan, date: string): InstallmentState[] {
  const n = openFrom(loan.state, loan.firstOpen, date);
  if (n !== loan.firstOpen || loan.open === null) {
    loan.firstOpen = n;
    loan.open = n === 0 ? loan.state : loan.state.slice(n);
  }
  return loan.open;
}

/**
 * The payment applied to the kept state by the repayment engine's own step (as `replay` applies each); the principal
 * the step allocated to it, which leaves the loan's principal unpaid.
 */
function recordPayment(loan: SimLoan, p: ReplayPayment, k: Kernel): Fen {
  const { outcome } = k.applyPayment(openPart(loan, p.valueDate), loan.terms, loan.prepaid, p);
  loan.unpaidFen -= outcome.principalFen;
  return outcome.principalFen;
}

/**
 * The loan at a month end: marked (and accrued, see below) to the last day; its principal outstanding and days
 * overdue.
 *
 * The accrual of penalty is left to the next payment for a loan whose state nothing reads but its payments and
 * these two figures (a mutual-aid loan without subsidy, outside a back-test): neither figure reads the penalty, and
 * penalty is path independent, the replay's rule: fen-days over the principal unpaid, rounded once. Between a month
 * end and the next payment nothing is paid, so the payment's own accrual, from where the last one stopped, adds the
 * same fen-days as the two would, and its marking charges the penalty of them all. The marking itself stays (the
 * days overdue read it). A run that shares nothing (`shared: false`) accrues at every month end, and reads the
 * principal outstanding from the state instead of the payments' outcomes; the property test in pool.spec.ts holds
 * the two to the same results.
 */
function monthEndOf(
  loan: SimLoan,
  monthEnd: string,
  k: Kernel,
): { outstandingFen: Fen; dpd: number; replayed: boolean } {
  // a loan whose last payment paid everything due, with nothing falling due since, is exactly as that payment
  // left it (nothing overdue, no penalty accruing): its replay to the month end would say the same
  const quiet = loan.cleared && !loan.subsidy && (loan.nextDue === null || loan.nextDue > monthEnd);
  if (quiet) return { outstandingFen: loan.unpaidFen, dpd: 0, replayed: false };
  const st = openPart(loan, monthEnd);
  let outstanding = loan.unpaidFen; // only payments move principal: what is unpaid is what the payments left
  if (loan.replayedInFull) {
    k.accrueTo(st, monthEnd);
    // read from the state itself (what the property test compares the kept figure with)
    outstanding = 0n;
    for (const i of st) if (i.status !== 'PAID') outstanding += unpaidPrincipal(i); // PAID: none unpaid
  }
  const due = loan.replayedInFull ? st : dueThrough(st, monthEnd);
  k.markOverdue(due, loan.terms, monthEnd);
  return { outstandingFen: outstanding, dpd: k.daysOverdueOf(due, monthEnd), replayed: true };
}

/**
 * The instalments of `st` due on or before `date` (due dates ascend: see dueByFrom). They are all the accrual and
 * the marking to `date` touch (each skips an instalment due on or after the date) and all the days overdue on
 * `date` read (an instalment is OVERDUE only after its due date), so the simulator's own calls of those pass them
 * and not the later instalments, which a late payer's open part is mostly made of. A loan replayed in full passes
 * every open instalment, and the property test in pool.spec.ts holds the two to the same results.
 */
function dueThrough(st: InstallmentState[], date: string): InstallmentState[] {
  let n = 0;
  while (n < st.length && st[n].dueDate <= date) n++;
  return n === st.length ? st : st.slice(0, n);
}

/** A run's loan from the snapshot: its replayed state on the snapshot date (a copy) and the plan drawn for it. */
function simLoanOf(
  l: SnapshotLoan,
  k: Kernel,
  plan: Plan,
  handled: number,
  state: ReturnType<typeof baseStartOf>,
  outstanding: Fen = state.installments.reduce((s, i) => s + unpaidPrincipal(i), 0n),
): SimLoan {
  return {
    ...l,
    state: state.installments,
    prepaid: { totalFen: state.prepaidFen },
    plan,
    handledThrough: handled,
    closed: state.closedOn !== null || outstanding === 0n,
    unpaidFen: outstanding,
    compensated: false,
    claimable: false,
    cleared: false,
    nextDue: null,
    coverUsedFen: l.coverMultiple ? k.coverFor(outstanding, k.parseMultiple(l.coverMultiple)) : 0n,
    subsidisedThrough: handled,
    seq: 0,
    trajectory: null,
    fund: null,
    onTime: null,
    open: null,
    firstOpen: 0,
    replayedInFull: l.channel !== 'MUTUAL_AID' || l.subsidy !== null,
  };
}

/**
 * Whether a loan's later month ends can be read without replaying it: its plan pays nothing more (it stops after an
 * instalment it has handled, so payDays gives no day again) and its oldest unpaid instalment is already OVERDUE at
 * the month end just replayed. From then on nothing is paid, so its principal outstanding stays, and the replay's
 * accrual and marking change only its penalty and the status of later instalments: its days overdue (the oldest
 * OVERDUE instalment's) and principal, the only figures a shared loan's months report, come out the same. The
 * state, shared loans' own copy, is read by nothing else. A run that shares no months (`shared: false`) replays
 * every month end instead, and the property test in pool.spec.ts holds the two to the same results.
 */
function stuckFrom(loan: SimLoan): boolean {
  if (loan.plan.stopsAfter === null || loan.handledThrough < loan.plan.stopsAfter) return false;
  for (const i of loan.open ?? loan.state) if (i.status !== 'PAID') return i.status === 'OVERDUE';
  return false;
}

/** Whether a loan's months depend on nothing in the run but its plan: mutual aid without subsidy (see Trajectory). */
const movesAlone = (l: SnapshotLoan): boolean => l.channel === 'MUTUAL_AID' && !l.subsidy;

/** Whether the months of a plan are kept and shared by the runs: the plans that recur (see Trajectory). */
const recurs = (plan: Plan): boolean => plan.lateDays === 0;

const trajectories = new WeakMap<Kernel, WeakMap<BookSnapshot, Map<string, Trajectory>>>();

/** The loan's months under the plan over the month ends, computed once per snapshot, kernel, plan and horizon. */
function trajectoryOf(
  snapshot: BookSnapshot,
  l: SnapshotLoan,
  k: Kernel,
  plan: Plan,
  handled: number,
  monthEnds: readonly string[],
  /** false: computed and not kept (a pooled loan's stopping plan is kept as its shift only; a late plan never) */
  keep = true,
): Trajectory {
  let bySnapshot = trajectories.get(k);
  if (!bySnapshot) trajectories.set(k, (bySnapshot = new WeakMap()));
  let byKey = bySnapshot.get(snapshot);
  if (!byKey) bySnapshot.set(snapshot, (byKey = new Map()));
  const key = `${l.id}|${plan.lateDays}|${plan.stopsAfter ?? ''}|${monthEnds.length}`;
  let t = byKey.get(key);
  if (t) return t;
  const loan = simLoanOf(l, k, plan, handled, startOf(snapshot, l, k));
  t = { months: [] };
  let prevEnd = snapshot.asOf;
  /** the principal a loan that pays nothing more still owes, once its oldest unpaid instalment is overdue */
  let stuck: Fen | null = null;
  for (const monthEnd of monthEnds) {
    if (loan.closed) break;
    if (stuck !== null) {
      // no payment moves it again: its principal stays, and its oldest unpaid instalment, already overdue, stays the
      // oldest overdue (marking adds only later ones), so the days overdue are the replay's own on the state as it
      // is; the penalty the accrual would add shows in no figure of the months (see stuckFrom)
      const dpd = k.daysOverdueOf(loan.open ?? loan.state, monthEnd);
      t.months.push({ paid: [], amountFen: 0n, principalFen: 0n, outstandingFen: stuck, dpd });
      prevEnd = monthEnd;
      continue;
    }
    const paid: Paid[] = [];
    for (const day of payDays(loan, snapshot.asOf, prevEnd, monthEnd)) {
      const p = payDue(loan, day, k);
      if (p) paid.push(p);
    }
    const e = monthEndOf(loan, monthEnd, k);
    if (e.outstandingFen === 0n) loan.closed = true;
    let amountFen = 0n;
    let principalFen = 0n;
    for (const p of paid) {
      amountFen += p.amountFen;
      principalFen += p.principalFen;
    }
    t.months.push({ paid, amountFen, principalFen, outstandingFen: e.outstandingFen, dpd: e.dpd });
    if (!loan.closed && stuckFrom(loan)) stuck = e.outstandingFen;
    prevEnd = monthEnd;
  }
  if (keep) byKey.set(key, t);
  return t;
}

/**
 * What every run of a snapshot shares, worked out once per snapshot, kernel and horizon: each loan's replayed
 * start (its state on the snapshot date, the instalments handled by then, its days overdue and principal
 * outstanding), each fund's opening outstanding and households served, and the fund's pool.
 *
 * The pool: a run draws most loans on time, and a loan that pays on time moves its fund by its on-time months and
 * nothing else (a mutual-aid loan without subsidy: see Trajectory). So each fund's on-time months of its poolable
 * loans (mutual aid, no subsidy, open, at most 30 days overdue on the snapshot date, the only loan of its
 * household in the fund) are summed once: per month the payments (and by day, for the months with applications),
 * the principal outstanding, PAR30 and NPL at the month end, the households with a loan outstanding. A run starts
 * every fund from its pool and takes out the on-time months of the loans it drew otherwise, which then move as
 * their own plan says. Addition in any order gives the same sums, so the run's figures are those of adding the
 * loans one by one (the property test in simulate.spec.ts holds the two to the same results).
 */
interface Prep {
  loans: PrepLoan[];
  funds: Map<string, FundPrep>;
}

interface PrepLoan {
  handled: number;
  base: ReturnType<typeof baseStartOf>;
  dpd: number;
  outstandingFen: Fen;
  /** the loan's on-time months, when they are in its fund's pool */
  pooled: Trajectory | null;
  /** those months as they add to the pool's figures (see PoolFigure) */
  pooledFigures: BigInt64Array | null;
  /**
   * What the figures of the loan's months under any plan may reach for its shift to stay within its fund's 64-bit
   * bound (see prepOf): the on-time figures' largest magnitude and the principal outstanding.
   */
  allowanceFen: Fen;
  /**
   * A pooled loan, by the instalment its borrower stops after: what that plan's months change in its fund's pool's
   * figures (null: beyond the allowance, so the run adds the loan itself), and (worked out only for a run with
   * applications, which settles payments day by day) in its days.
   */
  shifts: Map<number, BigInt64Array | null>;
  shiftDays: Map<number, PoolDay[][]>;
}

interface FundPrep {
  /** Σ of the opening principal outstanding of the fund's loans */
  outstandingFen: Fen;
  /** households with a loan outstanding on the snapshot date */
  served: Set<string>;
  pool: PoolMonth[];
}

interface PoolMonth {
  amountFen: Fen;
  principalFen: Fen;
  outstandingFen: Fen;
  par30: Fen;
  npl: Fen;
  households: number;
  /** the payments by day, ascending */
  days: PoolDay[];
}

interface PoolDay {
  day: string;
  amountFen: Fen;
  principalFen: Fen;
}

/**
 * A loan's months as they add to its fund's pool, one 64-bit integer per figure and month (figure f of month m at
 * m × STRIDE + f): a run adds up thousands of them, and a typed array adds without a heap object per number. Exact
 * integers: prepOf bounds every fund's sum below 2^63 (BigInt64Array would wrap silently above).
 */
const AMOUNT = 0;
const PRINCIPAL = 1;
const OUTSTANDING = 2;
const PAR30 = 3;
const NPL = 4;
const HOUSEHOLDS = 5;
const STRIDE = 6;
const INT64_LIMIT = 1n << 63n;

/** A trajectory's figures as it adds to its fund's pool (the figures of addToPool), and their largest magnitude. */
function figuresOf(
  t: Trajectory,
  l: SnapshotLoan,
  months: number,
): { figures: BigInt64Array; magnitude: bigint } {
  const a = new BigInt64Array(months * STRIDE);
  let magnitude = 0n;
  for (let m = 0; m < t.months.length; m++) {
    const x = t.months[m];
    const o = m * STRIDE;
    for (const v of [x.amountFen, x.principalFen, x.outstandingFen])
      if (v > magnitude || -v > magnitude) magnitude = v < 0n ? -v : v;
    if (magnitude >= INT64_LIMIT) throw new RangeError(`loan ${l.id}: a figure beyond 64 bits`);
    a[o + AMOUNT] = x.amountFen;
    a[o + PRINCIPAL] = x.principalFen;
    a[o + OUTSTANDING] = x.outstandingFen;
    if (x.dpd > 30) a[o + PAR30] = x.outstandingFen;
    if (x.dpd > l.nplOverdueDays) a[o + NPL] = x.outstandingFen;
    if (x.outstandingFen > 0n && l.householdId) a[o + HOUSEHOLDS] = 1n;
  }
  return { figures: a, magnitude };
}

/** acc += sign × x, figure by figure */
function addFigures(acc: BigInt64Array, x: BigInt64Array, sign: 1 | -1): void {
  if (sign === 1) for (let i = 0; i < acc.length; i++) acc[i] += x[i];
  else for (let i = 0; i < acc.length; i++) acc[i] -= x[i];
}

const preps = new WeakMap<Kernel, WeakMap<BookSnapshot, Map<number, Prep>>>();

/**
 * Makes every date label of the snapshot's schedules one string object per date (the same text, so nothing reads
 * them differently): the replay compares these labels and looks them up in its remembered date maps millions of
 * times a projection, and equal labels that are one object compare and hash without reading their characters.
 */
const labelled = new WeakSet<BookSnapshot>();
function oneLabelPerDate(snapshot: BookSnapshot): void {
  if (labelled.has(snapshot)) return;
  const labels = new Map<string, string>();
  const one = (label: string): string => {
    const known = labels.get(label);
    if (known !== undefined) return known;
    labels.set(label, label);
    return label;
  };
  for (const l of snapshot.loans)
    for (const i of l.schedule) {
      i.periodStart = one(i.periodStart);
      i.dueDate = one(i.dueDate);
    }
  labelled.add(snapshot);
}

function prepOf(snapshot: BookSnapshot, k: Kernel, monthEnds: readonly string[]): Prep {
  let bySnapshot = preps.get(k);
  if (!bySnapshot) preps.set(k, (bySnapshot = new WeakMap()));
  let byHorizon = bySnapshot.get(snapshot);
  if (!byHorizon) bySnapshot.set(snapshot, (byHorizon = new Map()));
  let prep = byHorizon.get(monthEnds.length);
  if (prep) return prep;
  oneLabelPerDate(snapshot);
  const funds = new Map<string, FundPrep>();
  for (const f of snapshot.funds)
    funds.set(f.id, { outstandingFen: 0n, served: new Set(), pool: emptyPool(monthEnds.length) });
  // a household with more than one loan in a fund is counted once: its loans are read one by one
  const perHousehold = new Map<string, number>();
  for (const l of snapshot.loans)
    if (l.fundId && l.householdId)
      perHousehold.set(
        `${l.fundId}|${l.householdId}`,
        (perHousehold.get(`${l.fundId}|${l.householdId}`) ?? 0) + 1,
      );
  const loans: PrepLoan[] = [];
  /** by fund, a bound on what its pooled loans can sum to in a run's delta (kept below 2^63) */
  const bound = new Map<string, bigint>();
  for (const l of snapshot.loans) {
    if (l.schedule.some((x, j) => x.number !== j + 1))
      throw new RangeError(`loan ${l.id}: instalments not numbered 1…n`);
    const handled = dueBy(l.schedule, snapshot.asOf);
    const base = baseStartOf(snapshot, l, k);
    const dpd = k.daysOverdueOf(base.installments, snapshot.asOf);
    let outstandingFen = 0n;
    for (const i of base.installments) outstandingFen += unpaidPrincipal(i);
    const f = l.fundId ? funds.get(l.fundId) : undefined;
    if (f) {
      f.outstandingFen += outstandingFen;
      if (outstandingFen > 0n && l.householdId) f.served.add(l.householdId);
    }
    const poolable =
      f !== undefined &&
      movesAlone(l) &&
      dpd <= 30 &&
      base.closedOn === null &&
      outstandingFen > 0n &&
      (!l.householdId || perHousehold.get(`${l.fundId}|${l.householdId}`) === 1);
    const pooled = poolable ? trajectoryOf(snapshot, l, k, ON_TIME, handled, monthEnds) : null;
    let pooledFigures: BigInt64Array | null = null;
    let allowanceFen = 0n;
    if (pooled && f) {
      addToPool(f.pool, pooled, l, 1n);
      const { figures, magnitude } = figuresOf(pooled, l, monthEnds.length);
      pooledFigures = figures;
      // what the loan can change in its fund's delta: its on-time figures out, or another plan's figures in and the
      // on-time ones out, the plan's within the allowance (a stopping plan pays as on time until it stops and owes
      // at most what is outstanding now; a late plan's that reach beyond it are added by the run instead: shiftFrom)
      allowanceFen = magnitude + outstandingFen;
      const b = (bound.get(l.fundId!) ?? 0n) + magnitude + allowanceFen;
      if (b >= INT64_LIMIT) throw new RangeError(`fund ${l.fundId}: its pooled figures reach beyond 64 bits`);
      bound.set(l.fundId!, b);
    }
    loans.push({
      handled,
      base,
      dpd,
      outstandingFen,
      pooled,
      pooledFigures,
      allowanceFen,
      shifts: new Map(),
      shiftDays: new Map(),
    });
  }
  for (const f of funds.values())
    for (const m of f.pool) m.days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  prep = { loans, funds };
  byHorizon.set(monthEnds.length, prep);
  return prep;
}

const emptyPool = (months: number): PoolMonth[] =>
  Array.from({ length: months }, () => ({
    amountFen: 0n,
    principalFen: 0n,
    outstandingFen: 0n,
    par30: 0n,
    npl: 0n,
    households: 0,
    days: [],
  }));

/**
 * What a pooled loan's months under a plan change in its fund's pool's figures: those months less its on-time months;
 * null when a figure of them reaches beyond the loan's allowance (the fund's delta could then leave 64 bits: the run
 * adds the loan itself instead).
 */
function shiftFrom(t: Trajectory, l: SnapshotLoan, p: PrepLoan, months: number): BigInt64Array | null {
  const { figures, magnitude } = figuresOf(t, l, months);
  if (magnitude > p.allowanceFen) return null;
  addFigures(figures, p.pooledFigures!, -1);
  return figures;
}

/** The same change in the pool's payments by day, month by month (what a run with applications settles). */
function shiftDaysFrom(t: Trajectory, l: SnapshotLoan, p: PrepLoan, months: number): PoolDay[][] {
  const shift = emptyPool(months);
  addToPool(shift, t, l, 1n);
  addToPool(shift, p.pooled!, l, -1n);
  return shift.map((m) => m.days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)));
}

/** A pooled loan's recurring (stopping) plan's shift, worked out once per snapshot, loan and plan (see shiftFrom). */
function shiftOf(
  snapshot: BookSnapshot,
  l: SnapshotLoan,
  p: PrepLoan,
  k: Kernel,
  plan: Plan,
  monthEnds: readonly string[],
): BigInt64Array | null {
  const key = plan.stopsAfter ?? -1;
  let shift = p.shifts.get(key);
  if (shift !== undefined) return shift;
  shift = shiftFrom(trajectoryOf(snapshot, l, k, plan, p.handled, monthEnds, false), l, p, monthEnds.length);
  p.shifts.set(key, shift);
  return shift;
}

/** Its shift in the payments by day, likewise worked out once (see shiftDaysFrom). */
function shiftDaysOf(
  snapshot: BookSnapshot,
  l: SnapshotLoan,
  p: PrepLoan,
  k: Kernel,
  plan: Plan,
  monthEnds: readonly string[],
): PoolDay[][] {
  const key = plan.stopsAfter ?? -1;
  let days = p.shiftDays.get(key);
  if (days) return days;
  const t = trajectoryOf(snapshot, l, k, plan, p.handled, monthEnds, false);
  days = shiftDaysFrom(t, l, p, monthEnds.length);
  p.shiftDays.set(key, days);
  return days;
}

/** A loan's months into a pool (sign 1) or out of it (sign −1). */
function addToPool(pool: PoolMonth[], t: Trajectory, l: SnapshotLoan, sign: bigint): void {
  for (let m = 0; m < t.months.length; m++) {
    const x = t.months[m];
    const o = pool[m];
    o.amountFen += sign * x.amountFen;
    o.principalFen += sign * x.principalFen;
    o.outstandingFen += sign * x.outstandingFen;
    if (x.dpd > 30) o.par30 += sign * x.outstandingFen;
    if (x.dpd > l.nplOverdueDays) o.npl += sign * x.outstandingFen;
    if (x.outstandingFen > 0n && l.householdId) o.households += Number(sign);
    for (const p of x.paid) {
      const d = o.days.find((y) => y.day === p.day);
      if (d) {
        d.amountFen += sign * p.amountFen;
        d.principalFen += sign * p.principalFen;
      } else o.days.push({ day: p.day, amountFen: sign * p.amountFen, principalFen: sign * p.principalFen });
    }
  }
}

/** A new loan's schedule from libs/schedules: its product's terms, amount, rate, term in months and disbursement day. */
function newSchedule(
  t: Pick<RepaymentTerms, 'frequency' | 'method' | 'dayCount' | 'rounding'>,
  amount: Fen,
  rate: string,
  term: number,
  day: string,
  installmentMultipleFen: Fen,
) {
  const periods =
    t.frequency === 'MONTHLY' ? term : t.frequency === 'QUARTERLY' ? Math.max(1, Math.floor(term / 3)) : 1;
  return generateSchedule({
    principalFen: amount,
    annualRatePercent: rate,
    numberOfInstallments: periods,
    frequency: t.frequency,
    termMonths: term,
    method: t.method,
    dayCount: t.dayCount,
    disbursementDate: day,
    rounding: t.rounding,
    installmentMultipleFen,
    principalGraceInstallments: 0,
  });
}

export interface RunInput {
  snapshot: BookSnapshot;
  scenario: ScenarioSpec;
  kernel: Kernel;
  rng: Rng;
  /**
   * A back-test: the payments that actually happened after the snapshot date, by loan. Given, every loan pays
   * exactly these on their value dates (and nothing else) instead of the scenario's drawn behaviour.
   */
  actual?: ReadonlyMap<string, readonly ReplayPayment[]>;
  /**
   * Start each fund from its pool of on-time months (see Prep; the default). False: every loan is added one by one
   * (what the pool stands for; the property test compares the two). A back-test never pools.
   */
  pooled?: boolean;
  /**
   * False: no loan's months are shared (no pools, no months computed once for the runs): every loan is replayed by
   * the run itself, month end by month end. What the sharing stands for; the property test compares the two.
   */
  shared?: boolean;
}

export function simulateRun({
  snapshot,
  scenario,
  kernel: k,
  rng,
  actual,
  pooled: poolWanted,
  shared: sharing = true,
}: RunInput): RunResult {
  const monthEnds = monthEndsAfter(snapshot.asOf, scenario.horizonMonths);
  const behaviourOf = (kind: ProductKind) => scenario.behaviour[kind];
  const pooling = !actual && sharing && poolWanted !== false;
  const prep = prepOf(snapshot, k, monthEnds);
  const funds = new Map<string, FundState>(
    snapshot.funds.map((f) => {
      const fp = prep.funds.get(f.id)!;
      return [
        f.id,
        {
          snap: f,
          cashFen: f.cashFen,
          capitalFen: f.capitalFen,
          outstandingFen: fp.outstandingFen,
          lendingCapPercent: f.lendingCapPercent,
          maxLoanFen: f.newLoans?.maxLoanFen ?? 0n,
          servedAtStart: fp.served,
          served: new Set<string>(),
          newLoans: 0,
          month: emptyMonth(),
          pool: pooling ? fp.pool : null,
          delta: null,
          keys: keysOf(f.id),
        },
      ];
    }),
  );
  const riskFunds = new Map<string, RiskFundState>(
    snapshot.riskFunds.map((r) => [
      r.id,
      {
        snap: r,
        balanceFen: r.balanceFen,
        availableFen: r.availableFen,
        suspended: false,
        district: { covered: 0n, npl: 0n },
      },
    ]),
  );
  const coveredDemand = scenario.coveredDemand ?? [];
  if (coveredDemand.length)
    // the district's covered and non-performing principal on the snapshot date (the breaker rule's figures)
    snapshot.loans.forEach((l, n) => {
      const rf = l.channel === 'BANK_COVERED' && l.riskFundId ? riskFunds.get(l.riskFundId) : undefined;
      const p = prep.loans[n];
      if (!rf || p.base.closedOn !== null || p.outstandingFen === 0n) return;
      rf.district.covered += p.outstandingFen;
      if (p.dpd > rf.snap.nplOverdueDays) rf.district.npl += p.outstandingFen;
    });
  /** the loans new covered loans are made like: by agreement, the latest covered loan under it, else under its fund */
  const coveredTemplates = new Map<string, SnapshotLoan | null>();
  const agreements = new Map<string, SnapshotAgreement & { multiple: string }>(
    snapshot.agreements.map((a) => [a.id, { ...a, multiple: a.leverageMultiple }]),
  );
  let coveredSeq = 0;
  const budgets = new Map<string, BudgetState>(
    snapshot.budgets.map((b) => [`${b.programmeId}:${b.year}`, { ...b, spentFen: 0n }]),
  );
  /** a programme's money not yet committed (its BUDGET account: one for all its years) */
  const programmeCash = new Map<string, Fen>();
  for (const b of snapshot.budgets)
    if (!programmeCash.has(b.programmeId)) programmeCash.set(b.programmeId, b.cashFen);
  const programmes = new Map<string, { calendar: SettlementCalendar; graceDays: number }>(
    (snapshot.programmes ?? []).map((p) => [
      p.id,
      { calendar: { endMonths: p.endMonths, endDay: p.endDay }, graceDays: p.graceDays },
    ]),
  );
  /** earned periods not yet claimed: by programme, the budget year and end of their settlement period */
  const claimLines: { programmeId: string; year: number; periodEnd: string; decidedOn: string; fen: Fen }[] =
    [];
  /** claimed and not paid for want of budget (the live QUEUED remainders), by programme, oldest first */
  const queued = new Map<string, { year: number; fen: Fen }[]>();
  let benchmark = snapshot.benchmarkRatePercent;
  const events = new Map<string, string>();
  const event = (key: string, month: string) => {
    if (!events.has(key)) events.set(key, month);
  };
  const recoveries: { monthEnd: string; riskFundId: string; fen: Fen }[] = [];

  const loans: SimLoan[] = [];
  /**
   * pooled loans this run drew otherwise whose months reach beyond their allowance (see shiftFrom): their on-time
   * months come out of their fund's pool, their own go in
   */
  const unpooled: SimLoan[] = [];
  /**
   * pooled loans this run drew stopping or late (their plan's change to their fund's pool is in its delta); a late
   * plan's months (`own`, the run's: not kept) and their change by day, worked out when a month has applications
   */
  const shifted: {
    fund: FundState;
    loan: SnapshotLoan;
    prep: PrepLoan;
    plan: Plan;
    own: Trajectory | null;
    days: PoolDay[][] | null;
  }[] = [];
  const deltaOf = (f: FundState): BigInt64Array => (f.delta ??= new BigInt64Array(monthEnds.length * STRIDE));
  for (let n = 0; n < snapshot.loans.length; n++) {
    const l = snapshot.loans[n];
    const p = prep.loans[n];
    const { handled, base, dpd, pooled } = p;
    // a borrower more than 30 days behind on the snapshot date is taken to have stopped paying
    const plan: Plan =
      dpd > 30 ? { lateDays: 0, stopsAfter: 0 } : drawPlan(rng, behaviourOf(l.kind), handled);
    // a loan whose months depend on nothing else has them worked out whole: kept and shared when the plan recurs,
    // the run's own (one loan's months after another's) when it is late (see Trajectory)
    const alone = !actual && sharing && movesAlone(l);
    let own: Trajectory | null = null;
    if (pooling && pooled) {
      if (isOnTime(plan)) continue; // in its fund's pool
      // pooled loans move alone (see prepOf)
      if (!recurs(plan)) own = trajectoryOf(snapshot, l, k, plan, handled, monthEnds, false);
      const shift = own ? shiftFrom(own, l, p, monthEnds.length) : shiftOf(snapshot, l, p, k, plan, monthEnds);
      if (shift) {
        const fund = funds.get(l.fundId!)!;
        addFigures(deltaOf(fund), shift, 1);
        shifted.push({ fund, loan: l, prep: p, plan, own, days: null });
        continue;
      }
    }
    // such a loan never moves its own state: it keeps the snapshot's (read only), uncopied
    const state = alone ? base : copyStart(base);
    const sim = simLoanOf(l, k, plan, handled, state, prep.loans[n].outstandingFen);
    if (actual || !sharing) sim.replayedInFull = true;
    if (alone && !sim.closed)
      sim.trajectory = own ?? trajectoryOf(snapshot, l, k, plan, handled, monthEnds, recurs(plan));
    sim.fund = l.fundId ? (funds.get(l.fundId) ?? null) : null;
    if (pooling && pooled) {
      sim.onTime = pooled;
      addFigures(deltaOf(sim.fund!), p.pooledFigures!, -1);
      unpooled.push(sim);
    }
    loans.push(sim);
  }

  const months: MonthState[] = [];
  let prevEnd = snapshot.asOf;
  let subsidySpentTotal = 0n;
  for (let m = 0; m < monthEnds.length; m++) {
    const monthEnd = monthEnds[m];
    const month = monthEnd.slice(0, 7);
    for (const p of scenario.policies.filter((x) => x.fromMonth === month)) applyPolicy(p);

    // the month's applications first (the loans draw nothing here, so the draws come in the same order)
    type Ev = { date: string; order: number; run: () => void };
    const apps: Ev[] = [];
    for (const f of funds.values()) {
      if (!f.snap.newLoans) continue;
      const n = rng.poisson(scenario.newDemand.applicationsPerVillagePerMonth);
      const first = Number(prevEnd.slice(8, 10)) + (prevEnd.slice(0, 7) === month ? 1 : 0);
      const startDay = prevEnd.slice(0, 7) === month ? first : 1;
      const last = Number(monthEnd.slice(8, 10));
      for (let j = 0; j < n; j++) {
        const day = `${month}-${String(rng.int(Math.min(startDay, last), last)).padStart(2, '0')}`;
        const amount = drawAmount();
        const term = rng.pick(scenario.newDemand.termMonths);
        apps.push({ date: day, order: 1, run: () => apply(f, day, amount, term, month) });
      }
    }
    // new covered lending (drawn after the applications, and only when asked: without it nothing is drawn)
    const coveredMonth = new Map<string, CoveredMonth>();
    for (const d of coveredDemand) {
      if (month < d.fromMonth || (d.toMonth !== undefined && month > d.toMonth)) continue;
      const n = rng.poisson(d.loansPerMonth);
      const startDay = prevEnd.slice(0, 7) === month ? Number(prevEnd.slice(8, 10)) + 1 : 1;
      const last = Number(monthEnd.slice(8, 10));
      for (let j = 0; j < n; j++) {
        const day = `${month}-${String(rng.int(Math.min(startDay, last), last)).padStart(2, '0')}`;
        const amount = drawFrom(d.amount);
        const term = rng.pick(d.termMonths);
        apps.push({ date: day, order: 1, run: () => register(d, day, amount, term, coveredMonth) });
      }
    }
    if (actual || apps.length) {
      // payments and applications in date order (an application sees the cash the payments before it brought)
      const evs: Ev[] = [];
      // the pool's payments of each day, less those of the pooled loans drawn otherwise (a fund's cash and
      // outstanding after a day's payments are the same whichever order they come in)
      for (const f of funds.values())
        for (const d of f.pool?.[m].days ?? [])
          evs.push({ date: d.day, order: 0, run: () => settleFund(f, d.amountFen, d.principalFen) });
      for (const loan of unpooled)
        for (const p of loan.onTime!.months[m]?.paid ?? [])
          evs.push({
            date: p.day,
            order: 0,
            run: () => settleFund(loan.fund!, -p.amountFen, -p.principalFen),
          });
      for (const s of shifted) {
        s.days ??= s.own
          ? shiftDaysFrom(s.own, s.loan, s.prep, monthEnds.length)
          : shiftDaysOf(snapshot, s.loan, s.prep, k, s.plan, monthEnds);
        for (const d of s.days[m])
          evs.push({ date: d.day, order: 0, run: () => settleFund(s.fund, d.amountFen, d.principalFen) });
      }
      for (const loan of loans) {
        if (loan.closed || loan.compensated) continue;
        if (actual) {
          for (const p of actual.get(loan.id) ?? [])
            if (p.valueDate > prevEnd && p.valueDate <= monthEnd)
              evs.push({ date: p.valueDate, order: 0, run: () => payActual(loan, p) });
          continue;
        }
        if (loan.trajectory) {
          for (const p of loan.trajectory.months[m].paid)
            evs.push({
              date: p.day,
              order: 0,
              run: () => settle(loan, p.amountFen, p.principalFen, p.leftFen),
            });
          continue;
        }
        for (const day of payDays(loan, snapshot.asOf, prevEnd, monthEnd))
          evs.push({ date: day, order: 0, run: () => pay(loan, day) });
      }
      evs.push(...apps);
      evs.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
      for (const e of evs) e.run();
    } else {
      // no application: a payment moves only its own loan and adds to its fund's cash or its risk fund's cover,
      // so the order between loans changes nothing (each loan's own payments still run in date order)
      // each fund's pool with what the run's draws change in it (the pooled loans drawn otherwise)
      for (const f of funds.values()) {
        const p = f.pool?.[m];
        if (!p) continue;
        const d = f.delta;
        if (d)
          settleFund(f, p.amountFen + d[m * STRIDE + AMOUNT], p.principalFen + d[m * STRIDE + PRINCIPAL]);
        else settleFund(f, p.amountFen, p.principalFen);
      }
      for (const loan of loans) {
        if (loan.closed || loan.compensated) continue;
        if (loan.trajectory) {
          // a shared loan is mutual aid: its month's payments add to its fund at once
          const t = loan.trajectory.months[m];
          if (t.paid.length) settle(loan, t.amountFen, t.principalFen, t.outstandingFen);
          continue;
        }
        for (const day of payDays(loan, snapshot.asOf, prevEnd, monthEnd)) pay(loan, day);
      }
    }

    for (const r of recoveries.filter((x) => x.monthEnd === monthEnd)) {
      const rf = riskFunds.get(r.riskFundId);
      if (rf) {
        rf.balanceFen += r.fen;
        rf.availableFen += r.fen;
      }
    }

    // ── the month end: every loan replayed to the last day ──
    const rfOut = new Map<string, { covered: Fen; npl: Fen }>();
    const agreementOut = new Map<string, { covered: Fen; npl: Fen }>();
    const subsidyMonth = new Map<string, Fen>();
    for (const f of funds.values()) {
      const o = (f.month = emptyMonth());
      const p = f.pool?.[m];
      if (p) {
        // the pooled loans drawn otherwise: their on-time month end out of the pool (their own is read below), a
        // stopping plan's change in
        const d = f.delta;
        const at = m * STRIDE;
        o.outstanding = d ? p.outstandingFen + d[at + OUTSTANDING] : p.outstandingFen;
        o.par30 = d ? p.par30 + d[at + PAR30] : p.par30;
        o.npl = d ? p.npl + d[at + NPL] : p.npl;
        o.pooledHouseholds = d ? p.households + Number(d[at + HOUSEHOLDS]) : p.households;
      }
    }
    for (const r of riskFunds.keys()) rfOut.set(r, { covered: 0n, npl: 0n });
    for (const a of agreements.keys()) agreementOut.set(a, { covered: 0n, npl: 0n });
    for (const loan of loans) {
      if (loan.compensated || loan.closed) continue;
      let outstanding: Fen;
      let dpd: number;
      if (loan.trajectory) {
        const t = loan.trajectory.months[m];
        outstanding = t.outstandingFen;
        dpd = t.dpd;
      } else {
        const e = monthEndOf(loan, monthEnd, k);
        outstanding = e.outstandingFen;
        dpd = e.dpd;
        if (e.replayed && loan.subsidy) countSubsidy(loan, loan.state, monthEnd);
      }
      if (outstanding === 0n) loan.closed = true;
      if (loan.channel === 'MUTUAL_AID' && loan.fundId) {
        const o = loan.fund?.month;
        if (!o) continue;
        o.outstanding += outstanding;
        if (dpd > 30) o.par30 += outstanding;
        if (dpd > loan.nplOverdueDays) o.npl += outstanding;
        if (outstanding > 0n && loan.householdId) o.households.add(loan.householdId);
        continue;
      }
      if (loan.channel !== 'BANK_COVERED' || !loan.agreementId || !loan.riskFundId) continue;
      const a = agreements.get(loan.agreementId);
      const rf = riskFunds.get(loan.riskFundId);
      if (!a || !rf) continue;
      // the bank files its claim once the loan is past the agreement's trigger; it is paid at the next month end
      if (loan.claimable && outstanding > 0n) {
        compensate(loan, loan.state, a, rf, monthEnd);
        continue;
      }
      if (loan.plan.stopsAfter !== null && dpd >= a.triggerDays) loan.claimable = true;
      const ao = agreementOut.get(a.id)!;
      const ro = rfOut.get(rf.snap.id)!;
      ao.covered += outstanding;
      ro.covered += outstanding;
      if (dpd > rf.snap.nplOverdueDays) {
        ao.npl += outstanding;
        ro.npl += outstanding;
      }
    }

    // ── the month's figures ──
    const v = new Map<string, bigint>();
    const add = (key: string, x: bigint) => v.set(key, (v.get(key) ?? 0n) + x);
    // distinct (fund, household) pairs served: each fund's own set is distinct households, so the sum of their sizes
    let served = 0;
    for (const [id, f] of funds) {
      const o = f.month;
      f.outstandingFen = o.outstanding;
      for (const h of o.households) serve(f, h);
      const room = roomOf(f);
      if (room <= 0n && f.snap.newLoans) event(`FUND_OUT_OF_ROOM:fund:${id}`, month);
      const households = BigInt(o.households.size + o.pooledHouseholds);
      const cumulative = servedCount(f);
      v.set(f.keys.cash, f.cashFen);
      v.set(f.keys.roomToLend, room);
      v.set(f.keys.outstanding, o.outstanding);
      v.set(f.keys.par30, o.par30);
      v.set(f.keys.households, households);
      v.set(f.keys.householdsCumulative, BigInt(cumulative));
      served += cumulative;
      add('total:households', households);
      add('total:maCash', f.cashFen);
      add('total:roomToLend', room);
      add('total:maOutstanding', o.outstanding);
      add('total:par30', o.par30);
      add('total:maNpl', o.npl);
    }
    v.set('total:householdsCumulative', BigInt(served));
    v.set(
      'total:par30Percent',
      decimal4(100n * (v.get('total:par30') ?? 0n), v.get('total:maOutstanding') ?? 0n) ?? 0n,
    );
    for (const [id, rf] of riskFunds) {
      const o = rfOut.get(id)!;
      const its = [...agreements.values()].filter((a) => a.riskFundId === id);
      const cap = its.reduce<string | null>((m, a) => {
        if (m === null) return a.multiple;
        const x = k.parseMultiple(a.multiple);
        const y = k.parseMultiple(m);
        return x.num * y.den > y.num * x.den ? a.multiple : m;
      }, null);
      const capacity = cap ? k.capacityFor(rf.availableFen, k.parseMultiple(cap)) : 0n;
      // the breaker: a district is suspended while the NPL ratio of a bank's covered loans is at or above its threshold
      const trips = its.some((a) => {
        const ao = agreementOut.get(a.id)!;
        return k.nplAtOrAbove(ao.npl, ao.covered, a.nplThresholdPercent);
      });
      if (trips && !rf.suspended) event(`BREAKER_TRIPS:riskFund:${id}`, month);
      rf.suspended = trips;
      rf.district = { covered: o.covered, npl: o.npl };
      if (coveredDemand.length) {
        const c = coveredMonth.get(id) ?? { registered: 0, registeredFen: 0n, refused: 0, refusedFen: 0n };
        v.set(`riskFund:${id}:coveredRegistered`, BigInt(c.registered));
        v.set(`riskFund:${id}:coveredRegisteredAmount`, c.registeredFen);
        v.set(`riskFund:${id}:coveredRefused`, BigInt(c.refused));
        v.set(`riskFund:${id}:coveredRefusedAmount`, c.refusedFen);
        add('total:coveredRegistered', BigInt(c.registered));
        add('total:coveredRegisteredAmount', c.registeredFen);
        add('total:coveredRefused', BigInt(c.refused));
        add('total:coveredRefusedAmount', c.refusedFen);
      }
      if (rf.balanceFen < rf.snap.minimumFen) event(`RISK_FUND_BELOW_MINIMUM:riskFund:${id}`, month);
      v.set(`riskFund:${id}:balance`, rf.balanceFen);
      v.set(`riskFund:${id}:available`, rf.availableFen);
      v.set(`riskFund:${id}:capacityLeft`, capacity);
      v.set(`riskFund:${id}:coveredOutstanding`, o.covered);
      v.set(`riskFund:${id}:npl`, o.npl);
      v.set(`riskFund:${id}:leverage`, decimal4(o.covered, rf.balanceFen) ?? 0n);
      v.set(
        `riskFund:${id}:minimumShortfall`,
        rf.snap.minimumFen > rf.balanceFen ? rf.snap.minimumFen - rf.balanceFen : 0n,
      );
      v.set(`riskFund:${id}:breaker`, trips ? 1n : 0n);
      add('total:riskFundBalance', rf.balanceFen);
      add('total:capacityLeft', capacity);
      add('total:coveredOutstanding', o.covered);
      add('total:coveredNpl', o.npl);
    }
    settleSubsidy(prevEnd, monthEnd, month, subsidyMonth);
    for (const x of subsidyMonth.values()) subsidySpentTotal += x;
    for (const b of budgets.values()) {
      add(`programme:${b.programmeId}:spent`, b.spentFen);
      if (Number(month.slice(0, 4)) === b.year)
        v.set(`programme:${b.programmeId}:budgetLeft`, b.budgetFen - b.committedFen);
    }
    for (const [id, queue] of queued) for (const q of queue) add(`programme:${id}:queued`, q.fen);
    v.set('total:subsidySpent', subsidySpentTotal);
    months.push({ month, monthEnd, values: v });
    prevEnd = monthEnd;
  }
  return { months, events };

  function roomOf(f: FundState): Fen {
    const cap = k.lendingCapOf(f.capitalFen, f.lendingCapPercent);
    const head = cap - f.outstandingFen;
    const room = f.cashFen < head ? f.cashFen : head;
    return room > 0n ? room : 0n;
  }

  function drawAmount(): Fen {
    return drawFrom(scenario.newDemand.amount);
  }

  function drawFrom(a: { min: string; max: string; step: string }): Fen {
    const lo = fen(a.min);
    const hi = fen(a.max);
    const step = fen(a.step);
    const steps = step > 0n ? Number((hi - lo) / step) : 0;
    return lo + BigInt(rng.int(0, steps)) * step;
  }

  /** The latest covered loan of the snapshot under the agreement, else under its risk fund. */
  function latestCoveredOf(a: SnapshotAgreement): SnapshotLoan | null {
    let t = coveredTemplates.get(a.id);
    if (t !== undefined) return t;
    t = null;
    for (const l of snapshot.loans) {
      if (l.channel !== 'BANK_COVERED') continue;
      if (l.agreementId === a.id) t = l;
      else if (l.riskFundId === a.riskFundId && (t === null || t.agreementId !== a.id)) t = l;
    }
    coveredTemplates.set(a.id, t);
    return t;
  }

  /**
   * The terms a new covered loan under `a` is made on: the demand's product when it names one; else those of the
   * latest covered loan under the agreement (else under its risk fund); else the first active household covered
   * product. Null: none to make it on (the registration is refused).
   */
  function coveredTermsOf(d: CoveredDemand, a: SnapshotAgreement, rf: RiskFundState): CoveredTerms | null {
    const fromProduct = (p: CoveredProduct): CoveredTerms => ({
      kind: 'HOUSEHOLD_MICROCREDIT',
      nplOverdueDays: rf.snap.nplOverdueDays,
      terms: p.terms,
      rate:
        p.rateSource === 'BENCHMARK' && benchmark !== null
          ? addDecimal(benchmark, p.markupPercent)
          : p.fixedRatePercent,
      installmentMultipleFen: p.installmentMultipleFen,
    });
    const products = snapshot.coveredProducts ?? [];
    if (d.productCode !== undefined) {
      const p = products.find((x) => x.code === d.productCode);
      return p ? fromProduct(p) : null;
    }
    const l = latestCoveredOf(a);
    if (l)
      return {
        kind: l.kind,
        nplOverdueDays: l.nplOverdueDays,
        terms: l.terms,
        rate: l.terms.annualRatePercent,
        installmentMultipleFen: 1n,
      };
    return products.length ? fromProduct(products[0]) : null;
  }

  /**
   * A bank asks to register a covered loan on `day`: checked by the live engine's own cover rules (agreement in
   * force, the district's breaker at the agreement's threshold, the heavy-task minimum, the capacity left at the
   * agreement's multiple); accepted, its backing ⌈amount / multiple⌉ leaves AVAILABLE and the loan runs like any
   * covered loan; refused, it is counted as refused demand.
   */
  function register(
    d: CoveredDemand,
    day: string,
    amountFen: Fen,
    termMonths: number,
    out: Map<string, CoveredMonth>,
  ): void {
    const only = d.agreementId !== undefined ? agreements.get(d.agreementId) : undefined;
    const riskFundId = d.agreementId !== undefined ? only?.riskFundId : d.riskFundId;
    const rf = riskFundId !== undefined ? riskFunds.get(riskFundId) : undefined;
    if (!rf) return; // no such risk fund (or agreement in force) in the books: no bank to ask
    let c = out.get(rf.snap.id);
    if (!c) out.set(rf.snap.id, (c = { registered: 0, registeredFen: 0n, refused: 0, refusedFen: 0n }));
    const candidates = only ? [only] : [...agreements.values()].filter((a) => a.riskFundId === rf.snap.id);
    for (const a of candidates) {
      const made = coveredTermsOf(d, a, rf);
      if (!made) continue;
      const multiple = k.parseMultiple(a.multiple);
      const problems = k.coverProblems({
        amountFen,
        onDate: day,
        agreementStatus: 'ACTIVE',
        validFrom: a.validFrom ?? snapshot.asOf,
        validTo: a.validTo ?? null,
        fundStatus: 'ACTIVE',
        heavyTask: rf.snap.heavyTask,
        balanceFen: rf.balanceFen,
        minimumFen: rf.snap.minimumFen,
        suspended: k.nplAtOrAbove(rf.district.npl, rf.district.covered, a.nplThresholdPercent),
        nplPercent: formatDecimal({
          units: decimal4(100n * rf.district.npl, rf.district.covered) ?? 0n,
          scale: 4,
        }),
        nplThresholdPercent: a.nplThresholdPercent,
        availableCoverFen: rf.availableFen,
        multiple,
        multipleText: a.multiple,
      });
      if (problems.length) continue;
      registerCovered(made, a, rf, day, amountFen, termMonths, d.annualRatePercent ?? made.rate);
      c.registered++;
      c.registeredFen += amountFen;
      return;
    }
    c.refused++;
    c.refusedFen += amountFen;
  }

  /** A covered loan registered and disbursed on `day`, on `made`'s terms, backed at the agreement's multiple. */
  function registerCovered(
    made: CoveredTerms,
    a: SnapshotAgreement & { multiple: string },
    rf: RiskFundState,
    day: string,
    amount: Fen,
    term: number,
    rate: string,
  ): void {
    const t = made.terms;
    const schedule = newSchedule(t, amount, rate, term, day, made.installmentMultipleFen);
    const terms: RepaymentTerms = { ...t, principalFen: amount, annualRatePercent: rate };
    const frozen: FrozenInstallment[] = schedule.installments.map((i) => ({
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      days: i.days,
      principalFen: i.principalFen,
      originalInterestFen: i.interestFen,
    }));
    const coverUsedFen = k.coverFor(amount, k.parseMultiple(a.multiple));
    rf.availableFen -= coverUsedFen;
    loans.push({
      id: `newCovered:${a.id}:${++coveredSeq}`,
      channel: 'BANK_COVERED',
      householdId: null,
      fundId: null,
      riskFundId: rf.snap.id,
      agreementId: a.id,
      coverMultiple: a.multiple,
      nplOverdueDays: made.nplOverdueDays,
      terms,
      schedule: frozen,
      state: k.replay(terms, frozen, [], day).installments,
      prepaid: { totalFen: 0n },
      termMonths: term,
      subsidy: null,
      plan: drawPlan(rng, behaviourOf(made.kind), 0),
      handledThrough: 0,
      closed: false,
      unpaidFen: amount,
      compensated: false,
      claimable: false,
      cleared: false,
      nextDue: null,
      coverUsedFen,
      subsidisedThrough: 0,
      seq: 0,
      trajectory: null,
      fund: null,
      onTime: null,
      open: null,
      firstOpen: 0,
      replayedInFull: true,
    });
  }

  function pay(loan: SimLoan, day: string): void {
    const p = payDue(loan, day, k);
    if (p) settle(loan, p.amountFen, p.principalFen, p.leftFen);
  }

  /** A payment that actually happened: the replay's step says how much of it was principal. */
  function payActual(loan: SimLoan, p: ReplayPayment): void {
    const principal = recordPayment(
      loan,
      { id: paymentId(++loan.seq), valueDate: p.valueDate, amountFen: p.amountFen },
      k,
    );
    settle(loan, p.amountFen, principal, loan.unpaidFen);
  }

  /** Where a payment's money goes: the fund's cash (mutual aid), or the release of a covered loan's backing. */
  function settle(loan: SimLoan, amountFen: Fen, principalFen: Fen, leftFen: Fen): void {
    if (loan.channel === 'MUTUAL_AID' && loan.fundId) {
      const f = loan.fund;
      if (f) settleFund(f, amountFen, principalFen);
    } else if (loan.coverMultiple && loan.riskFundId) {
      // the bank's reported principal releases cover: the backing shrinks to ⌈outstanding / multiple⌉
      const rf = riskFunds.get(loan.riskFundId);
      const used = k.coverFor(leftFen, k.parseMultiple(loan.coverMultiple));
      if (rf) rf.availableFen += loan.coverUsedFen - used;
      loan.coverUsedFen = used;
    }
  }

  /** A mutual-aid payment into its fund: the cash it brings and the principal it repaid. */
  function settleFund(f: FundState, amountFen: Fen, principalFen: Fen): void {
    f.cashFen += amountFen;
    f.outstandingFen -= principalFen;
  }

  function apply(f: FundState, day: string, amountFen: Fen, termMonths: number, month: string): void {
    const nl = f.snap.newLoans!;
    const amount = amountFen > f.maxLoanFen ? f.maxLoanFen : amountFen;
    const term = Math.min(termMonths, nl.maxTermMonths);
    if (amount <= 0n) return;
    if (amount > roomOf(f)) {
      event(`FUND_OUT_OF_ROOM:fund:${f.snap.id}`, month);
      return;
    }
    const rate =
      nl.rateSource === 'BENCHMARK' && benchmark !== null
        ? addDecimal(benchmark, nl.markupPercent)
        : nl.annualRatePercent;
    const t = nl.terms;
    const schedule = newSchedule(t, amount, rate, term, day, nl.installmentMultipleFen);
    const terms: RepaymentTerms = {
      principalFen: amount,
      annualRatePercent: rate,
      penaltyRatePercent: k.penaltyRateFor(
        { penaltyBasis: t.penaltyBasis, penaltyRatePercent: t.penaltyRatePercent },
        rate,
      ),
      method: t.method,
      frequency: t.frequency,
      dayCount: t.dayCount,
      rounding: t.rounding,
      graceDays: t.graceDays,
      waterfall: t.waterfall,
      prepaymentMode: t.prepaymentMode,
      earlyRepaymentFee: t.earlyRepaymentFee,
    };
    f.newLoans++;
    const frozen: FrozenInstallment[] = schedule.installments.map((i) => ({
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      days: i.days,
      principalFen: i.principalFen,
      originalInterestFen: i.interestFen,
    }));
    const household = `new:${f.snap.id}:${f.newLoans}`;
    loans.push({
      id: household,
      channel: 'MUTUAL_AID',
      householdId: household,
      fundId: f.snap.id,
      riskFundId: null,
      agreementId: null,
      coverMultiple: null,
      nplOverdueDays: nl.nplOverdueDays,
      terms,
      schedule: frozen,
      state: k.replay(terms, frozen, [], day).installments,
      prepaid: { totalFen: 0n },
      termMonths: term,
      subsidy: null,
      plan: drawPlan(rng, behaviourOf('MUTUAL_AID'), 0),
      handledThrough: 0,
      closed: false,
      unpaidFen: amount,
      compensated: false,
      claimable: false,
      cleared: false,
      nextDue: null,
      coverUsedFen: 0n,
      subsidisedThrough: 0,
      seq: 0,
      trajectory: null,
      fund: f,
      onTime: null,
      open: null,
      firstOpen: 0,
      replayedInFull: !sharing,
    });
    f.cashFen -= amount;
    f.outstandingFen += amount;
    serve(f, household);
  }

  function compensate(
    loan: SimLoan,
    st: InstallmentState[],
    a: SnapshotAgreement,
    rf: RiskFundState,
    monthEnd: string,
  ): void {
    let claim = 0n;
    for (const i of st) {
      claim += unpaidPrincipal(i);
      if (i.dueDate <= monthEnd) claim += i.interestFen - i.paidInterestFen;
    }
    const [fundPart] = k.splitByShares(claim, a.fundSharePercent, a.bankSharePercent);
    rf.balanceFen -= fundPart;
    // the loan leaves exposure (its backing returns to the pool) and the money paid leaves the fund
    rf.availableFen += loan.coverUsedFen - fundPart;
    loan.coverUsedFen = 0n;
    loan.compensated = true;
    const r = scenario.recoveries;
    if (r.percentOfCompensation > 0 && fundPart > 0n) {
      const back = mulDiv(fundPart, BigInt(Math.round(r.percentOfCompensation * 100)), 10_000n, 'DOWN');
      const at = monthEndsAfter(monthEnd, r.afterMonths)[r.afterMonths - 1] ?? monthEnd;
      if (back > 0n) recoveries.push({ monthEnd: at, riskFundId: rf.snap.id, fen: back });
    }
  }

  /**
   * The loan's periods decided by the month end, as the subsidy library decides them (`periodOutcome`, at the
   * programme's grace): an earned period's subsidy (`periodComputedFen`, `yearShare`) becomes a claim line of the
   * settlement period its due date falls in (`periodContaining`); a forfeited one adds nothing; the first one still
   * within its grace and unpaid stops the walk (it is decided at a later month end).
   */
  function countSubsidy(loan: SimLoan, st: InstallmentState[], monthEnd: string): void {
    const s = loan.subsidy!;
    const prog = programmeOf(s.programmeId);
    const rate = percentToRatio(s.ratePercent);
    for (const i of st) {
      if (i.number <= loan.subsidisedThrough) continue;
      const { outcome } = k.periodOutcome(ACTIVE_LOAN, i, prog.graceDays, monthEnd);
      if (outcome === 'PENDING') break;
      loan.subsidisedThrough = i.number;
      if (outcome !== 'EARNED') continue;
      const balance = loan.schedule
        .filter((x) => x.number >= i.number)
        .reduce((t, x) => t + x.principalFen, 0n);
      const basis = balance < s.basisCapFen ? balance : s.basisCapFen;
      const share = k.yearShare(
        {
          dayCount: loan.terms.dayCount,
          method: loan.terms.method,
          frequency: loan.terms.frequency,
          termMonths: loan.termMonths,
        },
        i,
      );
      const original = loan.schedule.find((x) => x.number === i.number)!.originalInterestFen;
      const computed = k.periodComputedFen(rate, basis, share, i.interestFen, original, loan.terms.rounding);
      if (computed <= 0n) continue;
      const period = k.periodContaining(i.dueDate, prog.calendar);
      claimLines.push({
        programmeId: s.programmeId,
        year: period.year,
        periodEnd: period.end,
        decidedOn: i.interestPaidOn!,
        fen: computed,
      });
    }
  }

  function programmeOf(id: string): { calendar: SettlementCalendar; graceDays: number } {
    let p = programmes.get(id);
    if (!p) programmes.set(id, (p = { calendar: DEFAULT_SETTLEMENT, graceDays: 0 }));
    return p;
  }

  /**
   * Every settlement period of every programme ending in (prevEnd, monthEnd]: at its end the programme claims the
   * lines of its periods due by then and decided by then (those decided later enter a later claim, as a later
   * generation adds them), each budget year's lines as one claim. As the live approval does: the queued claims
   * are paid first, oldest first, each as far as its year's `payableNow` allows (nothing is paid past one that
   * cannot be paid in full); while one is still queued a new claim is paid nothing; otherwise `splitForBudget`
   * splits it at `payableNow` into the part paid and the queued remainder, and the month of a cut claim is the
   * month the budget is exhausted.
   */
  function settleSubsidy(prevEnd: string, monthEnd: string, month: string, spent: Map<string, Fen>): void {
    if (!claimLines.length && !queued.size) return;
    const ids = new Set<string>([...claimLines.map((l) => l.programmeId), ...queued.keys()]);
    for (const id of [...ids].sort()) {
      const prog = programmeOf(id);
      for (
        let p = k.periodContaining(addDays(prevEnd, 1), prog.calendar);
        p.end <= monthEnd;
        p = k.periodContaining(addDays(p.end, 1), prog.calendar)
      ) {
        const byYear = new Map<number, Fen[]>();
        for (let n = 0; n < claimLines.length; n++) {
          const l = claimLines[n];
          if (l.programmeId !== id || l.periodEnd > p.end || l.decidedOn > p.end) continue;
          byYear.set(l.year, [...(byYear.get(l.year) ?? []), l.fen]);
          claimLines.splice(n--, 1);
        }
        const queue = queued.get(id) ?? [];
        while (queue.length) {
          const head = queue[0];
          const room = budgetRoomOf(id, head.year);
          const take = head.fen < room ? head.fen : room;
          if (take > 0n) paySubsidy(id, head.year, take, spent);
          if (take < head.fen) {
            head.fen -= take;
            break;
          }
          queue.shift();
        }
        for (const [year, lines] of [...byYear].sort((x, y) => x[0] - y[0])) {
          const split = k.splitForBudget(
            lines.map((fen, n) => ({ lineNo: n + 1, subsidyFen: fen })),
            queue.length ? 0n : budgetRoomOf(id, year),
          );
          if (split.paidFen > 0n) paySubsidy(id, year, split.paidFen, spent);
          if (split.remainder.length) {
            queue.push({ year, fen: split.remainder.reduce((t, r) => t + r.fen, 0n) });
            event(`SUBSIDY_BUDGET_EXHAUSTED:programme:${id}`, month);
          }
        }
        if (queue.length) queued.set(id, queue);
        else queued.delete(id);
      }
    }
  }

  /** What a claim of the programme's year can be paid now (`payableNow`; no budget for the year: nothing). */
  function budgetRoomOf(id: string, year: number): Fen {
    const b = budgets.get(`${id}:${year}`);
    const cash = programmeCash.get(id) ?? 0n;
    const room = b ? k.payableNow(b.budgetFen, b.committedFen, cash) : k.payableNow(0n, 0n, cash);
    return room > 0n ? room : 0n;
  }

  function paySubsidy(id: string, year: number, fen: Fen, spent: Map<string, Fen>): void {
    const b = budgets.get(`${id}:${year}`);
    if (b) {
      b.committedFen += fen;
      b.spentFen += fen;
    }
    programmeCash.set(id, (programmeCash.get(id) ?? 0n) - fen);
    spent.set(id, (spent.get(id) ?? 0n) + fen);
  }

  function applyPolicy(p: PolicyChange): void {
    if (p.leverageMultiple)
      for (const a of agreements.values())
        if (!p.agreementId || p.agreementId === a.id) a.multiple = p.leverageMultiple;
    for (const t of p.topUps ?? []) move(t, 1n);
    for (const t of p.withdrawals ?? []) move(t, -1n);
    if (p.benchmarkRatePercent) benchmark = p.benchmarkRatePercent;
    if (p.subsidyBudget) {
      const key = `${p.subsidyBudget.programmeId}:${p.subsidyBudget.year}`;
      const b = budgets.get(key);
      const amount = fen(p.subsidyBudget.amount);
      // a raised (or new) budget comes with its money
      const cash = programmeCash.get(p.subsidyBudget.programmeId) ?? 0n;
      if (b) {
        programmeCash.set(
          p.subsidyBudget.programmeId,
          cash + (amount - b.budgetFen > 0n ? amount - b.budgetFen : 0n),
        );
        b.budgetFen = amount;
      } else {
        programmeCash.set(p.subsidyBudget.programmeId, cash + amount);
        budgets.set(key, {
          programmeId: p.subsidyBudget.programmeId,
          year: p.subsidyBudget.year,
          budgetFen: amount,
          committedFen: 0n,
          cashFen: amount,
          spentFen: 0n,
        });
      }
    }
    if (p.fundRules)
      for (const f of funds.values()) {
        if (p.fundRules.fundId && p.fundRules.fundId !== f.snap.id) continue;
        if (p.fundRules.lendingCapPercent) f.lendingCapPercent = p.fundRules.lendingCapPercent;
        if (p.fundRules.maxLoanAmount) f.maxLoanFen = fen(p.fundRules.maxLoanAmount);
      }
  }

  function move(t: { target: 'FUND' | 'RISK_FUND'; id: string; amount: string }, sign: bigint): void {
    const amount = fen(t.amount) * sign;
    if (t.target === 'FUND') {
      const f = funds.get(t.id);
      if (f) {
        f.cashFen += amount;
        f.capitalFen += amount;
      }
    } else {
      const rf = riskFunds.get(t.id);
      if (rf) {
        rf.balanceFen += amount;
        rf.availableFen += amount;
      }
    }
  }
}
