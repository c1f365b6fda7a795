import fc from 'fast-check';
import {
  compareDecimal,
  divHalfUp,
  formatDecimal,
  gcd,
  parseDecimal,
  percentToRatio,
  reduce,
  roundDiv,
  type RoundingMode,
} from './decimal.js';

describe('roundDiv', () => {
  // n / 10 for n = -25 … 25 in steps chosen to hit every kind of remainder, including exact halves of both parities.
  const table: [bigint, Record<RoundingMode, bigint>][] = [
    [25n, { HALF_UP: 3n, HALF_EVEN: 2n, DOWN: 2n, UP: 3n }],
    [15n, { HALF_UP: 2n, HALF_EVEN: 2n, DOWN: 1n, UP: 2n }],
    [5n, { HALF_UP: 1n, HALF_EVEN: 0n, DOWN: 0n, UP: 1n }],
    [14n, { HALF_UP: 1n, HALF_EVEN: 1n, DOWN: 1n, UP: 2n }],
    [16n, { HALF_UP: 2n, HALF_EVEN: 2n, DOWN: 1n, UP: 2n }],
    [20n, { HALF_UP: 2n, HALF_EVEN: 2n, DOWN: 2n, UP: 2n }],
    [0n, { HALF_UP: 0n, HALF_EVEN: 0n, DOWN: 0n, UP: 0n }],
    [-5n, { HALF_UP: -1n, HALF_EVEN: 0n, DOWN: 0n, UP: -1n }],
    [-14n, { HALF_UP: -1n, HALF_EVEN: -1n, DOWN: -1n, UP: -2n }],
    [-15n, { HALF_UP: -2n, HALF_EVEN: -2n, DOWN: -1n, UP: -2n }],
    [-16n, { HALF_UP: -2n, HALF_EVEN: -2n, DOWN: -1n, UP: -2n }],
    [-25n, { HALF_UP: -3n, HALF_EVEN: -2n, DOWN: -2n, UP: -3n }],
  ];
  for (const [n, expected] of table) {
    for (const mode of Object.keys(expected) as RoundingMode[]) {
      it(`${n}/10 ${mode} = ${expected[mode]}`, () => expect(roundDiv(n, 10n, mode)).toBe(expected[mode]));
    }
  }

  it('rounds halves away from zero (HALF_UP) or to the even neighbour (HALF_EVEN), symmetric in sign', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d) => {
          for (const mode of ['HALF_UP', 'HALF_EVEN', 'DOWN', 'UP'] as RoundingMode[]) {
            const q = roundDiv(n, d, mode);
            expect(roundDiv(-n, d, mode)).toBe(-q);
            // The result is one of the two integers around n/d.
            const diff = q * d - n;
            expect(diff < 0n ? -diff : diff).toBeLessThan(d);
            if (mode === 'HALF_UP' || mode === 'HALF_EVEN')
              expect(2n * (diff < 0n ? -diff : diff)).toBeLessThanOrEqual(d);
          }
        },
      ),
    );
  });

  it('divHalfUp is roundDiv HALF_UP of a non-negative numerator, for even and odd divisors and exact halves', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (n, d) => {
        expect(divHalfUp(n, d, d / 2n)).toBe(roundDiv(n, d, 'HALF_UP'));
      }),
    );
    for (const [n, d] of [
      [5n, 10n],
      [4n, 10n],
      [15n, 10n],
      [3n, 6n],
      [2n, 6n],
      [7n, 7n],
      [3n, 7n],
      [4n, 7n],
      [0n, 9n],
    ])
      expect(divHalfUp(n, d, d / 2n)).toBe(roundDiv(n, d, 'HALF_UP'));
  });

  it('refuses a non-positive divisor', () => {
    expect(() => roundDiv(1n, 0n, 'HALF_UP')).toThrow(RangeError);
    expect(() => roundDiv(1n, -2n, 'HALF_UP')).toThrow(RangeError);
  });
});

describe('exact decimals and rates', () => {
  it('parses and formats decimals exactly', () => {
    expect(parseDecimal('4.35')).toEqual({ units: 435n, scale: 2 });
    expect(parseDecimal('-0.005')).toEqual({ units: -5n, scale: 3 });
    expect(parseDecimal('12')).toEqual({ units: 12n, scale: 0 });
    for (const bad of ['1e2', '', '.5', '1.', 'abc', ' 1', '1,5']) expect(parseDecimal(bad)).toBeNull();
    expect(formatDecimal({ units: 435n, scale: 2 })).toBe('4.35');
    expect(formatDecimal({ units: 5n, scale: 3 })).toBe('0.005');
    expect(formatDecimal({ units: -5n, scale: 3 })).toBe('-0.005');
    expect(formatDecimal({ units: 6n, scale: 0 }, 2)).toBe('6.00');
  });

  it('turns percent per year into an exact reduced fraction', () => {
    expect(percentToRatio('4.35')).toEqual({ num: 87n, den: 2000n });
    expect(percentToRatio('6')).toEqual({ num: 3n, den: 50n });
    expect(percentToRatio('0')).toEqual({ num: 0n, den: 1n });
    expect(percentToRatio('4.750000')).toEqual({ num: 19n, den: 400n });
    expect(() => percentToRatio('4,35')).toThrow(RangeError);
    expect(gcd(-12n, 18n)).toBe(6n);
    expect(reduce({ num: 10n, den: 4n })).toEqual({ num: 5n, den: 2n });
  });

  it('compares decimals of different scales exactly', () => {
    expect(compareDecimal('4.35', '4.350000')).toBe(0);
    expect(compareDecimal('4.35', '4.3500001')).toBe(-1);
    expect(compareDecimal('36', '35.999999')).toBe(1);
    expect(compareDecimal('-1', '0')).toBe(-1);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.integer({ min: 0, max: 8 }),
        (units, scale) => {
          const text = formatDecimal({ units, scale });
          expect(compareDecimal(text, text + (scale ? '0' : '.0'))).toBe(0);
        },
      ),
    );
  });
});
