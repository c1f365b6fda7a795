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
import { csvCell, DomainError, RequestContext, tablesToXlsx, type Lang, type Page, type PageQuery } from '#libs/common';
import { actorName, assertOwnBank, scopedBankId } from '#libs/guarantee';
import {
  readStatement,
  StatementFileError,
  type StatementEncoding,
  type StatementFormat,
} from './statement-reader.js';
import {
  PendingRows,
  StatementMatcher,
  type EngineBook,
  type ExceptionLine,
  type MatchedChunk,
  type RunTotals,
} from './domain/matcher.js';
import { ReconciliationStore, type LineCategory, type LineRow } from './store/reconciliation.store.js';
import { lineView, REPORT_COLUMNS_ZH, REPORT_HEADER, reportCsvLine, reportTable, runView, type RunView } from './views.js';

export { LINE_CATEGORIES, type LineCategory } from './store/reconciliation.store.js';
export type { RunView } from './views.js';

/** Chunks of matched lines sent and not yet answered before the parser waits: memory stays flat if the database lags. */
const MAX_QUEUED = 4;

/** Largest statement accepted: 100,000 rows are about 6 MB; this leaves room for big banks without inviting abuse. */
export const MAX_STATEMENT_BYTES = 256 * 1024 * 1024;

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
 * same file for the same date finds its run before any parsing). The engine's loans of the bank are read once into a
 * compact book; the file is decoded and parsed a record at a time and each line compared with the book as it is
 * read (domain/matcher.ts). Matched lines, most of a statement, are stored compactly a chunk at a time while the
 * rest is parsed; differences, malformed lines and engine-only loans as rows of their own. One transaction per
 * run: a run exists complete or not at all.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly store: ReconciliationStore,
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
    if (!(await this.store.bankExists(input.bankId)))
      throw new DomainError('NOT_FOUND', `bank ${input.bankId} not found`);
    const path = join(tmpdir(), `mae-statement-${process.pid}-${randomBytes(8).toString('hex')}`);
    try {
      const { hash, bytes } = await spool(input.body, path);
      if (bytes === 0)
        throw new DomainError('RECON_FILE_INVALID', 'the statement is empty', [
          { field: 'body', code: 'EMPTY', message: 'upload the statement file as the request body' },
        ]);
      const existing = await this.store.findRun(input.bankId, input.asOfDate, hash);
      if (existing) return { run: runView(existing), replayed: true };
      return await this.process(input, path, hash, bytes);
    } finally {
      await unlink(path).catch(() => undefined);
    }
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
        const runId = await this.store.insertRun(m, {
          bankId: input.bankId,
          asOfDate: input.asOfDate,
          hash,
          format: input.format,
          bytes,
          createdBy: actorName(),
        });
        if (runId === null)
          return {
            run: runView((await this.store.findRun(input.bankId, input.asOfDate, hash))!),
            replayed: true,
          };
        const t0 = Date.now();
        const { totals, exceptions, engineMs } = await this.compare(m, runId, path, input);
        const t1 = Date.now();
        // the run's lines take consecutive ids in the order they are listed: the exceptions' rows get theirs now
        const firstLineId = totals.lines > 0 ? await this.store.reserveLineIds(m, totals.lines) : null;
        if (firstLineId !== null) await this.store.insertExceptions(m, runId, firstLineId, exceptions);
        await this.store.finishRun(m, runId, totals, firstLineId, Date.now() - started);
        const phases = {
          setupMs: t0 - started,
          engineMs,
          compareMs: t1 - t0,
          storeMs: Date.now() - t1,
        };
        const run = runView((await this.store.getRun(runId, m))!);
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

  /**
   * Reads the engine's book of the bank and, meanwhile, the file a record at a time; each record is compared as it
   * is read once the book is there (the records read before it arrives wait for it, a few bytes each, PendingRows).
   * Matched lines go to the database a chunk at a time while the next ones are parsed (the database and the parser
   * work at the same time; the parser waits when MAX_QUEUED chunks are unanswered, so memory stays flat). Returns
   * the run's totals and its other lines, the engine-only ones in reference order.
   */
  private async compare(
    m: EntityManager,
    runId: string,
    path: string,
    input: UploadInput,
  ): Promise<{ totals: RunTotals; exceptions: ExceptionLine[]; engineMs: number }> {
    const started = Date.now();
    const engine: { book?: EngineBook; failed?: unknown; ms: number } = { ms: 0 };
    const reading = this.store.engineBook(m, input.bankId, input.asOfDate).then(
      (book) => {
        engine.book = book;
        engine.ms = Date.now() - started;
      },
      (e: unknown) => {
        engine.failed = e ?? new Error('engine book');
      },
    );
    const chunks: MatchedChunk[] = [];
    let matcher: StatementMatcher | null = null;
    const waiting = new PendingRows();
    const start = (book: EngineBook) => {
      matcher = new StatementMatcher(book, (chunk) => chunks.push(chunk));
      waiting.replay(matcher);
      return matcher;
    };
    // Chunks go to the connection's queue as they fill; the parser waits only when MAX_QUEUED are unanswered.
    const queued: Promise<void>[] = [];
    const send = async () => {
      for (const chunk of chunks.splice(0)) {
        const insert = this.store.insertMatchedChunk(m, runId, chunk);
        // Observed here too, so a failure while the parser is busy (then seen when awaited) is never "unhandled".
        insert.catch(() => undefined);
        queued.push(insert);
      }
      while (queued.length > MAX_QUEUED) await queued.shift();
    };
    for await (const item of readStatement(path, input.format, input.asOfDate, {
      encoding: input.encoding,
    })) {
      if (engine.failed) throw engine.failed;
      if (!matcher && !engine.book) {
        if (item.kind === 'row') waiting.row(item.lineNo, item.row);
        else waiting.malformedRecord(item.lineNo, item.raw, item.errors);
        continue;
      }
      matcher ??= start(engine.book!);
      if (item.kind === 'row') matcher.row(item.lineNo, item.row);
      else matcher.malformed(item.lineNo, item.raw, item.errors);
      if (chunks.length) await send();
    }
    await reading;
    if (engine.failed) throw engine.failed;
    const done = matcher ?? start(engine.book!);
    const totals = done.finish();
    await send();
    const engineOnly = done.engineOnly();
    engineOnly.reorder(await this.store.refOrder(m, engineOnly.refs));
    for (const insert of queued) await insert;
    return { totals, exceptions: done.exceptions, engineMs: engine.ms };
  }

  // ─── reading runs ───────────────────────────────────────────────────────────────────────────────────────────

  async get(runId: string): Promise<RunView> {
    const row = await this.store.getRun(runId);
    if (!row) throw new DomainError('NOT_FOUND', `reconciliation run ${runId} not found`);
    assertOwnBank(row.bank_id, 'reconciliation run', runId);
    return runView(row);
  }

  async list(
    filter: { bankId?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<Page<RunView>> {
    const { rows, total } = await this.store.listRuns({ ownBankId: scopedBankId(), ...pick(filter) }, page);
    return { items: rows.map(runView), page: page.page, pageSize: page.pageSize, total };
  }

  async lines(runId: string, filter: { category?: LineCategory; ref?: string }, page: PageQuery) {
    await this.get(runId);
    const { rows, total } = await this.store.lines(
      runId,
      { category: filter.category, ref: filter.ref },
      page,
    );
    return { items: rows.map((r) => lineView(r, RequestContext.lang())), page: page.page, pageSize: page.pageSize, total };
  }

  /**
   * Writes the run's report as CSV to `out`, a page of lines at a time (keyset on id), honouring back-pressure.
   * Starts with a UTF-8 BOM so spreadsheet programs read Chinese text correctly.
   */
  async writeReport(runId: string, out: Writable, lang: Lang = 'zh-CN'): Promise<void> {
    const run = await this.get(runId);
    const write = (chunk: string) =>
      out.write(chunk)
        ? Promise.resolve()
        : new Promise<void>((resolve) => out.once('drain', () => resolve()));
    await write('\uFEFF' + (lang === 'en' ? REPORT_HEADER : REPORT_COLUMNS_ZH.map(csvCell).join(',') + '\r\n'));
    let after = '0';
    for (;;) {
      const rows = await this.store.linesAfter(run.id, after, 5000);
      if (!rows.length) break;
      await write(rows.map((r) => reportCsvLine(r, lang)).join(''));
      after = rows[rows.length - 1].id;
    }
  }

  /** The run's report as an XLSX workbook: one sheet of lines (money as number cells), the as-of date in 报表信息. */
  async reportXlsx(runId: string, lang: Lang = 'zh-CN'): Promise<Buffer> {
    const run = await this.get(runId);
    const rows: LineRow[] = [];
    let after = '0';
    for (;;) {
      const page = await this.store.linesAfter(run.id, after, 5000);
      if (!page.length) break;
      rows.push(...page);
      after = page[page.length - 1].id;
    }
    return tablesToXlsx([reportTable(rows, lang)], {
      columnWidth: 16,
      freezeHeader: true,
      title: lang === 'en' ? `Reconciliation ${run.bankCode} ${run.asOfDate}` : `${run.bankCode} ${run.asOfDate} 对账结果`,
      meta: { asOfDate: run.asOfDate },
    });
  }

  /** A safe download file name for a run's report. */
  static reportFileName(run: { id: string; bankCode: string; asOfDate: string }): string {
    return `reconciliation-${run.bankCode}-${run.asOfDate}-run${run.id}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
  }
}

const pick = (f: { bankId?: string; from?: string; to?: string }) => ({
  bankId: f.bankId,
  from: f.from,
  to: f.to,
});

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
