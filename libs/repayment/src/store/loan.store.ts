import type { EntityManager } from 'typeorm';
import { DomainError, queryOne, queryRows } from '#libs/common';
import type { DayCount, Frequency, ScheduleMethod, ScheduleRounding } from '#libs/schedules';
import { changedInstallments, type StoredInstallment } from '../domain/loan-state.js';
import type { InstallmentState } from '../domain/replay.js';

/**
 * The loans, instalments and loan events as the repayment library reads and changes them. The tables belong to the
 * loans library: these statements move behind its API once it exists (issue 14); no service issues them itself.
 */

/** The columns of a loan the repayment library reads. */
export interface LoanRow {
  id: string;
  loan_no: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  status: string;
  product_version_id: string;
  household_id: string | null;
  fund_id: string | null;
  group_id: string | null;
  bank_id: string | null;
  district_id: string;
  village_id: string | null;
  principal_fen: string;
  term_months: number;
  annual_rate_percent: string | null;
  penalty_rate_percent: string | null;
  method: ScheduleMethod;
  frequency: Frequency;
  day_count: DayCount;
  rounding: ScheduleRounding;
  disbursement_date: string | null;
  maturity_date: string | null;
  outstanding_principal_fen: string;
  days_overdue: number;
  arrears_bucket: string;
  non_performing: boolean;
  aged_as_of: string | null;
  closed_on: string | null;
  disbursement_entry_id: string | null;
}

export type InstallmentRow = StoredInstallment;

const LOAN_COLUMNS = `id::text, loan_no, channel, status, product_version_id::text, household_id::text, fund_id::text,
  group_id::text, bank_id::text, district_id::text, village_id::text, principal_fen::text, term_months,
  annual_rate_percent::text, penalty_rate_percent::text, method, frequency, day_count, rounding, disbursement_date,
  maturity_date, outstanding_principal_fen::text, days_overdue, arrears_bucket, non_performing, aged_as_of, closed_on,
  disbursement_entry_id::text`;

export const isId = (v: string): boolean => /^[1-9]\d{0,17}$/.test(v);

export async function loadLoan(m: EntityManager, loanId: string, lock = false): Promise<LoanRow | undefined> {
  if (!isId(loanId)) return undefined;
  return queryOne<LoanRow>(m, `SELECT ${LOAN_COLUMNS} FROM loans WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
    loanId,
  ]);
}

export async function requireLoan(m: EntityManager, loanId: string, lock = false): Promise<LoanRow> {
  const loan = await loadLoan(m, loanId, lock);
  if (!loan) throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
  return loan;
}

/** The instalments of a loan in number order; with `lock`, row locks taken in that (fixed) order. */
export async function loadInstallments(
  m: EntityManager,
  loanId: string,
  lock = false,
): Promise<InstallmentRow[]> {
  return queryRows<InstallmentRow>(
    m,
    `SELECT id::text, number, period_start, due_date, days, principal_fen::text, interest_fen::text,
            original_interest_fen::text, penalty_fen::text, penalty_fen_days::text, accrued_through,
            paid_principal_fen::text, paid_interest_fen::text, paid_penalty_fen::text, status, overdue_since, paid_on,
            interest_paid_on
       FROM loan_installments WHERE loan_id = $1 ORDER BY number${lock ? ' FOR UPDATE' : ''}`,
    [loanId],
  );
}

/**
 * Writes the engine's state to the instalment rows that differ from what is stored (one statement). Rows the
 * engine does not own (WRITTEN_OFF) are never passed here.
 */
export async function saveInstallments(
  m: EntityManager,
  loanId: string,
  stored: readonly InstallmentRow[],
  next: readonly InstallmentState[],
): Promise<number> {
  const changed = changedInstallments(stored, next);
  if (!changed.length) return 0;
  const col = <T>(f: (s: InstallmentState) => T) => changed.map(f);
  const big = (f: (s: InstallmentState) => bigint) => changed.map((s) => f(s).toString());
  await m.query(
    `UPDATE loan_installments i
        SET interest_fen = v.interest, penalty_fen = v.penalty, penalty_fen_days = v.fen_days, accrued_through = v.accrued,
            paid_principal_fen = v.paid_p, paid_interest_fen = v.paid_i, paid_penalty_fen = v.paid_pen, status = v.status,
            overdue_since = v.since, paid_on = v.paid_on, interest_paid_on = v.int_paid_on
       FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::date[], $7::bigint[], $8::bigint[], $9::bigint[],
                   $10::text[], $11::date[], $12::date[], $13::date[])
              AS v(number, interest, penalty, fen_days, accrued, paid_p, paid_i, paid_pen, status, since, paid_on, int_paid_on)
      WHERE i.loan_id = $1 AND i.number = v.number`,
    [
      loanId,
      col((s) => s.number),
      big((s) => s.interestFen),
      big((s) => s.penaltyFen),
      big((s) => s.penaltyFenDays),
      col((s) => s.accruedThrough),
      big((s) => s.paidPrincipalFen),
      big((s) => s.paidInterestFen),
      big((s) => s.paidPenaltyFen),
      col((s) => s.status),
      col((s) => s.overdueSince),
      col((s) => s.paidOn),
      col((s) => s.interestPaidOn),
    ],
  );
  return changed.length;
}

/**
 * Stores a replayed loan's balance, status and replay date; a closed loan is current and performing. The ageing of
 * a loan still outstanding is the arrears rule's (ageSql) to set.
 */
export async function saveReplayedLoan(
  m: EntityManager,
  loanId: string,
  next: { outstandingPrincipalFen: bigint; closedOn: string | null; asOf: string },
): Promise<void> {
  await m.query(
    `UPDATE loans SET outstanding_principal_fen = $2, status = $3, closed_on = $4, version = version + 1, updated_at = now(),
                      days_overdue = CASE WHEN $3 = 'CLOSED' THEN 0 ELSE days_overdue END,
                      arrears_bucket = CASE WHEN $3 = 'CLOSED' THEN 'CURRENT' ELSE arrears_bucket END,
                      non_performing = CASE WHEN $3 = 'CLOSED' THEN false ELSE non_performing END,
                      aged_as_of = $5
      WHERE id = $1`,
    [
      loanId,
      next.outstandingPrincipalFen.toString(),
      next.closedOn !== null ? 'CLOSED' : 'DISBURSED',
      next.closedOn,
      next.asOf,
    ],
  );
}

/** A written-off loan: nothing outstanding on the books, its ageing frozen, its unpaid instalments WRITTEN_OFF. */
export async function saveWrittenOffLoan(
  m: EntityManager,
  loanId: string,
  w: { reason: string; daysOverdue: number; bucket: string; asOf: string },
): Promise<void> {
  await m.query(
    `UPDATE loan_installments SET status = 'WRITTEN_OFF' WHERE loan_id = $1 AND status <> 'PAID'`,
    [loanId],
  );
  await m.query(
    `UPDATE loans SET status = 'WRITTEN_OFF', outstanding_principal_fen = 0, status_reason = $2, days_overdue = $3,
                      arrears_bucket = $4, non_performing = true, aged_as_of = $5, version = version + 1, updated_at = now()
      WHERE id = $1`,
    [loanId, w.reason, w.daysOverdue, w.bucket, w.asOf],
  );
}

export interface LoanEventInput {
  loanId: string;
  event: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  actor: string;
  reason?: string | null;
  data?: Record<string, unknown> | null;
}

/** Appends to a loan's history. */
export async function recordLoanEvent(m: EntityManager, e: LoanEventInput): Promise<void> {
  await m.query(
    `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [
      e.loanId,
      e.event,
      e.fromStatus ?? null,
      e.toStatus ?? null,
      e.actor,
      e.reason ?? null,
      e.data ? JSON.stringify(e.data) : null,
    ],
  );
}

/** The number of another active mutual-aid loan of the household (origination's one-active-loan rule), if any. */
export async function otherActiveLoanNo(
  m: EntityManager,
  householdId: string,
  loanId: string,
): Promise<string | null> {
  const other = await queryOne<{ loan_no: string }>(
    m,
    `SELECT loan_no FROM loans WHERE household_id = $1 AND id <> $2 AND channel = 'MUTUAL_AID'
        AND status IN ('SUBMITTED','GROUP_ENDORSED','APPROVED','IN_PUBLIC_NOTICE','DISBURSED')`,
    [householdId, loanId],
  );
  return other?.loan_no ?? null;
}

/** Whether a household is a member of a joint-liability group. */
export async function isGroupMember(
  m: EntityManager,
  groupId: string | null,
  householdId: string,
): Promise<boolean> {
  const member = await queryOne<{ ok: boolean }>(
    m,
    `SELECT true AS ok FROM liability_group_members WHERE group_id = $1 AND household_id = $2`,
    [groupId, isId(householdId) ? householdId : null],
  );
  return member !== undefined;
}
