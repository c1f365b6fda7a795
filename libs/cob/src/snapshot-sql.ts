import type { EntityManager } from 'typeorm';

/**
 * The daily portfolio snapshot of a batch of funds, in one statement: outstanding principal of the active loans
 * and its split by ageing bucket, what is overdue (principal, usage fee, penalty), PAR30 (outstanding of loans more
 * than 30 days overdue ÷ outstanding), the repayment (collection) rate: principal and fee paid on the instalments
 * due in the 30 days up to the date ÷ what they scheduled, write-offs to date and open group-liability calls.
 * Percentages are exact half-up to two decimals (integer division of exact sums). Upserted per (fund, date), so a
 * re-run writes the same row. Only overdue loans' instalments and the last 30 days' due dates are read.
 */
export async function snapshotSql(m: EntityManager, date: string, fundIds: string[]): Promise<number> {
  const rows = (await m.query(
    `WITH f AS (SELECT id FROM mutual_aid_funds WHERE id = ANY($2::bigint[])),
     l AS (
       SELECT l.fund_id, count(*)::int AS active, sum(l.outstanding_principal_fen) AS outstanding,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue = 0), 0) AS cur,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue BETWEEN 1 AND 30), 0) AS b1,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue BETWEEN 31 AND 60), 0) AS b2,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue BETWEEN 61 AND 90), 0) AS b3,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > 90), 0) AS b4,
              (count(*) FILTER (WHERE l.days_overdue > 0))::int AS overdue_loans,
              (count(*) FILTER (WHERE l.non_performing))::int AS npl,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > 30), 0) AS par30
         FROM loans l WHERE l.fund_id = ANY($2::bigint[]) AND l.status = 'DISBURSED' GROUP BY l.fund_id),
     i AS (
       SELECT l.fund_id,
              coalesce(sum(i.principal_fen - i.paid_principal_fen), 0) AS op,
              coalesce(sum(i.interest_fen - i.paid_interest_fen), 0) AS oi,
              coalesce(sum(i.penalty_fen - i.paid_penalty_fen), 0) AS pen
         FROM loans l JOIN loan_installments i ON i.loan_id = l.id AND i.status = 'OVERDUE'
        WHERE l.fund_id = ANY($2::bigint[]) AND l.status = 'DISBURSED' AND l.days_overdue > 0
        GROUP BY l.fund_id),
     r AS (
       SELECT l.fund_id, sum(i.principal_fen + i.interest_fen) AS due, sum(i.paid_principal_fen + i.paid_interest_fen) AS paid
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id
        WHERE i.due_date > $1::date - 30 AND i.due_date <= $1::date
          AND l.fund_id = ANY($2::bigint[]) AND l.status IN ('DISBURSED','CLOSED','WRITTEN_OFF')
        GROUP BY l.fund_id),
     w AS (SELECT fund_id, sum(principal_fen) AS wo FROM write_offs
            WHERE fund_id = ANY($2::bigint[]) AND written_off_on <= $1::date GROUP BY fund_id),
     c AS (SELECT l.fund_id, count(*)::int AS calls FROM group_liability_calls c JOIN loans l ON l.id = c.loan_id
            WHERE c.status = 'OPEN' AND l.fund_id = ANY($2::bigint[]) GROUP BY l.fund_id),
     ins AS (
       INSERT INTO portfolio_snapshots (fund_id, business_date, active_loans, outstanding_fen, current_fen, bucket_1_30_fen,
              bucket_31_60_fen, bucket_61_90_fen, bucket_90_plus_fen, overdue_loans, overdue_principal_fen, overdue_interest_fen,
              penalty_outstanding_fen, non_performing_loans, par30_fen, par30_percent, due_30d_fen, paid_30d_fen,
              repayment_rate_percent, written_off_fen, open_liability_calls)
       SELECT f.id, $1::date, coalesce(l.active, 0), coalesce(l.outstanding, 0), coalesce(l.cur, 0), coalesce(l.b1, 0),
              coalesce(l.b2, 0), coalesce(l.b3, 0), coalesce(l.b4, 0), coalesce(l.overdue_loans, 0), coalesce(i.op, 0),
              coalesce(i.oi, 0), coalesce(i.pen, 0), coalesce(l.npl, 0), coalesce(l.par30, 0),
              CASE WHEN coalesce(l.outstanding, 0) > 0
                   THEN div(2 * l.par30 * 10000 + l.outstanding, 2 * l.outstanding) / 100 END,
              coalesce(r.due, 0), coalesce(r.paid, 0),
              CASE WHEN coalesce(r.due, 0) > 0 THEN div(2 * r.paid * 10000 + r.due, 2 * r.due) / 100 END,
              coalesce(w.wo, 0), coalesce(c.calls, 0)
         FROM f LEFT JOIN l ON l.fund_id = f.id LEFT JOIN i ON i.fund_id = f.id LEFT JOIN r ON r.fund_id = f.id
         LEFT JOIN w ON w.fund_id = f.id
         LEFT JOIN c ON c.fund_id = f.id
       ON CONFLICT (fund_id, business_date) DO UPDATE SET
         active_loans = EXCLUDED.active_loans, outstanding_fen = EXCLUDED.outstanding_fen, current_fen = EXCLUDED.current_fen,
         bucket_1_30_fen = EXCLUDED.bucket_1_30_fen, bucket_31_60_fen = EXCLUDED.bucket_31_60_fen,
         bucket_61_90_fen = EXCLUDED.bucket_61_90_fen, bucket_90_plus_fen = EXCLUDED.bucket_90_plus_fen,
         overdue_loans = EXCLUDED.overdue_loans, overdue_principal_fen = EXCLUDED.overdue_principal_fen,
         overdue_interest_fen = EXCLUDED.overdue_interest_fen, penalty_outstanding_fen = EXCLUDED.penalty_outstanding_fen,
         non_performing_loans = EXCLUDED.non_performing_loans, par30_fen = EXCLUDED.par30_fen,
         par30_percent = EXCLUDED.par30_percent, due_30d_fen = EXCLUDED.due_30d_fen,
         paid_30d_fen = EXCLUDED.paid_30d_fen, repayment_rate_percent = EXCLUDED.repayment_rate_percent,
         written_off_fen = EXCLUDED.written_off_fen, open_liability_calls = EXCLUDED.open_liability_calls
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [date, fundIds],
  )) as { n: number }[];
  return rows[0].n;
}
