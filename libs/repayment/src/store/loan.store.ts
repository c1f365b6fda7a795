import type { EntityManager } from 'typeorm';
import { DomainError, queryOne, queryRows } from '#libs/common';
import { isLoanId, type LoanInstallmentRow, type LoanRow as LoansLoanRow } from '#libs/loans';
import type { DayCount, Frequency, ScheduleMethod, ScheduleRounding } from '#libs/schedules';
import type { StoredInstallment } from '../domain/loan-state.js';

/**
 * Reads of the loans library's tables the repayment library needs (a store may read another library's tables;
 * every write goes through `LoanStore` of #libs/loans), and the narrowing of its rows to the contract columns the
 * repayment engine takes as typed (method, frequency, day count, rounding: checked by the loans' CHECK constraints).
 */

/** A loan as the repayment library reads it: the loans row, its schedule terms typed. */
export type LoanRow = Omit<LoansLoanRow, 'method' | 'frequency' | 'day_count' | 'rounding'> & {
  method: ScheduleMethod;
  frequency: Frequency;
  day_count: DayCount;
  rounding: ScheduleRounding;
};

export type InstallmentRow = StoredInstallment;

export const isId = (v: string): boolean => isLoanId(v);

/** The loans row as the repayment library types it (the CHECK constraints hold its schedule terms to the unions). */
export const asLoan = (row: LoansLoanRow): LoanRow => row as LoanRow;

/** A loan row the caller found (or locked) through LoanStore, or NOT_FOUND. */
export function foundLoan(row: LoansLoanRow | undefined, loanId: string): LoanRow {
  if (!row) throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
  return asLoan(row);
}

export const asInstallments = (rows: LoanInstallmentRow[]): InstallmentRow[] => rows;

export async function loadLoan(m: EntityManager, loanId: string, lock = false): Promise<LoanRow | undefined> {
  if (!isId(loanId)) return undefined;
  const row = await queryOne<LoansLoanRow>(
    m,
    `SELECT * FROM loans WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [loanId],
  );
  return row && asLoan(row);
}

export async function requireLoan(m: EntityManager, loanId: string, lock = false): Promise<LoanRow> {
  return foundLoan(await loadLoan(m, loanId, lock), loanId);
}

/** The instalments of a loan in number order; with `lock`, row locks taken in that (fixed) order. */
export async function loadInstallments(
  m: EntityManager,
  loanId: string,
  lock = false,
): Promise<InstallmentRow[]> {
  return queryRows<LoanInstallmentRow>(
    m,
    `SELECT * FROM loan_installments WHERE loan_id = $1 ORDER BY number${lock ? ' FOR UPDATE' : ''}`,
    [loanId],
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
