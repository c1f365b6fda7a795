import fc from 'fast-check';
import { yuan } from '#libs/money';
import { quantify } from './quantification.js';

const poor = (n: number, members: (i: number) => number = () => 3) =>
  Array.from({ length: n }, (_, i) => ({ householdId: String(1000 + i), memberCount: members(i) }));

describe('quantify', () => {
  it('splits 1,000,000 into 30 % collective and 70 % households', () => {
    const q = quantify(yuan('1000000'), '30', 'EQUAL', poor(10));
    expect(q.collectiveFen).toBe(yuan('300000'));
    expect(q.householdsFen).toBe(yuan('700000'));
    expect(q.households.every((h) => h.amountFen === yuan('70000'))).toBe(true);
  });

  it('splits among 137 households exactly, the leftover fen to the lowest ids, whatever the input order', () => {
    const households = poor(137);
    const q = quantify(yuan('1000000'), '30', 'EQUAL', households);
    const amounts = q.households.map((h) => h.amountFen);
    expect(amounts.reduce((a, b) => a + b, 0n)).toBe(yuan('700000'));
    // 70,000,000 fen / 137 = 510,948 rem 124: the first 124 households by id get 510,949
    expect(amounts.slice(0, 124).every((a) => a === 510_949n)).toBe(true);
    expect(amounts.slice(124).every((a) => a === 510_948n)).toBe(true);
    expect(q.households.map((h) => h.householdId)).toEqual(households.map((h) => h.householdId));
    // a fixed permutation (7919 is prime to 137): the register's order must not change anyone's amount
    const shuffled = households.map((_, i) => households[(i * 7919) % 137]);
    expect(new Set(shuffled).size).toBe(137);
    expect(quantify(yuan('1000000'), '30', 'EQUAL', shuffled)).toEqual(q);
  });

  it('weights by household size', () => {
    const q = quantify(yuan('1000000'), '30', 'MEMBER_COUNT', poor(3, (i) => [1, 2, 4][i]));
    expect(q.households.map((h) => h.amountFen)).toEqual([yuan('100000'), yuan('200000'), yuan('400000')]);
    expect(q.households.map((h) => h.weight)).toEqual([1, 2, 4]);
  });

  it('refuses a households part with nobody to hold it', () => {
    expect(() => quantify(yuan('1000000'), '30', 'EQUAL', [])).toThrow(/no poor households/);
    expect(quantify(yuan('1000000'), '100', 'EQUAL', []).collectiveFen).toBe(yuan('1000000'));
  });

  it('always sums to the special fund', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000_000n }),
        fc.constantFrom('30', '0', '33.333333', '99.5'),
        fc.constantFrom('EQUAL' as const, 'MEMBER_COUNT' as const),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 200 }),
        (fund, pct, weighting, members) => {
          const q = quantify(fund, pct, weighting, poor(members.length, (i) => members[i]));
          expect(q.collectiveFen + q.households.reduce((a, h) => a + h.amountFen, 0n)).toBe(fund);
          expect(q.households.reduce((a, h) => a + h.amountFen, 0n)).toBe(q.householdsFen);
          expect(q.households.every((h) => h.amountFen >= 0n)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
