import { formatYuan } from '#libs/money';

/** The read side's views of a portfolio snapshot and of a group-liability call (money as yuan strings). */

export interface SnapshotView {
  fundId: string;
  businessDate: string;
  activeLoans: number;
  outstanding: string;
  byBucket: { current: string; dpd1To30: string; dpd31To60: string; dpd61To90: string; dpd90Plus: string };
  overdueLoans: number;
  overduePrincipal: string;
  overdueInterest: string;
  penaltyOutstanding: string;
  nonPerformingLoans: number;
  par30: string;
  par30Percent: string | null;
  /** Principal and usage fee of the instalments due in the 30 days up to the date, and what of it is paid. */
  dueLast30Days: string;
  paidLast30Days: string;
  /** paidLast30Days ÷ dueLast30Days (the collection rate), exact to two decimals; null when nothing fell due. */
  repaymentRatePercent: string | null;
  writtenOff: string;
  openLiabilityCalls: number;
}

export interface CallView {
  id: string;
  loanId: string;
  loanNo: string;
  fundId: string | null;
  groupId: string;
  borrowerHouseholdId: string | null;
  raisedOn: string;
  amountDue: string;
  status: 'OPEN' | 'CLEARED';
  clearedOn: string | null;
  coObligors: string[];
}

export interface SnapshotFacts {
  fund_id: string;
  business_date: string;
  active_loans: number;
  outstanding_fen: string;
  current_fen: string;
  bucket_1_30_fen: string;
  bucket_31_60_fen: string;
  bucket_61_90_fen: string;
  bucket_90_plus_fen: string;
  overdue_loans: number;
  overdue_principal_fen: string;
  overdue_interest_fen: string;
  penalty_outstanding_fen: string;
  non_performing_loans: number;
  par30_fen: string;
  /** numeric(7,2) as text keeps its two decimals ("12.50"); null when there is nothing to divide by. */
  par30_percent: string | null;
  due_30d_fen: string;
  paid_30d_fen: string;
  repayment_rate_percent: string | null;
  written_off_fen: string;
  open_liability_calls: number;
}

export interface CallFacts {
  id: string;
  loan_id: string;
  loan_no: string;
  fund_id: string | null;
  group_id: string;
  household_id: string | null;
  raised_on: string;
  amount_due_fen: string;
  status: 'OPEN' | 'CLEARED';
  cleared_on: string | null;
  members: string[] | null;
}

const y = (v: string | number) => formatYuan(BigInt(v));

export function snapshotView(r: SnapshotFacts): SnapshotView {
  return {
    fundId: String(r.fund_id),
    businessDate: String(r.business_date),
    activeLoans: Number(r.active_loans),
    outstanding: y(r.outstanding_fen),
    byBucket: {
      current: y(r.current_fen),
      dpd1To30: y(r.bucket_1_30_fen),
      dpd31To60: y(r.bucket_31_60_fen),
      dpd61To90: y(r.bucket_61_90_fen),
      dpd90Plus: y(r.bucket_90_plus_fen),
    },
    overdueLoans: Number(r.overdue_loans),
    overduePrincipal: y(r.overdue_principal_fen),
    overdueInterest: y(r.overdue_interest_fen),
    penaltyOutstanding: y(r.penalty_outstanding_fen),
    nonPerformingLoans: Number(r.non_performing_loans),
    par30: y(r.par30_fen),
    par30Percent: r.par30_percent,
    dueLast30Days: y(r.due_30d_fen),
    paidLast30Days: y(r.paid_30d_fen),
    repaymentRatePercent: r.repayment_rate_percent,
    writtenOff: y(r.written_off_fen),
    openLiabilityCalls: Number(r.open_liability_calls),
  };
}

export function callView(r: CallFacts): CallView {
  return {
    id: r.id,
    loanId: r.loan_id,
    loanNo: r.loan_no,
    fundId: r.fund_id,
    groupId: r.group_id,
    borrowerHouseholdId: r.household_id,
    raisedOn: r.raised_on,
    amountDue: y(r.amount_due_fen),
    status: r.status,
    clearedOn: r.cleared_on,
    coObligors: r.members ?? [],
  };
}
