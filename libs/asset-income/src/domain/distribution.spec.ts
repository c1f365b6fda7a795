import fc from 'fast-check';
import { percentToRatio, yuan } from '#libs/money';
import { computeDistribution, type DistributionInput } from './distribution.js';
import type { FloorRecipients } from './model.js';

const households = (n: number, amountFen: bigint) =>
  Array.from({ length: n }, (_, i) => ({ rightId: `r${i + 1}`, householdId: String(i + 1), amountFen, memberCount: 3 }));

// 1,000,000 special fund (300,000 collective, 10 × 70,000 households) beside 500,000 collective assets and 500,000
// private capital: the special classes own half the capital.
const base = (netProfit: string, topUp = '0', floorRecipients: FloorRecipients = 'POOR_HOUSEHOLDS'): DistributionInput => ({
  netProfitFen: yuan(netProfit),
  payoutPercent: '100',
  floorRatePercent: '10',
  floorRecipients,
  collectiveFen: yuan('300000'),
  households: households(10, yuan('70000')),
  otherClasses: [
    { kind: 'COLLECTIVE_ASSETS', capitalFen: yuan('500000') },
    { kind: 'PRIVATE_CAPITAL', capitalFen: yuan('500000') },
  ],
  topUpAvailableFen: yuan(topUp),
});

const byKind = (r: ReturnType<typeof computeDistribution>, kind: string) =>
  r.lines.filter((l) => l.classKind === kind).reduce((s, l) => s + l.entitledFen, 0n);

describe('computeDistribution', () => {
  it('shares a profit above the floor pro rata by capital', () => {
    const r = computeDistribution(base('400000'));
    expect(r.distributableFen).toBe(yuan('400000'));
    expect(byKind(r, 'SPECIAL_COLLECTIVE')).toBe(yuan('60000'));
    expect(byKind(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('140000'));
    expect(byKind(r, 'COLLECTIVE_ASSETS')).toBe(yuan('100000'));
    expect(byKind(r, 'PRIVATE_CAPITAL')).toBe(yuan('100000'));
    expect(r.floorShortfallFen).toBe(0n);
    expect(r.operatorOwesFen).toBe(0n);
    expect(r.paidNowFen).toBe(yuan('400000'));
    expect(r.householdsBenefited).toBe(10);
    expect(r.peopleBenefited).toBe(30);
  });

  it('tops a thin profit up to the floor out of the other classes’ share (ALL_SHARES: the collective’s too)', () => {
    const r = computeDistribution(base('100000', '0', 'ALL_SHARES'));
    expect(byKind(r, 'SPECIAL_COLLECTIVE')).toBe(yuan('30000'));
    expect(byKind(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('70000'));
    expect(byKind(r, 'COLLECTIVE_ASSETS')).toBe(0n);
    expect(byKind(r, 'PRIVATE_CAPITAL')).toBe(0n);
    expect(r.floorShortfallFen).toBe(yuan('50000'));
    expect(r.borneByOthersFen).toBe(yuan('50000'));
    expect(r.operatorOwesFen).toBe(0n);
    expect(r.entitledFen).toBe(yuan('100000'));
  });

  it('leaves the other classes what the floor did not need', () => {
    const r = computeDistribution(base('160000', '0', 'ALL_SHARES'));
    // special pro rata 80,000 < floor 100,000: 20,000 comes out of the others' 80,000
    expect(byKind(r, 'SPECIAL_COLLECTIVE') + byKind(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('100000'));
    expect(byKind(r, 'COLLECTIVE_ASSETS')).toBe(yuan('30000'));
    expect(byKind(r, 'PRIVATE_CAPITAL')).toBe(yuan('30000'));
  });

  it('pays the floor in a loss year: the operator tops up what it can and owes the rest (ALL_SHARES)', () => {
    const r = computeDistribution(base('-50000', '40000', 'ALL_SHARES'));
    expect(r.distributableFen).toBe(0n);
    expect(r.floorShortfallFen).toBe(yuan('100000'));
    expect(r.borneByOthersFen).toBe(0n);
    expect(r.operatorTopUpFen).toBe(yuan('40000'));
    expect(r.operatorOwesFen).toBe(yuan('60000'));
    expect(byKind(r, 'SPECIAL_COLLECTIVE')).toBe(yuan('30000'));
    expect(byKind(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('70000'));
    const paid = (kind: string) => r.lines.filter((l) => l.classKind === kind).reduce((s, l) => s + l.paidFen, 0n);
    expect(paid('SPECIAL_COLLECTIVE')).toBe(yuan('12000'));
    expect(paid('SPECIAL_HOUSEHOLDS')).toBe(yuan('28000'));
    expect(byKind(r, 'COLLECTIVE_ASSETS')).toBe(0n);
    for (const l of r.lines.filter((x) => x.holderType === 'HOUSEHOLD')) {
      expect(l.entitledFen).toBe(yuan('7000'));
      expect(l.paidFen).toBe(yuan('2800'));
    }
  });

  const lineOf = (r: ReturnType<typeof computeDistribution>, kind: string) => r.lines.find((l) => l.classKind === kind)!;

  it('tops up only the poor households’ shares by default, as the case says: the collective gets its pro-rata share', () => {
    const r = computeDistribution(base('100000'));
    // pro rata: collective 15,000, households 35,000 (3,500 each), the other classes 25,000 each
    expect(lineOf(r, 'SPECIAL_COLLECTIVE')).toMatchObject({ proRataFen: yuan('15000'), floorFen: 0n, entitledFen: yuan('15000'), paidFen: yuan('15000') });
    for (const l of r.lines.filter((x) => x.holderType === 'HOUSEHOLD')) {
      expect(l).toMatchObject({ proRataFen: yuan('3500'), floorFen: yuan('7000'), entitledFen: yuan('7000'), paidFen: yuan('7000') });
    }
    expect(r.floorShortfallFen).toBe(yuan('35000'));
    expect(r.borneByOthersFen).toBe(yuan('35000'));
    expect(byKind(r, 'COLLECTIVE_ASSETS')).toBe(yuan('7500'));
    expect(byKind(r, 'PRIVATE_CAPITAL')).toBe(yuan('7500'));
    expect(r.entitledFen).toBe(yuan('100000'));
    expect(r.paidNowFen).toBe(yuan('100000'));
    // the same year with ALL_SHARES: the collective is topped up to 30,000 and the other classes get nothing
    const all = computeDistribution(base('100000', '0', 'ALL_SHARES'));
    expect(lineOf(all, 'SPECIAL_COLLECTIVE')).toMatchObject({ floorFen: yuan('30000'), entitledFen: yuan('30000') });
    expect(byKind(all, 'COLLECTIVE_ASSETS') + byKind(all, 'PRIVATE_CAPITAL')).toBe(0n);
  });

  it('in a loss year by default the collective gets nothing and the operator’s debt is the households’ floor only', () => {
    const r = computeDistribution(base('-50000', '40000'));
    expect(lineOf(r, 'SPECIAL_COLLECTIVE')).toMatchObject({ floorFen: 0n, entitledFen: 0n, paidFen: 0n });
    expect(r.floorShortfallFen).toBe(yuan('70000'));
    expect(r.operatorTopUpFen).toBe(yuan('40000'));
    expect(r.operatorOwesFen).toBe(yuan('30000'));
    for (const l of r.lines.filter((x) => x.holderType === 'HOUSEHOLD')) {
      expect(l).toMatchObject({ entitledFen: yuan('7000'), paidFen: yuan('4000') });
    }
  });

  it('a collective without the floor is paid its profit share in full even when the operator owes the households', () => {
    // profit 20,000: collective pro rata 3,000; households 7,000 against a 70,000 floor; others 10,000 bear part
    const r = computeDistribution(base('20000'));
    expect(lineOf(r, 'SPECIAL_COLLECTIVE')).toMatchObject({ entitledFen: yuan('3000'), paidFen: yuan('3000') });
    expect(r.borneByOthersFen).toBe(yuan('10000'));
    expect(r.operatorOwesFen).toBe(yuan('53000'));
    expect(byKind(r, 'SPECIAL_HOUSEHOLDS')).toBe(yuan('70000'));
    const paidHouseholds = r.lines.filter((l) => l.holderType === 'HOUSEHOLD').reduce((a, l) => a + l.paidFen, 0n);
    expect(paidHouseholds).toBe(yuan('17000'));
    expect(r.paidNowFen).toBe(yuan('20000'));
  });

  it('rounds each floor up to the fen: the floor is a minimum', () => {
    const r = computeDistribution({
      ...base('0'),
      collectiveFen: 0n,
      households: [
        { rightId: 'a', householdId: '1', amountFen: 555n, memberCount: 1 },
        { rightId: 'b', householdId: '2', amountFen: 555n, memberCount: 1 },
      ],
      otherClasses: [],
    });
    expect(r.lines.map((l) => l.floorFen)).toEqual([56n, 56n]);
    expect(r.operatorOwesFen).toBe(112n);
  });

  it('applies the payout percent, rounding down', () => {
    const r = computeDistribution({ ...base('0.03'), payoutPercent: '50' });
    expect(r.distributableFen).toBe(1n);
  });

  const scenario = fc.record({
    netProfitFen: fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n }),
    payoutPercent: fc.constantFrom('100', '80', '33.333333', '50'),
    floorRatePercent: fc.constantFrom('10', '0', '8.5', '12.345678'),
    floorRecipients: fc.constantFrom<FloorRecipients>('POOR_HOUSEHOLDS', 'ALL_SHARES'),
    collectiveFen: fc.bigInt({ min: 0n, max: 100_000_000n }),
    households: fc.array(fc.record({ amountFen: fc.bigInt({ min: 0n, max: 10_000_000n }), memberCount: fc.integer({ min: 1, max: 9 }) }), {
      minLength: 1,
      maxLength: 40,
    }),
    others: fc.subarray(['COLLECTIVE_ASSETS', 'FARMER_ASSETS', 'PRIVATE_CAPITAL'] as const),
    otherCapital: fc.array(fc.bigInt({ min: 1n, max: 500_000_000n }), { minLength: 3, maxLength: 3 }),
    topUpAvailableFen: fc.bigInt({ min: 0n, max: 50_000_000n }),
  });

  it('holds its invariants for any profit, capital and register', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const input: DistributionInput = {
          netProfitFen: s.netProfitFen,
          payoutPercent: s.payoutPercent,
          floorRatePercent: s.floorRatePercent,
          floorRecipients: s.floorRecipients,
          collectiveFen: s.collectiveFen,
          households: s.households.map((h, i) => ({ rightId: `r${i}`, householdId: String(i + 1), ...h })),
          otherClasses: s.others.map((kind, i) => ({ kind, capitalFen: s.otherCapital[i] })),
          topUpAvailableFen: s.topUpAvailableFen,
        };
        const special = s.collectiveFen + s.households.reduce((a, h) => a + h.amountFen, 0n);
        fc.pre(special > 0n);
        const r = computeDistribution(input);
        const sum = (f: (l: (typeof r.lines)[number]) => bigint, pred: (l: (typeof r.lines)[number]) => boolean = () => true) =>
          r.lines.filter(pred).reduce((a, l) => a + f(l), 0n);
        const isSpecial = (l: (typeof r.lines)[number]) => l.holderType !== 'CLASS';
        expect(sum((l) => l.proRataFen)).toBe(r.distributableFen);
        expect(r.distributableFen).toBeLessThanOrEqual(s.netProfitFen > 0n ? s.netProfitFen : 0n);
        expect(sum((l) => l.entitledFen)).toBe(r.entitledFen);
        expect(sum((l) => l.paidFen)).toBe(r.paidNowFen);
        // what was earned plus what the floor needed beyond the others' profit; paid now: earned plus the top-up
        expect(r.entitledFen).toBe(r.distributableFen + r.floorShortfallFen - r.borneByOthersFen);
        expect(r.paidNowFen).toBe(r.distributableFen + r.operatorTopUpFen);
        expect(r.entitledFen - r.paidNowFen).toBe(r.operatorOwesFen);
        expect(r.operatorTopUpFen).toBeLessThanOrEqual(s.topUpAvailableFen);
        for (const l of r.lines) {
          expect(l.paidFen).toBeGreaterThanOrEqual(0n);
          expect(l.paidFen).toBeLessThanOrEqual(l.entitledFen);
          if (isSpecial(l) && l.holderType === 'COLLECTIVE' && s.floorRecipients === 'POOR_HOUSEHOLDS') {
            // no floor for the collective: its pro-rata share, paid in full
            expect(l.floorFen).toBe(0n);
            expect(l.entitledFen).toBe(l.proRataFen);
            expect(l.paidFen).toBe(l.entitledFen);
          } else if (isSpecial(l)) {
            // never below the floor nor the pro-rata share: the special classes bear no loss
            expect(l.entitledFen).toBeGreaterThanOrEqual(l.floorFen);
            expect(l.entitledFen).toBeGreaterThanOrEqual(l.proRataFen);
            // the floor is the smallest whole fen at or above rate × quantified amount
            const rate = percentToRatio(s.floorRatePercent);
            expect(l.floorFen * rate.den).toBeGreaterThanOrEqual(l.basisFen * rate.num);
            expect((l.floorFen - 1n) * rate.den).toBeLessThan(l.basisFen * rate.num);
          } else {
            expect(l.floorFen).toBe(0n);
            expect(l.entitledFen).toBeGreaterThanOrEqual(0n);
            if (s.netProfitFen <= 0n) expect(l.entitledFen).toBe(0n);
          }
        }
        expect(sum((l) => l.entitledFen, (l) => !isSpecial(l))).toBe(sum((l) => l.proRataFen, (l) => !isSpecial(l)) - r.borneByOthersFen);
        // only the special holders can be owed, and only when the other classes were left with nothing
        if (r.operatorOwesFen > 0n) expect(sum((l) => l.entitledFen, (l) => !isSpecial(l))).toBe(0n);
        expect(sum((l) => l.entitledFen - l.paidFen, isSpecial)).toBe(r.operatorOwesFen);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic whatever order the register comes in', () => {
    const input = { ...base('123456.78'), households: households(37, 1_891_892n) };
    const a = computeDistribution(input);
    const b = computeDistribution({ ...input, households: [...input.households].reverse() });
    expect(b).toEqual(a);
  });
});
