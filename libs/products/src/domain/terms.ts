import type { Fen } from '#libs/money';
import type {
  Currency,
  DayCount,
  Frequency,
  HouseholdStatus,
  Method,
  PenaltyBasis,
  PrepaymentMode,
  EarlyRepaymentFee,
  ProductKind,
  RateSource,
  Rounding,
  WaterfallComponent,
} from './enums.js';
import type { Purpose } from './purposes.js';

/**
 * What a product version says, in code units: money in bigint fen, rates as exact decimal strings of percent per
 * year (shortest form, "4.35"), enumerations as their literal types.
 */
export interface ProductDefinition {
  name: string;
  currency: Currency;
  minPrincipalFen: Fen;
  maxPrincipalFen: Fen;
  /** Cap on a borrower's first loan under this product (mutual aid: 5,000), or null. */
  firstLoanMaxFen: Fen | null;
  minTermMonths: number;
  maxTermMonths: number;
  method: Method;
  frequency: Frequency;
  dayCount: DayCount;
  rounding: Rounding;
  installmentMultipleFen: Fen;
  rateSource: RateSource;
  /** Set exactly when rateSource is FIXED. */
  fixedRatePercent: string | null;
  /** Added to the benchmark rate; "0" for FIXED products. */
  markupPercent: string;
  penaltyRatePercent: string;
  penaltyBasis: PenaltyBasis;
  /** Days after a due date before a payment counts as late. */
  graceDays: number;
  allowedPurposes: Purpose[];
  /** Household statuses that may borrow; empty = no status rule (entity loans). */
  eligibleStatuses: HouseholdStatus[];
  minAge: number | null;
  maxAge: number | null;
  /** The interest-subsidy policy the product carries (owned by the subsidy library), or null. */
  subsidyPolicy: Record<string, unknown> | null;
  requiresGuaranteeFund: boolean;
  requiresGroup: boolean;
  prepaymentMode: PrepaymentMode;
  /** The usage fee of an instalment paid before its due date (see EARLY_REPAYMENT_FEES). */
  earlyRepaymentFee: EarlyRepaymentFee;
  waterfall: WaterfallComponent[];
  /** Entity loans: credit ≤ this × number of linked poor households (SPEC §2.2: 50,000), or null. */
  maxPerLinkedHouseholdFen: Fen | null;
}

/** One version of a product, as origination, guarantee and subsidy read it. */
export interface ProductTerms extends ProductDefinition {
  productId: string;
  versionId: string;
  version: number;
  code: string;
  kind: ProductKind;
  /** Whether the product is active now (an inactive product makes no new loans; its loans keep their version). */
  active: boolean;
  /** Whether this is the product's current version. */
  isCurrent: boolean;
  createdBy: string;
  createdAt: string;
}

/** Every field of a definition, in a stable order (for change detection and audit). */
export const DEFINITION_FIELDS = [
  'name',
  'currency',
  'minPrincipalFen',
  'maxPrincipalFen',
  'firstLoanMaxFen',
  'minTermMonths',
  'maxTermMonths',
  'method',
  'frequency',
  'dayCount',
  'rounding',
  'installmentMultipleFen',
  'rateSource',
  'fixedRatePercent',
  'markupPercent',
  'penaltyRatePercent',
  'penaltyBasis',
  'graceDays',
  'allowedPurposes',
  'eligibleStatuses',
  'minAge',
  'maxAge',
  'subsidyPolicy',
  'requiresGuaranteeFund',
  'requiresGroup',
  'prepaymentMode',
  'earlyRepaymentFee',
  'waterfall',
  'maxPerLinkedHouseholdFen',
] as const satisfies readonly (keyof ProductDefinition)[];

export function pickDefinition(terms: ProductDefinition): ProductDefinition {
  return Object.fromEntries(DEFINITION_FIELDS.map((k) => [k, terms[k]])) as unknown as ProductDefinition;
}
