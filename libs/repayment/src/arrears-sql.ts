import type { EntityManager } from 'typeorm';

/**
 * The arrears rules as set-based SQL over a batch of loan ids: what the close of business runs per batch, and what
 * a repayment runs for its one loan after replaying it (ageing, call clearing). The rules are those of
 * domain/replay.ts (accrueTo, markOverdue, daysOverdueOf, bucketOf); tests hold both to the same numbers.
 *
 * `loans.aged_as_of` is written by the repayment library only (the date a repayment, reversal or write-off replayed
 * the loan to): the close of business leaves a loan that is ahead of its date alone and does not stamp the others,
 * so a loan whose figures did not change costs no write.
 *
 * Callers lock the loans first (FOR UPDATE, in id order) in the same transaction.
 */

/**
 * Penalty rate of a loan as an exact fraction num / den of "per day per fen": the rate fixed at disbursement
 * (loans.penalty_rate_percent), else the product's (a surcharge on the contract rate, or an annual rate). No
 * division happens before the final rounding, so the SQL penalty is exactly the TypeScript one: round half up of
 * fenDays × num / den is div(2 × fenDays × num + den, 2 × den), and div() truncates an exact quotient.
 */
const PENALTY_NUM = `CASE WHEN l.penalty_rate_percent IS NOT NULL THEN l.penalty_rate_percent
                          WHEN pv.penalty_basis = 'SURCHARGE_ON_CONTRACT' THEN coalesce(l.annual_rate_percent, 0) * (100 + pv.penalty_rate_percent)
                          ELSE pv.penalty_rate_percent END`;
const PENALTY_DEN = `CASE WHEN l.penalty_rate_percent IS NULL AND pv.penalty_basis = 'SURCHARGE_ON_CONTRACT' THEN 3650000 ELSE 36500 END`;

/**
 * One pass over the unpaid instalments past due of a batch of loans (replay.accrueTo, then replay.markOverdue):
 * - penalty fen-days grow by the unpaid principal × the days from max(accrued_through, due date) to the date;
 * - what is still unpaid after due date + grace days becomes OVERDUE (overdue since due + grace + 1) and carries
 *   the penalty of its fen-days.
 * Rows that would not change are not written. Returns the rows written.
 */
export async function accrueAndMarkSql(m: EntityManager, date: string, loanIds: string[]): Promise<number> {
  const rows = (await m.query(
    `WITH c AS (
       SELECT i.id, i.status, i.overdue_since, i.penalty_fen, i.penalty_fen_days,
              CASE WHEN i.principal_fen > i.paid_principal_fen
                        AND greatest(coalesce(i.accrued_through, i.due_date), i.due_date) < $1::date
                   THEN (i.principal_fen - i.paid_principal_fen) * ($1::date - greatest(coalesce(i.accrued_through, i.due_date), i.due_date))
                   ELSE 0 END AS add_fd,
              i.due_date + pv.grace_days < $1::date
                AND (i.principal_fen - i.paid_principal_fen) + (i.interest_fen - i.paid_interest_fen) + (i.penalty_fen - i.paid_penalty_fen) > 0
                AS overdue,
              i.due_date + pv.grace_days + 1 AS since,
              ${PENALTY_NUM} AS pn, ${PENALTY_DEN} AS pd
         FROM loan_installments i
         JOIN loans l ON l.id = i.loan_id
         JOIN product_versions pv ON pv.id = l.product_version_id
        WHERE i.loan_id = ANY($2::bigint[]) AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $1::date
     ), v AS (
       SELECT c.*, CASE WHEN c.overdue
                        THEN greatest(c.penalty_fen, div(2 * (c.penalty_fen_days + c.add_fd)::numeric * c.pn + c.pd, 2 * c.pd)::bigint)
                        ELSE c.penalty_fen END AS penalty
         FROM c
     ), u AS (
       UPDATE loan_installments i
          SET penalty_fen_days = i.penalty_fen_days + v.add_fd,
              accrued_through = CASE WHEN v.add_fd > 0 THEN $1::date ELSE i.accrued_through END,
              status = CASE WHEN v.overdue THEN 'OVERDUE' ELSE i.status END,
              overdue_since = CASE WHEN v.overdue THEN v.since ELSE i.overdue_since END,
              penalty_fen = v.penalty
         FROM v
        WHERE i.id = v.id
          AND (v.add_fd > 0 OR (v.overdue AND (v.status <> 'OVERDUE' OR v.overdue_since IS DISTINCT FROM v.since OR v.penalty <> v.penalty_fen)))
       RETURNING 1)
     SELECT count(*)::int AS n FROM u`,
    [date, loanIds],
  )) as { n: number }[];
  return rows[0].n;
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
  const rows = (await m.query(
    `WITH o AS (
       SELECT loan_id, min(due_date) AS oldest FROM loan_installments
        WHERE loan_id = ANY($2::bigint[]) AND status = 'OVERDUE' GROUP BY loan_id
     ), d AS (
       SELECT l.id, l.arrears_bucket AS old_bucket, l.non_performing AS old_npl, l.days_overdue AS old_days,
              coalesce($1::date - o.oldest, 0) AS days
         FROM loans l LEFT JOIN o ON o.loan_id = l.id
        WHERE l.id = ANY($2::bigint[]) AND l.status = 'DISBURSED'
     ), n AS (
       SELECT d.*, CASE WHEN days <= 0 THEN 'CURRENT' WHEN days <= 30 THEN 'DPD_1_30' WHEN days <= 60 THEN 'DPD_31_60'
                        WHEN days <= 90 THEN 'DPD_61_90' ELSE 'DPD_90_PLUS' END AS bucket,
              days > 90 AS npl
         FROM d
     ), u AS (
       UPDATE loans l SET days_overdue = n.days, arrears_bucket = n.bucket, non_performing = n.npl
         FROM n
        WHERE l.id = n.id AND (n.old_days, n.old_bucket, n.old_npl) IS DISTINCT FROM (n.days, n.bucket, n.npl)
       RETURNING l.id
     ), ev AS (
       INSERT INTO loan_events (loan_id, event, actor, data)
       SELECT n.id, CASE WHEN n.npl AND NOT n.old_npl THEN 'NON_PERFORMING' ELSE 'ARREARS_BUCKET_CHANGED' END, $3,
              jsonb_build_object('businessDate', $1::date, 'from', n.old_bucket, 'to', n.bucket, 'daysOverdue', n.days)
         FROM n JOIN u ON u.id = n.id
        WHERE n.old_bucket <> n.bucket OR n.old_npl <> n.npl
       RETURNING 1)
     SELECT (SELECT count(*) FROM u)::int AS changed, (SELECT count(*) FROM ev)::int AS events`,
    [date, loanIds, actor],
  )) as { changed: number }[];
  return { changed: rows[0].changed };
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
  const rows = (await m.query(
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
     ), ev AS (
       INSERT INTO loan_events (loan_id, event, actor, data)
       SELECT raised.loan_id, 'GROUP_LIABILITY_CALLED', 'cob', jsonb_build_object('businessDate', $1::date, 'callId', raised.id)
         FROM raised
       RETURNING 1)
     SELECT (SELECT count(*) FROM raised)::int AS n, (SELECT count(*) FROM members)::int AS members,
            (SELECT count(*) FROM refreshed)::int AS refreshed, (SELECT count(*) FROM ev)::int AS events`,
    [date, loanIds, minDays],
  )) as { n: number }[];
  return rows[0].n;
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
  const rows = (await m.query(
    `WITH cleared AS (
       UPDATE group_liability_calls c SET status = 'CLEARED', cleared_on = $1::date
         FROM loans l
        WHERE c.loan_id = l.id AND c.status = 'OPEN' AND l.id = ANY($2::bigint[])
          AND (l.status IN ('CLOSED','WRITTEN_OFF') OR (l.status = 'DISBURSED' AND l.days_overdue = 0))
       RETURNING c.id, c.loan_id
     ), ev AS (
       INSERT INTO loan_events (loan_id, event, actor, data)
       SELECT loan_id, 'GROUP_LIABILITY_CLEARED', $3, jsonb_build_object('businessDate', $1::date, 'callId', id) FROM cleared
       RETURNING 1)
     SELECT (SELECT count(*) FROM cleared)::int AS n, (SELECT count(*) FROM ev)::int AS events`,
    [date, loanIds, actor],
  )) as { n: number }[];
  return rows[0].n;
}
