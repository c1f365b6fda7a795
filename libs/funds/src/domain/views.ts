import { formatYuan } from '#libs/money';
import { CAPITAL_SOURCES } from './accounts.js';
import type { FundPosition } from './position.js';
import type { FundRules } from './rules.js';
import type { FundAccountCodes } from './accounts.js';

/** API views: money as yuan strings, rates as exact decimal strings, nothing a JSON round trip would change. */

export interface RulesView {
  lendingCapPercent: string;
  maxLoan: string;
  firstLoanMax: string;
  maxTermMonths: number;
  usageFeeRatePercent: string;
  groupRequired: boolean;
  groupMinSize: number;
  groupMaxSize: number;
  publicNoticeDays: number;
  secondApprovalThreshold: string;
  shareLockMonths: number;
  feeCapitalPercent: string;
  feeRiskReservePercent: string;
  feePublicWelfarePercent: string;
  feeAdministrationPercent: string;
  feeDividendPercent: string;
}

export function rulesView(r: FundRules): RulesView {
  return {
    lendingCapPercent: r.lendingCapPercent,
    maxLoan: formatYuan(r.maxLoanFen),
    firstLoanMax: formatYuan(r.firstLoanMaxFen),
    maxTermMonths: r.maxTermMonths,
    usageFeeRatePercent: r.usageFeeRatePercent,
    groupRequired: r.groupRequired,
    groupMinSize: r.groupMinSize,
    groupMaxSize: r.groupMaxSize,
    publicNoticeDays: r.publicNoticeDays,
    secondApprovalThreshold: formatYuan(r.secondApprovalThresholdFen),
    shareLockMonths: r.shareLockMonths,
    feeCapitalPercent: r.feeCapitalPercent,
    feeRiskReservePercent: r.feeRiskReservePercent,
    feePublicWelfarePercent: r.feePublicWelfarePercent,
    feeAdministrationPercent: r.feeAdministrationPercent,
    feeDividendPercent: r.feeDividendPercent,
  };
}

export interface PositionView {
  capitalBySource: Record<string, string>;
  capital: string;
  cash: string;
  loansOutstanding: string;
  interestReceivable: string;
  lendingCapPercent: string;
  lendingCap: string;
  capHeadroom: string;
  availableToLend: string;
  capUtilisationPercent: string | null;
  memberCount: number;
  poorMemberCount: number;
}

export function positionView(p: FundPosition): PositionView {
  return {
    capitalBySource: Object.fromEntries(
      [...CAPITAL_SOURCES, 'ACCUMULATED' as const].map((s) => [s, formatYuan(p.capitalBySourceFen[s])]),
    ),
    capital: formatYuan(p.capitalFen),
    cash: formatYuan(p.cashFen),
    loansOutstanding: formatYuan(p.loansOutstandingFen),
    interestReceivable: formatYuan(p.interestReceivableFen),
    lendingCapPercent: p.lendingCapPercent,
    lendingCap: formatYuan(p.lendingCapFen),
    capHeadroom: formatYuan(p.capHeadroomFen),
    availableToLend: formatYuan(p.availableToLendFen),
    capUtilisationPercent: p.capUtilisationPercent,
    memberCount: p.memberCount,
    poorMemberCount: p.poorMemberCount,
  };
}

export interface FundView {
  id: string;
  villageId: string;
  villageCode: string;
  villageName: string;
  districtId: string;
  name: string;
  status: string;
  rules: RulesView;
  accounts: FundAccountCodes;
  position: PositionView;
  createdAt: string;
  updatedAt: string;
}

export function fundView(
  info: {
    id: string;
    villageId: string;
    villageCode: string;
    villageName: string;
    districtId: string;
    name: string;
    status: string;
    rules: FundRules;
    accounts: FundAccountCodes;
    createdAt: string;
    updatedAt: string;
  },
  position: FundPosition,
): FundView {
  return { ...info, rules: rulesView(info.rules), position: positionView(position) };
}
