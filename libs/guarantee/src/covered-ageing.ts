import type { EntityManager } from 'typeorm';

/**
 * Ageing of BANK_COVERED loans between the bank's status reports (SPEC §3: the daily close of business ages
 * arrears, marks loans non-performing and so opens compensation eligibility; SPEC §2.2 circuit breaker).
 *
 * The rule: the bank's latest status report (`loans.status_reported_on` / `status_reported_days`, by as-of date) is
 * authoritative as of its date; after it the engine ages the loan itself from the frozen schedule. For a business
 * date D:
 *
 *   days_overdue(D) = max( reported_days > 0 and the reported arrears still stand ? reported_days + (D − reported_on) : 0,
 *                          D − the oldest due date of an instalment still owing something (OPEN or OVERDUE) with
 *                              reported_on < due date < D (any due date < D when the loan was never reported) )
 *
 * and 0 when neither applies. A report of arrears keeps growing by the calendar while it stands: while an instalment
 * due on or before the report's date still owes something, or no repayment has been reported since (the bank's word
 * then holds even where the engine's schedule says otherwise). A repayment reported on or after the report's date
 * that leaves nothing owing from before it ends the reported arrears: a borrower who paid up is not aged on. Instalments
 * that fell due on or before the report's date are otherwise the bank's word (a report "current" settles them), later
 * ones count again when they fall due unpaid. The bucket is the one of every loan (0 / 1–30 / 31–60 / 61–90 / 90+) and the loan is
 * non-performing beyond the district fund's `npl_overdue_days` (the status report's and the breaker's line, 90 by
 * default). A repayment report settles instalments, so the next run no longer counts them.
 *
 * A loan whose basis is later than D (a report as of a day after D) is ahead of D and left alone. Every figure is a
 * function of D and the rows, so running it twice for D writes nothing the second time.
 */

/**
 * The covered loans of the id range afterId < id ≤ upToId that may need a write on D, locked (FOR UPDATE, in id
 * order): those with non-zero figures, a reported arrears basis, or an unpaid instalment due before D. A loan that
 * is current, was never reported in arrears and has nothing unpaid past due would not change and is not locked.
 * Only loan rows are locked (the last level of the library's order fund → agreement → loan/cover), never a fund, so
 * a batch cannot deadlock with a report that holds its fund and one loan.
 */
export async function lockCoveredForAgeing(
  m: EntityManager,
  date: string,
  afterId: string,
  upToId: string,
): Promise<string[]> {
  const rows = (await m.query(
    `SELECT l.id::text AS id FROM loans l
      WHERE l.id > $1 AND l.id <= $2 AND l.status = 'DISBURSED' AND l.channel = 'BANK_COVERED'
        AND (l.status_reported_on IS NULL OR l.status_reported_on <= $3)
        AND (l.days_overdue <> 0 OR l.non_performing OR l.arrears_bucket <> 'CURRENT' OR l.status_reported_days > 0
             OR l.id IN (SELECT i.loan_id FROM loan_installments i
                          WHERE i.loan_id > $1 AND i.loan_id <= $2 AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $3))
      ORDER BY l.id FOR UPDATE OF l`,
    [afterId, upToId, date],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}

/**
 * Ages the given covered loans (locked by the caller in this transaction) as of D by the rule above, writes only
 * the loans whose figures change, and records a loan event (actor `actor`) when the bucket or the non-performing
 * flag changes. Returns the loans written.
 */
export async function ageCoveredSql(
  m: EntityManager,
  date: string,
  loanIds: string[],
  actor: string,
): Promise<number> {
  if (!loanIds.length) return 0;
  const rows = (await m.query(
    `WITH o AS (
       SELECT i.loan_id, min(i.due_date) AS oldest
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id
        WHERE i.loan_id = ANY($2::bigint[]) AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $1::date
          AND (l.status_reported_on IS NULL OR i.due_date > l.status_reported_on)
        GROUP BY i.loan_id
     ), d AS (
       SELECT l.id, l.arrears_bucket AS old_bucket, l.non_performing AS old_npl, l.days_overdue AS old_days,
              greatest(CASE WHEN l.status_reported_days > 0
                             AND (EXISTS (SELECT 1 FROM loan_installments j
                                           WHERE j.loan_id = l.id AND j.status IN ('OPEN','OVERDUE')
                                             AND j.due_date <= l.status_reported_on)
                                  OR NOT EXISTS (SELECT 1 FROM covered_loan_reports r
                                                  WHERE r.loan_id = l.id AND r.kind = 'REPAYMENT'
                                                    AND r.as_of >= l.status_reported_on))
                            THEN l.status_reported_days + ($1::date - l.status_reported_on) ELSE 0 END,
                       coalesce($1::date - o.oldest, 0)) AS days,
              coalesce(rf.npl_overdue_days, 90) AS npl_days
         FROM loans l
         LEFT JOIN o ON o.loan_id = l.id
         LEFT JOIN risk_funds rf ON rf.district_id = l.district_id
        WHERE l.id = ANY($2::bigint[]) AND l.status = 'DISBURSED' AND l.channel = 'BANK_COVERED'
          AND (l.status_reported_on IS NULL OR l.status_reported_on <= $1::date)
     ), n AS (
       SELECT d.*, CASE WHEN days <= 0 THEN 'CURRENT' WHEN days <= 30 THEN 'DPD_1_30' WHEN days <= 60 THEN 'DPD_31_60'
                        WHEN days <= 90 THEN 'DPD_61_90' ELSE 'DPD_90_PLUS' END AS bucket,
              days > npl_days AS npl
         FROM d
     ), u AS (
       UPDATE loans l SET days_overdue = n.days, arrears_bucket = n.bucket, non_performing = n.npl
         FROM n
        WHERE l.id = n.id AND (n.old_days, n.old_bucket, n.old_npl) IS DISTINCT FROM (n.days, n.bucket, n.npl)
       RETURNING l.id
     ), ev AS (
       INSERT INTO loan_events (loan_id, event, actor, data)
       SELECT n.id, CASE WHEN n.npl AND NOT n.old_npl THEN 'NON_PERFORMING' ELSE 'ARREARS_BUCKET_CHANGED' END, $3,
              jsonb_build_object('businessDate', $1::date, 'from', n.old_bucket, 'to', n.bucket, 'daysOverdue', n.days,
                                 'nonPerforming', n.npl)
         FROM n JOIN u ON u.id = n.id
        WHERE n.old_bucket <> n.bucket OR n.old_npl <> n.npl
       RETURNING 1)
     SELECT (SELECT count(*) FROM u)::int AS changed, (SELECT count(*) FROM ev)::int AS events`,
    [date, loanIds, actor],
  )) as { changed: number }[];
  return rows[0].changed;
}
