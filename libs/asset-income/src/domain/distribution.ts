import { allocate, maxFen, minFen, mulDiv, percentToRatio, sumFen, type Fen } from '#libs/money';
import type { ClassKind, FloorRecipients, OtherClassKind } from './model.js';
import { byHouseholdId } from './quantification.js';

/** A household's right in the quantified special fund on the record date. */
export interface HouseholdHolding {
  rightId: string;
  householdId: string;
  amountFen: Fen;
  memberCount: number;
}

export interface OtherClassCapital {
  kind: OtherClassKind;
  capitalFen: Fen;
}

export interface DistributionInput {
  /** The year's net profit as reported; negative in a loss year. */
  netProfitFen: Fen;
  /** Share of a positive net profit paid out as dividends ("100"). */
  payoutPercent: string;
  /** Guaranteed floor, percent of the quantified amount per year ("10"). */
  floorRatePercent: string;
  /** Whose shares the floor tops up: the poor households' only (the case) or the collective's as well. */
  floorRecipients: FloorRecipients;
  /** The collective's quantified amount on the record date (all its rights together). */
  collectiveFen: Fen;
  households: readonly HouseholdHolding[];
  otherClasses: readonly OtherClassCapital[];
  /** What the operator can pay from its own funds towards a floor the profit does not cover. */
  topUpAvailableFen: Fen;
}

export interface DistributionLine {
  holderType: 'COLLECTIVE' | 'HOUSEHOLD' | 'CLASS';
  classKind: ClassKind;
  householdId: string | null;
  rightId: string | null;
  /** What the holder's share is measured by: its quantified amount or its class capital. */
  basisFen: Fen;
  memberCount: number | null;
  /** The holder's share of the distributable profit in proportion to capital. */
  proRataFen: Fen;
  /** The guaranteed floor (special-fund holders the floor is paid to; 0 for the others). */
  floorFen: Fen;
  /** What the holder is owed for the year. */
  entitledFen: Fen;
  /** What is paid now; the rest is owed by the operator. */
  paidFen: Fen;
}

export interface DistributionResult {
  distributableFen: Fen;
  /** The special-fund classes' pro-rata share of the distributable profit. */
  specialProRataFen: Fen;
  /** What the floor adds on top of the special-fund classes' pro-rata share. */
  floorShortfallFen: Fen;
  /** The part of that shortfall taken from the other classes' profit share. */
  borneByOthersFen: Fen;
  /** The part the operator pays from its own funds now. */
  operatorTopUpFen: Fen;
  /** The part the operator cannot pay now: a receivable, and still owed to the special-fund holders. */
  operatorOwesFen: Fen;
  entitledFen: Fen;
  paidNowFen: Fen;
  householdsBenefited: number;
  peopleBenefited: number;
  lines: DistributionLine[];
}

/**
 * One year's dividends of a project (SPEC §2.5, "负盈不负亏，保底收益不低于10%"):
 * 1. the distributable profit (payout % of a positive net profit, rounded down: never more than was earned) is
 *    shared by class in proportion to capital, and the special-fund classes' share among their holders in
 *    proportion to each holder's quantified amount;
 * 2. every special-fund holder the floor is paid to (`floorRecipients`: the poor households' shares, and with
 *    ALL_SHARES the collective's too) gets at least its floor: floor rate × quantified amount, rounded up to the
 *    fen, because the floor is a minimum ("不低于") and rounding down would pay less than promised; a special-fund
 *    holder without the floor is entitled to its pro-rata share, never less than zero;
 * 3. what the floor adds is borne by the other classes' profit share first (they bear the losses); the remaining
 *    profit of the other classes is shared among them in proportion to capital;
 * 4. what their share cannot cover is paid by the operator from the funds it has available, and the rest is
 *    recorded as owed by the operator; the payment now of the holders the floor is paid to is their entitlement
 *    less that debt, shared in proportion to entitlement (the debt is theirs: a holder without the floor is paid its
 *    profit share in full). Nobody's entitlement is ever below zero: the special classes never bear a loss.
 * Every split uses `allocate`, so totals are exact to the fen; leftover fen go to the largest parts first and,
 * among equal parts, in a fixed order (collective, households by id, other classes in declaration order).
 */
export function computeDistribution(input: DistributionInput): DistributionResult {
  if (input.topUpAvailableFen < 0n) throw new RangeError('top-up available may not be negative');
  const payout = percentToRatio(input.payoutPercent);
  const floorRate = percentToRatio(input.floorRatePercent);
  const households = [...input.households].sort(byHouseholdId);
  const others = [...input.otherClasses];

  const distributableFen = input.netProfitFen > 0n ? mulDiv(input.netProfitFen, payout.num, payout.den, 'DOWN') : 0n;
  const householdsFen = sumFen(households.map((h) => h.amountFen));
  const capitals = [input.collectiveFen, householdsFen, ...others.map((o) => o.capitalFen)];
  if (capitals.every((c) => c === 0n)) throw new RangeError('a project without capital has nothing to distribute');
  const [collectiveShare, householdsShare, ...otherShares] = allocate(distributableFen, capitals);
  const householdShares = households.length
    ? allocate(householdsShare, households.map((h) => h.amountFen))
    : [];

  const special: DistributionLine[] = [];
  if (input.collectiveFen > 0n) {
    const collectiveFloor = input.floorRecipients === 'ALL_SHARES' ? floorRate : NO_FLOOR;
    special.push(specialLine('COLLECTIVE', 'SPECIAL_COLLECTIVE', null, null, input.collectiveFen, null, collectiveShare, collectiveFloor));
  }
  households.forEach((h, i) =>
    special.push(
      specialLine('HOUSEHOLD', 'SPECIAL_HOUSEHOLDS', h.householdId, h.rightId, h.amountFen, h.memberCount, householdShares[i], floorRate),
    ),
  );
  const specialProRataFen = collectiveShare + householdsShare;
  const floorShortfallFen = sumFen(special.map((l) => l.entitledFen - l.proRataFen));

  const othersProfitFen = sumFen(otherShares);
  const borneByOthersFen = minFen(floorShortfallFen, othersProfitFen);
  const othersRemaining = othersProfitFen - borneByOthersFen;
  const otherCapitals = others.map((o) => o.capitalFen);
  const othersEntitled = others.length && otherCapitals.some((c) => c > 0n) ? allocate(othersRemaining, otherCapitals) : others.map(() => 0n);
  const otherLines: DistributionLine[] = others.map((o, i) => ({
    holderType: 'CLASS',
    classKind: o.kind,
    householdId: null,
    rightId: null,
    basisFen: o.capitalFen,
    memberCount: null,
    proRataFen: otherShares[i],
    floorFen: 0n,
    entitledFen: othersEntitled[i],
    paidFen: othersEntitled[i],
  }));

  const uncoveredFen = floorShortfallFen - borneByOthersFen;
  const operatorTopUpFen = minFen(uncoveredFen, input.topUpAvailableFen);
  const operatorOwesFen = uncoveredFen - operatorTopUpFen;
  // what the operator owes is owed to the holders the floor is paid to; the others are paid their profit share now
  const owed = special.filter((l) => l.holderType === 'HOUSEHOLD' || input.floorRecipients === 'ALL_SHARES');
  const owedEntitledFen = sumFen(owed.map((l) => l.entitledFen));
  const owedPaid = owed.length ? allocate(owedEntitledFen - operatorOwesFen, owed.map((l) => l.entitledFen)) : [];
  special.forEach((l) => (l.paidFen = l.entitledFen));
  owed.forEach((l, i) => (l.paidFen = owedPaid[i]));

  const lines = [...special, ...otherLines];
  const benefited = special.filter((l) => l.holderType === 'HOUSEHOLD' && l.entitledFen > 0n);
  return {
    distributableFen,
    specialProRataFen,
    floorShortfallFen,
    borneByOthersFen,
    operatorTopUpFen,
    operatorOwesFen,
    entitledFen: sumFen(lines.map((l) => l.entitledFen)),
    paidNowFen: sumFen(lines.map((l) => l.paidFen)),
    householdsBenefited: benefited.length,
    peopleBenefited: benefited.reduce((n, l) => n + (l.memberCount ?? 0), 0),
    lines,
  };
}

const NO_FLOOR = { num: 0n, den: 1n };

function specialLine(
  holderType: 'COLLECTIVE' | 'HOUSEHOLD',
  classKind: 'SPECIAL_COLLECTIVE' | 'SPECIAL_HOUSEHOLDS',
  householdId: string | null,
  rightId: string | null,
  basisFen: Fen,
  memberCount: number | null,
  proRataFen: Fen,
  floorRate: { num: bigint; den: bigint },
): DistributionLine {
  const floorFen = mulDiv(basisFen, floorRate.num, floorRate.den, 'UP');
  const entitledFen = maxFen(proRataFen, floorFen);
  return { holderType, classKind, householdId, rightId, basisFen, memberCount, proRataFen, floorFen, entitledFen, paidFen: 0n };
}
