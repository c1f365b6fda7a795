import { addDays, seedReminders } from '#libs/reminders';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';
import { FixedClock } from '#libs/common';
import { createLoan, createWorld, outboxOf, type World } from './fixtures.js';

// 2026-03-15 10:00 in Shanghai.
const clock = new FixedClock(new Date('2026-03-15T02:00:00Z'));
const TODAY = '2026-03-15';
const due = (d: number) => addDays(TODAY, d);

let t: TestApp;
let world: World;
/** The client signed in as `role` (a bank officer of `bankId`). */
const as = async (role: Parameters<TestApp['tokenFor']>[0], opts?: { bankId?: string }) =>
  t.api(await t.tokenFor(role, opts));
type Client = Awaited<ReturnType<typeof as>>;
const createEndpoint = (client: Client, body: Record<string, unknown>) =>
  apiCall(client.POST('/api/v1/reminder-endpoints', { body: body as never }));
const endpoint = (id: string) => ({ params: { path: { id } } });
const startRun = (client: Client, body: Record<string, unknown>) =>
  apiCall(client.POST('/api/v1/reminders/runs', { body: body as never }));
const outbox = (client: Client, query: Record<string, unknown>) =>
  apiCall(client.GET('/api/v1/reminders', { params: { query: query as never } }));
const count = async (sql: string, params: unknown[] = []) =>
  Number((await t.db.dataSource.query(sql, params))[0].n);

beforeAll(async () => {
  t = await createTestApp({}, clock);
  world = await createWorld(t.db.dataSource);
});
afterAll(async () => t.close());

describe('reminder endpoints configuration (ADMIN)', () => {
  it('creates a webhook endpoint and shows its secret only once', async () => {
    const admin = await as('ADMIN');
    const res = await createEndpoint(admin, {
      scope: 'BANK',
      bankId: world.bankId,
      channel: 'WEBHOOK',
      name: '银行催收',
      url: 'http://127.0.0.1:9/hook',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      scope: 'BANK',
      bankId: world.bankId,
      channel: 'WEBHOOK',
      active: true,
      hasSecret: true,
      version: 1,
    });
    expect(res.body.secret).toMatch(/^rsec_/);
    const id = res.body.id;
    const got = await apiCall(admin.GET('/api/v1/reminder-endpoints/{id}', endpoint(id)));
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(res.body.secret);
    const list = await apiCall(
      (await as('AUDITOR')).GET('/api/v1/reminder-endpoints', { params: { query: { bankId: world.bankId } } }),
    );
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1 });
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    // Stored encrypted, and the audit row does not carry it either.
    expect(
      await count(
        `SELECT count(*) AS n FROM reminder_endpoints WHERE secret_ciphertext LIKE '%' || $1 || '%'`,
        [res.body.secret],
      ),
    ).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'REMINDER_ENDPOINT_CREATED' AND after::text LIKE '%rsec_%'`,
      ),
    ).toBe(0);

    const rotated = await apiCall(admin.POST('/api/v1/reminder-endpoints/{id}/rotate-secret', endpoint(id)));
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^rsec_/);
    expect(rotated.body.secret).not.toBe(res.body.secret);
    expect(rotated.body.version).toBe(2);
  });

  it('answers 422 naming every broken rule at once, 409 for a second active endpoint of a scope, and writes nothing', async () => {
    const admin = await as('ADMIN');
    const before = await count(`SELECT count(*) AS n FROM reminder_endpoints`);
    const bad = await createEndpoint(admin, {
      scope: 'BANK',
      fundId: world.fundId,
      channel: 'WEBHOOK',
      name: 'x',
      signName: '互助资金',
    });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('REMINDER_ENDPOINT_INVALID');
    expect(
      bad.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort(),
    ).toEqual(['bankId:REQUIRED', 'fundId:NOT_ALLOWED', 'signName:NOT_ALLOWED', 'url:REQUIRED']);
    const unknownBank = await createEndpoint(admin, { scope: 'BANK', bankId: '999999', channel: 'LOG', name: 'x' });
    expect(unknownBank.status).toBe(422);
    expect(unknownBank.body.errors).toEqual([
      expect.objectContaining({ field: 'bankId', code: 'UNKNOWN_BANK' }),
    ]);
    const shape = await createEndpoint(admin, {
      scope: 'EVERYONE',
      channel: 'PIGEON',
      name: '',
      url: 'ftp://x',
      extra: 1,
    });
    expect(shape.status).toBe(400);
    expect(new Set(shape.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['scope', 'channel', 'name', 'url', 'extra']),
    );
    const taken = await createEndpoint(admin, { scope: 'BANK', bankId: world.bankId, channel: 'LOG', name: 'second' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('REMINDER_ENDPOINT_SCOPE_TAKEN');
    expect(await count(`SELECT count(*) AS n FROM reminder_endpoints`)).toBe(before);
  });

  it('only ADMIN configures endpoints; deactivating frees the scope', async () => {
    const body = { scope: 'FUND', fundId: world.fundId, channel: 'LOG', name: 'fund log' };
    expect((await createEndpoint(t.api(), body)).status).toBe(401);
    expect((await createEndpoint(await as('FUND_ADMIN'), body)).status).toBe(403);
    expect((await apiCall((await as('LOAN_OFFICER')).GET('/api/v1/reminder-endpoints'))).status).toBe(403);
    const admin = await as('ADMIN');
    const created = await createEndpoint(admin, body);
    expect(created.status).toBe(201);
    expect(created.body.secret).toBeNull();
    const off = await apiCall(admin.DELETE('/api/v1/reminder-endpoints/{id}', endpoint(created.body.id)));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const again = await createEndpoint(admin, body);
    expect(again.status).toBe(201);
    // Re-activating the old one now collides with the new one.
    const back = await apiCall(
      admin.PATCH('/api/v1/reminder-endpoints/{id}', { ...endpoint(created.body.id), body: { active: true } }),
    );
    expect(back.status).toBe(409);
  });
});

describe('selection runs and the outbox over HTTP', () => {
  let loanA: Awaited<ReturnType<typeof createLoan>>;
  let loanB: Awaited<ReturnType<typeof createLoan>>;

  beforeAll(async () => {
    const w = await createWorld(t.db.dataSource);
    await createEndpoint(await as('ADMIN'), { scope: 'FUND', fundId: w.fundId, channel: 'LOG', name: 'log' });
    loanA = await createLoan(
      t.db.dataSource,
      w,
      [{ dueDate: due(7) }, { dueDate: due(-1) }, { dueDate: due(40) }],
      { phone: '13812345678' },
    );
    loanB = await createLoan(t.db.dataSource, w, [{ dueDate: due(0) }], { phone: '13998765432' });
  });

  it('POST /reminders/runs (ADMIN) selects once; a re-run of the date selects 0', async () => {
    const admin = await as('ADMIN');
    const first = await startRun(admin, { businessDate: TODAY });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ businessDate: TODAY, today: TODAY, selected: 3, enqueued: 3 });
    const again = await startRun(admin, { businessDate: TODAY });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ selected: 0, enqueued: 0 });
    const runs = await apiCall(
      (await as('AUDITOR')).GET('/api/v1/reminders/runs', { params: { query: { trigger: 'MANUAL' } } }),
    );
    expect(runs.status).toBe(200);
    expect(runs.body.items.slice(0, 2).map((r: { selected: number }) => r.selected)).toEqual([0, 3]);
  });

  it('refuses runs from other roles, bad dates (400) and dates out of range (422)', async () => {
    const admin = await as('ADMIN');
    expect((await startRun(t.api(), { businessDate: TODAY })).status).toBe(401);
    expect((await startRun(await as('FUND_ADMIN'), { businessDate: TODAY })).status).toBe(403);
    const bad = await startRun(admin, { businessDate: '2026-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'businessDate' })]);
    const future = await startRun(admin, { businessDate: due(1) });
    expect(future.status).toBe(422);
    expect(future.body).toMatchObject({
      code: 'REMINDER_RUN_DATE_INVALID',
      errors: [{ field: 'businessDate', code: 'FUTURE_DATE' }],
    });
  });

  it('lists the outbox per loan and per household, phone in full for a loan officer and masked for an auditor', async () => {
    const officer = await outbox(await as('LOAN_OFFICER'), { loanId: loanA.loanId });
    expect(officer.status).toBe(200);
    expect(officer.body.total).toBe(2);
    expect(officer.body.items.map((r: { offset: string }) => r.offset).sort()).toEqual(['T+1', 'T-7']);
    expect(
      officer.body.items.every(
        (r: { phone: string; state: string; loanNo: string }) =>
          r.phone === '13812345678' && r.state === 'QUEUED' && r.loanNo === loanA.loanNo,
      ),
    ).toBe(true);
    const auditor = await outbox(await as('AUDITOR'), { householdId: loanB.householdId });
    expect(auditor.status).toBe(200);
    expect(auditor.body).toMatchObject({
      total: 1,
      items: [{ loanId: loanB.loanId, offset: 'T0', event: 'DUE_T0', phone: '139****5432', dueDate: TODAY }],
    });
    expect(JSON.stringify(auditor.body)).not.toContain('13998765432');
    // Filters: state, reminder date range, pagination.
    const ranged = await outbox(await as('FUND_ADMIN'), {
      loanId: loanA.loanId,
      from: due(-1),
      to: due(1),
      state: 'QUEUED',
      pageSize: 1,
    });
    expect(ranged.body).toMatchObject({ total: 2, pageSize: 1 });
    expect(ranged.body.items).toHaveLength(1);
    const none = await outbox(await as('FUND_ADMIN'), { loanId: loanA.loanId, state: 'SENT' });
    expect(none.body.total).toBe(0);
    const one = await apiCall(
      (await as('AUDITOR')).GET('/api/v1/reminders/{id}', { params: { path: { id: auditor.body.items[0].id } } }),
    );
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ phone: '139****5432', deliveryAttempts: [] });
    expect((await outbox(await as('BANK_OFFICER', { bankId: world.bankId }), {})).status).toBe(403);
    expect((await outbox(await as('AUDITOR'), { state: 'LOST' })).status).toBe(400);
  });
});

describe('seedReminders', () => {
  it("gives the demo fund and bank LOG endpoints once, selects today's reminders once, and says what is missing", async () => {
    const w = await createWorld(t.db.dataSource);
    const [{ code: villageCode }] = await t.db.dataSource.query(`SELECT code FROM villages WHERE id = $1`, [
      w.villageId,
    ]);
    const [{ code: bankCode }] = await t.db.dataSource.query(`SELECT code FROM banks WHERE id = $1`, [
      w.bankId,
    ]);
    // a bank loan whose instalment falls due in 5 days: today is its T-7 reminder's day
    const loan = await createLoan(t.db.dataSource, w, [{ dueDate: due(5) }], { channel: 'BANK_COVERED' });

    const first = await seedReminders(t.app, { villageCode, bankCode });
    expect(first[0]).toMatch(/^created LOG reminder endpoint \d+ for fund /);
    expect(first[1]).toMatch(/^created LOG reminder endpoint \d+ for bank /);
    expect(first[2]).toMatch(new RegExp(`^selection run \\d+ for ${TODAY}: [1-9]\\d* new reminder`));
    const rows = await outboxOf(t.db.dataSource, loan.installmentIds);
    expect(rows.map((r) => [r.offset_days, r.channel, r.state])).toEqual([[-7, 'LOG', 'QUEUED']]);

    const second = await seedReminders(t.app, { villageCode, bankCode });
    expect(second[0]).toMatch(/^kept reminder endpoint \d+ \(LOG\) of fund /);
    expect(second[1]).toMatch(/^kept reminder endpoint \d+ \(LOG\) of bank /);
    expect(second[2]).toMatch(/: 0 new reminder/);
    expect(
      await count(
        `SELECT count(*) AS n FROM reminder_endpoints WHERE (fund_id = $1 OR bank_id = $2) AND channel = 'LOG' AND active`,
        [w.fundId, w.bankId],
      ),
    ).toBe(2);
    expect(await outboxOf(t.db.dataSource, loan.installmentIds)).toHaveLength(1);

    const missing = await seedReminders(t.app, { villageCode: 'NO-SUCH-VILLAGE', bankCode: 'NO-SUCH-BANK' });
    expect(missing.filter((l) => /not found/.test(l))).toHaveLength(2);
  });
});
