import type { Fen, Ratio } from '#libs/money';
import type { ScheduleRounding } from '#libs/schedules/domain';
import type { FrozenInstallment, ReplayPayment, RepaymentTerms } from '#libs/repayment';
import type { Kernel } from './kernel.js';

/** The product kinds a scenario gives behaviour for (libs/products' kinds). */
export type ProductKind = 'MUTUAL_AID' | 'HOUSEHOLD_MICROCREDIT' | 'ENTITY_LOAN';
export const PRODUCT_KINDS: readonly ProductKind[] = ['MUTUAL_AID', 'HOUSEHOLD_MICROCREDIT', 'ENTITY_LOAN'];

/** A live loan as the books hold it on the snapshot's business date: its frozen schedule and the payments so far. */
export interface SnapshotLoan {
  id: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  kind: ProductKind;
  householdId: string | null;
  fundId: string | null;
  riskFundId: string | null;
  agreementId: string | null;
  /** The cover's multiple (covered loans): the backing held is ⌈outstanding / multiple⌉. */
  coverMultiple: string | null;
  /** Days overdue beyond which the loan is non-performing (the product's or the risk fund's). */
  nplOverdueDays: number;
  terms: RepaymentTerms;
  schedule: FrozenInstallment[];
  /** Repayments (mutual-aid) or the bank's reported payments (covered), in the engine's shape. */
  payments: ReplayPayment[];
  termMonths: number;
  /** The loan's interest-subsidy terms, when a programme subsidises it. */
  subsidy: { programmeId: string; ratePercent: string; basisCapFen: Fen } | null;
}

/** The terms a new mutual-aid loan of a fund is made on (the fund's product and rules). */
export interface NewLoanTerms {
  annualRatePercent: string;
  /** BENCHMARK products follow a benchmark-rate change: rate = benchmark + markup. */
  rateSource: 'BENCHMARK' | 'FIXED';
  markupPercent: string;
  terms: Omit<RepaymentTerms, 'principalFen' | 'annualRatePercent' | 'penaltyRatePercent'> & {
    /** the product's penalty rule, resolved per loan from its contract rate */
    penaltyBasis: 'ANNUAL_RATE' | 'SURCHARGE_ON_CONTRACT';
    penaltyRatePercent: string;
  };
  installmentMultipleFen: Fen;
  nplOverdueDays: number;
  maxLoanFen: Fen;
  maxTermMonths: number;
}

export interface SnapshotFund {
  id: string;
  villageId: string;
  districtId: string;
  name: string;
  cashFen: Fen;
  capitalFen: Fen;
  lendingCapPercent: string;
  /** Terms of new loans; null when the fund has no mutual-aid product to lend on. */
  newLoans: NewLoanTerms | null;
}

export interface SnapshotRiskFund {
  id: string;
  districtId: string;
  name: string;
  balanceFen: Fen;
  /** Fund money backing no loan (the memo ledger's COVER:AVAILABLE). */
  availableFen: Fen;
  heavyTask: boolean;
  minimumFen: Fen;
  nplOverdueDays: number;
}

export interface SnapshotAgreement {
  id: string;
  riskFundId: string;
  bankId: string;
  leverageMultiple: string;
  nplThresholdPercent: string;
  fundSharePercent: string;
  bankSharePercent: string;
  triggerDays: number;
  /** The agreement's validity (new loans are covered only within it); absent: in force for the whole horizon. */
  validFrom?: string;
  validTo?: string | null;
}

export interface SnapshotBudget {
  programmeId: string;
  year: number;
  budgetFen: Fen;
  committedFen: Fen;
  /** The programme's money not yet committed (its BUDGET account). */
  cashFen: Fen;
}

/** An interest-subsidy programme's settlement calendar and its "paid on time" grace (libs/subsidy). */
export interface SnapshotProgramme {
  id: string;
  /** settlement periods end on `endDay` of each of `endMonths`; a period belongs to the budget year of its end */
  endMonths: number[];
  endDay: number;
  graceDays: number;
}

/** The terms of a household covered-loan product (HOUSEHOLD_MICROCREDIT, current version): new covered loans' terms. */
export interface CoveredProduct {
  code: string;
  /** BENCHMARK: the benchmark in force (the scenario's after a policy change) plus the markup; FIXED: the fixed rate */
  rateSource: 'BENCHMARK' | 'FIXED';
  fixedRatePercent: string;
  markupPercent: string;
  /** the repayment terms (no penalty: the fund does not charge the bank's borrowers) */
  terms: Omit<RepaymentTerms, 'principalFen' | 'annualRatePercent'>;
  installmentMultipleFen: Fen;
}

/** The books as of a business date, read once; the simulator never reads or writes anything else. */
export interface BookSnapshot {
  asOf: string;
  loans: SnapshotLoan[];
  funds: SnapshotFund[];
  riskFunds: SnapshotRiskFund[];
  agreements: SnapshotAgreement[];
  budgets: SnapshotBudget[];
  benchmarkRatePercent: string | null;
  /** the programmes' calendars (absent, or a programme not in it: the default calendar, no grace) */
  programmes?: SnapshotProgramme[];
  /** active household covered-loan products, by id (absent: none read) */
  coveredProducts?: CoveredProduct[];
}

/** Repayment behaviour of one product kind; probabilities in percent (behaviour, not money). */
export interface Behaviour {
  /** share of loans whose borrower pays late (each instalment `lateDays` after its due date) */
  latePercent: number;
  lateDays: { min: number; max: number };
  /** share of loans whose borrower stops paying (after 0 to 2 further instalments) */
  defaultPercent: number;
}

export interface PolicyChange {
  /** YYYY-MM: in force from the first day of this month */
  fromMonth: string;
  leverageMultiple?: string;
  agreementId?: string;
  topUps?: { target: 'FUND' | 'RISK_FUND'; id: string; amount: string }[];
  withdrawals?: { target: 'FUND' | 'RISK_FUND'; id: string; amount: string }[];
  benchmarkRatePercent?: string;
  subsidyBudget?: { programmeId: string; year: number; amount: string };
  fundRules?: { fundId?: string; lendingCapPercent?: string; maxLoanAmount?: string };
}

/**
 * New covered (bank) lending: loans a bank asks to register each month under one agreement, or under a risk
 * fund's agreements (the first, by id, whose rules accept the loan).
 */
export interface CoveredDemand {
  riskFundId?: string;
  agreementId?: string;
  /** YYYY-MM: the first month with demand; `toMonth` (optional) the last */
  fromMonth: string;
  toMonth?: string;
  /** mean registrations asked per month (Poisson) */
  loansPerMonth: number;
  /** uniform in steps from min to max (a fixed amount: min = max) */
  amount: { min: string; max: string; step: string };
  termMonths: number[];
  /** the product the loans are made on (a HOUSEHOLD_MICROCREDIT code); default: see simulate.ts coveredTermsOf */
  productCode?: string;
  /** the contract rate; default: the product's (or the latest covered loan's) rate */
  annualRatePercent?: string;
}

/** A saved scenario's content (versioned). Amounts are yuan strings as everywhere in the API. */
export interface ScenarioSpec {
  horizonMonths: number;
  runs: number;
  seed: number;
  behaviour: Partial<Record<ProductKind, Behaviour>>;
  newDemand: {
    /** mean applications per village fund per month (Poisson) */
    applicationsPerVillagePerMonth: number;
    amount: { min: string; max: string; step: string };
    termMonths: number[];
  };
  recoveries: { percentOfCompensation: number; afterMonths: number };
  policies: PolicyChange[];
  /** new covered lending asked of the banks (absent: none) */
  coveredDemand?: CoveredDemand[];
}

/** The figures of one month of one run (fen, counts, or exact fractions). */
export interface MonthState {
  month: string;
  monthEnd: string;
  values: Map<string, bigint>;
}

export type FigureUnit = 'fen' | 'count' | 'decimal4' | 'flag';

export interface SeriesKey {
  key: string;
  scope: 'total' | 'fund' | 'riskFund' | 'programme';
  id: string | null;
  figure: string;
  unit: FigureUnit;
}

export interface RunResult {
  months: MonthState[];
  /** first month (YYYY-MM) each event happened in, by event key */
  events: Map<string, string>;
}

export interface Band {
  month: string;
  p10: bigint;
  p50: bigint;
  p90: bigint;
}

export interface EventSummary {
  key: string;
  event: 'RISK_FUND_BELOW_MINIMUM' | 'BREAKER_TRIPS' | 'FUND_OUT_OF_ROOM' | 'SUBSIDY_BUDGET_EXHAUSTED';
  scope: SeriesKey['scope'];
  id: string;
  /** runs in which it happened ÷ runs, percent with 2 decimals */
  probabilityPercent: string;
  runs: number;
  /** the months it first happened in, P10/P50/P90 over the runs where it happened; null when it never did */
  firstMonth: { p10: string; p50: string; p90: string } | null;
}

export interface ProjectionResult {
  asOf: string;
  months: string[];
  runs: number;
  series: (SeriesKey & { bands: Band[] })[];
  events: EventSummary[];
}

export type { Kernel, Ratio, ScheduleRounding };
