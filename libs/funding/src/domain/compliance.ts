import { compareDecimal, formatDecimal, parseDecimal, pow10, roundDiv, type Fen } from '#libs/money';

/** SPEC §2.4 defaults: each district matches at least 2.0 yuan per yuan the city allocates to it; SOEs give 3 % of profit. */
export const DEFAULT_MATCHING_RATIO = '2';
export const DEFAULT_SOE_PROFIT_PERCENT = '3';

export interface MatchingRule {
  year: number;
  /** District yuan required per city yuan, exact decimal. */
  ratio: string;
  soeProfitPercent: string;
  /** True when no rule was recorded for the year and the defaults apply. */
  isDefault: boolean;
}

export interface DistrictFunding {
  districtId: string;
  districtCode: string;
  districtName: string;
  /** CITY contributions to any fund of the district in the year (mutual-aid funds, risk fund, district programmes). */
  cityAllocationFen: Fen;
  /** DISTRICT contributions to the district's funds in the year. */
  districtMatchFen: Fen;
  /** SOE contributions received by the district's funds, per enterprise. */
  soe: { name: string; actualFen: Fen }[];
}

export interface ComplianceRow {
  districtId: string;
  districtCode: string;
  districtName: string;
  cityAllocationFen: Fen;
  districtMatchFen: Fen;
  requiredRatio: string;
  /** Match ÷ allocation, 4 decimals rounded down (null without a city allocation). */
  actualRatio: string | null;
  /** ⌈allocation × ratio⌉ to the fen: the least the district must put in. */
  requiredMatchFen: Fen;
  shortfallFen: Fen;
  compliant: boolean;
  soeActualFen: Fen;
  soe: { name: string; actualFen: Fen }[];
}

export interface SoeRow {
  name: string;
  /** The profit base recorded with the enterprise's latest contribution of the year. */
  profitBaseFen: Fen | null;
  /** Profit base × SOE percent, rounded half up to the fen. */
  expectedFen: Fen | null;
  actualFen: Fen;
  shortfallFen: Fen | null;
  compliant: boolean | null;
}

function ratioOf(decimal: string): { num: bigint; den: bigint } {
  const d = parseDecimal(decimal);
  if (!d || d.units < 0n) throw new RangeError(`not a non-negative decimal: ${decimal}`);
  return { num: d.units, den: pow10(d.scale) };
}

/** One district's matching position under the year's rule; exact, the requirement rounded up (never in the district's favour). */
export function districtCompliance(d: DistrictFunding, rule: MatchingRule): ComplianceRow {
  const r = ratioOf(rule.ratio);
  const required = roundDiv(d.cityAllocationFen * r.num, r.den, 'UP');
  const shortfall = required > d.districtMatchFen ? required - d.districtMatchFen : 0n;
  const actualRatio =
    d.cityAllocationFen > 0n
      ? formatDecimal({
          units: roundDiv(d.districtMatchFen * 10_000n, d.cityAllocationFen, 'DOWN'),
          scale: 4,
        })
      : null;
  return {
    districtId: d.districtId,
    districtCode: d.districtCode,
    districtName: d.districtName,
    cityAllocationFen: d.cityAllocationFen,
    districtMatchFen: d.districtMatchFen,
    requiredRatio: rule.ratio,
    actualRatio,
    requiredMatchFen: required,
    shortfallFen: shortfall,
    compliant: shortfall === 0n,
    soeActualFen: d.soe.reduce((s, x) => s + x.actualFen, 0n),
    soe: d.soe,
  };
}

/** An enterprise's contributions against its SOE profit share (3 % by default). */
export function soeCompliance(
  name: string,
  profitBaseFen: Fen | null,
  actualFen: Fen,
  soeProfitPercent: string,
): SoeRow {
  if (profitBaseFen === null)
    return { name, profitBaseFen, expectedFen: null, actualFen, shortfallFen: null, compliant: null };
  const p = ratioOf(soeProfitPercent);
  const expected = roundDiv(profitBaseFen * p.num, p.den * 100n, 'HALF_UP');
  const shortfall = expected > actualFen ? expected - actualFen : 0n;
  return {
    name,
    profitBaseFen,
    expectedFen: expected,
    actualFen,
    shortfallFen: shortfall,
    compliant: shortfall === 0n,
  };
}

/** Every rule a matching rule breaks. */
export function matchingRuleErrors(r: {
  ratio: unknown;
  soeProfitPercent?: unknown;
}): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  const check = (v: unknown, field: string, max: string, decimals: number) => {
    const d = typeof v === 'string' ? parseDecimal(v) : null;
    if (!d || d.scale > decimals || d.units < 0n || compareDecimal(v as string, max) > 0) {
      errors.push({
        field,
        message: `${field} must be a decimal string from 0 to ${max} with at most ${decimals} decimals`,
      });
    }
  };
  check(r.ratio, 'ratio', '100', 4);
  if (r.soeProfitPercent !== undefined) check(r.soeProfitPercent, 'soeProfitPercent', '100', 6);
  return errors;
}
