import type { ErrorCode, FieldError } from '#libs/common';
import type { Fen } from '#libs/money';
import { CAPITAL_SOURCES, fundAccounts, type CapitalSource, type FundAccountCodes } from './accounts.js';
import type { FundBalances } from './position.js';
import { normalizeDecimal, type FundRules } from './rules.js';

export type FundStatus = 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
export const FUND_STATUSES: readonly FundStatus[] = ['ACTIVE', 'SUSPENDED', 'CLOSED'];

/** A fund as the other libraries see it: identity, rules and account codes. */
export interface FundInfo {
  id: string;
  villageId: string;
  villageCode: string;
  villageName: string;
  districtId: string;
  name: string;
  status: FundStatus;
  rules: FundRules;
  accounts: FundAccountCodes;
  createdAt: string;
  updatedAt: string;
}

/** A `mutual_aid_funds` row joined with its village (numerics and bigints as text). */
export interface FundRow {
  id: string;
  village_id: string;
  village_code: string;
  village_name: string;
  district_id: string;
  name: string;
  status: FundStatus;
  lending_cap_percent: string;
  max_loan_fen: string;
  first_loan_max_fen: string;
  max_term_months: number;
  usage_fee_rate_percent: string;
  group_required: boolean;
  group_min_size: number;
  group_max_size: number;
  public_notice_days: number;
  second_approval_threshold_fen: string;
  share_lock_months: number;
  fee_capital_percent: string;
  fee_risk_reserve_percent: string;
  fee_public_welfare_percent: string;
  fee_administration_percent: string;
  fee_dividend_percent: string;
  created_at: Date;
  updated_at: Date;
}

/** Rule fields and the columns that hold them. */
export const RULE_COLUMNS: Record<keyof FundRules, string> = {
  lendingCapPercent: 'lending_cap_percent',
  maxLoanFen: 'max_loan_fen',
  firstLoanMaxFen: 'first_loan_max_fen',
  maxTermMonths: 'max_term_months',
  usageFeeRatePercent: 'usage_fee_rate_percent',
  groupRequired: 'group_required',
  groupMinSize: 'group_min_size',
  groupMaxSize: 'group_max_size',
  publicNoticeDays: 'public_notice_days',
  secondApprovalThresholdFen: 'second_approval_threshold_fen',
  shareLockMonths: 'share_lock_months',
  feeCapitalPercent: 'fee_capital_percent',
  feeRiskReservePercent: 'fee_risk_reserve_percent',
  feePublicWelfarePercent: 'fee_public_welfare_percent',
  feeAdministrationPercent: 'fee_administration_percent',
  feeDividendPercent: 'fee_dividend_percent',
};

export function rulesOf(r: FundRow): FundRules {
  return {
    lendingCapPercent: normalizeDecimal(r.lending_cap_percent),
    maxLoanFen: BigInt(r.max_loan_fen),
    firstLoanMaxFen: BigInt(r.first_loan_max_fen),
    maxTermMonths: r.max_term_months,
    usageFeeRatePercent: normalizeDecimal(r.usage_fee_rate_percent),
    groupRequired: r.group_required,
    groupMinSize: r.group_min_size,
    groupMaxSize: r.group_max_size,
    publicNoticeDays: r.public_notice_days,
    secondApprovalThresholdFen: BigInt(r.second_approval_threshold_fen),
    shareLockMonths: r.share_lock_months,
    feeCapitalPercent: normalizeDecimal(r.fee_capital_percent),
    feeRiskReservePercent: normalizeDecimal(r.fee_risk_reserve_percent),
    feePublicWelfarePercent: normalizeDecimal(r.fee_public_welfare_percent),
    feeAdministrationPercent: normalizeDecimal(r.fee_administration_percent),
    feeDividendPercent: normalizeDecimal(r.fee_dividend_percent),
  };
}

export function infoOf(r: FundRow): FundInfo {
  return {
    id: String(r.id),
    villageId: String(r.village_id),
    villageCode: r.village_code,
    villageName: r.village_name,
    districtId: String(r.district_id),
    name: r.name,
    status: r.status,
    rules: rulesOf(r),
    accounts: fundAccounts(r.id),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The columns a rule change writes, with their stored values: only the rules that changed. */
export function ruleColumnChanges(before: FundRules, after: FundRules): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(RULE_COLUMNS) as (keyof FundRules)[]) {
    if (before[key] === after[key]) continue;
    const value = after[key];
    out.push([RULE_COLUMNS[key], typeof value === 'bigint' ? value.toString() : value]);
  }
  return out;
}

/** The fields of a patch that were given (undefined means "leave as is"). */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A fund closes only once it holds no money at all: every account with a balance blocks it. */
export function closingErrors(nonZero: readonly { code: string; balance_fen: string }[]): FieldError[] {
  return nonZero.map((a) => ({
    field: a.code,
    code: 'BALANCE_NOT_ZERO',
    message: `balance ${a.balance_fen} fen`,
  }));
}

/** The ledger accounts a fund's position is computed from. */
export function positionAccounts(fundId: string): string[] {
  const a = fundAccounts(fundId);
  return [
    a.cash,
    a.loans,
    a.interestReceivable,
    a.capitalAccumulated,
    ...CAPITAL_SOURCES.map((s) => a.capital[s]),
  ];
}

/**
 * The position's ledger facts of a fund from account balances; `missing` names the first account without a
 * balance (an account that was never opened: the caller refuses).
 */
export function positionFacts(
  fundId: string,
  balances: ReadonlyMap<string, Fen>,
): { facts: FundBalances; missing: null } | { facts: null; missing: string } {
  const a = fundAccounts(fundId);
  const missing = positionAccounts(fundId).find((code) => balances.get(code) === undefined);
  if (missing !== undefined) return { facts: null, missing };
  const bal = (code: string) => balances.get(code)!;
  return {
    facts: {
      cashFen: bal(a.cash),
      loansFen: bal(a.loans),
      interestReceivableFen: bal(a.interestReceivable),
      capitalBySourceFen: Object.fromEntries(CAPITAL_SOURCES.map((s) => [s, bal(a.capital[s])])) as Record<
        CapitalSource,
        Fen
      >,
      capitalAccumulatedFen: bal(a.capitalAccumulated),
    },
    missing: null,
  };
}

/** A failed business rule whose code is also an API error code. */
export interface RuleFailure extends FieldError {
  code: ErrorCode;
}

/**
 * The household rules of a contribution to a village fund: a fund that is not closed; a named household that
 * exists, lives in the fund's village, and is POOR when fiscal money pays its base share (配股).
 */
export function contributionRefusals(
  fund: { status: FundStatus; villageId: string; villageName: string },
  c: { householdId: string | null; fiscalFunded: boolean },
  household: { village_id: string; status: string } | undefined,
): RuleFailure[] {
  const errors: RuleFailure[] = [];
  if (fund.status === 'CLOSED')
    errors.push({ field: 'fundId', code: 'FUND_CLOSED', message: 'the fund is closed' });
  if (c.householdId) {
    if (!household) {
      errors.push({
        field: 'householdId',
        code: 'FUND_HOUSEHOLD_NOT_FOUND',
        message: `household ${c.householdId} does not exist`,
      });
    } else {
      if (household.village_id !== fund.villageId) {
        errors.push({
          field: 'householdId',
          code: 'FUND_MEMBER_NOT_OF_VILLAGE',
          message: `only households of ${fund.villageName} may hold shares in its fund`,
        });
      }
      if (c.fiscalFunded && household.status !== 'POOR') {
        errors.push({
          field: 'fiscalFunded',
          code: 'FUND_FISCAL_SHARE_NOT_POOR',
          message: `fiscal money pays the base share of a poor household only; this household is ${household.status}`,
        });
      }
    }
  }
  return errors;
}
