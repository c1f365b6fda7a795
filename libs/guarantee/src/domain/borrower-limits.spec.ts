import fc from 'fast-check';
import { yuan } from '#libs/money';
import { borrowerLimitProblem, contractRateProblem, sameDecimal } from './covered-loans.js';

const household = (activeYuan: string, amountYuan: string) =>
  borrowerLimitProblem({
    borrowerType: 'HOUSEHOLD',
    amountFen: yuan(amountYuan),
    activeFen: yuan(activeYuan),
    maxPrincipalFen: yuan('50000.00'),
    maxPerLinkedHouseholdFen: null,
    linkedPoorCount: null,
  });

const entity = (activeYuan: string, amountYuan: string, linked: number) =>
  borrowerLimitProblem({
    borrowerType: 'ENTITY',
    amountFen: yuan(amountYuan),
    activeFen: yuan(activeYuan),
    maxPrincipalFen: yuan('3000000.00'),
    maxPerLinkedHouseholdFen: yuan('50000.00'),
    linkedPoorCount: linked,
  });

describe('borrowerLimitProblem: the line counts what the borrower already owes', () => {
  it('a household owing 50,000 gets nothing more; owing 49,000 gets exactly 1,000', () => {
    expect(household('50000.00', '1000.00')).toMatchObject({
      field: 'amount',
      code: 'BORROWER_LIMIT_EXCEEDED',
    });
    expect(household('49000.00', '1000.00')).toBeNull();
    expect(household('49000.00', '1000.01')?.message).toContain('at most 1000.00 more');
  });

  it('an entity: linked poor households × 50,000, capped at 3,000,000', () => {
    expect(entity('100000.00', '1000.00', 2)?.message).toContain('2 linked poor household(s) × 50000.00');
    expect(entity('99000.00', '1000.00', 2)).toBeNull();
    // 70 households would allow 3,500,000, but the cap is 3,000,000
    expect(entity('2999000.00', '1000.00', 70)).toBeNull();
    expect(entity('2999000.00', '1000.01', 70)?.message).toContain("the product's maximum 3000000.00");
  });

  it('leaves a request over the line on its own to the product rules (reported once)', () => {
    expect(household('0.00', '50000.01')).toBeNull();
    expect(entity('0.00', '100000.01', 2)).toBeNull();
  });

  it('never lets the sum exceed the line (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10_000_000n }),
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        (active, amount) => {
          const p = borrowerLimitProblem({
            borrowerType: 'HOUSEHOLD',
            amountFen: amount,
            activeFen: active,
            maxPrincipalFen: 5_000_000n,
            maxPerLinkedHouseholdFen: null,
            linkedPoorCount: null,
          });
          const accepted = p === null && amount <= 5_000_000n;
          return !accepted || active + amount <= 5_000_000n;
        },
      ),
    );
  });
});

describe('contractRateProblem: the policy rate, exactly', () => {
  const policy = { annualRatePercent: '4.85', benchmarkRatePercent: '4.35', markupPercent: '0.5' };

  it('accepts the same number in any exact notation, and an omitted rate', () => {
    expect(contractRateProblem('4.85', policy, '2026-03-01')).toBeNull();
    expect(contractRateProblem('4.850000', policy, '2026-03-01')).toBeNull();
    expect(contractRateProblem(undefined, policy, '2026-03-01')).toBeNull();
  });

  it('refuses any other rate on annualRatePercent, naming the rate in force and how it is made', () => {
    const p = contractRateProblem('9.00', policy, '2026-03-01');
    expect(p).toMatchObject({ field: 'annualRatePercent', code: 'RATE_NOT_IN_FORCE' });
    expect(p?.message).toContain('2026-03-01 is 4.85 (benchmark 4.35 + markup 0.5)');
    expect(contractRateProblem('4.849999', policy, '2026-03-01')).not.toBeNull();
    expect(contractRateProblem('4.35', policy, '2026-03-01')).not.toBeNull();
  });

  it('compares decimals without floats', () => {
    expect(sameDecimal('0.1', '0.100')).toBe(true);
    expect(sameDecimal('4.35', '4.3500000000000000001')).toBe(false);
    expect(sameDecimal('4.35', 'abc')).toBe(false);
  });
});
