import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { Server } from 'node:http';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApi } from '../../../apps/api/src/bootstrap.js';
import { openApiDocumentOf } from '../../../apps/api/src/openapi.js';
import { ContractRecorder } from './contract.js';
import { createApiClient, type ApiClient } from '../../../packages/api-client/src/index.js';
import { loadConfig, ROLES, type AppConfig, type Clock, type Role } from '#libs/common';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export const TEST_ADMIN = { username: 'admin', password: 'admin-test-pass' };

export interface TestApp {
  app: INestApplication;
  http: App;
  db: TestDatabase;
  config: AppConfig;
  /** The OpenAPI document the app serves. */
  document: OpenAPIObject;
  /** Checks every response against `document` (see contract.ts); its mismatches fail the file at close under CONTRACT=strict. */
  contract: ContractRecorder;
  /** Where the app listens (an ephemeral port on 127.0.0.1), for clients that need a URL. */
  baseUrl: string;
  /**
   * The generated client (packages/api-client) against this app, signed in as `who`: a role (the token of
   * tokenFor(role), fetched on first use), a bearer token (with or without `Bearer `), `{ apiKey }` for a bank key, or nobody. Its responses
   * pass through the same contract recorder as `http`.
   */
  api(who?: Role | string | { token?: string; apiKey?: string }): ApiClient;
  /** Logs in (creating the user first when it does not exist) and returns a bearer token. */
  tokenFor(role: Role, opts?: { bankId?: string; username?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The contract recorder on an app a test built itself with createApi (its own configuration or logger): call
 * `finish()` on the result after closing the app, as TestApp.close does.
 */
export function recordContract(app: INestApplication): ContractRecorder {
  const recorder = new ContractRecorder(openApiDocumentOf(app));
  recorder.attach(app.getHttpServer() as Server);
  return recorder;
}

/** A real API (real Postgres clone, real Redis) for supertest. */
export async function createTestApp(overrides: Record<string, string> = {}, clock?: Clock): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    ...overrides,
  });
  const app = await createApi({ config, clock, logger: false });
  await app.listen(0, '127.0.0.1');
  const http = app.getHttpServer() as App;
  const address = (http as unknown as Server).address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const document = openApiDocumentOf(app);
  const contract = recordContract(app);
  const tokens = new Map<string, string>();
  let adminToken: string | undefined;

  const login = async (username: string, password: string) => {
    const res = await request(http).post('/api/v1/auth/login').send({ username, password });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  };

  const t: TestApp = {
    app,
    http,
    baseUrl,
    api(who) {
      if (who === undefined) return createApiClient({ baseUrl });
      if (typeof who === 'object') return createApiClient({ baseUrl, token: who.token, apiKey: who.apiKey });
      if ((ROLES as readonly string[]).includes(who)) return createApiClient({ baseUrl, token: () => t.tokenFor(who as Role) });
      return createApiClient({ baseUrl, token: who.replace(/^Bearer /, '') });
    },
    db,
    config,
    document,
    contract,
    async tokenFor(role, opts = {}) {
      const username = opts.username ?? `${role.toLowerCase().replace(/_/g, '-')}${opts.bankId ? '-b' + opts.bankId : ''}`;
      const cached = tokens.get(username);
      if (cached) return cached;
      adminToken ??= await login(TEST_ADMIN.username, TEST_ADMIN.password);
      if (role === 'ADMIN' && username === 'admin') {
        tokens.set(username, adminToken);
        return adminToken;
      }
      const password = 'test-password-123';
      const res = await request(http)
        .post('/api/v1/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send({ username, displayName: username, password, role, ...(opts.bankId ? { bankId: opts.bankId } : {}) });
      if (res.status !== 201 && res.status !== 409) throw new Error(`create user failed: ${res.status} ${JSON.stringify(res.body)}`);
      const token = await login(username, password);
      tokens.set(username, token);
      return token;
    },
    async close() {
      await app.close();
      await db.drop();
      contract.finish();
    },
  };
  return t;
}
