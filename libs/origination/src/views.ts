import type { Actor } from '#libs/common';
import { maskId, maskPhone, seesPersonalData } from '#libs/households';
import type { LoanEventRow } from '#libs/loans';
import { formatYuan } from '#libs/money';
import { loanRecord, workflowFacts, type InstallmentRecord } from './domain/loan-record.js';
import { nextStep, type LoanStatus, type NextStep } from './domain/workflow.js';
import type { LoanViewRow } from './store/loan-view.store.js';

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
