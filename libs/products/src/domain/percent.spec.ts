import fc from 'fast-check';
import { addPercent, applySurcharge, normalizePercent } from './percent.js';

describe('normalizePercent', () => {
  it.each([
    ['4.350000', '4.35'],
    ['6.000000', '6'],
    ['0.000000', '0'],
    ['0.500', '0.5'],
    ['36', '36'],
    ['10.010', '10.01'],
  ])('%s → %s', (input, expected) => expect(normalizePercent(input)).toBe(expected));

  it('refuses a non-decimal', () => expect(() => normalizePercent('4,35')).toThrow(RangeError));
});

describe('addPercent', () => {
  it.each([
    ['4.35', '0.5', '4.85'],
    ['4.350000', '0.000000', '4.35'],
    ['4.75', '0.25', '5'],
    ['0.1', '0.2', '0.3'],
    ['4.35', '0.000001', '4.350001'],
  ])('%s + %s = %s exactly', (a, b, sum) => expect(addPercent(a, b)).toBe(sum));

  it('equals the sum in millionths of a percent for any two 6-decimal rates', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 36_000_000n }), fc.bigInt({ min: 0n, max: 36_000_000n }), (a, b) => {
        const text = (u: bigint) => `${u / 1_000_000n}.${(u % 1_000_000n).toString().padStart(6, '0')}`;
        const sum = addPercent(text(a), text(b));
        expect(normalizePercent(text(a + b))).toBe(sum);
      }),
    );
  });
});

describe('applySurcharge', () => {
  it.each([
    ['4.35', '50', '6.525'],
    ['4.75', '50', '7.125'],
    ['6', '50', '9'],
    ['4.85', '30', '6.305'],
    ['5', '0', '5'],
    ['4.35', '100', '8.7'],
    ['4.123457', '33.333333', '5.49794265292181'],
  ])('%s %% with a %s %% surcharge = %s', (rate, surcharge, result) => expect(applySurcharge(rate, surcharge)).toBe(result));
});
