import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { CredentialsCache } from '#libs/auth';
import { createTestApp, expectStatus, type TestApp } from '#libs/testing';
import { createApi } from '../../../apps/api/src/bootstrap.js';

/**
 * The token check's user row is kept per process, and a change to the user is in force at once in the process that
 * made it and, through the database's notification, in every other process: here two API processes on one database
 * (the test app, and a second app built on the same configuration). Real PostgreSQL and LISTEN/NOTIFY; nothing mocked.
 */
let t: TestApp;
let other: INestApplication;
let otherHttp: App;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  other = await createApi({ config: t.config, logger: false });
  await other.listen(0, '127.0.0.1');
  otherHttp = other.getHttpServer() as App;
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => {
  await other?.close();
  await t?.close();
});

const me = (http: App, token: string) => request(http).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);

async function newUser(username: string): Promise<{ id: string; token: string }> {
  const created = await expectStatus(
    t.api(admin).POST('/api/v1/users', {
      body: { username, displayName: username, password: 'cache-password-1', role: 'LOAN_OFFICER' },
    }),
    201,
  );
  const login = await expectStatus(t.api().POST('/api/v1/auth/login', { body: { username, password: 'cache-password-1' } }), 200);
  return { id: created.body.id as string, token: login.body.accessToken as string };
}

/** The statements matching `pattern` sent through node-postgres while `fn` runs. */
async function sentWhile(pattern: RegExp, fn: () => Promise<unknown>): Promise<number> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text: string } | undefined;
    const text = typeof q === 'string' ? q : (q?.text ?? '');
    if (pattern.test(text)) n++;
    return original.apply(this, a);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return n;
}

const USER_READ = /FROM users u\s+LEFT JOIN LATERAL area_of/;
const waitRevoked = (http: App, token: string) =>
  vi.waitFor(async () => expect((await me(http, token)).status).toBe(401), { timeout: 5_000, interval: 20 });

describe('the kept credentials', () => {
  it('are read once per process, not on every request', async () => {
    const u = await newUser('cache.reads');
    await vi.waitFor(() => expect(t.app.get(CredentialsCache).active).toBe(true), { timeout: 5_000 });
    expect(await sentWhile(USER_READ, () => me(t.http, u.token).expect(200))).toBe(1);
    expect(await sentWhile(USER_READ, async () => {
      for (let i = 0; i < 5; i++) await me(t.http, u.token).expect(200);
    })).toBe(0);
  });

  it('a revocation through one process is in force there at once and in the other once it hears the database', async () => {
    const u = await newUser('cache.revoked');
    // both processes keep the user's row
    await me(t.http, u.token).expect(200);
    await me(otherHttp, u.token).expect(200);
    await me(otherHttp, u.token).expect(200);
    // this process stops reading its listening connection: only its own forgetting can end the token here
    const stream = (t.app.get(CredentialsCache) as unknown as { client: { connection: { stream: NodeJS.ReadableStream } } })
      .client.connection.stream;
    stream.pause();
    try {
      await expectStatus(t.api(admin).POST('/api/v1/users/{id}/revoke-tokens', { params: { path: { id: u.id } } }), 200);
      expect((await me(t.http, u.token)).body.code).toBe('TOKEN_REVOKED');
    } finally {
      stream.resume();
    }
    await waitRevoked(otherHttp, u.token);
    // a role change made through the other process as well
    const v = await newUser('cache.role');
    await me(t.http, v.token).expect(200);
    const otherAdmin = await request(otherHttp).post('/api/v1/auth/login').send({ username: 'admin', password: 'admin-test-pass' });
    await request(otherHttp)
      .patch(`/api/v1/users/${v.id}`)
      .set('Authorization', `Bearer ${otherAdmin.body.accessToken}`)
      .send({ role: 'AUDITOR' })
      .expect(200);
    await waitRevoked(t.http, v.token);
  });

  it('a change made straight in the database reaches every process, and an area change forgets everyone', async () => {
    const u = await newUser('cache.sql');
    await me(t.http, u.token).expect(200);
    await me(otherHttp, u.token).expect(200);
    await t.db.dataSource.query(`UPDATE users SET active = false WHERE id = $1`, [u.id]);
    await waitRevoked(t.http, u.token);
    await waitRevoked(otherHttp, u.token);

    const w = await newUser('cache.area');
    await me(t.http, w.token).expect(200);
    const before = await sentWhile(USER_READ, () => me(t.http, w.token).expect(200));
    expect(before).toBe(0);
    await t.db.dataSource.query(`UPDATE villages SET updated_at = updated_at WHERE id = (SELECT min(id) FROM villages)`);
    await vi.waitFor(async () => expect(await sentWhile(USER_READ, () => me(t.http, w.token).expect(200))).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });
  });

  it('without its listening connection a process keeps nothing, reads every request, and listens again', async () => {
    const cache = t.app.get(CredentialsCache);
    const u = await newUser('cache.lost');
    await me(t.http, u.token).expect(200);
    await t.db.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'mutual-aid-engine:credentials'`,
    );
    await vi.waitFor(() => expect(cache.active).toBe(false), { timeout: 5_000, interval: 10 });
    // a change while nobody listens is still seen: nothing is kept
    await t.db.dataSource.query(`UPDATE users SET active = false WHERE id = $1`, [u.id]);
    expect((await me(t.http, u.token)).status).toBe(401);
    await vi.waitFor(() => expect(cache.active).toBe(true), { timeout: 10_000, interval: 50 });
    const v = await newUser('cache.back');
    await me(t.http, v.token).expect(200);
    expect(await sentWhile(USER_READ, () => me(t.http, v.token).expect(200))).toBe(0);
  });
});
