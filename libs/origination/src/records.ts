import type { Actor } from '#libs/common';
import { maskId, maskPhone, seesPersonalData } from '#libs/households';
import { formatYuan, type Fen } from '#libs/money';
import type { LoanEventRow, LoanInstallmentRow, LoanRow } from '#libs/loans';
import { nextStep, type LoanStatus, type NextStep, type WorkflowFacts } from './domain/workflow.js';

/** A loan row as other libraries read it (repayment, close of business): money in bigint fen, dates YYYY-MM-DD. */
export interface LoanRecord {
  id: string;
  loanNo: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  productVersionId: string;
  borrowerType: 'HOUSEHOLD' | 'ENTITY';
  householdId: string | null;
  entityId: string | null;
  districtId: string;
  villageId: string | null;
  fundId: string | null;
  groupId: string | null;
  bankId: string | null;
  principalFen: Fen;
  termMonths: number;
  /** The contract rate, fixed at disbursement (percent per year, exact decimal). */
  annualRatePercent: string | null;
  benchmarkRatePercent: string | null;
  penaltyRatePercent: string | null;
  purpose: string;
  method: string;
  frequency: string;
  dayCount: string;
  rounding: string;
  installmentMultipleFen: Fen;
  status: LoanStatus;
  /** 0 for a poor household's application (reviewed first), 1 otherwise. */
  priority: number;
  applicationDate: string | null;
  submittedAt: string | null;
  contractDate: string | null;
  disbursementDate: string | null;
  maturityDate: string | null;
  noticeStartedOn: string | null;
  /** Last day of the public notice (inclusive). */
  noticeEndsOn: string | null;
  outstandingPrincipalFen: Fen;
  daysOverdue: number;
  arrearsBucket: string;
  nonPerforming: boolean;
  flags: string[];
  createdBy: string;
  endorsedBy: string | null;
  endorsedAt: string | null;
  endorsementNote: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  secondApprovedBy: string | null;
  secondApprovedAt: string | null;
  /** Business date of the approval that completed the decision. */
  approvedOn: string | null;
  statusReason: string | null;
  closedOn: string | null;
  disbursementEntryId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const str = (v: string | number | null | undefined): string | null =>
  v === null || v === undefined ? null : String(v);
/** DATE columns are strings (pg type parser); a Date only when a caller's connection lacks the parser. */
export const dateOf = (v: string | Date | null): string | null =>
  v === null ? null : typeof v === 'string' ? v : v.toISOString().slice(0, 10);
const instant = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
/** numeric(9,6) in its shortest exact form: "6.000000" → "6", "4.350000" → "4.35". */
export const shortDecimal = (v: string | null): string | null =>
  v === null ? null : v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;

export function loanRecord(r: LoanRow): LoanRecord {
  return {
    id: String(r.id),
    loanNo: r.loan_no,
    channel: r.channel,
    productVersionId: String(r.product_version_id),
    borrowerType: r.borrower_type,
    householdId: str(r.household_id),
    entityId: str(r.entity_id),
    districtId: String(r.district_id),
    villageId: str(r.village_id),
    fundId: str(r.fund_id),
    groupId: str(r.group_id),
    bankId: str(r.bank_id),
    principalFen: BigInt(r.principal_fen),
    termMonths: r.term_months,
    annualRatePercent: shortDecimal(r.annual_rate_percent),
    benchmarkRatePercent: shortDecimal(r.benchmark_rate_percent),
    penaltyRatePercent: shortDecimal(r.penalty_rate_percent),
    purpose: r.purpose,
    method: r.method,
    frequency: r.frequency,
    dayCount: r.day_count,
    rounding: r.rounding,
    installmentMultipleFen: BigInt(r.installment_multiple_fen),
    status: r.status,
    priority: r.priority,
    applicationDate: dateOf(r.application_date),
    submittedAt: instant(r.submitted_at),
    contractDate: dateOf(r.contract_date),
    disbursementDate: dateOf(r.disbursement_date),
    maturityDate: dateOf(r.maturity_date),
    noticeStartedOn: dateOf(r.notice_started_on),
    noticeEndsOn: dateOf(r.notice_ends_on),
    outstandingPrincipalFen: BigInt(r.outstanding_principal_fen),
    daysOverdue: r.days_overdue,
    arrearsBucket: r.arrears_bucket,
    nonPerforming: r.non_performing,
    flags: r.flags ?? [],
    createdBy: r.created_by,
    endorsedBy: r.endorsed_by,
    endorsedAt: instant(r.endorsed_at),
    endorsementNote: r.endorsement_note,
    approvedBy: r.approved_by,
    approvedAt: instant(r.approved_at),
    secondApprovedBy: r.second_approved_by,
    secondApprovedAt: instant(r.second_approved_at),
    approvedOn: dateOf(r.approved_on),
    statusReason: r.status_reason,
    closedOn: dateOf(r.closed_on),
    disbursementEntryId: str(r.disbursement_entry_id),
    version: r.version,
    createdAt: instant(r.created_at)!,
    updatedAt: instant(r.updated_at)!,
  };
}

/** The workflow facts of a loan under the rules of its fund (threshold, notice days). */
export function workflowFacts(
  loan: LoanRecord,
  fund: { secondApprovalThresholdFen: Fen; publicNoticeDays: number } | null,
): WorkflowFacts {
  return {
    status: loan.status,
    createdBy: loan.createdBy,
    approvedBy: loan.approvedBy,
    needsGroupEndorsement: loan.groupId !== null,
    needsSecondApproval: fund !== null && loan.principalFen > fund.secondApprovalThresholdFen,
    noticeDays: fund?.publicNoticeDays ?? 0,
    noticeEndsOn: loan.noticeEndsOn,
  };
}

// -- API views ----------------------------------------------------------------------------------------------------

export interface BorrowerView {
  headName: string | null;
  idNumber: string | null;
  phone: string | null;
  status: string | null;
  personalDataMasked: boolean;
}

export interface LoanView {
  id: string;
  loanNo: string;
  channel: string;
  status: LoanStatus;
  nextStep: NextStep;
  borrowerType: string;
  householdId: string | null;
  entityId: string | null;
  borrower: BorrowerView;
  districtId: string;
  villageId: string | null;
  villageName: string | null;
  fundId: string | null;
  groupId: string | null;
  bankId: string | null;
  productVersionId: string;
  productCode: string;
  productVersion: number;
  principal: string;
  termMonths: number;
  purpose: string;
  method: string;
  frequency: string;
  dayCount: string;
  rounding: string;
  installmentMultiple: string;
  annualRatePercent: string | null;
  benchmarkRatePercent: string | null;
  penaltyRatePercent: string | null;
  priority: number;
  applicationDate: string | null;
  submittedAt: string | null;
  endorsedBy: string | null;
  endorsedAt: string | null;
  endorsementNote: string | null;
  createdBy: string;
  approvedBy: string | null;
  approvedAt: string | null;
  secondApprovedBy: string | null;
  secondApprovedAt: string | null;
  approvedOn: string | null;
  needsSecondApproval: boolean;
  noticeStartedOn: string | null;
  noticeEndsOn: string | null;
  contractDate: string | null;
  disbursementDate: string | null;
  maturityDate: string | null;
  outstandingPrincipal: string;
  daysOverdue: number;
  arrearsBucket: string;
  nonPerforming: boolean;
  statusReason: string | null;
  disbursementEntryId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A loan row joined with what its view names: borrower, product, village and the fund's approval rules. */
export interface LoanViewRow extends LoanRow {
  head_name: string | null;
  id_number: string | null;
  phone: string | null;
  household_status: string | null;
  entity_name: string | null;
  product_code: string;
  product_version: number;
  village_name: string | null;
  second_approval_threshold_fen: string | null;
  public_notice_days: number | null;
}

export const VIEW_SELECT = `
  SELECT l.*, h.head_name, h.id_number, h.phone, h.status AS household_status, e.name AS entity_name,
         p.code AS product_code, pv.version AS product_version, v.name AS village_name,
         f.second_approval_threshold_fen, f.public_notice_days
    FROM loans l
    JOIN product_versions pv ON pv.id = l.product_version_id
    JOIN products p ON p.id = pv.product_id
    LEFT JOIN households h ON h.id = l.household_id
    LEFT JOIN operating_entities e ON e.id = l.entity_id
    LEFT JOIN villages v ON v.id = l.village_id
    LEFT JOIN mutual_aid_funds f ON f.id = l.fund_id`;

export function loanView(r: LoanViewRow, viewer: Actor | null | undefined, today: string): LoanView {
  const loan = loanRecord(r);
  const fund =
    r.second_approval_threshold_fen === null
      ? null
      : {
          secondApprovalThresholdFen: BigInt(r.second_approval_threshold_fen),
          publicNoticeDays: r.public_notice_days ?? 0,
        };
  const facts = workflowFacts(loan, fund);
  const clear = seesPersonalData(viewer);
  return {
    id: loan.id,
    loanNo: loan.loanNo,
    channel: loan.channel,
    status: loan.status,
    nextStep: loan.channel === 'MUTUAL_AID' ? nextStep(facts, today) : null,
    borrowerType: loan.borrowerType,
    householdId: loan.householdId,
    entityId: loan.entityId,
    borrower: {
      headName: r.head_name ?? r.entity_name,
      idNumber: clear ? r.id_number : maskId(r.id_number),
      phone: clear ? r.phone : maskPhone(r.phone),
      status: r.household_status,
      personalDataMasked: !clear,
    },
    districtId: loan.districtId,
    villageId: loan.villageId,
    villageName: r.village_name,
    fundId: loan.fundId,
    groupId: loan.groupId,
    bankId: loan.bankId,
    productVersionId: loan.productVersionId,
    productCode: r.product_code,
    productVersion: r.product_version,
    principal: formatYuan(loan.principalFen),
    termMonths: loan.termMonths,
    purpose: loan.purpose,
    method: loan.method,
    frequency: loan.frequency,
    dayCount: loan.dayCount,
    rounding: loan.rounding,
    installmentMultiple: formatYuan(loan.installmentMultipleFen),
    annualRatePercent: loan.annualRatePercent,
    benchmarkRatePercent: loan.benchmarkRatePercent,
    penaltyRatePercent: loan.penaltyRatePercent,
    priority: loan.priority,
    applicationDate: loan.applicationDate,
    submittedAt: loan.submittedAt,
    endorsedBy: loan.endorsedBy,
    endorsedAt: loan.endorsedAt,
    endorsementNote: loan.endorsementNote,
    createdBy: loan.createdBy,
    approvedBy: loan.approvedBy,
    approvedAt: loan.approvedAt,
    secondApprovedBy: loan.secondApprovedBy,
    secondApprovedAt: loan.secondApprovedAt,
    approvedOn: loan.approvedOn,
    needsSecondApproval: facts.needsSecondApproval,
    noticeStartedOn: loan.noticeStartedOn,
    noticeEndsOn: loan.noticeEndsOn,
    contractDate: loan.contractDate,
    disbursementDate: loan.disbursementDate,
    maturityDate: loan.maturityDate,
    outstandingPrincipal: formatYuan(loan.outstandingPrincipalFen),
    daysOverdue: loan.daysOverdue,
    arrearsBucket: loan.arrearsBucket,
    nonPerforming: loan.nonPerforming,
    statusReason: loan.statusReason,
    disbursementEntryId: loan.disbursementEntryId,
    version: loan.version,
    createdAt: loan.createdAt,
    updatedAt: loan.updatedAt,
  };
}

/** One frozen instalment as other libraries read it. */
export interface InstallmentRecord {
  id: string;
  loanId: string;
  number: number;
  dueDate: string;
  periodStart: string;
  days: number;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  paidPrincipalFen: Fen;
  paidInterestFen: Fen;
  paidPenaltyFen: Fen;
  status: 'OPEN' | 'OVERDUE' | 'PAID' | 'WRITTEN_OFF';
  overdueSince: string | null;
  paidOn: string | null;
}

/** The instalment row as libs/loans stores it. */
export type InstallmentRow = LoanInstallmentRow;

export function installmentRecord(r: InstallmentRow): InstallmentRecord {
  return {
    id: String(r.id),
    loanId: String(r.loan_id),
    number: r.number,
    dueDate: dateOf(r.due_date)!,
    periodStart: dateOf(r.period_start)!,
    days: r.days,
    principalFen: BigInt(r.principal_fen),
    interestFen: BigInt(r.interest_fen),
    penaltyFen: BigInt(r.penalty_fen),
    paidPrincipalFen: BigInt(r.paid_principal_fen),
    paidInterestFen: BigInt(r.paid_interest_fen),
    paidPenaltyFen: BigInt(r.paid_penalty_fen),
    status: r.status,
    overdueSince: dateOf(r.overdue_since),
    paidOn: dateOf(r.paid_on),
  };
}

export function installmentView(i: InstallmentRecord) {
  return {
    number: i.number,
    periodStart: i.periodStart,
    dueDate: i.dueDate,
    days: i.days,
    principal: formatYuan(i.principalFen),
    interest: formatYuan(i.interestFen),
    penalty: formatYuan(i.penaltyFen),
    total: formatYuan(i.principalFen + i.interestFen + i.penaltyFen),
    paidPrincipal: formatYuan(i.paidPrincipalFen),
    paidInterest: formatYuan(i.paidInterestFen),
    paidPenalty: formatYuan(i.paidPenaltyFen),
    status: i.status,
    overdueSince: i.overdueSince,
    paidOn: i.paidOn,
  };
}

export function eventView(e: LoanEventRow) {
  return {
    id: String(e.id),
    event: e.event,
    fromStatus: e.from_status,
    toStatus: e.to_status,
    actor: e.actor,
    reason: e.reason,
    data: e.data,
    at: new Date(e.at).toISOString(),
  };
}
