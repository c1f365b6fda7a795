import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, offsetOf, type Page, type PageQuery } from '#libs/common';
import { actorName, assertOwnBank, scopedBankId } from '#libs/guarantee';
import { formatYuan } from '#libs/money';
import { csvText } from './domain/statement.js';
import {
  readStatement,
  StatementFileError,
  type StatementEncoding,
  type StatementFormat,
} from './statement-reader.js';

/** Largest statement accepted: 100,000 rows are about 6 MB; this leaves room for big banks without inviting abuse. */
export const MAX_STATEMENT_BYTES = 256 * 1024 * 1024;
/** Rows staged per INSERT: big enough to amortise round trips, small enough to keep memory flat. */
const BATCH = 5000;

export const LINE_CATEGORIES = [
  'MATCHED',
  'AMOUNT_DIFF',
  'STATUS_DIFF',
  'ONLY_IN_BANK',
  'ONLY_IN_ENGINE',
  'MALFORMED',
] as const;
export type LineCategory = (typeof LINE_CATEGORIES)[number];

interface RunRow {
  id: string;
  bank_id: string;
  bank_code: string;
  as_of_date: string;
  content_hash: string;
  format: StatementFormat;
  byte_size: string;
  status: string;
  total_rows: number;
  valid_rows: number;
  malformed_rows: number;
  matched: number;
  amount_diffs: number;
  status_diffs: number;
  only_in_bank: number;
  only_in_engine: number;
  totals: Record<string, string>;
  created_by: string;
  created_at: Date;
  completed_at: Date | null;
  duration_ms: number | null;
}

const y = (fen: string | undefined) => formatYuan(BigInt(fen ?? '0'));

export interface RunView {
  id: string;
  bankId: string;
  bankCode: string;
  asOfDate: string;
  format: StatementFormat;
  contentHash: string;
  byteSize: number;
  status: string;
  rows: { total: number; valid: number; malformed: number };
  summary: {
    matched: { count: number; outstanding: string; overduePrincipal: string };
    amountDifferences: {
      count: number;
      bankOutstanding: string;
      engineOutstanding: string;
      outstandingDifference: string;
      bankOverduePrincipal: string;
      engineOverduePrincipal: string;
      overduePrincipalDifference: string;
    };
    statusDifferences: { count: number; bankOutstanding: string; engineOutstanding: string };
    onlyInBank: { count: number; bankOutstanding: string; bankOverduePrincipal: string };
    onlyInEngine: { count: number; engineOutstanding: string; engineOverduePrincipal: string };
    malformed: { count: number };
  };
  createdBy: string;
  createdAt: string;
  completedAt: string | null;
  durationMs: number | null;
}

function runView(r: RunRow): RunView {
  const t = r.totals ?? {};
  return {
    id: r.id,
    bankId: r.bank_id,
    bankCode: r.bank_code,
    asOfDate: r.as_of_date,
    format: r.format,
    contentHash: r.content_hash.trim(),
    byteSize: Number(r.byte_size),
    status: r.status,
    rows: { total: r.total_rows, valid: r.valid_rows, malformed: r.malformed_rows },
    summary: {
      matched: {
        count: r.matched,
        outstanding: y(t.matched_outstanding),
        overduePrincipal: y(t.matched_overdue),
      },
      amountDifferences: {
        count: r.amount_diffs,
        bankOutstanding: y(t.amount_bank_outstanding),
        engineOutstanding: y(t.amount_engine_outstanding),
        outstandingDifference: formatYuan(
          BigInt(t.amount_bank_outstanding ?? '0') - BigInt(t.amount_engine_outstanding ?? '0'),
        ),
        bankOverduePrincipal: y(t.amount_bank_overdue),
        engineOverduePrincipal: y(t.amount_engine_overdue),
        overduePrincipalDifference: formatYuan(
          BigInt(t.amount_bank_overdue ?? '0') - BigInt(t.amount_engine_overdue ?? '0'),
        ),
      },
      statusDifferences: {
        count: r.status_diffs,
        bankOutstanding: y(t.status_bank_outstanding),
        engineOutstanding: y(t.status_engine_outstanding),
      },
      onlyInBank: {
        count: r.only_in_bank,
        bankOutstanding: y(t.bank_only_outstanding),
        bankOverduePrincipal: y(t.bank_only_overdue),
      },
      onlyInEngine: {
        count: r.only_in_engine,
        engineOutstanding: y(t.engine_only_outstanding),
        engineOverduePrincipal: y(t.engine_only_overdue),
      },
      malformed: { count: r.malformed_rows },
    },
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    durationMs: r.duration_ms,
  };
}

interface LineRow {
  id: string;
  line_no: number | null;
  category: string;
  amount_differs: boolean;
  status_differs: boolean;
  bank_loan_ref: string | null;
  loan_id: string | null;
  bank_outstanding_fen: string | null;
  engine_outstanding_fen: string | null;
  bank_overdue_principal_fen: string | null;
  engine_overdue_principal_fen: string | null;
  bank_overdue_days: number | null;
  engine_overdue_days: number | null;
  bank_status: string | null;
  engine_status: string | null;
  errors: { field: string; code: string; message: string }[] | null;
  raw: string | null;
}

const opt = (fen: string | null) => (fen === null ? null : formatYuan(BigInt(fen)));
const diff = (a: string | null, b: string | null) =>
  a === null || b === null ? null : formatYuan(BigInt(a) - BigInt(b));

function lineView(r: LineRow) {
  return {
    id: r.id,
    lineNo: r.line_no,
    category: r.category,
    amountDiffers: r.amount_differs,
    statusDiffers: r.status_differs,
    bankLoanRef: r.bank_loan_ref,
    loanId: r.loan_id,
    bank: {
      outstandingPrincipal: opt(r.bank_outstanding_fen),
      overduePrincipal: opt(r.bank_overdue_principal_fen),
      overdueDays: r.bank_overdue_days,
      status: r.bank_status,
    },
    engine: {
      outstandingPrincipal: opt(r.engine_outstanding_fen),
      overduePrincipal: opt(r.engine_overdue_principal_fen),
      overdueDays: r.engine_overdue_days,
      status: r.engine_status,
    },
    difference: {
      outstandingPrincipal: diff(r.bank_outstanding_fen, r.engine_outstanding_fen),
      overduePrincipal: diff(r.bank_overdue_principal_fen, r.engine_overdue_principal_fen),
      overdueDays:
        r.bank_overdue_days === null || r.engine_overdue_days === null
          ? null
          : r.bank_overdue_days - r.engine_overdue_days,
    },
    errors: r.errors,
    raw: r.raw,
  };
}

const CATEGORY_WHERE: Record<LineCategory, string> = {
  MATCHED: `category = 'MATCHED'`,
  AMOUNT_DIFF: `category = 'DIFFERENT' AND amount_differs`,
  STATUS_DIFF: `category = 'DIFFERENT' AND status_differs`,
  ONLY_IN_BANK: `category = 'ONLY_IN_BANK'`,
  ONLY_IN_ENGINE: `category = 'ONLY_IN_ENGINE'`,
  MALFORMED: `category = 'MALFORMED'`,
};

export interface UploadInput {
  bankId: string;
  asOfDate: string;
  format: StatementFormat;
  /** Given by the uploader; otherwise detected (UTF-8 BOM, else UTF-8 if the bytes are valid UTF-8, else GB18030). */
  encoding?: StatementEncoding;
  body: Readable;
}

/**
 * Bank reconciliation: a bank's statement of the covered loans it holds, matched to the engine's loans of that
 * bank to the fen. The upload is spooled to a temporary file while its SHA-256 is computed (so a re-upload of the
 * same file for the same date finds its run before any parsing), then decoded and parsed a record at a time and staged in batches
 * into a temporary table, and compared with the engine in set-based SQL: no step holds more than one batch of
 * rows in memory. One transaction per run: a run exists complete or not at all.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The bank a caller reconciles for: a bank's actor always its own; others must name one. */
  resolveBank(requested: string | undefined): string {
    const own = scopedBankId();
    if (own !== null) {
      if (requested !== undefined && requested !== own)
        throw new DomainError('NOT_FOUND', `bank ${requested} not found`);
      return own;
    }
    if (!requested)
      throw new DomainError('VALIDATION_FAILED', 'bankId is required', [
        { field: 'bankId', message: 'name the bank whose statement this is' },
      ]);
    return requested;
  }

  async upload(input: UploadInput): Promise<{ run: RunView; replayed: boolean }> {
    const [bank] = (await this.dataSource.query(`SELECT id FROM banks WHERE id = $1`, [
      input.bankId,
    ])) as unknown[];
    if (!bank) throw new DomainError('NOT_FOUND', `bank ${input.bankId} not found`);
    const path = join(tmpdir(), `mae-statement-${process.pid}-${randomBytes(8).toString('hex')}`);
    try {
      const { hash, bytes } = await spool(input.body, path);
      if (bytes === 0)
        throw new DomainError('RECON_FILE_INVALID', 'the statement is empty', [
          { field: 'body', code: 'EMPTY', message: 'upload the statement file as the request body' },
        ]);
      const existing = await this.findRun(input.bankId, input.asOfDate, hash);
      if (existing) return { run: existing, replayed: true };
      return await this.process(input, path, hash, bytes);
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  private async findRun(bankId: string, asOfDate: string, hash: string): Promise<RunView | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT r.*, b.code AS bank_code FROM recon_runs r JOIN banks b ON b.id = r.bank_id
        WHERE r.bank_id = $1 AND r.as_of_date = $2 AND r.content_hash = $3`,
      [bankId, asOfDate, hash],
    )) as RunRow[];
    return row ? runView(row) : undefined;
  }

  private async process(
    input: UploadInput,
    path: string,
    hash: string,
    bytes: number,
  ): Promise<{ run: RunView; replayed: boolean }> {
    const started = Date.now();
    try {
      return await this.dataSource.transaction(async (m) => {
        // A concurrent upload of the same file waits here on the unique key, then finds the committed run.
        const inserted = (await m.query(
          `INSERT INTO recon_runs (bank_id, as_of_date, content_hash, format, byte_size, created_by)
           VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (bank_id, as_of_date, content_hash) DO NOTHING RETURNING id`,
          [input.bankId, input.asOfDate, hash, input.format, bytes, actorName()],
        )) as { id: string }[];
        if (!inserted.length)
          return { run: (await this.findRun(input.bankId, input.asOfDate, hash))!, replayed: true };
        const runId = inserted[0].id;
        // The comparison sorts and hash-joins the whole statement once; give this transaction (only) enough sort
        // memory to do it in RAM instead of spilling 100,000 rows to temporary files.
        await m.query(`SET LOCAL work_mem = '64MB'`);
        // Session-private scratch tables, dropped at commit: valid rows, and malformed rows (kept apart so that
        // every line can be written to recon_lines in file order at the end, ids following line numbers).
        await m.query(
          `CREATE TEMP TABLE recon_stage (line_no int NOT NULL, ref text NOT NULL, outstanding_fen bigint NOT NULL,
             overdue_fen bigint NOT NULL, overdue_days int NOT NULL, status text NOT NULL) ON COMMIT DROP`,
        );
        await m.query(
          `CREATE TEMP TABLE recon_bad (line_no int NOT NULL, errors jsonb NOT NULL, raw text, ref text, outstanding_fen bigint,
             overdue_fen bigint, overdue_days int, status text) ON COMMIT DROP`,
        );
        const t0 = Date.now();
        await this.stage(m, path, input);
        const t1 = Date.now();
        await this.compare(m, runId, input);
        const t2 = Date.now();
        await this.summarise(m, runId, Date.now() - started);
        const phases = {
          setupMs: t0 - started,
          stageMs: t1 - t0,
          compareMs: t2 - t1,
          summariseMs: Date.now() - t2,
        };
        const [row] = (await m.query(
          `SELECT r.*, b.code AS bank_code FROM recon_runs r JOIN banks b ON b.id = r.bank_id WHERE r.id = $1`,
          [runId],
        )) as RunRow[];
        const run = runView(row);
        await this.audit.record(m, {
          action: 'RECONCILIATION_RUN',
          entityType: 'recon_run',
          entityId: runId,
          after: { ...run, summary: run.summary },
        });
        this.logger.log(
          { runId, bankId: input.bankId, rows: run.rows, ms: run.durationMs, phases },
          'reconciliation run completed',
        );
        return { run, replayed: false };
      });
    } catch (e) {
      if (e instanceof StatementFileError) throw new DomainError('RECON_FILE_INVALID', e.detail, e.errors);
      throw e;
    }
  }

  /** Streams the file into the scratch tables (valid rows, malformed rows), a batch at a time. */
  private async stage(m: EntityManager, path: string, input: UploadInput): Promise<void> {
    let rows = newBatch();
    let bad: { lineNo: number; raw: string; errors: unknown }[] = [];
    // One INSERT in flight while the next batch is parsed: the database and the parser work at the same time,
    // and at most two batches exist in memory (the one being sent and the one being filled).
    let inFlight: Promise<unknown> = Promise.resolve();
    const send = async (sql: string, params: unknown[]) => {
      await inFlight;
      inFlight = m.query(sql, params);
      // Observed here too, so a failure while the parser is busy (then seen at the next await) is never "unhandled".
      inFlight.catch(() => undefined);
    };
    const flushRows = async () => {
      if (!rows.lineNos.length) return;
      const b = rows;
      rows = newBatch();
      await send(
        `INSERT INTO recon_stage (line_no, ref, outstanding_fen, overdue_fen, overdue_days, status)
         SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::text[])`,
        [b.lineNos, b.refs, b.outstanding, b.overdue, b.days, b.statuses],
      );
    };
    const flushBad = async () => {
      if (!bad.length) return;
      const b = bad;
      bad = [];
      await send(
        `INSERT INTO recon_bad (line_no, errors, raw)
         SELECT b.line_no, b.errors, b.raw FROM jsonb_to_recordset($1::jsonb) AS b(line_no int, errors jsonb, raw text)`,
        [JSON.stringify(b.map((x) => ({ line_no: x.lineNo, errors: x.errors, raw: x.raw })))],
      );
    };
    for await (const item of readStatement(path, input.format, input.asOfDate, {
      encoding: input.encoding,
    })) {
      if (item.kind === 'row') {
        rows.lineNos.push(item.lineNo);
        rows.refs.push(item.row.ref);
        rows.outstanding.push(item.row.outstandingFen.toString());
        rows.overdue.push(item.row.overduePrincipalFen.toString());
        rows.days.push(item.row.overdueDays);
        rows.statuses.push(item.row.status);
        if (rows.lineNos.length >= BATCH) await flushRows();
      } else {
        bad.push(item);
        if (bad.length >= BATCH) await flushBad();
      }
    }
    await flushRows();
    await flushBad();
    await inFlight;
    // A loan reported twice: the first line counts, every later one is malformed (naming the first).
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
   * bank did not report are "only in engine"; closed ones may rightly be absent from a statement.
   */
  private async compare(m: EntityManager, runId: string, input: UploadInput): Promise<void> {
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
      [input.bankId, input.asOfDate],
    );
    await m.query(`CREATE INDEX ON recon_engine (ref)`);
    await m.query(`ANALYZE recon_engine`);
    // One INSERT in file order (engine-only loans last, by reference): line ids follow the file, so the report
    // can be streamed by id in the order the bank wrote it.
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

  private async summarise(m: EntityManager, runId: string, durationMs: number): Promise<void> {
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

  // ─── reading runs ───────────────────────────────────────────────────────────────────────────────────────────

  async get(runId: string): Promise<RunView> {
    const [row] = (await this.dataSource.query(
      `SELECT r.*, b.code AS bank_code FROM recon_runs r JOIN banks b ON b.id = r.bank_id WHERE r.id = $1`,
      [runId],
    )) as RunRow[];
    if (!row) throw new DomainError('NOT_FOUND', `reconciliation run ${runId} not found`);
    assertOwnBank(row.bank_id, 'reconciliation run', runId);
    return runView(row);
  }

  async list(
    filter: { bankId?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<Page<RunView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const own = scopedBankId();
    if (own !== null) where.push(`r.bank_id = $${params.push(own)}`);
    if (filter.bankId) where.push(`r.bank_id = $${params.push(filter.bankId)}`);
    if (filter.from) where.push(`r.as_of_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`r.as_of_date <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM recon_runs r ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT r.*, b.code AS bank_code FROM recon_runs r JOIN banks b ON b.id = r.bank_id ${clause}
        ORDER BY r.as_of_date DESC, r.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as RunRow[];
    return { items: rows.map(runView), page: page.page, pageSize: page.pageSize, total };
  }

  async lines(runId: string, filter: { category?: LineCategory; ref?: string }, page: PageQuery) {
    await this.get(runId);
    const params: unknown[] = [runId];
    const where = ['run_id = $1'];
    if (filter.category) where.push(CATEGORY_WHERE[filter.category]);
    if (filter.ref) where.push(`bank_loan_ref = $${params.push(filter.ref)}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM recon_lines ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM recon_lines ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as LineRow[];
    return { items: rows.map(lineView), page: page.page, pageSize: page.pageSize, total };
  }

  /**
   * Writes the run's report as CSV to `out`, a page of lines at a time (keyset on id), honouring back-pressure.
   * Starts with a UTF-8 BOM so spreadsheet programs read Chinese text correctly.
   */
  async writeReport(runId: string, out: Writable): Promise<void> {
    const run = await this.get(runId);
    const write = (chunk: string) =>
      out.write(chunk)
        ? Promise.resolve()
        : new Promise<void>((resolve) => out.once('drain', () => resolve()));
    await write(
      '\uFEFFline_no,category,amount_differs,status_differs,bank_loan_ref,loan_id,bank_outstanding_principal,engine_outstanding_principal,' +
        'outstanding_difference,bank_overdue_principal,engine_overdue_principal,overdue_principal_difference,bank_overdue_days,' +
        'engine_overdue_days,bank_status,engine_status,errors\r\n',
    );
    let after = '0';
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT * FROM recon_lines WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT 5000`,
        [run.id, after],
      )) as LineRow[];
      if (!rows.length) break;
      let chunk = '';
      for (const r of rows) {
        const v = lineView(r);
        chunk +=
          [
            r.line_no ?? '',
            r.category === 'DIFFERENT' ? (r.amount_differs ? 'AMOUNT_DIFF' : 'STATUS_DIFF') : r.category,
            r.amount_differs,
            r.status_differs,
            csvText(r.bank_loan_ref),
            r.loan_id ?? '',
            v.bank.outstandingPrincipal ?? '',
            v.engine.outstandingPrincipal ?? '',
            v.difference.outstandingPrincipal ?? '',
            v.bank.overduePrincipal ?? '',
            v.engine.overduePrincipal ?? '',
            v.difference.overduePrincipal ?? '',
            r.bank_overdue_days ?? '',
            r.engine_overdue_days ?? '',
            csvText(r.bank_status),
            csvText(r.engine_status),
            csvText(r.errors ? r.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : null),
          ].join(',') + '\r\n';
      }
      await write(chunk);
      after = rows[rows.length - 1].id;
    }
  }

  /** A safe download file name for a run's report. */
  static reportFileName(run: { id: string; bankCode: string; asOfDate: string }): string {
    return `reconciliation-${run.bankCode}-${run.asOfDate}-run${run.id}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
  }
}

function newBatch() {
  return {
    lineNos: [] as number[],
    refs: [] as string[],
    outstanding: [] as string[],
    overdue: [] as string[],
    days: [] as number[],
    statuses: [] as string[],
  };
}

/** Copies the request body to `path`, hashing and counting as it goes; refuses more than MAX_STATEMENT_BYTES. */
async function spool(body: Readable, path: string): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    body,
    async function* (chunks: AsyncIterable<Buffer | string>) {
      for await (const chunk of chunks) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += buf.length;
        if (bytes > MAX_STATEMENT_BYTES) {
          throw new DomainError(
            'RECON_FILE_TOO_LARGE',
            `a statement may not exceed ${MAX_STATEMENT_BYTES} bytes`,
            [{ field: 'body', code: 'TOO_LARGE', message: `larger than ${MAX_STATEMENT_BYTES} bytes` }],
          );
        }
        hash.update(buf);
        yield buf;
      }
    },
    createWriteStream(path),
  );
  return { hash: hash.digest('hex'), bytes };
}
