/**
 * Whether a replayed instalment differs from its stored row, on the columns a repayment replay writes. The one
 * comparison behind "which rows need a write" (the repayment engine's changedInstallments and the loan store's
 * saveInstallments).
 */

/** The stored progress columns of an instalment (bigint columns as decimal strings, dates as YYYY-MM-DD). */
export interface StoredInstallmentProgress {
  interest_fen: string;
  penalty_fen: string;
  penalty_fen_days: string;
  accrued_through: string | null;
  paid_principal_fen: string;
  paid_interest_fen: string;
  paid_penalty_fen: string;
  status: string;
  overdue_since: string | null;
  paid_on: string | null;
  interest_paid_on: string | null;
}

/** The same progress as a replay computes it. */
export interface ReplayedInstallmentProgress {
  interestFen: bigint;
  penaltyFen: bigint;
  penaltyFenDays: bigint;
  accruedThrough: string | null;
  paidPrincipalFen: bigint;
  paidInterestFen: bigint;
  paidPenaltyFen: bigint;
  status: string;
  overdueSince: string | null;
  paidOn: string | null;
  interestPaidOn: string | null;
}

export function installmentProgressChanged(
  r: StoredInstallmentProgress,
  s: ReplayedInstallmentProgress,
): boolean {
  return (
    BigInt(r.interest_fen) !== s.interestFen ||
    BigInt(r.penalty_fen) !== s.penaltyFen ||
    BigInt(r.penalty_fen_days) !== s.penaltyFenDays ||
    r.accrued_through !== s.accruedThrough ||
    BigInt(r.paid_principal_fen) !== s.paidPrincipalFen ||
    BigInt(r.paid_interest_fen) !== s.paidInterestFen ||
    BigInt(r.paid_penalty_fen) !== s.paidPenaltyFen ||
    r.status !== s.status ||
    r.overdue_since !== s.overdueSince ||
    r.paid_on !== s.paidOn ||
    r.interest_paid_on !== s.interestPaidOn
  );
}
