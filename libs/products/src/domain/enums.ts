import { isProductivePurpose, PURPOSES, type Purpose } from './purposes.js';

/** The three kinds of credit the engine runs (SPEC §2.1, §2.2). A product's kind never changes across versions. */
export const PRODUCT_KINDS = ['MUTUAL_AID', 'HOUSEHOLD_MICROCREDIT', 'ENTITY_LOAN'] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

/** Same vocabulary as the schedule engine (SPEC §5 "Schedule preview"). */
export const METHODS = ['EQUAL_INSTALLMENT', 'EQUAL_PRINCIPAL', 'INTEREST_ONLY', 'BULLET', 'FLAT'] as const;
export type Method = (typeof METHODS)[number];
export const FREQUENCIES = ['MONTHLY', 'QUARTERLY', 'AT_MATURITY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const DAY_COUNTS = ['PERIOD', 'ACTUAL_360', 'ACTUAL_365'] as const;
export type DayCount = (typeof DAY_COUNTS)[number];
export const ROUNDINGS = ['HALF_UP', 'HALF_EVEN'] as const;
export type Rounding = (typeof ROUNDINGS)[number];

/** BENCHMARK: the benchmark rate in force on the contract date for the term, plus the markup. FIXED: a set rate. */
export const RATE_SOURCES = ['BENCHMARK', 'FIXED'] as const;
export type RateSource = (typeof RATE_SOURCES)[number];

/**
 * How `penaltyRatePercent` is read. ANNUAL_RATE: it is the penalty rate itself (percent per year on overdue
 * principal). SURCHARGE_ON_CONTRACT: it is a surcharge on the loan's contract rate (罚息 = 合同利率上浮 N%), so
 * "50" means the penalty rate is the contract rate × 1.5, and a benchmark product's penalty follows its rate.
 */
export const PENALTY_BASES = ['ANNUAL_RATE', 'SURCHARGE_ON_CONTRACT'] as const;
export type PenaltyBasis = (typeof PENALTY_BASES)[number];

export const PREPAYMENT_MODES = ['SHORTEN_TERM', 'LOWER_INSTALLMENT'] as const;
export type PrepaymentMode = (typeof PREPAYMENT_MODES)[number];

/**
 * The usage fee of an instalment paid before its due date. ACCRUED: the fee accrued to the value date; principal
 * paid early stops bearing the fee for the rest of the period (so paying an instalment on the disbursement day
 * charges no fee, like a payoff that day). PERIOD: the scheduled period fee is due whenever the instalment is paid,
 * and a payoff charges the current period's whole fee too.
 */
export const EARLY_REPAYMENT_FEES = ['ACCRUED', 'PERIOD'] as const;
export type EarlyRepaymentFee = (typeof EARLY_REPAYMENT_FEES)[number];

/** The order a repayment is applied in; a product's waterfall is a permutation of all six. */
export const WATERFALL_COMPONENTS = [
  'OVERDUE_PENALTY',
  'OVERDUE_INTEREST',
  'OVERDUE_PRINCIPAL',
  'CURRENT_INTEREST',
  'CURRENT_PRINCIPAL',
  'FUTURE',
] as const;
export type WaterfallComponent = (typeof WATERFALL_COMPONENTS)[number];
export const DEFAULT_WATERFALL: readonly WaterfallComponent[] = WATERFALL_COMPONENTS;

/** Household status in the poverty registry (建档立卡). */
export const HOUSEHOLD_STATUSES = ['POOR', 'GRADUATED', 'NON_POOR'] as const;
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];

export const CURRENCIES = ['CNY'] as const;
export type Currency = (typeof CURRENCIES)[number];

export type BorrowerType = 'HOUSEHOLD' | 'ENTITY';

/** Who borrows under a kind: households for mutual aid and microcredit, operating entities for entity loans. */
export function borrowerTypeOf(kind: ProductKind): BorrowerType {
  return kind === 'ENTITY_LOAN' ? 'ENTITY' : 'HOUSEHOLD';
}

/**
 * Kinds that are poverty-alleviation credit under a guarantee fund: productive purposes only (SPEC §2.2). Mutual
 * aid leaves the choice to the product (its seeded default is productive purposes too).
 */
export const PRODUCTIVE_ONLY_KINDS: readonly ProductKind[] = ['HOUSEHOLD_MICROCREDIT', 'ENTITY_LOAN'];

export function requiresProductivePurpose(kind: ProductKind): boolean {
  return PRODUCTIVE_ONLY_KINDS.includes(kind);
}

/** The purposes a product of this kind may allow at most. */
export function purposesAllowedFor(kind: ProductKind): Purpose[] {
  return requiresProductivePurpose(kind) ? PURPOSES.filter((p) => isProductivePurpose(p)) : [...PURPOSES];
}

/** Months per instalment, or null for a single instalment at maturity. */
export function monthsPerPeriod(frequency: Frequency): number | null {
  return frequency === 'MONTHLY' ? 1 : frequency === 'QUARTERLY' ? 3 : null;
}

/**
 * Number of instalments of a loan of `termMonths` under a frequency, or null when the term does not divide into
 * whole periods (a quarterly loan of 7 months).
 */
export function installmentCount(frequency: Frequency, termMonths: number): number | null {
  const per = monthsPerPeriod(frequency);
  if (per === null) return 1;
  return termMonths % per === 0 ? termMonths / per : null;
}
