import { JwtService } from '@nestjs/jwt';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { createTestApp, type TestApp } from '#libs/testing';

/**
 * The console's browser session: an HttpOnly cookie no page script can read, a CSRF token that every write made with
 * it must repeat, log-out and revocation ending it (401, so the console returns to its login page), and the built
 * console served at /console. Real app, real Postgres and Redis.
 */
let t: TestApp;
let admin: string;
const BIG = Buffer.from(
  `export const rows = ${JSON.stringify(Array.from({ length: 2000 }, (_, i) => `第${i}行`))};\n`,
);
const consoleDir = mkdtempSync(join(tmpdir(), 'mae-console-'));

beforeAll(async () => {
  mkdirSync(join(consoleDir, 'assets'));
  writeFileSync(join(consoleDir, 'index.html'), '<!DOCTYPE html><title>console-test-index</title>');
  writeFileSync(join(consoleDir, 'assets', 'app-abc123.js'), 'console.log(1)');
  // what the console's build writes for a bigger script: the file, and its Brotli and gzip copies beside it
  writeFileSync(join(consoleDir, 'assets', 'big-def456.js'), BIG);
  writeFileSync(join(consoleDir, 'assets', 'big-def456.js.br'), brotliCompressSync(BIG));
  writeFileSync(join(consoleDir, 'assets', 'big-def456.js.gz'), gzipSync(BIG));
  process.env.CONSOLE_DIST = consoleDir;
  t = await createTestApp();
  delete process.env.CONSOLE_DIST;
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => t.close());

interface Session {
  cookie: string;
  csrf: string;
  setCookies: string[];
  body: Record<string, unknown>;
}

async function openSession(username: string, password: string): Promise<Session> {
  const res = await request(t.http).post('/api/v1/auth/session').send({ username, password });
  expect(res.status).toBe(200);
  const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookies.find((c) => c.startsWith('mae_session='))!;
  const csrf = setCookies.find((c) => c.startsWith('mae_csrf='))!;
  return {
    cookie: `${session.split(';')[0]}; ${csrf.split(';')[0]}`,
    csrf: res.body.csrfToken as string,
    setCookies,
    body: res.body as Record<string, unknown>,
  };
}

async function userWith(username: string, role: string, password = 'console-pass-1') {
  const res = await request(t.http)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${admin}`)
    .send({ username, displayName: username, password, role });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, password };
}

describe('console session', () => {
  it('logs in with an HttpOnly cookie and hands scripts only the CSRF token, never the session token', async () => {
    const s = await openSession('admin', 'admin-test-pass');
    const session = s.setCookies.find((c) => c.startsWith('mae_session='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Path=\/api/);
    const csrfCookie = s.setCookies.find((c) => c.startsWith('mae_csrf='))!;
    expect(csrfCookie).not.toMatch(/HttpOnly/);
    expect(csrfCookie.split(';')[0]).toBe(`mae_csrf=${s.csrf}`);
    expect(s.body).not.toHaveProperty('accessToken');
    expect(JSON.stringify(s.body)).not.toContain(session.split(';')[0].slice('mae_session='.length));
    expect(s.body).toMatchObject({
      user: { username: 'admin', role: 'ADMIN' },
      expiresIn: expect.any(Number),
    });

    const me = await request(t.http).get('/api/v1/auth/me').set('Cookie', s.cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'admin', role: 'ADMIN' });
  });

  it('a wrong password is the usual 401 problem and sets no cookie', async () => {
    const res = await request(t.http)
      .post('/api/v1/auth/session')
      .send({ username: 'admin', password: 'wrong-one-11' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('writes need the CSRF token in X-CSRF-Token; reads do not', async () => {
    const s = await openSession('admin', 'admin-test-pass');
    const body = { username: 'csrf.victim', displayName: 'x', password: 'console-pass-1', role: 'AUDITOR' };
    const none = await request(t.http).post('/api/v1/users').set('Cookie', s.cookie).send(body);
    expect(none.status).toBe(403);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await request(t.http)
      .post('/api/v1/users')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', 'guess')
      .send(body);
    expect(wrong.body.code).toBe('CSRF_TOKEN_INVALID');
    // another session's token does not fit this session
    const other = await openSession('admin', 'admin-test-pass');
    const swapped = await request(t.http)
      .post('/api/v1/users')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', other.csrf)
      .send(body);
    expect(swapped.body.code).toBe('CSRF_TOKEN_INVALID');
    expect(await t.db.dataSource.query(`SELECT 1 FROM users WHERE username = 'csrf.victim'`)).toEqual([]);

    const ok = await request(t.http)
      .post('/api/v1/users')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', s.csrf)
      .send(body);
    expect(ok.status).toBe(201);
    expect((await request(t.http).get('/api/v1/users').set('Cookie', s.cookie)).status).toBe(200);
  });

  it('the session token is refused as a bearer token, and a bearer token is refused in the cookie', async () => {
    const s = await openSession('admin', 'admin-test-pass');
    const token = s.cookie.split(';')[0].slice('mae_session='.length);
    const asBearer = await request(t.http).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
    expect(asBearer.status).toBe(401);
    const asCookie = await request(t.http).get('/api/v1/auth/me').set('Cookie', `mae_session=${admin}`);
    expect(asCookie.status).toBe(401);
    expect(asCookie.body.code).toBe('UNAUTHENTICATED');
  });

  it('roles still apply to a session (403), and without any credential it is 401', async () => {
    const u = await userWith('console.auditor', 'AUDITOR');
    const s = await openSession('console.auditor', u.password);
    const res = await request(t.http).get('/api/v1/users').set('Cookie', s.cookie);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect((await request(t.http).get('/api/v1/auth/me')).status).toBe(401);
  });

  it('log-out ends the session at once, even for a copy of the cookie; other sessions live on', async () => {
    const u = await userWith('console.out', 'LOAN_OFFICER');
    const a = await openSession('console.out', u.password);
    const b = await openSession('console.out', u.password);
    const out = await request(t.http).delete('/api/v1/auth/session').set('Cookie', a.cookie);
    expect(out.status).toBe(204);
    const cleared = ([] as string[]).concat(out.headers['set-cookie'] ?? []);
    expect(cleared.some((c) => /^mae_session=;.*Max-Age=0/.test(c))).toBe(true);
    expect(cleared.some((c) => /^mae_csrf=;.*Max-Age=0/.test(c))).toBe(true);
    const after = await request(t.http).get('/api/v1/auth/me').set('Cookie', a.cookie);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('TOKEN_REVOKED');
    expect((await request(t.http).get('/api/v1/auth/me').set('Cookie', b.cookie)).status).toBe(200);
  });

  it('a forced log-out (token version moved) refuses the session with 401 TOKEN_REVOKED', async () => {
    const u = await userWith('console.forced', 'FUND_ADMIN');
    const s = await openSession('console.forced', u.password);
    expect((await request(t.http).get('/api/v1/auth/me').set('Cookie', s.cookie)).status).toBe(200);
    const r = await request(t.http)
      .post(`/api/v1/users/${u.id}/revoke-tokens`)
      .set('Authorization', `Bearer ${admin}`);
    expect(r.status).toBe(200);
    const res = await request(t.http).get('/api/v1/auth/me').set('Cookie', s.cookie);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_REVOKED');
  });

  it('renews the cookie once less than half of its lifetime is left', async () => {
    const s = await openSession('admin', 'admin-test-pass');
    const jwt = t.app.get(JwtService);
    const token = s.cookie.split(';')[0].slice('mae_session='.length);
    const claims = jwt.decode<Record<string, unknown>>(token);
    // the same session, issued 10 minutes ago (a token signed with the app's key, as the server would have)
    const iat = Math.floor(Date.now() / 1000) - Math.ceil(t.config.JWT_TTL_SECONDS * 0.6);
    const old = await jwt.signAsync({ ...claims, iat, exp: iat + t.config.JWT_TTL_SECONDS });
    const res = await request(t.http).get('/api/v1/auth/me').set('Cookie', `mae_session=${old}`);
    expect(res.status).toBe(200);
    const renewed = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('mae_session='));
    expect(renewed).toMatch(/HttpOnly/);
    const fresh = jwt.decode<{ sid: string; exp: number }>(
      renewed!.split(';')[0].slice('mae_session='.length),
    );
    expect(fresh.sid).toBe(claims.sid);
    expect(fresh.exp).toBeGreaterThan(iat + t.config.JWT_TTL_SECONDS);
    // a fresh session is not renewed on every request
    const plain = await request(t.http).get('/api/v1/auth/me').set('Cookie', s.cookie);
    expect(plain.headers['set-cookie']).toBeUndefined();
  });
});

describe('the console at /console', () => {
  it('serves index.html for the console routes, hashed assets with a long cache, 404 for missing files', async () => {
    const root = await request(t.http).get('/console/');
    expect(root.status).toBe(200);
    expect(root.text).toContain('console-test-index');
    expect(root.headers['cache-control']).toBe('no-cache');
    const deep = await request(t.http).get('/console/approvals/12');
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('console-test-index');
    const asset = await request(t.http).get('/console/assets/app-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await request(t.http).get('/console/assets/missing-1.js')).status).toBe(404);
    expect(root.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('sends a script Brotli- or gzip-compressed to a browser that accepts it, as it is to one that does not', async () => {
    /** the raw answer (no client-side decoding) to a GET with this Accept-Encoding */
    const fetchRaw = (path: string, acceptEncoding?: string) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
        (ok, fail) => {
          const req = get(
            `${t.baseUrl}${path}`,
            { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
            (res) => {
              const parts: Buffer[] = [];
              res.on('data', (b: Buffer) => parts.push(b));
              res.on('end', () =>
                ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }),
              );
              res.on('error', fail);
            },
          );
          req.on('error', fail);
        },
      );
    const br = await fetchRaw('/console/assets/big-def456.js', 'gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('Accept-Encoding');
    expect(br.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/i);
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.body.length).toBeLessThan(BIG.length / 3);
    expect(brotliDecompressSync(br.body).equals(BIG)).toBe(true);

    const gz = await fetchRaw('/console/assets/big-def456.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(BIG)).toBe(true);

    for (const plain of [
      await fetchRaw('/console/assets/big-def456.js'),
      await fetchRaw('/console/assets/big-def456.js', 'identity'),
    ]) {
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toContain('Accept-Encoding');
      expect(plain.body.equals(BIG)).toBe(true);
    }
    // a file the build left uncompressed (too small to gain) goes out as it is, whatever the browser accepts
    const small = await fetchRaw('/console/assets/app-abc123.js', 'br, gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body.toString()).toBe('console.log(1)');
  });
});
