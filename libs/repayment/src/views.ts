import { formatYuan } from '#libs/money';
import type { RepaymentRow } from './store/repayment.store.js';

export type { RepaymentRow };

/** Channels a repayment can arrive by (GROUP_LIABILITY: a co-obligor of the joint-liability group pays). */
export const REPAYMENT_CHANNELS = [
  'CASH',
  'BANK_TRANSFER',
  'MOBILE_PAYMENT',
  'PAYROLL_DEDUCTION',
  'GROUP_LIABILITY',
] as const;
export type RepaymentChannel = (typeof REPAYMENT_CHANNELS)[number];

export const REPAYMENT_KINDS = ['REPAYMENT', 'RECOVERY'] as const;
export type RepaymentKind = (typeof REPAYMENT_KINDS)[number];

export const REPAYMENT_STATUSES = ['POSTED', 'REVERSED'] as const;
export type RepaymentStatus = (typeof REPAYMENT_STATUSES)[number];

export interface RepaymentView {
  id: string;
  loanId: string;
  loanNo: string;
  fundId: string;
  kind: RepaymentKind;
  amount: string;
  valueDate: string;
  channel: RepaymentChannel;
  reference: string | null;
  payerHouseholdId: string | null;
  /** The split in force: as first applied, plus the corrections later backdated repayments or reversals caused. */
  allocation: { principal: string; interest: string; penalty: string; recovery: string };
  /** The split as first applied (what the repayment's own journal entry posted). */
  originalAllocation: { principal: string; interest: string; penalty: string; recovery: string };
  prepaidPrincipal: string;
  payoff: boolean;
  backdated: boolean;
  status: RepaymentStatus;
  entryId: string;
  reversal: { reversedOn: string; reversedBy: string; reason: string; entryId: string } | null;
  createdBy: string;
  createdAt: string;
}

const y = (v: string | bigint) => formatYuan(BigInt(v));

export function repaymentView(r: RepaymentRow): RepaymentView {
  const reversed = r.status === 'REVERSED';
  return {
    id: r.id,
    loanId: r.loan_id,
    loanNo: r.loan_no,
    fundId: r.fund_id,
    kind: r.kind,
    amount: y(r.amount_fen),
    valueDate: r.value_date,
    channel: r.channel,
    reference: r.reference,
    payerHouseholdId: r.payer_household_id,
    allocation: {
      principal: y(r.cur_principal_fen),
      interest: y(r.cur_interest_fen),
      penalty: y(r.cur_penalty_fen),
      recovery: y(reversed ? 0n : BigInt(r.recovery_fen)),
    },
    originalAllocation: {
      principal: y(r.principal_fen),
      interest: y(r.interest_fen),
      penalty: y(r.penalty_fen),
      recovery: y(r.recovery_fen),
    },
    prepaidPrincipal: y(r.prepaid_principal_fen),
    payoff: r.payoff,
    backdated: r.backdated,
    status: r.status,
    entryId: r.entry_id,
    reversal: reversed
      ? {
          reversedOn: r.reversed_on!,
          reversedBy: r.reversed_by!,
          reason: r.reversal_reason!,
          entryId: r.reversal_entry_id!,
        }
      : null,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** The loan as a repayment leaves it. */
export interface LoanAfterView {
  id: string;
  status: string;
  outstandingPrincipal: string;
  daysOverdue: number;
  arrearsBucket: string;
  nonPerforming: boolean;
  closedOn: string | null;
}

/** A recorded repayment with its effect: the loan after it and the corrections it caused in earlier splits. */
export interface RepaymentResult extends RepaymentView {
  loan: LoanAfterView;
  installments: { number: number; principal: string; interest: string; penalty: string }[];
  corrections: { adjustmentId: string; entryId: string | null }[];
}

/** The loan as an operation leaves it (from its stored row). */
export function loanAfter(l: {
  id: string;
  status: string;
  outstanding_principal_fen: string;
  days_overdue: number;
  arrears_bucket: string;
  non_performing: boolean;
  closed_on: string | null;
}): LoanAfterView {
  return {
    id: l.id,
    status: l.status,
    outstandingPrincipal: formatYuan(BigInt(l.outstanding_principal_fen)),
    daysOverdue: l.days_overdue,
    arrearsBucket: l.arrears_bucket,
    nonPerforming: l.non_performing,
    closedOn: l.closed_on,
  };
}
