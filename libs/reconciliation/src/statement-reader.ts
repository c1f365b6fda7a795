import { parse as parseCsvLine } from 'csv-parse/sync';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FieldError } from '#libs/common';
import {
  mapHeader,
  normaliseKey,
  STATEMENT_FIELDS,
  validateRow,
  type FieldKey,
  type HeaderMap,
  type StatementRow,
} from './domain/statement.js';

export type StatementFormat = 'CSV' | 'JSONL';

export type StatementItem =
  | { kind: 'row'; lineNo: number; row: StatementRow }
  | { kind: 'malformed'; lineNo: number; raw: string; errors: FieldError[] };

/** A file that cannot be read as a statement at all (no header, missing columns): nothing is stored. */
export class StatementFileError extends Error {
  constructor(
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail);
  }
}

const RAW_KEEP = 500;

/**
 * Reads a statement file one physical line at a time and yields every data line as a valid row or a malformed
 * one with its line number: nothing is held beyond the current line, and no line can vanish.
 *
 * Why line by line rather than one csv-parse stream over the file: csv-parse's recovery after a quoting error
 * (`skip_records_with_error`) resynchronises on the next quote, and in doing so swallows the records that follow,
 * so rows would silently drop out of the reconciliation. Statement fields never contain line breaks, so each
 * line is one record: lines without quotes are split directly, lines with quotes go through csv-parse's grammar.
 */
export async function* readStatement(
  path: string,
  format: StatementFormat,
  asOfDate: string,
): AsyncGenerator<StatementItem> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let header: HeaderMap | undefined;
  for await (let line of lines) {
    lineNo++;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') continue;
    if (format === 'CSV') {
      const cells = splitCsvLine(line);
      if (!header) {
        if (!cells.ok)
          throw new StatementFileError(`line ${lineNo}: the header is not valid CSV`, [
            { field: 'header', code: 'CSV_SYNTAX', message: cells.message },
          ]);
        const mapped = mapHeader(cells.cells);
        if (!mapped.ok)
          throw new StatementFileError(`line ${lineNo}: the header lacks required columns`, mapped.errors);
        header = mapped.header;
        continue;
      }
      if (!cells.ok) {
        yield {
          kind: 'malformed',
          lineNo,
          raw: line.slice(0, RAW_KEEP),
          errors: [{ field: 'line', code: 'CSV_SYNTAX', message: cells.message }],
        };
        continue;
      }
      if (cells.cells.length !== header.columns) {
        yield {
          kind: 'malformed',
          lineNo,
          raw: line.slice(0, RAW_KEEP),
          errors: [
            {
              field: 'line',
              code: 'COLUMN_COUNT',
              message: `expected ${header.columns} fields as in the header, got ${cells.cells.length}`,
            },
          ],
        };
        continue;
      }
      const values: Partial<Record<FieldKey, unknown>> = {};
      for (const [k, i] of Object.entries(header.index) as [FieldKey, number][]) values[k] = cells.cells[i];
      yield toItem(validateRow(values, asOfDate), lineNo, line);
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        yield {
          kind: 'malformed',
          lineNo,
          raw: line.slice(0, RAW_KEEP),
          errors: [{ field: 'line', code: 'JSON_SYNTAX', message: (e as Error).message.slice(0, 200) }],
        };
        continue;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        yield {
          kind: 'malformed',
          lineNo,
          raw: line.slice(0, RAW_KEEP),
          errors: [{ field: 'line', code: 'JSON_SYNTAX', message: 'each line must be one JSON object' }],
        };
        continue;
      }
      const values: Partial<Record<FieldKey, unknown>> = {};
      for (const [k, v] of Object.entries(parsed)) {
        const key = normaliseKey(k);
        if (key in STATEMENT_FIELDS) values[key as FieldKey] = v;
      }
      yield toItem(validateRow(values, asOfDate), lineNo, line);
    }
  }
  if (format === 'CSV' && !header)
    throw new StatementFileError('the file has no header line', [
      { field: 'header', code: 'MISSING_COLUMN', message: 'a CSV statement starts with a header line' },
    ]);
}

function toItem(r: ReturnType<typeof validateRow>, lineNo: number, line: string): StatementItem {
  return r.ok
    ? { kind: 'row', lineNo, row: r.row }
    : { kind: 'malformed', lineNo, raw: line.slice(0, RAW_KEEP), errors: r.errors };
}

/** One CSV record from one line (RFC 4180 quoting, comma separated); cells trimmed of surrounding blanks. */
export function splitCsvLine(line: string): { ok: true; cells: string[] } | { ok: false; message: string } {
  if (!line.includes('"')) return { ok: true, cells: line.split(',').map((c) => c.trim()) };
  try {
    const records = parseCsvLine(line, { relax_column_count: true, trim: true }) as string[][];
    if (records.length !== 1)
      return { ok: false, message: 'a quoted field spans lines or the line holds several records' };
    return { ok: true, cells: records[0] };
  } catch (e) {
    return { ok: false, message: (e as Error).message.slice(0, 200) };
  }
}
