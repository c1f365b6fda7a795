import type { FieldError, FieldErrorCode } from '#libs/common';
import { compareDecimal, formatDecimal, parseDecimal, pow10 } from '#libs/money';
import { formatYuan, type Fen } from '#libs/money';

/**
 * The per-fund rules (SPEC §2.1 defaults live in the mutual_aid_funds column defaults, never here): lending cap,
 * loan limits, group rule, public-notice days, share lock, and the year-end split of usage-fee income.
 */
export interface FundRules {
  /** Outstanding principal may not exceed this percent of capital (default 90). */
  lendingCapPercent: string;
  maxLoanFen: Fen;
  firstLoanMaxFen: Fen;
  maxTermMonths: number;
  /** Usage fee (占用费) in percent per year. */
  usageFeeRatePercent: string;
  groupRequired: boolean;
  groupMinSize: number;
  groupMaxSize: number;
  publicNoticeDays: number;
  /** Loans above this amount need a second approver. */
  secondApprovalThresholdFen: Fen;
  /** Months a member-paid share stays in the fund before it may be withdrawn (default 12). */
  shareLockMonths: number;
  feeCapitalPercent: string;
  feeRiskReservePercent: string;
  feePublicWelfarePercent: string;
  feeAdministrationPercent: string;
  feeDividendPercent: string;
}

export const FEE_PERCENT_FIELDS = [
  'feeCapitalPercent',
  'feeRiskReservePercent',
  'feePublicWelfarePercent',
  'feeAdministrationPercent',
  'feeDividendPercent',
] as const satisfies readonly (keyof FundRules)[];

/** Bounds that come from the columns (numeric(5,2), the loans term check) or from plain sense. */
export const RULE_BOUNDS = {
  maxTermMonths: [1, 360],
  groupSize: [1, 50],
  publicNoticeDays: [0, 365],
  shareLockMonths: [0, 120],
  usageFeeRatePercent: ['0', '36'],
} as const;

/** A percent with at most `maxScale` decimals, as units at that scale; null when it is not such a decimal. */
function percentUnits(text: string, maxScale: number): bigint | null {
  const d = parseDecimal(text);
  if (!d || d.scale > maxScale || d.units < 0n) return null;
  return d.units * pow10(maxScale - d.scale);
}

/**
 * Checks a whole rule set (the stored rules with a PATCH merged in) and returns every broken rule at once, each
 * with the field it concerns and a stable code.
 */
export function validateRules(r: FundRules): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, code: FieldErrorCode, message: string) =>
    errors.push({ field, code, message });

  const cap = percentUnits(r.lendingCapPercent, 2);
  if (cap === null || cap <= 0n || cap > 10000n) {
    fail(
      'lendingCapPercent',
      'LENDING_CAP_RANGE',
      'the lending cap must be a percent in (0, 100] with at most 2 decimals',
    );
  }
  if (r.maxLoanFen <= 0n) fail('maxLoan', 'LOAN_LIMIT_POSITIVE', 'the loan limit must be positive');
  if (r.firstLoanMaxFen <= 0n)
    fail('firstLoanMax', 'LOAN_LIMIT_POSITIVE', 'the first-loan limit must be positive');
  if (r.maxLoanFen > 0n && r.firstLoanMaxFen > r.maxLoanFen) {
    fail(
      'firstLoanMax',
      'FIRST_LOAN_ABOVE_MAX',
      `the first-loan limit may not exceed the loan limit (${formatYuan(r.maxLoanFen)})`,
    );
  }
  if (r.secondApprovalThresholdFen <= 0n) {
    fail('secondApprovalThreshold', 'THRESHOLD_POSITIVE', 'the second-approval threshold must be positive');
  }
  const [minTerm, maxTerm] = RULE_BOUNDS.maxTermMonths;
  if (!Number.isInteger(r.maxTermMonths) || r.maxTermMonths < minTerm || r.maxTermMonths > maxTerm) {
    fail('maxTermMonths', 'TERM_RANGE', `the longest term must be ${minTerm}–${maxTerm} months`);
  }
  const [minRate, maxRate] = RULE_BOUNDS.usageFeeRatePercent;
  const rate = parseDecimal(r.usageFeeRatePercent);
  if (
    !rate ||
    rate.scale > 6 ||
    compareDecimal(r.usageFeeRatePercent, minRate) < 0 ||
    compareDecimal(r.usageFeeRatePercent, maxRate) > 0
  ) {
    fail(
      'usageFeeRatePercent',
      'RATE_RANGE',
      `the usage fee must be ${minRate}–${maxRate} % per year with at most 6 decimals`,
    );
  }
  const [minGroup, maxGroup] = RULE_BOUNDS.groupSize;
  const minOk = Number.isInteger(r.groupMinSize) && r.groupMinSize >= minGroup && r.groupMinSize <= maxGroup;
  const maxOk = Number.isInteger(r.groupMaxSize) && r.groupMaxSize >= minGroup && r.groupMaxSize <= maxGroup;
  if (!minOk) fail('groupMinSize', 'GROUP_SIZE_RANGE', `a group has ${minGroup}–${maxGroup} members`);
  if (!maxOk) fail('groupMaxSize', 'GROUP_SIZE_RANGE', `a group has ${minGroup}–${maxGroup} members`);
  if (minOk && maxOk && r.groupMaxSize < r.groupMinSize) {
    fail('groupMaxSize', 'GROUP_SIZE_ORDER', 'the largest group size may not be below the smallest');
  }
  const [minNotice, maxNotice] = RULE_BOUNDS.publicNoticeDays;
  if (
    !Number.isInteger(r.publicNoticeDays) ||
    r.publicNoticeDays < minNotice ||
    r.publicNoticeDays > maxNotice
  ) {
    fail('publicNoticeDays', 'NOTICE_DAYS_RANGE', `public notice lasts ${minNotice}–${maxNotice} days`);
  }
  const [minLock, maxLock] = RULE_BOUNDS.shareLockMonths;
  if (!Number.isInteger(r.shareLockMonths) || r.shareLockMonths < minLock || r.shareLockMonths > maxLock) {
    fail('shareLockMonths', 'SHARE_LOCK_RANGE', `the share lock is ${minLock}–${maxLock} months`);
  }

  // The year-end split must account for every fen of fee income: the parts sum to exactly 100 %.
  let sum = 0n;
  let sumKnown = true;
  for (const field of FEE_PERCENT_FIELDS) {
    const units = percentUnits(r[field], 2);
    if (units === null || units > 10000n) {
      fail(field, 'FEE_PERCENT_RANGE', 'must be a percent in [0, 100] with at most 2 decimals');
      sumKnown = false;
    } else sum += units;
  }
  if (sumKnown && sum !== 10000n) {
    fail(
      'feeDistribution',
      'FEE_PERCENT_SUM',
      `the fee distribution percentages must sum to 100; they sum to ${formatDecimal({ units: sum, scale: 2 })}`,
    );
  }
  return errors;
}

/** Postgres numeric text ("6.000000", "90.00") as the shortest exact decimal ("6", "90", "4.35"). */
export function normalizeDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}
