import type { Fen } from '#libs/money';
import type { DistributionLine } from './distribution.js';

/** The facts of a dividend run that approving or paying it must find unchanged. */
export interface RunFacts {
  resultVersion: number;
  distributableFen: Fen;
  topUpAvailableFen: Fen;
  operatorTopUpFen: Fen;
  operatorOwesFen: Fen;
  entitledFen: Fen;
  householdsBenefited: number;
  peopleBenefited: number;
  lines: readonly DistributionLine[];
}

/**
 * A run's content as a string: the same facts always give the same signature. A run worked out again from
 * today's results and register is stale when its signature differs from the stored run's.
 */
export function runSignature(f: RunFacts): string {
  return JSON.stringify([
    {
      v: f.resultVersion,
      d: f.distributableFen.toString(),
      t: f.topUpAvailableFen.toString(),
      tu: f.operatorTopUpFen.toString(),
      o: f.operatorOwesFen.toString(),
      e: f.entitledFen.toString(),
      h: f.householdsBenefited,
      p: f.peopleBenefited,
    },
    f.lines.map((l) => ({
      t: l.holderType,
      k: l.classKind,
      h: l.householdId,
      r: l.rightId,
      b: l.basisFen.toString(),
      m: l.memberCount,
      pr: l.proRataFen.toString(),
      f: l.floorFen.toString(),
      e: l.entitledFen.toString(),
      pd: l.paidFen.toString(),
    })),
  ]);
}
