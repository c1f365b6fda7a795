import type { Fen, Ratio } from '#libs/money';
import type { ScheduleRounding } from '#libs/schedules';
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
}

export interface SnapshotBudget {
  programmeId: string;
  year: number;
  budgetFen: Fen;
  committedFen: Fen;
  /** The programme's money not yet committed (its BUDGET account). */
  cashFen: Fen;
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
