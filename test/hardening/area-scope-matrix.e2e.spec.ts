import request from 'supertest';
import { AREA_ROUTE_POLICY, FIELD_KIND } from '#libs/auth';
import { RequestContext, type Actor } from '#libs/common';
import { createTestApp, type TestApp } from '#libs/testing';
import { SEED_STEPS } from '../../scripts/seed.js';

/**
 * The authorization matrix of area scopes: every operation of the served document × every area-bound role
 * (FUND_ADMIN, LOAN_OFFICER, AUDITOR) × a user inside the area that owns the demo data (district 淄川区) and a user of
 * another district. Enumerated from /docs-json, so a new endpoint is in the matrix without touching this file.
 *
 * - Outside: every call naming a demo object is refused (404 for a path id, 403 AREA_OUT_OF_SCOPE for a body id,
 *   403 AREA_CITY_ONLY for city-level operations) and writes nothing; every list and city-wide read it may make
 *   answers without one demo object or name in it.
 * - Inside: no call is refused for scope (only the city-level operations say AREA_CITY_ONLY), and every filtered list
 *   shows exactly what the city-wide user of the same role sees (all the demo data lies in the district).
 */
const API = '/api/v1';
const SEED_ACTOR: Actor = { userId: null, username: 'seed', role: 'SYSTEM', bankId: null, via: 'system' };
const ROLES = ['FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const;
/** Names and codes of the demo district, its town and villages: none may reach a user of another district. */
const MARKERS = ['淄川', '岭子', '东坪', '西坪', '370302'];

const KIND_TABLE: Record<string, string> = {
  district: 'districts',
  town: 'towns',
  village: 'villages',
  household: 'households',
  entity: 'operating_entities',
  group: 'liability_groups',
  fund: 'mutual_aid_funds',
  loan: 'loans',
  repayment: 'repayments',
  risk_fund: 'risk_funds',
  agreement: 'guarantee_agreements',
  claim: 'compensation_claims',
  aip_project: 'aip_projects',
  subsidy_programme: 'subsidy_programmes',
  subsidy_claim: 'subsidy_claims',
  poverty_line: 'poverty_lines',
  reminder: 'reminder_outbox',
  reminder_endpoint: 'reminder_endpoints',
};

interface Op {
  method: string;
  path: string;
  /** Express form, as the policy table keys it */
  route: string;
  bodyFields: string[];
}

let t: TestApp;
let ops: Op[] = [];
let demoDistrict: string;
/** ids of every demo object, by kind, located in the demo district */
const inDemo = new Map<string, Set<string>>();
const first = new Map<string, string>();
const tokens: Record<string, { inside: string; outside: string; city: string }> = {};

async function token(t: TestApp, admin: string, username: string, role: string, area?: { kind: string; id: string }) {
  const password = 'area-matrix-pass-1';
  const res = await request(t.http)
    .post(`${API}/users`)
    .set('Authorization', `Bearer ${admin}`)
    .send({ username, displayName: username, password, role, ...(area ? { areaKind: area.kind, areaId: area.id } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const login = await request(t.http).post(`${API}/auth/login`).send({ username, password });
  return login.body.accessToken as string;
}

beforeAll(async () => {
  t = await createTestApp({ DOCS_PUBLIC: 'true', API_RATE_LIMIT_PER_MINUTE: '1000000' });
  for (const [i, step] of SEED_STEPS.entries()) {
    await RequestContext.run({ requestId: `seed:${i + 1}`, actor: SEED_ACTOR }, () => step.run(t.app));
  }
  const ds = t.db.dataSource;
  const admin = await t.tokenFor('ADMIN', { username: 'matrix-admin' });
  [{ id: demoDistrict }] = (await ds.query(`SELECT id::text FROM districts WHERE code = '370302'`)) as { id: string }[];
  const other = await request(t.http)
    .post(`${API}/districts`)
    .set('Authorization', `Bearer ${admin}`)
    .send({ code: '370304', name: '博山区', heavyTask: false });
  expect(other.status, JSON.stringify(other.body)).toBe(201);

  for (const [kind, table] of Object.entries(KIND_TABLE)) {
    const rows = (await ds.query(
      `SELECT x.id::text FROM ${table} x CROSS JOIN LATERAL area_of($1, x.id) a WHERE a.district_id = $2 ORDER BY x.id`,
      [kind, demoDistrict],
    )) as { id: string }[];
    inDemo.set(kind, new Set(rows.map((r) => r.id)));
    if (rows[0]) first.set(kind, rows[0].id);
  }
  for (const role of ROLES) {
    const r = role.toLowerCase().replace(/_/g, '-');
    tokens[role] = {
      inside: await token(t, admin, `${r}-inside`, role, { kind: 'DISTRICT', id: demoDistrict }),
      outside: await token(t, admin, `${r}-outside`, role, { kind: 'DISTRICT', id: other.body.id as string }),
      city: await token(t, admin, `${r}-city`, role),
    };
  }

  const doc = (await request(t.http).get('/docs-json')).body as {
    paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith(API)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (Array.isArray(op.security) && op.security.length === 0) continue; // public: no caller, no area
      const ref = Object.values(op.requestBody?.content ?? {})[0]?.schema?.$ref;
      const props = ref ? Object.keys(doc.components.schemas[ref.split('/').pop()!]?.properties ?? {}) : [];
      ops.push({
        method,
        path,
        route: `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`,
        bodyFields: props.filter((p) => FIELD_KIND[p]),
      });
    }
  }
  // reads first, so the writes the inside users make cannot change what the reads compare
  ops = ops.sort((a, b) => Number(a.method !== 'get') - Number(b.method !== 'get') || a.path.localeCompare(b.path));
}, 240_000);

afterAll(async () => {
  await t?.close();
});

const SEGMENT_KIND: Record<string, string> = {
  households: 'household',
  entities: 'entity',
  groups: 'group',
  districts: 'district',
  towns: 'town',
  villages: 'village',
  loans: 'loan',
  'loan-applications': 'loan',
  'covered-loans': 'loan',
  repayments: 'repayment',
  'mutual-aid-funds': 'fund',
  'risk-funds': 'risk_fund',
  'guarantee-agreements': 'agreement',
  'compensation-claims': 'claim',
  projects: 'aip_project',
  programmes: 'subsidy_programme',
  claims: 'subsidy_claim',
  'poverty-lines': 'poverty_line',
  reminders: 'reminder',
  'reminder-endpoints': 'reminder_endpoint',
};

/** A URL naming demo objects: `{id}` by the segment before it, other parameters by name. */
function urlOf(op: Op): { url: string; namesDemo: boolean; missing: boolean } {
  let namesDemo = false;
  let missing = false;
  const parts = op.path.split('/');
  const url = parts
    .map((part, i) => {
      const m = /^\{(.+)\}$/.exec(part);
      if (!m) return part;
      const name = m[1]!;
      const prev = parts[i - 1]!;
      const kind =
        name === 'id'
          ? prev === 'claims' && parts[i - 2] !== 'subsidy'
            ? undefined
            : prev === 'loans' && parts[i - 2] === 'subsidy'
              ? 'loan'
              : SEGMENT_KIND[prev]
          : name === 'householdId'
            ? 'household'
            : name === 'districtId'
              ? 'district'
              : undefined;
      if (kind && first.get(kind)) {
        namesDemo = true;
        return first.get(kind)!;
      }
      if (kind) missing = true; // the demo district has no such object (or only a city-level one): nothing to protect
      if (name === 'code') {
        namesDemo = true;
        return encodeURIComponent(`MAF:${first.get('fund')}:CASH`);
      }
      if (name === 'month') return '2026-11';
      if (name === 'year') return '2026';
      if (name === 'version') return '1';
      if (name === 'businessDate') return '2026-11-30';
      return '1';
    })
    .join('/');
  return { url, namesDemo, missing };
}

function bodyOf(op: Op): Record<string, unknown> {
  return Object.fromEntries(
    op.bodyFields.map((f) => {
      const id = first.get(FIELD_KIND[f]!) ?? '1';
      return [f, f.endsWith('Ids') ? [id] : id];
    }),
  );
}

async function call(op: Op, tok: string) {
  const { url } = urlOf(op);
  const req = request(t.http)[op.method as 'get'](url).set('Authorization', `Bearer ${tok}`);
  return op.method === 'get' ? req : req.send(bodyOf(op));
}

/** Demo objects a response names in an id field (by the field's kind) or by name. */
function leaks(body: unknown, listKind?: string): string[] {
  const found: string[] = [];
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  for (const m of MARKERS) if (text.includes(m)) found.push(`marker ${m}`);
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 6) return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1));
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // an audit entry's entityId names an object of its entityType, not an operating entity
      const kind = k === 'entityId' && 'entityType' in (v as object) ? undefined : FIELD_KIND[k];
      if (kind && (typeof x === 'string' || typeof x === 'number') && inDemo.get(kind)?.has(String(x))) {
        found.push(`${k}=${x}`);
      }
      walk(x, depth + 1);
    }
  };
  walk(body, 0);
  const items = (body as { items?: unknown[] })?.items;
  if (listKind && Array.isArray(items)) {
    for (const it of items as { id?: unknown }[]) if (inDemo.get(listKind)?.has(String(it.id))) found.push(`item ${it.id}`);
  }
  return found;
}

/**
 * Lists where the city holds more than the demo district: the audit log (entries about users, products, banks),
 * the districts (the second district made here) and the contributions register (the city's subsidy programme).
 */
const WIDER_THAN_THE_DISTRICT = new Set([
  'GET /api/v1/audit',
  'GET /api/v1/districts',
  'GET /api/v1/funding/contributions',
  'GET /api/v1/ledger/accounts', // the city's own accounts (the subsidy programme's, the banks' settlement accounts)
]);

const listKindOf = (op: Op) => SEGMENT_KIND[op.path.split('/').pop()!];

describe('area scopes: every operation × role × inside / outside the area', () => {
  for (const role of ROLES) {
    it(`${role}: outside the area nothing is reached or leaked; inside nothing is refused for scope`, async () => {
      const problems: string[] = [];
      let checked = 0;
      for (const op of ops) {
        const { namesDemo, missing } = urlOf(op);
        if (missing) continue;
        const policy = AREA_ROUTE_POLICY[op.route];
        const out = await call(op, tokens[role]!.outside);
        if (out.status === 403 && out.body?.code === 'FORBIDDEN') continue; // the role may not call it at all
        checked++;
        const what = `${op.route} as ${role}`;
        if (out.status >= 500) problems.push(`${what} outside: ${out.status} ${out.body?.code ?? ''}`);
        const refused =
          (out.status === 404 && out.body?.code === 'NOT_FOUND') ||
          (out.status === 403 && ['AREA_OUT_OF_SCOPE', 'AREA_CITY_ONLY'].includes(out.body?.code));
        if (!refused) {
          const mayAnswer = !namesDemo && (policy === 'FILTERED' || policy === 'CITY_WIDE');
          if (!mayAnswer) problems.push(`${what} outside: ${out.status} ${out.body?.code ?? ''} (expected a scope refusal)`);
          const found = out.status < 300 ? leaks(out.type?.includes('json') ? out.body : out.text, listKindOf(op)) : [];
          if (found.length) problems.push(`${what} outside leaks ${found.slice(0, 5).join(', ')}`);
        }
        if (op.method === 'get' && out.status < 300) {
          // answers for the whole city and the district must agree (the demo data all lies in the district)
          const [inside, city] = [await call(op, tokens[role]!.inside), await call(op, tokens[role]!.city)];
          if (inside.status >= 500) problems.push(`${what} inside: ${inside.status} ${inside.body?.code ?? ''}`);
          if (inside.status !== city.status) problems.push(`${what} inside ${inside.status} ≠ city ${city.status}`);
          else if (policy === 'FILTERED' && !WIDER_THAN_THE_DISTRICT.has(op.route) && inside.body?.total !== city.body?.total) {
            problems.push(`${what} inside total ${inside.body?.total} ≠ city total ${city.body?.total}`);
          }
        } else if (op.method === 'get') {
          const inside = await call(op, tokens[role]!.inside);
          if (inside.status >= 500) problems.push(`${what} inside: ${inside.status} ${inside.body?.code ?? ''}`);
          const cityOnly = policy === 'CITY_ONLY';
          if (cityOnly ? inside.body?.code !== 'AREA_CITY_ONLY' : ['AREA_OUT_OF_SCOPE', 'AREA_CITY_ONLY'].includes(inside.body?.code)) {
            problems.push(`${what} inside: ${inside.status} ${inside.body?.code}`);
          }
          if (!cityOnly && inside.status === 404) {
            const city = await call(op, tokens[role]!.city);
            if (city.status !== 404) problems.push(`${what} inside 404 but city ${city.status}`);
          }
        } else if (namesDemo || op.bodyFields.length) {
          const inside = await call(op, tokens[role]!.inside);
          if (inside.status >= 500) problems.push(`${what} inside: ${inside.status} ${inside.body?.code ?? ''}`);
          if (inside.body?.code === 'AREA_OUT_OF_SCOPE' || (inside.status === 404 && inside.body?.detail?.includes('not found') && namesDemo && (await call(op, tokens[role]!.city)).status !== 404)) {
            problems.push(`${what} inside: ${inside.status} ${inside.body?.code} ${inside.body?.detail ?? ''}`);
          }
        }
      }
      expect(checked).toBeGreaterThan(40);
      expect(problems).toEqual([]);
    }, 300_000);
  }
});

describe('area scopes: a village is narrower than its town and district', () => {
  it('a village loan officer sees its village only, its town and district by name, never their figures', async () => {
    const admin = await t.tokenFor('ADMIN', { username: 'matrix-admin' });
    const ds = t.db.dataSource;
    const [east, west] = (await ds.query(`SELECT id::text FROM villages WHERE code IN ('370302106201','370302106202') ORDER BY code`)) as { id: string }[];
    const officer = await token(t, admin, 'west-officer', 'LOAN_OFFICER', { kind: 'VILLAGE', id: west!.id });
    const get = (url: string) => request(t.http).get(`${API}${url}`).set('Authorization', `Bearer ${officer}`);

    const households = await get('/households?pageSize=500');
    const westCount = (await ds.query(`SELECT count(*)::int AS n FROM households WHERE village_id = $1`, [west!.id])) as { n: number }[];
    expect(households.body.total).toBe(westCount[0]!.n);
    expect(households.body.items.every((h: { villageId: string }) => h.villageId === west!.id)).toBe(true);
    expect((await get('/mutual-aid-funds')).body.total).toBe(0); // the demo fund is 东坪村's
    const [eastHousehold] = (await ds.query(`SELECT id::text FROM households WHERE village_id = $1 LIMIT 1`, [east!.id])) as { id: string }[];
    expect((await get(`/households/${eastHousehold!.id}`)).status).toBe(404);
    expect((await get(`/districts/${demoDistrict}`)).status).toBe(200);
    expect((await get('/districts')).body.total).toBe(1);
    // the district's figures are not the village's: refused (404 for the area, or 403 where the role may not read them)
    expect([403, 404]).toContain((await get(`/districts/${demoDistrict}/breaker`)).status);
    expect((await get('/loans?pageSize=500')).body.items.every((l: { villageId: string | null }) => l.villageId === west!.id)).toBe(true);

    const create = await request(t.http)
      .post(`${API}/households`)
      .set('Authorization', `Bearer ${officer}`)
      .send({ villageId: east!.id });
    expect(create.status).toBe(403);
    expect(create.body).toMatchObject({ code: 'AREA_OUT_OF_SCOPE', errors: [{ field: 'villageId' }] });
  });

  it('a monthly report is cut to the reader’s district (totals summed over its row) or to its village’s funds', async () => {
    const admin = await t.tokenFor('ADMIN', { username: 'matrix-admin' });
    const ds = t.db.dataSource;
    const [{ month }] = (await ds.query(`SELECT max(period) AS month FROM report_snapshots`)) as { month: string }[];
    const [east] = (await ds.query(`SELECT id::text FROM villages WHERE code = '370302106201'`)) as { id: string }[];
    const city = await request(t.http).get(`${API}/reports/monthly/${month}`).set('Authorization', `Bearer ${tokens.AUDITOR!.city}`);
    const district = await request(t.http).get(`${API}/reports/monthly/${month}`).set('Authorization', `Bearer ${tokens.AUDITOR!.inside}`);
    expect(district.status).toBe(200);
    expect(district.body.data.districts).toEqual(city.body.data.districts.filter((d: { districtId: string }) => d.districtId === demoDistrict));
    expect(district.body.data.districts).toHaveLength(1);
    const row = district.body.data.districts[0];
    expect(district.body.data.totals).toMatchObject({ fundBalance: row.fundBalance, coveredOutstanding: row.coveredOutstanding, leverageRatio: row.leverageRatio, mutualAidCapital: row.mutualAidCapital });
    const other = await request(t.http).get(`${API}/reports/monthly/${month}`).set('Authorization', `Bearer ${tokens.AUDITOR!.outside}`);
    expect(other.body.data).toMatchObject({ districts: [], banks: [], funds: [], ranking: [], totals: { fundBalance: '0.00' } });

    const villageAuditor = await token(t, admin, 'east-auditor', 'AUDITOR', { kind: 'VILLAGE', id: east!.id });
    const village = await request(t.http).get(`${API}/reports/monthly/${month}`).set('Authorization', `Bearer ${villageAuditor}`);
    expect(village.body.data.districts).toEqual([]);
    expect(village.body.data.funds.map((f: { villageId: string }) => f.villageId)).toEqual([east!.id]);
    expect(village.body.data.totals.fundBalance).toBeNull();
  });

  it('ADMIN sets and changes a user’s area; a changed area ends the user’s tokens', async () => {
    const admin = await t.tokenFor('ADMIN', { username: 'matrix-admin' });
    const created = await request(t.http)
      .post(`${API}/users`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'moving-admin', displayName: 'm', password: 'area-matrix-pass-1', role: 'FUND_ADMIN', areaKind: 'DISTRICT', areaId: demoDistrict });
    expect(created.body).toMatchObject({ areaKind: 'DISTRICT', areaId: demoDistrict });
    const login = await request(t.http).post(`${API}/auth/login`).send({ username: 'moving-admin', password: 'area-matrix-pass-1' });
    const tok = login.body.accessToken as string;
    expect((await request(t.http).get(`${API}/auth/me`).set('Authorization', `Bearer ${tok}`)).status).toBe(200);
    const moved = await request(t.http)
      .patch(`${API}/users/${created.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ areaKind: 'CITY' });
    expect(moved.body).toMatchObject({ areaKind: 'CITY', areaId: null });
    expect((await request(t.http).get(`${API}/auth/me`).set('Authorization', `Bearer ${tok}`)).body.code).toBe('TOKEN_REVOKED');

    const bad = await request(t.http)
      .post(`${API}/users`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'bank-area', displayName: 'b', password: 'area-matrix-pass-1', role: 'ADMIN', areaKind: 'DISTRICT', areaId: demoDistrict });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('areaKind');
    const unknown = await request(t.http)
      .post(`${API}/users`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'nowhere', displayName: 'n', password: 'area-matrix-pass-1', role: 'AUDITOR', areaKind: 'VILLAGE', areaId: '999999' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('areaId');
  });
});
