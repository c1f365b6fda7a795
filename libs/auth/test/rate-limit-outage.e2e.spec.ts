import type { INestApplication } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createApi } from '../../../apps/api/src/bootstrap.js';
import { loadConfig } from '#libs/common';
import { createTestDatabase, TEST_ADMIN, type TestDatabase } from '#libs/testing';

/** The rate limits live in Redis: what the API does while its Redis is gone (a Redis of this test's own). */
let app: INestApplication;
let http: App;
let db: TestDatabase;
let redis: ChildProcess | undefined;
let port: number;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as { port: number };
      s.close(() => resolve(p));
    });
  });

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = createServer();
      c.once('error', () => resolve(true));
      c.listen(port, '127.0.0.1', () => c.close(() => resolve(false)));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  db = await createTestDatabase(4);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: `redis://127.0.0.1:${port}`,
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    QUEUE_PREFIX: `to${randomBytes(4).toString('hex')}`,
    DB_POOL_SIZE: '4',
  });
  app = await createApi({ config, logger: false });
  http = app.getHttpServer() as App;
});
afterAll(async () => {
  // Redis back first, so the queue handles close cleanly.
  if (!redis) await startRedis();
  await app?.close();
  await stopRedis();
  await db?.drop();
});

it('keeps answering API requests without Redis, but refuses logins it cannot count', async () => {
  const login = await request(http).post('/api/v1/auth/login').send(TEST_ADMIN);
  expect(login.status).toBe(200);
  const token = login.body.accessToken as string;

  await stopRedis();
  const users = await request(http).get('/api/v1/users').set('Authorization', `Bearer ${token}`);
  expect(users.status).toBe(200);
  const refused = await request(http).post('/api/v1/auth/login').send(TEST_ADMIN);
  expect(refused.status).toBe(503);
  expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(refused.headers['retry-after']).toBe('5');
  expect(refused.body.code).toBe('SERVICE_UNAVAILABLE');
  expect(refused.body.accessToken).toBeUndefined();

  await startRedis();
  let again = 0;
  for (let i = 0; i < 50 && again !== 200; i++) {
    again = (await request(http).post('/api/v1/auth/login').send(TEST_ADMIN)).status;
    if (again !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  expect(again).toBe(200);
});
