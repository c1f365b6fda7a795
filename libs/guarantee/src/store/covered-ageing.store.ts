import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import type { AgeingFigures } from '#libs/loans';

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
  const rows = await queryRows<{ id: string }>(
    m,
    `SELECT l.id::text AS id FROM loans l
      WHERE l.id > $1 AND l.id <= $2 AND l.status = 'DISBURSED' AND l.channel = 'BANK_COVERED'
        AND (l.status_reported_on IS NULL OR l.status_reported_on <= $3)
        AND (l.days_overdue <> 0 OR l.non_performing OR l.arrears_bucket <> 'CURRENT' OR l.status_reported_days > 0
             OR l.id IN (SELECT i.loan_id FROM loan_installments i
                          WHERE i.loan_id > $1 AND i.loan_id <= $2 AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $3))
      ORDER BY l.id FOR UPDATE OF l`,
    [afterId, upToId, date],
  );
  return rows.map((r) => r.id);
}

/**
 * The covered channel's basis for the loans given (locked by the caller): days overdue as of D by the rule of
 * covered-ageing.ts, and the non-performing line of the district's fund (`defaultNplOverdueDays` for a district
 * without one). Only DISBURSED covered loans whose basis is not later than D.
 */
export async function coveredAgeingFigures(
  m: EntityManager,
  date: string,
  loanIds: string[],
  defaultNplOverdueDays: number,
): Promise<AgeingFigures[]> {
  const rows = await queryRows<{ id: string; days: number; npl_days: number }>(
    m,
    `WITH o AS (
       SELECT i.loan_id, min(i.due_date) AS oldest
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id
        WHERE i.loan_id = ANY($2::bigint[]) AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $1::date
          AND (l.status_reported_on IS NULL OR i.due_date > l.status_reported_on)
        GROUP BY i.loan_id
     )
     SELECT l.id::text AS id,
            greatest(CASE WHEN l.status_reported_days > 0
                           AND (EXISTS (SELECT 1 FROM loan_installments j
                                         WHERE j.loan_id = l.id AND j.status IN ('OPEN','OVERDUE')
                                           AND j.due_date <= l.status_reported_on)
                                OR NOT EXISTS (SELECT 1 FROM covered_loan_reports r
                                                WHERE r.loan_id = l.id AND r.kind = 'REPAYMENT'
                                                  AND r.as_of >= l.status_reported_on))
                          THEN l.status_reported_days + ($1::date - l.status_reported_on) ELSE 0 END,
                     coalesce($1::date - o.oldest, 0))::int AS days,
            coalesce(rf.npl_overdue_days, $3::int) AS npl_days
       FROM loans l
       LEFT JOIN o ON o.loan_id = l.id
       LEFT JOIN risk_funds rf ON rf.district_id = l.district_id
      WHERE l.id = ANY($2::bigint[]) AND l.status = 'DISBURSED' AND l.channel = 'BANK_COVERED'
        AND (l.status_reported_on IS NULL OR l.status_reported_on <= $1::date)
      ORDER BY l.id`,
    [date, loanIds, defaultNplOverdueDays],
  );
  return rows.map((r) => ({ loanId: r.id, daysOverdue: r.days, nplOverdueDays: r.npl_days }));
}
