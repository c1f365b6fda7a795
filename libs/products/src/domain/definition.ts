import type { FieldErrorCode } from '#libs/common';
import { compareDecimal, formatYuan, parseDecimal, parseYuan, type Fen } from '#libs/money';
import {
  CURRENCIES,
  DAY_COUNTS,
  DEFAULT_WATERFALL,
  FREQUENCIES,
  HOUSEHOLD_STATUSES,
  METHODS,
  PENALTY_BASES,
  PREPAYMENT_MODES,
  EARLY_REPAYMENT_FEES,
  RATE_SOURCES,
  requiresProductivePurpose,
  ROUNDINGS,
  WATERFALL_COMPONENTS,
  type ProductKind,
} from './enums.js';
import { normalizePercent } from './percent.js';
import { isProductivePurpose, PURPOSES } from './purposes.js';
import { DEFINITION_FIELDS, type ProductDefinition } from './terms.js';

/** One failed rule: the API field it is about, a stable code and a message for people. */
export interface RuleFailure {
  field: string;
  code: FieldErrorCode;
  message: string;
}

export const MAX_TERM_MONTHS = 360;
export const MAX_RATE_PERCENT = '36';
/** A surcharge on the contract rate may at most double it. */
export const MAX_PENALTY_SURCHARGE_PERCENT = '100';
export const MAX_RATE_DECIMALS = 6;
export const MIN_BORROWER_AGE = 16;
export const MAX_BORROWER_AGE = 100;
export const MAX_GRACE_DAYS = 365;

/**
 * A product as the API carries it: money in yuan strings, rates in percent strings. Absent optional fields take
 * their defaults on create and replace, and keep their current value on a partial edit.
 */
export interface ProductInput {
  name?: string;
  currency?: string;
  minPrincipal?: string;
  maxPrincipal?: string;
  firstLoanMax?: string | null;
  minTermMonths?: number;
  maxTermMonths?: number;
  method?: string;
  frequency?: string;
  dayCount?: string;
  rounding?: string;
  installmentMultiple?: string;
  rateSource?: string;
  fixedRatePercent?: string | null;
  markupPercent?: string;
  penaltyRatePercent?: string;
  penaltyBasis?: string;
  graceDays?: number;
  allowedPurposes?: string[];
  eligibleStatuses?: string[];
  minAge?: number | null;
  maxAge?: number | null;
  subsidyPolicy?: Record<string, unknown> | null;
  requiresGuaranteeFund?: boolean;
  requiresGroup?: boolean;
  prepaymentMode?: string;
  earlyRepaymentFee?: string;
  waterfall?: string[];
  maxPerLinkedHousehold?: string | null;
}

type Key = (typeof DEFINITION_FIELDS)[number];
type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

interface FieldSpec {
  api: keyof ProductInput;
  key: Key;
  parse: (v: unknown) => Parsed;
  nullable?: boolean;
  /** Default for create/replace; absent = required. */
  initial?: () => unknown;
}

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (message: string): Parsed => ({ ok: false, message });

const yuanField = (v: unknown): Parsed => {
  const r = parseYuan(v, { allowZero: false });
  return r.ok ? ok(r.fen) : bad(`must be a positive decimal string in yuan with at most 2 decimals (${r.error})`);
};
const enumField =
  (values: readonly string[]) =>
  (v: unknown): Parsed =>
    typeof v === 'string' && values.includes(v) ? ok(v) : bad(`must be one of ${values.join(', ')}`);
const intField =
  (min: number, max: number) =>
  (v: unknown): Parsed =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? ok(v) : bad(`must be an integer from ${min} to ${max}`);
const percentField =
  (max: string) =>
  (v: unknown): Parsed => {
    const d = typeof v === 'string' ? parseDecimal(v) : null;
    if (!d || d.scale > MAX_RATE_DECIMALS || d.units < 0n || compareDecimal(v as string, max) > 0) {
      return bad(`must be a decimal string of percent per year from 0 to ${max} with at most ${MAX_RATE_DECIMALS} decimals`);
    }
    // stored and compared in the shortest exact form, so "4.350" and "4.35" are the same term
    return ok(normalizePercent(v as string));
  };
const enumList =
  (values: readonly string[], minSize: number) =>
  (v: unknown): Parsed => {
    if (!Array.isArray(v) || v.length < minSize) return bad(`must be a list of at least ${minSize} of ${values.join(', ')}`);
    const unknown = v.filter((x) => typeof x !== 'string' || !values.includes(x));
    if (unknown.length) return bad(`unknown value(s) ${unknown.map(String).join(', ')}; allowed: ${values.join(', ')}`);
    if (new Set(v).size !== v.length) return bad('must not repeat a value');
    return ok([...v]);
  };

const SPECS: FieldSpec[] = [
  {
    api: 'name',
    key: 'name',
    parse: (v) => (typeof v === 'string' && v.trim().length > 0 && v.length <= 200 ? ok(v.trim()) : bad('must be 1-200 characters')),
  },
  { api: 'currency', key: 'currency', parse: enumField(CURRENCIES), initial: () => 'CNY' },
  { api: 'minPrincipal', key: 'minPrincipalFen', parse: yuanField },
  { api: 'maxPrincipal', key: 'maxPrincipalFen', parse: yuanField },
  { api: 'firstLoanMax', key: 'firstLoanMaxFen', parse: yuanField, nullable: true, initial: () => null },
  { api: 'minTermMonths', key: 'minTermMonths', parse: intField(1, MAX_TERM_MONTHS) },
  { api: 'maxTermMonths', key: 'maxTermMonths', parse: intField(1, MAX_TERM_MONTHS) },
  { api: 'method', key: 'method', parse: enumField(METHODS) },
  { api: 'frequency', key: 'frequency', parse: enumField(FREQUENCIES) },
  { api: 'dayCount', key: 'dayCount', parse: enumField(DAY_COUNTS) },
  { api: 'rounding', key: 'rounding', parse: enumField(ROUNDINGS), initial: () => 'HALF_UP' },
  { api: 'installmentMultiple', key: 'installmentMultipleFen', parse: yuanField, initial: () => 1n },
  { api: 'rateSource', key: 'rateSource', parse: enumField(RATE_SOURCES) },
  { api: 'fixedRatePercent', key: 'fixedRatePercent', parse: percentField(MAX_RATE_PERCENT), nullable: true, initial: () => null },
  { api: 'markupPercent', key: 'markupPercent', parse: percentField(MAX_RATE_PERCENT), initial: () => '0' },
  { api: 'penaltyRatePercent', key: 'penaltyRatePercent', parse: percentField(MAX_PENALTY_SURCHARGE_PERCENT), initial: () => '0' },
  { api: 'penaltyBasis', key: 'penaltyBasis', parse: enumField(PENALTY_BASES), initial: () => 'ANNUAL_RATE' },
  { api: 'graceDays', key: 'graceDays', parse: intField(0, MAX_GRACE_DAYS), initial: () => 0 },
  { api: 'allowedPurposes', key: 'allowedPurposes', parse: enumList(PURPOSES, 1) },
  { api: 'eligibleStatuses', key: 'eligibleStatuses', parse: enumList(HOUSEHOLD_STATUSES, 0), initial: () => [] },
  { api: 'minAge', key: 'minAge', parse: intField(MIN_BORROWER_AGE, MAX_BORROWER_AGE), nullable: true, initial: () => null },
  { api: 'maxAge', key: 'maxAge', parse: intField(MIN_BORROWER_AGE, MAX_BORROWER_AGE), nullable: true, initial: () => null },
  {
    api: 'subsidyPolicy',
    key: 'subsidyPolicy',
    parse: (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? ok(v) : bad('must be a JSON object or null')),
    nullable: true,
    initial: () => null,
  },
  {
    api: 'requiresGuaranteeFund',
    key: 'requiresGuaranteeFund',
    parse: (v) => (typeof v === 'boolean' ? ok(v) : bad('must be a boolean')),
    initial: () => false,
  },
  { api: 'requiresGroup', key: 'requiresGroup', parse: (v) => (typeof v === 'boolean' ? ok(v) : bad('must be a boolean')), initial: () => false },
  { api: 'prepaymentMode', key: 'prepaymentMode', parse: enumField(PREPAYMENT_MODES), initial: () => 'SHORTEN_TERM' },
  { api: 'earlyRepaymentFee', key: 'earlyRepaymentFee', parse: enumField(EARLY_REPAYMENT_FEES), initial: () => 'ACCRUED' },
  { api: 'waterfall', key: 'waterfall', parse: enumList(WATERFALL_COMPONENTS, 1), initial: () => [...DEFAULT_WATERFALL] },
  { api: 'maxPerLinkedHousehold', key: 'maxPerLinkedHouseholdFen', parse: yuanField, nullable: true, initial: () => null },
];

/** The API name of each definition field (errors name API fields). */
export const API_FIELD: Record<Key, keyof ProductInput> = Object.fromEntries(SPECS.map((s) => [s.key, s.api])) as Record<
  Key,
  keyof ProductInput
>;

/**
 * Reads an API input into a definition. Each field comes from the input when given, else from `base` (a partial
 * edit of the current version), else its default (create/replace); a required field missing is an error. Returns
 * what could be parsed, so the cross-field rules can still run and every failure is reported at once.
 */
export function parseProductInput(
  input: ProductInput,
  base: ProductDefinition | null,
): { definition: Partial<ProductDefinition>; errors: RuleFailure[] } {
  const definition: Partial<Record<Key, unknown>> = {};
  const errors: RuleFailure[] = [];
  for (const spec of SPECS) {
    const raw = (input as Record<string, unknown>)[spec.api];
    if (raw === undefined) {
      if (base) definition[spec.key] = base[spec.key];
      else if (spec.initial) definition[spec.key] = spec.initial();
      else errors.push({ field: spec.api, code: 'REQUIRED', message: `${spec.api} is required` });
      continue;
    }
    if (raw === null) {
      if (spec.nullable) definition[spec.key] = null;
      else errors.push({ field: spec.api, code: 'REQUIRED', message: `${spec.api} may not be null` });
      continue;
    }
    const parsed = spec.parse(raw);
    if (parsed.ok) definition[spec.key] = parsed.value;
    else errors.push({ field: spec.api, code: 'INVALID', message: `${spec.api} ${parsed.message}` });
  }
  return { definition: definition as Partial<ProductDefinition>, errors };
}

const known = <T>(v: T | undefined): v is T => v !== undefined;

/**
 * The rules between fields of a product, every failure at once. Fields that are missing or unparseable are
 * skipped (their own error is reported by the parser). `kind` undefined skips the rules that depend on it.
 */
export function validateDefinition(kind: ProductKind | undefined, d: Partial<ProductDefinition>): RuleFailure[] {
  const out: RuleFailure[] = [];
  const fail = (field: keyof ProductInput, code: FieldErrorCode, message: string) => out.push({ field, code, message });

  if (known(d.minPrincipalFen) && known(d.maxPrincipalFen) && d.maxPrincipalFen < d.minPrincipalFen) {
    fail('maxPrincipal', 'PRINCIPAL_MAX_BELOW_MIN', `maxPrincipal ${formatYuan(d.maxPrincipalFen)} is below minPrincipal ${formatYuan(d.minPrincipalFen)}`);
  }
  if (known(d.minTermMonths) && known(d.maxTermMonths) && d.maxTermMonths < d.minTermMonths) {
    fail('maxTermMonths', 'TERM_MAX_BELOW_MIN', `maxTermMonths ${d.maxTermMonths} is below minTermMonths ${d.minTermMonths}`);
  }
  if (d.firstLoanMaxFen !== null && known(d.firstLoanMaxFen)) {
    const f: Fen = d.firstLoanMaxFen;
    if ((known(d.maxPrincipalFen) && f > d.maxPrincipalFen) || (known(d.minPrincipalFen) && f < d.minPrincipalFen)) {
      fail('firstLoanMax', 'FIRST_LOAN_MAX_OUT_OF_RANGE', 'firstLoanMax must lie between minPrincipal and maxPrincipal');
    }
  }
  if (known(d.installmentMultipleFen) && known(d.minPrincipalFen) && d.installmentMultipleFen > d.minPrincipalFen) {
    fail('installmentMultiple', 'INSTALLMENT_MULTIPLE_TOO_LARGE', 'installmentMultiple may not exceed minPrincipal');
  }
  if (d.method === 'BULLET' && known(d.frequency) && d.frequency !== 'AT_MATURITY') {
    fail('frequency', 'BULLET_REQUIRES_AT_MATURITY', 'a BULLET product repays once, so its frequency must be AT_MATURITY');
  }
  if (d.frequency === 'AT_MATURITY' && known(d.method) && d.method !== 'BULLET') {
    fail('method', 'AT_MATURITY_REQUIRES_BULLET', 'frequency AT_MATURITY is only for the BULLET method');
  }
  if (d.frequency === 'QUARTERLY' && known(d.minTermMonths) && known(d.maxTermMonths)) {
    const firstQuarter = Math.ceil(d.minTermMonths / 3) * 3;
    if (firstQuarter > d.maxTermMonths) {
      fail('frequency', 'QUARTERLY_TERM_RANGE', 'a QUARTERLY product needs a term range that holds a multiple of 3 months');
    }
  }
  if (d.rateSource === 'FIXED' && d.fixedRatePercent === null) {
    fail('fixedRatePercent', 'FIXED_RATE_REQUIRED', 'rateSource FIXED needs fixedRatePercent');
  }
  if (d.rateSource === 'BENCHMARK' && d.fixedRatePercent !== null && known(d.fixedRatePercent)) {
    fail('fixedRatePercent', 'FIXED_RATE_NOT_ALLOWED', 'a BENCHMARK product takes its rate from the benchmark table plus markupPercent; fixedRatePercent must be null');
  }
  if (d.rateSource === 'FIXED' && known(d.markupPercent) && compareDecimal(d.markupPercent, '0') !== 0) {
    fail('markupPercent', 'MARKUP_NOT_ALLOWED', 'a FIXED product has no markup; set markupPercent to "0"');
  }
  if (d.penaltyBasis === 'ANNUAL_RATE' && known(d.penaltyRatePercent) && compareDecimal(d.penaltyRatePercent, MAX_RATE_PERCENT) > 0) {
    fail('penaltyRatePercent', 'PENALTY_RATE_TOO_HIGH', `an ANNUAL_RATE penalty may not exceed ${MAX_RATE_PERCENT} % a year`);
  }
  if (d.minAge !== null && d.maxAge !== null && known(d.minAge) && known(d.maxAge) && d.maxAge < d.minAge) {
    fail('maxAge', 'AGE_MAX_BELOW_MIN', `maxAge ${d.maxAge} is below minAge ${d.minAge}`);
  }
  if (known(d.waterfall)) {
    const complete = d.waterfall.length === WATERFALL_COMPONENTS.length && WATERFALL_COMPONENTS.every((c) => d.waterfall!.includes(c));
    if (!complete) {
      fail('waterfall', 'WATERFALL_NOT_PERMUTATION', `waterfall must order all of ${WATERFALL_COMPONENTS.join(', ')} exactly once`);
    }
  }
  if (kind) {
    if (requiresProductivePurpose(kind) && known(d.allowedPurposes)) {
      const refused = d.allowedPurposes.filter((p) => !isProductivePurpose(p));
      if (refused.length) {
        fail('allowedPurposes', 'PURPOSE_NOT_PRODUCTIVE', `${kind} is poverty-alleviation credit for productive purposes only; refused: ${refused.join(', ')}`);
      }
    }
    if (kind === 'ENTITY_LOAN') {
      if (known(d.eligibleStatuses) && d.eligibleStatuses.length) {
        fail('eligibleStatuses', 'NOT_FOR_ENTITY', 'entity loans have no household-status rule; leave eligibleStatuses empty');
      }
      if ((d.minAge ?? null) !== null || (d.maxAge ?? null) !== null) {
        fail(d.minAge != null ? 'minAge' : 'maxAge', 'NOT_FOR_ENTITY', 'entity loans have no borrower-age rule');
      }
    } else if (d.maxPerLinkedHouseholdFen !== null && known(d.maxPerLinkedHouseholdFen)) {
      fail('maxPerLinkedHousehold', 'LINKED_CAP_ENTITY_ONLY', 'maxPerLinkedHousehold applies to ENTITY_LOAN products only');
    }
  }
  return out;
}

/**
 * Parses and validates an input against its kind (and the current version for a partial edit): the full
 * definition, or every failure at once.
 */
export function resolveDefinition(
  kind: ProductKind,
  input: ProductInput,
  base: ProductDefinition | null,
): { ok: true; definition: ProductDefinition } | { ok: false; errors: RuleFailure[] } {
  const { definition, errors } = parseProductInput(input, base);
  const all = [...errors, ...validateDefinition(kind, definition)];
  return all.length ? { ok: false, errors: all } : { ok: true, definition: definition as ProductDefinition };
}
