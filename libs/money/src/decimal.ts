/**
 * Exact decimals and rationals on bigint. No binary floating point is used anywhere money or rates are computed.
 */
export type RoundingMode = 'HALF_UP' | 'HALF_EVEN' | 'DOWN' | 'UP';

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** An exact decimal: value = units / 10^scale. */
export interface Decimal {
  units: bigint;
  scale: number;
}

export function parseDecimal(text: string): Decimal | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  const units = BigInt(m[2] + frac) * (m[1] ? -1n : 1n);
  return { units, scale: frac.length };
}

export function formatDecimal(d: Decimal, minScale = 0): string {
  const neg = d.units < 0n;
  let digits = (neg ? -d.units : d.units).toString();
  let scale = d.scale;
  if (scale < minScale) {
    digits += '0'.repeat(minScale - scale);
    scale = minScale;
  }
  digits = digits.padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return (neg ? '-' : '') + int + (scale ? '.' + frac : '');
}

export const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Divides n by d (d > 0) and rounds to an integer in the given mode. */
export function roundDiv(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const neg = n < 0n;
  const a = neg ? -n : n;
  let q = a / d;
  const r = a % d;
  if (r !== 0n) {
    // the remainder against the rest of the divisor: r ≥ d − r is 2r ≥ d, one bigint fewer per call
    switch (mode) {
      case 'DOWN':
        break;
      case 'UP':
        q += 1n;
        break;
      case 'HALF_UP':
        if (r >= d - r) q += 1n;
        break;
      case 'HALF_EVEN': {
        const rest = d - r;
        if (r > rest || (r === rest && q % 2n === 1n)) q += 1n;
        break;
      }
    }
  }
  return neg ? -q : q;
}

/**
 * roundDiv(n, d, 'HALF_UP') for n ≥ 0, given half = d / 2 rounded down (worked out once per divisor by a caller
 * that divides by the same d many times): ⌊(n + ⌊d/2⌋) / d⌋. The remainder r of n / d rounds up exactly when
 * r ≥ d − ⌊d/2⌋ (r ≥ d/2 for even d, r ≥ (d+1)/2 for odd), i.e. when r + ⌊d/2⌋ ≥ d. Two bigint operations instead of
 * roundDiv's four.
 */
export function divHalfUp(n: bigint, d: bigint, half: bigint): bigint {
  return (n + half) / d;
}

/** A non-negative rational number num/den with den > 0, reduced lazily. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function reduce(r: Ratio): Ratio {
  const g = gcd(r.num, r.den);
  return g > 1n ? { num: r.num / g, den: r.den / g } : r;
}

/** An annual rate given in percent ("4.35") as the exact fraction of 1 it stands for (435/10000). */
export function percentToRatio(percent: string): Ratio {
  const d = parseDecimal(percent);
  if (!d) throw new RangeError(`not a decimal: ${percent}`);
  return reduce({ num: d.units, den: pow10(d.scale + 2) });
}

/** Compares two decimal strings exactly: -1, 0, 1. */
export function compareDecimal(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) throw new RangeError('not a decimal');
  const scale = Math.max(x.scale, y.scale);
  const xu = x.units * pow10(scale - x.scale);
  const yu = y.units * pow10(scale - y.scale);
  return xu < yu ? -1 : xu > yu ? 1 : 0;
}
