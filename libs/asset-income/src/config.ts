import { ConfigError } from '#libs/common';
import { compareDecimal, parseDecimal, parseYuan, type Fen } from '#libs/money';
import { FLOOR_RECIPIENTS, HOUSEHOLD_WEIGHTINGS, RIGHT_RULES, type FloorRecipients, type HouseholdWeighting, type RightRule } from './domain/model.js';

/**
 * The scheme's defaults (SPEC §2.5): copied into each project when it is created, where every one of them can be
 * overridden for that project. Deployments change them through the environment, never in code.
 */
export class AssetIncomeConfig {
  /** ASSET_INCOME_SPECIAL_FUND: the special fund injected per pilot village, yuan (100万元). */
  specialFundFen: Fen;
  /** ASSET_INCOME_COLLECTIVE_PERCENT: the village collective's part of the quantified fund (30 %). */
  collectivePercent: string;
  /** ASSET_INCOME_FLOOR_RATE_PERCENT: the guaranteed yearly floor of the special-fund classes (10 %). */
  floorRatePercent: string;
  /** ASSET_INCOME_FLOOR_RECIPIENTS: whose shares the floor tops up, POOR_HOUSEHOLDS (the case) or ALL_SHARES. */
  floorRecipients: FloorRecipients;
  /** ASSET_INCOME_PAYOUT_PERCENT: the share of a year's net profit paid out as dividends (100 %). */
  payoutPercent: string;
  /** ASSET_INCOME_LIQUIDATION_THRESHOLD: net assets at which liquidation is forced, yuan (150万元). */
  liquidationThresholdFen: Fen;
  /** ASSET_INCOME_ALERT_MARGIN: net assets within this much above the threshold raise an alert, yuan. */
  alertMarginFen: Fen;
  /** ASSET_INCOME_HOUSEHOLD_WEIGHTING: EQUAL or MEMBER_COUNT. */
  householdWeighting: HouseholdWeighting;
  /** ASSET_INCOME_RIGHT_RULE: KEEP, TRANSFER or RETURN_TO_COLLECTIVE. */
  rightRule: RightRule;
}

const DEFAULTS: Record<string, string> = {
  ASSET_INCOME_SPECIAL_FUND: '1000000.00',
  ASSET_INCOME_COLLECTIVE_PERCENT: '30',
  ASSET_INCOME_FLOOR_RATE_PERCENT: '10',
  ASSET_INCOME_FLOOR_RECIPIENTS: 'POOR_HOUSEHOLDS',
  ASSET_INCOME_PAYOUT_PERCENT: '100',
  ASSET_INCOME_LIQUIDATION_THRESHOLD: '1500000.00',
  ASSET_INCOME_ALERT_MARGIN: '300000.00',
  ASSET_INCOME_HOUSEHOLD_WEIGHTING: 'EQUAL',
  ASSET_INCOME_RIGHT_RULE: 'KEEP',
};

/** Reads and validates the defaults; throws a ConfigError naming every bad variable. */
export function loadAssetIncomeConfig(env: Record<string, string | undefined> = process.env): AssetIncomeConfig {
  const get = (k: string) => (env[k] !== undefined && env[k] !== '' ? (env[k] as string) : DEFAULTS[k]);
  const problems: string[] = [];
  const money = (k: string, positive: boolean): Fen => {
    const r = parseYuan(get(k), { allowZero: !positive });
    if (!r.ok) problems.push(`${k}: must be a ${positive ? 'positive' : 'non-negative'} amount in yuan with at most 2 decimals`);
    return r.ok ? r.fen : 0n;
  };
  const percent = (k: string, min: string, max: string, minExclusive = false): string => {
    const v = get(k);
    const d = parseDecimal(v);
    const ok =
      d !== null && d.scale <= 6 && (minExclusive ? compareDecimal(v, min) > 0 : compareDecimal(v, min) >= 0) && compareDecimal(v, max) <= 0;
    if (!ok) problems.push(`${k}: must be a percent ${minExclusive ? '>' : '≥'} ${min} and ≤ ${max} with at most 6 decimals`);
    return v;
  };
  const oneOf = <T extends string>(k: string, values: readonly T[]): T => {
    const v = get(k) as T;
    if (!values.includes(v)) problems.push(`${k}: must be one of ${values.join(', ')}`);
    return v;
  };
  const config = Object.assign(new AssetIncomeConfig(), {
    specialFundFen: money('ASSET_INCOME_SPECIAL_FUND', true),
    collectivePercent: percent('ASSET_INCOME_COLLECTIVE_PERCENT', '0', '100'),
    floorRatePercent: percent('ASSET_INCOME_FLOOR_RATE_PERCENT', '0', '100'),
    floorRecipients: oneOf('ASSET_INCOME_FLOOR_RECIPIENTS', FLOOR_RECIPIENTS),
    payoutPercent: percent('ASSET_INCOME_PAYOUT_PERCENT', '0', '100', true),
    liquidationThresholdFen: money('ASSET_INCOME_LIQUIDATION_THRESHOLD', false),
    alertMarginFen: money('ASSET_INCOME_ALERT_MARGIN', false),
    householdWeighting: oneOf('ASSET_INCOME_HOUSEHOLD_WEIGHTING', HOUSEHOLD_WEIGHTINGS),
    rightRule: oneOf('ASSET_INCOME_RIGHT_RULE', RIGHT_RULES),
  });
  if (problems.length) throw new ConfigError(`Invalid asset-income configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
