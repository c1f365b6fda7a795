import { Logger } from '@nestjs/common';
import { Readable, Writable } from 'node:stream';
import { AuditService } from '#libs/audit';
import { readSheetRecords } from '#libs/common';
import { formatYuan, yuan } from '#libs/money';
import { ReconciliationService, ReconciliationStore } from '#libs/reconciliation';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { CHUNK_LINES } from '../src/domain/matcher.js';
import {
  createBank,
  createCoveredLoan,
  createDistrict,
  type DistrictFixture,
} from '../../../test/guarantee/fixtures.js';

/**
 * Matched lines are stored a chunk of CHUNK_LINES lines at a time, not as rows: every way of reading a run must still
 * list them as it lists the other lines, in line order, across chunk boundaries, with their figures.
 */
let db: TestDatabase;
let recon: ReconciliationService;
let store: ReconciliationStore;
let district: DistrictFixture;

beforeAll(async () => {
  Logger.overrideLogger(['error', 'warn']);
  db = await createTestDatabase(10);
  store = new ReconciliationStore(db.dataSource);
  recon = new ReconciliationService(db.dataSource, new AuditService(db.dataSource), store);
  district = await createDistrict(db.dataSource);
});
afterAll(async () => db.drop());

const AS_OF = '2026-03-31';
const HEADER = 'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date';
const LOANS = 9_000;
const ref = (g: number) => `R${String(g).padStart(5, '0')}`;
const fen = (g: number) => 10_000n + BigInt(g);
/** References a bank may write that need quoting or escaping somewhere on the way. */
const ODD_REFS = ['a,b', 'q"x', 'b\\c', 'sp ace', 'NULL', 'semi;colon', '中文编号', '{x}'];

interface Expected {
  lineNo: number | null;
  category: string;
  ref: string | null;
  outstanding?: string;
}

/** 9,000 loans R00001 … and the odd references; a statement of them with differences around chunk boundaries. */
async function scenario() {
  const bankId = await createBank(db.dataSource);
  const oddIds = new Map<string, string>();
  for (const r of ODD_REFS)
    oddIds.set(
      r,
      (await createCoveredLoan(db.dataSource, { district, bankId, ref: r, principalFen: yuan('50.00') })).id,
    );
  const template = await createCoveredLoan(db.dataSource, {
    district,
    bankId,
    ref: 'TEMPLATE',
    principalFen: yuan('1.00'),
  });
  await db.dataSource.query(
    `INSERT INTO loans
     SELECT (jsonb_populate_record(l, jsonb_build_object('id', nextval('loans_id_seq'), 'loan_no', l.loan_no || '-' || g,
                                                        'bank_loan_ref', 'R' || lpad(g::text, 5, '0'),
                                                        'outstanding_principal_fen', 10000 + g))).*
       FROM loans l, generate_series(1, $2::int) g WHERE l.id = $1`,
    [template.id, LOANS],
  );
  await db.dataSource.query(`UPDATE loans SET status = 'CLOSED' WHERE id = $1`, [template.id]);
  const oddFen = yuan('50.00');
  const lines = [HEADER];
  const expected: Expected[] = [];
  const add = (text: string, e: Omit<Expected, 'lineNo'>) => {
    lines.push(text);
    expected.push({ lineNo: lines.length, ...e });
  };
  const csvRef = (r: string) => (/[",]/.test(r) ? `"${r.replace(/"/g, '""')}"` : r);
  for (const r of ODD_REFS)
    add(`${csvRef(r)},50.00,0.00,0,NORMAL,${AS_OF}`, {
      category: 'MATCHED',
      ref: r,
      outstanding: formatYuan(oddFen),
    });
  const engineOnly: string[] = [];
  for (let g = 1; g <= LOANS; g++) {
    const amount = formatYuan(fen(g));
    if (g % 2999 === 0) {
      engineOnly.push(ref(g));
      continue;
    }
    if (g === 4_080) {
      // malformed, so R04080 is only in the engine too
      add(`${ref(g)},${amount}x,0.00,0,NORMAL,${AS_OF}`, { category: 'MALFORMED', ref: null });
      engineOnly.push(ref(g));
      continue;
    }
    if (g % 1000 === 0)
      add(`${ref(g)},${formatYuan(fen(g) + 1n)},0.00,0,NORMAL,${AS_OF}`, {
        category: 'DIFFERENT',
        ref: ref(g),
      });
    else
      add(`${ref(g)},${amount},0.00,0,NORMAL,${AS_OF}`, {
        category: 'MATCHED',
        ref: ref(g),
        outstanding: amount,
      });
    if (g === CHUNK_LINES - 10)
      add(`${ref(10)},${formatYuan(fen(10))},0.00,0,NORMAL,${AS_OF}`, {
        category: 'MALFORMED',
        ref: ref(10),
      });
    if (g === 5_000) add(`X${g},1.00,0.00,0,NORMAL,${AS_OF}`, { category: 'ONLY_IN_BANK', ref: `X${g}` });
  }
  for (const r of engineOnly.sort()) expected.push({ lineNo: null, category: 'ONLY_IN_ENGINE', ref: r });
  const { run } = await recon.upload({
    bankId,
    asOfDate: AS_OF,
    format: 'CSV',
    body: Readable.from([Buffer.from(lines.join('\n') + '\n')]),
  });
  return { run, expected, oddIds };
}

let s: Awaited<ReturnType<typeof scenario>>;
beforeAll(async () => {
  s = await scenario();
}, 60_000);

type Line = Awaited<ReturnType<ReconciliationService['lines']>>['items'][number];
const brief = (l: Line): Expected => ({
  lineNo: l.lineNo,
  category: l.category,
  ref: l.category === 'MALFORMED' && l.errors?.[0]?.code !== 'DUPLICATE_REF' ? null : l.bankLoanRef,
  ...(l.category === 'MATCHED' ? { outstanding: l.bank.outstandingPrincipal! } : {}),
});
async function allPages(filter: { category?: 'MATCHED'; ref?: string }, pageSize: number) {
  const items: Line[] = [];
  for (let page = 1; ; page++) {
    const p = await recon.lines(s.run.id, filter, { page, pageSize });
    items.push(...p.items);
    if (p.items.length < pageSize) return { items, total: p.total };
  }
}

describe('matched lines stored by chunk', () => {
  it('counts every line once', () => {
    const count = (c: string) => s.expected.filter((e) => e.category === c).length;
    expect(s.run.summary.matched.count).toBe(count('MATCHED'));
    expect(s.run.summary.amountDifferences.count).toBe(count('DIFFERENT'));
    expect(s.run.summary.onlyInEngine.count).toBe(count('ONLY_IN_ENGINE'));
    expect(s.run.rows.malformed).toBe(count('MALFORMED'));
    expect(s.run.summary.matched.count).toBeGreaterThan(2 * CHUNK_LINES);
  });

  it('lists all lines in file order over pages that cross chunks, with consecutive ids', async () => {
    const { items, total } = await allPages({}, 700);
    expect(total).toBe(s.expected.length);
    expect(items.map(brief)).toEqual(s.expected);
    const ids = items.map((l) => BigInt(l.id));
    ids.forEach((id, i) => expect(id).toBe(ids[0] + BigInt(i)));
  });

  it('pages the MATCHED filter in line order, whatever the page size', async () => {
    const matched = s.expected.filter((e) => e.category === 'MATCHED');
    for (const pageSize of [1_000, 999, 4_096]) {
      const { items, total } = await allPages({ category: 'MATCHED' }, pageSize);
      expect(total).toBe(matched.length);
      expect(items.map(brief)).toEqual(matched);
    }
    const last = await recon.lines(s.run.id, { category: 'MATCHED' }, { page: 100, pageSize: 1000 });
    expect(last).toMatchObject({ items: [], total: matched.length });
  });

  it('answers a matched line with its figures, loan and both sides', async () => {
    const g = CHUNK_LINES + 7;
    const [loan] = await db.dataSource.query(`SELECT id FROM loans WHERE bank_loan_ref = $1`, [ref(g)]);
    const { items, total } = await recon.lines(s.run.id, { ref: ref(g) }, { page: 1, pageSize: 10 });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({
      category: 'MATCHED',
      amountDiffers: false,
      statusDiffers: false,
      bankLoanRef: ref(g),
      loanId: loan.id,
      bank: {
        outstandingPrincipal: formatYuan(fen(g)),
        overduePrincipal: '0.00',
        overdueDays: 0,
        status: 'NORMAL',
      },
      engine: {
        outstandingPrincipal: formatYuan(fen(g)),
        overduePrincipal: '0.00',
        overdueDays: 0,
        status: 'NORMAL',
      },
      difference: { outstandingPrincipal: '0.00', overduePrincipal: '0.00', overdueDays: 0 },
      errors: null,
      raw: null,
    });
    expect(items[0].lineNo).toBe(s.expected.find((e) => e.ref === ref(g))!.lineNo);
  });

  it('finds a reference on its matched line and its duplicate, and odd references as written', async () => {
    const dup = await recon.lines(s.run.id, { ref: ref(10) }, { page: 1, pageSize: 10 });
    expect(dup.items.map((l) => [l.category, l.errors?.[0]?.code ?? null])).toEqual([
      ['MATCHED', null],
      ['MALFORMED', 'DUPLICATE_REF'],
    ]);
    const second = await recon.lines(s.run.id, { ref: ref(10) }, { page: 2, pageSize: 1 });
    expect(second).toMatchObject({ total: 2, items: [{ category: 'MALFORMED' }] });
    const onlyMatched = await recon.lines(
      s.run.id,
      { ref: ref(10), category: 'MATCHED' },
      { page: 1, pageSize: 10 },
    );
    expect(onlyMatched.items.map((l) => l.category)).toEqual(['MATCHED']);
    for (const r of ODD_REFS) {
      const found = await recon.lines(s.run.id, { ref: r }, { page: 1, pageSize: 10 });
      expect(found.items.map((l) => [l.bankLoanRef, l.loanId, l.category])).toEqual([
        [r, s.oddIds.get(r), 'MATCHED'],
      ]);
    }
    expect((await recon.lines(s.run.id, { ref: 'R0000' }, { page: 1, pageSize: 10 })).total).toBe(0);
  });

  it('streams the report in the same order: a CSV line per line, matched lines with their figures', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    await recon.writeReport(s.run.id, sink, 'en');
    const rows = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows).toHaveLength(1 + s.expected.length);
    const g = 2 * CHUNK_LINES + 5;
    const line = await recon.lines(s.run.id, { ref: ref(g) }, { page: 1, pageSize: 1 });
    const amount = formatYuan(fen(g));
    expect(rows).toContain(
      `${line.items[0].lineNo},MATCHED,false,false,${ref(g)},${line.items[0].loanId},${amount},${amount},0.00,0.00,0.00,0.00,0,0,NORMAL,NORMAL,`,
    );
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(s.expected.map((e) => String(e.lineNo ?? '')));
    // the store's keyset paging from any line id goes on with the next line
    const all = await allPages({}, 5_000);
    const from = all.items[CHUNK_LINES - 3];
    const next = await store.linesAfter(s.run.id, from.id, 5);
    expect(next.map((l) => l.id)).toEqual(all.items.slice(CHUNK_LINES - 2, CHUNK_LINES + 3).map((l) => l.id));
  });

  it('writes the XLSX report with every line', async () => {
    const { records } = await readSheetRecords(await recon.reportXlsx(s.run.id, 'en'));
    const lineNos = records.map((r) => String(r.cells[0] ?? ''));
    expect(lineNos.filter((v) => /^\d+$/.test(v)).map(Number)).toEqual(
      s.expected.filter((e) => e.lineNo !== null).map((e) => e.lineNo),
    );
  });
});

describe('records sharing a line', () => {
  it('lists the elements of a JSON array written on one line in the order written', async () => {
    const bankId = await createBank(db.dataSource);
    for (const r of ['P', 'Q'])
      await createCoveredLoan(db.dataSource, { district, bankId, ref: r, principalFen: yuan('10.00') });
    const el = (r: string, amount = '10.00') =>
      JSON.stringify({
        bank_loan_ref: r,
        outstanding_principal: amount,
        overdue_principal: '0.00',
        overdue_days: 0,
        status: 'NORMAL',
      });
    const text = `[${el('Q')}, ${el('Z', '1.00')}, ${el('P')}, ${el('Q')}]`;
    const { run } = await recon.upload({
      bankId,
      asOfDate: AS_OF,
      format: 'JSONL',
      body: Readable.from([Buffer.from(text)]),
    });
    const { items } = await recon.lines(run.id, {}, { page: 1, pageSize: 10 });
    expect(items.map((l) => [l.lineNo, l.category, l.bankLoanRef])).toEqual([
      [1, 'MATCHED', 'Q'],
      [1, 'ONLY_IN_BANK', 'Z'],
      [1, 'MATCHED', 'P'],
      [1, 'MALFORMED', 'Q'],
    ]);
  });
});

describe('a run stored before chunks (every line a row)', () => {
  it('is read as it was', async () => {
    const bankId = await createBank(db.dataSource);
    const [{ id: runId }] = await db.dataSource.query(
      `INSERT INTO recon_runs (bank_id, as_of_date, content_hash, format, byte_size, created_by, total_rows, matched)
       VALUES ($1, $2, repeat('a', 64), 'CSV', 10, 'test', 3, 2) RETURNING id`,
      [bankId, AS_OF],
    );
    await db.dataSource.query(
      `INSERT INTO recon_lines (run_id, line_no, category, bank_loan_ref, bank_outstanding_fen, engine_outstanding_fen)
       VALUES ($1, 2, 'MATCHED', 'A', 100, 100), ($1, 3, 'ONLY_IN_BANK', 'B', 5, NULL), ($1, 4, 'MATCHED', 'C', 7, 7)`,
      [runId],
    );
    const all = await recon.lines(runId, {}, { page: 1, pageSize: 10 });
    expect(all.items.map((l) => [l.lineNo, l.category, l.bankLoanRef])).toEqual([
      [2, 'MATCHED', 'A'],
      [3, 'ONLY_IN_BANK', 'B'],
      [4, 'MATCHED', 'C'],
    ]);
    const matched = await recon.lines(runId, { category: 'MATCHED' }, { page: 2, pageSize: 1 });
    expect(matched).toMatchObject({
      total: 2,
      items: [{ bankLoanRef: 'C', bank: { outstandingPrincipal: '0.07' } }],
    });
    expect((await recon.lines(runId, { ref: 'B' }, { page: 1, pageSize: 10 })).items).toHaveLength(1);
    expect((await store.linesAfter(runId, all.items[0].id, 10)).map((l) => l.bank_loan_ref)).toEqual([
      'B',
      'C',
    ]);
  });
});
