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

/** A journal entry recorded in a version's window (see `lateEntries`). */
export interface LateEntryRow {
  version: number;
  id: string;
  code: string;
  value_date: string;
  recorded_at: Date;
  memo: string | null;
  accounts: string[];
  /** How many entries the version's window holds (the list is capped). */
  total: number;
}

/** A loan-level fact of a covered loan recorded in a version's window (see `lateLoanFacts`). */
export interface LateLoanFactRow {
  version: number;
  kind: 'BANK_REPAYMENT_REPORT' | 'COVERED_LOAN_REGISTRATION';
  id: string;
  loan_id: string;
  loan_no: string;
  bank_id: string | null;
  fact_date: string;
  principal_fen: string;
  interest_fen: string;
  entry_id: string | null;
  recorded_at: Date;
}

/**
 * The recording window of each version after the first: after the previous version was generated, up to this one.
 * Compared in SQL against the stored timestamps themselves (microseconds; a JS Date would round them to milliseconds).
 * $1 kind, $2 period, $3 one version or null for all.
 */
const WINDOWS = `
  w AS (
    SELECT s.version, prev.generated_at AS after_ts, s.generated_at AS upto_ts
      FROM report_snapshots s JOIN report_snapshots prev ON prev.id = s.supersedes
     WHERE s.kind = $1 AND s.period = $2 AND ($3::int IS NULL OR s.version = $3)
  )`;

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

  /** Every stored version of a period with its data, oldest first. */
  versionsWithData(m: EntityManager, kind: string, period: string): Promise<SnapshotRow[]> {
    return queryRows<SnapshotRow>(
      m,
      `${SELECT_SNAPSHOT}, s.data FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 ORDER BY s.version`,
      [kind, period],
    );
  }

  /**
   * The journal entries that could have changed each version (all versions after the first, or just `version`):
   * business (value) date on or before `periodEnd` and recorded (journal_entries.created_at) after the previous
   * version was generated and no later than this one, with the accounts each touched; at most `cap` per version,
   * oldest first, `total` telling how many there are. With `bankId`, only entries that touched an account of one of
   * that bank's agreements (GA:<agreement>:…), which is what a bank's own rows move with.
   * `created_at` is the start of the recording transaction: an entry whose transaction was still open while the
   * previous version was computed may fall in the window before.
   */
  lateEntries(
    m: EntityManager,
    kind: string,
    period: string,
    periodEnd: string,
    version: number | null,
    bankId: string | null,
    cap: number,
  ): Promise<LateEntryRow[]> {
    return queryRows<LateEntryRow>(
      m,
      `WITH ${WINDOWS},
       hit AS (
         SELECT w.version, e.id, e.code, e.business_date, e.created_at, e.memo,
                count(*) OVER (PARTITION BY w.version)::int AS total,
                row_number() OVER (PARTITION BY w.version ORDER BY e.created_at, e.id) AS n
           FROM w JOIN journal_entries e ON e.created_at > w.after_ts AND e.created_at <= w.upto_ts AND e.business_date <= $4
          WHERE $5::bigint IS NULL OR EXISTS (
                  SELECT 1 FROM ledger_postings bp JOIN ledger_accounts ba ON ba.id = bp.account_id
                    JOIN guarantee_agreements ga ON ba.code LIKE 'GA:' || ga.id || ':%'
                   WHERE bp.entry_id = e.id AND ga.bank_id = $5)
       )
       SELECT hit.version, hit.id::text, hit.code, to_char(hit.business_date, 'YYYY-MM-DD') AS value_date,
              hit.created_at AS recorded_at, hit.memo, hit.total,
              array_agg(DISTINCT a.code ORDER BY a.code) AS accounts
         FROM hit JOIN ledger_postings p ON p.entry_id = hit.id JOIN ledger_accounts a ON a.id = p.account_id
        WHERE hit.n <= $6
        GROUP BY hit.version, hit.id, hit.code, hit.business_date, hit.created_at, hit.memo, hit.total
        ORDER BY hit.version DESC, hit.created_at, hit.id`,
      [kind, period, version, periodEnd, bankId, cap],
    );
  }

  /**
   * Loan-level facts of covered loans that change a report without being read from the ledger, recorded in each
   * version's window (as lateEntries) and dated on or before `periodEnd`: a bank's repayment reports
   * (covered_loan_reports of kind REPAYMENT, by their as-of date) and covered-loan registrations (loans, by their
   * disbursement date). With `bankId`, that bank's only.
   */
  lateLoanFacts(m: EntityManager, kind: string, period: string, periodEnd: string, version: number | null, bankId: string | null): Promise<LateLoanFactRow[]> {
    return queryRows<LateLoanFactRow>(
      m,
      `WITH ${WINDOWS}
       SELECT * FROM (
         SELECT w.version, 'BANK_REPAYMENT_REPORT' AS kind, r.id::text, l.id::text AS loan_id, l.loan_no, r.bank_id::text,
                to_char(r.as_of, 'YYYY-MM-DD') AS fact_date, r.principal_fen::text, r.interest_fen::text,
                r.cover_entry_id::text AS entry_id, r.created_at AS recorded_at
           FROM w JOIN covered_loan_reports r ON r.created_at > w.after_ts AND r.created_at <= w.upto_ts
            AND r.kind = 'REPAYMENT' AND r.as_of <= $4
           JOIN loans l ON l.id = r.loan_id
          WHERE $5::bigint IS NULL OR r.bank_id = $5
         UNION ALL
         SELECT w.version, 'COVERED_LOAN_REGISTRATION', l.id::text, l.id::text, l.loan_no, l.bank_id::text,
                to_char(l.disbursement_date, 'YYYY-MM-DD'), l.principal_fen::text, '0',
                l.disbursement_entry_id::text, l.created_at
           FROM w JOIN loans l ON l.created_at > w.after_ts AND l.created_at <= w.upto_ts
            AND l.channel = 'BANK_COVERED' AND l.disbursement_date <= $4
          WHERE $5::bigint IS NULL OR l.bank_id = $5
       ) f
       ORDER BY f.version DESC, f.recorded_at, f.kind, f.id::bigint`,
      [kind, period, version, periodEnd, bankId],
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
  async villagesOfTown(m: EntityManager, townId: string): Promise<string[]> {
    const rows = (await m.query(`SELECT id::text FROM villages WHERE town_id = $1`, [townId])) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async anyFund(m: EntityManager): Promise<boolean> {
    const row = await queryOne<{ n: string }>(
      m,
      `SELECT (SELECT count(*) FROM risk_funds) + (SELECT count(*) FROM mutual_aid_funds) AS n`,
    );
    return Number(row!.n) > 0;
  }
}
