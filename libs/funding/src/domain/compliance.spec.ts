import { districtCompliance, matchingRuleErrors, soeCompliance, type DistrictFunding } from './compliance.js';

const d = (city: bigint, match: bigint): DistrictFunding => ({
  districtId: '1',
  districtCode: '370303',
  districtName: '张店区',
  cityAllocationFen: city,
  districtMatchFen: match,
  soe: [{ name: 'A', actualFen: 100n }],
});
const rule = { year: 2026, ratio: '2', soeProfitPercent: '3', isDefault: true };

describe('matching compliance', () => {
  it('requires ratio × city allocation, rounded up, and reports the shortfall', () => {
    expect(districtCompliance(d(1_000_000_00n, 1_500_000_00n), rule)).toMatchObject({
      requiredMatchFen: 2_000_000_00n,
      shortfallFen: 500_000_00n,
      compliant: false,
      actualRatio: '1.5000',
      soeActualFen: 100n,
    });
    expect(districtCompliance(d(1_000_000_00n, 2_000_000_00n), rule)).toMatchObject({
      shortfallFen: 0n,
      compliant: true,
      actualRatio: '2.0000',
    });
    // 1.5 × 0.01 yuan = 0.015 yuan: the district owes 0.02 (never rounded in its favour)
    expect(districtCompliance(d(1n, 0n), { ...rule, ratio: '1.5' }).requiredMatchFen).toBe(2n);
    expect(districtCompliance(d(3n, 2n), { ...rule, ratio: '0.5' }).actualRatio).toBe('0.6666');
  });

  it('is met trivially without a city allocation', () => {
    expect(districtCompliance(d(0n, 0n), rule)).toMatchObject({
      requiredMatchFen: 0n,
      compliant: true,
      actualRatio: null,
    });
  });

  it('shows the SOE 3 % rule as expected vs actual', () => {
    expect(soeCompliance('淄博矿业', 1_000_000_00n, 20_000_00n, '3')).toEqual({
      name: '淄博矿业',
      profitBaseFen: 1_000_000_00n,
      expectedFen: 30_000_00n,
      actualFen: 20_000_00n,
      shortfallFen: 10_000_00n,
      compliant: false,
    });
    expect(soeCompliance('X', 333n, 10n, '3').expectedFen).toBe(10n);
    expect(soeCompliance('X', null, 10n, '3').compliant).toBeNull();
  });

  it('validates a rule, naming each field', () => {
    expect(matchingRuleErrors({ ratio: '2.5', soeProfitPercent: '3' })).toEqual([]);
    expect(matchingRuleErrors({ ratio: '-1', soeProfitPercent: '101' }).map((e) => e.field)).toEqual([
      'ratio',
      'soeProfitPercent',
    ]);
    expect(matchingRuleErrors({ ratio: 2 }).map((e) => e.field)).toEqual(['ratio']);
  });
});
