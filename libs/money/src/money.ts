import {
  add as dAdd,
  allocate as dAllocate,
  CNY,
  dinero,
  subtract as dSubtract,
  toSnapshot,
  type Dinero,
} from 'dinero.js/bigint';
import { roundDiv, type RoundingMode } from './decimal.js';

/** Money in the smallest unit (fen for CNY). Units last in names: `amountFen`. */
export type Fen = bigint;

/** Largest amount accepted from the API: 10^13 yuan. */
export const MAX_YUAN_FEN: Fen = 10n ** 13n * 100n;

export type MoneyParseError = 'EMPTY' | 'FORMAT' | 'TOO_MANY_DECIMALS' | 'NEGATIVE' | 'TOO_LARGE' | 'ZERO';

const YUAN = /^(-)?(0|[1-9]\d*)(?:\.(\d{1,}))?$/;

export interface ParseOptions {
  allowNegative?: boolean;
  allowZero?: boolean;
}

/**
 * Parses an API decimal string in yuan ("5000.00", "12.5", "3") into fen. Refuses exponents, NaN, spaces, more
 * than two decimals, and magnitudes beyond 10^13 yuan. Returns an error code instead of throwing so DTO
 * validators and services can name the field.
 */
export function parseYuan(
  text: unknown,
  opts: ParseOptions = {},
): { ok: true; fen: Fen } | { ok: false; error: MoneyParseError } {
  if (typeof text !== 'string' || text.length === 0) return { ok: false, error: 'EMPTY' };
  const m = YUAN.exec(text);
  if (!m) return { ok: false, error: 'FORMAT' };
  const frac = m[3] ?? '';
  if (frac.length > 2) return { ok: false, error: 'TOO_MANY_DECIMALS' };
  let fen = BigInt(m[2]) * 100n + BigInt(frac.padEnd(2, '0') || '0');
  if (m[1]) fen = -fen;
  if (fen < 0n && !opts.allowNegative) return { ok: false, error: 'NEGATIVE' };
  if (fen === 0n && opts.allowZero === false) return { ok: false, error: 'ZERO' };
  if ((fen < 0n ? -fen : fen) > MAX_YUAN_FEN) return { ok: false, error: 'TOO_LARGE' };
  return { ok: true, fen };
}

/** Parses or throws a RangeError (for trusted inputs such as seed data and tests). */
export function yuan(text: string): Fen {
  const r = parseYuan(text, { allowNegative: true });
  if (!r.ok) throw new RangeError(`invalid yuan amount ${text}: ${r.error}`);
  return r.fen;
}

/** Formats fen as the API's decimal string in yuan with exactly two decimals: 500000n -> "5000.00". */
export function formatYuan(fen: Fen): string {
  const neg = fen < 0n;
  const abs = neg ? -fen : fen;
  const int = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${int}.${frac}`;
}

/** Rounds an amount of fen to a multiple (in fen) in the given mode. */
export function roundToMultiple(fen: Fen, multipleFen: Fen, mode: RoundingMode): Fen {
  if (multipleFen <= 0n) throw new RangeError('multiple must be positive');
  return roundDiv(fen, multipleFen, mode) * multipleFen;
}

/** fen × num / den, rounded once in the given mode. */
export function mulDiv(fen: Fen, num: bigint, den: bigint, mode: RoundingMode): Fen {
  return roundDiv(fen * num, den, mode);
}

const toDinero = (fen: Fen): Dinero<bigint> => dinero({ amount: fen, currency: CNY });
const fromDinero = (d: Dinero<bigint>): Fen => {
  const snap = toSnapshot(d);
  // CNY has exponent 2; every amount built here is at scale 2.
  return snap.scale === 2n ? snap.amount : (snap.amount * 100n) / 10n ** snap.scale;
};

/**
 * Splits an amount by ratios with dinero.js's allocate, so the parts always sum exactly to the whole. Leftover fen
 * go one each to the parts with the largest ratios first (ties in order), deterministically. Ratios are
 * non-negative integers (e.g. percent or fen weights).
 */
export function allocate(fen: Fen, ratios: readonly bigint[]): Fen[] {
  if (ratios.length === 0) throw new RangeError('allocate needs at least one ratio');
  if (ratios.some((r) => r < 0n)) throw new RangeError('ratios must be non-negative');
  if (ratios.every((r) => r === 0n)) {
    if (fen !== 0n) throw new RangeError('cannot allocate a non-zero amount over zero ratios');
    return ratios.map(() => 0n);
  }
  return dAllocate(toDinero(fen), [...ratios]).map(fromDinero);
}

export function sumFen(values: readonly Fen[]): Fen {
  return fromDinero(values.reduce((acc, v) => dAdd(acc, toDinero(v)), toDinero(0n)));
}

export function subtractFen(a: Fen, b: Fen): Fen {
  return fromDinero(dSubtract(toDinero(a), toDinero(b)));
}

export const minFen = (a: Fen, b: Fen): Fen => (a < b ? a : b);
export const maxFen = (a: Fen, b: Fen): Fen => (a > b ? a : b);
