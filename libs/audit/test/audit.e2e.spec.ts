import { AuditService } from '#libs/audit';
import { RequestContext } from '#libs/common';
import { apiCall, createTestApp, expectStatus, type TestApp } from '#libs/testing';

/** The audit trail: every user write with before/after, secrets never stored, append-only, filterable reads. */
let t: TestApp;
let admin: string;
let auditor: string;
let userId: string;
const PLAIN_PASSWORDS = ['initial-secret-77', 'changed-secret-88'];

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
  auditor = await t.tokenFor('AUDITOR');
  const created = await expectStatus(
    t.api(admin).POST('/api/v1/users', {
      headers: { 'X-Request-Id': 'req-audit-create' },
      body: { username: 'clerk.zhao', displayName: 'Zhao Lei', password: PLAIN_PASSWORDS[0], role: 'LOAN_OFFICER' },
    }),
    201,
  );
  userId = created.body.id;
  await expectStatus(
    t.api(admin).PATCH('/api/v1/users/{id}', {
      params: { path: { id: userId } },
      headers: { 'X-Request-Id': 'req-audit-update' },
      body: { displayName: 'Zhao Lei (town)', password: PLAIN_PASSWORDS[1] },
    }),
    200,
  );
});
afterAll(async () => t.close());

type AuditQuery = { entityType?: string; entityId?: string; action?: string; actor?: string; from?: string; to?: string; page?: number; pageSize?: number };
const list = (query: AuditQuery, token = auditor) => apiCall(t.api(token).GET('/api/v1/audit', { params: { query } }));

describe('audit rows of user writes', () => {
  it('records the creation with actor, role, request id and the after image', async () => {
    const res = await list({ entityType: 'user', entityId: userId, action: 'USER_CREATED' });
    expect(res.body.total).toBe(1);
    expect(res.body.items[0]).toMatchObject({
      actor: 'admin',
      role: 'ADMIN',
      action: 'USER_CREATED',
      entityType: 'user',
      entityId: userId,
      before: null,
      after: { id: userId, username: 'clerk.zhao', displayName: 'Zhao Lei', role: 'LOAN_OFFICER', active: true },
      requestId: 'req-audit-create',
    });
  });

  it('records the update with before and after images and says the password changed', async () => {
    const res = await list({ entityType: 'user', entityId: userId, action: 'USER_UPDATED_PASSWORD_CHANGED' });
    expect(res.body.total).toBe(1);
    const row = res.body.items[0];
    expect(row.before.displayName).toBe('Zhao Lei');
    expect(row.after.displayName).toBe('Zhao Lei (town)');
    expect(row.requestId).toBe('req-audit-update');
  });

  it('never stores a password or its hash, in any row', async () => {
    const rows = await t.db.dataSource.query(`SELECT before::text AS b, after::text AS a FROM audit_log`);
    const text = rows.map((r: { a: string; b: string }) => `${r.b} ${r.a}`).join('\n');
    for (const p of PLAIN_PASSWORDS) expect(text).not.toContain(p);
    expect(text).not.toContain('$argon2');
    expect(text).not.toMatch(/password_?hash/i);
  });

  it('redacts secret-looking keys at any depth when a service records them', async () => {
    const audit = t.app.get(AuditService);
    await RequestContext.run({ requestId: 'req-scrub', actor: { userId: null, username: 'tester', role: 'SYSTEM', bankId: null, via: 'system' } }, () =>
      t.db.dataSource.transaction((m) =>
        audit.record(m, {
          action: 'BANK_KEY_ISSUED',
          entityType: 'bank',
          entityId: 7,
          after: { name: 'Bank', apiKey: 'mk_live_123', nested: { token: 't0k', clientSecret: 's3c', amountFen: 123n } },
        }),
      ),
    );
    const res = await list({ entityType: 'bank', entityId: '7' });
    expect(res.body.items[0]).toMatchObject({
      actor: 'tester',
      role: 'SYSTEM',
      requestId: 'req-scrub',
      after: { name: 'Bank', apiKey: '[REDACTED]', nested: { token: '[REDACTED]', clientSecret: '[REDACTED]', amountFen: '123' } },
    });
  });
});

describe('append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of the audit log', async () => {
    const ds = t.db.dataSource;
    await expect(ds.query(`UPDATE audit_log SET actor = 'someone-else'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = 'someone-else'`);
    expect(n).toBe(0);
  });
});

describe('GET /api/v1/audit', () => {
  it('lists newest first, paginated, for ADMIN and AUDITOR', async () => {
    const all = await list({ pageSize: 2 }, admin);
    expect(all.status).toBe(200);
    expect(all.body.pageSize).toBe(2);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.total).toBeGreaterThanOrEqual(4);
    const ids = all.body.items.map((i: { id: string }) => Number(i.id));
    expect(ids[0]).toBeGreaterThan(ids[1]);
    const page2 = await list({ pageSize: 2, page: 2 });
    expect(Number(page2.body.items[0].id)).toBeLessThan(ids[1]);
  });

  it('filters by actor, action, entity and date range', async () => {
    const byActor = await list({ actor: 'admin', entityType: 'user' });
    expect(byActor.body.items.every((i: { actor: string; entityType: string }) => i.actor === 'admin' && i.entityType === 'user')).toBe(true);
    expect(byActor.body.total).toBeGreaterThanOrEqual(3); // the auditor user, clerk.zhao created and updated
    // Two days either side of now, so the session time zone of the database cannot move a row across the edge.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const everything = (await list({})).body.total;
    expect((await list({ from: day(-2), to: day(2) })).body.total).toBe(everything);
    expect((await list({ from: day(2) })).body.total).toBe(0);
    expect((await list({ to: day(-2) })).body.total).toBe(0);
    expect((await list({ from: day(-2), action: 'NOTHING_LIKE_THIS' })).body.total).toBe(0);
  });
});
