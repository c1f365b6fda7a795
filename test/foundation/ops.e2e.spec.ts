import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import request from 'supertest';
import { WorkerModule } from '../../apps/worker/src/worker.module.js';
import { apiCall, createTestApp, expectStatus, type TestApp } from '#libs/testing';

/** The operational endpoints: health (with the worker's heartbeat), Prometheus metrics, OpenAPI, request ids. */
let t: TestApp;
let worker: INestApplicationContext | undefined;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await worker?.close();
  const redis = new Redis(t.config.REDIS_URL);
  const keys = await redis.keys(`${t.config.QUEUE_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await t.close();
});

describe('/health', () => {
  it('is public and green with database and Redis up; the worker is information only', async () => {
    const res = await expectStatus(t.api().GET('/health'), 200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.redis.status).toBe('up');
    // No worker has run under this deployment's prefix yet: still green, and says so.
    expect(res.body.info.worker).toMatchObject({ status: 'up', lastHeartbeatAt: null, stale: true });
  });

  it("shows the running worker's last heartbeat", async () => {
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: t.config }), { logger: false });
    await worker.init();
    const deadline = Date.now() + 15_000;
    let info: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      info = (await expectStatus(t.api().GET('/health'), 200)).body.info.worker;
      if (info.lastHeartbeatAt) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(info).toMatchObject({ status: 'up', stale: false, beats: 1, worker: expect.stringMatching(/:\d+$/) });
    expect(Date.now() - Date.parse(info.lastHeartbeatAt as string)).toBeLessThan(60_000);
  });
});

describe('/metrics', () => {
  it('serves Prometheus text with request durations labelled by route pattern, never by id', async () => {
    const admin = await t.tokenFor('ADMIN');
    await expectStatus(t.api(admin).GET('/api/v1/users/{id}', { params: { path: { id: '424242' } } }), 404);
    // raw HTTP: /metrics is Prometheus text for the scraper, not an operation of the API document
    const res = await request(t.http).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE mae_http_request_duration_seconds histogram');
    expect(res.text).toMatch(/mae_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/users\/:id",status="404"\} \d+/);
    expect(res.text).not.toContain('424242');
    expect(res.text).toContain('mae_process_cpu_user_seconds_total');
  });
});

describe('OpenAPI', () => {
  it('serves /docs and /docs-json without a token, documenting the foundation endpoints and both auth schemes', async () => {
    // raw HTTP: the page and the document themselves are not operations of the document
    const html = await request(t.http).get('/docs');
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    const doc = await request(t.http).get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/api/v1/auth/login', '/api/v1/users', '/api/v1/users/{id}', '/api/v1/ledger/verify', '/api/v1/audit', '/health']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(Object.keys(doc.body.components.securitySchemes)).toEqual(expect.arrayContaining(['bearer', 'bank-api-key']));
    const login = doc.body.paths['/api/v1/auth/login'].post.responses['200'].content['application/json'];
    expect(login.example).toHaveProperty('accessToken');
    expect(login.schema.$ref).toBe('#/components/schemas/LoginResponse');
    expect(doc.body.components.schemas.LoginResponse.required).toEqual(expect.arrayContaining(['accessToken', 'tokenType', 'expiresIn', 'user']));
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const health = (requestId: string) => apiCall(t.api().GET('/health', { headers: { 'X-Request-Id': requestId } }));
    const given = await health('trace-abc.123');
    expect(given.headers['x-request-id']).toBe('trace-abc.123');
    const made = await health('bad id with spaces; drop table');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('security headers (helmet)', () => {
  it('are on every response, success or problem, and Express does not announce itself', async () => {
    const admin = await t.tokenFor('ADMIN');
    for (const res of [
      await apiCall(t.api().GET('/health')),
      await apiCall(t.api(admin).GET('/api/v1/users')),
      await apiCall(t.api().GET('/api/v1/users')),
      // raw HTTP: an unknown route and the queue dashboard are not operations of the document
      await request(t.http).get('/no-such-route'),
      await request(t.http).get('/admin/queues'),
    ]) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("object-src 'none'");
      // Plain http on a developer's machine: the pages' own assets must not be upgraded to https.
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    }
  });

  it('keep Swagger UI working: its page names only same-origin scripts and styles, and all of them load', async () => {
    // raw HTTP: Swagger UI's page and assets are not operations of the document
    const html = await request(t.http).get('/docs');
    expect(html.status).toBe(200);
    const csp = html.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    // No inline script for the policy to block: every <script> has a src.
    expect(html.text.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []).toEqual([]);
    const assets = [...html.text.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      // Resolved as the browser resolves it against the page's own URL.
      const url = new URL(asset, 'http://127.0.0.1/docs').pathname;
      const res = await request(t.http).get(url);
      expect([url, res.status]).toEqual([url, 200]);
    }
  });
});
