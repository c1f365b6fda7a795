import { installmentProgressChanged, type StoredInstallmentProgress } from '#libs/schedules/domain';
import type { FrozenInstallment, InstallmentState } from './replay.js';

/**
 * Between the stored instalment rows and the engine's shapes: the frozen schedule a replay starts from, the stored
 * state (the record of loans the engine no longer replays), and which rows a replay changed.
 */

/** An instalment as stored (loan_installments; bigint columns as decimal strings, dates as YYYY-MM-DD). */
export interface StoredInstallment extends StoredInstallmentProgress {
  id: string;
  number: number;
  period_start: string;
  due_date: string;
  days: number;
  principal_fen: string;
  original_interest_fen: string | null;
  status: 'OPEN' | 'OVERDUE' | 'PAID' | 'WRITTEN_OFF';
}

/** The schedule as frozen at disbursement (the interest before any re-freeze after a prepayment). */
export function frozenSchedule(rows: readonly StoredInstallment[]): FrozenInstallment[] {
  return rows.map((r) => ({
    number: r.number,
    periodStart: r.period_start,
    dueDate: r.due_date,
    days: r.days,
    principalFen: BigInt(r.principal_fen),
    originalInterestFen: BigInt(r.original_interest_fen ?? r.interest_fen),
  }));
}

/** The stored state of the instalments, in the engine's shape (for statements of written-off loans). */
export function storedState(rows: readonly StoredInstallment[]): InstallmentState[] {
  return rows.map((r) => ({
    number: r.number,
    periodStart: r.period_start,
    dueDate: r.due_date,
    days: r.days,
    principalFen: BigInt(r.principal_fen),
    interestFen: BigInt(r.interest_fen),
    penaltyFen: BigInt(r.penalty_fen),
    penaltyFenDays: BigInt(r.penalty_fen_days),
    accruedThrough: r.accrued_through,
    paidPrincipalFen: BigInt(r.paid_principal_fen),
    paidInterestFen: BigInt(r.paid_interest_fen),
    paidPenaltyFen: BigInt(r.paid_penalty_fen),
    status: r.status === 'WRITTEN_OFF' ? 'OVERDUE' : r.status,
    overdueSince: r.overdue_since,
    paidOn: r.paid_on,
    interestPaidOn: r.interest_paid_on,
  }));
}

/**
 * The replayed instalments that differ from what is stored, in the replay's order: only those need a write. An
 * instalment the replay has but the store does not is a bug, not a case.
 */
export function changedInstallments(
  stored: readonly StoredInstallment[],
  next: readonly InstallmentState[],
): InstallmentState[] {
  const byNumber = new Map(stored.map((r) => [r.number, r]));
  return next.filter((s) => {
    const r = byNumber.get(s.number);
    if (!r) throw new Error(`instalment ${s.number} is not stored`);
    return installmentProgressChanged(r, s);
  });
}
