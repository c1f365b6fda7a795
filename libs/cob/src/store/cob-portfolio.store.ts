import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryRows, type PageQuery } from '#libs/common';
import type { BucketLimitsDays } from '#libs/loans';
import type { PortfolioSnapshotRow } from './rows.generated.js';

export interface SnapshotListFilter {
  fundId?: string;
  districtId?: string;
  from?: string;
  to?: string;
}

export interface CallListFilter {
  status?: 'OPEN' | 'CLEARED';
  fundId?: string;
  groupId?: string;
  householdId?: string;
  loanId?: string;
}

/** A group-liability call as the read API lists it (the call, its loan's number and fund, its co-obligors). */
export interface CallListRow {
  id: string;
  loan_id: string;
  loan_no: string;
  fund_id: string | null;
  group_id: string;
  household_id: string | null;
  raised_on: string;
  amount_due_fen: string;
  status: 'OPEN' | 'CLEARED';
  cleared_on: string | null;
  members: string[] | null;
}

/**
 * The portfolio as the close of business walks and summarises it: id ranges of active loans, the
 * daily snapshot per fund (set-based, the table this library owns), and the read side of snapshots and calls.
 * Loans are read here (never written: libs/loans owns them).
 */
@Injectable()
export class CobPortfolioStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The id range holding the next `size` active loans of a channel after `afterId` (partial indexes on active ids). */
  async activeRange(
    channel: 'MUTUAL_AID' | 'BANK_COVERED',
    afterId: string,
    size: number,
  ): Promise<{ lastId: string; loans: number } | null> {
    const [range] = await queryRows<{ n: number; hi: string | null }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS n, max(id)::text AS hi
         FROM (SELECT id FROM loans WHERE status = 'DISBURSED' AND channel = $3 AND id > $1
                ORDER BY loans.id LIMIT $2) b`,
      [afterId, size, channel],
    );
    return range.n && range.hi !== null ? { lastId: range.hi, loans: range.n } : null;
  }

  /** The next `size` mutual-aid funds not closed after `afterId`, in id order. */
  async openFundIds(afterId: string, size: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource.manager,
      `SELECT id::text FROM mutual_aid_funds WHERE id > $1 AND status <> 'CLOSED' ORDER BY mutual_aid_funds.id LIMIT $2`,
      [afterId, size],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The daily portfolio snapshot of a batch of funds, in one statement: outstanding principal of the active loans and
   * its split by ageing bucket (the limits of the ageing rule), what is overdue (principal, usage fee, penalty), PAR30
   * (outstanding of loans more than 30 days overdue ÷ outstanding), the repayment (collection) rate: principal and fee
   * paid on the instalments due in the 30 days up to the date ÷ what they scheduled, write-offs to date and open
   * group-liability calls. Percentages are exact half-up to two decimals (integer division of exact sums). Upserted
   * per (fund, date), so a re-run writes the same row. Only overdue loans' instalments and the last 30 days' due
   * dates are read.
   */
  async snapshot(
    m: EntityManager,
    date: string,
    fundIds: readonly string[],
    limits: BucketLimitsDays,
  ): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      m,
      `WITH f AS (SELECT id FROM mutual_aid_funds WHERE id = ANY($2::bigint[])),
     l AS (
       SELECT l.fund_id, count(*)::int AS active, sum(l.outstanding_principal_fen) AS outstanding,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue = 0), 0) AS cur,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue BETWEEN 1 AND $3::int), 0) AS b1,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue BETWEEN $3::int + 1 AND $4::int), 0) AS b2,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue BETWEEN $4::int + 1 AND $5::int), 0) AS b3,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > $5::int), 0) AS b4,
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
      [date, fundIds, ...limits],
    );
    return n;
  }

  /** A page of snapshots, latest date first, and how many match. */
  async snapshots(
    filter: SnapshotListFilter,
    page: PageQuery,
  ): Promise<{ rows: PortfolioSnapshotRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.fundId) where.push(`s.fund_id = $${params.push(filter.fundId)}`);
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.from) where.push(`s.business_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`s.business_date <= $${params.push(filter.to)}`);
    where.push(areaCondition(params, { district: 'v.district_id', town: 'v.town_id', village: 'v.id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const from = `FROM portfolio_snapshots s JOIN mutual_aid_funds f ON f.id = s.fund_id JOIN villages v ON v.id = f.village_id`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total ${from} ${clause}`,
      params,
    );
    const rows = await queryRows<PortfolioSnapshotRow>(
      m,
      `SELECT s.* ${from} ${clause} ORDER BY s.business_date DESC, s.fund_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  /** A page of group-liability calls, latest first, and how many match. */
  async calls(filter: CallListFilter, page: PageQuery): Promise<{ rows: CallListRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`c.status = $${params.push(filter.status)}`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    if (filter.groupId) where.push(`c.group_id = $${params.push(filter.groupId)}`);
    if (filter.loanId) where.push(`c.loan_id = $${params.push(filter.loanId)}`);
    if (filter.householdId) {
      const p = params.push(filter.householdId);
      where.push(
        `(l.household_id = $${p} OR EXISTS (SELECT 1 FROM group_liability_call_members cm WHERE cm.call_id = c.id AND cm.household_id = $${p}))`,
      );
    }
    where.push(areaCondition(params, { district: 'l.district_id', village: 'l.village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const from = `FROM group_liability_calls c JOIN loans l ON l.id = c.loan_id`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total ${from} ${clause}`,
      params,
    );
    const rows = await queryRows<CallListRow>(
      m,
      `SELECT c.id::text, c.loan_id::text, l.loan_no, l.fund_id::text, c.group_id::text, l.household_id::text, c.raised_on,
              c.amount_due_fen::text, c.status, c.cleared_on,
              (SELECT array_agg(cm.household_id::text ORDER BY cm.household_id) FROM group_liability_call_members cm WHERE cm.call_id = c.id) AS members
         ${from} ${clause} ORDER BY c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
