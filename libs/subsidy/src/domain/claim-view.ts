import { formatYuan } from '#libs/money';
import type { ClaimKind, ClaimStatus } from './claims.js';

/** The claim columns the views and rules read (a structural subset of the stored row). */
export interface ClaimFacts {
  id: string;
  claim_no: string;
  programme_id: string;
  period_start: string;
  period_end: string;
  budget_year: number;
  settlement_mode: 'PAY_BANK' | 'REIMBURSE_BORROWER';
  payee_type: 'BANK' | 'FUND';
  bank_id: string | null;
  fund_id: string | null;
  kind: ClaimKind;
  version: number;
  status: ClaimStatus;
  parent_claim_id: string | null;
  superseded_by: string | null;
  remainder_claim_id: string | null;
  content_hash: string;
  line_count: number;
  interest_fen: string;
  forfeited_fen: string;
  total_fen: string;
  approved_fen: string | null;
  pending_count: number;
  as_of: string;
  generated_by: string;
  generated_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  approval_entry_id: string | null;
  paid_on: string | null;
  payment_ref: string | null;
  paid_by: string | null;
  payment_entry_id: string | null;
}

/** The group a claim belongs to: programme, settlement period and payee. */
export interface ClaimGroup {
  programmeId: string;
  periodStart: string;
  periodEnd: string;
  budgetYear: number;
  settlementMode: 'PAY_BANK' | 'REIMBURSE_BORROWER';
  payeeType: 'BANK' | 'FUND';
  payeeId: string;
}

export const groupKey = (g: { payeeType: string; payeeId: string }) => `${g.payeeType}:${g.payeeId}`;

/** `SUB<programme>-<period end>-<B|F><payee>-V<version>`: unique per group and version, readable on paper. */
export const claimNumber = (g: ClaimGroup, version: number): string =>
  `SUB${g.programmeId}-${g.periodEnd.replace(/-/g, '')}-${g.payeeType === 'BANK' ? 'B' : 'F'}${g.payeeId}-V${version}`;

export interface ClaimView {
  id: string;
  claimNo: string;
  programmeId: string;
  period: { start: string; end: string };
  budgetYear: number;
  settlementMode: ClaimFacts['settlement_mode'];
  payee: { type: 'BANK' | 'FUND'; bankId: string | null; fundId: string | null };
  kind: ClaimKind;
  version: number;
  status: ClaimStatus;
  parentClaimId: string | null;
  supersededBy: string | null;
  remainderClaimId: string | null;
  lineCount: number;
  /** Σ interest charged on the lines. */
  interest: string;
  /** Σ subsidy forfeited on the lines. */
  forfeited: string;
  /** Σ subsidy of the lines: what this claim asks for. */
  total: string;
  /** The part approved against the year's budget (the rest is the remainder claim's). */
  approved: string | null;
  /** Instalments of the period still within their grace and unpaid: they enter a later generation. */
  pendingCount: number;
  asOf: string;
  contentHash: string;
  generatedBy: string;
  generatedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalEntryId: string | null;
  paidOn: string | null;
  paymentRef: string | null;
  paidBy: string | null;
  paymentEntryId: string | null;
}

export function claimView(r: ClaimFacts): ClaimView {
  return {
    id: String(r.id),
    claimNo: r.claim_no,
    programmeId: String(r.programme_id),
    period: { start: r.period_start, end: r.period_end },
    budgetYear: r.budget_year,
    settlementMode: r.settlement_mode,
    payee: { type: r.payee_type, bankId: r.bank_id, fundId: r.fund_id },
    kind: r.kind,
    version: r.version,
    status: r.status,
    parentClaimId: r.parent_claim_id,
    supersededBy: r.superseded_by,
    remainderClaimId: r.remainder_claim_id,
    lineCount: r.line_count,
    interest: formatYuan(BigInt(r.interest_fen)),
    forfeited: formatYuan(BigInt(r.forfeited_fen)),
    total: formatYuan(BigInt(r.total_fen)),
    approved: r.approved_fen === null ? null : formatYuan(BigInt(r.approved_fen)),
    pendingCount: r.pending_count,
    asOf: r.as_of,
    contentHash: r.content_hash,
    generatedBy: r.generated_by,
    generatedAt: new Date(r.generated_at).toISOString(),
    approvedBy: r.approved_by,
    approvedAt: r.approved_at ? new Date(r.approved_at).toISOString() : null,
    approvalEntryId: r.approval_entry_id,
    paidOn: r.paid_on,
    paymentRef: r.payment_ref,
    paidBy: r.paid_by,
    paymentEntryId: r.payment_entry_id,
  };
}

export interface ClaimLineView {
  lineNo: number;
  loanId: string;
  loanNo: string;
  bankLoanRef: string | null;
  borrower: string;
  installmentNumber: number;
  periodStart: string;
  dueDate: string;
  days: number;
  policyType: string;
  ratePercent: string;
  balance: string;
  basis: string;
  yearShare: string;
  interest: string;
  originalInterest: string;
  interestPaid: string;
  interestPaidOn: string | null;
  computed: string;
  outcome: 'EARNED' | 'FORFEITED';
  forfeitReason: string | null;
  earned: string;
  forfeited: string;
  claimedBefore: string;
  subsidy: string;
}

/** A stored claim line with its loan's number and borrower (fen as text, the rate already normalized). */
export interface ClaimLineFacts {
  line_no: number;
  loan_id: string;
  loan_no: string;
  bank_loan_ref: string | null;
  borrower: string;
  installment_number: number;
  period_start: string;
  due_date: string;
  days: number;
  policy_type: string;
  rate_percent: string;
  balance_fen: string;
  basis_fen: string;
  year_share: string;
  interest_fen: string;
  original_interest_fen: string;
  interest_paid_fen: string;
  interest_paid_on: string | null;
  computed_fen: string;
  outcome: 'EARNED' | 'FORFEITED';
  forfeit_reason: string | null;
  earned_fen: string;
  forfeited_fen: string;
  claimed_before_fen: string;
  subsidy_fen: string;
}

export function claimLineView(r: ClaimLineFacts): ClaimLineView {
  const y = (v: string) => formatYuan(BigInt(v));
  return {
    lineNo: r.line_no,
    loanId: r.loan_id,
    loanNo: r.loan_no,
    bankLoanRef: r.bank_loan_ref,
    borrower: r.borrower,
    installmentNumber: r.installment_number,
    periodStart: r.period_start,
    dueDate: r.due_date,
    days: r.days,
    policyType: r.policy_type,
    ratePercent: r.rate_percent,
    balance: y(r.balance_fen),
    basis: y(r.basis_fen),
    yearShare: r.year_share,
    interest: y(r.interest_fen),
    originalInterest: y(r.original_interest_fen),
    interestPaid: y(r.interest_paid_fen),
    interestPaidOn: r.interest_paid_on,
    computed: y(r.computed_fen),
    outcome: r.outcome,
    forfeitReason: r.forfeit_reason,
    earned: y(r.earned_fen),
    forfeited: y(r.forfeited_fen),
    claimedBefore: y(r.claimed_before_fen),
    subsidy: y(r.subsidy_fen),
  };
}
