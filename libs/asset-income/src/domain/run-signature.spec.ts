import type { DistributionLine } from './distribution.js';
import { runSignature, type RunFacts } from './run-signature.js';

const line = (over: Partial<DistributionLine> = {}): DistributionLine => ({
  holderType: 'HOUSEHOLD',
  classKind: 'SPECIAL_HOUSEHOLDS',
  householdId: '12',
  rightId: '7',
  basisFen: 7_000_000n,
  memberCount: 3,
  proRataFen: 210_000n,
  floorFen: 700_000n,
  entitledFen: 700_000n,
  paidFen: 700_000n,
  ...over,
});

const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  resultVersion: 1,
  distributableFen: 9_000_000n,
  topUpAvailableFen: 0n,
  operatorTopUpFen: 0n,
  operatorOwesFen: 0n,
  entitledFen: 9_000_000n,
  householdsBenefited: 1,
  peopleBenefited: 3,
  lines: [line()],
  ...over,
});

describe('runSignature', () => {
  it('is the same for the same facts', () => {
    expect(runSignature(facts())).toBe(runSignature(facts({ lines: [line()] })));
  });

  it('changes with the result version, any amount, the counts or any line', () => {
    const base = runSignature(facts());
    expect(runSignature(facts({ resultVersion: 2 }))).not.toBe(base);
    expect(runSignature(facts({ topUpAvailableFen: 1n }))).not.toBe(base);
    expect(runSignature(facts({ operatorOwesFen: 1n }))).not.toBe(base);
    expect(runSignature(facts({ peopleBenefited: 4 }))).not.toBe(base);
    expect(runSignature(facts({ lines: [line({ memberCount: 4 })] }))).not.toBe(base);
    expect(runSignature(facts({ lines: [line({ paidFen: 699_999n })] }))).not.toBe(base);
    expect(runSignature(facts({ lines: [line(), line({ rightId: '8' })] }))).not.toBe(base);
  });

  it('tells a missing household from household "null"', () => {
    const collective = line({
      holderType: 'COLLECTIVE',
      classKind: 'SPECIAL_COLLECTIVE',
      householdId: null,
      rightId: null,
      memberCount: null,
    });
    expect(runSignature(facts({ lines: [collective] }))).not.toBe(
      runSignature(facts({ lines: [{ ...collective, householdId: 'null' }] })),
    );
  });
});
