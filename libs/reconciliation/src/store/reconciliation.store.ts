import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { StatementFormat } from '../statement-reader.js';
import type { ReconLineRow, ReconRunRow } from './rows.generated.js';

/** A run with its bank's code; totals are the per-category sums in fen, as decimal text. */
export type RunRow = Omit<ReconRunRow, 'totals'> & { bank_code: string; totals: Record<string, string> };

/** A line of a run; the errors of a malformed line as the reader reported them. */
export type LineRow = Omit<ReconLineRow, 'errors' | 'run_id'> & {
  errors: { field: string; code: string; message: string }[] | null;
};

export const LINE_CATEGORIES = [
  'MATCHED',
  'AMOUNT_DIFF',
  'STATUS_DIFF',
  'ONLY_IN_BANK',
  'ONLY_IN_ENGINE',
  'MALFORMED',
] as const;
export type LineCategory = (typeof LINE_CATEGORIES)[number];

const CATEGORY_WHERE: Record<LineCategory, string> = {
  MATCHED: `category = 'MATCHED'`,
  AMOUNT_DIFF: `category = 'DIFFERENT' AND amount_differs`,
  STATUS_DIFF: `category = 'DIFFERENT' AND status_differs`,
  ONLY_IN_BANK: `category = 'ONLY_IN_BANK'`,
  ONLY_IN_ENGINE: `category = 'ONLY_IN_ENGINE'`,
  MALFORMED: `category = 'MALFORMED'`,
};

const RUN_SELECT = `SELECT r.*, b.code AS bank_code FROM recon_runs r JOIN banks b ON b.id = r.bank_id`;

/** A batch of valid statement rows, column-wise (one array per column, same length). */
export interface StageBatch {
  lineNos: number[];
  refs: string[];
  outstanding: string[];
  overdue: string[];
  days: number[];
  statuses: string[];
}

/**
 * recon_runs and recon_lines, and the per-run scratch tables the comparison works in: every statement of the
 * reconciliation library. The comparison reads the loans library's loans and instalments of the bank (set-based,
 * read only).
 */
@Injectable()
export class ReconciliationStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async bankExists(bankId: string): Promise<boolean> {
    const row = await queryOne<{ id: string }>(
      this.dataSource.manager,
      `SELECT id FROM banks WHERE id = $1`,
      [bankId],
    );
    return row !== undefined;
  }

  findRun(bankId: string, asOfDate: string, hash: string, m?: EntityManager): Promise<RunRow | undefined> {
    return queryOne<RunRow>(
      m ?? this.dataSource.manager,
      `${RUN_SELECT} WHERE r.bank_id = $1 AND r.as_of_date = $2 AND r.content_hash = $3`,
      [bankId, asOfDate, hash],
    );
  }

  getRun(runId: string, m?: EntityManager): Promise<RunRow | undefined> {
    return queryOne<RunRow>(m ?? this.dataSource.manager, `${RUN_SELECT} WHERE r.id = $1`, [runId]);
  }

  /** A new run, or null when the same file for the same bank and date already has one (it waits for its commit). */
  async insertRun(
    m: EntityManager,
    run: {
      bankId: string;
      asOfDate: string;
      hash: string;
      format: StatementFormat;
      bytes: number;
      createdBy: string;
    },
  ): Promise<string | null> {
    const inserted = await queryRows<{ id: string }>(
      m,
      `INSERT INTO recon_runs (bank_id, as_of_date, content_hash, format, byte_size, created_by)
       VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (bank_id, as_of_date, content_hash) DO NOTHING RETURNING id`,
      [run.bankId, run.asOfDate, run.hash, run.format, run.bytes, run.createdBy],
    );
    return inserted.length ? inserted[0].id : null;
  }

  /**
   * The session-private scratch tables of a run, dropped at commit: valid rows, and malformed rows (kept apart so
   * that every line can be written to recon_lines in file order at the end, ids following line numbers). The
   * comparison sorts and hash-joins the whole statement once: this transaction (only) gets enough sort memory to
   * do it in RAM instead of spilling 100,000 rows to temporary files.
   */
  async createScratch(m: EntityManager): Promise<void> {
    await m.query(`SET LOCAL work_mem = '64MB'`);
    await m.query(
      `CREATE TEMP TABLE recon_stage (line_no int NOT NULL, ref text NOT NULL, outstanding_fen bigint NOT NULL,
         overdue_fen bigint NOT NULL, overdue_days int NOT NULL, status text NOT NULL) ON COMMIT DROP`,
    );
    await m.query(
      `CREATE TEMP TABLE recon_bad (line_no int NOT NULL, errors jsonb NOT NULL, raw text, ref text, outstanding_fen bigint,
         overdue_fen bigint, overdue_days int, status text) ON COMMIT DROP`,
    );
  }

  async stageRows(m: EntityManager, b: StageBatch): Promise<void> {
    await m.query(
      `INSERT INTO recon_stage (line_no, ref, outstanding_fen, overdue_fen, overdue_days, status)
       SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::text[])`,
      [b.lineNos, b.refs, b.outstanding, b.overdue, b.days, b.statuses],
    );
  }

  async stageMalformed(
    m: EntityManager,
    bad: { lineNo: number; raw: string; errors: unknown }[],
  ): Promise<void> {
    await m.query(
      `INSERT INTO recon_bad (line_no, errors, raw)
       SELECT b.line_no, b.errors, b.raw FROM jsonb_to_recordset($1::jsonb) AS b(line_no int, errors jsonb, raw text)`,
      [JSON.stringify(bad.map((x) => ({ line_no: x.lineNo, errors: x.errors, raw: x.raw })))],
    );
  }

  /** A loan reported twice: the first line counts, every later one is malformed (naming the first). */
  async finishStaging(m: EntityManager): Promise<void> {
    await m.query(
      `WITH firsts AS (SELECT ref, min(line_no) AS first_line FROM recon_stage GROUP BY ref HAVING count(*) > 1),
            dups AS (DELETE FROM recon_stage s USING firsts f WHERE s.ref = f.ref AND s.line_no > f.first_line
                     RETURNING s.*, f.first_line)
       INSERT INTO recon_bad (line_no, ref, outstanding_fen, overdue_fen, overdue_days, status, errors)
       SELECT line_no, ref, outstanding_fen, overdue_fen, overdue_days, status,
              jsonb_build_array(jsonb_build_object('field', 'bank_loan_ref', 'code', 'DUPLICATE_REF',
                                                   'message', 'the loan is already reported on line ' || first_line))
         FROM dups`,
    );
    await m.query(`CREATE INDEX ON recon_stage (ref)`);
    await m.query(`ANALYZE recon_stage`);
  }

  /**
   * Set-based comparison with the engine's BANK_COVERED loans of this bank. The engine's status is mapped onto
   * the bank's words (DISBURSED → NORMAL, or OVERDUE when days overdue > 0); its overdue principal is the unpaid
   * principal of instalments due before the statement date. Loans the engine holds as open (DISBURSED) and the
   * bank did not report are "only in engine"; closed ones may rightly be absent from a statement. One INSERT in
   * file order (engine-only loans last, by reference): line ids follow the file, so the report can be streamed by
   * id in the order the bank wrote it.
   */
  async compare(m: EntityManager, runId: string, bankId: string, asOfDate: string): Promise<void> {
    await m.query(
      `CREATE TEMP TABLE recon_engine ON COMMIT DROP AS
       SELECT l.id, l.bank_loan_ref AS ref, l.status AS loan_status, l.outstanding_principal_fen AS outstanding_fen,
              coalesce(i.overdue_fen, 0)::bigint AS overdue_fen, l.days_overdue AS overdue_days,
              CASE WHEN l.status = 'DISBURSED' AND l.days_overdue > 0 THEN 'OVERDUE'
                   WHEN l.status = 'DISBURSED' THEN 'NORMAL'
                   ELSE l.status END AS status
         FROM loans l
         LEFT JOIN (
           SELECT i.loan_id, sum(i.principal_fen - i.paid_principal_fen) AS overdue_fen
             FROM loan_installments i JOIN loans l2 ON l2.id = i.loan_id
            WHERE l2.bank_id = $1 AND l2.channel = 'BANK_COVERED' AND i.due_date < $2::date AND i.paid_principal_fen < i.principal_fen
            GROUP BY i.loan_id) i ON i.loan_id = l.id
        WHERE l.bank_id = $1 AND l.channel = 'BANK_COVERED'`,
      [bankId, asOfDate],
    );
    await m.query(`CREATE INDEX ON recon_engine (ref)`);
    await m.query(`ANALYZE recon_engine`);
    await m.query(
      `INSERT INTO recon_lines (run_id, line_no, category, amount_differs, status_differs, bank_loan_ref, loan_id,
                                bank_outstanding_fen, engine_outstanding_fen, bank_overdue_principal_fen, engine_overdue_principal_fen,
                                bank_overdue_days, engine_overdue_days, bank_status, engine_status, errors, raw)
       SELECT $1::bigint, x.* FROM (
         SELECT s.line_no,
                CASE WHEN e.id IS NULL THEN 'ONLY_IN_BANK'
                     WHEN s.outstanding_fen <> e.outstanding_fen OR s.overdue_fen <> e.overdue_fen
                       OR s.status <> e.status OR s.overdue_days <> e.overdue_days THEN 'DIFFERENT'
                     ELSE 'MATCHED' END AS category,
                coalesce(s.outstanding_fen <> e.outstanding_fen OR s.overdue_fen <> e.overdue_fen, false) AS amount_differs,
                coalesce(s.status <> e.status OR s.overdue_days <> e.overdue_days, false) AS status_differs,
                s.ref, e.id, s.outstanding_fen, e.outstanding_fen AS e_outstanding, s.overdue_fen, e.overdue_fen AS e_overdue,
                s.overdue_days, e.overdue_days AS e_days, s.status, e.status AS e_status, NULL::jsonb AS errors, NULL::text AS raw
           FROM recon_stage s LEFT JOIN recon_engine e ON e.ref = s.ref
         UNION ALL
         SELECT b.line_no, 'MALFORMED', false, false, b.ref, NULL::bigint, b.outstanding_fen, NULL::bigint, b.overdue_fen, NULL::bigint,
                b.overdue_days, NULL::int, b.status, NULL::text, b.errors, b.raw
           FROM recon_bad b
         UNION ALL
         SELECT NULL::int, 'ONLY_IN_ENGINE', false, false, e.ref, e.id, NULL::bigint, e.outstanding_fen, NULL::bigint, e.overdue_fen,
                NULL::int, e.overdue_days, NULL::text, e.status, NULL::jsonb, NULL::text
           FROM recon_engine e
          WHERE e.loan_status = 'DISBURSED' AND NOT EXISTS (SELECT 1 FROM recon_stage s WHERE s.ref = e.ref)
       ) x
       ORDER BY x.line_no NULLS LAST, x.ref`,
      [runId],
    );
  }

  /** The run's counts and totals per category, from its lines. */
  async summarise(m: EntityManager, runId: string, durationMs: number): Promise<void> {
    await m.query(
      `WITH t AS (
         SELECT count(*) FILTER (WHERE line_no IS NOT NULL)::int AS total_rows,
                count(*) FILTER (WHERE category NOT IN ('MALFORMED','ONLY_IN_ENGINE'))::int AS valid_rows,
                count(*) FILTER (WHERE category = 'MALFORMED')::int AS malformed_rows,
                count(*) FILTER (WHERE category = 'MATCHED')::int AS matched,
                count(*) FILTER (WHERE amount_differs)::int AS amount_diffs,
                count(*) FILTER (WHERE status_differs)::int AS status_diffs,
                count(*) FILTER (WHERE category = 'ONLY_IN_BANK')::int AS only_in_bank,
                count(*) FILTER (WHERE category = 'ONLY_IN_ENGINE')::int AS only_in_engine,
                jsonb_build_object(
                  'matched_outstanding', coalesce(sum(engine_outstanding_fen) FILTER (WHERE category = 'MATCHED'), 0)::text,
                  'matched_overdue', coalesce(sum(engine_overdue_principal_fen) FILTER (WHERE category = 'MATCHED'), 0)::text,
                  'amount_bank_outstanding', coalesce(sum(bank_outstanding_fen) FILTER (WHERE amount_differs), 0)::text,
                  'amount_engine_outstanding', coalesce(sum(engine_outstanding_fen) FILTER (WHERE amount_differs), 0)::text,
                  'amount_bank_overdue', coalesce(sum(bank_overdue_principal_fen) FILTER (WHERE amount_differs), 0)::text,
                  'amount_engine_overdue', coalesce(sum(engine_overdue_principal_fen) FILTER (WHERE amount_differs), 0)::text,
                  'status_bank_outstanding', coalesce(sum(bank_outstanding_fen) FILTER (WHERE status_differs), 0)::text,
                  'status_engine_outstanding', coalesce(sum(engine_outstanding_fen) FILTER (WHERE status_differs), 0)::text,
                  'bank_only_outstanding', coalesce(sum(bank_outstanding_fen) FILTER (WHERE category = 'ONLY_IN_BANK'), 0)::text,
                  'bank_only_overdue', coalesce(sum(bank_overdue_principal_fen) FILTER (WHERE category = 'ONLY_IN_BANK'), 0)::text,
                  'engine_only_outstanding', coalesce(sum(engine_outstanding_fen) FILTER (WHERE category = 'ONLY_IN_ENGINE'), 0)::text,
                  'engine_only_overdue', coalesce(sum(engine_overdue_principal_fen) FILTER (WHERE category = 'ONLY_IN_ENGINE'), 0)::text
                ) AS totals
           FROM recon_lines WHERE run_id = $1)
       UPDATE recon_runs r SET total_rows = t.total_rows, valid_rows = t.valid_rows, malformed_rows = t.malformed_rows,
              matched = t.matched, amount_diffs = t.amount_diffs, status_diffs = t.status_diffs, only_in_bank = t.only_in_bank,
              only_in_engine = t.only_in_engine, totals = t.totals, completed_at = now(), duration_ms = $2
         FROM t WHERE r.id = $1`,
      [runId, durationMs],
    );
  }

  /** A page of runs, newest statement date first; `ownBankId` (a bank's actor) and `bankId` both narrow it. */
  async listRuns(
    filter: { ownBankId: string | null; bankId?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<{ rows: RunRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ownBankId !== null) where.push(`r.bank_id = $${params.push(filter.ownBankId)}`);
    if (filter.bankId) where.push(`r.bank_id = $${params.push(filter.bankId)}`);
    if (filter.from) where.push(`r.as_of_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`r.as_of_date <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM recon_runs r ${clause}`,
      params,
    );
    const rows = await queryRows<RunRow>(
      m,
      `${RUN_SELECT} ${clause}
        ORDER BY r.as_of_date DESC, r.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  /** A page of a run's lines in file order, optionally of one category or one loan reference. */
  async lines(
    runId: string,
    filter: { category?: LineCategory; ref?: string },
    page: PageQuery,
  ): Promise<{ rows: LineRow[]; total: number }> {
    const params: unknown[] = [runId];
    const where = ['run_id = $1'];
    if (filter.category) where.push(CATEGORY_WHERE[filter.category]);
    if (filter.ref) where.push(`bank_loan_ref = $${params.push(filter.ref)}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM recon_lines ${clause}`,
      params,
    );
    const rows = await queryRows<LineRow>(
      m,
      `SELECT * FROM recon_lines ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  /** The next lines of a run after line id `afterId` (keyset paging for the streamed report). */
  linesAfter(runId: string, afterId: string, limit: number): Promise<LineRow[]> {
    return queryRows<LineRow>(
      this.dataSource.manager,
      `SELECT * FROM recon_lines WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [runId, afterId, limit],
    );
  }
}
