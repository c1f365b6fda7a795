import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type Page, type PageQuery } from '#libs/common';
import type { MonthlyReportData } from '../domain/report.js';
import { readFigures, type RawFigures } from './report.queries.js';
import type { ReportSnapshotRow } from './rows.generated.js';

/** A stored snapshot as read back: the row's columns, ids as text, and whether a newer version supersedes it. */
export type SnapshotRow = Omit<ReportSnapshotRow, 'data' | 'supersedes' | 'id'> & {
  id: string;
  supersedes: string | null;
  latest: boolean;
  data?: MonthlyReportData;
};

export interface NewSnapshot {
  kind: string;
  period: string;
  version: number;
  generatedBy: string;
  data: MonthlyReportData;
  hash: string;
  supersedes: string | null;
}

/** One district at one month end, for the leverage chart. */
export interface LeveragePoint {
  district_id: string;
  code: string;
  name: string;
  cap: string | null;
  month_end: string;
  balance: string;
  covered: string;
}

const SELECT_SNAPSHOT = `
  SELECT s.id::text, s.kind, s.period, s.version, s.generated_at, s.generated_by, s.hash, s.supersedes::text,
         NOT EXISTS (SELECT 1 FROM report_snapshots n WHERE n.supersedes = s.id) AS latest`;

/**
 * The SQL of the reports: the set-based figures of a month (report.queries.ts, reading the ledger and the loan
 * book), the leverage series, and report_snapshots (owned by libs/reporting), append-only.
 */
@Injectable()
export class ReportStore {
  /** Makes the caller's transaction read-only (the report's REPEATABLE READ view of one committed state). */
  async readOnly(m: EntityManager): Promise<void> {
    await m.query('SET TRANSACTION READ ONLY');
  }

  figures(m: EntityManager, start: string, end: string): Promise<RawFigures> {
    return readFigures(m, start, end);
  }

  /** Serialises the generators of one report (kind and month) until the caller's transaction ends. */
  async lockPeriod(m: EntityManager, kind: string, period: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('report_snapshots'), hashtext($1))`, [
      `${kind}:${period}`,
    ]);
  }

  latestVersion(m: EntityManager, kind: string, period: string): Promise<SnapshotRow | undefined> {
    return queryOne<SnapshotRow>(
      m,
      `${SELECT_SNAPSHOT} FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 ORDER BY s.version DESC LIMIT 1`,
      [kind, period],
    );
  }

  async insert(m: EntityManager, s: NewSnapshot): Promise<SnapshotRow> {
    const row = await queryOne<SnapshotRow>(
      m,
      `INSERT INTO report_snapshots (kind, period, version, generated_by, data, hash, supersedes)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       RETURNING id::text, kind, period, version, generated_at, generated_by, hash, supersedes::text, true AS latest`,
      [s.kind, s.period, s.version, s.generatedBy, JSON.stringify(s.data), s.hash, s.supersedes],
    );
    return row!;
  }

  async page(
    m: EntityManager,
    kind: string,
    filter: { from?: string; to?: string; latestOnly?: boolean },
    page: PageQuery,
  ): Promise<Page<SnapshotRow>> {
    const where = ['s.kind = $1'];
    const params: unknown[] = [kind];
    if (filter.from) where.push(`s.period >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`s.period <= $${params.push(filter.to)}`);
    if (filter.latestOnly)
      where.push('NOT EXISTS (SELECT 1 FROM report_snapshots n WHERE n.supersedes = s.id)');
    const clause = where.join(' AND ');
    const count = await queryOne<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM report_snapshots s WHERE ${clause}`,
      params,
    );
    const items = await queryRows<SnapshotRow>(
      m,
      `${SELECT_SNAPSHOT} FROM report_snapshots s WHERE ${clause} ORDER BY s.period DESC, s.version DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items, page: page.page, pageSize: page.pageSize, total: count!.n };
  }

  versions(m: EntityManager, kind: string, period: string): Promise<SnapshotRow[]> {
    return queryRows<SnapshotRow>(
      m,
      `${SELECT_SNAPSHOT} FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 ORDER BY s.version DESC`,
      [kind, period],
    );
  }

  /** A stored version with its data (the latest when `version` is null). */
  withData(
    m: EntityManager,
    kind: string,
    period: string,
    version: number | null,
  ): Promise<SnapshotRow | undefined> {
    return queryOne<SnapshotRow>(
      m,
      `${SELECT_SNAPSHOT}, s.data FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 AND ($3::int IS NULL OR s.version = $3)
        ORDER BY s.version DESC LIMIT 1`,
      [kind, period, version],
    );
  }

  /**
   * Leverage figures per district at each month end: one set-based query, balances replayed from the postings
   * (balance now − postings after each month end).
   */
  leverageAtMonthEnds(m: EntityManager, ends: string[]): Promise<LeveragePoint[]> {
    return queryRows<LeveragePoint>(
      m,
      `WITH ends AS (SELECT unnest($1::date[]) AS month_end),
       acc AS (
         SELECT a.id, a.balance_fen, a.normal_side, rf.district_id,
                CASE WHEN a.code LIKE 'RF:%' THEN 'B' ELSE 'C' END AS what
           FROM risk_funds rf
           JOIN ledger_accounts a ON a.code = 'RF:' || rf.id || ':BALANCE'
                                  OR a.code IN (SELECT 'GA:' || ga.id || ':EXPOSURE:OUTSTANDING' FROM guarantee_agreements ga WHERE ga.risk_fund_id = rf.id)
       ), after AS (
         SELECT ends.month_end, acc.id,
                coalesce(sum(CASE WHEN p.side = acc.normal_side THEN p.amount_fen ELSE -p.amount_fen END), 0) AS after_fen
           FROM ends CROSS JOIN acc
           LEFT JOIN (ledger_postings p JOIN journal_entries e ON e.id = p.entry_id)
                  ON p.account_id = acc.id AND e.business_date > ends.month_end
          GROUP BY ends.month_end, acc.id
       )
       SELECT d.id::text AS district_id, d.code, d.name,
              (SELECT max(ga.leverage_multiple)::text FROM guarantee_agreements ga JOIN risk_funds r ON r.id = ga.risk_fund_id WHERE r.district_id = d.id) AS cap,
              to_char(af.month_end, 'YYYY-MM-DD') AS month_end,
              coalesce(sum(acc.balance_fen - af.after_fen) FILTER (WHERE acc.what = 'B'), 0)::text AS balance,
              coalesce(sum(acc.balance_fen - af.after_fen) FILTER (WHERE acc.what = 'C'), 0)::text AS covered
         FROM after af JOIN acc ON acc.id = af.id JOIN districts d ON d.id = acc.district_id
        GROUP BY d.id, af.month_end ORDER BY d.code, af.month_end`,
      [ends],
    );
  }

  /** Whether any demo fund exists (a risk fund or a mutual-aid fund): the seed reports only then. */
  async anyFund(m: EntityManager): Promise<boolean> {
    const row = await queryOne<{ n: string }>(
      m,
      `SELECT (SELECT count(*) FROM risk_funds) + (SELECT count(*) FROM mutual_aid_funds) AS n`,
    );
    return Number(row!.n) > 0;
  }
}
