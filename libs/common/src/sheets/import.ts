import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '../errors/domain-error.js';
import { RequestContext } from '../request-context.js';
import type { ColumnSpec } from './columns.js';
import { SheetFileError, type SheetEncoding } from './decoder.js';
import { localizeRowErrors, readSheet, rowErrors, type SheetFormat, type SheetRowError, type SheetTable } from './read.js';

/** The outcome of an all-or-nothing import (the households' shape, shared by every bulk import). */
export interface SheetImportResult {
  dryRun: boolean;
  format: SheetFormat;
  encoding: SheetEncoding;
  rows: number;
  valid: number;
  imported: number;
  skipped: number;
  failed: number;
  errors: SheetRowError[];
  errorsTruncated: boolean;
}

export interface SheetImportOptions {
  dryRun?: boolean;
  maxReportedErrors?: number;
  maxRows?: number;
  maxBytes?: number;
  encoding?: SheetEncoding;
}

/** What a row's check answers: its field errors (none: it was written in the import's transaction), or skipped. */
export type SheetRowOutcome = FieldError[] | 'skipped';

export interface SheetImportSteps<K extends string, S> {
  columns: readonly ColumnSpec<K>[];
  /** runs the callback in one database transaction (the DataSource's) */
  transaction: (fn: (m: EntityManager) => Promise<void>) => Promise<void>;
  /** state shared by the rows of one file (caches, the rows seen) */
  start: (m: EntityManager) => S | Promise<S>;
  /** checks one row and writes it in the transaction (a savepoint, so a refusal undoes only the row) */
  row: (m: EntityManager, values: Record<K, string>, rowNo: number, state: S) => Promise<SheetRowOutcome>;
  /** after every row passed, not a dry run: the audit record */
  finish: (m: EntityManager, result: SheetImportResult, sha256: string, state: S) => Promise<void>;
}

/** Thrown inside the import's transaction to roll it back (a dry run, or a file with an error). */
class RollBack extends Error {}

/** The request body (or bytes), refused above maxBytes. */
export async function sheetBytes(source: Readable | Uint8Array, maxBytes: number): Promise<Buffer> {
  if (source instanceof Uint8Array) return Buffer.from(source);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    n += b.length;
    if (n > maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `an import file holds at most ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The content types an import accepts as its body; anything else is a 400 naming them. */
export function requireSheetContentType(contentType: string | undefined, xlsxType: string): void {
  const type = String(contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'text/csv' && type !== xlsxType) {
    throw new DomainError('VALIDATION_FAILED', 'send the file as the request body with Content-Type: text/csv or the XLSX type', [
      { field: 'Content-Type', code: 'UNSUPPORTED_MEDIA_TYPE', message: `must be text/csv or ${xlsxType}` },
    ]);
  }
}

/** Field errors of a refused domain call, renamed to the import's columns. */
export function domainFieldErrors(e: DomainError, rename: (field: string) => string = (f) => f): FieldError[] {
  const list = e.errors.length ? e.errors : [{ field: '', code: e.code, message: e.detail }];
  return list.map((f) => ({ ...f, field: rename(f.field), code: f.code ?? e.code }));
}

/**
 * An all-or-nothing bulk import through the one reader: every row checked (and written) inside one transaction, kept
 * only when no row failed and it is not a dry run; every bad row reported with its row number, its column as the file
 * names it and the reason in the caller's language.
 */
export async function runSheetImport<K extends string, S>(
  source: Readable | Uint8Array,
  steps: SheetImportSteps<K, S>,
  opts: SheetImportOptions = {},
): Promise<SheetImportResult> {
  const maxErrors = opts.maxReportedErrors ?? 1000;
  const bytes = await sheetBytes(source, opts.maxBytes ?? 20 * 1024 * 1024);
  let table: SheetTable<K>;
  try {
    table = await readSheet(bytes, steps.columns, { maxRows: opts.maxRows ?? 50_000, encoding: opts.encoding });
  } catch (e) {
    if (e instanceof SheetFileError) throw new DomainError('VALIDATION_FAILED', e.detail, e.errors);
    throw e;
  }
  if (!table.rows.length)
    throw new DomainError('VALIDATION_FAILED', 'the file holds a header but no rows', [
      { field: 'file', code: 'CSV_EMPTY', message: 'the file holds no rows' },
    ]);
  const result: SheetImportResult = {
    dryRun: Boolean(opts.dryRun),
    format: table.format,
    encoding: table.encoding,
    rows: table.rows.length,
    valid: 0,
    imported: 0,
    skipped: 0,
    failed: 0,
    errors: [],
    errorsTruncated: false,
  };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    await steps.transaction(async (m) => {
      const state = await steps.start(m);
      for (const { rowNo, values } of table.rows) {
        const outcome = await steps.row(m, values, rowNo, state);
        if (outcome === 'skipped') result.skipped++;
        else if (outcome.length) {
          result.failed++;
          for (const e of rowErrors(rowNo, outcome, table, steps.columns)) {
            if (result.errors.length < maxErrors) result.errors.push(e);
            else result.errorsTruncated = true;
          }
        } else result.valid++;
      }
      if (result.failed || result.dryRun) throw new RollBack();
      result.imported = result.valid;
      await steps.finish(m, result, sha256, state);
    });
  } catch (e) {
    if (!(e instanceof RollBack)) throw e;
  }
  result.errors = localizeRowErrors(result.errors, RequestContext.lang());
  return result;
}

/** A cell listing several values (ID numbers): split at commas, semicolons, 、, slashes and white space. */
export function splitList(cell: string): string[] {
  return cell
    .split(/[\s,，;；、/|]+/u)
    .map((s) => s.trim())
    .filter(Boolean);
}
