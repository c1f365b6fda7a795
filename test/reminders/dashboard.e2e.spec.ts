import request from 'supertest';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';
import { QUEUES } from '#libs/common';
import { QUEUE_SESSION_COOKIE, QueueDashboardSessions } from '../../apps/api/src/ops/queue-dashboard.js';

let t: TestApp;
const bearer = async (role: Parameters<TestApp['tokenFor']>[0]) => `Bearer ${await t.tokenFor(role)}`;
/**
 * The board itself (/admin/queues: its HTML, its own JSON API, its login form, its assets) is not part of the engine's
 * documented API, so the generated client has no path for it: those requests stay raw (supertest); the API's own
 * endpoints (/api/v1/...) go through the client.
 */
const raw = () => request(t.http);

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

/** The cookie pair (name=value) from a Set-Cookie answer (a raw one, or one of the client's). */
const cookieOf = (res: request.Response | { response: Response }) => {
  const header = ('response' in res && res.response instanceof Response
    ? res.response.headers.getSetCookie()
    : ([] as string[]).concat((res as request.Response).headers['set-cookie'] ?? []))[0];
  return { pair: header.split(';')[0], header };
};
/** POST /api/v1/admin/queues/session as `token` (a bearer token, or nobody). */
const openSession = (token?: string) => apiCall(t.api(token).POST('/api/v1/admin/queues/session'));

describe('queue dashboard at /admin/queues', () => {
  it('answers 401 without credentials, 403 to non-admins, 200 to an ADMIN bearer token', async () => {
    const anon = await raw().get('/admin/queues');
    expect(anon.status).toBe(401);
    expect(anon.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(anon.body.code).toBe('UNAUTHENTICATED');
    expect(
      (await raw().get('/admin/queues').set('Authorization', 'Bearer not-a-token')).status,
    ).toBe(401);
    for (const role of ['LOAN_OFFICER', 'AUDITOR', 'FUND_ADMIN'] as const) {
      const res = await raw()
        .get('/admin/queues')
        .set('Authorization', await bearer(role));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    const ok = await raw()
      .get('/admin/queues')
      .set('Authorization', await bearer('ADMIN'));
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/text\/html/);
    // The board's own API lists every queue of the engine.
    const api = await raw()
      .get('/admin/queues/api/queues')
      .set('Authorization', await bearer('ADMIN'));
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(Object.values(QUEUES).sort());
  });

  it('opens a browser session for an ADMIN: a scoped, HttpOnly, SameSite=Strict cookie the API itself never accepts', async () => {
    expect((await openSession()).status).toBe(401);
    expect((await openSession(await t.tokenFor('LOAN_OFFICER'))).status).toBe(403);
    const res = await openSession(await t.tokenFor('ADMIN'));
    expect(res.status).toBe(200);
    expect(res.body.dashboard).toBe('/admin/queues');
    const { pair, header } = cookieOf(res);
    expect(header).toMatch(new RegExp(`^${QUEUE_SESSION_COOKIE}=`));
    expect(header).toContain('Path=/admin/queues');
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toMatch(/Max-Age=\d+/);

    expect((await raw().get('/admin/queues').set('Cookie', pair)).status).toBe(200);
    expect((await raw().get('/admin/queues/api/queues').set('Cookie', pair)).status).toBe(200);
    // Not a credential for the API.
    expect((await apiCall(t.api().GET('/api/v1/reminders', { headers: { Cookie: pair } }))).status).toBe(401);
    // Tampered: 401.
    const [name, value] = pair.split('=');
    const [body, mac] = value.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), uid: '999' }),
    ).toString('base64url');
    expect(
      (await raw().get('/admin/queues').set('Cookie', `${name}=${forged}.${mac}`)).status,
    ).toBe(401);
    expect(
      (
        await raw()
          .get('/admin/queues')
          // a MAC with its first character changed (to another one: the secret, hence the MAC, is random per run)
          .set('Cookie', `${name}=${body}.${mac[0] === 'x' ? 'y' : 'x'}${mac.slice(1)}`)
      ).status,
    ).toBe(401);
  });

  it('refuses an expired session, a session of a user no longer ADMIN, and cross-site writes made with the cookie', async () => {
    const sessions = t.app.get(QueueDashboardSessions);
    const [admin] = await t.db.dataSource.query(
      `SELECT id::text, username, token_version FROM users WHERE username = 'admin'`,
    );
    const old = sessions.issue(
      { userId: Number(admin.id), username: admin.username, tokenVersion: admin.token_version },
      new Date(Date.now() - (sessions.ttlSeconds + 5) * 1000),
    );
    expect(
      (await raw().get('/admin/queues').set('Cookie', `${QUEUE_SESSION_COOKIE}=${old.value}`))
        .status,
    ).toBe(401);

    // A second admin opens a session, then is demoted: the session stops at once (its token version moved).
    const adminToken = await t.tokenFor('ADMIN');
    const createAdmin = (username: string, displayName: string, password: string) =>
      apiCall(
        t.api(adminToken).POST('/api/v1/users', {
          // areaKind left out: the API takes CITY, its documented default (the generated type, from that default, wants it)
          body: { username, displayName, password, role: 'ADMIN' } as never,
        }),
      );
    const login = (username: string, password: string) =>
      apiCall(t.api().POST('/api/v1/auth/login', { body: { username, password } }));
    const other = await createAdmin('second.admin', 'Second', 'second-admin-pass');
    expect(other.status).toBe(201);
    const secondLogin = await login('second.admin', 'second-admin-pass');
    const opened = await openSession(secondLogin.body.accessToken);
    const { pair } = cookieOf(opened);
    expect((await raw().get('/admin/queues').set('Cookie', pair)).status).toBe(200);
    await apiCall(
      t.api(adminToken).PATCH('/api/v1/users/{id}', {
        params: { path: { id: other.body.id } },
        body: { role: 'AUDITOR' },
      }),
    );
    const demoted = await raw().get('/admin/queues').set('Cookie', pair);
    expect(demoted.status).toBe(401);
    expect(demoted.body.code).toBe('TOKEN_REVOKED');

    // An admin whose sessions are revoked (as on a password change) loses the dashboard session too.
    const third = await createAdmin('third.admin', 'Third', 'third-admin-pass');
    const thirdLogin = await login('third.admin', 'third-admin-pass');
    const thirdPair = cookieOf(await openSession(thirdLogin.body.accessToken)).pair;
    expect((await raw().get('/admin/queues').set('Cookie', thirdPair)).status).toBe(200);
    expect(
      (
        await apiCall(
          t.api(adminToken).POST('/api/v1/users/{id}/revoke-tokens', { params: { path: { id: third.body.id } } }),
        )
      ).status,
    ).toBeLessThan(300);
    expect((await raw().get('/admin/queues').set('Cookie', thirdPair)).status).toBe(401);

    // Writes with the cookie must come from the same origin.
    const mine = cookieOf(await openSession(adminToken)).pair;
    const path = `/admin/queues/api/queues/${QUEUES.REMINDER_DELIVERY}/pause`;
    const cross = await raw().put(path).set('Cookie', mine).set('Origin', 'https://evil.example');
    expect(cross.status).toBe(403);
    expect((await raw().put(path).set('Cookie', mine)).status).toBe(403);
    const same = await raw().put(path).set('Cookie', mine).set('Sec-Fetch-Site', 'same-origin');
    expect(same.status).toBeLessThan(300);
    await raw()
      .put(`/admin/queues/api/queues/${QUEUES.REMINDER_DELIVERY}/resume`)
      .set('Authorization', `Bearer ${adminToken}`);

    // Closing the session clears the cookie.
    const closed = await apiCall(t.api().DELETE('/api/v1/admin/queues/session'));
    expect(closed.status).toBe(204);
    expect(cookieOf(closed).header).toMatch(/Max-Age=0/);
  });
});

describe('queue dashboard login page', () => {
  const page = () => raw().get('/admin/queues').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');

  /** The login form's one-time token and the cookie it is bound to. */
  const openForm = async (next?: string) => {
    const res = await raw().get(`/admin/queues/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    expect(res.status).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(res.text)?.[1] as string;
    return { res, csrf, cookie: cookieOf(res).pair };
  };
  const submit = (form: { csrf: string; cookie: string }, fields: Record<string, string>, origin = true) => {
    const r = raw().post('/admin/queues/login').type('form').set('Cookie', form.cookie);
    return (origin ? r.set('Sec-Fetch-Site', 'same-origin') : r).send({ csrf: form.csrf, ...fields });
  };

  it('sends a browser without a session to the login page; API clients still get 401 problem+json', async () => {
    const res = await page();
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/queues/login?next=%2Fadmin%2Fqueues');
    const deep = await raw().get('/admin/queues/queue/reminders').set('Accept', 'text/html');
    expect(deep.headers.location).toBe('/admin/queues/login?next=%2Fadmin%2Fqueues%2Fqueue%2Freminders');
    for (const accept of ['application/json', undefined]) {
      const api = raw().get('/admin/queues');
      const answer = await (accept ? api.set('Accept', accept) : api);
      expect(answer.status).toBe(401);
      expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    // A bad bearer token is an API client's mistake: no redirect.
    expect((await page().set('Authorization', 'Bearer nope')).status).toBe(401);
  });

  it('serves a form with a one-time token bound to a SameSite=Strict cookie', async () => {
    const { res, csrf } = await openForm();
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<form method="post" action="/admin/queues/login">');
    expect(res.text).not.toMatch(/<script/);
    expect(csrf).toMatch(/^[\w-]{20,}$/);
    const { header } = cookieOf(res);
    expect(header).toMatch(/^mae_queues_csrf=/);
    expect(header).toContain('Path=/admin/queues/login');
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
  });

  it('refuses a cross-site post, a missing or wrong token, a wrong password and a non-admin, with no session', async () => {
    const form = await openForm();
    const good = { username: 'admin', password: 'admin-test-pass' };
    const refusals = [
      await submit(form, good, false).set('Origin', 'https://evil.example'),
      await submit(form, good, false),
      await submit({ ...form, csrf: 'x'.repeat(form.csrf.length) }, good),
      await submit({ ...form, cookie: '' }, good),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(403);
      expect(res.text).toContain('The form expired');
    }
    const wrong = await submit(form, { username: 'admin', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong username or password');
    expect(wrong.text).toContain('value="admin"');
    await t.tokenFor('AUDITOR');
    const auditor = await submit(form, { username: 'auditor', password: 'test-password-123' });
    expect(auditor.status).toBe(403);
    expect(auditor.text).toContain('Only ADMIN');
    for (const res of [...refusals, wrong, auditor]) {
      expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).join()).not.toMatch(/mae_queues=/);
    }
  });

  it('logs an ADMIN in and goes back to the board, whose page and assets then load', async () => {
    const form = await openForm('/admin/queues/queue/reminders');
    expect(form.res.text).toContain('name="next" value="/admin/queues/queue/reminders"');
    const res = await submit(form, { username: 'admin', password: 'admin-test-pass', next: '/admin/queues/queue/reminders' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/queues/queue/reminders');
    const session = ([] as string[]).concat(res.headers['set-cookie']).find((c) => c.startsWith(`${QUEUE_SESSION_COOKIE}=`));
    expect(session).toContain('Path=/admin/queues');
    expect(session).toContain('SameSite=Strict');
    const pair = (session as string).split(';')[0];

    const board = await page().set('Cookie', pair);
    expect(board.status).toBe(200);
    expect(board.headers['content-type']).toMatch(/text\/html/);
    expect(board.headers['x-powered-by']).toBeUndefined();
    expect(board.headers['content-security-policy']).toContain("script-src 'self'");
    // Every script and stylesheet the page names is served (same origin, allowed by the policy above).
    const assets = [...board.text.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => `/admin/queues/${m[1]}`);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const served = await raw().get(asset).set('Cookie', pair);
      expect([asset, served.status]).toEqual([asset, 200]);
      expect(served.headers['x-powered-by']).toBeUndefined();
    }
    expect((await raw().get('/admin/queues/api/queues').set('Cookie', pair)).status).toBe(200);
  });

  it('never sends the browser anywhere but the board after logging in', async () => {
    for (const next of ['https://evil.example/', '//evil.example/admin/queues', '/api/v1/users', '/admin/queues/login']) {
      const form = await openForm();
      const res = await submit(form, { username: 'admin', password: 'admin-test-pass', next });
      expect([next, res.status, res.headers.location]).toEqual([next, 303, '/admin/queues']);
    }
  });
});
