import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createApi } from '../../apps/api/src/bootstrap.js';
import { createRootLogger, loadConfig } from '#libs/common';
import { createTestDatabase, recordContract, TEST_ADMIN, type ContractRecorder, type TestDatabase } from '#libs/testing';

/** problem+json for every kind of failure: validation, unknown fields, bad JSON, unknown routes, unexpected errors. */
let app: INestApplication;
let http: App;
let db: TestDatabase;
let admin: string;
let contract: ContractRecorder;
const logged: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase(4);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    QUEUE_PREFIX: `te${randomBytes(4).toString('hex')}`,
    DB_POOL_SIZE: '4',
  });
  app = await createApi({ config, rootLogger: createRootLogger('info', 'api', { write: (line: string) => logged.push(line) }) });
  http = app.getHttpServer() as App;
  contract = recordContract(app);
  admin = (await request(http).post('/api/v1/auth/login').send(TEST_ADMIN)).body.accessToken;
});
afterAll(async () => {
  await app.close();
  await db.drop();
  contract.finish();
});

const userCount = async () => (await db.dataSource.query(`SELECT count(*)::int AS n FROM users`))[0].n as number;
const auditCount = async () => (await db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`))[0].n as number;
const createUser = (body: unknown) => request(http).post('/api/v1/users').set('Authorization', `Bearer ${admin}`).send(body as object);

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `urn:problem:${code.toLowerCase()}`, title: expect.any(String), detail: expect.any(String) });
  expect(res.body).not.toHaveProperty('stack');
}

describe('validation', () => {
  it('answers 400 VALIDATION_FAILED naming every bad field at once, and writes nothing', async () => {
    const [users, audits] = [await userCount(), await auditCount()];
    const res = await createUser({ username: 'A B', displayName: '', password: 'short', role: 'KING' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const fields = new Set((res.body.errors as { field: string }[]).map((e) => e.field));
    expect(fields).toEqual(new Set(['username', 'displayName', 'password', 'role']));
    for (const e of res.body.errors) expect(e).toEqual({ field: expect.any(String), code: expect.any(String), message: expect.any(String) });
    expect(res.body.detail).toContain('username');
    expect([await userCount(), await auditCount()]).toEqual([users, audits]);
  });

  it('refuses an unknown field by name (forbidNonWhitelisted), and writes nothing', async () => {
    const users = await userCount();
    const res = await createUser({ username: 'li.si', displayName: 'Li Si', password: 'long-enough-1', role: 'AUDITOR', isRoot: true });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'isRoot', code: 'UNKNOWN_FIELD' })]);
    expect(await userCount()).toBe(users);
  });

  it('validates query strings too: page size bounds and calendar dates', async () => {
    const big = await request(http).get('/api/v1/audit?pageSize=100000').set('Authorization', `Bearer ${admin}`);
    expectProblem(big, 400, 'VALIDATION_FAILED');
    expect(big.body.errors[0].field).toBe('pageSize');
    const date = await request(http).get('/api/v1/audit?from=2026-13-45').set('Authorization', `Bearer ${admin}`);
    expectProblem(date, 400, 'VALIDATION_FAILED');
    expect(date.body.errors[0].field).toBe('from');
    for (const bad of ['2026-02-30', '0000-01-01']) {
      const loans = await request(http).get(`/api/v1/loans?from=${bad}`).set('Authorization', `Bearer ${admin}`);
      expectProblem(loans, 400, 'VALIDATION_FAILED');
      expect(loans.body.errors[0].field).toBe('from');
    }
  });

  it('bounds paging so no page number reaches the database as an overflowing offset', async () => {
    for (const page of ['99999999999999999999', '1e30', '1000001', '-1', '1.5']) {
      const res = await request(http).get(`/api/v1/audit?page=${page}`).set('Authorization', `Bearer ${admin}`);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors[0].field).toBe('page');
    }
    await request(http).get('/api/v1/audit?page=1000000').set('Authorization', `Bearer ${admin}`).expect(200);
  });

  it('refuses control characters and lone surrogates in a path, a query or a body, and JSON nested too deep, naming the field; writes nothing', async () => {
    const users = await userCount();
    const body = await createUser({ username: 'nul.user', displayName: 'Li\u0000Si', password: 'long-enough-1', role: 'AUDITOR' });
    expectProblem(body, 400, 'VALIDATION_FAILED');
    expect(body.body.errors).toEqual([expect.objectContaining({ field: 'displayName', code: 'CONTROL_CHARACTER' })]);
    const query = await request(http).get('/api/v1/audit?action=A%00B').set('Authorization', `Bearer ${admin}`);
    expectProblem(query, 400, 'VALIDATION_FAILED');
    expect(query.body.errors[0]).toMatchObject({ field: 'action', code: 'CONTROL_CHARACTER' });
    const surrogate = await request(http)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/json')
      .send('{"username":"half.user","displayName":"a\\udc00b","password":"long-enough-1","role":"AUDITOR"}');
    expectProblem(surrogate, 400, 'VALIDATION_FAILED');
    expect(surrogate.body.errors[0]).toMatchObject({ field: 'displayName', code: 'INVALID_UNICODE' });
    const path = await request(http).get('/api/v1/users/1%00').set('Authorization', `Bearer ${admin}`);
    expectProblem(path, 400, 'VALIDATION_FAILED');
    const badEncoding = await request(http).get('/api/v1/users/%E0%A4%A').set('Authorization', `Bearer ${admin}`);
    expectProblem(badEncoding, 400, 'VALIDATION_FAILED');
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const nested = await request(http)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/json')
      .send(`{"username":"deep.user","displayName":${deep}}`);
    expectProblem(nested, 400, 'VALIDATION_FAILED');
    expect(nested.body.errors[0].code).toBe('TOO_DEEP');
    expect(await userCount()).toBe(users);
    // a whole surrogate pair (an emoji) is a character like any other
    const emoji = await createUser({ username: 'emoji.user', displayName: '李四 💰', password: 'long-enough-1', role: 'AUDITOR' });
    expect(emoji.status).toBe(201);
  });

  it('answers a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(http)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/json')
      .send(`{"displayName":"${'x'.repeat(6 * 1024 * 1024)}"}`);
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await request(http)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/json')
      .send('{"username": "half');
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    expectProblem(await request(http).get('/api/v1/no-such-thing').set('Authorization', `Bearer ${admin}`), 404, 'NOT_FOUND');
  });
});

describe('unexpected errors', () => {
  it('answer 500 INTERNAL with an error id, no stack or SQL in the body, and the same id in the log with the stack', async () => {
    // Break the schema under the running app: the audit list's query now fails in the database.
    await db.dataSource.query(`ALTER TABLE audit_log RENAME TO audit_log_hidden`);
    try {
      const res = await request(http).get('/api/v1/audit').set('Authorization', `Bearer ${admin}`).set('X-Request-Id', 'req-broken-1');
      expectProblem(res, 500, 'INTERNAL');
      expect(res.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.detail).toContain(res.body.errorId);
      const body = JSON.stringify(res.body);
      expect(body).not.toMatch(/audit_log|SELECT|relation|\.ts:\d+|\.js:\d+/);
      const line = logged.map((l) => JSON.parse(l)).find((l) => l.errorId === res.body.errorId);
      expect(line).toMatchObject({ level: 50, msg: 'unexpected error', err: { message: expect.stringContaining('audit_log') } });
      expect(line.err.stack).toMatch(/at /);
      // The log line carries the request id too, so the failed request's other lines can be found.
      expect(line.requestId).toBe('req-broken-1');
      expect(res.headers['x-request-id']).toBe('req-broken-1');
    } finally {
      await db.dataSource.query(`ALTER TABLE audit_log_hidden RENAME TO audit_log`);
    }
    expect((await request(http).get('/api/v1/audit').set('Authorization', `Bearer ${admin}`)).status).toBe(200);
  });
});
