import type { DomainError } from '#libs/common';
import { projectAccounts } from '#libs/asset-income';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { activeProject, as, CHECKER, count, expectLedgerOk, MAKER, payYear, services, type Services } from './fixtures.js';

let db: TestDatabase;
let s: Services;

beforeAll(async () => {
  db = await createTestDatabase(30);
  s = services(db.dataSource);
});
afterAll(async () => db.drop());
afterEach(async () => expectLedgerOk(s.ledger));

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as DomainError);
const page = { page: 1, pageSize: 500 };

/** 1,000,000 special fund (300,000 collective, 7 × 100,000 households), 600,000 collective assets, 200,000 private. */
const flaggedProject = async () => {
  const setup = await activeProject(db.dataSource, s, {
    households: 7,
    project: {
      otherCapital: [
        { kind: 'COLLECTIVE_ASSETS', amount: '600000.00' },
        { kind: 'PRIVATE_CAPITAL', amount: '200000.00' },
      ],
    },
  });
  await s.results.record(setup.projectId, { year: 2023, revenue: '900000.00', netProfit: '-300000.00', netAssets: '1500000.00', reportedOn: '2024-01-15' }, MAKER);
  return setup;
};

const liquidate = async (projectId: string, proceeds: string) => {
  await as(MAKER, () => s.liquidation.preview(projectId, { proceeds, liquidationDate: '2024-03-31' }, MAKER));
  await as(CHECKER, () => s.liquidation.approve(projectId, CHECKER));
  return as(MAKER, () => s.liquidation.pay(projectId, { paidOn: '2024-04-10' }, `liquidate-${projectId}`, MAKER));
};

const amounts = (l: { byClass: { classKind: string; amount: string }[] }) => Object.fromEntries(l.byClass.map((c) => [c.classKind, c.amount]));

describe('the liquidation lock', () => {
  it('alerts within the margin, flags at the threshold, and stops later years', async () => {
    const { projectId, place } = await activeProject(db.dataSource, s, { households: 3 });
    const ok = await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '1.00', netAssets: '1800000.01', reportedOn: '2024-01-15' }, MAKER);
    expect([ok.assessment, ok.projectStatus]).toEqual(['OK', 'ACTIVE']);
    const near = await as(MAKER, () =>
      s.results.record(projectId, { year: 2024, revenue: '1.00', netProfit: '-1.00', netAssets: '1800000.00', reportedOn: '2025-01-15' }, MAKER),
    );
    expect([near.assessment, near.projectStatus]).toEqual(['NEAR_THRESHOLD', 'ACTIVE']);
    const flagged = await as(MAKER, () =>
      s.results.record(projectId, { year: 2025, revenue: '1.00', netProfit: '-300000.00', netAssets: '1500000.00', reportedOn: '2026-01-15' }, MAKER),
    );
    expect([flagged.assessment, flagged.projectStatus]).toEqual(['LIQUIDATION_REQUIRED', 'LIQUIDATION_REQUIRED']);
    const alerts = await s.results.alerts({ districtId: place.districtId }, page);
    expect(alerts.items.map((a) => [a.year, a.kind, a.netAssets, a.headroom])).toEqual([
      [2025, 'LIQUIDATION_REQUIRED', '1500000.00', '0.00'],
      [2024, 'NEAR_THRESHOLD', '1800000.00', '300000.00'],
    ]);
    const audited = await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_id = $1 AND action IN ('ASSET_INCOME_NET_ASSETS_ALERT','ASSET_INCOME_LIQUIDATION_FLAGGED') ORDER BY id`, [projectId]);
    expect(audited.map((a: { action: string }) => a.action)).toEqual(['ASSET_INCOME_NET_ASSETS_ALERT', 'ASSET_INCOME_LIQUIDATION_FLAGGED']);
    // re-recording the same year does not raise a second alert
    await s.results.record(projectId, { year: 2024, revenue: '2.00', netProfit: '-1.00', netAssets: '1790000.00', reportedOn: '2025-01-16' }, MAKER);
    expect((await s.results.alerts({ projectId, kind: 'NEAR_THRESHOLD' }, page)).total).toBe(1);
    const later = await fail(s.results.record(projectId, { year: 2026, revenue: '1.00', netProfit: '1.00', netAssets: '1.00', reportedOn: '2026-06-01' }, MAKER));
    expect(later.errors.map((e) => e.code)).toEqual(['YEAR_AFTER_LIQUIDATION_FLAG']);
    // the floor of a year before the flag is still honoured
    await s.distributions.preview(projectId, 2024, {}, MAKER);
    await s.distributions.approve(projectId, 2024, CHECKER);
    const paid = await s.distributions.pay(projectId, 2024, { paidOn: '2025-02-01' }, `pay-flagged-${projectId}`, MAKER);
    // 3 households of 233,333.34/.33/.33: each floor rounds up to 23,333.34, so the floor totals 70,000.02 (the
    // collective's share gets no floor by default)
    expect([paid.entitled, paid.operatorOwes]).toEqual(['70000.02', '70000.02']);
  });

  it('refuses a liquidation before the lock flags the project', async () => {
    const { projectId } = await activeProject(db.dataSource, s, { households: 2 });
    const err = await fail(s.liquidation.preview(projectId, { proceeds: '1.00', liquidationDate: '2024-01-01' }, MAKER));
    expect(err.code).toBe('ASSET_INCOME_STATE_CONFLICT');
  });
});

describe('CSV import of results', () => {
  it('names every bad row and field, writes nothing; then imports all rows in year order', async () => {
    const { projectId } = await activeProject(db.dataSource, s, { households: 2 });
    const bad = await fail(
      s.results.importCsv(
        projectId,
        'year,revenue,netProfit,netAssets,reportedOn\n2023,100.00,1.5e3,2000000.00,2024-01-10\n2023,-5.00,1.00,2000000.00,2024-02-30\n2030,1.00,1.00,1.00,2024-01-10\n',
        MAKER,
      ),
    );
    expect(bad.code).toBe('ASSET_INCOME_RESULTS_INVALID');
    expect(bad.errors.map((e) => `${e.field}:${e.code}`)).toEqual([
      'rows[0].netProfit:FORMAT',
      'rows[1].year:DUPLICATE_YEAR',
      'rows[1].revenue:NEGATIVE',
      'rows[1].reportedOn:FORMAT',
      'rows[2].year:YEAR_IN_FUTURE',
      'rows[2].reportedOn:REPORTED_BEFORE_YEAR',
    ]);
    expect(await count(db.dataSource, 'SELECT 1 FROM aip_annual_results WHERE project_id = $1', [projectId])).toBe(0);
    const header = await fail(s.results.importCsv(projectId, 'year,revenue,profit\n2023,1,1\n', MAKER));
    expect(header.errors.map((e) => e.code)).toEqual(['CSV_UNKNOWN_COLUMN', 'CSV_MISSING_COLUMN', 'CSV_MISSING_COLUMN', 'CSV_MISSING_COLUMN']);

    const ok = await s.results.importCsv(
      projectId,
      'year,revenue,netProfit,netAssets,reportedOn\n2024,2100000.00,-80000.00,1700000.00,2025-01-20\n2023,2600000.00,420000.00,2420000.00,2024-01-18\n',
      MAKER,
    );
    expect(ok.results.map((r) => [r.year, r.source, r.assessment])).toEqual([
      [2023, 'CSV', 'OK'],
      [2024, 'CSV', 'NEAR_THRESHOLD'],
    ]);
    const listed = await s.results.list(projectId, { fromYear: 2024 }, page);
    expect(listed.items.map((r) => [r.year, r.netProfit])).toEqual([[2024, '-80000.00']]);
  });

  it('reads the results template saved as GBK CSV with Chinese headers, or as XLSX', async () => {
    const { default: iconv } = await import('iconv-lite');
    const { projectId } = await activeProject(db.dataSource, s, { households: 2 });
    const gbk = iconv.encode('年度,营业收入（元）,净利润,净资产,报送日期\r\n2023,2600000.00,420000.00,2420000.00,2024-01-18\r\n', 'gbk');
    const ok = await s.results.importCsv(projectId, gbk, MAKER);
    expect(ok.results.map((r) => [r.year, r.netAssets])).toEqual([[2023, '2420000.00']]);
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('经营成果');
    ws.addRow(['年度', '营业收入', '净利润', '净资产', '报送日期']);
    ws.addRow(['year', 'revenue', 'netProfit', 'netAssets', 'reportedOn']);
    ws.addRow([2024, 2100000, -80000, 1700000, new Date(Date.UTC(2025, 0, 20))]);
    ws.addRow([2025, 'abc', 1, 1, '2026-01-10']);
    const bad = await fail(s.results.importCsv(projectId, Buffer.from(await wb.xlsx.writeBuffer()), MAKER));
    expect(bad.errors).toEqual([expect.objectContaining({ field: 'rows[1].revenue', message: expect.stringMatching(/^row 4:/) })]);
    expect(await count(db.dataSource, 'SELECT 1 FROM aip_annual_results WHERE project_id = $1 AND year = 2024', [projectId])).toBe(0);
  });
});

describe('forced liquidation', () => {
  it('below the special fund: the special fund takes all, split 30/70 among its holders', async () => {
    const { projectId } = await flaggedProject();
    const l = await liquidate(projectId, '800000.01');
    expect(l).toMatchObject({ status: 'PAID', proceeds: '800000.01', specialRepaid: '800000.01', others: '0.00' });
    expect(amounts(l)).toEqual({ SPECIAL_COLLECTIVE: '240000.01', SPECIAL_HOUSEHOLDS: '560000.00', COLLECTIVE_ASSETS: '0.00', PRIVATE_CAPITAL: '0.00' });
    const lines = await s.liquidation.lineList(projectId, { holderType: 'HOUSEHOLD' }, page);
    expect(lines.items.map((x) => x.amount)).toEqual(Array(7).fill('80000.00'));
    const a = projectAccounts(projectId);
    const b = await s.ledger.balances(null, [a.operatorCapital, a.specialCollective, a.specialHouseholds, a.capital.COLLECTIVE_ASSETS, a.liquidationProceeds, a.liquidationPaid.SPECIAL_COLLECTIVE]);
    expect([...b.entries()].sort()).toEqual(
      [
        [a.operatorCapital, 0n],
        [a.specialCollective, 0n],
        [a.specialHouseholds, 0n],
        [a.capital.COLLECTIVE_ASSETS, 0n],
        [a.liquidationProceeds, 80_000_001n],
        [a.liquidationPaid.SPECIAL_COLLECTIVE, 24_000_001n],
      ].sort(),
    );
    const p = await s.projects.get(projectId);
    expect(p).toMatchObject({ status: 'LIQUIDATED', liquidatedOn: '2024-04-10' });
    expect(p.register).toMatchObject({ householdHolders: 0 });
    const rights = await s.projects.rights(projectId, { asOf: '2024-03-31' }, page);
    expect(rights.total).toBe(8);
  });

  it('equal to the special fund: repaid exactly, nothing for the other classes', async () => {
    const { projectId } = await flaggedProject();
    const l = await liquidate(projectId, '1000000.00');
    expect(amounts(l)).toEqual({ SPECIAL_COLLECTIVE: '300000.00', SPECIAL_HOUSEHOLDS: '700000.00', COLLECTIVE_ASSETS: '0.00', PRIVATE_CAPITAL: '0.00' });
  });

  it('above the special fund: the special fund first, then the other classes pro rata', async () => {
    const { projectId, households } = await flaggedProject();
    const l = await liquidate(projectId, '1400000.03');
    expect(amounts(l)).toEqual({ SPECIAL_COLLECTIVE: '300000.00', SPECIAL_HOUSEHOLDS: '700000.00', COLLECTIVE_ASSETS: '300000.03', PRIVATE_CAPITAL: '100000.00' });
    const one = await s.liquidation.lineList(projectId, { householdId: households[0] }, page);
    expect(one.items).toEqual([expect.objectContaining({ basis: '100000.00', sharePercent: '10.0000', amount: '100000.00' })]);
    const report = await s.reports.project(projectId);
    expect(report.liquidation).toEqual({ status: 'PAID', liquidationDate: '2024-03-31', proceeds: '1400000.03', specialRepaid: '1000000.00', others: '400000.03' });
  });

  it('is approved by a second person, paid once, and waits for an approved dividend run', async () => {
    const { projectId } = await flaggedProject();
    await s.results.record(projectId, { year: 2023, revenue: '900000.00', netProfit: '-300000.00', netAssets: '1500000.00', reportedOn: '2024-01-15' }, MAKER);
    await s.distributions.preview(projectId, 2023, {}, MAKER);
    await s.distributions.approve(projectId, 2023, CHECKER);
    await s.liquidation.preview(projectId, { proceeds: '1200000.00', liquidationDate: '2024-03-31' }, MAKER);
    expect((await fail(s.liquidation.approve(projectId, MAKER))).code).toBe('ASSET_INCOME_SAME_APPROVER');
    await s.liquidation.approve(projectId, CHECKER);
    const waiting = await fail(s.liquidation.pay(projectId, {}, `liq-wait-${projectId}`, MAKER));
    expect(waiting.code).toBe('ASSET_INCOME_STATE_CONFLICT');
    await s.distributions.pay(projectId, 2023, { paidOn: '2024-02-01' }, `pay-before-liq-${projectId}`, MAKER);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => s.liquidation.pay(projectId, { paidOn: '2024-04-10' }, `liq-race-${projectId}-${i}`, MAKER)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('ASSET_INCOME_ALREADY_PAID');
    }
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    const replay = await s.liquidation.pay(projectId, { paidOn: '2024-04-10' }, `liq-race-${projectId}-${winner}`, MAKER);
    expect(replay).toEqual((results[winner] as PromiseFulfilledResult<unknown>).value);
    expect(await count(db.dataSource, `SELECT 1 FROM journal_entries WHERE idempotency_key = $1`, [`aip:liquidation:${projectId}`])).toBe(1);
    // the households' floor owed for 2023 is still the operator's debt after the liquidation
    const report = await s.reports.project(projectId);
    expect(report.totals.operatorOwes).toBe('70000.00');
  });
});

describe('reports', () => {
  it('per project and per district, with CSV and XLSX exports', async () => {
    const { projectId, place } = await activeProject(db.dataSource, s, { households: 4, members: (i) => i + 1, project: { otherCapital: [{ kind: 'PRIVATE_CAPITAL', amount: '1000000.00' }] } });
    await payYear(s, projectId, 2023, { netProfit: '400000.00', netAssets: '2400000.00', revenue: '2600000.00' });
    await payYear(s, projectId, 2024, { netProfit: '-50000.00', netAssets: '1750000.00', revenue: '2100000.00' });
    const r = await s.reports.project(projectId);
    expect(r.capital.total).toBe('2000000.00');
    expect(r.results.map((x) => [x.year, x.assessment, x.headroom])).toEqual([
      [2023, 'OK', '900000.00'],
      [2024, 'NEAR_THRESHOLD', '250000.00'],
    ]);
    expect(r.dividends.map((d) => [d.year, d.entitled, d.paidToDate, d.outstanding, d.householdsBenefited, d.peopleBenefited])).toEqual([
      [2023, '400000.00', '400000.00', '0.00', 4, 10],
      [2024, '70000.00', '0.00', '70000.00', 4, 10],
    ]);
    expect(r.totals).toMatchObject({ revenue: '4700000.00', dividendsPaid: '400000.00', householdsBenefited: 4, peopleBenefited: 10, operatorOwes: '70000.00' });
    const d = await s.reports.district(place.districtId);
    expect(d.totals).toMatchObject({ projects: 1, capital: '2000000.00', dividendsPaid: '400000.00', householdsBenefited: 4 });
    expect(d.byYear.map((x) => [x.year, x.dividendsPaid])).toEqual([
      [2023, '400000.00'],
      [2024, '0.00'],
    ]);
    const csv = (await s.reports.projectExport(projectId, 'csv')).body.toString('utf8');
    expect(csv).toContain('历年分红 (Dividends by year)\r\n年度 (year),股权登记日 (recordDate),支付日期 (paidOn),可分配收益 (distributable)');
    expect(csv).toContain('2024,2024-12-31,2025-01-25,0.00,70000.00,70000.00,0.00,0.00,70000.00,4,10');
    const xlsx = await s.reports.districtExport(place.districtId, 'xlsx');
    expect(xlsx.body.subarray(0, 2).toString()).toBe('PK');
    expect(xlsx.filename).toMatch(/\.xlsx$/);
    const all = await s.reports.districts();
    expect(all.items.find((x) => x.districtId === place.districtId)).toMatchObject({ projects: 1, dividendsPaid: '400000.00' });
  });
});
