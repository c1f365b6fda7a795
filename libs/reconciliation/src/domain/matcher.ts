import type { FieldError } from '#libs/common';
import { BANK_STATUSES, type StatementRow } from './statement.js';

/**
 * A run's lines are numbered 0, 1, 2 … in the order they are listed (the statement's lines in file order, then the
 * loans only the engine holds, by reference); matched lines are kept per chunk of this many consecutive lines.
 */
export const CHUNK_LINES = 4096;

/**
 * The engine's side of a reconciliation: the bank's covered loans as one text, a loan a line, in any order:
 *
 *   `<outstanding fen>,<overdue principal fen>,<days overdue>,<status>;<loan id>;<open><mark><reference>`
 *
 * where the status is the engine's state in the bank's words, open is 1 for a loan a statement must report
 * (DISBURSED) and 0 otherwise, and mark is `=` before a reference given as it is, or `E` before one holding a line
 * break, given with backslashes doubled and line breaks as `\n` (no statement line can name such a loan). The
 * text is kept whole and indexed, not split: a loan costs 16 bytes of index besides its line, and nothing of it is
 * decoded unless the statement differs from it or does not report it.
 */
export class EngineBook {
  readonly size: number;
  /** where each loan's line starts; starts[size] is one past the end */
  private readonly starts: Int32Array;
  private readonly refStarts: Int32Array;
  /** open addressing by hash of the reference: loan index + 1, or 0 */
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(private readonly text: string) {
    let size = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) size++;
    if (text.length && !text.endsWith('\n')) size++;
    this.size = size;
    this.starts = new Int32Array(size + 1);
    this.refStarts = new Int32Array(size);
    let slots = 16;
    while (slots < size * 2) slots *= 2;
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
    let at = 0;
    for (let i = 0; i < size; i++) {
      this.starts[i] = at;
      const idEnd = text.indexOf(';', text.indexOf(';', at) + 1);
      if (idEnd < 0) throw new Error(`engine book: line ${i + 1} is not a loan`);
      const refStart = idEnd + 3;
      this.refStarts[i] = refStart;
      let end = text.indexOf('\n', refStart);
      if (end < 0) end = text.length;
      if (text.charCodeAt(idEnd + 2) === EQUALS) {
        let slot = hashOf(text, refStart, end) & this.mask;
        while (this.table[slot]) slot = (slot + 1) & this.mask;
        this.table[slot] = i + 1;
      }
      at = end + 1;
    }
    this.starts[size] = at;
  }

  /** The loan of a reference, or -1. */
  find(ref: string): number {
    const t = this.text;
    for (let slot = hashOf(ref, 0, ref.length) & this.mask; this.table[slot]; slot = (slot + 1) & this.mask) {
      const i = this.table[slot] - 1;
      const start = this.refStarts[i];
      if (this.starts[i + 1] - 1 - start === ref.length && t.startsWith(ref, start)) return i;
    }
    return -1;
  }

  /** Whether loan i's figures are exactly these (amounts as decimal fen). */
  agrees(i: number, outstanding: string, overdue: string, days: string, status: string): boolean {
    const t = this.text;
    let at = this.starts[i];
    if (!t.startsWith(outstanding, at) || t.charCodeAt((at += outstanding.length)) !== COMMA) return false;
    if (!t.startsWith(overdue, ++at) || t.charCodeAt((at += overdue.length)) !== COMMA) return false;
    if (!t.startsWith(days, ++at) || t.charCodeAt((at += days.length)) !== COMMA) return false;
    return t.startsWith(status, ++at) && t.charCodeAt(at + status.length) === SEMICOLON;
  }

  /** Loan i's line up to its reference: `<outstanding>,<overdue>,<days>,<status>;<loan id>`. */
  head(i: number): string {
    return this.text.slice(this.starts[i], this.refStarts[i] - 3);
  }

  loanId(i: number): string {
    const idStart = this.text.indexOf(';', this.starts[i]) + 1;
    return this.text.slice(idStart, this.refStarts[i] - 3);
  }

  open(i: number): boolean {
    return this.text.charCodeAt(this.refStarts[i] - 2) === ONE;
  }

  ref(i: number): string {
    const raw = this.text.slice(this.refStarts[i], this.starts[i + 1] - 1);
    return this.text.charCodeAt(this.refStarts[i] - 1) === EQUALS
      ? raw
      : raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }

  /** Loan i's figures, decoded. */
  figures(i: number): { outstandingFen: bigint; overdueFen: bigint; overdueDays: number; status: string } {
    const start = this.starts[i];
    const [outstanding, overdue, days, status] = this.text
      .slice(start, this.text.indexOf(';', start))
      .split(',');
    return {
      outstandingFen: BigInt(outstanding),
      overdueFen: BigInt(overdue),
      overdueDays: Number(days),
      status,
    };
  }
}

const EQUALS = 61;
const SEMICOLON = 59;
const COMMA = 44;
const ONE = 49;

/** FNV-1a over UTF-16 code units of s[from, to). */
function hashOf(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A line that is not a match, stored as a row of its own; `ordinal` is its place in the run's lines. */
export interface ExceptionLine {
  ordinal: number;
  lineNo: number | null;
  category: 'DIFFERENT' | 'ONLY_IN_BANK' | 'ONLY_IN_ENGINE' | 'MALFORMED';
  amountDiffers: boolean;
  statusDiffers: boolean;
  ref: string | null;
  loanId: bigint | null;
  bankOutstandingFen: bigint | null;
  engineOutstandingFen: bigint | null;
  bankOverdueFen: bigint | null;
  engineOverdueFen: bigint | null;
  bankOverdueDays: number | null;
  engineOverdueDays: number | null;
  bankStatus: string | null;
  engineStatus: string | null;
  errors: LineError[] | null;
  raw: string | null;
}

/** A malformed line's problem as stored: the reader's field errors, or DUPLICATE_REF (a reference reported twice). */
export type LineError = Pick<FieldError, 'field' | 'message'> & { code?: string };

/**
 * The matched lines among lines CHUNK_LINES × chunkNo … + CHUNK_LINES - 1 of a run, in line order, as text, a line
 * each: `<position in the chunk>,<line_no>,<outstanding fen>,<overdue principal fen>,<days overdue>,<status>;<loan
 * id>;<reference>` (the figures both sides agree on; a statement's reference holds no line break).
 */
export interface MatchedChunk {
  chunkNo: number;
  matched: number;
  lines: string;
}

/** A run's counts per category and its sums in fen (the run summary). */
export interface RunTotals {
  lines: number;
  totalRows: number;
  validRows: number;
  malformedRows: number;
  matched: number;
  amountDiffs: number;
  statusDiffs: number;
  onlyInBank: number;
  onlyInEngine: number;
  sums: Record<(typeof SUM_NAMES)[number], bigint>;
}

export const SUM_NAMES = [
  'matched_outstanding',
  'matched_overdue',
  'amount_bank_outstanding',
  'amount_engine_outstanding',
  'amount_bank_overdue',
  'amount_engine_overdue',
  'status_bank_outstanding',
  'status_engine_outstanding',
  'bank_only_outstanding',
  'bank_only_overdue',
  'engine_only_outstanding',
  'engine_only_overdue',
] as const;

/** A statement line's own figures, as an exception line carries them. */
function bankSide(row: StatementRow) {
  return {
    ref: row.ref,
    bankOutstandingFen: row.outstandingFen,
    bankOverdueFen: row.overduePrincipalFen,
    bankOverdueDays: row.overdueDays,
    bankStatus: row.status,
  };
}

/**
 * Compares a statement with the engine's book a line at a time, in file order. A valid line is matched with the
 * engine's loan of its reference: MATCHED when the outstanding and overdue principal (to the fen), the status and
 * the days overdue all agree, DIFFERENT otherwise (amount and/or status), ONLY_IN_BANK without such a loan. A loan
 * reported twice counts on its first line; every later line is MALFORMED, naming the first. At the end, the open
 * loans no valid line reported are ONLY_IN_ENGINE, listed last in the book's order (`engineOnly` puts them in
 * reference order). Matched lines go out a chunk at a time
 * through `onChunk`; the other lines are kept in `exceptions` (a statement's differences, a few in a good one).
 */
export class StatementMatcher {
  readonly exceptions: ExceptionLine[] = [];
  private readonly totals: RunTotals;
  private ordinal = 0;
  private chunk: MatchedChunk | null = null;
  /** first line that reported each engine loan (0: none yet) */
  private readonly firstLine: Int32Array;
  private readonly bankOnly = new Map<string, number>();
  private lastLine = 0;
  private finished = false;

  constructor(
    private readonly book: EngineBook,
    private readonly onChunk: (chunk: MatchedChunk) => void,
  ) {
    this.firstLine = new Int32Array(book.size);
    const sums = {} as RunTotals['sums'];
    for (const name of SUM_NAMES) sums[name] = 0n;
    this.totals = {
      lines: 0,
      totalRows: 0,
      validRows: 0,
      malformedRows: 0,
      matched: 0,
      amountDiffs: 0,
      statusDiffs: 0,
      onlyInBank: 0,
      onlyInEngine: 0,
      sums,
    };
  }

  /** A valid statement row on line `lineNo`. */
  row(lineNo: number, row: StatementRow): void {
    this.checkOrder(lineNo);
    const t = this.totals;
    t.totalRows++;
    const b = this.book;
    const e = b.find(row.ref);
    const first = e < 0 ? this.bankOnly.get(row.ref) : this.firstLine[e] || undefined;
    if (first !== undefined) {
      t.malformedRows++;
      this.exception({
        lineNo,
        category: 'MALFORMED',
        ...bankSide(row),
        errors: [
          {
            field: 'bank_loan_ref',
            code: 'DUPLICATE_REF',
            message: `the loan is already reported on line ${first}`,
          },
        ],
      });
      return;
    }
    t.validRows++;
    if (e < 0) {
      this.bankOnly.set(row.ref, lineNo);
      t.onlyInBank++;
      t.sums.bank_only_outstanding += row.outstandingFen;
      t.sums.bank_only_overdue += row.overduePrincipalFen;
      this.exception({
        lineNo,
        category: 'ONLY_IN_BANK',
        ...bankSide(row),
      });
      return;
    }
    this.firstLine[e] = lineNo;
    const outstanding = row.outstandingFen.toString();
    const overdue = row.overduePrincipalFen.toString();
    if (b.agrees(e, outstanding, overdue, String(row.overdueDays), row.status)) {
      t.matched++;
      t.sums.matched_outstanding += row.outstandingFen;
      t.sums.matched_overdue += row.overduePrincipalFen;
      const chunkNo = Math.floor(this.ordinal / CHUNK_LINES);
      if (this.chunk && this.chunk.chunkNo !== chunkNo) this.flush();
      const c = (this.chunk ??= { chunkNo, matched: 0, lines: '' });
      c.matched++;
      c.lines += `${this.ordinal - chunkNo * CHUNK_LINES},${lineNo},${b.head(e)};${row.ref}\n`;
      this.ordinal++;
      return;
    }
    const engine = b.figures(e);
    const amountDiffers =
      row.outstandingFen !== engine.outstandingFen || row.overduePrincipalFen !== engine.overdueFen;
    const statusDiffers = row.status !== engine.status || row.overdueDays !== engine.overdueDays;
    if (amountDiffers) {
      t.amountDiffs++;
      t.sums.amount_bank_outstanding += row.outstandingFen;
      t.sums.amount_engine_outstanding += engine.outstandingFen;
      t.sums.amount_bank_overdue += row.overduePrincipalFen;
      t.sums.amount_engine_overdue += engine.overdueFen;
    }
    if (statusDiffers) {
      t.statusDiffs++;
      t.sums.status_bank_outstanding += row.outstandingFen;
      t.sums.status_engine_outstanding += engine.outstandingFen;
    }
    this.exception({
      lineNo,
      category: 'DIFFERENT',
      amountDiffers,
      statusDiffers,
      ...bankSide(row),
      loanId: BigInt(b.loanId(e)),
      engineOutstandingFen: engine.outstandingFen,
      engineOverdueFen: engine.overdueFen,
      engineOverdueDays: engine.overdueDays,
      engineStatus: engine.status,
    });
  }

  /** A statement record that could not be read as a row, on line `lineNo`. */
  malformed(lineNo: number, raw: string, errors: LineError[]): void {
    this.checkOrder(lineNo);
    this.totals.totalRows++;
    this.totals.malformedRows++;
    this.exception({ lineNo, category: 'MALFORMED', errors, raw });
  }

  /** After the last line: the last chunk out, the engine's unreported open loans listed; the run's totals. */
  finish(): RunTotals {
    if (this.finished) throw new Error('StatementMatcher.finish called twice');
    this.finished = true;
    this.flush();
    const b = this.book;
    const t = this.totals;
    for (let e = 0; e < b.size; e++) {
      if (this.firstLine[e] || !b.open(e)) continue;
      const engine = b.figures(e);
      t.onlyInEngine++;
      t.sums.engine_only_outstanding += engine.outstandingFen;
      t.sums.engine_only_overdue += engine.overdueFen;
      this.exception({
        lineNo: null,
        category: 'ONLY_IN_ENGINE',
        ref: b.ref(e),
        loanId: BigInt(b.loanId(e)),
        engineOutstandingFen: engine.outstandingFen,
        engineOverdueFen: engine.overdueFen,
        engineOverdueDays: engine.overdueDays,
        engineStatus: engine.status,
      });
    }
    t.lines = this.ordinal;
    return t;
  }

  /**
   * After finish: the references of the ONLY_IN_ENGINE lines as listed, and a way to list them in another order
   * (indexes into those references), so they can be sorted as the database sorts references.
   */
  engineOnly(): { refs: string[]; reorder: (order: number[]) => void } {
    if (!this.finished) throw new Error('StatementMatcher.engineOnly before finish');
    const from = this.exceptions.length - this.totals.onlyInEngine;
    const tail = this.exceptions.slice(from);
    return {
      refs: tail.map((l) => l.ref!),
      reorder: (order) => {
        if (order.length !== tail.length) throw new Error('StatementMatcher.engineOnly: not a permutation');
        const first = tail.length ? tail[0].ordinal : 0;
        order.forEach((k, i) => {
          this.exceptions[from + i] = { ...tail[k], ordinal: first + i };
        });
      },
    };
  }

  private checkOrder(lineNo: number): void {
    if (this.finished) throw new Error('StatementMatcher: a line after finish');
    // line ids follow the order lines arrive in, so it must be the file's (elements of a JSON array written on one
    // line share its number)
    if (lineNo < this.lastLine)
      throw new Error(`StatementMatcher: line ${lineNo} after line ${this.lastLine}`);
    this.lastLine = lineNo;
  }

  private flush(): void {
    if (this.chunk) this.onChunk(this.chunk);
    this.chunk = null;
  }

  private exception(line: Partial<ExceptionLine> & Pick<ExceptionLine, 'lineNo' | 'category'>): void {
    this.exceptions.push({
      ordinal: this.ordinal++,
      amountDiffers: false,
      statusDiffers: false,
      ref: null,
      loanId: null,
      bankOutstandingFen: null,
      engineOutstandingFen: null,
      bankOverdueFen: null,
      engineOverdueFen: null,
      bankOverdueDays: null,
      engineOverdueDays: null,
      bankStatus: null,
      engineStatus: null,
      errors: null,
      raw: null,
      ...line,
    });
  }
}

/**
 * Statement rows read before the engine's book is there, column-wise: a row costs its reference string and 28
 * bytes, not five objects, so rows waiting are cheap to keep and to collect. Malformed records are kept as read.
 */
export class PendingRows {
  private count = 0;
  private lineNos = new Int32Array(1024);
  private amounts = new BigInt64Array(2048);
  private days = new Int32Array(1024);
  private statuses = new Uint8Array(1024);
  private refs: string[] = [];
  private malformed: { index: number; lineNo: number; raw: string; errors: LineError[] }[] = [];

  row(lineNo: number, row: StatementRow): void {
    const i = this.count++;
    if (i === this.lineNos.length) this.grow();
    this.lineNos[i] = lineNo;
    this.amounts[2 * i] = row.outstandingFen;
    this.amounts[2 * i + 1] = row.overduePrincipalFen;
    this.days[i] = row.overdueDays;
    this.statuses[i] = BANK_STATUSES.indexOf(row.status);
    this.refs.push(row.ref);
  }

  malformedRecord(lineNo: number, raw: string, errors: LineError[]): void {
    this.malformed.push({ index: this.count, lineNo, raw, errors });
  }

  /** Hands every waiting record to the matcher in the order read, and forgets them. */
  replay(matcher: StatementMatcher): void {
    let k = 0;
    for (let i = 0; i <= this.count; i++) {
      while (k < this.malformed.length && this.malformed[k].index === i) {
        const bad = this.malformed[k++];
        matcher.malformed(bad.lineNo, bad.raw, bad.errors);
      }
      if (i === this.count) break;
      matcher.row(this.lineNos[i], {
        ref: this.refs[i],
        outstandingFen: this.amounts[2 * i],
        overduePrincipalFen: this.amounts[2 * i + 1],
        overdueDays: this.days[i],
        status: BANK_STATUSES[this.statuses[i]],
      });
    }
    this.count = 0;
    this.refs = [];
    this.malformed = [];
  }

  private grow(): void {
    const n = this.lineNos.length * 2;
    const lineNos = new Int32Array(n);
    lineNos.set(this.lineNos);
    this.lineNos = lineNos;
    const amounts = new BigInt64Array(2 * n);
    amounts.set(this.amounts);
    this.amounts = amounts;
    const days = new Int32Array(n);
    days.set(this.days);
    this.days = days;
    const statuses = new Uint8Array(n);
    statuses.set(this.statuses);
    this.statuses = statuses;
  }
}
