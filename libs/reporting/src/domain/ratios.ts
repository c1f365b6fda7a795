import { formatDecimal, pow10, roundDiv } from '#libs/money';

/** An exact non-negative fraction num/den (den > 0); figures stay rationals until they are printed. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

export const fraction = (num: bigint, den: bigint): Fraction | null => (den > 0n ? { num, den } : null);

/**
 * num/den as a decimal string with `scale` decimals, rounded half up (the usual rule for published ratios);
 * null when the denominator is zero (a ratio of nothing is not 0).
 */
export function ratioText(f: Fraction | null, scale = 4): string | null {
  if (!f) return null;
  return formatDecimal({ units: roundDiv(f.num * pow10(scale), f.den, 'HALF_UP'), scale });
}

/** num/den in percent with `scale` decimals, rounded half up ("3.2500" for 0.0325). */
export function percentText(f: Fraction | null, scale = 4): string | null {
  return f ? ratioText({ num: f.num * 100n, den: f.den }, scale) : null;
}

/** Compares two fractions exactly (null counts as lowest). */
export function compareFraction(a: Fraction | null, b: Fraction | null): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  const x = a.num * b.den;
  const y = b.num * a.den;
  return x < y ? -1 : x > y ? 1 : 0;
}
