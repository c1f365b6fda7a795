import fc from 'fast-check';
import {
  allocate,
  formatYuan,
  MAX_YUAN_FEN,
  mulDiv,
  parseYuan,
  roundToMultiple,
  subtractFen,
  sumFen,
  yuan,
} from './money.js';

const fen = (text: string) => {
  const r = parseYuan(text, { allowNegative: true });
  if (!r.ok) throw new Error(r.error);
  return r.fen;
};
/** Every amount the API accepts: |fen| ≤ 10^13 yuan. */
const apiFen = fc.bigInt({ min: -MAX_YUAN_FEN, max: MAX_YUAN_FEN });

describe('parseYuan', () => {
  it.each([
    ['5000.00', 500000n],
    ['5000', 500000n],
    ['12.5', 1250n],
    ['0.01', 1n],
    ['0', 0n],
    ['0.10', 10n],
    ['10000000000000', MAX_YUAN_FEN],
    ['10000000000000.00', MAX_YUAN_FEN],
  ])('parses %s as %s fen', (text, expected) => {
    expect(parseYuan(text)).toEqual({ ok: true, fen: expected });
  });

  it.each([
    ['', 'EMPTY'],
    ['1.234', 'TOO_MANY_DECIMALS'],
    ['0.001', 'TOO_MANY_DECIMALS'],
    ['1e3', 'FORMAT'],
    ['1E3', 'FORMAT'],
    ['NaN', 'FORMAT'],
    ['Infinity', 'FORMAT'],
    [' 12.00', 'FORMAT'],
    ['12.00 ', 'FORMAT'],
    ['+12', 'FORMAT'],
    ['1,000.00', 'FORMAT'],
    ['012.00', 'FORMAT'],
    ['.5', 'FORMAT'],
    ['5.', 'FORMAT'],
    ['0x10', 'FORMAT'],
    ['１２', 'FORMAT'],
    ['-5.00', 'NEGATIVE'],
    ['10000000000000.01', 'TOO_LARGE'],
    ['99999999999999999999', 'TOO_LARGE'],
  ])('refuses %j (%s)', (text, error) => {
    expect(parseYuan(text)).toEqual({ ok: false, error });
  });

  it('refuses anything that is not a string, including JS numbers', () => {
    for (const v of [12, 12.5, null, undefined, {}, [], 10n, true])
      expect(parseYuan(v)).toEqual({ ok: false, error: 'EMPTY' });
  });

  it('allows negatives and refuses zero only when the field says so', () => {
    expect(parseYuan('-0.50', { allowNegative: true })).toEqual({ ok: true, fen: -50n });
    expect(parseYuan('-10000000000000.01', { allowNegative: true })).toEqual({
      ok: false,
      error: 'TOO_LARGE',
    });
    expect(parseYuan('0', { allowZero: false })).toEqual({ ok: false, error: 'ZERO' });
    expect(parseYuan('0.00', { allowZero: false })).toEqual({ ok: false, error: 'ZERO' });
    expect(() => yuan('1.001')).toThrow(RangeError);
    expect(yuan('-3.10')).toBe(-310n);
  });
});

describe('formatYuan', () => {
  it.each([
    [500000n, '5000.00'],
    [1n, '0.01'],
    [10n, '0.10'],
    [0n, '0.00'],
    [-1n, '-0.01'],
    [-123456n, '-1234.56'],
    [MAX_YUAN_FEN, '10000000000000.00'],
  ])('formats %s fen as %s', (value, text) => {
    expect(formatYuan(value)).toBe(text);
  });
});

describe('properties', () => {
  it('parse∘format is the identity on every amount the API accepts', () => {
    fc.assert(
      fc.property(apiFen, (v) => fen(formatYuan(v)) === v),
      { numRuns: 2000 },
    );
  });

  it('format∘parse is the identity on canonical two-decimal strings', () => {
    const canonical = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), fc.integer({ min: 0, max: 99 }))
      .filter(([neg, int, cents]) => !(neg && int === 0n && cents === 0))
      .map(([neg, int, cents]) => `${neg ? '-' : ''}${int}.${String(cents).padStart(2, '0')}`);
    fc.assert(
      fc.property(canonical, (s) => formatYuan(fen(s)) === s),
      { numRuns: 2000 },
    );
  });

  it('a parsed amount never differs from the decimal it was written as (no float drift)', () => {
    // 0.1 + 0.2 style sums: adding parsed cents is exact.
    expect(fen('0.10') + fen('0.20')).toBe(fen('0.30'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 99 }), (int, cents) => {
        return fen(`${int}.${String(cents).padStart(2, '0')}`) === BigInt(int) * 100n + BigInt(cents);
      }),
    );
  });

  it('allocate always sums exactly, keeps parts within one fen of the exact share, and is deterministic', () => {
    const ratios = fc
      .array(fc.bigInt({ min: 0n, max: 1_000_000n }), { minLength: 1, maxLength: 12 })
      .filter((r) => r.some((x) => x > 0n));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_YUAN_FEN }), ratios, (amount, rs) => {
        const parts = allocate(amount, rs);
        const again = allocate(amount, rs);
        const total = rs.reduce((a, b) => a + b, 0n);
        expect(parts).toEqual(again);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(amount);
        for (const [i, p] of parts.entries()) {
          // Each part is its exact share amount·ratio/total rounded down, or that plus the one fen of the remainder
          // dinero.js hands out in ratio order: less than one fen under or over the exact share, or exactly one fen
          // over a share that was whole (the remainder's fen went to it); a zero ratio gets nothing.
          const exactTimesTotal = amount * rs[i];
          const diff = p * total - exactTimesTotal;
          expect(diff).toBeGreaterThan(-total);
          expect(diff).toBeLessThanOrEqual(total);
          if (diff === total) expect(exactTimesTotal % total).toBe(0n);
          if (rs[i] === 0n) expect(p).toBe(0n);
        }
      }),
      // the first share (7/14) is whole and takes the remainder's fen: one fen over its exact share
      { numRuns: 500, examples: [[254_258_237_772_268n, [7n, 5n, 2n]]] },
    );
  });
});

describe('allocate, sums and rounding to a multiple', () => {
  it('splits the usage-fee income 40/20/10/30/0 without losing a fen', () => {
    expect(allocate(100_001n, [40n, 20n, 10n, 30n, 0n])).toEqual([40_001n, 20_000n, 10_000n, 30_000n, 0n]);
    expect(allocate(1n, [1n, 1n, 1n])).toEqual([1n, 0n, 0n]);
    expect(allocate(0n, [0n, 0n])).toEqual([0n, 0n]);
  });

  it('refuses splits it cannot make', () => {
    expect(() => allocate(5n, [])).toThrow(RangeError);
    expect(() => allocate(5n, [1n, -1n])).toThrow(RangeError);
    expect(() => allocate(5n, [0n, 0n])).toThrow(RangeError);
  });

  it('adds and subtracts exactly', () => {
    expect(sumFen([1n, 2n, 3n, -10n])).toBe(-4n);
    expect(sumFen([])).toBe(0n);
    expect(subtractFen(100n, 250n)).toBe(-150n);
  });

  it('rounds to a multiple and computes a × num / den rounded once', () => {
    expect(roundToMultiple(123_456n, 100n, 'HALF_UP')).toBe(123_500n);
    expect(roundToMultiple(123_449n, 100n, 'HALF_UP')).toBe(123_400n);
    expect(roundToMultiple(150n, 100n, 'HALF_EVEN')).toBe(200n);
    expect(roundToMultiple(250n, 100n, 'HALF_EVEN')).toBe(200n);
    expect(() => roundToMultiple(1n, 0n, 'HALF_UP')).toThrow(RangeError);
    // 5000.00 at 4.35 %/year for one month: 500000 × 435 / (10000 × 12) = 1812.5 fen.
    expect(mulDiv(500_000n, 435n, 120_000n, 'HALF_UP')).toBe(1813n);
    expect(mulDiv(500_000n, 435n, 120_000n, 'HALF_EVEN')).toBe(1812n);
  });
});
