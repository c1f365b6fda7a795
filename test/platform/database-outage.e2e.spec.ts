import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createApi } from '../../apps/api/src/bootstrap.js';
import { loadConfig } from '#libs/common';
import { createTestDatabase, TEST_ADMIN, type TestDatabase } from '#libs/testing';

/**
 * The database goes away under a running API (its connections pass through a TCP relay this test cuts): reads,
 * writes and logins answer 503 problem+json with Retry-After and a stable code, never 500; when the database is back
 * the same process answers again.
 */
let db: TestDatabase;
let app: INestApplication;
let http: App;
let relay: Server | undefined;
let relayPort = 0;
const sockets = new Set<Socket>();

function openRelay(port = 0): Promise<number> {
  const target = new URL(db.url);
  return new Promise((resolve) => {
    relay = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop).pipe(upstream);
      upstream.on('error', drop).on('close', drop).pipe(client);
    });
    relay.listen(port, '127.0.0.1', () => resolve((relay!.address() as { port: number }).port));
  });
}

async function cutRelay(): Promise<void> {
  const r = relay;
  relay = undefined;
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise((resolve) => r?.close(resolve));
}

beforeAll(async () => {
  db = await createTestDatabase(5);
  relayPort = await openRelay();
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String(relayPort);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    DB_POOL_SIZE: '4',
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
  });
  app = await createApi({ config, logger: false });
  await app.init();
  http = app.getHttpServer() as App;
}, 60_000);

afterAll(async () => {
  await app?.close().catch(() => undefined);
  await cutRelay();
  await db?.drop();
});

it('answers 503 with Retry-After while the database is unreachable, and recovers by itself', async () => {
  const login = await request(http).post('/api/v1/auth/login').send(TEST_ADMIN).expect(200);
  const auth = `Bearer ${login.body.accessToken as string}`;
  await request(http).get('/api/v1/users').set('Authorization', auth).expect(200);

  await cutRelay();
  for (const attempt of [
    request(http).get('/api/v1/users').set('Authorization', auth),
    request(http).post('/api/v1/auth/login').send(TEST_ADMIN),
    request(http).post('/api/v1/districts').set('Authorization', auth).send({ code: '370399', name: '测试区' }),
  ]) {
    const res = await attempt;
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
  }

  await openRelay(relayPort);
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await request(http).get('/api/v1/users').set('Authorization', auth)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe(200);
}, 60_000);
