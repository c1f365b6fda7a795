import ExcelJS from 'exceljs';
import { FixedClock } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { seedReports } from '#libs/reporting';
import { expectFile, expectStatus, createTestApp, type TestApp } from '#libs/testing';
import { Portfolio } from '../../libs/reporting/test/fixtures.js';

/** The reports over HTTP: roles, validation, generation, downloads in every format, the chart and a bank's view. */
let t: TestApp;
const ids: Record<string, string> = {};
let p: Portfolio;
/** The client signed in as `role` (a bank officer of `bankId`). */
const as = async (role: Parameters<TestApp['tokenFor']>[0], opts?: { bankId?: string }) => t.api(await t.tokenFor(role, opts));

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date('2026-02-10T04:00:00Z')));
  p = new Portfolio(t.db.dataSource, new LedgerService(t.db.dataSource));
  const d = await p.district('E2E', true);
  const b1 = await p.bank();
  const b2 = await p.bank();
  const rf = await p.riskFund(d.id, '6000000.00', '2025-12-01');
  const a1 = await p.agreement(rf, b1, '10');
  const a2 = await p.agreement(rf, b2, '10');
  const h = await p.household(d.villageId, 'POOR');
  for (const [bank, ag, amount] of [[b1, a1, '100000.00'], [b2, a2, '250000.00']] as const) {
    await p.loan({ channel: 'BANK_COVERED', districtId: d.id, villageId: d.villageId, householdId: h, bankId: bank, agreementId: ag, principal: amount, disbursed: '2026-01-12',
      installments: [{ due: '2026-07-12', principal: amount, interest: '100.00' }] });
    await p.exposure(rf, ag, '2026-01-12', amount, (Number(amount) / 10).toFixed(2), 'on');
  }
  Object.assign(ids, { district: d.id, b1, b2, rf, a2 });
}, 60_000);
afterAll(async () => t.close());

describe('reports API', () => {
  it('denies by default: no token 401, wrong roles 403', async () => {
    await expectStatus(t.api().GET('/api/v1/reports/monthly'), 401);
    await expectStatus((await as('LOAN_OFFICER')).GET('/api/v1/reports/monthly'), 403);
    await expectStatus((await as('AUDITOR')).POST('/api/v1/reports/monthly', { body: { month: '2026-01' } }), 403);
  });

  it('refuses a bad month with the field named and writes nothing', async () => {
    const admin = await as('ADMIN');
    const bad = await expectStatus(admin.POST('/api/v1/reports/monthly', { body: { month: '2026-1' } }), 400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'month' })]);
    const open = await expectStatus(admin.POST('/api/v1/reports/monthly', { body: { month: '2026-02' } }), 422);
    expect(open.body).toMatchObject({ code: 'REPORT_MONTH_INVALID', errors: [{ field: 'month', code: 'NOT_ENDED' }] });
    const list = await expectStatus(admin.GET('/api/v1/reports/monthly'), 200);
    expect(list.body.total).toBe(0);
    await expectStatus(admin.GET('/api/v1/reports/monthly/{month}', { params: { path: { month: '2026-01' } } }), 404);
  });

  it('generates, regenerates unchanged, lists and serves JSON, CSV, XLSX, the ranking and the chart', async () => {
    const fa = await as('FUND_ADMIN');
    const created = await expectStatus(fa.POST('/api/v1/reports/monthly', { body: { month: '2026-01' } }), 201);
    expect(created.body).toMatchObject({ action: 'CREATED', snapshot: { month: '2026-01', version: 1 } });
    const again = await expectStatus(fa.POST('/api/v1/reports/monthly', { body: { month: '2026-01' } }), 201);
    expect(again.body.action).toBe('UNCHANGED');

    const auditor = await as('AUDITOR');
    const month = { path: { month: '2026-01' } };
    const json = await expectStatus(auditor.GET('/api/v1/reports/monthly/{month}', { params: month }), 200);
    const row = json.body.data.districts.find((x: { districtId: string }) => x.districtId === ids.district);
    expect(row).toMatchObject({ fundBalance: '6000000.00', coveredOutstanding: '350000.00', leverageRatio: '0.0583', newCoveredLoans: 2, belowMinimum: false });
    const list = await expectStatus(
      auditor.GET('/api/v1/reports/monthly', { params: { query: { latestOnly: true, from: '2025-01', to: '2026-01' } } }),
      200,
    );
    expect(list.body).toMatchObject({ total: 1, items: [{ month: '2026-01', version: 1, latest: true }] });
    const versions = await expectStatus(auditor.GET('/api/v1/reports/monthly/{month}/versions', { params: month }), 200);
    expect(versions.body).toHaveLength(1);

    const csv = await expectFile(
      auditor.GET('/api/v1/reports/monthly/{month}', { params: { ...month, query: { format: 'csv' } }, parseAs: 'arrayBuffer' }),
      200,
    );
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain('合作银行 (Banks)');

    const xlsx = await expectFile(
      auditor.GET('/api/v1/reports/monthly/{month}', {
        params: { ...month, query: { format: 'xlsx', version: 1 } },
        parseAs: 'arrayBuffer',
      }),
      200,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as ArrayBuffer);
    expect(wb.worksheets).toHaveLength(5); // the four sections and the About sheet (as-of date, version)
    expect(wb.getWorksheet('报表信息 (About)')!.getSheetValues().flat()).toEqual(expect.arrayContaining(['截至日期 (As of)', '2026-01-31', '版本 (Version)', '1']));
    expect(wb.getWorksheet('合作银行 (Banks)')!.rowCount).toBe(3);

    const ranking = await expectStatus(auditor.GET('/api/v1/reports/rankings/{month}', { params: month }), 200);
    expect(ranking.body.ranking[0]).toMatchObject({ rank: 1, districtId: ids.district });

    const svg = await expectFile(auditor.GET('/api/v1/reports/monthly/{month}/chart.svg', { params: month, parseAs: 'arrayBuffer' }), 200);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(String(svg.body)).toContain('<polyline');
  });

  it('a bank officer sees only its own bank rows, and no ranking', async () => {
    const officer = await as('BANK_OFFICER', { bankId: ids.b2 });
    const r = await expectStatus(officer.GET('/api/v1/reports/monthly/{month}', { params: { path: { month: '2026-01' } } }), 200);
    expect(r.body.data.banks.map((b: { bankId: string }) => b.bankId)).toEqual([ids.b2]);
    expect(r.body.data.banks[0]).toMatchObject({ coveredOutstanding: '250000.00', newCoveredAmount: '250000.00' });
    expect(r.body.data.districts).toEqual([]);
    expect(r.body.data.funds).toEqual([]);
    await expectStatus(officer.GET('/api/v1/reports/rankings/{month}', { params: { path: { month: '2026-01' } } }), 403);
    await expectStatus(officer.POST('/api/v1/reports/monthly', { body: { month: '2026-01' } }), 403);
  });

  it('the seed generates each of the last six months once (idempotent)', async () => {
    const months = ['2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01'];
    const first = await seedReports(t.app);
    expect(first.map((l) => l.slice(0, 'monthly report 2025-08'.length))).toEqual(months.map((m) => `monthly report ${m}`));
    expect(first.at(-1)).toBe('monthly report 2026-01: UNCHANGED (version 1)');
    expect(await seedReports(t.app)).toEqual(months.map((m) => `monthly report ${m}: UNCHANGED (version 1)`));
    const rows = await t.db.dataSource.query(`SELECT period, count(*)::int AS n FROM report_snapshots WHERE period >= '2025-08' GROUP BY period ORDER BY period`);
    expect(rows).toEqual(months.map((period) => ({ period, n: 1 })));
  });

  it('a month regenerated after a back-dated entry: the versions show what changed and the entry; a bank sees its own', async () => {
    const entryId = await p.exposure(ids.rf, ids.a2, '2026-01-20', '50000.00', '5000.00', 'on');
    const v2 = await expectStatus((await as('FUND_ADMIN')).POST('/api/v1/reports/monthly', { body: { month: '2026-01' } }), 201);
    expect(v2.body).toMatchObject({ action: 'VERSIONED', snapshot: { version: 2 } });

    const auditor = await as('AUDITOR');
    const versions = await expectStatus(
      auditor.GET('/api/v1/reports/monthly/{month}/versions', { params: { path: { month: '2026-01' } } }),
      200,
    );
    expect(versions.body.map((v: { version: number; previousVersion: number | null }) => [v.version, v.previousVersion])).toEqual([[2, 1], [1, null]]);
    expect(versions.body[0].changes.figures).toContainEqual(
      expect.objectContaining({ section: 'banks', key: ids.a2, field: 'coveredOutstanding', before: '250000.00', after: '300000.00', difference: '50000.00' }),
    );
    expect(versions.body[0].lateEntries.map((e: { id: string }) => e.id)).toEqual([entryId]);
    expect(versions.body[1]).toMatchObject({ changes: null, lateEntries: [] });
    const changes = (version: number | string) => ({ params: { path: { month: '2026-01', version: version as never } } });
    const one = await expectStatus(auditor.GET('/api/v1/reports/monthly/{month}/versions/{version}/changes', changes(2)), 200);
    expect(one.body).toMatchObject({ version: 2, previousVersion: 1, changes: versions.body[0].changes, lateEntries: versions.body[0].lateEntries });

    const mine = await expectStatus(
      (await as('BANK_OFFICER', { bankId: ids.b2 })).GET('/api/v1/reports/monthly/{month}/versions/{version}/changes', changes(2)),
      200,
    );
    expect(new Set(mine.body.changes.figures.map((f: { section: string }) => f.section))).toEqual(new Set(['banks']));
    expect(mine.body.lateEntries.map((e: { id: string }) => e.id)).toEqual([entryId]);
    const theirs = await expectStatus(
      (await as('BANK_OFFICER', { bankId: ids.b1 })).GET('/api/v1/reports/monthly/{month}/versions/{version}/changes', changes(2)),
      200,
    );
    expect(theirs.body.lateEntries).toEqual([]);
    expect(theirs.body.changes.figures.every((f: { key: string }) => f.key !== ids.a2)).toBe(true);

    await expectStatus(auditor.GET('/api/v1/reports/monthly/{month}/versions/{version}/changes', changes(9)), 404);
    const bad = await expectStatus(auditor.GET('/api/v1/reports/monthly/{month}/versions/{version}/changes', changes('x')), 400);
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['version']));
    await expectStatus((await as('LOAN_OFFICER')).GET('/api/v1/reports/monthly/{month}/versions/{version}/changes', changes(2)), 403);
  });
});
