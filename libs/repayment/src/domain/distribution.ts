import type { FieldError } from '#libs/common';
import { allocate, formatYuan, parseDecimal, pow10, type Fen } from '#libs/money';
import type { Line } from './postings.js';

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

/** A fund's distribution percentages as its rules state them. */
export function percentsOf(rules: {
  feeCapitalPercent: string;
  feeRiskReservePercent: string;
  feePublicWelfarePercent: string;
  feeAdministrationPercent: string;
  feeDividendPercent: string;
}): DistributionPercents {
  return {
    CAPITAL: rules.feeCapitalPercent,
    RISK_RESERVE: rules.feeRiskReservePercent,
    PUBLIC_WELFARE: rules.feePublicWelfarePercent,
    ADMINISTRATION: rules.feeAdministrationPercent,
    DIVIDENDS: rules.feeDividendPercent,
  };
}

/** The balances a year's distribution closes, as of 31 December (normal side). */
export interface YearEndBalances {
  feeFen: Fen;
  penaltyFen: Fen;
  recoveryFen: Fen;
  writeOffsFen: Fen;
}

/** The income that is distributed: usage fee, penalty and recovery income. */
export const distributableOf = (b: YearEndBalances): Fen => b.feeFen + b.penaltyFen + b.recoveryFen;

/** A year is distributed once it has ended, and only a non-negative income. */
export function distributionRefusals(
  year: number,
  today: string,
  distributableFen: Fen,
): (FieldError & { code: 'FEE_DISTRIBUTION_NOT_ALLOWED' })[] {
  const failures: (FieldError & { code: 'FEE_DISTRIBUTION_NOT_ALLOWED' })[] = [];
  if (year >= Number(today.slice(0, 4))) {
    failures.push({
      field: 'year',
      code: 'FEE_DISTRIBUTION_NOT_ALLOWED',
      message: `${year} has not ended (today is ${today})`,
    });
  }
  if (distributableFen < 0n) {
    failures.push({
      field: 'year',
      code: 'FEE_DISTRIBUTION_NOT_ALLOWED',
      message: `the income accounts hold ${formatYuan(distributableFen)} as of ${year}-12-31: nothing to distribute`,
    });
  }
  return failures;
}

/** The accounts of a fund a distribution posts to. */
export interface DistributionAccounts {
  feeIncome: string;
  penaltyIncome: string;
  recoveryIncome: string;
  writeOffExpense: string;
  capitalAccumulated: string;
  riskReserve: string;
  publicWelfare: string;
  administration: string;
  dividendsPayable: string;
}

const TARGET_ACCOUNT: Record<DistributionTarget, keyof DistributionAccounts> = {
  CAPITAL: 'capitalAccumulated',
  RISK_RESERVE: 'riskReserve',
  PUBLIC_WELFARE: 'publicWelfare',
  ADMINISTRATION: 'administration',
  DIVIDENDS: 'dividendsPayable',
};

/**
 * The distribution entry: each income account closed (debited by its balance, credited when negative), each share
 * credited to its target, and the write-off expense charged to the risk reserve (RISK_RESERVE ↓ / WRITE_OFF_EXPENSE
 * ↓, or the reverse for a net recovery). Empty when there is nothing to move.
 */
export function distributionLines(
  a: DistributionAccounts,
  b: YearEndBalances,
  shares: Record<DistributionTarget, Fen>,
): Line[] {
  const lines: Line[] = [];
  const close = (account: string, balance: Fen) => {
    if (balance > 0n) lines.push({ account, side: 'DEBIT', amountFen: balance });
    if (balance < 0n) lines.push({ account, side: 'CREDIT', amountFen: -balance });
  };
  close(a.feeIncome, b.feeFen);
  close(a.penaltyIncome, b.penaltyFen);
  close(a.recoveryIncome, b.recoveryFen);
  for (const t of DISTRIBUTION_TARGETS) {
    if (shares[t] > 0n) lines.push({ account: a[TARGET_ACCOUNT[t]], side: 'CREDIT', amountFen: shares[t] });
  }
  if (b.writeOffsFen > 0n) {
    lines.push({ account: a.riskReserve, side: 'DEBIT', amountFen: b.writeOffsFen });
    lines.push({ account: a.writeOffExpense, side: 'CREDIT', amountFen: b.writeOffsFen });
  } else if (b.writeOffsFen < 0n) {
    lines.push({ account: a.writeOffExpense, side: 'DEBIT', amountFen: -b.writeOffsFen });
    lines.push({ account: a.riskReserve, side: 'CREDIT', amountFen: -b.writeOffsFen });
  }
  return lines;
}
