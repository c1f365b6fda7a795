import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import {
  CHUNK_LINES,
  EngineBook,
  SUM_NAMES,
  type ExceptionLine,
  type MatchedChunk,
  type RunTotals,
} from '../domain/matcher.js';
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

/** A line's columns as the API reads them (recon_lines without run_id). */
const LINE_COLUMNS = `id, line_no, category, amount_differs, status_differs, bank_loan_ref, loan_id, bank_outstanding_fen,
  engine_outstanding_fen, bank_overdue_principal_fen, engine_overdue_principal_fen, bank_overdue_days, engine_overdue_days,
  bank_status, engine_status, errors, raw`;

/**
 * A chunk's matched lines as rows (`c` the chunk), in line order (`u.ord`, from 1): each text line (MatchedChunk's
 * format) with its head (figures and loan, up to the second ';') and tail (the reference) apart.
 */
const UNNEST_CHUNK = `(SELECT t.ord, split_part(t.line, ';', 1) AS figures, split_part(t.line, ';', 2) AS loan_id,
          substr(t.line, length(split_part(t.line, ';', 1)) + length(split_part(t.line, ';', 2)) + 3) AS ref
     FROM string_to_table(rtrim(c.lines, chr(10)), chr(10)) WITH ORDINALITY AS t(line, ord)) u`;

/** A matched line of a chunk (`r` its run, `c` the chunk, `u` the line) with LINE_COLUMNS: both sides agree. */
const MATCHED_COLUMNS = `(r.first_line_id + c.chunk_no * ${CHUNK_LINES} + split_part(u.figures, ',', 1)::int)::bigint AS id,
  split_part(u.figures, ',', 2)::int AS line_no, 'MATCHED'::text AS category, false AS amount_differs,
  false AS status_differs, u.ref AS bank_loan_ref, u.loan_id::bigint AS loan_id,
  split_part(u.figures, ',', 3)::bigint AS bank_outstanding_fen, split_part(u.figures, ',', 3)::bigint AS engine_outstanding_fen,
  split_part(u.figures, ',', 4)::bigint AS bank_overdue_principal_fen,
  split_part(u.figures, ',', 4)::bigint AS engine_overdue_principal_fen,
  split_part(u.figures, ',', 5)::int AS bank_overdue_days, split_part(u.figures, ',', 5)::int AS engine_overdue_days,
  split_part(u.figures, ',', 6) AS bank_status, split_part(u.figures, ',', 6) AS engine_status,
  NULL::jsonb AS errors, NULL::text AS raw`;

/** Every matched line of run $1. */
const MATCHED_LINES = `SELECT ${MATCHED_COLUMNS}
  FROM recon_runs r JOIN recon_matched_chunks c ON c.run_id = r.id CROSS JOIN LATERAL ${UNNEST_CHUNK}
 WHERE r.id = $1`;

/**
 * recon_runs, recon_lines and recon_matched_chunks: every statement of the reconciliation library. A run reads the
 * loans library's loans and instalments of the bank once (set-based, read only) and is compared in memory
 * (domain/matcher.ts); its matched lines are stored a chunk at a time, the others as rows of recon_lines.
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
   * The engine's side of a run: the bank's BANK_COVERED loans, in no particular order (the few a statement does not
   * report are put in reference order afterwards, `refOrder`, instead of sorting them all here). The engine's status
   * is mapped onto the bank's words (DISBURSED → NORMAL, or OVERDUE when days overdue > 0); its overdue principal is
   * the unpaid principal of instalments due before the statement date. Read in one statement as one text value, a
   * loan a line (the format is EngineBook's), which node-postgres hands over far faster than as many rows, and kept
   * as it is, indexed.
   */
  async engineBook(m: EntityManager, bankId: string, asOfDate: string): Promise<EngineBook> {
    const row = await queryOne<{ book: string | null }>(
      m,
      `SELECT string_agg(
                l.outstanding_principal_fen || ',' || coalesce(i.overdue_fen, 0) || ',' || l.days_overdue || ',' ||
                CASE WHEN l.status = 'DISBURSED' AND l.days_overdue > 0 THEN 'OVERDUE'
                     WHEN l.status = 'DISBURSED' THEN 'NORMAL'
                     ELSE l.status END || ';' || l.id || ';' ||
                CASE WHEN l.status = 'DISBURSED' THEN '1' ELSE '0' END ||
                CASE WHEN strpos(l.bank_loan_ref, chr(10)) = 0 THEN '=' || l.bank_loan_ref
                     ELSE 'E' || replace(replace(l.bank_loan_ref, chr(92), chr(92) || chr(92)), chr(10), chr(92) || 'n') END,
                chr(10)) AS book
         FROM loans l
         LEFT JOIN (
           SELECT i.loan_id, sum(i.principal_fen - i.paid_principal_fen) AS overdue_fen
             FROM loan_installments i JOIN loans l2 ON l2.id = i.loan_id
            WHERE l2.bank_id = $1 AND l2.channel = 'BANK_COVERED' AND i.due_date < $2::date AND i.paid_principal_fen < i.principal_fen
            GROUP BY i.loan_id) i ON i.loan_id = l.id
        WHERE l.bank_id = $1 AND l.channel = 'BANK_COVERED'`,
      [bankId, asOfDate],
    );
    return new EngineBook(row?.book ?? '');
  }

  /** The order the database sorts these references in (as it sorts bank_loan_ref), as indexes into `refs`. */
  async refOrder(m: EntityManager, refs: string[]): Promise<number[]> {
    if (refs.length < 2) return refs.map((_, i) => i);
    const rows = await queryRows<{ i: number }>(
      m,
      `SELECT (u.i - 1)::int AS i FROM unnest($1::text[]) WITH ORDINALITY AS u(ref, i) ORDER BY u.ref, u.i`,
      [refs],
    );
    return rows.map((r) => r.i);
  }

  /** A chunk of a run's matched lines (see the migration ReconciliationMatched). */
  async insertMatchedChunk(m: EntityManager, runId: string, c: MatchedChunk): Promise<void> {
    await m.query(
      `INSERT INTO recon_matched_chunks (run_id, chunk_no, matched, lines) VALUES ($1, $2, $3, $4)`,
      [runId, c.chunkNo, c.matched, c.lines],
    );
  }

  /**
   * `count` consecutive line ids for a run; the first is returned. recon_lines ids come from its sequence, and every
   * statement that takes them takes them here, one run at a time under a transaction-scoped advisory lock, so no
   * other run's id falls between them. Called at the end of a run (the lock is held to its commit).
   */
  async reserveLineIds(m: EntityManager, count: number): Promise<string> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('recon_lines_id_seq'))`);
    const [{ first }] = await queryRows<{ first: string }>(
      m,
      `SELECT setval('recon_lines_id_seq', nextval('recon_lines_id_seq') + $1::bigint - 1) - $1::bigint + 1 AS first`,
      [count],
    );
    return first;
  }

  /** The lines that are not matches, as rows of recon_lines with the ids of their place in the run. */
  async insertExceptions(
    m: EntityManager,
    runId: string,
    firstLineId: string,
    lines: ExceptionLine[],
  ): Promise<void> {
    const first = BigInt(firstLineId);
    const str = (v: bigint | null) => (v === null ? null : v.toString());
    for (let i = 0; i < lines.length; i += 5000) {
      const batch = lines.slice(i, i + 5000).map((l) => ({
        id: (first + BigInt(l.ordinal)).toString(),
        line_no: l.lineNo,
        category: l.category,
        amount_differs: l.amountDiffers,
        status_differs: l.statusDiffers,
        bank_loan_ref: l.ref,
        loan_id: str(l.loanId),
        bank_outstanding_fen: str(l.bankOutstandingFen),
        engine_outstanding_fen: str(l.engineOutstandingFen),
        bank_overdue_principal_fen: str(l.bankOverdueFen),
        engine_overdue_principal_fen: str(l.engineOverdueFen),
        bank_overdue_days: l.bankOverdueDays,
        engine_overdue_days: l.engineOverdueDays,
        bank_status: l.bankStatus,
        engine_status: l.engineStatus,
        errors: l.errors,
        raw: l.raw,
      }));
      await m.query(
        `INSERT INTO recon_lines (${LINE_COLUMNS}, run_id)
         SELECT x.*, $1::bigint FROM jsonb_to_recordset($2::jsonb) AS x(
           id bigint, line_no int, category text, amount_differs boolean, status_differs boolean, bank_loan_ref text,
           loan_id bigint, bank_outstanding_fen bigint, engine_outstanding_fen bigint, bank_overdue_principal_fen bigint,
           engine_overdue_principal_fen bigint, bank_overdue_days int, engine_overdue_days int, bank_status text,
           engine_status text, errors jsonb, raw text)`,
        [runId, JSON.stringify(batch)],
      );
    }
  }

  /** The run's counts and totals per category, where its lines start, and its completion. */
  async finishRun(
    m: EntityManager,
    runId: string,
    t: RunTotals,
    firstLineId: string | null,
    durationMs: number,
  ): Promise<void> {
    const totals: Record<string, string> = {};
    for (const name of SUM_NAMES) totals[name] = t.sums[name].toString();
    await m.query(
      `UPDATE recon_runs SET total_rows = $2, valid_rows = $3, malformed_rows = $4, matched = $5, amount_diffs = $6,
              status_diffs = $7, only_in_bank = $8, only_in_engine = $9, totals = $10::jsonb, first_line_id = $11,
              completed_at = now(), duration_ms = $12
        WHERE id = $1`,
      [
        runId,
        t.totalRows,
        t.validRows,
        t.malformedRows,
        t.matched,
        t.amountDiffs,
        t.statusDiffs,
        t.onlyInBank,
        t.onlyInEngine,
        JSON.stringify(totals),
        firstLineId,
        durationMs,
      ],
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

  /**
   * A page of a run's lines in file order, optionally of one category or one loan reference. A run stored with
   * compact matched lines (first_line_id set) answers from recon_lines and its chunks: all lines by id range (ids
   * are consecutive), MATCHED from the chunks alone, a reference from both; the other categories are never in a
   * chunk. A run stored before has every line in recon_lines.
   */
  async lines(
    runId: string,
    filter: { category?: LineCategory; ref?: string },
    page: PageQuery,
  ): Promise<{ rows: LineRow[]; total: number }> {
    const m = this.dataSource.manager;
    const first = filter.category && filter.category !== 'MATCHED' ? null : await this.firstLineId(runId);
    if (first === null) return this.storedLines(runId, filter, page);
    const offset = offsetOf(page);
    if (filter.ref !== undefined && filter.ref !== '') {
      const exceptions =
        filter.category === 'MATCHED'
          ? []
          : [`SELECT ${LINE_COLUMNS} FROM recon_lines WHERE run_id = $1 AND bank_loan_ref = $2`];
      const union = [
        ...exceptions,
        `${MATCHED_LINES} AND strpos(c.lines, ';' || $2 || chr(10)) > 0 AND u.ref = $2`,
      ].join(' UNION ALL ');
      const [{ total }] = await queryRows<{ total: number }>(
        m,
        `SELECT count(*)::int AS total FROM (${union}) x`,
        [runId, filter.ref],
      );
      const rows = await queryRows<LineRow>(m, `SELECT * FROM (${union}) x ORDER BY id LIMIT $3 OFFSET $4`, [
        runId,
        filter.ref,
        page.pageSize,
        offset,
      ]);
      return { rows, total };
    }
    if (filter.category === 'MATCHED') {
      const [{ total }] = await queryRows<{ total: number }>(
        m,
        `SELECT coalesce(sum(matched), 0)::int AS total FROM recon_matched_chunks WHERE run_id = $1`,
        [runId],
      );
      // the chunks holding matched lines offset … offset + pageSize - 1, by the matched lines before each chunk
      const rows = await queryRows<LineRow>(
        m,
        `WITH k AS (SELECT chunk_no, sum(matched) OVER (ORDER BY chunk_no) - matched AS before, matched
                      FROM recon_matched_chunks WHERE run_id = $1)
         SELECT ${MATCHED_COLUMNS}
           FROM recon_runs r JOIN k ON k.before < $2::int + $3::int AND k.before + k.matched > $2::int
           JOIN recon_matched_chunks c ON c.run_id = r.id AND c.chunk_no = k.chunk_no
          CROSS JOIN LATERAL ${UNNEST_CHUNK}
          WHERE r.id = $1 AND k.before + u.ord > $2::int AND k.before + u.ord <= $2::int + $3::int
          ORDER BY c.chunk_no, u.ord`,
        [runId, offset, page.pageSize],
      );
      return { rows, total };
    }
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT ((SELECT count(*) FROM recon_lines WHERE run_id = $1)
              + (SELECT coalesce(sum(matched), 0) FROM recon_matched_chunks WHERE run_id = $1))::int AS total`,
      [runId],
    );
    const from = BigInt(first) + BigInt(offset);
    return { rows: await this.lineRange(runId, first, from, from + BigInt(page.pageSize) - 1n), total };
  }

  /** The next lines of a run after line id `afterId` (keyset paging for the streamed report). */
  async linesAfter(runId: string, afterId: string, limit: number): Promise<LineRow[]> {
    const first = await this.firstLineId(runId);
    if (first === null)
      return queryRows<LineRow>(
        this.dataSource.manager,
        `SELECT ${LINE_COLUMNS} FROM recon_lines WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [runId, afterId, limit],
      );
    const after = BigInt(afterId);
    const from = after < BigInt(first) ? BigInt(first) : after + 1n;
    return this.lineRange(runId, first, from, from + BigInt(limit) - 1n);
  }

  /** Where a run's lines start; null for a run whose lines are all rows of recon_lines (or that has none). */
  private async firstLineId(runId: string): Promise<string | null> {
    const row = await queryOne<{ first_line_id: string | null }>(
      this.dataSource.manager,
      `SELECT first_line_id FROM recon_runs WHERE id = $1`,
      [runId],
    );
    return row?.first_line_id ?? null;
  }

  /** The lines of a compactly stored run (its lines from `first`) with ids from … to, in order. */
  private lineRange(runId: string, first: string, from: bigint, to: bigint): Promise<LineRow[]> {
    const chunk = (id: bigint) => (id - BigInt(first)) / BigInt(CHUNK_LINES);
    return queryRows<LineRow>(
      this.dataSource.manager,
      `SELECT * FROM (
         SELECT ${LINE_COLUMNS} FROM recon_lines WHERE run_id = $1 AND id BETWEEN $2::bigint AND $3::bigint
         UNION ALL
         SELECT * FROM (
           SELECT ${MATCHED_COLUMNS}
             FROM recon_runs r
             JOIN recon_matched_chunks c ON c.run_id = r.id AND c.chunk_no BETWEEN $4::int AND $5::int
            CROSS JOIN LATERAL ${UNNEST_CHUNK}
            WHERE r.id = $1) m
          WHERE m.id BETWEEN $2::bigint AND $3::bigint
       ) x ORDER BY id`,
      [runId, from.toString(), to.toString(), chunk(from).toString(), chunk(to).toString()],
    );
  }

  /** A page of a run whose lines are all rows of recon_lines (and any run's differences, malformed and engine-only lines). */
  private async storedLines(
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
      `SELECT ${LINE_COLUMNS} FROM recon_lines ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
