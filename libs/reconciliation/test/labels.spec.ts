import { Logger } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { Readable, Writable } from 'node:stream';
import { AuditService } from '#libs/audit';
import { yuan } from '#libs/money';
import {
  LINE_CATEGORIES,
  RECON_FORMATS,
  RECON_LABELS,
  RECON_LOAN_STATUSES,
  RECON_RUN_STATUSES,
  RECON_STORED_CATEGORIES,
  ReconciliationService,
  ReconciliationStore,
  STATEMENT_COLUMNS,
} from '#libs/reconciliation';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import {
  createBank,
  createCoveredLoan,
  createDistrict,
  type DistrictFixture,
} from '../../../test/guarantee/fixtures.js';

/**
 * The reconciliation's label catalogue: every code that reaches the API or a report (run status, format, line
 * category, the bank's and the engine's loan status) has a Chinese label, and the lists are the database's own (a
 * status added to a CHECK constraint without a label fails here); the Chinese report shows the labels.
 */
let db: TestDatabase;
let recon: ReconciliationService;
let district: DistrictFixture;
const HAN = /\p{Script=Han}/u;

beforeAll(async () => {
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

/** The values a CHECK (column IN (...)) constraint of a table allows. */
async function checkValues(table: string, column: string): Promise<string[]> {
  const rows: { def: string }[] = await db.dataSource.query(
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      WHERE c.conrelid = $1::regclass AND c.contype = 'c'`,
    [table],
  );
  // `CHECK ((status = ANY (ARRAY['A'::text, ...])))`, or `CHECK ((status = 'A'::text))` for a single value
  const def = rows.map((r) => r.def).find((d) => new RegExp(`^CHECK \\(\\(${column} = (ANY|')`).test(d));
  expect(def, `${table}.${column} has a CHECK of its values`).toBeDefined();
  return [...def!.matchAll(/'([A-Z_]+)'::text/g)].map((m) => m[1]).sort();
}

describe('reconciliation label catalogue', () => {
  it('has a Chinese label for every value of every code the API or a report shows', () => {
    const lists: [keyof typeof RECON_LABELS, readonly string[]][] = [
      ['runStatus', RECON_RUN_STATUSES],
      ['format', RECON_FORMATS],
      ['category', [...RECON_STORED_CATEGORIES, ...LINE_CATEGORIES]],
      ['loanStatus', RECON_LOAN_STATUSES],
    ];
    for (const [kind, values] of lists) {
      const labels = RECON_LABELS[kind] as Record<string, string>;
      for (const v of values) expect(HAN.test(labels[v] ?? ''), `${kind} ${v}`).toBe(true);
      expect(Object.keys(labels).sort(), kind).toEqual([...new Set(values)].sort());
    }
  });

  it('lists exactly the values the database allows, so a new status needs a label', async () => {
    expect(await checkValues('recon_runs', 'status')).toEqual([...RECON_RUN_STATUSES].sort());
    expect(await checkValues('recon_runs', 'format')).toEqual([...RECON_FORMATS].sort());
    expect(await checkValues('recon_lines', 'category')).toEqual([...RECON_STORED_CATEGORIES].sort());
    // the engine's status is the loan's, a disbursed loan's as NORMAL or OVERDUE
    const engine = (await checkValues('loans', 'status'))
      .filter((s) => s !== 'DISBURSED')
      .concat('NORMAL', 'OVERDUE');
    for (const s of engine) expect(RECON_LOAN_STATUSES, s).toContain(s);
  });

  it('writes the labels into the Chinese report: a cancelled or unpaid loan’s status, a malformed line’s errors', async () => {
    const bankId = await createBank(db.dataSource);
    const loan = (ref: string, status?: 'APPROVED' | 'CANCELLED') =>
      createCoveredLoan(db.dataSource, { district, bankId, ref, principalFen: yuan('1000.00'), status });
    await loan('A');
    await loan('H', 'CANCELLED');
    await loan('I', 'APPROVED');
    const file = [
      'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date',
      'A,1000.00,0.00,0,NORMAL,',
      'H,0.00,0.00,0,正常,',
      'I,0.00,0.00,0,NORMAL,',
      'J,abc,0.00,0,NORMAL,',
    ].join('\n');
    const { run } = await recon.upload({
      bankId,
      asOfDate: '2026-03-31',
      format: 'CSV',
      body: Readable.from([Buffer.from(file)]),
    });
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    await recon.writeReport(run.id, sink, 'zh-CN');
    const rows = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    const row = (line: number) => rows.find((r) => r.startsWith(`${line},`))!.split(',');
    expect(row(2)[1]).toBe('一致');
    // H: the engine's loan was cancelled; I: approved, never disbursed (the codes themselves before the catalogue)
    expect([row(3)[1], row(3)[14], row(3)[15]]).toEqual(['状态不符', '正常', '已取消']);
    expect([row(4)[1], row(4)[15]]).toEqual(['状态不符', '已审批未放款']);
    expect(row(5)[1]).toBe('格式错误');
    expect(row(5)[16]).toBe(
      `${STATEMENT_COLUMNS.find((c) => c.en === 'outstanding_principal')!.zh}: 格式不正确`,
    );
    expect(text).not.toMatch(/CANCELLED|APPROVED|NORMAL|not an amount/);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await recon.reportXlsx(run.id, 'zh-CN')) as never);
    const statuses = wb.worksheets[0].getColumn(16).values.slice(2);
    expect(statuses).toEqual(expect.arrayContaining(['已取消', '已审批未放款']));
  });
});
