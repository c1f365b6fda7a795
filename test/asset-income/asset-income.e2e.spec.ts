import request from 'supertest';
import { FixedClock } from '#libs/common';
import { createTestApp, type TestApp } from '#libs/testing';
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
const API = '/api/v1/asset-income';

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

const get = (path: string, token = maker) => request(t.http).get(`${API}${path}`).set('Authorization', `Bearer ${token}`);
const post = (path: string, body: object = {}, token = maker, key?: string) => {
  const r = request(t.http).post(`${API}${path}`).set('Authorization', `Bearer ${token}`);
  if (key) r.set('Idempotency-Key', key);
  return r.send(body);
};

async function verifyLedger() {
  const res = await request(t.http).get('/api/v1/ledger/verify').set('Authorization', `Bearer ${admin}`);
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(true);
}

describe('a project over three years and its forced liquidation, over HTTP', () => {
  it('denies by default and refuses bad input naming every field, writing nothing', async () => {
    expect((await request(t.http).get(`${API}/projects`)).status).toBe(401);
    expect((await get('/projects', bank)).status).toBe(403);
    expect((await post('/projects', { name: 'x' }, auditor)).status).toBe(403);
    const bad = await post('/projects', { name: '', villageId: 'v1', entityId, businessType: 'CASINO', specialFund: '1.234', collectivePercent: '130', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['name', 'villageId', 'businessType', 'specialFund', 'collectivePercent', 'extra']),
    );
    expect((await get('/projects', auditor)).body.total).toBe(0);
  });

  it('creates the project, injects the capital and quantifies the shares', async () => {
    const created = await post('/projects', {
      name: 'Shangxiaofeng rural tourism',
      villageId: place.villageId,
      entityId,
      businessType: 'RURAL_TOURISM',
      rightRule: 'TRANSFER',
      otherCapital: [
        { kind: 'COLLECTIVE_ASSETS', amount: '500000.00', description: 'guesthouse' },
        { kind: 'PRIVATE_CAPITAL', amount: '300000.00' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'DRAFT', specialFund: '1000000.00', totalCapital: '1800000.00', collectivePercent: '30', floorRecipients: 'POOR_HOUSEHOLDS' });
    projectId = created.body.id;
    const patch = (body: object, token = maker) => request(t.http).patch(`${API}/projects/${projectId}`).set('Authorization', `Bearer ${token}`).send(body);
    const badSetting = await patch({ floorRecipients: 'EVERYONE' });
    expect([badSetting.status, badSetting.body.errors.map((e: { field: string }) => e.field)]).toEqual([400, ['floorRecipients']]);
    expect((await patch({ floorRecipients: 'ALL_SHARES' }, auditor)).status).toBe(403);
    const toAll = await patch({ floorRecipients: 'ALL_SHARES' });
    expect([toAll.status, toAll.body.floorRecipients]).toEqual([200, 'ALL_SHARES']);
    expect((await patch({ floorRecipients: 'POOR_HOUSEHOLDS' })).body.floorRecipients).toBe('POOR_HOUSEHOLDS');

    const noKey = await post(`/projects/${projectId}/injection`, { injectedOn: '2023-03-01' });
    expect([noKey.status, noKey.body.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    const injected = await post(`/projects/${projectId}/injection`, { injectedOn: '2023-03-01' }, maker, 'e2e-inject-0001');
    expect([injected.status, injected.body.status]).toEqual([200, 'INJECTED']);

    const preview = await get(`/projects/${projectId}/quantification/preview?asOf=2023-03-15`);
    expect(preview.body).toMatchObject({ collective: '300000.00', households: '700000.00', householdCount: 12, people: 36 });
    // 700,000 / 12 = 58,333.33 rem 4 fen: the four lowest ids get 58,333.34
    expect(preview.body.rights.map((r: { amount: string }) => r.amount)).toEqual([...Array(4).fill('58333.34'), ...Array(8).fill('58333.33')]);
    const q = await post(`/projects/${projectId}/quantification`, { asOf: '2023-03-15' }, maker, 'e2e-quantify-0001');
    expect([q.status, q.body.status]).toEqual([200, 'ACTIVE']);
    const p = await get(`/projects/${projectId}`, auditor);
    expect(p.body.ledger).toMatchObject({ operatorCapital: '1800000.00', specialFundCollective: '300000.00', specialFundHouseholds: '700000.00', specialFundUnquantified: '0.00' });
    await verifyLedger();
  });

  it('year 1 (2023), a profit: shared pro rata, maker-checker, paid once', async () => {
    const r = await post(`/projects/${projectId}/results`, { year: 2023, revenue: '2600000.00', netProfit: '360000.00', netAssets: '2420000.00', reportedOn: '2024-01-18' });
    expect([r.status, r.body.assessment]).toEqual([200, 'OK']);
    expect((await post(`/projects/${projectId}/results`, { year: 2023, revenue: '1', netProfit: '1', netAssets: '1', reportedOn: '2024-01-18' }, officer)).status).toBe(403);
    const prev = await post(`/projects/${projectId}/distributions/2023/preview`, {});
    expect(prev.status).toBe(200);
    // 360,000 over 1,800,000 of capital: 20 % of each class's capital
    expect(prev.body.byClass.map((c: { classKind: string; entitled: string }) => [c.classKind, c.entitled])).toEqual([
      ['SPECIAL_COLLECTIVE', '60000.00'],
      ['SPECIAL_HOUSEHOLDS', '140000.00'],
      ['COLLECTIVE_ASSETS', '100000.00'],
      ['PRIVATE_CAPITAL', '60000.00'],
    ]);
    const self = await post(`/projects/${projectId}/distributions/2023/approve`);
    expect([self.status, self.body.code]).toEqual([403, 'ASSET_INCOME_SAME_APPROVER']);
    expect((await post(`/projects/${projectId}/distributions/2023/approve`, {}, checker)).status).toBe(200);
    const paid = await post(`/projects/${projectId}/distributions/2023/pay`, { paidOn: '2024-01-25' }, maker, 'e2e-pay-2023-01');
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'PAID', paidNow: '360000.00', householdsBenefited: 12, peopleBenefited: 36 });
    const replay = await post(`/projects/${projectId}/distributions/2023/pay`, { paidOn: '2024-01-25' }, maker, 'e2e-pay-2023-01');
    expect(replay.body).toEqual(paid.body);
    const twice = await post(`/projects/${projectId}/distributions/2023/pay`, { paidOn: '2024-01-25' }, maker, 'e2e-pay-2023-02');
    expect([twice.status, twice.body.code]).toEqual([409, 'ASSET_INCOME_ALREADY_PAID']);
    await verifyLedger();
  });

  it('year 2 (2024), a loss: the floor is paid, partly owed by the operator; an alert near the threshold', async () => {
    const imported = await post(`/projects/${projectId}/results/import`, {
      csv: 'year,revenue,netProfit,netAssets,reportedOn\n2024,2100000.00,-120000.00,1700000.00,2025-01-20\n',
    });
    expect(imported.status).toBe(200);
    expect(imported.body.results[0]).toMatchObject({ year: 2024, assessment: 'NEAR_THRESHOLD', projectStatus: 'ACTIVE' });
    const alerts = await get(`/alerts?projectId=${projectId}`, auditor);
    expect(alerts.body.items.map((a: { year: number; kind: string }) => [a.year, a.kind])).toEqual([[2024, 'NEAR_THRESHOLD']]);

    await post(`/projects/${projectId}/distributions/2024/preview`, { operatorTopUpAvailable: '50000.00' });
    await post(`/projects/${projectId}/distributions/2024/approve`, {}, checker);
    const paid = await post(`/projects/${projectId}/distributions/2024/pay`, { paidOn: '2025-01-25' }, maker, 'e2e-pay-2024-01');
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
    const lines = await get(`/projects/${projectId}/distributions/2024/lines?holderType=CLASS`, auditor);
    expect(lines.body.items.every((l: { entitled: string }) => l.entitled === '0.00')).toBe(true);
    const collective = await get(`/projects/${projectId}/distributions/2024/lines?holderType=COLLECTIVE`, auditor);
    expect(collective.body.items).toEqual([expect.objectContaining({ floor: '0.00', entitled: '0.00', paid: '0.00' })]);

    const reused = await post(`/projects/${projectId}/operator-settlements`, { amount: '20000.00', settledOn: '2025-06-30' }, maker, 'e2e-settle-0001');
    expect([reused.status, reused.body.operatorOwes]).toEqual([201, '0.08']);
    const conflict = await post(`/projects/${projectId}/operator-settlements`, { amount: '20000.01', settledOn: '2025-06-30' }, maker, 'e2e-settle-0001');
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
    const over = await post(`/projects/${projectId}/operator-settlements`, { amount: '0.09' }, maker, 'e2e-settle-0002');
    expect([over.status, over.body.code, over.body.errors[0].field]).toEqual([422, 'ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT', 'amount']);
    await verifyLedger();
  });

  it('a household graduates in 2025: its right passes to a newly identified poor household', async () => {
    const ds = t.db.dataSource;
    await graduate(ds, households[0], 2025);
    const [newcomer] = await createHouseholds(ds, place.villageId, 1, { members: () => 5 });
    const pending = await get(`/projects/${projectId}/rights/pending-moves`);
    expect(pending.body.items.map((r: { householdId: string }) => r.householdId)).toEqual([households[0]]);
    const rightId = pending.body.items[0].id;
    const moved = await post(
      `/projects/${projectId}/rights/${rightId}/move`,
      { effectiveDate: '2025-03-01', toHouseholdId: newcomer, reason: 'graduated (脱贫) in 2025; right to a newly identified poor household' },
      maker,
      'e2e-move-0001',
    );
    expect(moved.status).toBe(200);
    expect(moved.body.opened).toMatchObject({ householdId: newcomer, amount: '58333.34', origin: 'TRANSFER', predecessorId: rightId });
    const history = await get(`/projects/${projectId}/rights?history=true&holderType=HOUSEHOLD`, officer);
    expect(history.body.total).toBe(13);
    households.push(newcomer);
  });

  it('year 3 (2025): net assets reach the threshold; the project is flagged for forced liquidation', async () => {
    const r = await post(`/projects/${projectId}/results`, { year: 2025, revenue: '1500000.00', netProfit: '30000.00', netAssets: '1450000.00', reportedOn: '2026-01-20' });
    expect(r.body).toMatchObject({ assessment: 'LIQUIDATION_REQUIRED', projectStatus: 'LIQUIDATION_REQUIRED' });
    await post(`/projects/${projectId}/distributions/2025/preview`, {});
    await post(`/projects/${projectId}/distributions/2025/approve`, {}, checker);
    const paid = await post(`/projects/${projectId}/distributions/2025/pay`, { paidOn: '2026-01-28' }, maker, 'e2e-pay-2025-01');
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
    const stNew = await get(`/households/${households[12]}/dividends`, officer);
    expect(stNew.body.items.map((i: { year: number; quantifiedAmount: string }) => [i.year, i.quantifiedAmount])).toEqual([[2025, '58333.34']]);
    const stOld = await get(`/households/${households[0]}/dividends`, auditor);
    expect(stOld.body.items.map((i: { year: number }) => i.year)).toEqual([2024, 2023]);
    expect(stOld.body.items[1]).toMatchObject({ amount: '11666.67', sharePercent: '5.8333' });
    await verifyLedger();
  });

  it('the forced liquidation repays the special fund first, then the other classes pro rata', async () => {
    const prev = await post(`/projects/${projectId}/liquidation/preview`, { proceeds: '1250000.00', liquidationDate: '2026-03-31' });
    expect(prev.status).toBe(200);
    expect(prev.body).toMatchObject({ status: 'PREPARED', specialRepaid: '1000000.00', others: '250000.00' });
    expect(prev.body.byClass.map((c: { classKind: string; amount: string }) => [c.classKind, c.amount])).toEqual([
      ['SPECIAL_COLLECTIVE', '300000.00'],
      ['SPECIAL_HOUSEHOLDS', '700000.00'],
      ['COLLECTIVE_ASSETS', '156250.00'],
      ['PRIVATE_CAPITAL', '93750.00'],
    ]);
    expect((await post(`/projects/${projectId}/liquidation/approve`)).status).toBe(403);
    expect((await post(`/projects/${projectId}/liquidation/approve`, {}, checker)).status).toBe(200);
    const paid = await post(`/projects/${projectId}/liquidation/pay`, { paidOn: '2026-04-10' }, maker, 'e2e-liquidate-01');
    expect([paid.status, paid.body.status]).toEqual([200, 'PAID']);
    const p = await get(`/projects/${projectId}`, auditor);
    expect(p.body).toMatchObject({ status: 'LIQUIDATED', liquidatedOn: '2026-04-10' });
    expect(p.body.ledger).toMatchObject({ operatorCapital: '0.00', specialFundCollective: '0.00', specialFundHouseholds: '0.00', operatorOwes: '45000.16' });
    const line = await get(`/projects/${projectId}/liquidation/lines?householdId=${households[12]}`, auditor);
    expect(line.body.items).toEqual([expect.objectContaining({ amount: '58333.34' })]);
    await verifyLedger();
  });

  it('reports the project and the district as JSON, CSV and XLSX', async () => {
    const r = await get(`/projects/${projectId}/report`, auditor);
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
    const csv = await get(`/projects/${projectId}/report?format=csv`, auditor);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/asset-income-project-\d+\.csv/);
    expect(csv.text).toContain('2025,1500000.00,30000.00,1450000.00,1500000.00,1800000.00,-50000.00,LIQUIDATION_REQUIRED');
    const xlsx = await get(`/reports/districts/${place.districtId}?format=xlsx`, auditor).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    expect((xlsx.body as Buffer).subarray(0, 2).toString()).toBe('PK');
    const d = await get(`/reports/districts/${place.districtId}`, auditor);
    expect(d.body.totals).toMatchObject({ projects: 1, dividendsPaid: '460000.00', flaggedForLiquidation: 0 });
    expect((await get(`/reports/districts`, bank)).status).toBe(403);
    const bad = await get(`/projects/${projectId}/report?format=pdf`, auditor);
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'format']);
  });
});
