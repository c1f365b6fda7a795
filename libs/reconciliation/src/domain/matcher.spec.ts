import { CHUNK_LINES, EngineBook, PendingRows, StatementMatcher, type MatchedChunk } from './matcher.js';
import type { StatementRow } from './statement.js';

/** A book line as the store's query writes it. */
const loan = (o: {
  id: number;
  ref: string;
  outstanding?: bigint;
  overdue?: bigint;
  days?: number;
  status?: string;
  open?: boolean;
}) => {
  const ref = o.ref.includes('\n') ? 'E' + o.ref.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : '=' + o.ref;
  return `${o.outstanding ?? 100n},${o.overdue ?? 0n},${o.days ?? 0},${o.status ?? 'NORMAL'};${o.id};${o.open === false ? 0 : 1}${ref}`;
};
const row = (ref: string, outstandingFen = 100n, extra: Partial<StatementRow> = {}): StatementRow => ({
  ref,
  outstandingFen,
  overduePrincipalFen: 0n,
  overdueDays: 0,
  status: 'NORMAL',
  ...extra,
});

describe('EngineBook', () => {
  it('finds a loan by its exact reference, whatever characters it holds', () => {
    const refs = ['A', 'a,b', 'q"x', 'b\\c', 'sp ace', 'NULL', 'semi;colon', '中文编号', 'AB', ''];
    const book = new EngineBook(refs.map((ref, i) => loan({ id: i + 1, ref })).join('\n'));
    expect(book.size).toBe(refs.length);
    refs.forEach((ref, i) => {
      expect(book.find(ref)).toBe(i);
      expect(book.ref(i)).toBe(ref);
      expect(book.loanId(i)).toBe(String(i + 1));
    });
    expect(book.find('a')).toBe(-1);
    expect(book.find('A ')).toBe(-1);
    expect(book.find('B')).toBe(-1);
  });

  it('keeps a reference with a line break (no statement line can name it) and gives it back exactly', () => {
    const odd = 'X\\n\ny\\';
    const book = new EngineBook([loan({ id: 7, ref: odd }), loan({ id: 8, ref: 'X' })].join('\n') + '\n');
    expect(book.size).toBe(2);
    expect(book.ref(0)).toBe(odd);
    expect(book.find(odd)).toBe(-1);
    expect(book.find('X')).toBe(1);
  });

  it('compares figures field by field, never a prefix', () => {
    const book = new EngineBook(
      loan({ id: 1, ref: 'A', outstanding: 1234n, overdue: 5n, days: 3, status: 'OVERDUE' }),
    );
    expect(book.agrees(0, '1234', '5', '3', 'OVERDUE')).toBe(true);
    expect(book.agrees(0, '123', '5', '3', 'OVERDUE')).toBe(false);
    expect(book.agrees(0, '1234', '5', '3', 'OVER')).toBe(false);
    expect(book.agrees(0, '1234', '', '3', 'OVERDUE')).toBe(false);
    expect(book.figures(0)).toEqual({
      outstandingFen: 1234n,
      overdueFen: 5n,
      overdueDays: 3,
      status: 'OVERDUE',
    });
  });
});

describe('StatementMatcher', () => {
  const book = () =>
    new EngineBook(
      [
        loan({ id: 1, ref: 'A' }),
        loan({ id: 2, ref: 'B', outstanding: 200n }),
        loan({ id: 3, ref: 'C', status: 'OVERDUE', days: 35 }),
        loan({ id: 4, ref: 'E' }),
        loan({ id: 5, ref: 'D' }),
        loan({ id: 6, ref: 'F', status: 'CLOSED', open: false }),
      ].join('\n'),
    );

  it('sorts every line into one category, numbers lines in order and keeps matched ones in chunks', () => {
    const chunks: MatchedChunk[] = [];
    const m = new StatementMatcher(book(), (c) => chunks.push(c));
    m.row(2, row('A'));
    m.row(3, row('B', 201n));
    m.row(4, row('C'));
    m.malformed(5, 'x', [{ field: 'status', code: 'FORMAT', message: 'bad' }]);
    m.row(6, row('Z'));
    m.row(7, row('A'));
    m.row(8, row('Z'));
    const t = m.finish();
    expect(t).toMatchObject({
      lines: 9,
      totalRows: 7,
      validRows: 4,
      malformedRows: 3,
      matched: 1,
      amountDiffs: 1,
      statusDiffs: 1,
      onlyInBank: 1,
      onlyInEngine: 2,
    });
    expect(t.sums.amount_bank_outstanding).toBe(201n);
    expect(t.sums.amount_engine_outstanding).toBe(200n);
    expect(chunks).toEqual([{ chunkNo: 0, matched: 1, lines: '0,2,100,0,0,NORMAL;1;A\n' }]);
    expect(m.exceptions.map((l) => [l.ordinal, l.lineNo, l.category, l.ref])).toEqual([
      [1, 3, 'DIFFERENT', 'B'],
      [2, 4, 'DIFFERENT', 'C'],
      [3, 5, 'MALFORMED', null],
      [4, 6, 'ONLY_IN_BANK', 'Z'],
      [5, 7, 'MALFORMED', 'A'],
      [6, 8, 'MALFORMED', 'Z'],
      [7, null, 'ONLY_IN_ENGINE', 'E'],
      [8, null, 'ONLY_IN_ENGINE', 'D'],
    ]);
    expect(m.exceptions[4].errors![0]).toMatchObject({
      code: 'DUPLICATE_REF',
      message: 'the loan is already reported on line 2',
    });
    expect(m.exceptions[5].errors![0].message).toContain('line 6');
    // engine-only lines listed in another order keep the tail of the numbering
    const only = m.engineOnly();
    expect(only.refs).toEqual(['E', 'D']);
    only.reorder([1, 0]);
    expect(m.exceptions.slice(-2).map((l) => [l.ordinal, l.ref])).toEqual([
      [7, 'D'],
      [8, 'E'],
    ]);
  });

  it('starts a chunk every CHUNK_LINES lines, positions counted within it', () => {
    const refs = Array.from({ length: CHUNK_LINES + 3 }, (_, i) => `R${i}`);
    const b = new EngineBook(refs.map((ref, i) => loan({ id: i + 1, ref })).join('\n'));
    const chunks: MatchedChunk[] = [];
    const m = new StatementMatcher(b, (c) => chunks.push(c));
    refs.forEach((ref, i) => m.row(i + 2, row(i === 1 ? 'nope' : ref)));
    m.finish();
    expect(chunks.map((c) => [c.chunkNo, c.matched])).toEqual([
      [0, CHUNK_LINES - 1],
      [1, 3],
    ]);
    expect(chunks[1].lines.split('\n')[0]).toBe(
      `0,${CHUNK_LINES + 2},100,0,0,NORMAL;${CHUNK_LINES + 1};R${CHUNK_LINES}`,
    );
    expect(m.exceptions.map((l) => [l.ordinal, l.category])).toEqual([
      [1, 'ONLY_IN_BANK'],
      [CHUNK_LINES + 3, 'ONLY_IN_ENGINE'],
    ]);
  });

  it('gives the same result for rows that waited for the book', () => {
    const items: [number, StatementRow | null][] = [
      [2, row('A')],
      [3, null],
      [4, row('B', 7n, { overduePrincipalFen: 3n, status: 'OVERDUE', overdueDays: 9 })],
      [5, row('A')],
    ];
    const run = (wait: boolean) => {
      const chunks: MatchedChunk[] = [];
      const m = new StatementMatcher(book(), (c) => chunks.push(c));
      const p = new PendingRows();
      for (const [lineNo, r] of items) {
        const bad = [{ field: 'x', code: 'FORMAT', message: 'bad' }];
        if (wait) {
          if (r) p.row(lineNo, r);
          else p.malformedRecord(lineNo, 'raw', bad);
        } else if (r) m.row(lineNo, r);
        else m.malformed(lineNo, 'raw', bad);
      }
      p.replay(m);
      return { totals: m.finish(), exceptions: m.exceptions, chunks };
    };
    expect(run(true)).toEqual(run(false));
  });

  it('refuses lines out of file order, and takes records sharing a line (a JSON array on one line) in turn', () => {
    const m = new StatementMatcher(book(), () => undefined);
    m.row(3, row('A'));
    m.row(3, row('A'));
    expect(() => m.row(2, row('B'))).toThrow(/line 2 after line 3/);
    expect(m.exceptions.map((l) => [l.ordinal, l.lineNo, l.category])).toEqual([[1, 3, 'MALFORMED']]);
  });
});
