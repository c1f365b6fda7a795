import { normaliseKey, STATEMENT_FIELDS, type FieldKey } from '../domain/statement.js';
import { LineSplitter, Reader } from './reader.js';
import { MAX_RECORD_CHARS, StatementFileError } from './types.js';

// ─── JSON ─────────────────────────────────────────────────────────────────────────────────────────────────────────

const isBlank = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * JSON Lines (one object per line), or, when the first character of the file is `[`, one array of objects read
 * element by element as the text streams in: an element is cut out by tracking strings, escapes and nesting,
 * then parsed on its own and numbered by the line it starts on. Only elements are held, never the array. An element
 * that is not valid JSON or not an object is a malformed row; a broken array (a missing comma, no closing `]`,
 * text after it, an element longer than MAX_RECORD_CHARS) cannot be cut reliably and refuses the file.
 */
export class JsonReader extends Reader {
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
