import { formatDecimal, pow10, roundDiv } from '#libs/money';
import { compareFraction, type Fraction } from './ratios.js';

/**
 * District ranking (月排名): a composite score from 0 to 100, the weighted sum of four components each normalised
 * to [0, 1]:
 *
 * | component | weight | normalisation |
 * | --- | --- | --- |
 * | repayment rate | 35 | collected ÷ due on instalments due by month end, capped at 1 (none due → 0) |
 * | NPL (inverse) | 30 | 1 − NPL ratio ÷ 10 % (twice the default 5 % circuit breaker), floored at 0; no covered loans → 1 |
 * | utilisation | 15 | mutual-aid outstanding ÷ capital ÷ 90 % (the liquidity cap), capped at 1 (no fund → 0) |
 * | leverage use | 20 | covered outstanding ÷ (cap × fund balance), capped at 1 (no fund money → 0) |
 *
 * Why these: repayment and credit quality say whether the money comes back; utilisation and leverage use say whether
 * the fiscal money is actually put to work (an idle fund helps no household). Components are computed exactly
 * (8 decimals, rounded down) and the score printed with 4 decimals. Order: score (printed) descending, then the NPL
 * ratio ascending, then the district code ascending, so equal scores always rank the same way.
 */
export const RANKING_WEIGHTS = { repaymentRate: 35n, npl: 30n, utilisation: 15n, leverageUse: 20n } as const;
/** The NPL ratio at which the NPL component reaches 0. */
export const NPL_ZERO_AT: Fraction = { num: 10n, den: 100n };
/** Utilisation that earns the full component: the mutual-aid liquidity cap (SPEC §2.1). */
export const UTILISATION_FULL_AT: Fraction = { num: 90n, den: 100n };

const SCALE = 8;
const ONE = pow10(SCALE);

export interface RankingInput {
  districtId: string;
  districtCode: string;
  districtName: string;
  repaymentRate: Fraction | null;
  npl: Fraction | null;
  utilisation: Fraction | null;
  leverageUse: Fraction | null;
}

export interface RankedDistrict {
  rank: number;
  districtId: string;
  districtCode: string;
  districtName: string;
  score: string;
  components: { repaymentRate: string; npl: string; utilisation: string; leverageUse: string };
  previousRank: number | null;
  previousScore: string | null;
  /** previousRank − rank: positive when the district moved up. */
  rankChange: number | null;
  scoreChange: string | null;
}

/** f in fixed point (8 decimals, rounded down), clamped to [0, 1]. */
function unit(f: Fraction | null): bigint {
  if (!f) return 0n;
  const v = roundDiv(f.num * ONE, f.den, 'DOWN');
  return v < 0n ? 0n : v > ONE ? ONE : v;
}

/** f ÷ g as a fraction. */
const over = (f: Fraction, g: Fraction): Fraction => ({ num: f.num * g.den, den: f.den * g.num });

export function componentsOf(d: RankingInput): { repaymentRate: bigint; npl: bigint; utilisation: bigint; leverageUse: bigint } {
  return {
    repaymentRate: unit(d.repaymentRate),
    npl: d.npl ? ONE - unit(over(d.npl, NPL_ZERO_AT)) : ONE,
    utilisation: d.utilisation ? unit(over(d.utilisation, UTILISATION_FULL_AT)) : 0n,
    leverageUse: unit(d.leverageUse),
  };
}

const fixed = (units: bigint, scale: number) => formatDecimal({ units, scale });

/** The score (0–100) in units of 10^-4, rounded half up. */
export function scoreUnits(d: RankingInput): bigint {
  const c = componentsOf(d);
  const w = RANKING_WEIGHTS;
  const total = c.repaymentRate * w.repaymentRate + c.npl * w.npl + c.utilisation * w.utilisation + c.leverageUse * w.leverageUse;
  return roundDiv(total, pow10(SCALE - 4), 'HALF_UP');
}

/** Ranks the districts of a month, with the change against the previous month's ranking (when there is one). */
export function rankDistricts(rows: RankingInput[], previous: Pick<RankedDistrict, 'districtId' | 'rank' | 'score'>[] | null): RankedDistrict[] {
  const scored = rows.map((r) => ({ r, score: scoreUnits(r), c: componentsOf(r) }));
  scored.sort(
    (a, b) =>
      (a.score < b.score ? 1 : a.score > b.score ? -1 : 0) ||
      compareFraction(a.r.npl ?? { num: 0n, den: 1n }, b.r.npl ?? { num: 0n, den: 1n }) ||
      (a.r.districtCode < b.r.districtCode ? -1 : a.r.districtCode > b.r.districtCode ? 1 : 0),
  );
  const prev = new Map((previous ?? []).map((p) => [p.districtId, p]));
  return scored.map(({ r, score, c }, i) => {
    const p = prev.get(r.districtId);
    const prevUnits = p ? BigInt(p.score.replace('.', '')) : null;
    return {
      rank: i + 1,
      districtId: r.districtId,
      districtCode: r.districtCode,
      districtName: r.districtName,
      score: fixed(score, 4),
      components: {
        repaymentRate: fixed(c.repaymentRate, SCALE),
        npl: fixed(c.npl, SCALE),
        utilisation: fixed(c.utilisation, SCALE),
        leverageUse: fixed(c.leverageUse, SCALE),
      },
      previousRank: p ? p.rank : null,
      previousScore: p ? p.score : null,
      rankChange: p ? p.rank - (i + 1) : null,
      scoreChange: prevUnits === null ? null : fixed(score - prevUnits, 4),
    };
  });
}
