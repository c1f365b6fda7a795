import { allocate, parseDecimal, pow10, type Fen } from '#libs/money';
import type { HouseholdWeighting } from './model.js';

/** Percent strings are compared and split at this many decimals (the columns are numeric(9,6)). */
const PERCENT_SCALE = 6;

/** "30" → 30_000_000n (percent × 10^6): integer ratios for `allocate`. */
export function percentUnits(percent: string): bigint {
  const d = parseDecimal(percent);
  if (!d || d.units < 0n || d.scale > PERCENT_SCALE) throw new RangeError(`not a percent with at most 6 decimals: ${percent}`);
  return d.units * pow10(PERCENT_SCALE - d.scale);
}

export const HUNDRED_PERCENT_UNITS = 100n * pow10(PERCENT_SCALE);

export interface PoorHousehold {
  householdId: string;
  memberCount: number;
}

export interface QuantifiedRight {
  householdId: string;
  weight: number;
  amountFen: Fen;
}

export interface Quantification {
  collectiveFen: Fen;
  householdsFen: Fen;
  households: QuantifiedRight[];
}

/** Orders household ids numerically (bigserial ids as strings), the stable order remainders are allocated in. */
export const byHouseholdId = <T extends { householdId: string }>(a: T, b: T): number => {
  const x = BigInt(a.householdId);
  const y = BigInt(b.householdId);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * 折股量化: splits the special fund into the collective's part (default 30 %) and the poor households' part, and
 * the households' part among the households equally or by household size. `allocate` keeps every split exact to
 * the fen (the parts always sum to the whole); the leftover fen go one each to the largest weights first and,
 * among equal weights, in ascending household id, so the same register always gives the same answer.
 */
export function quantify(
  specialFundFen: Fen,
  collectivePercent: string,
  weighting: HouseholdWeighting,
  poor: readonly PoorHousehold[],
): Quantification {
  if (specialFundFen <= 0n) throw new RangeError('the special fund must be positive');
  const collectiveUnits = percentUnits(collectivePercent);
  if (collectiveUnits > HUNDRED_PERCENT_UNITS) throw new RangeError('the collective percent may not exceed 100');
  const householdUnits = HUNDRED_PERCENT_UNITS - collectiveUnits;
  const households = [...poor].sort(byHouseholdId);
  if (householdUnits > 0n && households.length === 0) {
    throw new RangeError('there are no poor households to quantify the households part to');
  }
  const [collectiveFen, householdsFen] = allocate(specialFundFen, [collectiveUnits, householdUnits]);
  const weights = households.map((h) => (weighting === 'MEMBER_COUNT' ? h.memberCount : 1));
  if (weights.some((w) => !Number.isInteger(w) || w < 1)) throw new RangeError('household weights must be positive integers');
  const amounts = households.length ? allocate(householdsFen, weights.map(BigInt)) : [];
  return {
    collectiveFen,
    householdsFen,
    households: households.map((h, i) => ({ householdId: h.householdId, weight: weights[i], amountFen: amounts[i] })),
  };
}
