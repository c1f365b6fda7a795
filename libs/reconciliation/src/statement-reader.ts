import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
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

/** CSV, or JSON: one object per line (JSON Lines) or one top-level array of objects, told apart by the first character. */
export type StatementFormat = 'CSV' | 'JSONL';

/** GBK and GB2312 are subsets of GB18030, so one decoder reads all three. */
export type StatementEncoding = 'UTF-8' | 'GB18030';

export interface StatementOptions {
  /** Given by the uploader: wins over detection. Without it, a UTF-8 BOM means UTF-8, else the bytes decide. */
  encoding?: StatementEncoding;
}

export type StatementItem =
  | { kind: 'row'; lineNo: number; row: StatementRow }
  | { kind: 'malformed'; lineNo: number; raw: string; errors: FieldError[] };

/** A file that cannot be read as a statement at all (no header, missing columns, bad bytes): nothing is stored. */
export class StatementFileError extends Error {
  constructor(
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail);
  }
}

/** The spellings accepted for the `encoding` upload parameter. */
export const ENCODING_NAMES = ['utf-8', 'utf8', 'gb18030', 'gbk', 'gb2312'] as const;

/** 'utf8' → 'UTF-8'; 'GBK', 'gb2312', 'gb18030' → 'GB18030'; anything else → undefined. */
export function statementEncoding(name: string): StatementEncoding | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'utf-8' || n === 'utf8') return 'UTF-8';
  if (n === 'gb18030' || n === 'gbk' || n === 'gb2312') return 'GB18030';
  return undefined;
}

const RAW_KEEP = 500;
/** A physical line longer than this is not a statement line; refusing it keeps memory flat. */
export const MAX_LINE_CHARS = 1024 * 1024;
/**
 * A CSV record spanning lines (a quoted remark with line breaks), or one element of a JSON array, may hold this
 * many characters. Past it a quote is taken as never closed: the record's first line is reported and reading
 * resumes on the line after it, so one stray quote cannot swallow the rest of the file (nor hold it in memory).
 */
export const MAX_RECORD_CHARS = 64 * 1024;
/** Bytes looked at after the first non-ASCII byte before deciding between UTF-8 and GB18030. */
const SNIFF_BYTES = 4096;

/** Reads a statement file (see readStatementStream); the file is read in chunks, never whole. */
export function readStatement(
  path: string,
  format: StatementFormat,
  asOfDate: string,
  options: StatementOptions = {},
): AsyncGenerator<StatementItem> {
  return readStatementStream(createReadStream(path), format, asOfDate, options);
}

/**
 * Reads a statement from a stream of bytes and yields every data record as a valid row or a malformed one with
 * the line it starts on: nothing is held beyond the current chunk and record, and no record can vanish.
 *
 * Bytes are decoded as they arrive (TextDecoder with `stream: true`, so a character split between chunks is
 * joined); CSV follows RFC 4180 (quoted fields may hold commas, doubled quotes and line breaks); JSON is JSON Lines
 * or one top-level array read element by element. Malformed records never stop the run; a file that cannot be
 * read at all throws StatementFileError.
 */
export async function* readStatementStream(
  source: AsyncIterable<Uint8Array | string>,
  format: StatementFormat,
  asOfDate: string,
  options: StatementOptions = {},
): AsyncGenerator<StatementItem> {
  const out: StatementItem[] = [];
  const decoder = new StatementDecoder(options.encoding);
  const reader = format === 'CSV' ? new CsvReader(asOfDate, out) : new JsonReader(asOfDate, out);
  let first = true;
  const feed = (text: string) => {
    if (!text) return;
    if (first) {
      first = false;
      // a UTF-8 BOM is consumed by the decoder; a GB18030 one (84 31 95 33) decodes to U+FEFF
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (!reader.damaged && text.includes('\uFFFD')) reader.damaged = decoder.name();
    reader.push(text);
  };
  for await (const chunk of source) {
    feed(decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    if (out.length) {
      for (const item of out) yield item;
      out.length = 0;
    }
  }
  feed(decoder.end());
  reader.end();
  for (const item of out) yield item;
}

// ─── bytes → text ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Streaming decoder with detection: a UTF-8 BOM means UTF-8; otherwise ASCII passes through until the first
 * non-ASCII byte, and the next SNIFF_BYTES decide: valid UTF-8 → UTF-8, else GB18030 (ASCII reads the same in
 * both, so nothing before that point depends on the choice). Undecodable bytes become U+FFFD, which the reader
 * refuses with the line they are on.
 */
class StatementDecoder {
  private decoder: TextDecoder | undefined;
  private encoding: StatementEncoding | undefined;
  private head: Buffer[] = [];
  private headBytes = 0;
  private bomChecked = false;

  constructor(private readonly explicit: StatementEncoding | undefined) {}

  name(): string {
    return this.encoding ?? 'UTF-8';
  }

  push(chunk: Uint8Array): string {
    if (this.decoder) return this.decoder.decode(chunk, { stream: true });
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.bomChecked) {
      this.hold(bytes);
      if (this.headBytes < 3) return '';
      return this.afterBom(this.take(), false);
    }
    return this.sniff(bytes, false);
  }

  end(): string {
    if (!this.bomChecked) return this.afterBom(this.take(), true);
    if (!this.decoder) return this.sniff(Buffer.alloc(0), true);
    return this.decoder.decode();
  }

  private hold(bytes: Buffer): void {
    this.head.push(bytes);
    this.headBytes += bytes.length;
  }

  private take(): Buffer {
    const all = Buffer.concat(this.head, this.headBytes);
    this.head = [];
    this.headBytes = 0;
    return all;
  }

  private afterBom(bytes: Buffer, final: boolean): string {
    this.bomChecked = true;
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (bom && this.explicit === 'GB18030')
      throw new StatementFileError(
        'the file starts with a UTF-8 byte-order mark but encoding GB18030 was given',
        [
          {
            field: 'encoding',
            code: 'ENCODING_MISMATCH',
            message: 'the file is UTF-8 (it starts with a UTF-8 BOM): leave encoding out or give utf-8',
          },
        ],
      );
    const chosen = bom ? 'UTF-8' : this.explicit;
    if (chosen) return this.start(chosen, bytes, final);
    return this.sniff(bytes, final);
  }

  /** Undecided: pass ASCII through; from the first non-ASCII byte hold SNIFF_BYTES (or the rest), then decide. */
  private sniff(bytes: Buffer, final: boolean): string {
    let text = '';
    if (this.headBytes === 0) {
      if (isAscii(bytes)) {
        if (!final) return bytes.toString('latin1');
        text = bytes.toString('latin1');
        bytes = Buffer.alloc(0);
      } else {
        let i = 0;
        while (bytes[i] < 0x80) i++;
        text = bytes.toString('latin1', 0, i);
        bytes = bytes.subarray(i);
      }
    }
    if (bytes.length) this.hold(bytes);
    if (!final && this.headBytes < SNIFF_BYTES) return text;
    const sample = this.take();
    let utf8 = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !final });
    } catch {
      utf8 = false;
    }
    return text + this.start(utf8 ? 'UTF-8' : 'GB18030', sample, final);
  }

  private start(encoding: StatementEncoding, bytes: Buffer, final: boolean): string {
    this.encoding = encoding;
    this.decoder = new TextDecoder(encoding === 'UTF-8' ? 'utf-8' : 'gb18030');
    const text = this.decoder.decode(bytes, { stream: true });
    return final ? text + this.decoder.decode() : text;
  }
}

// ─── text → lines ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Splits text arriving in chunks into physical lines (LF, CRLF or CR), numbered from 1. */
class LineSplitter {
  /** lines completed so far */
  lineNo = 0;
  /** the last chunk ended in CR: an LF starting the next one belongs to it */
  pendingCR = false;
  private rest = '';

  constructor(private readonly onLine: (line: string, lineNo: number) => void) {}

  push(text: string): void {
    let s = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === 10) s = 1;
    }
    const breaks = /\r\n?|\n/g;
    breaks.lastIndex = s;
    let m: RegExpExecArray | null;
    while ((m = breaks.exec(text))) {
      const part = text.slice(s, m.index);
      const line = this.rest ? this.rest + part : part;
      this.rest = '';
      s = m.index + m[0].length;
      if (s === text.length && m[0] === '\r') this.pendingCR = true;
      this.emit(line);
    }
    if (s < text.length) {
      this.rest += text.slice(s);
      if (this.rest.length > MAX_LINE_CHARS)
        throw new StatementFileError(`line ${this.lineNo + 1} is longer than ${MAX_LINE_CHARS} characters`, [
          { field: 'line', code: 'LINE_TOO_LONG', message: `line ${this.lineNo + 1} never ends` },
        ]);
    }
  }

  end(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }

  private emit(line: string): void {
    this.onLine(line, ++this.lineNo);
  }
}

abstract class Reader {
  /** set to the encoding's name once a U+FFFD (an undecodable byte) has been seen: every later line is checked */
  damaged: string | undefined;

  constructor(
    protected readonly asOfDate: string,
    protected readonly out: StatementItem[],
  ) {}

  abstract push(text: string): void;
  abstract end(): void;

  protected checkDecoded(text: string, lineNo: number): void {
    if (this.damaged && text.includes('\uFFFD'))
      throw new StatementFileError(`line ${lineNo} is not valid ${this.damaged}`, [
        {
          field: 'encoding',
          code: 'ENCODING',
          message:
            `line ${lineNo} holds bytes that are not valid ${this.damaged} (or a U+FFFD replacement character, ` +
            'i.e. text damaged before export); give encoding=gb18030 or encoding=utf-8 if the detection was wrong',
        },
      ]);
  }

  protected malformed(lineNo: number, raw: string, field: string, code: string, message: string): void {
    this.out.push({
      kind: 'malformed',
      lineNo,
      raw: raw.slice(0, RAW_KEEP),
      errors: [{ field, code, message }],
    });
  }

  protected validated(values: Partial<Record<FieldKey, unknown>>, lineNo: number, raw: string): void {
    const r = validateRow(values, this.asOfDate);
    this.out.push(
      r.ok
        ? { kind: 'row', lineNo, row: r.row }
        : { kind: 'malformed', lineNo, raw: raw.slice(0, RAW_KEEP), errors: r.errors },
    );
  }
}

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
class CsvReader extends Reader {
  private header: HeaderMap | undefined;
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
  private fail(code: string, message: string): void {
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

// ─── JSON ─────────────────────────────────────────────────────────────────────────────────────────────────────────

const isBlank = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * JSON Lines (one object per line), or, when the first character of the file is `[`, one array of objects read
 * element by element as the text streams in: an element is cut out by tracking strings, escapes and nesting,
 * then parsed on its own and numbered by the line it starts on. Only elements are held, never the array. An element
 * that is not valid JSON or not an object is a malformed row; a broken array (a missing comma, no closing `]`,
 * text after it, an element longer than MAX_RECORD_CHARS) cannot be cut reliably and refuses the file.
 */
class JsonReader extends Reader {
  private mode: 'detect' | 'lines' | 'array' = 'detect';
  private readonly lines = new LineSplitter((line, lineNo) => this.jsonLine(line, lineNo));
  // array state
  private lineNo = 1;
  private prevCR = false;
  private arrayLine = 0;
  private state: 'first' | 'next' | 'in' | 'after' | 'done' = 'first';
  private kind: 'container' | 'string' | 'bare' = 'container';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elem = '';
  private elemLine = 0;

  push(text: string): void {
    if (this.mode === 'detect') {
      let i = 0;
      while (i < text.length && isBlank(text.charCodeAt(i))) i++;
      if (i === text.length) return this.lines.push(text);
      if (text.charCodeAt(i) === 91) {
        this.lines.push(text.slice(0, i));
        this.mode = 'array';
        this.lineNo = this.lines.lineNo + 1;
        this.prevCR = this.lines.pendingCR;
        this.arrayLine = this.lineNo;
        return this.scan(text, i + 1);
      }
      this.mode = 'lines';
    }
    if (this.mode === 'lines') this.lines.push(text);
    else this.scan(text, 0);
  }

  end(): void {
    if (this.mode !== 'array') return this.lines.end();
    if (this.state === 'in' && this.kind === 'bare') this.element('');
    if (this.state !== 'done')
      throw this.broken(`the array opened on line ${this.arrayLine} is not closed by the end of the file`);
  }

  private jsonLine(line: string, lineNo: number): void {
    this.checkDecoded(line, lineNo);
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      return this.malformed(lineNo, line, 'line', 'JSON_SYNTAX', (e as Error).message.slice(0, 200));
    }
    this.object(parsed, lineNo, line, 'each line must be one JSON object');
  }

  private object(parsed: unknown, lineNo: number, raw: string, what: string): void {
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return this.malformed(lineNo, raw, 'line', 'JSON_SYNTAX', what);
    const values: Partial<Record<FieldKey, unknown>> = {};
    for (const [k, v] of Object.entries(parsed)) {
      const key = normaliseKey(k);
      if (key in STATEMENT_FIELDS) values[key as FieldKey] = v;
    }
    this.validated(values, lineNo, raw);
  }

  private broken(message: string): StatementFileError {
    return new StatementFileError(`line ${this.lineNo}: ${message}`, [
      { field: 'body', code: 'JSON_SYNTAX', message },
    ]);
  }

  private scan(text: string, from: number): void {
    if (this.damaged && text.includes('\uFFFD')) {
      const at = text.indexOf('\uFFFD');
      let line = this.lineNo;
      for (let k = from; k < at; k++) if (text.charCodeAt(k) === 10) line++;
      this.checkDecoded('\uFFFD', line);
    }
    const n = text.length;
    let seg = from;
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        if (!this.prevCR) this.lineNo++;
        this.prevCR = false;
      } else if (c === 13) {
        this.lineNo++;
        this.prevCR = true;
      } else this.prevCR = false;
      if (this.state === 'in') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === 92) this.escaped = true;
          else if (c === 34) {
            this.inString = false;
            if (this.kind === 'string') this.element(text.slice(seg, i + 1));
          }
          continue;
        }
        if (this.kind === 'container') {
          if (c === 34) this.inString = true;
          else if (c === 123 || c === 91) this.depth++;
          else if ((c === 125 || c === 93) && --this.depth === 0) this.element(text.slice(seg, i + 1));
          continue;
        }
        // a bare element (a number, true, …) ends before a comma, ] or blank, which is then read below
        if (c !== 44 && c !== 93 && !isBlank(c)) continue;
        this.element(text.slice(seg, i));
      }
      if (isBlank(c)) continue;
      if (this.state === 'after') {
        if (c === 44) this.state = 'next';
        else if (c === 93) this.state = 'done';
        else throw this.broken('expected , or ] after an element of the array');
      } else if (this.state === 'done') {
        throw this.broken('text after the closing ] of the array');
      } else if (c === 93) {
        if (this.state === 'next') throw this.broken('a comma before the closing ] of the array');
        this.state = 'done';
      } else if (c === 44) {
        throw this.broken('an empty element in the array');
      } else {
        this.state = 'in';
        this.elem = '';
        this.elemLine = this.lineNo;
        seg = i;
        this.kind = c === 123 || c === 91 ? 'container' : c === 34 ? 'string' : 'bare';
        this.depth = this.kind === 'container' ? 1 : 0;
        this.inString = c === 34;
        this.escaped = false;
      }
    }
    if (this.state === 'in') {
      this.elem += text.slice(seg);
      if (this.elem.length > MAX_RECORD_CHARS)
        throw this.broken(
          `the element starting on line ${this.elemLine} is longer than ${MAX_RECORD_CHARS} characters (a string or object left open?)`,
        );
    }
  }

  /** An element is complete: `tail` is its text in the current chunk (what came in earlier chunks is in elem). */
  private element(tail: string): void {
    const raw = this.elem + tail;
    this.elem = '';
    this.state = 'after';
    if (raw.length > MAX_RECORD_CHARS)
      throw this.broken(
        `the element starting on line ${this.elemLine} is longer than ${MAX_RECORD_CHARS} characters`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      return this.malformed(this.elemLine, raw, 'line', 'JSON_SYNTAX', (e as Error).message.slice(0, 200));
    }
    this.object(parsed, this.elemLine, raw, 'each element of the array must be one JSON object');
  }
}
