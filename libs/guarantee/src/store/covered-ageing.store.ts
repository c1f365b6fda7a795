import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import type { CoveredAgeingFacts } from '../domain/covered-ageing.js';

/**
 * The facts the covered basis rule (domain/covered-ageing.ts) reads, for the loans given (locked by the caller):
 * DISBURSED covered loans whose basis is not later than D, with the district fund's non-performing line
 * (`defaultNplOverdueDays` for a district without one).
 */
export async function coveredAgeingFacts(
  m: EntityManager,
  date: string,
  loanIds: string[],
  defaultNplOverdueDays: number,
): Promise<CoveredAgeingFacts[]> {
  const rows = await queryRows<{
    id: string;
    reported_on: string | null;
    reported_days: number | null;
    owing_before: boolean;
    repaid_since: boolean;
    oldest: string | null;
    npl_days: number;
  }>(
    m,
    `SELECT l.id::text AS id, l.status_reported_on AS reported_on, l.status_reported_days AS reported_days,
            EXISTS (SELECT 1 FROM loan_installments j
                     WHERE j.loan_id = l.id AND j.status IN ('OPEN','OVERDUE') AND j.due_date <= l.status_reported_on) AS owing_before,
            EXISTS (SELECT 1 FROM covered_loan_reports r
                     WHERE r.loan_id = l.id AND r.kind = 'REPAYMENT' AND r.as_of >= l.status_reported_on) AS repaid_since,
            (SELECT min(i.due_date) FROM loan_installments i
              WHERE i.loan_id = l.id AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $1::date
                AND (l.status_reported_on IS NULL OR i.due_date > l.status_reported_on)) AS oldest,
            coalesce(rf.npl_overdue_days, $3::int) AS npl_days
       FROM loans l
       LEFT JOIN risk_funds rf ON rf.district_id = l.district_id
      WHERE l.id = ANY($2::bigint[]) AND l.status = 'DISBURSED' AND l.channel = 'BANK_COVERED'
        AND (l.status_reported_on IS NULL OR l.status_reported_on <= $1::date)
      ORDER BY l.id`,
    [date, loanIds, defaultNplOverdueDays],
  );
  return rows.map((r) => ({
    loanId: r.id,
    reportedOn: r.reported_on,
    reportedDays: r.reported_days,
    owingFromBeforeReport: r.owing_before,
    repaidSinceReport: r.repaid_since,
    oldestUnpaidDueAfterReport: r.oldest,
    nplOverdueDays: r.npl_days,
  }));
}
