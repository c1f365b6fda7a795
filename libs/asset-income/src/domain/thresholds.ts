import { formatDecimal, roundDiv, type Fen } from '#libs/money';

export type NetAssetsAssessment = 'OK' | 'NEAR_THRESHOLD' | 'LIQUIDATION_REQUIRED';

/**
 * The liquidation lock (净资产临界150万元时进行强制清算): net assets at or below the threshold force liquidation;
 * within the alert margin above it, the fund administrator is warned while there is still time to act.
 */
export function assessNetAssets(netAssetsFen: Fen, thresholdFen: Fen, marginFen: Fen): NetAssetsAssessment {
  if (netAssetsFen <= thresholdFen) return 'LIQUIDATION_REQUIRED';
  if (netAssetsFen <= thresholdFen + marginFen) return 'NEAR_THRESHOLD';
  return 'OK';
}

/** part / whole as a percent string with `decimals` decimals, half-up ("0.7299"); "0" when the whole is zero. */
export function percentOf(part: Fen, whole: Fen, decimals = 4): string {
  if (whole <= 0n) return formatDecimal({ units: 0n, scale: decimals });
  const units = roundDiv(part * 100n * 10n ** BigInt(decimals), whole, 'HALF_UP');
  return formatDecimal({ units, scale: decimals });
}

/** Trims a numeric(9,6) column ("30.000000") to its shortest exact form ("30"). */
export function trimPercent(value: string): string {
  if (!value.includes('.')) return value;
  const trimmed = value.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}
