import { allocate, parseDecimal, pow10, type Fen } from '#libs/money';

/** Where a fund's year of income goes (SPEC §2.1). */
export const DISTRIBUTION_TARGETS = [
  'CAPITAL',
  'RISK_RESERVE',
  'PUBLIC_WELFARE',
  'ADMINISTRATION',
  'DIVIDENDS',
] as const;
export type DistributionTarget = (typeof DISTRIBUTION_TARGETS)[number];

export type DistributionPercents = Record<DistributionTarget, string>;

/** A percent with at most 2 decimals ("40", "12.5") as an integer weight in hundredths of a percent. */
export function percentWeight(percent: string): bigint {
  const d = parseDecimal(percent);
  if (!d || d.units < 0n || d.scale > 2)
    throw new RangeError(`not a percent with at most 2 decimals: ${percent}`);
  return d.units * pow10(2 - d.scale);
}

/**
 * Splits the distributable income by the fund's percentages, exactly to the fen: each part is floor(income × its
 * percentage) and the few fen left over go one each to the largest percentages first (dinero.js allocate), so the
 * parts always sum to the whole.
 */
export function splitIncome(
  distributableFen: Fen,
  percents: DistributionPercents,
): Record<DistributionTarget, Fen> {
  if (distributableFen < 0n) throw new RangeError('distributable income must not be negative');
  const weights = DISTRIBUTION_TARGETS.map((t) => percentWeight(percents[t]));
  const total = weights.reduce((s, w) => s + w, 0n);
  if (total !== 10000n)
    throw new RangeError(`the percentages must sum to 100, they sum to ${total} hundredths`);
  const parts = allocate(distributableFen, weights);
  return Object.fromEntries(DISTRIBUTION_TARGETS.map((t, k) => [t, parts[k]])) as Record<
    DistributionTarget,
    Fen
  >;
}
