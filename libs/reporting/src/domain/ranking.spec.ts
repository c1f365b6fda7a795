import { addMonths, monthBounds, monthsEnding } from './month.js';
import { rankDistricts, scoreUnits, type RankingInput } from './ranking.js';
import { percentText, ratioText } from './ratios.js';

const f = (num: number, den: number) => ({ num: BigInt(num), den: BigInt(den) });
const row = (code: string, over: Partial<RankingInput> = {}): RankingInput => ({
  districtId: code,
  districtCode: code,
  districtName: code,
  repaymentRate: f(1, 1),
  npl: f(0, 1),
  utilisation: f(9, 10),
  leverageUse: f(1, 1),
  ...over,
});

describe('ranking', () => {
  it('scores the documented composite: full marks 100, each component weighted and clamped', () => {
    expect(scoreUnits(row('A'))).toBe(1_000_000n);
    // repayment 0.5 (17.5) + NPL 2.5 % → 0.75 (22.5) + utilisation 45 % → 0.5 (7.5) + leverage 0.25 (5)
    expect(scoreUnits(row('A', { repaymentRate: f(1, 2), npl: f(25, 1000), utilisation: f(45, 100), leverageUse: f(1, 4) }))).toBe(525_000n);
    // NPL at or beyond 10 % scores 0; over-use of leverage and utilisation are capped at 1; no data scores 0 (NPL none: 1)
    expect(scoreUnits(row('A', { npl: f(3, 10), utilisation: f(2, 1), leverageUse: f(3, 1) }))).toBe(700_000n);
    expect(scoreUnits(row('A', { repaymentRate: null, npl: null, utilisation: null, leverageUse: null }))).toBe(300_000n);
  });

  it('breaks ties by NPL then district code, and reports the month-on-month change', () => {
    const prev = rankDistricts([row('A', { repaymentRate: f(1, 2) }), row('B'), row('C', { npl: f(1, 100) })], null);
    expect(prev.map((r) => [r.districtCode, r.rank, r.score])).toEqual([
      ['B', 1, '100.0000'],
      ['C', 2, '97.0000'],
      ['A', 3, '82.5000'],
    ]);
    // equal scores: lower NPL first, then code
    const now = rankDistricts(
      [row('C'), row('B', { repaymentRate: f(1, 2) }), row('A'), row('D', { npl: f(0, 1), repaymentRate: f(1, 2) })],
      prev,
    );
    expect(now.map((r) => [r.districtCode, r.rank, r.previousRank, r.rankChange, r.scoreChange])).toEqual([
      ['A', 1, 3, 2, '17.5000'],
      ['C', 2, 2, 0, '3.0000'],
      ['B', 3, 1, -2, '-17.5000'],
      ['D', 4, null, null, null],
    ]);
  });
});

describe('months and ratios', () => {
  it('month arithmetic across years and leap February', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2025-12', 1)).toBe('2026-01');
    expect(monthBounds('2024-02')).toEqual({ start: '2024-02-01', end: '2024-02-29' });
    expect(monthBounds('2026-02').end).toBe('2026-02-28');
    expect(monthsEnding('2026-01', 3)).toEqual(['2025-11', '2025-12', '2026-01']);
  });

  it('ratios are exact, rounded half up, null over nothing', () => {
    expect(ratioText(f(2, 3))).toBe('0.6667');
    expect(percentText(f(1, 8))).toBe('12.5000');
    expect(percentText(f(1, 3), 2)).toBe('33.33');
    expect(ratioText(null)).toBeNull();
  });
});
