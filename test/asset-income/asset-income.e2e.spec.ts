import { FixedClock } from '#libs/common';
import { apiCall, createTestApp, expectFile, type TestApp } from '#libs/testing';
import { createEntity, createHouseholds, createVillage, graduate, type Place } from '../../libs/asset-income/test/fixtures.js';

/**
 * A village project run over HTTP from injection to forced liquidation: a profit year, a loss year with the floor
 * partly owed by the operator, a right passed on after a graduation, a year that reaches the liquidation threshold,
 * and the liquidation that repays the special fund first. Roles, validation and idempotency on the way.
 */
let t: TestApp;
let admin: string;
let maker: string;
let checker: string;
let auditor: string;
let officer: string;
let bank: string;
let place: Place;
let households: string[];
let entityId: string;
let projectId: string;
beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date('2026-06-30T04:00:00Z')));
  const ds = t.db.dataSource;
  admin = await t.tokenFor('ADMIN');
  maker = await t.tokenFor('FUND_ADMIN', { username: 'fund-maker' });
  checker = await t.tokenFor('FUND_ADMIN', { username: 'fund-checker' });
  auditor = await t.tokenFor('AUDITOR');
  officer = await t.tokenFor('LOAN_OFFICER');
  const [{ id: bankId }] = await ds.query(`INSERT INTO banks (code, name) VALUES ('B-AIP', 'test bank') RETURNING id`);
  bank = await t.tokenFor('BANK_OFFICER', { bankId: String(bankId) });
  place = await createVillage(ds);
  households = await createHouseholds(ds, place.villageId, 12, { members: (i) => 2 + (i % 3) });
  entityId = await createEntity(ds, place);
});
afterAll(async () => t.close());

/** The generated client signed in with `token` (the fund maker unless another is named). */
const as = (token = maker) => t.api(token);
const project = () => ({ path: { id: projectId } });
const ofYear = (year: number) => ({ path: { id: projectId, year } });
const key = (k: string) => ({ 'Idempotency-Key': k });

async function verifyLedger() {
  const res = await apiCall(as(admin).GET('/api/v1/ledger/verify'));
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(true);
}

describe('a project over three years and its forced liquidation, over HTTP', () => {
  it('denies by default and refuses bad input naming every field, writing nothing', async () => {
    expect((await apiCall(t.api().GET('/api/v1/asset-income/projects'))).status).toBe(401);
    expect((await apiCall(as(bank).GET('/api/v1/asset-income/projects'))).status).toBe(403);
    // bodies wrong on purpose
    expect((await apiCall(as(auditor).POST('/api/v1/asset-income/projects', { body: { name: 'x' } as never }))).status).toBe(403);
    const bad = await apiCall(
      as().POST('/api/v1/asset-income/projects', {
        body: { name: '', villageId: 'v1', entityId, businessType: 'CASINO', specialFund: '1.234', collectivePercent: '130', extra: 1 } as never,
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['name', 'villageId', 'businessType', 'specialFund', 'collectivePercent', 'extra']),
    );
    expect((await apiCall(as(auditor).GET('/api/v1/asset-income/projects'))).body.total).toBe(0);
  });

  it('creates the project, injects the capital and quantifies the shares', async () => {
    const created = await apiCall(
      as().POST('/api/v1/asset-income/projects', {
        body: {
          name: 'Shangxiaofeng rural tourism',
          villageId: place.villageId,
          entityId,
          businessType: 'RURAL_TOURISM',
          rightRule: 'TRANSFER',
          otherCapital: [
            { kind: 'COLLECTIVE_ASSETS', amount: '500000.00', description: 'guesthouse' },
            { kind: 'PRIVATE_CAPITAL', amount: '300000.00' },
          ],
        },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'DRAFT', specialFund: '1000000.00', totalCapital: '1800000.00', collectivePercent: '30', floorRecipients: 'POOR_HOUSEHOLDS' });
    projectId = created.body.id;
    // EVERYONE is no setting: sent on purpose
    const patch = (floorRecipients: string, token = maker) =>
      apiCall(as(token).PATCH('/api/v1/asset-income/projects/{id}', { params: project(), body: { floorRecipients } as never }));
    const badSetting = await patch('EVERYONE');
    expect([badSetting.status, badSetting.body.errors.map((e: { field: string }) => e.field)]).toEqual([400, ['floorRecipients']]);
    expect((await patch('ALL_SHARES', auditor)).status).toBe(403);
    const toAll = await patch('ALL_SHARES');
    expect([toAll.status, toAll.body.floorRecipients]).toEqual([200, 'ALL_SHARES']);
    expect((await patch('POOR_HOUSEHOLDS')).body.floorRecipients).toBe('POOR_HOUSEHOLDS');

    const inject = (header: Record<string, string>) =>
      // without the key on purpose in the first call
      apiCall(as().POST('/api/v1/asset-income/projects/{id}/injection', { params: { ...project(), header: header as never }, body: { injectedOn: '2023-03-01' } }));
    const noKey = await inject({});
    expect([noKey.status, noKey.body.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    const injected = await inject(key('e2e-inject-0001'));
    expect([injected.status, injected.body.status]).toEqual([200, 'INJECTED']);

    const preview = await apiCall(
      as().GET('/api/v1/asset-income/projects/{id}/quantification/preview', { params: { ...project(), query: { asOf: '2023-03-15' } } }),
    );
    expect(preview.body).toMatchObject({ collective: '300000.00', households: '700000.00', householdCount: 12, people: 36 });
    // 700,000 / 12 = 58,333.33 rem 4 fen: the four lowest ids get 58,333.34
    expect(preview.body.rights.map((r: { amount: string }) => r.amount)).toEqual([...Array(4).fill('58333.34'), ...Array(8).fill('58333.33')]);
    const q = await apiCall(
      as().POST('/api/v1/asset-income/projects/{id}/quantification', {
        params: { ...project(), header: key('e2e-quantify-0001') },
        body: { asOf: '2023-03-15' },
      }),
    );
    expect([q.status, q.body.status]).toEqual([200, 'ACTIVE']);
    const p = await apiCall(as(auditor).GET('/api/v1/asset-income/projects/{id}', { params: project() }));
    expect(p.body.ledger).toMatchObject({ operatorCapital: '1800000.00', specialFundCollective: '300000.00', specialFundHouseholds: '700000.00', specialFundUnquantified: '0.00' });
    await verifyLedger();
  });

  const result = (body: { year: number; revenue: string; netProfit: string; netAssets: string; reportedOn: string }, token = maker) =>
    apiCall(as(token).POST('/api/v1/asset-income/projects/{id}/results', { params: project(), body }));
  const previewYear = (year: number, body: { operatorTopUpAvailable?: string } = {}) =>
    apiCall(as().POST('/api/v1/asset-income/projects/{id}/distributions/{year}/preview', { params: ofYear(year), body }));
  const approveYear = (year: number, token = maker) =>
    apiCall(as(token).POST('/api/v1/asset-income/projects/{id}/distributions/{year}/approve', { params: ofYear(year) }));
  const payYear = (year: number, paidOn: string, k: string) =>
    apiCall(
      as().POST('/api/v1/asset-income/projects/{id}/distributions/{year}/pay', {
        params: { ...ofYear(year), header: key(k) },
        body: { paidOn },
      }),
    );

  it('year 1 (2023), a profit: shared pro rata, maker-checker, paid once', async () => {
    const r = await result({ year: 2023, revenue: '2600000.00', netProfit: '360000.00', netAssets: '2420000.00', reportedOn: '2024-01-18' });
    expect([r.status, r.body.assessment]).toEqual([200, 'OK']);
    expect((await result({ year: 2023, revenue: '1', netProfit: '1', netAssets: '1', reportedOn: '2024-01-18' }, officer)).status).toBe(403);
    const prev = await previewYear(2023);
    expect(prev.status).toBe(200);
    // 360,000 over 1,800,000 of capital: 20 % of each class's capital
    expect(prev.body.byClass.map((c: { classKind: string; entitled: string }) => [c.classKind, c.entitled])).toEqual([
      ['SPECIAL_COLLECTIVE', '60000.00'],
      ['SPECIAL_HOUSEHOLDS', '140000.00'],
      ['COLLECTIVE_ASSETS', '100000.00'],
      ['PRIVATE_CAPITAL', '60000.00'],
    ]);
    const self = await approveYear(2023);
    expect([self.status, self.body.code]).toEqual([403, 'ASSET_INCOME_SAME_APPROVER']);
    expect((await approveYear(2023, checker)).status).toBe(200);
    const paid = await payYear(2023, '2024-01-25', 'e2e-pay-2023-01');
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'PAID', paidNow: '360000.00', householdsBenefited: 12, peopleBenefited: 36 });
    const replay = await payYear(2023, '2024-01-25', 'e2e-pay-2023-01');
    expect(replay.body).toEqual(paid.body);
    const twice = await payYear(2023, '2024-01-25', 'e2e-pay-2023-02');
    expect([twice.status, twice.body.code]).toEqual([409, 'ASSET_INCOME_ALREADY_PAID']);
    await verifyLedger();
  });

  it('year 2 (2024), a loss: the floor is paid, partly owed by the operator; an alert near the threshold', async () => {
    const imported = await apiCall(
      as().POST('/api/v1/asset-income/projects/{id}/results/import', {
        params: project(),
        body: { csv: 'year,revenue,netProfit,netAssets,reportedOn\n2024,2100000.00,-120000.00,1700000.00,2025-01-20\n' },
      }),
    );
    expect(imported.status).toBe(200);
    expect(imported.body.results[0]).toMatchObject({ year: 2024, assessment: 'NEAR_THRESHOLD', projectStatus: 'ACTIVE' });
    const alerts = await apiCall(as(auditor).GET('/api/v1/asset-income/alerts', { params: { query: { projectId } } }));
    expect(alerts.body.items.map((a: { year: number; kind: string }) => [a.year, a.kind])).toEqual([[2024, 'NEAR_THRESHOLD']]);

    await previewYear(2024, { operatorTopUpAvailable: '50000.00' });
    await approveYear(2024, checker);
    const paid = await payYear(2024, '2025-01-25', 'e2e-pay-2024-01');
    // the floor is the poor households' (the project's default, as in the case): each household 10 % of 58,333.34
    // or .33 rounded up = 5,833.34 (× 12 = 70,000.08); the collective's share gets no floor and in a loss year nothing
    expect(paid.body).toMatchObject({
      floorRecipients: 'POOR_HOUSEHOLDS',
      distributable: '0.00',
      entitled: '70000.08',
      operatorTopUp: '50000.00',
      operatorOwes: '20000.08',
      paidNow: '50000.00',
      borneByOtherClasses: '0.00',
    });
    const linesOf = (holderType: 'CLASS' | 'COLLECTIVE') =>
      apiCall(
        as(auditor).GET('/api/v1/asset-income/projects/{id}/distributions/{year}/lines', {
          params: { ...ofYear(2024), query: { holderType } },
        }),
      );
    const lines = await linesOf('CLASS');
    expect(lines.body.items.every((l: { entitled: string }) => l.entitled === '0.00')).toBe(true);
    const collective = await linesOf('COLLECTIVE');
    expect(collective.body.items).toEqual([expect.objectContaining({ floor: '0.00', entitled: '0.00', paid: '0.00' })]);

    const settle = (body: { amount: string; settledOn?: string }, k: string) =>
      apiCall(as().POST('/api/v1/asset-income/projects/{id}/operator-settlements', { params: { ...project(), header: key(k) }, body }));
    const reused = await settle({ amount: '20000.00', settledOn: '2025-06-30' }, 'e2e-settle-0001');
    expect([reused.status, reused.body.operatorOwes]).toEqual([201, '0.08']);
    const conflict = await settle({ amount: '20000.01', settledOn: '2025-06-30' }, 'e2e-settle-0001');
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
    const over = await settle({ amount: '0.09' }, 'e2e-settle-0002');
    expect([over.status, over.body.code, over.body.errors[0].field]).toEqual([422, 'ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT', 'amount']);
    await verifyLedger();
  });

  it('a household graduates in 2025: its right passes to a newly identified poor household', async () => {
    const ds = t.db.dataSource;
    await graduate(ds, households[0], 2025);
    const [newcomer] = await createHouseholds(ds, place.villageId, 1, { members: () => 5 });
    const pending = await apiCall(as().GET('/api/v1/asset-income/projects/{id}/rights/pending-moves', { params: project() }));
    expect(pending.body.items.map((r: { householdId: string }) => r.householdId)).toEqual([households[0]]);
    const rightId = pending.body.items[0].id;
    const moved = await apiCall(
      as().POST('/api/v1/asset-income/projects/{id}/rights/{rightId}/move', {
        params: { path: { id: projectId, rightId }, header: key('e2e-move-0001') },
        body: { effectiveDate: '2025-03-01', toHouseholdId: newcomer, reason: 'graduated (脱贫) in 2025; right to a newly identified poor household' },
      }),
    );
    expect(moved.status).toBe(200);
    expect(moved.body.opened).toMatchObject({ householdId: newcomer, amount: '58333.34', origin: 'TRANSFER', predecessorId: rightId });
    const history = await apiCall(
      as(officer).GET('/api/v1/asset-income/projects/{id}/rights', { params: { ...project(), query: { history: true, holderType: 'HOUSEHOLD' } } }),
    );
    expect(history.body.total).toBe(13);
    households.push(newcomer);
  });

  it('year 3 (2025): net assets reach the threshold; the project is flagged for forced liquidation', async () => {
    const r = await result({ year: 2025, revenue: '1500000.00', netProfit: '30000.00', netAssets: '1450000.00', reportedOn: '2026-01-20' });
    expect(r.body).toMatchObject({ assessment: 'LIQUIDATION_REQUIRED', projectStatus: 'LIQUIDATION_REQUIRED' });
    await previewYear(2025);
    await approveYear(2025, checker);
    const paid = await payYear(2025, '2026-01-28', 'e2e-pay-2025-01');
    // 30,000 of profit: special classes' pro-rata 16,666.67 (the collective's 5,000.00 is its whole entitlement),
    // the other classes' 13,333.33 all go to the households' floor of 70,000.08
    expect(paid.body).toMatchObject({
      distributable: '30000.00',
      specialProRata: '16666.67',
      borneByOtherClasses: '13333.33',
      entitled: '75000.08',
      paidNow: '30000.00',
      operatorOwes: '45000.08',
      householdsBenefited: 12,
    });
    const dividends = (householdId: string, token: string) =>
      apiCall(as(token).GET('/api/v1/asset-income/households/{householdId}/dividends', { params: { path: { householdId } } }));
    const stNew = await dividends(households[12], officer);
    expect(stNew.body.items.map((i: { year: number; quantifiedAmount: string }) => [i.year, i.quantifiedAmount])).toEqual([[2025, '58333.34']]);
    const stOld = await dividends(households[0], auditor);
    expect(stOld.body.items.map((i: { year: number }) => i.year)).toEqual([2024, 2023]);
    expect(stOld.body.items[1]).toMatchObject({ amount: '11666.67', sharePercent: '5.8333' });
    await verifyLedger();
  });

  it('the forced liquidation repays the special fund first, then the other classes pro rata', async () => {
    const prev = await apiCall(
      as().POST('/api/v1/asset-income/projects/{id}/liquidation/preview', {
        params: project(),
        body: { proceeds: '1250000.00', liquidationDate: '2026-03-31' },
      }),
    );
    expect(prev.status).toBe(200);
    expect(prev.body).toMatchObject({ status: 'PREPARED', specialRepaid: '1000000.00', others: '250000.00' });
    expect(prev.body.byClass.map((c: { classKind: string; amount: string }) => [c.classKind, c.amount])).toEqual([
      ['SPECIAL_COLLECTIVE', '300000.00'],
      ['SPECIAL_HOUSEHOLDS', '700000.00'],
      ['COLLECTIVE_ASSETS', '156250.00'],
      ['PRIVATE_CAPITAL', '93750.00'],
    ]);
    const approve = (token: string) => apiCall(as(token).POST('/api/v1/asset-income/projects/{id}/liquidation/approve', { params: project() }));
    expect((await approve(maker)).status).toBe(403);
    expect((await approve(checker)).status).toBe(200);
    const paid = await apiCall(
      as().POST('/api/v1/asset-income/projects/{id}/liquidation/pay', {
        params: { ...project(), header: key('e2e-liquidate-01') },
        body: { paidOn: '2026-04-10' },
      }),
    );
    expect([paid.status, paid.body.status]).toEqual([200, 'PAID']);
    const p = await apiCall(as(auditor).GET('/api/v1/asset-income/projects/{id}', { params: project() }));
    expect(p.body).toMatchObject({ status: 'LIQUIDATED', liquidatedOn: '2026-04-10' });
    expect(p.body.ledger).toMatchObject({ operatorCapital: '0.00', specialFundCollective: '0.00', specialFundHouseholds: '0.00', operatorOwes: '45000.16' });
    const line = await apiCall(
      as(auditor).GET('/api/v1/asset-income/projects/{id}/liquidation/lines', {
        params: { ...project(), query: { householdId: households[12] } },
      }),
    );
    expect(line.body.items).toEqual([expect.objectContaining({ amount: '58333.34' })]);
    await verifyLedger();
  });

  it('reports the project and the district as JSON, CSV and XLSX', async () => {
    const r = await apiCall(as(auditor).GET('/api/v1/asset-income/projects/{id}/report', { params: project() }));
    expect(r.status).toBe(200);
    expect(r.body.dividends.map((d: { year: number; entitled: string; paidToDate: string }) => [d.year, d.entitled, d.paidToDate])).toEqual([
      [2023, '360000.00', '360000.00'],
      [2024, '70000.08', '70000.00'],
      [2025, '75000.08', '30000.00'],
    ]);
    expect(r.body.results.map((x: { year: number; assessment: string }) => [x.year, x.assessment])).toEqual([
      [2023, 'OK'],
      [2024, 'NEAR_THRESHOLD'],
      [2025, 'LIQUIDATION_REQUIRED'],
    ]);
    expect(r.body.totals).toMatchObject({ revenue: '6200000.00', dividendsPaid: '460000.00', householdsBenefited: 13, operatorOwes: '45000.16' });
    const csvReport = (headers: Record<string, string> = {}) =>
      apiCall(
        as(auditor).GET('/api/v1/asset-income/projects/{id}/report', {
          params: { ...project(), query: { format: 'csv' } },
          headers,
          parseAs: 'text',
        }),
      );
    const csv = await csvReport();
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/asset-income-project-\d+\.csv/);
    // Chinese headers and labels by default (a fund office's spreadsheet), the API's keys and codes on request; the
    // client's fetch sends Accept-Language: * (any language), which asks for nothing
    expect(csv.body).toContain('年度 (year),营业收入 (revenue),净利润 (netProfit),净资产 (netAssets)');
    expect(csv.body).toContain('2025,1500000.00,30000.00,1450000.00,1500000.00,1800000.00,-50000.00,须清算');
    const english = await csvReport({ 'Accept-Language': 'en' });
    expect(english.body).toContain('2025,1500000.00,30000.00,1450000.00,1500000.00,1800000.00,-50000.00,LIQUIDATION_REQUIRED');
    const xlsx = await expectFile(
      as(auditor).GET('/api/v1/asset-income/reports/districts/{districtId}', {
        params: { path: { districtId: place.districtId }, query: { format: 'xlsx' } },
        parseAs: 'arrayBuffer',
      }),
    );
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    expect(xlsx.body.subarray(0, 2).toString()).toBe('PK');
    const d = await apiCall(
      as(auditor).GET('/api/v1/asset-income/reports/districts/{districtId}', { params: { path: { districtId: place.districtId } } }),
    );
    expect(d.body.totals).toMatchObject({ projects: 1, dividendsPaid: '460000.00', flaggedForLiquidation: 0 });
    expect((await apiCall(as(bank).GET('/api/v1/asset-income/reports/districts'))).status).toBe(403);
    // a format the report does not have, on purpose
    const bad = await apiCall(
      as(auditor).GET('/api/v1/asset-income/projects/{id}/report', { params: { ...project(), query: { format: 'pdf' as never } } }),
    );
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'format']);
  });
});
