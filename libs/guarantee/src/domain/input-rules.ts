import { compareDecimal, parseDecimal } from '#libs/money';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date 'YYYY-MM-DD' that exists (no 2026-02-30). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** An exact decimal string within [min, max] with at most `maxDecimals` decimals (multiples, shares, thresholds). */
export function isDecimalBetween(value: unknown, min: string, max: string, maxDecimals: number): boolean {
  if (typeof value !== 'string') return false;
  const d = parseDecimal(value);
  if (!d || d.scale > maxDecimals) return false;
  return compareDecimal(value, min) >= 0 && compareDecimal(value, max) <= 0;
}

/**
 * A query-string flag: 'true'/'false' (and real booleans) become booleans, an absent flag stays absent, anything
 * else is passed on unchanged for the boolean validator to refuse.
 */
export function queryFlag(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return value;
}
