import fc from 'fast-check';
import { yuan } from '#libs/money';
import { computeLiquidation, type LiquidationInput } from './liquidation.js';
import { allocateSettlement } from './settlement.js';
import { assessNetAssets, percentOf, trimPercent } from './thresholds.js';

const input = (proceeds: string): LiquidationInput => ({
  proceedsFen: yuan(proceeds),
  specialFundFen: yuan('1000000'),
  collectiveFen: yuan('300000'),
  households: Array.from({ length: 7 }, (_, i) => ({ rightId: `r${i}`, householdId: String(i + 1), amountFen: yuan('100000'), memberCount: 2 })),
  otherClasses: [
    { kind: 'COLLECTIVE_ASSETS', capitalFen: yuan('600000') },
    { kind: 'PRIVATE_CAPITAL', capitalFen: yuan('200000') },
  ],
});

const amount = (r: ReturnType<typeof computeLiquidation>, kind: string) =>
  r.lines.filter((l) => l.classKind === kind).reduce((a, l) => a + l.amountFen, 0n);

describe('computeLiquidation', () => {
  it('below the special fund: the special fund takes everything', () => {
    const r = computeLiquidation(input('800000.01'));
    expect(r.specialRepaidFen).toBe(yuan('800000.01'));
    expect(r.othersFen).toBe(0n);
    expect(amount(r, 'SPECIAL_COLLECTIVE')).toBe(yuan('240000.01'));
    expect(amount(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('560000'));
    expect(amount(r, 'COLLECTIVE_ASSETS')).toBe(0n);
  });

  it('equal to the special fund: repaid exactly, nothing for the others', () => {
    const r = computeLiquidation(input('1000000'));
    expect(amount(r, 'SPECIAL_COLLECTIVE')).toBe(yuan('300000'));
    expect(amount(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('700000'));
    expect(r.othersFen).toBe(0n);
  });

  it('above the special fund: the rest pro rata to the other classes', () => {
    const r = computeLiquidation(input('1400000.03'));
    expect(r.specialRepaidFen).toBe(yuan('1000000'));
    expect(amount(r, 'COLLECTIVE_ASSETS')).toBe(yuan('300000.03'));
    expect(amount(r, 'PRIVATE_CAPITAL')).toBe(yuan('100000'));
  });

  it('without other classes the special-fund holders take the surplus too', () => {
    const r = computeLiquidation({ ...input('1200000'), otherClasses: [] });
    expect(r.specialRepaidFen).toBe(yuan('1200000'));
    expect(amount(r, 'SPECIAL_COLLECTIVE')).toBe(yuan('360000'));
  });

  it('refuses a register that does not add up to the special fund', () => {
    expect(() => computeLiquidation({ ...input('1'), collectiveFen: 1n })).toThrow(/does not add up/);
  });

  it('sums exactly to the proceeds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1_000_000_000_000n }), (p) => {
        const r = computeLiquidation({ ...input('0'), proceedsFen: p });
        expect(r.lines.reduce((a, l) => a + l.amountFen, 0n)).toBe(p);
        expect(r.specialRepaidFen + r.othersFen).toBe(p);
        expect(r.specialRepaidFen).toBe(p < yuan('1000000') ? p : yuan('1000000'));
      }),
    );
  });
});

describe('allocateSettlement', () => {
  it('settles the oldest year first and never beyond what each holder is owed', () => {
    const paid = allocateSettlement(1_000n, [
      { runId: 'b', year: 2025, lines: [{ lineId: 'b1', outstandingFen: 5_000n }] },
      { runId: 'a', year: 2024, lines: [{ lineId: 'a1', outstandingFen: 300n }, { lineId: 'a2', outstandingFen: 400n }] },
    ]);
    expect(Object.fromEntries(paid)).toEqual({ a1: 300n, a2: 400n, b1: 300n });
    expect(() => allocateSettlement(10n, [{ runId: 'a', year: 2024, lines: [{ lineId: 'x', outstandingFen: 9n }] }])).toThrow(/exceeds/);
  });
});

describe('thresholds', () => {
  it('flags at or below the threshold and warns within the margin', () => {
    const t = yuan('1500000');
    const m = yuan('300000');
    expect(assessNetAssets(yuan('1500000'), t, m)).toBe('LIQUIDATION_REQUIRED');
    expect(assessNetAssets(yuan('1500000.01'), t, m)).toBe('NEAR_THRESHOLD');
    expect(assessNetAssets(yuan('1800000'), t, m)).toBe('NEAR_THRESHOLD');
    expect(assessNetAssets(yuan('1800000.01'), t, m)).toBe('OK');
    expect(assessNetAssets(-1n, t, m)).toBe('LIQUIDATION_REQUIRED');
  });
  it('formats shares and percents exactly', () => {
    expect(percentOf(510_949n, 100_000_000n)).toBe('0.5109');
    expect(percentOf(1n, 0n)).toBe('0.0000');
    expect(trimPercent('30.000000')).toBe('30');
    expect(trimPercent('8.500000')).toBe('8.5');
  });
});
