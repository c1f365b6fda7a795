import type { FieldError } from '#libs/common';
import { formatYuan, ID_PATTERN } from '#libs/money';
import { MAX_TERM_MONTHS } from './definition.js';
import { PRODUCT_KINDS, type ProductKind } from './enums.js';
import { addPercent, applySurcharge, normalizePercent } from './percent.js';
import { isBusinessDate } from './rate-bands.js';
import type { ProductDefinition, ProductTerms } from './terms.js';

export const PRODUCT_CODE = /^[A-Z][A-Z0-9_]{1,39}$/;

/** A product version as the API shows it: money in yuan strings, rates in percent strings. */
export interface ProductVersionView {
  id: string;
  productId: string;
  code: string;
  kind: ProductKind;
  version: number;
  isCurrent: boolean;
  active: boolean;
  name: string;
  currency: string;
  minPrincipal: string;
  maxPrincipal: string;
  firstLoanMax: string | null;
  minTermMonths: number;
  maxTermMonths: number;
  method: string;
  frequency: string;
  dayCount: string;
  rounding: string;
  installmentMultiple: string;
  rateSource: string;
  fixedRatePercent: string | null;
  markupPercent: string;
  penaltyRatePercent: string;
  penaltyBasis: string;
  graceDays: number;
  allowedPurposes: string[];
  eligibleStatuses: string[];
  minAge: number | null;
  maxAge: number | null;
  subsidyPolicy: Record<string, unknown> | null;
  requiresGuaranteeFund: boolean;
  requiresGroup: boolean;
  prepaymentMode: string;
  earlyRepaymentFee: string;
  waterfall: string[];
  maxPerLinkedHousehold: string | null;
  createdBy: string;
  createdAt: string;
}

export interface ProductView {
  id: string;
  code: string;
  kind: ProductKind;
  name: string;
  active: boolean;
  currentVersion: number;
  createdAt: string;
  /** The current version's terms. */
  terms: ProductVersionView;
}

/** The rate a loan is contracted at, fixed on its contract date. */
export interface ContractRate {
  /** Percent per year: benchmark in force + markup (exact addition), or the fixed rate. */
  annualRatePercent: string;
  /** The benchmark in force on the contract date for the term, or null for a FIXED product. */
  benchmarkRatePercent: string | null;
  benchmarkRateId: string | null;
  markupPercent: string;
  /** Annual penalty rate on overdue principal (a surcharge product follows its contract rate); exact. */
  penaltyRatePercent: string;
  rateSource: ProductTerms['rateSource'];
}

/** A `products` row. */
export interface ProductRow {
  id: string;
  code: string;
  kind: ProductKind;
  name: string;
  current_version: number;
  active: boolean;
  created_at: Date;
}

/** A `product_versions` row joined with its product's code, kind, active flag and current version. */
export interface VersionRow {
  id: string;
  product_id: string;
  version: number;
  name: string;
  currency: string;
  min_principal_fen: string;
  max_principal_fen: string;
  first_loan_max_fen: string | null;
  min_term_months: number;
  max_term_months: number;
  method: ProductTerms['method'];
  frequency: ProductTerms['frequency'];
  day_count: ProductTerms['dayCount'];
  rounding: ProductTerms['rounding'];
  installment_multiple_fen: string;
  rate_source: ProductTerms['rateSource'];
  fixed_rate_percent: string | null;
  markup_percent: string;
  penalty_rate_percent: string;
  penalty_basis: ProductTerms['penaltyBasis'];
  grace_days: number;
  allowed_purposes: ProductTerms['allowedPurposes'];
  eligible_statuses: ProductTerms['eligibleStatuses'];
  min_age: number | null;
  max_age: number | null;
  subsidy_policy: Record<string, unknown> | null;
  requires_guarantee_fund: boolean;
  requires_group: boolean;
  prepayment_mode: ProductTerms['prepaymentMode'];
  early_repayment_fee: ProductTerms['earlyRepaymentFee'];
  waterfall: ProductTerms['waterfall'];
  max_per_linked_household_fen: string | null;
  created_by: string;
  created_at: Date;
  // from products
  code: string;
  kind: ProductKind;
  active: boolean;
  current_version: number;
}

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));

export function toTerms(r: VersionRow): ProductTerms {
  return {
    productId: r.product_id,
    versionId: r.id,
    version: r.version,
    code: r.code,
    kind: r.kind,
    active: r.active,
    isCurrent: r.version === r.current_version,
    name: r.name,
    currency: r.currency.trim() as ProductTerms['currency'],
    minPrincipalFen: BigInt(r.min_principal_fen),
    maxPrincipalFen: BigInt(r.max_principal_fen),
    firstLoanMaxFen: big(r.first_loan_max_fen),
    minTermMonths: r.min_term_months,
    maxTermMonths: r.max_term_months,
    method: r.method,
    frequency: r.frequency,
    dayCount: r.day_count,
    rounding: r.rounding,
    installmentMultipleFen: BigInt(r.installment_multiple_fen),
    rateSource: r.rate_source,
    fixedRatePercent: r.fixed_rate_percent === null ? null : normalizePercent(r.fixed_rate_percent),
    markupPercent: normalizePercent(r.markup_percent),
    penaltyRatePercent: normalizePercent(r.penalty_rate_percent),
    penaltyBasis: r.penalty_basis,
    graceDays: r.grace_days,
    allowedPurposes: r.allowed_purposes,
    eligibleStatuses: r.eligible_statuses,
    minAge: r.min_age,
    maxAge: r.max_age,
    subsidyPolicy: r.subsidy_policy,
    requiresGuaranteeFund: r.requires_guarantee_fund,
    requiresGroup: r.requires_group,
    prepaymentMode: r.prepayment_mode,
    earlyRepaymentFee: r.early_repayment_fee,
    waterfall: r.waterfall,
    maxPerLinkedHouseholdFen: big(r.max_per_linked_household_fen),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

const yuanOrNull = (fen: bigint | null) => (fen === null ? null : formatYuan(fen));

export function versionView(t: ProductTerms): ProductVersionView {
  return {
    id: t.versionId,
    productId: t.productId,
    code: t.code,
    kind: t.kind,
    version: t.version,
    isCurrent: t.isCurrent,
    active: t.active,
    name: t.name,
    currency: t.currency,
    minPrincipal: formatYuan(t.minPrincipalFen),
    maxPrincipal: formatYuan(t.maxPrincipalFen),
    firstLoanMax: yuanOrNull(t.firstLoanMaxFen),
    minTermMonths: t.minTermMonths,
    maxTermMonths: t.maxTermMonths,
    method: t.method,
    frequency: t.frequency,
    dayCount: t.dayCount,
    rounding: t.rounding,
    installmentMultiple: formatYuan(t.installmentMultipleFen),
    rateSource: t.rateSource,
    fixedRatePercent: t.fixedRatePercent,
    markupPercent: t.markupPercent,
    penaltyRatePercent: t.penaltyRatePercent,
    penaltyBasis: t.penaltyBasis,
    graceDays: t.graceDays,
    allowedPurposes: [...t.allowedPurposes],
    eligibleStatuses: [...t.eligibleStatuses],
    minAge: t.minAge,
    maxAge: t.maxAge,
    subsidyPolicy: t.subsidyPolicy,
    requiresGuaranteeFund: t.requiresGuaranteeFund,
    requiresGroup: t.requiresGroup,
    prepaymentMode: t.prepaymentMode,
    earlyRepaymentFee: t.earlyRepaymentFee,
    waterfall: [...t.waterfall],
    maxPerLinkedHousehold: yuanOrNull(t.maxPerLinkedHouseholdFen),
    createdBy: t.createdBy,
    createdAt: t.createdAt,
  };
}

/** Annual penalty rate on overdue principal for a contract rate, exact (SURCHARGE_ON_CONTRACT: rate × (1 + p/100)). */
export function penaltyRateFor(
  terms: Pick<ProductDefinition, 'penaltyBasis' | 'penaltyRatePercent'>,
  annualRatePercent: string,
): string {
  return terms.penaltyBasis === 'SURCHARGE_ON_CONTRACT'
    ? applySurcharge(annualRatePercent, terms.penaltyRatePercent)
    : normalizePercent(terms.penaltyRatePercent);
}

/** A product and its current version's terms as the API shows them. */
export function productView(p: ProductRow, terms: ProductTerms): ProductView {
  return {
    id: p.id,
    code: p.code,
    kind: p.kind,
    name: terms.name,
    active: p.active,
    currentVersion: p.current_version,
    createdAt: new Date(p.created_at).toISOString(),
    terms: versionView({ ...terms, active: p.active }),
  };
}

/** A product named by id (digits) or code; null when it is neither (no such product). */
export function productKey(idOrCode: string | number): { column: 'id' | 'code'; value: string } | null {
  const s = String(idOrCode);
  if (ID_PATTERN.test(s)) return { column: 'id', value: s };
  if (PRODUCT_CODE.test(s)) return { column: 'code', value: s };
  return null;
}

export const isVersionId = (id: string): boolean => ID_PATTERN.test(id);

/** The rules of a new product's identity: its code and kind (the definition is checked by resolveDefinition). */
export function newProductErrors(input: { code: unknown; kind: unknown }): {
  errors: FieldError[];
  kind: ProductKind | undefined;
} {
  const errors: FieldError[] = [];
  if (typeof input.code !== 'string' || !PRODUCT_CODE.test(input.code)) {
    errors.push({
      field: 'code',
      code: 'INVALID',
      message: 'code must be 2-40 characters of A-Z, 0-9 and _, starting with a letter',
    });
  }
  const kind = PRODUCT_KINDS.includes(input.kind as ProductKind) ? (input.kind as ProductKind) : undefined;
  if (!kind)
    errors.push({
      field: 'kind',
      code: 'INVALID',
      message: `kind must be one of ${PRODUCT_KINDS.join(', ')}`,
    });
  return { errors, kind };
}

/** Every rule a contract rate request breaks: a term of 1..MAX_TERM_MONTHS months and a calendar date. */
export function contractRateRequestErrors(termMonths: number, contractDate: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!Number.isInteger(termMonths) || termMonths < 1 || termMonths > MAX_TERM_MONTHS) {
    errors.push({
      field: 'termMonths',
      code: 'INVALID',
      message: `termMonths must be an integer from 1 to ${MAX_TERM_MONTHS}`,
    });
  }
  if (!isBusinessDate(contractDate)) {
    errors.push({
      field: 'contractDate',
      code: 'INVALID',
      message: 'contractDate must be a calendar date written YYYY-MM-DD',
    });
  }
  return errors;
}

type RateTerms = Pick<
  ProductTerms,
  'rateSource' | 'fixedRatePercent' | 'markupPercent' | 'penaltyBasis' | 'penaltyRatePercent'
>;

/** A FIXED product's contract rate: its fixed rate, no benchmark, no markup. */
export function fixedContractRate(terms: RateTerms & { fixedRatePercent: string }): ContractRate {
  const annual = normalizePercent(terms.fixedRatePercent);
  return {
    annualRatePercent: annual,
    benchmarkRatePercent: null,
    benchmarkRateId: null,
    markupPercent: '0',
    penaltyRatePercent: penaltyRateFor(terms, annual),
    rateSource: 'FIXED',
  };
}

/** A BENCHMARK product's contract rate: the benchmark in force plus the markup, by exact decimal addition. */
export function benchmarkContractRate(
  terms: RateTerms,
  benchmark: { ratePercent: string; rateId: string },
): ContractRate {
  const annual = addPercent(benchmark.ratePercent, terms.markupPercent);
  return {
    annualRatePercent: annual,
    benchmarkRatePercent: benchmark.ratePercent,
    benchmarkRateId: benchmark.rateId,
    markupPercent: normalizePercent(terms.markupPercent),
    penaltyRatePercent: penaltyRateFor(terms, annual),
    rateSource: 'BENCHMARK',
  };
}
