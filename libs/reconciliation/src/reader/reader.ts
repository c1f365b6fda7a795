import type { FieldErrorCode } from '#libs/common';
import { validateRow, type FieldKey } from '../domain/statement.js';
import { MAX_LINE_CHARS, RAW_KEEP, StatementFileError, type StatementItem } from './types.js';

// ─── text → lines ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Splits text arriving in chunks into physical lines (LF, CRLF or CR), numbered from 1. */
export class LineSplitter {
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

export abstract class Reader {
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

  protected malformed(
    lineNo: number,
    raw: string,
    field: string,
    code: FieldErrorCode,
    message: string,
  ): void {
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
