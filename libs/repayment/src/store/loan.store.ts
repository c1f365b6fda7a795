import type { EntityManager } from 'typeorm';
import { DomainError, queryOne, queryRows } from '#libs/common';
import { penaltyRateFor, ProductsService } from '#libs/products';
import type { DayCount, Frequency, ScheduleMethod, ScheduleRounding } from '#libs/schedules';
import type { FrozenInstallment, InstallmentState, ReplayPayment } from './domain/replay.js';
import { isWaterfall, type PrepaymentMode, type RepaymentTerms } from './domain/terms.js';

/** The columns of a loan the repayment library reads (origination owns the row; this library writes its arrears). */
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

export interface InstallmentRow {
  id: string;
  number: number;
  period_start: string;
  due_date: string;
  days: number;
  principal_fen: string;
  interest_fen: string;
  original_interest_fen: string | null;
  penalty_fen: string;
  penalty_fen_days: string;
  accrued_through: string | null;
  paid_principal_fen: string;
  paid_interest_fen: string;
  paid_penalty_fen: string;
  status: 'OPEN' | 'OVERDUE' | 'PAID' | 'WRITTEN_OFF';
  overdue_since: string | null;
  paid_on: string | null;
  interest_paid_on: string | null;
}

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

export function frozenSchedule(rows: readonly InstallmentRow[]): FrozenInstallment[] {
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
export function storedState(rows: readonly InstallmentRow[]): InstallmentState[] {
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

/** Repayments (not recoveries) in force on a loan, as the engine replays them. */
export async function activePayments(m: EntityManager, loanId: string): Promise<ReplayPayment[]> {
  const rows = await queryRows<{ id: string; value_date: string; amount_fen: string }>(
    m,
    `SELECT id::text, value_date, amount_fen::text FROM repayments
      WHERE loan_id = $1 AND kind = 'REPAYMENT' AND status = 'POSTED' ORDER BY value_date, repayments.id`,
    [loanId],
  );
  return rows.map((r) => ({ id: r.id, valueDate: r.value_date, amountFen: BigInt(r.amount_fen) }));
}

/**
 * The terms the engine applies to a loan: its contract (rate, method, rounding), the penalty rate fixed at
 * disbursement (or the product's for loans recorded without one), and the product version's grace days,
 * waterfall and prepayment mode.
 */
export async function termsOf(
  m: EntityManager,
  products: ProductsService,
  loan: LoanRow,
): Promise<RepaymentTerms> {
  const product = await products.getVersion(loan.product_version_id, m);
  if (loan.annual_rate_percent === null) {
    throw new DomainError('LOAN_NOT_REPAYABLE', `loan ${loan.id} has no contract rate`, [
      { field: 'loan', code: 'NO_CONTRACT_RATE', message: 'the loan carries no contract rate' },
    ]);
  }
  const waterfall = product.waterfall;
  if (!isWaterfall(waterfall))
    throw new Error(`product version ${loan.product_version_id} has an invalid waterfall`);
  return {
    principalFen: BigInt(loan.principal_fen),
    annualRatePercent: loan.annual_rate_percent,
    penaltyRatePercent: loan.penalty_rate_percent ?? penaltyRateFor(product, loan.annual_rate_percent),
    method: loan.method,
    frequency: loan.frequency,
    dayCount: loan.day_count,
    rounding: loan.rounding,
    graceDays: product.graceDays,
    waterfall,
    prepaymentMode: product.prepaymentMode as PrepaymentMode,
  };
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
  const byNumber = new Map(stored.map((r) => [r.number, r]));
  const changed = next.filter((s) => {
    const r = byNumber.get(s.number);
    if (!r) throw new Error(`instalment ${s.number} of loan ${loanId} is not stored`);
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
  });
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
