import request from 'supertest';
import { FixedClock } from '#libs/common';
import { seedFunds } from '#libs/funds';
import { apiCall, createTestApp, expectStatus, type TestApp } from '#libs/testing';
import { createHousehold, createVillage } from './fixtures.js';

/**
 * The village mutual-aid fund over HTTP, as the roles use it: a fund administrator sets up the fund and its
 * capital, a loan officer takes member shares, an auditor reads, and a member's share is paid back after its lock.
 */
let t: TestApp;
const clock = new FixedClock(new Date('2026-06-01T04:00:00Z'));
const tokens: Record<string, string> = {};
const BASE = '/api/v1/mutual-aid-funds';

beforeAll(async () => {
  t = await createTestApp({}, clock);
  for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const)
    tokens[role] = await t.tokenFor(role);
});
afterAll(async () => t.close());

/** The generated client signed in as `role`. */
const as = (role: string) => t.api(tokens[role]);
let keySeq = 0;
const newKey = () => `e2e-${Date.now()}-${++keySeq}`;
const rows = async (sql: string, params: unknown[] = []) =>
  (await t.db.dataSource.query(sql, params)) as Record<string, unknown>[];
const fund = (id: string) => ({ path: { id } });

describe('mutual-aid funds over HTTP', () => {
  let fundId: string;
  let villageId: string;
  let poor: { id: string; idNumber: string };
  let member: { id: string; idNumber: string };

  it('is closed to anonymous callers and to roles that may not write', async () => {
    const v = await createVillage(t.db.dataSource, { name: '上小峰村' });
    villageId = v.villageId;
    poor = await createHousehold(t.db.dataSource, villageId, { status: 'POOR', headName: '张三' });
    member = await createHousehold(t.db.dataSource, villageId, { status: 'NON_POOR', headName: '李四' });
    await expectStatus(t.api().POST('/api/v1/mutual-aid-funds', { body: { villageId } }), 401);
    for (const role of ['AUDITOR', 'LOAN_OFFICER'] as const) {
      const res = await apiCall(as(role).POST('/api/v1/mutual-aid-funds', { body: { villageId } }));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
  });

  it('refuses malformed input with problem+json naming every field', async () => {
    const res = await apiCall(
      as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds', {
        // wrong on purpose, field by field
        body: {
          villageId: 'abc',
          lendingCapPercent: '150',
          maxLoan: '10.001',
          groupMinSize: 'three',
          surprise: 1,
        } as never,
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['villageId', 'lendingCapPercent', 'maxLoan', 'groupMinSize', 'surprise']),
    );
    expect(await rows(`SELECT id FROM mutual_aid_funds`)).toHaveLength(0);
  });

  it('creates the fund (one per village) and audits it', async () => {
    const res = await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds', { body: { villageId, lendingCapPercent: '90' } }),
      201,
    );
    fundId = res.body.id;
    expect(res.body).toMatchObject({
      name: '上小峰村互助资金',
      status: 'ACTIVE',
      accounts: { cash: `MAF:${fundId}:CASH` },
    });
    const dup = await expectStatus(as('ADMIN').POST('/api/v1/mutual-aid-funds', { body: { villageId } }), 409);
    expect(dup.body).toMatchObject({ code: 'FUND_VILLAGE_HAS_FUND', fundId });
    const audit = await expectStatus(
      as('AUDITOR').GET('/api/v1/audit', { params: { query: { entityType: 'mutual_aid_fund', entityId: fundId } } }),
      200,
    );
    expect(audit.body.items.map((i: { action: string }) => i.action)).toContain('FUND_CREATED');
  });

  it('changes rules with every broken rule reported at once (422), and applies a valid change', async () => {
    const rules = (role: string, body: Record<string, unknown>, status: number) =>
      expectStatus(as(role).PATCH('/api/v1/mutual-aid-funds/{id}/rules', { params: fund(fundId), body }), status);
    const bad = await rules('FUND_ADMIN', { lendingCapPercent: '0', groupMinSize: 6, publicNoticeDays: -1, feeCapitalPercent: '50' }, 422);
    expect(bad.body.code).toBe('FUND_RULES_INVALID');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'lendingCapPercent',
      'groupMaxSize',
      'publicNoticeDays',
      'feeDistribution',
    ]);
    await rules('AUDITOR', { publicNoticeDays: 5 }, 403);
    const ok = await rules('FUND_ADMIN', { publicNoticeDays: 5, usageFeeRatePercent: '6.5' }, 200);
    expect(ok.body.rules).toMatchObject({
      publicNoticeDays: 5,
      usageFeeRatePercent: '6.5',
      lendingCapPercent: '90',
    });
  });

  it('records contributions once per Idempotency-Key, by the roles allowed', async () => {
    const contribute = (role: string, body: Record<string, unknown>, status: number, key: string | null = newKey()) =>
      expectStatus(
        as(role).POST('/api/v1/mutual-aid-funds/{id}/contributions', {
          // the key left out, and bodies wrong, on purpose
          params: { ...fund(fundId), header: (key === null ? {} : { 'Idempotency-Key': key }) as never },
          body: body as never,
        }),
        status,
      );
    const city = { source: 'CITY', amount: '200000.00', year: 2026, documentRef: '淄财农〔2026〕8号' };
    const missing = await contribute('FUND_ADMIN', city, 400, null);
    expect(missing.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const badAmount = await contribute('FUND_ADMIN', { ...city, amount: '12.345' }, 400);
    expect(badAmount.body.errors.map((e: { field: string }) => e.field)).toEqual(['amount']);

    const k = newKey();
    const first = await contribute('FUND_ADMIN', city, 201, k);
    const replay = await contribute('FUND_ADMIN', city, 201, k);
    expect(replay.body).toEqual(first.body);
    const reused = await contribute('FUND_ADMIN', { ...city, amount: '200000.01' }, 409, k);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    await contribute('FUND_ADMIN', { source: 'DISTRICT', amount: '300000', documentRef: '区财预〔2026〕21号' }, 201);
    await contribute(
      'FUND_ADMIN',
      {
        source: 'DISTRICT',
        amount: '1000',
        householdId: poor.id,
        fiscalFunded: true,
        documentRef: '配股 3号',
      },
      201,
    );

    const share = await contribute('LOAN_OFFICER', { source: 'MEMBER', amount: '800.00', householdId: member.id }, 201);
    expect(share.body.member).toMatchObject({
      householdId: member.id,
      paidShare: '800.00',
      joinedOn: '2026-06-01',
      withdrawableFrom: '2027-06-01',
    });
    const officerGrant = await contribute('LOAN_OFFICER', { source: 'DONATION', amount: '1', documentRef: 'x' }, 403);
    expect(officerGrant.body.code).toBe('FORBIDDEN');
    await contribute('AUDITOR', { source: 'MEMBER', amount: '1', householdId: member.id }, 403);

    const elsewhere = await createVillage(t.db.dataSource);
    const outsider = await createHousehold(t.db.dataSource, elsewhere.villageId);
    const wrong = await contribute('LOAN_OFFICER', { source: 'MEMBER', amount: '100', householdId: outsider.id }, 422);
    expect(wrong.body).toMatchObject({
      code: 'FUND_MEMBER_NOT_OF_VILLAGE',
      errors: [{ field: 'householdId', code: 'FUND_MEMBER_NOT_OF_VILLAGE' }],
    });

    const list = await expectStatus(
      as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}/contributions', {
        params: { ...fund(fundId), query: { source: 'DISTRICT', fiscalFunded: true } },
      }),
      200,
    );
    expect(list.body).toMatchObject({ total: 1, totalAmount: '1000.00' });
    expect(list.body.items[0]).toMatchObject({ householdId: poor.id, fiscalFunded: true });
  });

  it('shows the position, the list with filters and the member register (ID numbers masked for auditors)', async () => {
    const pos = await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}/position', { params: fund(fundId) }), 200);
    expect(pos.body).toMatchObject({
      capital: '501800.00',
      cash: '501800.00',
      loansOutstanding: '0.00',
      lendingCap: '451620.00',
      availableToLend: '451620.00',
      memberCount: 2,
      poorMemberCount: 1,
      capitalBySource: { CITY: '200000.00', DISTRICT: '301000.00', MEMBER: '800.00' },
    });
    const list = await expectStatus(
      as('LOAN_OFFICER').GET('/api/v1/mutual-aid-funds', {
        params: { query: { villageId, status: 'ACTIVE', page: 1, pageSize: 5 } },
      }),
      200,
    );
    expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 5 });
    expect(list.body.items[0].position).toEqual(pos.body);
    // a status that does not exist, on purpose
    await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds', { params: { query: { status: 'OPEN' as never } } }), 400);

    const masked = await expectStatus(
      as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}/members', { params: { ...fund(fundId), query: { poor: true } } }),
      200,
    );
    expect(masked.body.total).toBe(1);
    expect(masked.body.items[0].household).toMatchObject({ headName: '张三', status: 'POOR' });
    expect(masked.body.items[0].household.idNumber).not.toBe(poor.idNumber);
    expect(masked.body.items[0].household.idNumber).toMatch(/\*{10}/);
    const clear = await expectStatus(as('FUND_ADMIN').GET('/api/v1/mutual-aid-funds/{id}/members', { params: fund(fundId) }), 200);
    expect(
      clear.body.items.map((i: { household: { idNumber: string } }) => i.household.idNumber).sort(),
    ).toEqual([poor.idNumber, member.idNumber].sort());

    await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}', { params: fund('abc') }), 400);
    const missing = await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}', { params: fund('987654') }), 404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('pays a member share back only after the lock, never a fiscal-funded share', async () => {
    const withdraw = (role: string, body: { householdId: string; amount: string; reason?: string }, status: number, key = newKey()) =>
      expectStatus(
        as(role).POST('/api/v1/mutual-aid-funds/{id}/withdrawals', {
          params: { ...fund(fundId), header: { 'Idempotency-Key': key } },
          body,
        }),
        status,
      );
    await withdraw('LOAN_OFFICER', { householdId: member.id, amount: '300' }, 403);
    const locked = await withdraw('FUND_ADMIN', { householdId: member.id, amount: '300' }, 422);
    expect(locked.body.code).toBe('SHARE_LOCKED');
    const fiscal = await withdraw('FUND_ADMIN', { householdId: poor.id, amount: '1' }, 422);
    expect(fiscal.body.errors.map((e: { code: string }) => e.code)).toEqual([
      'SHARE_INSUFFICIENT',
      'SHARE_LOCKED',
    ]);

    clock.set(new Date('2027-06-01T04:00:00Z'));
    const k = newKey();
    const paid = await withdraw('FUND_ADMIN', { householdId: member.id, amount: '300.00', reason: 'school fees' }, 201, k);
    expect(paid.body).toMatchObject({
      amount: '300.00',
      withdrawnOn: '2027-06-01',
      member: { paidShare: '500.00', withdrawn: '300.00' },
    });
    await withdraw('FUND_ADMIN', { householdId: member.id, amount: '300.00', reason: 'school fees' }, 201, k);
    const list = await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}/withdrawals', { params: fund(fundId) }), 200);
    expect(list.body.total).toBe(1);
    const pos = await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}/position', { params: fund(fundId) }), 200);
    expect(pos.body).toMatchObject({ cash: '501500.00', capitalBySource: { MEMBER: '500.00' } });

    const verify = await expectStatus(as('AUDITOR').GET('/api/v1/ledger/verify'), 200);
    expect(verify.body.ok).toBe(true);
  });

  it('documents every endpoint in OpenAPI', async () => {
    // the document itself is not an operation of the API: the typed client has no path for it
    const doc = await request(t.http).get('/docs-json').expect(200);
    for (const path of [
      '',
      '/{id}',
      '/{id}/position',
      '/{id}/rules',
      '/{id}/status',
      '/{id}/contributions',
      '/{id}/members',
      '/{id}/withdrawals',
    ]) {
      expect(doc.body.paths).toHaveProperty([`${BASE}${path}`]);
    }
    expect(JSON.stringify(doc.body.paths[`${BASE}/{id}/withdrawals`].post.parameters)).toMatch(
      /Idempotency-Key/,
    );
  });

  it('seeds demo data idempotently', async () => {
    const v = await createVillage(t.db.dataSource);
    await createHousehold(t.db.dataSource, v.villageId, { status: 'POOR' });
    await createHousehold(t.db.dataSource, v.villageId, { status: 'POOR' });
    await createHousehold(t.db.dataSource, v.villageId, { status: 'NON_POOR' });
    const log: string[] = [];
    const first = await seedFunds(t.app, { villageCode: v.villageCode, log: (m) => log.push(m) });
    const second = await seedFunds(t.app, { villageCode: v.villageCode, log: (m) => log.push(m) });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ contributions: 7, members: 3 });
    const [sum] = await rows(
      `SELECT count(*)::int AS n, sum(amount_fen)::text AS total FROM contributions WHERE target_id = $1`,
      [first!.fundId],
    );
    // 200,000 + 300,000 + 20,000 + 2 × 1,000 fiscal shares + 300 own share of a poor household + 500 member share
    expect(sum).toEqual({ n: 7, total: String(52_280_000) });
    expect(await seedFunds(t.app, { villageCode: 'NO-SUCH-VILLAGE', log: (m) => log.push(m) })).toBeNull();
    expect(log.at(-1)).toMatch(/not found/);
  });
});
