import { allocate, minFen, sumFen, type Fen } from '#libs/money';
import type { ClassKind } from './model.js';
import type { HouseholdHolding, OtherClassCapital } from './distribution.js';
import { byHouseholdId } from './quantification.js';

export interface LiquidationInput {
  proceedsFen: Fen;
  /** The special fund injected: what is repaid first (优先分配). */
  specialFundFen: Fen;
  collectiveFen: Fen;
  households: readonly HouseholdHolding[];
  otherClasses: readonly OtherClassCapital[];
}

export interface LiquidationLine {
  holderType: 'COLLECTIVE' | 'HOUSEHOLD' | 'CLASS';
  classKind: ClassKind;
  householdId: string | null;
  rightId: string | null;
  basisFen: Fen;
  amountFen: Fen;
}

export interface LiquidationResult {
  proceedsFen: Fen;
  specialRepaidFen: Fen;
  othersFen: Fen;
  lines: LiquidationLine[];
}

/**
 * The forced liquidation (强制清算): the special fund is repaid first, up to what was injected; below that the
 * special fund takes all the proceeds. What is left goes to the other classes in proportion to capital (when there
 * are none, the special-fund holders are the only owners and take it too). The special fund's repayment is split
 * among the collective and the households in proportion to their quantified amounts. All splits by `allocate`:
 * exact to the fen, leftover fen to the largest parts first, equal parts in a fixed order (collective,
 * households by id, other classes in order).
 */
export function computeLiquidation(input: LiquidationInput): LiquidationResult {
  if (input.proceedsFen < 0n) throw new RangeError('proceeds may not be negative');
  const households = [...input.households].sort(byHouseholdId);
  const specialBases = [input.collectiveFen, ...households.map((h) => h.amountFen)];
  if (sumFen(specialBases) !== input.specialFundFen) {
    // The register must account for the whole special fund: a gap would pay someone else's money.
    throw new RangeError('the share register does not add up to the special fund');
  }
  const otherCapital = sumFen(input.otherClasses.map((o) => o.capitalFen));
  let specialFen = minFen(input.proceedsFen, input.specialFundFen);
  let othersFen = input.proceedsFen - specialFen;
  if (otherCapital === 0n) {
    specialFen += othersFen;
    othersFen = 0n;
  }
  const specialParts = allocate(specialFen, specialBases);
  const otherParts = otherCapital > 0n ? allocate(othersFen, input.otherClasses.map((o) => o.capitalFen)) : input.otherClasses.map(() => 0n);
  const lines: LiquidationLine[] = [];
  if (input.collectiveFen > 0n) {
    lines.push({ holderType: 'COLLECTIVE', classKind: 'SPECIAL_COLLECTIVE', householdId: null, rightId: null, basisFen: input.collectiveFen, amountFen: specialParts[0] });
  }
  households.forEach((h, i) =>
    lines.push({
      holderType: 'HOUSEHOLD',
      classKind: 'SPECIAL_HOUSEHOLDS',
      householdId: h.householdId,
      rightId: h.rightId,
      basisFen: h.amountFen,
      amountFen: specialParts[i + 1],
    }),
  );
  input.otherClasses.forEach((o, i) =>
    lines.push({ holderType: 'CLASS', classKind: o.kind, householdId: null, rightId: null, basisFen: o.capitalFen, amountFen: otherParts[i] }),
  );
  return { proceedsFen: input.proceedsFen, specialRepaidFen: specialFen, othersFen, lines };
}
