import type { INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createApi } from '../../../apps/api/src/bootstrap.js';
import { AuthGuard, AuthService } from '#libs/auth';
import { createRootLogger, loadConfig, PUBLIC_KEY, PUBLIC_WHEN_KEY, ROLES, ROLES_KEY, type Role } from '#libs/common';
import { apiCall, createTestApp, createTestDatabase, expectStatus, TEST_ADMIN, type TestApp, type TestDatabase } from '#libs/testing';

let t: TestApp;
let bankId: string;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  t = await createTestApp();
  [{ id: bankId }] = await t.db.dataSource.query(`INSERT INTO banks (code, name) VALUES ('AUTHB', 'Auth test bank') RETURNING id::text`);
  for (const role of ROLES) tokens[role] = await t.tokenFor(role, role === 'BANK_OFFICER' ? { bankId } : {});
});
afterAll(async () => t.close());

/** A GET of a path known only at run time (the role matrix), through the client. */
const get = (path: string, token?: string) => apiCall(t.api(token).GET(path as never));

function expectProblem(res: { status: number; body: unknown; headers: Record<string, string> }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe('authentication', () => {
  it('refuses a request without a token with 401 problem+json', async () => {
    expectProblem(await apiCall(t.api().GET('/api/v1/users')), 401, 'UNAUTHENTICATED');
  });

  it('refuses a malformed, forged or expired token, and a non-bearer scheme, with 401', async () => {
    expectProblem(await apiCall(t.api('not-a-jwt').GET('/api/v1/users')), 401, 'UNAUTHENTICATED');
    const forged = await new JwtService({ secret: 'another-secret-of-enough-length' }).signAsync(
      { sub: '1', usr: 'admin', role: 'ADMIN', bank: null },
      { expiresIn: 900 },
    );
    expectProblem(await apiCall(t.api(forged).GET('/api/v1/users')), 401, 'UNAUTHENTICATED');
    const expired = await t.app.get(JwtService).signAsync({
      sub: '1',
      usr: 'admin',
      role: 'ADMIN',
      bank: null,
      exp: Math.floor(Date.now() / 1000) - 5,
    });
    expectProblem(await apiCall(t.api(expired).GET('/api/v1/users')), 401, 'UNAUTHENTICATED');
    expectProblem(await apiCall(t.api().GET('/api/v1/users', { headers: { Authorization: `Basic ${tokens.ADMIN}` } })), 401, 'UNAUTHENTICATED');
  });

  it('refuses a token signed with the secret but without exp or iat, or living longer than JWT_TTL_SECONDS', async () => {
    const [{ id, ver }] = await t.db.dataSource.query(`SELECT id::text, token_version AS ver FROM users WHERE username = 'admin'`);
    const claims = { sub: id, usr: 'admin', role: 'ADMIN', bank: null, ver };
    const signer = new JwtService({ secret: t.config.JWT_SECRET });
    const now = Math.floor(Date.now() / 1000);
    // the same claims with a proper lifetime pass: what is refused below is only the lifetime
    await expectStatus(t.api(`Bearer ${await signer.signAsync(claims, { expiresIn: 60 })}`).GET('/api/v1/auth/me'), 200);
    const noExp = await signer.signAsync(claims);
    expectProblem(await apiCall(t.api(noExp).GET('/api/v1/auth/me')), 401, 'UNAUTHENTICATED');
    const noIat = await signer.signAsync({ ...claims, exp: now + 60 }, { noTimestamp: true });
    expectProblem(await apiCall(t.api(noIat).GET('/api/v1/auth/me')), 401, 'UNAUTHENTICATED');
    const tooLong = await signer.signAsync(claims, { expiresIn: t.config.JWT_TTL_SECONDS + 3600 });
    expectProblem(await apiCall(t.api(tooLong).GET('/api/v1/auth/me')), 401, 'UNAUTHENTICATED');
  });

  it('refuses a role the endpoint does not list with 403', async () => {
    const res = await apiCall(t.api(tokens.LOAN_OFFICER).GET('/api/v1/users'));
    expectProblem(res, 403, 'FORBIDDEN');
    expect(res.body.detail).toContain('LOAN_OFFICER');
  });

  it('refuses a wrong password and an unknown user alike with 401 INVALID_CREDENTIALS', async () => {
    const wrong = await apiCall(t.api().POST('/api/v1/auth/login', { body: { username: TEST_ADMIN.username, password: 'wrong-password' } }));
    const unknown = await apiCall(t.api().POST('/api/v1/auth/login', { body: { username: 'nobody-here', password: 'wrong-password' } }));
    expectProblem(wrong, 401, 'INVALID_CREDENTIALS');
    expectProblem(unknown, 401, 'INVALID_CREDENTIALS');
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });
});

describe('each role sees only what it may', () => {
  // The foundation's endpoints and who may call them; everyone else gets 403.
  const matrix: [string, Role[]][] = [
    ['/api/v1/users', ['ADMIN']],
    ['/api/v1/ledger/verify', ['ADMIN', 'AUDITOR']],
    ['/api/v1/ledger/accounts', ['ADMIN', 'AUDITOR', 'FUND_ADMIN']],
    ['/api/v1/audit', ['ADMIN', 'AUDITOR']],
    ['/api/v1/auth/me', [...ROLES]],
  ];
  for (const [path, allowed] of matrix) {
    for (const role of ROLES) {
      const may = allowed.includes(role);
      it(`${role} ${may ? 'may' : 'may not'} GET ${path}`, async () => {
        const res = await get(path, tokens[role]);
        if (may) expect(res.status).toBe(200);
        else expectProblem(res, 403, 'FORBIDDEN');
      });
    }
  }

  it('GET /auth/me tells each role who it is, a bank officer with its bank', async () => {
    const me = await apiCall(t.api(tokens.BANK_OFFICER).GET('/api/v1/auth/me'));
    expect(me.body).toMatchObject({ role: 'BANK_OFFICER', bankId: Number(bankId), via: 'jwt' });
    expect((await apiCall(t.api(tokens.AUDITOR).GET('/api/v1/auth/me'))).body).toMatchObject({ role: 'AUDITOR', bankId: null });
  });

  it('every route of the API declares who may call it (deny by default)', async () => {
    const scanner = new MetadataScanner();
    const reflector = t.app.get(Reflector);
    const undeclared: string[] = [];
    let routes = 0;
    const controllers = [...t.app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()]);
    for (const wrapper of controllers) {
      const proto = Object.getPrototypeOf(wrapper.instance);
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        if (Reflect.getMetadata('path', handler) === undefined) continue;
        routes++;
        const targets = [handler, wrapper.metatype as object];
        const declared = [ROLES_KEY, PUBLIC_KEY, PUBLIC_WHEN_KEY].some((k) => reflector.getAllAndOverride(k, targets as never) !== undefined);
        if (!declared) undeclared.push(`${wrapper.name}.${name}`);
      }
    }
    expect(routes).toBeGreaterThan(10);
    expect(undeclared).toEqual([]);
  });

  it('the guard refuses a handler without @Roles or @Public even to an ADMIN', async () => {
    class Bare {
      handler() {}
    }
    const guard = new AuthGuard(t.app.get(Reflector), t.app.get(AuthService), t.config);
    const req = { headers: { authorization: `Bearer ${tokens.ADMIN}` }, method: 'GET', path: '/bare' };
    const ctx = {
      getType: () => 'http',
      getHandler: () => Bare.prototype.handler,
      getClass: () => Bare,
      switchToHttp: () => ({ getRequest: () => req }),
    };
    await expect(guard.canActivate(ctx as never)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('users (ADMIN)', () => {
  const admin = () => tokens.ADMIN;

  it('creates, updates and deactivates a user; a deactivated user can no longer log in', async () => {
    const created = await apiCall(t.api(`Bearer ${admin()}`).POST('/api/v1/users', { body: { username: 'officer.wang', displayName: 'Wang Fang', password: 'first-password-1', role: 'LOAN_OFFICER' } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'officer.wang', role: 'LOAN_OFFICER', active: true, bankId: null });
    expect(created.body).not.toHaveProperty('passwordHash');
    const id = created.body.id as string;

    const login = (password: string) => apiCall(t.api().POST('/api/v1/auth/login', { body: { username: 'officer.wang', password } }));
    expect((await login('first-password-1')).status).toBe(200);

    const updated = await apiCall(t.api(`Bearer ${admin()}`).PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: { displayName: 'Wang Fang (district)', role: 'FUND_ADMIN', password: 'second-password-2' } }));
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ displayName: 'Wang Fang (district)', role: 'FUND_ADMIN' });
    expect((await login('first-password-1')).status).toBe(401);
    const second = await login('second-password-2');
    expect(second.status).toBe(200);
    expect(second.body.user.role).toBe('FUND_ADMIN');

    const deactivated = await apiCall(t.api(`Bearer ${admin()}`).PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: { active: false } }));
    expect(deactivated.body.active).toBe(false);
    expectProblem(await login('second-password-2'), 401, 'INVALID_CREDENTIALS');

    const listed = await apiCall(t.api(admin()).GET('/api/v1/users', { params: { query: { role: 'FUND_ADMIN', pageSize: 50 } } }));
    expect(listed.body.items.map((u: { username: string }) => u.username)).toContain('officer.wang');
    expect(listed.body.items.every((u: { role: string }) => u.role === 'FUND_ADMIN')).toBe(true);
    expect((await apiCall(t.api(admin()).GET('/api/v1/users/{id}', { params: { path: { id } } }))).body.active).toBe(false);
  });

  it('binds a BANK_OFFICER to exactly one existing bank, and no other role to any', async () => {
    const create = (body: object) => apiCall(t.api(`Bearer ${admin()}`).POST('/api/v1/users', { body: body as never }));
    const base = { displayName: 'Teller', password: 'teller-password-1' };
    const noBank = await create({ ...base, username: 'teller.a', role: 'BANK_OFFICER' });
    expectProblem(noBank, 400, 'VALIDATION_FAILED');
    expect(noBank.body.errors).toEqual([expect.objectContaining({ field: 'bankId' })]);
    const unknownBank = await create({ ...base, username: 'teller.b', role: 'BANK_OFFICER', bankId: '999999' });
    expectProblem(unknownBank, 400, 'VALIDATION_FAILED');
    expect(unknownBank.body.errors[0].field).toBe('bankId');
    const officerWithBank = await create({ ...base, username: 'teller.c', role: 'LOAN_OFFICER', bankId });
    expectProblem(officerWithBank, 400, 'VALIDATION_FAILED');
    const ok = await create({ ...base, username: 'teller.d', role: 'BANK_OFFICER', bankId });
    expect(ok.status).toBe(201);
    expect(ok.body.bankId).toBe(bankId);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE username LIKE 'teller.%'`);
    expect(n).toBe(1);
    // Moving the bank officer to another role without clearing the bank is refused too.
    const moved = await apiCall(t.api(`Bearer ${admin()}`).PATCH('/api/v1/users/{id}', { params: { path: { id: ok.body.id } }, body: { role: 'AUDITOR' } }));
    expectProblem(moved, 400, 'VALIDATION_FAILED');
  });

  it('refuses a taken username with 409 and a malformed id with 400 naming it', async () => {
    const dup = await apiCall(t.api(`Bearer ${admin()}`).POST('/api/v1/users', { body: { username: TEST_ADMIN.username, displayName: 'x', password: 'some-password-1', role: 'AUDITOR' } }));
    expectProblem(dup, 409, 'CONFLICT');
    const bad = await apiCall(t.api(admin()).GET('/api/v1/users/{id}', { params: { path: { id: 'abc' } } }));
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors[0].field).toBe('id');
    expectProblem(await apiCall(t.api(admin()).GET('/api/v1/users/{id}', { params: { path: { id: '987654321' } } })), 404, 'NOT_FOUND');
  });
});

describe('login limiting and logging', () => {
  // raw HTTP in this block: it builds its own app (its own limits, proxy trust and captured log), not one for the client
  let app: INestApplication;
  let http: App;
  let db: TestDatabase;
  const logged: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(4);
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      QUEUE_PREFIX: `ta${randomBytes(4).toString('hex')}`,
      LOGIN_RATE_LIMIT_PER_MINUTE: '3',
      LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE: '5',
      TRUST_PROXY: 'loopback',
      DB_POOL_SIZE: '4',
    });
    // What the API logs, captured line by line (the same redaction as production).
    app = await createApi({ config, rootLogger: createRootLogger('info', 'api', { write: (line: string) => logged.push(line) }) });
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const attempt = (ip: string, username: string, password = 'wrong-password') =>
    request(http).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ username, password });

  it('limits the attempts on one username from any number of addresses (behind a trusted proxy)', async () => {
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await attempt(`198.51.100.${i}`, 'Victim.User')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Case does not give an attacker a fresh budget, nor does another address.
    const limited = await attempt('198.51.100.99', 'victim.user');
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.body).toMatchObject({ rateLimit: 'login-username', detail: expect.stringContaining('username') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Even the right password is refused for a limited username; other users are not affected.
    expect((await attempt('198.51.100.1', 'victim.user', 'whatever-it-is')).status).toBe(429);
    const other = await attempt('198.51.100.1', TEST_ADMIN.username, TEST_ADMIN.password);
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-limit-login-username']).toBe('3');
    expect(other.headers['x-ratelimit-limit-login-address']).toBe('5');
  });

  it('limits the attempts from one address whatever the usernames, and only for that address', async () => {
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await attempt('203.0.113.7', `nat.user${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const limited = await attempt('203.0.113.7', TEST_ADMIN.username, TEST_ADMIN.password);
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.body.rateLimit).toBe('login-address');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt('203.0.113.8', TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(200);
  });

  it('logs a failed login with the username and the address, never the password', async () => {
    const secret = `Pa55-${randomBytes(6).toString('hex')}`;
    await request(http).post('/api/v1/auth/login').set('X-Forwarded-For', '192.0.2.44').send({ username: 'zhang.san', password: secret });
    const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failure = lines.find((l) => l.event === 'login_failed' && l.username === 'zhang.san');
    expect(failure).toMatchObject({ level: 40, ip: '192.0.2.44', msg: 'login failed', requestId: expect.any(String) });
    expect(logged.join('\n')).not.toContain(secret);
    expect(logged.join('\n')).not.toContain(TEST_ADMIN.password);
  });

  it('logs one line per request with its id, and none for /health', async () => {
    await request(http).get('/health');
    await request(http).get('/api/v1/auth/me').set('X-Request-Id', 'req-logged-1');
    const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.requestId === 'req-logged-1' && l.msg === 'request completed')).toEqual([
      expect.objectContaining({ req: { method: 'GET', url: '/api/v1/auth/me' }, res: { statusCode: 401 } }),
    ]);
    expect(lines.some((l) => (l.req as { url?: string } | undefined)?.url === '/health')).toBe(false);
  });
});

describe('rate limits without a trusted proxy', () => {
  // raw HTTP in this block: it builds its own app (its own limits, no proxy trust), not one for the client
  let app: INestApplication;
  let http: App;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(4);
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      QUEUE_PREFIX: `tb${randomBytes(4).toString('hex')}`,
      LOGIN_RATE_LIMIT_PER_MINUTE: '100',
      LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE: '2',
      API_RATE_LIMIT_PER_MINUTE: '8',
      TRUST_PROXY: 'false',
      DB_POOL_SIZE: '4',
    });
    app = await createApi({ config, logger: false });
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('ignores X-Forwarded-For: every attempt counts against the connecting address', async () => {
    const statuses = [];
    for (let i = 1; i <= 3; i++) {
      const res = await request(http)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `198.51.100.${i}`)
        .send({ username: `spoofer${i}`, password: 'wrong-password' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('limits every API route per address, but never the health probe', async () => {
    // 3 login attempts above, then 5 more requests fill the budget of 8.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(http).get('/api/v1/auth/me')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const limited = await request(http).get('/api/v1/users');
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.body.rateLimit).toBe('default');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect((await request(http).get('/health')).status).toBe(200);
  });
});
