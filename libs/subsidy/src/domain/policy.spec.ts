import { parsePolicy, policyJson } from './policy.js';

describe('subsidy policy JSON', () => {
  it('reads each type with its defaults and writes it back with fen as strings', () => {
    const r = parsePolicy({ type: 'FIXED_RATE', programmeId: '4', ratePercent: '2' });
    expect(r).toEqual({
      ok: true,
      policy: {
        type: 'FIXED_RATE',
        programmeId: '4',
        ratePercent: '2',
        capPercent: null,
        principalCapFen: 5_000_000n,
        perLinkedHouseholdCapFen: 5_000_000n,
      },
    });
    if (r.ok) {
      expect(policyJson(r.policy)).toEqual({
        type: 'FIXED_RATE',
        programmeId: '4',
        ratePercent: '2',
        principalCapFen: '5000000',
        perLinkedHouseholdCapFen: '5000000',
      });
      expect(parsePolicy(policyJson(r.policy))).toEqual(r);
    }
    expect(
      parsePolicy({ type: 'CAPPED', programmeId: 1, capPercent: '5', principalCapFen: '3000000' }),
    ).toMatchObject({
      ok: true,
      policy: { capPercent: '5', principalCapFen: 3_000_000n, programmeId: '1' },
    });
  });

  it('names every problem at once', () => {
    const r = parsePolicy({
      type: 'CAPPED',
      programmeId: 'x',
      ratePercent: '2',
      principalCapFen: '-1',
      capPercent: '40',
      extra: 1,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.field).sort()).toEqual(
        [
          'subsidyPolicy.capPercent',
          'subsidyPolicy.extra',
          'subsidyPolicy.principalCapFen',
          'subsidyPolicy.programmeId',
          'subsidyPolicy.ratePercent',
        ].sort(),
      );
    }
    const missing = parsePolicy({ type: 'FIXED_RATE', programmeId: '1' });
    expect(missing.ok === false && missing.errors.map((e) => e.field)).toEqual(['subsidyPolicy.ratePercent']);
    expect(parsePolicy([]).ok).toBe(false);
    expect(parsePolicy({ type: 'NOPE', programmeId: '1' }).ok).toBe(false);
  });
});
