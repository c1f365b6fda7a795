import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import { LoanAgeingStore, LoanStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';

/**
 * The arrears rules as set-based SQL over a batch of loan ids: what the close of business runs per batch, and what
 * a repayment runs for its one loan after replaying it (ageing, call clearing). The rules are those of
 * domain/replay.ts (accrueTo, markOverdue, daysOverdueOf) and the ageing rule (bucketOf); tests hold both to the same numbers.
 *
 * `loans.aged_as_of` is written by the repayment library only (the date a repayment, reversal or write-off replayed
 * the loan to): the close of business leaves a loan that is ahead of its date alone and does not stamp the others,
 * so a loan whose figures did not change costs no write.
 *
 * Callers lock the loans first (FOR UPDATE, in id order) in the same transaction.
 *
 * The loans, their instalments and their events belong to the loans library: these statements compute in SQL and
 * read its tables, and write them through its LoanStore and LoanAgeingStore (the one ageing rule); the group
 * liability calls are this library's own.
 */

/** The loans library's stores on the caller's connection (they keep no state besides it). */
const loansOf = (m: EntityManager) => new LoanStore(m.connection);

/**
 * One pass over the unpaid instalments past due of a batch of loans (replay.accrueTo, then replay.markOverdue):
 * - penalty fen-days grow by the unpaid principal × the days from max(accrued_through, due date) to the date;
 * - what is still unpaid after due date + grace days becomes OVERDUE (overdue since due + grace + 1) and carries
 *   the penalty of its fen-days.
 * Rows that would not change are not written. Returns the rows written.
 */
export async function accrueAndMarkSql(m: EntityManager, date: string, loanIds: string[]): Promise<number> {
  return loansOf(m).accrueAndMarkOverdue(m, date, loanIds);
}

export interface AgeingResult {
  changed: number;
}

/**
 * Ages the loans as of the business date: days overdue from the oldest OVERDUE instalment's due date, the bucket
 * (0, 1–30, 31–60, 61–90, 90+) and the non-performing flag (more than 90 days), and records a loan event when the
 * bucket or the flag changes. Active loans only; a loan whose figures do not change is not written (on most days
 * that is most of the portfolio).
 */
export async function ageSql(
  m: EntityManager,
  date: string,
  loanIds: string[],
  actor: string,
): Promise<AgeingResult> {
  const r = await new LoanAgeingStore().ageByOverdueInstallments(
    m,
    { date, actor, bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS },
    loanIds,
  );
  return { changed: r.changed };
}

/**
 * Group liability (联保责任): a mutual-aid loan of a joint-liability group 30 or more days overdue raises a call;
 * the group's other members become co-obligors (origination refuses them new loans while it is open). The open
 * call carries the overdue amount (principal, interest and penalty of the overdue instalments), refreshed daily.
 * At most one open call per loan (a unique index), so a second run for the date raises nothing.
 */
export async function raiseCallsSql(
  m: EntityManager,
  date: string,
  loanIds: string[],
  minDays: number,
): Promise<number> {
  const raised = await queryRows<{ id: string; loan_id: string }>(
    m,
    `WITH due AS (
       SELECT l.id AS loan_id, l.group_id, l.household_id,
              coalesce(sum((i.principal_fen - i.paid_principal_fen) + (i.interest_fen - i.paid_interest_fen)
                           + (i.penalty_fen - i.paid_penalty_fen)), 0)::bigint AS amount
         FROM loans l
         LEFT JOIN loan_installments i ON i.loan_id = l.id AND i.status = 'OVERDUE'
        WHERE l.id = ANY($2::bigint[]) AND l.channel = 'MUTUAL_AID' AND l.status = 'DISBURSED'
          AND l.group_id IS NOT NULL AND l.days_overdue >= $3
        GROUP BY l.id
     ), refreshed AS (
       UPDATE group_liability_calls c SET amount_due_fen = due.amount
         FROM due WHERE c.loan_id = due.loan_id AND c.status = 'OPEN' AND c.amount_due_fen <> due.amount
       RETURNING c.loan_id
     ), raised AS (
       INSERT INTO group_liability_calls (loan_id, group_id, raised_on, amount_due_fen)
       SELECT due.loan_id, due.group_id, $1::date, due.amount FROM due
        WHERE NOT EXISTS (SELECT 1 FROM group_liability_calls c WHERE c.loan_id = due.loan_id AND c.status = 'OPEN')
       ON CONFLICT (loan_id) WHERE status = 'OPEN' DO NOTHING
       RETURNING id, loan_id, group_id
     ), members AS (
       INSERT INTO group_liability_call_members (call_id, household_id)
       SELECT raised.id, gm.household_id
         FROM raised JOIN due ON due.loan_id = raised.loan_id
         JOIN liability_group_members gm ON gm.group_id = raised.group_id AND gm.household_id <> due.household_id
       RETURNING 1
     )
     -- refreshed and members run to completion whether or not they are read (data-modifying WITH).
     SELECT raised.id::text, raised.loan_id::text FROM raised ORDER BY raised.id`,
    [date, loanIds, minDays],
  );
  await loansOf(m).recordEvents(
    m,
    raised.map((c) => ({
      loanId: c.loan_id,
      event: 'GROUP_LIABILITY_CALLED',
      actor: 'cob',
      data: { businessDate: date, callId: Number(c.id) },
    })),
  );
  return raised.length;
}

/**
 * Clears the open calls of loans that are current again (nothing overdue), closed or written off: the group's
 * members may borrow again.
 */
export async function clearCallsSql(
  m: EntityManager,
  date: string,
  loanIds: string[],
  actor: string,
): Promise<number> {
  const cleared = await queryRows<{ id: string; loan_id: string }>(
    m,
    `WITH cleared AS (
       UPDATE group_liability_calls c SET status = 'CLEARED', cleared_on = $1::date
         FROM loans l
        WHERE c.loan_id = l.id AND c.status = 'OPEN' AND l.id = ANY($2::bigint[])
          AND (l.status IN ('CLOSED','WRITTEN_OFF') OR (l.status = 'DISBURSED' AND l.days_overdue = 0))
       RETURNING c.id, c.loan_id
     )
     SELECT id::text, loan_id::text FROM cleared ORDER BY id`,
    [date, loanIds],
  );
  await loansOf(m).recordEvents(
    m,
    cleared.map((c) => ({
      loanId: c.loan_id,
      event: 'GROUP_LIABILITY_CLEARED',
      actor,
      data: { businessDate: date, callId: Number(c.id) },
    })),
  );
  return cleared.length;
}
