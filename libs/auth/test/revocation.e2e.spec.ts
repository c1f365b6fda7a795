import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';

/**
 * A token stops working from the next request on when what it vouches for changes: the user is deactivated, their
 * role, bank or password changes, or an ADMIN forces a log-out. Real Postgres, real app; nothing mocked.
 */
let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => t.close());

/** A GET of a path chosen by the test (several operations alike), through the client. */
const get = (path: '/api/v1/auth/me' | '/api/v1/users' | '/api/v1/audit', token: string) =>
  apiCall(t.api(token).GET(path as never));
const patchUser = (id: string, body: object) =>
  apiCall(t.api(admin).PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: body as never }));
const login = (username: string, password: string) =>
  apiCall(t.api().POST('/api/v1/auth/login', { body: { username, password } }));
const revokeTokens = (id: string, token: string) =>
  apiCall(t.api(token).POST('/api/v1/users/{id}/revoke-tokens', { params: { path: { id } } }));

async function createUser(
  username: string,
  role: string,
  password = 'first-password-1',
): Promise<{ id: string; token: string }> {
  const res = await apiCall(
    t.api(admin).POST('/api/v1/users', { body: { username, displayName: username, password, role: role as never } }),
  );
  expect(res.status).toBe(201);
  const l = await login(username, password);
  expect(l.status).toBe(200);
  return { id: res.body.id as string, token: l.body.accessToken as string };
}

function expectRevoked(res: { status: number; headers: Record<string, string>; body: unknown }) {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status: 401,
    code: 'TOKEN_REVOKED',
    type: expect.any(String),
    detail: expect.any(String),
  });
}

const counts = async () =>
  (
    await t.db.dataSource.query(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM audit_log)::int AS audit,
              (SELECT coalesce(sum(token_version), 0) FROM users)::int AS versions`,
    )
  )[0] as { users: number; audit: number; versions: number };

describe('token revocation', () => {
  it('tokenFor tokens carry the current token version and work', async () => {
    const token = await t.tokenFor('AUDITOR');
    expect((await get('/api/v1/auth/me', token)).body).toMatchObject({ role: 'AUDITOR', via: 'jwt' });
    const claims = t.app.get(JwtService).decode<{ ver: number; sub: string }>(token);
    const [{ v }] = await t.db.dataSource.query(`SELECT token_version AS v FROM users WHERE id = $1`, [
      claims.sub,
    ]);
    expect(claims.ver).toBe(v);
  });

  it('deactivation: the old token is refused at once (401 TOKEN_REVOKED), writes nothing, and stays dead after reactivation', async () => {
    const victim = await createUser('rev.deact', 'ADMIN');
    const bystander = await createUser('rev.bystander1', 'LOAN_OFFICER');
    expect((await get('/api/v1/users', victim.token)).status).toBe(200);

    expect((await patchUser(victim.id, { active: false })).status).toBe(200);
    expectRevoked(await get('/api/v1/users', victim.token));

    // A writing request with the revoked (ADMIN) token: refused before the handler, nothing written.
    const before = await counts();
    const write = await apiCall(
      t.api(victim.token).POST('/api/v1/users', {
        body: { username: 'rev.never', displayName: 'never', password: 'never-password-1', role: 'AUDITOR' },
      }),
    );
    expectRevoked(write);
    const revoke = await revokeTokens(bystander.id, victim.token);
    expectRevoked(revoke);
    expect(await counts()).toEqual(before);
    expect(await t.db.dataSource.query(`SELECT 1 FROM users WHERE username = 'rev.never'`)).toEqual([]);

    // The unaffected user keeps working.
    expect((await get('/api/v1/auth/me', bystander.token)).status).toBe(200);

    // Reactivating does not bring the old token back; a fresh login works.
    expect((await patchUser(victim.id, { active: true })).status).toBe(200);
    expectRevoked(await get('/api/v1/users', victim.token));
    const again = await login('rev.deact', 'first-password-1');
    expect(again.status).toBe(200);
    expect((await get('/api/v1/users', again.body.accessToken)).status).toBe(200);
  });

  it('password change: the old token is refused, the old password too, a login with the new one works', async () => {
    const victim = await createUser('rev.pass', 'LOAN_OFFICER');
    const bystander = await createUser('rev.bystander2', 'LOAN_OFFICER');
    expect((await get('/api/v1/auth/me', victim.token)).status).toBe(200);

    expect((await patchUser(victim.id, { password: 'second-password-2' })).status).toBe(200);
    expectRevoked(await get('/api/v1/auth/me', victim.token));
    expect((await login('rev.pass', 'first-password-1')).status).toBe(401);
    const fresh = await login('rev.pass', 'second-password-2');
    expect(fresh.status).toBe(200);
    expect((await get('/api/v1/auth/me', fresh.body.accessToken)).body).toMatchObject({
      username: 'rev.pass',
      role: 'LOAN_OFFICER',
    });
    expect((await get('/api/v1/auth/me', bystander.token)).status).toBe(200);
  });

  it('role change: the old token (and its old powers) is refused; a new login carries the new role', async () => {
    const victim = await createUser('rev.role', 'ADMIN');
    const bystander = await createUser('rev.bystander3', 'AUDITOR');
    expect((await get('/api/v1/users', victim.token)).status).toBe(200);

    expect((await patchUser(victim.id, { role: 'AUDITOR' })).status).toBe(200);
    expectRevoked(await get('/api/v1/users', victim.token));
    expectRevoked(await get('/api/v1/auth/me', victim.token));
    const fresh = await login('rev.role', 'first-password-1');
    expect((await get('/api/v1/auth/me', fresh.body.accessToken)).body).toMatchObject({ role: 'AUDITOR' });
    expect((await get('/api/v1/users', fresh.body.accessToken)).status).toBe(403);
    expect((await get('/api/v1/audit', bystander.token)).status).toBe(200);
    // The admin who made all these changes was never affected.
    expect((await get('/api/v1/users', admin)).status).toBe(200);
  });

  it('a change that vouches for nothing (display name, same role) keeps the token', async () => {
    const user = await createUser('rev.cosmetic', 'FUND_ADMIN');
    expect(
      (await patchUser(user.id, { displayName: 'Renamed', role: 'FUND_ADMIN', active: true })).status,
    ).toBe(200);
    expect((await get('/api/v1/auth/me', user.token)).status).toBe(200);
  });

  it('forced log-out: POST /users/:id/revoke-tokens ends every token of that user only, audited', async () => {
    const victim = await createUser('rev.forced', 'FUND_ADMIN');
    const second = (await login('rev.forced', 'first-password-1')).body.accessToken as string;
    const bystander = await createUser('rev.bystander4', 'FUND_ADMIN');

    const res = await revokeTokens(victim.id, admin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: victim.id, username: 'rev.forced', active: true });
    expect(res.body).not.toHaveProperty('tokenVersion');
    expectRevoked(await get('/api/v1/auth/me', victim.token));
    expectRevoked(await get('/api/v1/auth/me', second));
    expect((await get('/api/v1/auth/me', bystander.token)).status).toBe(200);
    const [audit] = await t.db.dataSource.query(
      `SELECT actor, action FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [victim.id],
    );
    expect(audit).toEqual({ actor: 'admin', action: 'USER_TOKENS_REVOKED' });
    expect((await login('rev.forced', 'first-password-1')).status).toBe(200);

    const forbidden = await revokeTokens(bystander.id, bystander.token);
    expect(forbidden.status).toBe(403);
    expect((await revokeTokens('987654321', admin)).status).toBe(404);
  });

  it('a change made straight in the database (not through the API) revokes too: the trigger moves the version', async () => {
    const victim = await createUser('rev.sql', 'LOAN_OFFICER');
    await t.db.dataSource.query(`UPDATE users SET active = false WHERE id = $1`, [victim.id]);
    expectRevoked(await get('/api/v1/auth/me', victim.token));
    // An explicit bump in the same statement as a role change is not swallowed (never below what was asked).
    const [{ v: v0 }] = await t.db.dataSource.query(`SELECT token_version AS v FROM users WHERE id = $1`, [
      victim.id,
    ]);
    await t.db.dataSource.query(
      `UPDATE users SET active = true, token_version = token_version + 1 WHERE id = $1`,
      [victim.id],
    );
    const [{ v: v1 }] = await t.db.dataSource.query(`SELECT token_version AS v FROM users WHERE id = $1`, [
      victim.id,
    ]);
    expect(v1).toBe(v0 + 1);
  });

  it('a correctly signed token without a version (issued before versions existed) is refused', async () => {
    const [{ id }] = await t.db.dataSource.query(`SELECT id::text FROM users WHERE username = 'admin'`);
    const legacy = await t.app
      .get(JwtService)
      .signAsync({ sub: id, usr: 'admin', role: 'ADMIN', bank: null }, { expiresIn: 900 });
    expectRevoked(await get('/api/v1/users', legacy));
  });

  it('the queue dashboard (bearer path) refuses a revoked ADMIN token too', async () => {
    const victim = await createUser('rev.dash', 'ADMIN');
    // raw HTTP: the queue dashboard is not an operation of the API document, so the client has no path for it
    const dashboard = () => request(t.http).get('/admin/queues').set('Authorization', `Bearer ${victim.token}`);
    const ok = await dashboard();
    expect(ok.status).not.toBe(401);
    await patchUser(victim.id, { active: false });
    const res = await dashboard();
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_REVOKED');
  });
});
