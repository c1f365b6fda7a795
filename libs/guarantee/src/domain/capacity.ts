import { formatYuan, type Fen } from '#libs/money';
import type { AgreementRecord } from './agreements.js';
import { big, multipleFor, trimDecimal, type BorrowerType } from './covers.js';
import {
  capacityFor,
  type CoverFacts,
  minimumShortfall,
  nplAtOrAbove,
  parseMultiple,
  percentString,
  ratioString,
} from './leverage.js';

/** A fund with its district and the balances the capacity and the minimum rule are read from. */
export interface FundSummary {
  id: string;
  district_id: string;
  district_code: string;
  district_name: string;
  heavy_task: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimum_fund_fen: string;
  npl_overdue_days: number;
  balance_fen: string;
  limit_fen: string;
  available_fen: string;
  shortfall_fen: string;
  covered_outstanding_fen: string;
  npl_fen: string;
}

/** An agreement with its bank and the memo-ledger balances of its cover and exposure. */
export interface AgreementBalances {
  id: string;
  agreement_no: string;
  risk_fund_id: string;
  district_id: string;
  bank_id: string;
  bank_code: string;
  bank_name: string;
  leverage_multiple: string;
  entity_leverage_multiple: string | null;
  npl_threshold_percent: string;
  valid_from: string;
  valid_to: string | null;
  status: string;
  fund_status: string;
  fund_available_fen: string;
  cover_pending_fen: string;
  cover_used_fen: string;
  exposure_pending_fen: string;
  exposure_outstanding_fen: string;
}

export interface AgreementCapacity {
  agreementId: string;
  agreementNo: string;
  riskFundId: string;
  districtId: string;
  bankId: string;
  bankCode: string;
  bankName: string;
  multiple: string;
  entityMultiple: string | null;
  inForce: boolean;
  /** covered principal this bank can still register for households: ⌊multiple × fund cover available⌋ */
  capacity: string;
  /** the same for operating-entity loans (at the entity multiple when there is one) */
  entityCapacity: string;
  exposurePending: string;
  exposureOutstanding: string;
  coverPending: string;
  coverUsed: string;
  nplThresholdPercent: string;
  suspended: boolean;
  acceptsNewLoans: boolean;
}

export interface FundCapacity {
  riskFundId: string;
  name: string;
  status: string;
  districtId: string;
  districtCode: string;
  districtName: string;
  heavyTask: boolean;
  asOf: string;
  balance: string;
  minimum: string;
  minimumApplies: boolean;
  belowMinimum: boolean;
  minimumShortfall: string;
  /** fund money: LIMIT = balance = available + pending + used − shortfall */
  cover: { limit: string; available: string; pending: string; used: string; shortfall: string };
  /** covered principal across the fund's banks */
  exposure: { pending: string; outstanding: string };
  /** covered outstanding / fund balance */
  leverageRatio: string;
  npl: { overdueDays: number; coveredOutstanding: string; nonPerforming: string; ratioPercent: string };
  agreements: AgreementCapacity[];
}

export interface BankCapacity {
  bankId: string;
  bankCode: string;
  bankName: string;
  asOf: string;
  agreements: (AgreementCapacity & { districtCode: string; fundAvailable: string; belowMinimum: boolean })[];
  totals: { capacity: string; exposurePending: string; exposureOutstanding: string };
}

export interface MinimumStatus {
  riskFundId: string;
  heavyTask: boolean;
  minimumFen: Fen;
  balanceFen: Fen;
  belowMinimum: boolean;
  shortfallFen: Fen;
}

/** Whether an agreement covers new loans on `onDate`: it and its fund active, the date within its validity. */
export function agreementInForce(
  a: { status: string; fundStatus: string; validFrom: string; validTo: string | null },
  onDate: string,
): boolean {
  return (
    a.status === 'ACTIVE' &&
    a.fundStatus === 'ACTIVE' &&
    a.validFrom <= onDate &&
    (a.validTo === null || onDate <= a.validTo)
  );
}

/** One agreement's capacity: the same formula the reservation is bound by, read from one snapshot. */
export function agreementCapacity(
  r: AgreementBalances,
  today: string,
  belowMinimum: boolean,
  npl: { nplFen: Fen; outstandingFen: Fen },
): AgreementCapacity {
  const available = big(r.fund_available_fen);
  const multiple = trimDecimal(r.leverage_multiple);
  const entityMultiple = r.entity_leverage_multiple ? trimDecimal(r.entity_leverage_multiple) : null;
  const capacity = capacityFor(available, parseMultiple(multiple));
  const entityCapacity = capacityFor(available, parseMultiple(entityMultiple ?? multiple));
  const inForce = agreementInForce(
    { status: r.status, fundStatus: r.fund_status, validFrom: r.valid_from, validTo: r.valid_to },
    today,
  );
  const suspended = nplAtOrAbove(npl.nplFen, npl.outstandingFen, trimDecimal(r.npl_threshold_percent));
  return {
    agreementId: r.id,
    agreementNo: r.agreement_no,
    riskFundId: r.risk_fund_id,
    districtId: r.district_id,
    bankId: r.bank_id,
    bankCode: r.bank_code,
    bankName: r.bank_name,
    multiple,
    entityMultiple,
    inForce,
    capacity: formatYuan(capacity),
    entityCapacity: formatYuan(entityCapacity),
    exposurePending: formatYuan(big(r.exposure_pending_fen)),
    exposureOutstanding: formatYuan(big(r.exposure_outstanding_fen)),
    coverPending: formatYuan(big(r.cover_pending_fen)),
    coverUsed: formatYuan(big(r.cover_used_fen)),
    nplThresholdPercent: trimDecimal(r.npl_threshold_percent),
    suspended,
    acceptsNewLoans: inForce && !suspended && !belowMinimum && capacity > 0n,
  };
}

/** A fund's capacity view: its balances, its minimum, its NPL ratio and every agreement's capacity. */
export function fundCapacity(s: FundSummary, rows: AgreementBalances[], today: string): FundCapacity {
  const balance = big(s.balance_fen);
  const minimum = big(s.minimum_fund_fen);
  const short = minimumShortfall(s.heavy_task, balance, minimum);
  const outstanding = big(s.covered_outstanding_fen);
  const npl = big(s.npl_fen);
  const agreements = rows.map((r) =>
    agreementCapacity(r, today, short > 0n, { nplFen: npl, outstandingFen: outstanding }),
  );
  const sum = (pick: (r: AgreementBalances) => string) => rows.reduce((acc, r) => acc + big(pick(r)), 0n);
  const exposureOutstanding = sum((r) => r.exposure_outstanding_fen);
  return {
    riskFundId: s.id,
    name: s.name,
    status: s.status,
    districtId: s.district_id,
    districtCode: s.district_code,
    districtName: s.district_name,
    heavyTask: s.heavy_task,
    asOf: today,
    balance: formatYuan(balance),
    minimum: formatYuan(minimum),
    minimumApplies: s.heavy_task,
    belowMinimum: short > 0n,
    minimumShortfall: formatYuan(short),
    cover: {
      limit: formatYuan(big(s.limit_fen)),
      available: formatYuan(big(s.available_fen)),
      pending: formatYuan(sum((r) => r.cover_pending_fen)),
      used: formatYuan(sum((r) => r.cover_used_fen)),
      shortfall: formatYuan(big(s.shortfall_fen)),
    },
    exposure: {
      pending: formatYuan(sum((r) => r.exposure_pending_fen)),
      outstanding: formatYuan(exposureOutstanding),
    },
    leverageRatio: ratioString(exposureOutstanding, balance),
    npl: {
      overdueDays: s.npl_overdue_days,
      coveredOutstanding: formatYuan(outstanding),
      nonPerforming: formatYuan(npl),
      ratioPercent: percentString(npl, outstanding),
    },
    agreements,
  };
}

/**
 * A bank's capacity in every district it has an agreement with, from the capacity views of the funds concerned.
 * Each figure is the fund view's figure for that agreement; summing across districts is meaningful because every
 * fund is its own pool.
 */
export function bankCapacity(
  bank: { id: string; code: string; name: string },
  rows: AgreementBalances[],
  fundOf: (riskFundId: string) => FundCapacity,
  today: string,
): BankCapacity {
  const agreements: BankCapacity['agreements'] = [];
  let capacity = 0n;
  let pending = 0n;
  let outstanding = 0n;
  for (const r of rows) {
    const fund = fundOf(r.risk_fund_id);
    const a = fund.agreements.find((x) => x.agreementId === r.id)!;
    agreements.push({
      ...a,
      districtCode: fund.districtCode,
      fundAvailable: fund.cover.available,
      belowMinimum: fund.belowMinimum,
    });
    capacity += capacityFor(big(r.fund_available_fen), parseMultiple(a.multiple));
    pending += big(r.exposure_pending_fen);
    outstanding += big(r.exposure_outstanding_fen);
  }
  return {
    bankId: bank.id,
    bankCode: bank.code,
    bankName: bank.name,
    asOf: today,
    agreements,
    totals: {
      capacity: formatYuan(capacity),
      exposurePending: formatYuan(pending),
      exposureOutstanding: formatYuan(outstanding),
    },
  };
}

/** The minimum-fund status of a fund (SPEC §2.2): only a heavy-task district is bound by it. */
export function minimumStatus(s: FundSummary): MinimumStatus {
  const balance = big(s.balance_fen);
  const minimum = big(s.minimum_fund_fen);
  const shortfall = minimumShortfall(s.heavy_task, balance, minimum);
  return {
    riskFundId: s.id,
    heavyTask: s.heavy_task,
    minimumFen: minimum,
    balanceFen: balance,
    belowMinimum: shortfall > 0n,
    shortfallFen: shortfall,
  };
}

export interface SuspensionStatus {
  districtId: string;
  nplOverdueDays: number;
  coveredOutstandingFen: Fen;
  nonPerformingFen: Fen;
  nplPercent: string;
  thresholdPercent: string;
  suspended: boolean;
}

/** The circuit breaker's question for one district: NPL / covered outstanding ≥ threshold. */
export function suspensionStatus(
  districtId: string,
  figures: { nplOverdueDays: number; outstandingFen: Fen; nplFen: Fen },
  thresholdPercent: string,
): SuspensionStatus {
  return {
    districtId,
    nplOverdueDays: figures.nplOverdueDays,
    coveredOutstandingFen: figures.outstandingFen,
    nonPerformingFen: figures.nplFen,
    nplPercent: percentString(figures.nplFen, figures.outstandingFen),
    thresholdPercent,
    suspended: nplAtOrAbove(figures.nplFen, figures.outstandingFen, thresholdPercent),
  };
}

/** The facts the cover rules decide on: the agreement, its fund's balances and the district's NPL status. */
export function coverFactsOf(
  ag: Pick<
    AgreementRecord,
    'status' | 'valid_from' | 'valid_to' | 'leverage_multiple' | 'entity_leverage_multiple'
  >,
  s: Pick<FundSummary, 'status' | 'heavy_task' | 'balance_fen' | 'minimum_fund_fen' | 'available_fen'>,
  suspension: Pick<SuspensionStatus, 'suspended' | 'nplPercent' | 'thresholdPercent'>,
  amountFen: Fen,
  borrowerType: BorrowerType,
  onDate: string,
): CoverFacts {
  const multipleText = multipleFor(ag, borrowerType);
  return {
    amountFen,
    onDate,
    agreementStatus: ag.status,
    validFrom: ag.valid_from,
    validTo: ag.valid_to,
    fundStatus: s.status,
    heavyTask: s.heavy_task,
    balanceFen: big(s.balance_fen),
    minimumFen: big(s.minimum_fund_fen),
    suspended: suspension.suspended,
    nplPercent: suspension.nplPercent,
    nplThresholdPercent: suspension.thresholdPercent,
    availableCoverFen: big(s.available_fen),
    multiple: parseMultiple(multipleText),
    multipleText,
  };
}
