import { compareDecimal, parseDecimal } from '#libs/money';
import { isBusinessDate } from '#libs/schedules/domain';

/** A calendar date 'YYYY-MM-DD' that exists (no 2026-02-30) in the years the engine computes with (no 0000-01-01). */
export function isCalendarDate(value: unknown): value is string {
  return isBusinessDate(value);
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
