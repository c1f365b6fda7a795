import type { FieldErrorCode } from '#libs/common';
import { STATEMENT_FIELDS, type FieldKey, type HeaderMap } from '../domain/statement.js';
import { isStatementKeyRow, mapHeader } from './header.js';
import { LineSplitter, Reader } from './reader.js';
import { MAX_RECORD_CHARS, StatementFileError } from './types.js';

// ─── CSV ──────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The RFC 4180 state machine for one record, fed a physical line at a time. */
class CsvScanner {
  cells: string[] = [];
  cell = '';
  /** 0: in an unquoted field, 1: inside quotes, 2: after a closing quote */
  quote: 0 | 1 | 2 = 0;

  reset(): void {
    this.cells = [];
    this.cell = '';
    this.quote = 0;
  }

  /** Advances over one physical line; returns what is wrong with the quoting, if anything. */
  scan(line: string, lineNo: number): string | undefined {
    const n = line.length;
    let i = 0;
    while (i < n) {
      if (this.quote === 1) {
        const q = line.indexOf('"', i);
        if (q === -1) {
          this.cell += line.slice(i);
          return undefined;
        }
        this.cell += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          this.cell += '"';
          i = q + 2;
        } else {
          this.quote = 2;
          i = q + 1;
        }
        continue;
      }
      const c = line.charCodeAt(i);
      if (c === 44) {
        this.cells.push(this.quote === 2 ? this.cell : this.cell.trim());
        this.cell = '';
        this.quote = 0;
        i++;
      } else if (this.quote === 2) {
        if (c !== 32 && c !== 9)
          return `line ${lineNo}: a character follows the closing quote of field ${this.cells.length + 1} (a quote inside a quoted field is written "")`;
        i++;
      } else if (c === 34) {
        if (this.cell.trim() !== '')
          return `line ${lineNo}: a quote inside the unquoted field ${this.cells.length + 1} (quote the whole field and double the quote)`;
        this.cell = '';
        this.quote = 1;
        i++;
      } else {
        let j = i + 1;
        while (j < n) {
          const d = line.charCodeAt(j);
          if (d === 44 || d === 34) break;
          j++;
        }
        this.cell += line.slice(i, j);
        i = j;
      }
    }
    return undefined;
  }

  /** At the end of a physical line: the record's cells, or undefined while a quoted field goes on (a line break). */
  endOfLine(): string[] | undefined {
    if (this.quote === 1) {
      this.cell += '\n';
      return undefined;
    }
    this.cells.push(this.quote === 2 ? this.cell : this.cell.trim());
    const cells = this.cells;
    this.reset();
    return cells;
  }
}

/**
 * RFC 4180 over physical lines. A line without quotes is one record, split directly (the fast path: most
 * statements never quote). A line with a quote goes through the state machine, and a quoted field left open at the
 * end of a line continues on the next (the line break is part of the field); the record is numbered by the line it
 * starts on.
 *
 * Why not one csv-parse stream over the file: its recovery after a quoting error resynchronises on the next quote
 * and swallows the records in between. Here a record whose quoting fails (a character after a closing quote, a
 * quote inside an unquoted field, a field still open at the end of the file or after MAX_RECORD_CHARS, or a
 * record spanning lines with the wrong number of fields or with a line break in a statement field rather than in a
 * remark) is reported on its first line, and the lines after that one are read again as records of their own: a
 * stray quote costs one malformed line, never the rows after it.
 */
export class CsvReader extends Reader {
  private header: HeaderMap | undefined;
  /** the record after the header may be the template's English key row */
  private firstData = true;
  private readonly lines = new LineSplitter((line, lineNo) => this.line(line, lineNo));
  private readonly scanner = new CsvScanner();
  /** lines still to read again after a record spanning them failed */
  private replay: { line: string; lineNo: number }[] = [];
  /** the physical lines of the record being read, when it has a quote */
  private recLines: string[] = [];
  private recStart = 0;
  private recChars = 0;

  push(text: string): void {
    this.lines.push(text);
  }

  end(): void {
    this.lines.end();
    while (this.recLines.length) {
      this.fail(
        'CSV_SYNTAX',
        `the quote opened on line ${this.recStart} is not closed by the end of the file`,
      );
      this.drain();
    }
    if (!this.header)
      throw new StatementFileError('the file has no header line', [
        { field: 'header', code: 'MISSING_COLUMN', message: 'a CSV statement starts with a header line' },
      ]);
  }

  private line(line: string, lineNo: number): void {
    this.checkDecoded(line, lineNo);
    this.step(line, lineNo);
    this.drain();
  }

  private drain(): void {
    while (this.replay.length) {
      const { line, lineNo } = this.replay.shift()!;
      this.step(line, lineNo);
    }
  }

  private step(line: string, lineNo: number): void {
    if (!this.recLines.length) {
      if (!line.includes('"')) {
        if (line.trim() !== '')
          this.record(
            line.split(',').map((c) => c.trim()),
            lineNo,
            line,
          );
        return;
      }
      this.recStart = lineNo;
      this.recChars = 0;
      this.scanner.reset();
    }
    this.recLines.push(line);
    this.recChars += line.length + 1;
    const error = this.scanner.scan(line, lineNo);
    if (error) return this.fail('CSV_SYNTAX', error);
    const cells = this.scanner.endOfLine();
    if (!cells) {
      if (this.recChars > MAX_RECORD_CHARS)
        this.fail(
          'CSV_SYNTAX',
          `the quote opened on line ${this.recStart} is not closed within ${MAX_RECORD_CHARS} characters`,
        );
      return;
    }
    if (this.recLines.length > 1 && this.header && cells.length !== this.header.columns)
      return this.fail(
        'COLUMN_COUNT',
        `expected ${this.header.columns} fields as in the header, got ${cells.length} in the record running from ` +
          `line ${this.recStart} to ${lineNo}`,
      );
    if (this.recLines.length > 1 && this.header)
      for (const [k, i] of Object.entries(this.header.index) as [FieldKey, number][])
        if (cells[i].includes('\n'))
          return this.fail(
            'CSV_SYNTAX',
            `a line break inside the ${STATEMENT_FIELDS[k]} field: the quote opened on line ${this.recStart} is not closed where it should be`,
          );
    const raw = this.recLines.join('\n');
    this.recLines = [];
    this.record(cells, this.recStart, raw);
  }

  /** The record being read is unreadable: report its first line, read the lines after that one again. */
  private fail(code: FieldErrorCode, message: string): void {
    const lines = this.recLines;
    const start = this.recStart;
    this.recLines = [];
    this.scanner.reset();
    if (!this.header)
      throw new StatementFileError(`line ${start}: the header is not valid CSV`, [
        { field: 'header', code: 'CSV_SYNTAX', message },
      ]);
    this.malformed(start, lines[0], 'line', code, message);
    if (lines.length > 1)
      this.replay = lines
        .slice(1)
        .map((line, k) => ({ line, lineNo: start + 1 + k }))
        .concat(this.replay);
  }

  private record(cells: string[], lineNo: number, raw: string): void {
    if (!this.header) {
      const mapped = mapHeader(cells);
      if (!mapped.ok)
        throw new StatementFileError(`line ${lineNo}: the header lacks required columns`, mapped.errors);
      this.header = mapped.header;
      return;
    }
    if (this.firstData) {
      this.firstData = false;
      if (isStatementKeyRow(cells)) return;
    }
    if (cells.length !== this.header.columns)
      return this.malformed(
        lineNo,
        raw,
        'line',
        'COLUMN_COUNT',
        `expected ${this.header.columns} fields as in the header, got ${cells.length}`,
      );
    const values: Partial<Record<FieldKey, unknown>> = {};
    for (const [k, i] of Object.entries(this.header.index) as [FieldKey, number][]) values[k] = cells[i];
    this.validated(values, lineNo, raw);
  }
}

/** One CSV record from one line (RFC 4180 quoting, comma separated); unquoted cells trimmed of surrounding blanks. */
export function splitCsvLine(line: string): { ok: true; cells: string[] } | { ok: false; message: string } {
  if (!line.includes('"')) return { ok: true, cells: line.split(',').map((c) => c.trim()) };
  const scanner = new CsvScanner();
  const error = scanner.scan(line, 1);
  if (error) return { ok: false, message: error };
  const cells = scanner.endOfLine();
  return cells
    ? { ok: true, cells }
    : { ok: false, message: 'the quoted field is not closed at the end of the line' };
}
