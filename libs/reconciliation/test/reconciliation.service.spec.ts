import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { AuditService } from '#libs/audit';
import { yuan } from '#libs/money';
import { ReconciliationService, ReconciliationStore } from '#libs/reconciliation';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import {
  addInstallment,
  createBank,
  createCoveredLoan,
  createDistrict,
  type DistrictFixture,
} from '../../../test/guarantee/fixtures.js';

let db: TestDatabase;
let recon: ReconciliationService;
let district: DistrictFixture;

beforeAll(async () => {
  // The service's per-run log lines stay out of the test output (warnings and errors still show).
  Logger.overrideLogger(['error', 'warn']);
  db = await createTestDatabase(10);
  recon = new ReconciliationService(
    db.dataSource,
    new AuditService(db.dataSource),
    new ReconciliationStore(db.dataSource),
  );
  district = await createDistrict(db.dataSource);
});
afterAll(async () => db.drop());

const AS_OF = '2026-03-31';
const HEADER = 'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date';
const body = (text: string | Buffer) => Readable.from([Buffer.from(text)]);
const upload = (bankId: string, text: string, format: 'CSV' | 'JSONL' = 'CSV', asOfDate = AS_OF) =>
  recon.upload({ bankId, asOfDate, format, body: body(text) });

/** A bank whose engine book is: A matched, B off by a fen, C overdue but reported NORMAL, D unreported, E closed, F closed and reported. */
async function book() {
  const bankId = await createBank(db.dataSource);
  const loan = (ref: string, principal: string, extra: object = {}) =>
    createCoveredLoan(db.dataSource, { district, bankId, ref, principalFen: yuan(principal), ...extra });
  await loan('A', '10000.00');
  await loan('B', '20000.00');
  const c = await loan('C', '5000.00', { daysOverdue: 35 });
  await addInstallment(db.dataSource, c.id, 1, '2026-02-25', yuan('1000.00'));
  await addInstallment(db.dataSource, c.id, 2, '2026-03-25', yuan('1000.00'), yuan('1000.00'));
  await addInstallment(db.dataSource, c.id, 3, '2026-04-25', yuan('1000.00'));
  await loan('D', '7000.00');
  await loan('E', '3000.00', { status: 'CLOSED' });
  await loan('F', '3000.00', { status: 'CLOSED' });
  return bankId;
}

describe('reconciliation runs', () => {
  it('sorts every loan into exactly one category, to the fen, with totals', async () => {
    const bankId = await book();
    // another bank's loan with a reference this bank also uses: never matched across banks
    await createCoveredLoan(db.dataSource, {
      district,
      bankId: await createBank(db.dataSource),
      ref: 'G',
      principalFen: yuan('1.00'),
    });
    const file = [
      HEADER,
      `A,10000.00,0.00,0,NORMAL,${AS_OF}`,
      `B,20000.01,0,0,NORMAL,${AS_OF}`,
      `C,5000.00,1000.00,35,NORMAL,${AS_OF}`,
      `F,0.00,0.00,0,CLOSED,`,
      `G,1.00,0.00,0,NORMAL,${AS_OF}`,
      `Z,999.99,0.00,0,NORMAL,${AS_OF}`,
    ].join('\n');
    const { run, replayed } = await upload(bankId, file);
    expect(replayed).toBe(false);
    expect(run.rows).toEqual({ total: 6, valid: 6, malformed: 0 });
    expect(run.summary).toEqual({
      matched: { count: 2, outstanding: '10000.00', overduePrincipal: '0.00' },
      amountDifferences: {
        count: 1,
        bankOutstanding: '20000.01',
        engineOutstanding: '20000.00',
        outstandingDifference: '0.01',
        bankOverduePrincipal: '0.00',
        engineOverduePrincipal: '0.00',
        overduePrincipalDifference: '0.00',
      },
      statusDifferences: { count: 1, bankOutstanding: '5000.00', engineOutstanding: '5000.00' },
      onlyInBank: { count: 2, bankOutstanding: '1000.99', bankOverduePrincipal: '0.00' },
      onlyInEngine: { count: 1, engineOutstanding: '7000.00', engineOverduePrincipal: '0.00' },
      malformed: { count: 0 },
    });
    const diff = await recon.lines(run.id, { category: 'AMOUNT_DIFF' }, { page: 1, pageSize: 10 });
    expect(diff.items).toEqual([
      expect.objectContaining({
        lineNo: 3,
        bankLoanRef: 'B',
        bank: {
          outstandingPrincipal: '20000.01',
          overduePrincipal: '0.00',
          overdueDays: 0,
          status: 'NORMAL',
        },
        engine: {
          outstandingPrincipal: '20000.00',
          overduePrincipal: '0.00',
          overdueDays: 0,
          status: 'NORMAL',
        },
        difference: { outstandingPrincipal: '0.01', overduePrincipal: '0.00', overdueDays: 0 },
      }),
    ]);
    const status = await recon.lines(run.id, { category: 'STATUS_DIFF' }, { page: 1, pageSize: 10 });
    // C: the engine has 1,000 of principal overdue (instalment 1; instalment 2 is paid, 3 not yet due) and 35 days
    expect(status.items).toEqual([
      expect.objectContaining({
        lineNo: 4,
        bankLoanRef: 'C',
        amountDiffers: false,
        statusDiffers: true,
        bank: expect.objectContaining({ status: 'NORMAL', overduePrincipal: '1000.00' }),
        engine: expect.objectContaining({ status: 'OVERDUE', overduePrincipal: '1000.00', overdueDays: 35 }),
      }),
    ]);
    const onlyBank = await recon.lines(run.id, { category: 'ONLY_IN_BANK' }, { page: 1, pageSize: 10 });
    expect(onlyBank.items.map((l) => [l.lineNo, l.bankLoanRef, l.loanId])).toEqual([
      [6, 'G', null],
      [7, 'Z', null],
    ]);
    const onlyEngine = await recon.lines(run.id, { category: 'ONLY_IN_ENGINE' }, { page: 1, pageSize: 10 });
    expect(onlyEngine.items.map((l) => [l.lineNo, l.bankLoanRef, l.engine.outstandingPrincipal])).toEqual([
      [null, 'D', '7000.00'],
    ]);
    const all = await recon.lines(run.id, {}, { page: 1, pageSize: 50 });
    expect(all.total).toBe(7);
  });

  it('reports malformed rows with line numbers and never lets one swallow the next', async () => {
    const bankId = await book();
    const file = [
      HEADER,
      `A,10000.00,0.00,0,NORMAL,${AS_OF}`,
      `B,20000.001,0,0,NORMAL,${AS_OF}`,
      `C,5000.00,1000.00,35`,
      `"D,7000.00,0.00,0,NORMAL,${AS_OF}`,
      `E,0.00,0.00,0,LATE,${AS_OF}`,
      '',
      `A,10000.00,0.00,0,NORMAL,${AS_OF}`,
      `F,0.00,0.00,0,CLOSED,2026-03-30`,
      `B,20000.00,0,0,NORMAL,${AS_OF}`,
    ].join('\r\n');
    const { run } = await upload(bankId, file);
    expect(run.rows).toEqual({ total: 8, valid: 2, malformed: 6 });
    const bad = await recon.lines(run.id, { category: 'MALFORMED' }, { page: 1, pageSize: 10 });
    expect(bad.items.map((l) => [l.lineNo, l.errors![0].field, l.errors![0].code])).toEqual([
      [3, 'outstanding_principal', 'TOO_MANY_DECIMALS'],
      [4, 'line', 'COLUMN_COUNT'],
      [5, 'line', 'CSV_SYNTAX'],
      [6, 'status', 'FORMAT'],
      [8, 'bank_loan_ref', 'DUPLICATE_REF'],
      [9, 'as_of_date', 'AS_OF_DATE_MISMATCH'],
    ]);
    expect(bad.items[4].errors![0].message).toContain('line 2');
    expect(bad.items[2].raw).toBe(`"D,7000.00,0.00,0,NORMAL,${AS_OF}`);
    // the row after the broken quote was read: B on line 10 matched
    const matched = await recon.lines(run.id, { category: 'MATCHED' }, { page: 1, pageSize: 10 });
    expect(matched.items.map((l) => [l.lineNo, l.bankLoanRef])).toEqual([
      [2, 'A'],
      [10, 'B'],
    ]);
    // C and D could not be read, so the engine's open loans show as only in engine: nothing vanishes
    const onlyEngine = await recon.lines(run.id, { category: 'ONLY_IN_ENGINE' }, { page: 1, pageSize: 10 });
    expect(onlyEngine.items.map((l) => l.bankLoanRef).sort()).toEqual(['C', 'D']);
  });

  it('compares a statement longer than one batch: a duplicate found across batches, lines stored in file order', async () => {
    const bankId = await book();
    // 12,000 rows, so three batches of 5,000 lines: A on line 2 and again on line 7,001 (a later batch), Q twice
    // within one batch, malformed rows on both sides of the first boundary, B and C in the last batch.
    const rows: string[] = [HEADER, `A,10000.00,0.00,0,NORMAL,${AS_OF}`];
    for (let line = 3; line <= 12_001; line++) {
      if (line === 5_001 || line === 5_002) rows.push(`X${line},1.00x,0.00,0,NORMAL,${AS_OF}`);
      else if (line === 7_001) rows.push(`A,10000.00,0.00,0,NORMAL,${AS_OF}`);
      else if (line === 8_000 || line === 8_003) rows.push(`Q,1.00,0.00,0,NORMAL,${AS_OF}`);
      else if (line === 11_000) rows.push(`B,20000.00,0.00,0,NORMAL,${AS_OF}`);
      else if (line === 12_001) rows.push(`C,5000.00,1000.00,35,OVERDUE,${AS_OF}`);
      else rows.push(`X${line},1.00,0.00,0,NORMAL,${AS_OF}`);
    }
    const { run } = await upload(bankId, rows.join('\n'));
    expect(run.rows).toEqual({ total: 12_000, valid: 11_996, malformed: 4 });
    expect(run.summary.matched.count).toBe(3);
    expect(run.summary.onlyInBank.count).toBe(11_993);
    const bad = await recon.lines(run.id, { category: 'MALFORMED' }, { page: 1, pageSize: 10 });
    expect(
      bad.items.map((l) => [
        l.lineNo,
        l.errors![0].code,
        l.errors![0].message.match(/line \d+/)?.[0] ?? null,
      ]),
    ).toEqual([
      [5_001, 'FORMAT', null],
      [5_002, 'FORMAT', null],
      [7_001, 'DUPLICATE_REF', 'line 2'],
      [8_003, 'DUPLICATE_REF', 'line 8000'],
    ]);
    // D was not reported, so it is the last line; every other line's id follows its line number
    const store = new ReconciliationStore(db.dataSource);
    const all = [];
    for (let after = '0'; ;) {
      const page = await store.linesAfter(run.id, after, 5_000);
      if (!page.length) break;
      all.push(...page);
      after = page[page.length - 1].id;
    }
    expect(all).toHaveLength(12_001);
    expect(all.slice(0, -1).map((l) => l.line_no)).toEqual(Array.from({ length: 12_000 }, (_, i) => i + 2));
    expect(all[12_000]).toMatchObject({ line_no: null, category: 'ONLY_IN_ENGINE', bank_loan_ref: 'D' });
  });

  it('reads a GBK statement with a remark quoted over two lines, detected or named, and refuses a wrong encoding', async () => {
    const bankId = await book();
    // iconv-made GB18030 file with CRLF: A, B (remark over lines 3-4, with a comma and doubled quotes), C on line 5
    const gbk = readFileSync(new URL('./fixtures/statement-gbk.csv', import.meta.url));
    const wrong = await recon
      .upload({ bankId, asOfDate: AS_OF, format: 'CSV', encoding: 'UTF-8', body: body(gbk) })
      .catch((e) => e);
    expect(wrong.code).toBe('RECON_FILE_INVALID');
    // the header's 摘要 (D5AA D2AA) happens to be valid UTF-8; 正常还款 on line 2 is not
    expect(wrong.detail).toBe('line 2 is not valid UTF-8');
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM recon_runs WHERE bank_id = $1`,
      [bankId],
    );
    expect(n).toBe(0);
    const { run } = await recon.upload({ bankId, asOfDate: AS_OF, format: 'CSV', body: body(gbk) });
    expect(run.rows).toEqual({ total: 3, valid: 3, malformed: 0 });
    const lines = await recon.lines(run.id, {}, { page: 1, pageSize: 10 });
    expect(lines.items.map((l) => [l.lineNo, l.bankLoanRef, l.category])).toEqual([
      [2, 'A', 'MATCHED'],
      [3, 'B', 'MATCHED'],
      [5, 'C', 'MATCHED'],
      [null, 'D', 'ONLY_IN_ENGINE'],
    ]);
    // naming the encoding reads the same bytes the same way: the same run
    const named = await recon.upload({
      bankId,
      asOfDate: AS_OF,
      format: 'CSV',
      encoding: 'GB18030',
      body: body(gbk),
    });
    expect(named).toEqual({ run, replayed: true });
  });

  it('reads a statement sent as one JSON array, and stores nothing when the array is broken', async () => {
    const bankId = await book();
    const row = (ref: string, amount: string) => ({
      bank_loan_ref: ref,
      outstanding_principal: amount,
      overdue_principal: '0.00',
      overdue_days: 0,
      status: 'NORMAL',
    });
    const array = JSON.stringify([row('A', '10000.00'), row('B', '20000.01'), 7], null, 1);
    const broken = await upload(bankId, array.slice(0, -1), 'JSONL').catch((e) => e);
    expect(broken.code).toBe('RECON_FILE_INVALID');
    expect(broken.errors).toEqual([expect.objectContaining({ field: 'body', code: 'JSON_SYNTAX' })]);
    const { run } = await upload(bankId, array, 'JSONL');
    expect(run.rows).toEqual({ total: 3, valid: 2, malformed: 1 });
    const lines = await recon.lines(run.id, {}, { page: 1, pageSize: 10 });
    expect(lines.items.slice(0, 3).map((l) => [l.lineNo, l.bankLoanRef, l.category])).toEqual([
      [2, 'A', 'MATCHED'],
      [9, 'B', 'DIFFERENT'],
      [16, null, 'MALFORMED'],
    ]);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM recon_runs WHERE bank_id = $1`,
      [bankId],
    );
    expect(n).toBe(1);
  });

  it('is idempotent by content: the same file for the same bank and date is the same run, even when uploaded concurrently', async () => {
    const bankId = await book();
    const file = `${HEADER}\nA,10000.00,0.00,0,NORMAL,${AS_OF}\n`;
    const [r1, r2, r3] = await Promise.all([
      upload(bankId, file),
      upload(bankId, file),
      upload(bankId, file),
    ]);
    expect(new Set([r1.run.id, r2.run.id, r3.run.id]).size).toBe(1);
    expect([r1, r2, r3].filter((r) => !r.replayed)).toHaveLength(1);
    const again = await upload(bankId, file);
    expect(again).toEqual({ run: r1.run, replayed: true });
    const otherDate = await upload(bankId, file.replace(AS_OF, ''), 'CSV', '2026-04-30');
    expect(otherDate.run.id).not.toBe(r1.run.id);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM recon_runs WHERE bank_id = $1`,
      [bankId],
    );
    expect(n).toBe(2);
  });

  it('reads JSON Lines the same way, refusing JSON numbers for money', async () => {
    const bankId = await book();
    const lines = [
      {
        bankLoanRef: 'A',
        outstandingPrincipal: '10000.00',
        overduePrincipal: '0.00',
        overdueDays: 0,
        status: 'NORMAL',
        asOfDate: AS_OF,
      },
      {
        bank_loan_ref: 'B',
        outstanding_principal: 20000,
        overdue_principal: '0.00',
        overdue_days: 0,
        status: 'NORMAL',
      },
    ].map((o) => JSON.stringify(o));
    const { run } = await upload(bankId, [...lines, '{"bank_loan_ref": "C",', '[1,2]'].join('\n'), 'JSONL');
    expect(run.format).toBe('JSONL');
    expect(run.rows).toEqual({ total: 4, valid: 1, malformed: 3 });
    const bad = await recon.lines(run.id, { category: 'MALFORMED' }, { page: 1, pageSize: 10 });
    expect(bad.items.map((l) => [l.lineNo, l.errors![0].code])).toEqual([
      [2, 'FORMAT'],
      [3, 'JSON_SYNTAX'],
      [4, 'JSON_SYNTAX'],
    ]);
  });

  it('refuses a file it cannot read as a statement and stores nothing', async () => {
    const bankId = await book();
    const err = await upload(bankId, 'ref,amount\nA,1.00\n').catch((e) => e);
    expect(err.code).toBe('RECON_FILE_INVALID');
    expect(err.errors.map((e: { field: string }) => e.field)).toEqual([
      'bank_loan_ref',
      'outstanding_principal',
      'overdue_principal',
      'overdue_days',
      'status',
    ]);
    expect((await upload(bankId, '').catch((e) => e)).code).toBe('RECON_FILE_INVALID');
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM recon_runs WHERE bank_id = $1`,
      [bankId],
    );
    expect(n).toBe(0);
  });

  it('writes the report as CSV, one line per loan, with differences to the fen', async () => {
    const bankId = await book();
    const { run } = await upload(bankId, `${HEADER}\nB,19999.99,0,0,NORMAL,\n=cmd(),1.00,0,0,NORMAL,\n`);
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    await recon.writeReport(run.id, sink, 'en'); // the English report: the columns and codes it always had
    const rows = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows[0].split(',')).toHaveLength(17);
    expect(rows).toHaveLength(1 + 2 + 3); // header, B and the formula row, engine-only A, C, D
    expect(rows.find((r) => r.startsWith('2,'))).toBe(
      `2,AMOUNT_DIFF,true,false,B,${(await recon.lines(run.id, { ref: 'B' }, { page: 1, pageSize: 1 })).items[0].loanId},19999.99,20000.00,-0.01,0.00,0.00,0.00,0,0,NORMAL,NORMAL,`,
    );
    expect(rows.find((r) => r.startsWith('3,'))).toContain(`ONLY_IN_BANK,false,false,'=cmd()`);
  });
});
