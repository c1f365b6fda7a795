import type { FieldError } from '#libs/common';
import { compareDecimal, isId, parseDecimal, type Fen } from '#libs/money';

/** SPEC §2.3: the three ways a product's interest is subsidised. */
export const POLICY_TYPES = ['FULL_BENCHMARK', 'FIXED_RATE', 'CAPPED'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** 50,000 yuan: the principal a household loan is subsidised on, and the credit per linked poor household. */
export const DEFAULT_PRINCIPAL_CAP_FEN: Fen = 5_000_000n;
export const DEFAULT_PER_LINKED_HOUSEHOLD_CAP_FEN: Fen = 5_000_000n;
export const MAX_POLICY_RATE_PERCENT = '36';

/**
 * A product's subsidy policy (product_versions.subsidy_policy), in code units:
 * - FULL_BENCHMARK: the benchmark rate in force on the loan's contract date;
 * - FIXED_RATE: `ratePercent` a year (e.g. 2 %);
 * - CAPPED: the contract rate, at most `capPercent`;
 * each on the balance of the period, at most `principalCapFen` for a household borrower and at most
 * `perLinkedHouseholdCapFen` × the linked poor households for an operating entity (SPEC §2.2, §2.3).
 */
export interface SubsidyPolicy {
  type: PolicyType;
  programmeId: string;
  ratePercent: string | null;
  capPercent: string | null;
  principalCapFen: Fen;
  perLinkedHouseholdCapFen: Fen;
}

const KEYS = [
  'type',
  'programmeId',
  'ratePercent',
  'capPercent',
  'principalCapFen',
  'perLinkedHouseholdCapFen',
] as const;
const FEN = /^(0|[1-9]\d{0,15})$/;

function percent(v: unknown, field: string, errors: FieldError[]): string | null {
  if (typeof v !== 'string' || !parseDecimal(v) || v.startsWith('-')) {
    errors.push({
      field,
      code: 'FORMAT',
      message: `${field} must be a decimal string of percent per year, e.g. "2"`,
    });
    return null;
  }
  const d = parseDecimal(v)!;
  if (d.scale > 6 || compareDecimal(v, '0') <= 0 || compareDecimal(v, MAX_POLICY_RATE_PERCENT) > 0) {
    errors.push({
      field,
      code: 'RANGE',
      message: `${field} must be above 0 and at most ${MAX_POLICY_RATE_PERCENT}, with at most 6 decimals`,
    });
    return null;
  }
  return v;
}

function fen(v: unknown, field: string, errors: FieldError[], fallback: Fen): Fen {
  if (v === undefined || v === null) return fallback;
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof text !== 'string' || !FEN.test(text) || text === '0') {
    errors.push({
      field,
      code: 'FORMAT',
      message: `${field} must be a positive whole number of fen, e.g. "5000000"`,
    });
    return fallback;
  }
  return BigInt(text);
}

/**
 * Reads a policy as stored on a product version (or as sent to the policy endpoint), reporting every problem at
 * once with the field named under `prefix`. Unknown keys are refused: a misspelt cap must not silently default.
 */
export function parsePolicy(
  raw: unknown,
  prefix = 'subsidyPolicy',
): { ok: true; policy: SubsidyPolicy } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      errors: [
        { field: prefix || 'policy', code: 'FORMAT', message: `${prefix || 'policy'} must be a JSON object` },
      ],
    };
  }
  const f = (key: string) => (prefix ? `${prefix}.${key}` : key);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(k)) {
      errors.push({ field: f(k), code: 'UNKNOWN_FIELD', message: `${f(k)} is not a policy field` });
    }
  }
  const type = (POLICY_TYPES as readonly unknown[]).includes(o.type) ? (o.type as PolicyType) : null;
  if (!type) {
    errors.push({
      field: f('type'),
      code: 'INVALID',
      message: `${f('type')} must be one of ${POLICY_TYPES.join(', ')}`,
    });
  }
  const programmeId =
    typeof o.programmeId === 'string' || typeof o.programmeId === 'number' ? String(o.programmeId) : '';
  if (!isId(programmeId)) {
    errors.push({
      field: f('programmeId'),
      code: 'INVALID',
      message: `${f('programmeId')} must be a programme id`,
    });
  }
  let ratePercent: string | null = null;
  let capPercent: string | null = null;
  if (type === 'FIXED_RATE') ratePercent = percent(o.ratePercent, f('ratePercent'), errors);
  else if (o.ratePercent !== undefined && o.ratePercent !== null) {
    errors.push({
      field: f('ratePercent'),
      code: 'NOT_ALLOWED',
      message: `${f('ratePercent')} belongs to FIXED_RATE only`,
    });
  }
  if (type === 'CAPPED') capPercent = percent(o.capPercent, f('capPercent'), errors);
  else if (o.capPercent !== undefined && o.capPercent !== null) {
    errors.push({
      field: f('capPercent'),
      code: 'NOT_ALLOWED',
      message: `${f('capPercent')} belongs to CAPPED only`,
    });
  }
  const principalCapFen = fen(o.principalCapFen, f('principalCapFen'), errors, DEFAULT_PRINCIPAL_CAP_FEN);
  const perLinkedHouseholdCapFen = fen(
    o.perLinkedHouseholdCapFen,
    f('perLinkedHouseholdCapFen'),
    errors,
    DEFAULT_PER_LINKED_HOUSEHOLD_CAP_FEN,
  );
  if (errors.length || !type) return { ok: false, errors };
  return {
    ok: true,
    policy: { type, programmeId, ratePercent, capPercent, principalCapFen, perLinkedHouseholdCapFen },
  };
}

/** The stored JSON form: fen as digit strings (JSON numbers are doubles), every default written out. */
export function policyJson(p: SubsidyPolicy): Record<string, string> {
  return {
    type: p.type,
    programmeId: p.programmeId,
    ...(p.ratePercent !== null ? { ratePercent: p.ratePercent } : {}),
    ...(p.capPercent !== null ? { capPercent: p.capPercent } : {}),
    principalCapFen: p.principalCapFen.toString(),
    perLinkedHouseholdCapFen: p.perLinkedHouseholdCapFen.toString(),
  };
}

/** What a loan's subsidy needs besides its instalments: the facts of its contract. */
export interface LoanContractFacts {
  borrowerType: 'HOUSEHOLD' | 'ENTITY';
  /** The contract rate, percent per year. */
  annualRatePercent: string;
  /** The benchmark in force on the contract date for the loan's term (FULL_BENCHMARK), else may be null. */
  benchmarkRatePercent: string | null;
  /** Linked poor households of an entity borrower (frozen when the loan first enters a claim). */
  linkedPoorCount: number | null;
}

/** The rate and the principal cap a policy gives one loan; exact. */
export interface LoanSubsidyTerms {
  ratePercent: string;
  basisCapFen: Fen;
}

export function loanSubsidyTerms(p: SubsidyPolicy, loan: LoanContractFacts): LoanSubsidyTerms {
  let ratePercent: string;
  switch (p.type) {
    case 'FULL_BENCHMARK':
      if (loan.benchmarkRatePercent === null)
        throw new RangeError('FULL_BENCHMARK needs the benchmark rate of the contract date');
      ratePercent = loan.benchmarkRatePercent;
      break;
    case 'FIXED_RATE':
      ratePercent = p.ratePercent!;
      break;
    case 'CAPPED':
      ratePercent =
        compareDecimal(loan.annualRatePercent, p.capPercent!) <= 0 ? loan.annualRatePercent : p.capPercent!;
      break;
  }
  const basisCapFen =
    loan.borrowerType === 'ENTITY'
      ? p.perLinkedHouseholdCapFen * BigInt(loan.linkedPoorCount ?? 0)
      : p.principalCapFen;
  return { ratePercent, basisCapFen };
}
