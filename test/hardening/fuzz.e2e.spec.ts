import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { ERROR_STATUS, RequestContext, type Actor } from '#libs/common';
import { DEMO_BANK_OFFICER } from '#libs/guarantee';
import { createTestApp, type TestApp } from '#libs/testing';
import { SEED_STEPS } from '../../scripts/seed.js';

/**
 * Property-based fuzzing of the whole served API. Every operation of /docs-json (method + path) is called with
 * generated bad input — wrong types, out-of-range and fractional numbers, impossible dates, very long strings,
 * unicode edge cases, wrong enum values, arrays for objects, null, missing and extra fields — against the demo
 * data, as an ADMIN and as the demo bank's officer. No answer may be a 5xx; every 4xx must be problem+json with a
 * known code and must leave the database as it was.
 *
 * Bounded: FUZZ_RUNS samples per operation (default 3), plus null in each body field. The seed is FUZZ_SEED or the
 * clock, and is printed, so a failing run replays with `FUZZ_SEED=<seed> npx vitest run test/hardening/fuzz.e2e.spec.ts`.
 * FUZZ_SWEEP=1 adds 2^63 and 0000-01-01 in every field and query parameter.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 3));
const API = '/api/v1';

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  nullable?: boolean;
}
interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  params: Param[];
  body?: Schema;
  bodyType?: string;
}
interface Call {
  method: string;
  url: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  what: string;
}

let t: TestApp;
let doc: { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, Schema> } };
let ops: Operation[] = [];
let adminToken: string;
/** Per operation, the callers (ADMIN, staff roles, the demo bank's officer) its role guard lets through. */
const callers = new Map<Operation, string[]>();
/** Existing ids by path template prefix (e.g. '/api/v1/loans' → '12'), found through the list endpoints. */
const knownIds = new Map<string, string>();

const SEED_ACTOR: Actor = { userId: null, username: 'seed', role: 'SYSTEM', bankId: null, via: 'system' };

beforeAll(async () => {
  console.log(`[fuzz] FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} (replay: FUZZ_SEED=${SEED} npx vitest run test/hardening/fuzz.e2e.spec.ts)`);
  t = await createTestApp({ DOCS_PUBLIC: 'true', API_RATE_LIMIT_PER_MINUTE: '1000000' });
  for (const [i, step] of SEED_STEPS.entries()) {
    await RequestContext.run({ requestId: `seed:${i + 1}`, actor: SEED_ACTOR }, () => step.run(t.app));
  }
  adminToken = await t.tokenFor('ADMIN', { username: 'fuzz-admin' });
  const tokens = [
    adminToken,
    await t.tokenFor('FUND_ADMIN', { username: 'fuzz-fund-admin' }),
    await t.tokenFor('LOAN_OFFICER', { username: 'fuzz-loan-officer' }),
    await t.tokenFor('AUDITOR', { username: 'fuzz-auditor' }),
  ];
  const login = await request(t.http)
    .post(`${API}/auth/login`)
    .send({ username: DEMO_BANK_OFFICER.username, password: DEMO_BANK_OFFICER.password });
  expect(login.status).toBe(200);
  tokens.push(login.body.accessToken as string);
  const res = await request(t.http).get('/docs-json');
  expect(res.status).toBe(200);
  doc = res.body;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = raw as { parameters?: Param[]; requestBody?: { content: Record<string, { schema: Schema }> } };
      const content = op.requestBody?.content ?? {};
      const bodyType = Object.keys(content)[0];
      ops.push({
        method,
        path,
        params: (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query'),
        body: bodyType ? content[bodyType].schema : undefined,
        bodyType,
      });
    }
  }
  ops = ops.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
  await findIds();
  // Which callers pass each operation's role guard (guards run before validation: a path id that is no id and a
  // body that is no object are refused with 403 or, past the guard, with 400, so the probe writes nothing).
  for (const op of ops) {
    const allowed: string[] = [];
    const url = op.path.replace(/\{[^}]+\}/g, 'probe');
    for (const token of tokens) {
      let req = request(t.http)[op.method as 'get'](url).set('Authorization', `Bearer ${token}`);
      if (op.body || op.path.includes('{')) req = req.set('Content-Type', 'application/json').send('[]');
      else if (op.method !== 'get') continue; // no way to call it without doing it: ADMIN's sample only
      if ((await req).status !== 403) allowed.push(token);
    }
    callers.set(op, allowed.length ? allowed : [adminToken]);
  }
}, 180_000);
afterAll(async () => {
  await t?.close();
});

/** An existing id for each `{param}` of a path, read from the list endpoint of the collection it names. */
async function findIds(): Promise<void> {
  for (const op of ops) {
    if (op.method !== 'get' || op.path.includes('{')) continue;
    const res = await request(t.http).get(op.path).set('Authorization', `Bearer ${adminToken}`);
    if (res.status !== 200) continue;
    const body = res.body as unknown;
    const list = Array.isArray(body)
      ? body
      : body && typeof body === 'object'
        ? (Object.values(body).find((v) => Array.isArray(v) && v.length > 0) as unknown[] | undefined)
        : undefined;
    const first = list?.[0] as Record<string, unknown> | undefined;
    const id = first?.id ?? first?.code;
    if (id !== undefined && id !== null) knownIds.set(op.path, String(id));
  }
}

function idFor(template: string, param: string): string {
  const prefix = template.slice(0, template.indexOf(`{${param}}`) - 1);
  const known = knownIds.get(prefix);
  if (known) return known;
  return param.toLowerCase().includes('code') ? '370302' : '1';
}

function resolve(schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) s = doc.components.schemas[s.$ref.split('/').pop()!] ?? {};
  if (s.allOf?.length) s = { ...s, ...resolve(s.allOf[0]) };
  return s;
}

// ─── plausible values (the background a bad value is set into) ──────────────────────────────────────────────────

function plausible(schema: Schema | undefined, name: string, depth = 0): unknown {
  const s = resolve(schema);
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  if (s.oneOf?.length || s.anyOf?.length) return plausible((s.oneOf ?? s.anyOf)![0], name, depth);
  switch (s.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return depth > 4 ? [] : [plausible(s.items, name, depth + 1)];
    case 'object':
    case undefined:
      if (!s.properties) return s.type === 'object' ? {} : 'x';
      return Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, plausible(v, k, depth + 1)]),
      );
    default:
      if (s.format === 'date' || /(On|Date|^from|^to|^date|^asOf)$/.test(name)) return '2026-01-15';
      if (/amount|Amount|capital|Capital|principal|Principal/.test(name)) return '100.00';
      if (/[Rr]ate|[Pp]ercent/.test(name)) return '4.35';
      if (/[Ii]d$/.test(name)) return '1';
      if (/month|Month|period/.test(name)) return '2026-01';
      return 'fuzz';
  }
}

// ─── bad values ─────────────────────────────────────────────────────────────────────────────────────────────────

const badNumbers = fc.constantFrom<unknown>(
  '99999999999999999999',
  '1e30',
  '-1',
  '0',
  '1.5',
  '-0',
  '0x10',
  'NaN',
  'Infinity',
  '',
  ' 1',
  '9007199254740993',
  1e30,
  -1,
  1.5,
  2 ** 63,
  Number.MAX_SAFE_INTEGER + 2,
);
const badDates = fc.constantFrom(
  '0000-01-01',
  '2026-02-30',
  '99999-01-01',
  '2026-13-01',
  '2026-00-10',
  '2026-1-1',
  '-0001-01-01',
  '1900-01-01',
  '9999-12-31',
  '2026-02-29',
  '2026-01-15T25:00:00Z',
  '2026-W01',
  '20260115',
);
const badMoney = fc.constantFrom(
  '1e5',
  '-0.00',
  '0.001',
  '-100.00',
  '99999999999999999999.99',
  '9223372036854775807',
  '1,000.00',
  '１００.００',
  '.5',
  '5.',
);
const badStrings = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\ud800',
    'a\udc00b',
    '\u202eevil\u202c',
    '👨‍👩‍👧‍👦💰',
    '\ufeff',
    '\u200b',
    "'; DROP TABLE loans; --",
    '%00',
    '../../etc/passwd',
    'null',
    'true',
    '{}',
  ),
  fc.integer({ min: 300, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 50, max: 3_000 }).map((n) => '字'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const wrongTypes = fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, [], {}, [1, 2], { a: 1 }, 'fuzz', [[]], 1e308);

function badValueFor(schema: Schema | undefined, name: string): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const specific: fc.Arbitrary<unknown>[] = [];
  if (s.enum?.length) specific.push(fc.constantFrom('NOT_A_VALUE', String(s.enum[0]).toLowerCase(), ` ${String(s.enum[0])}`));
  if (s.type === 'integer' || s.type === 'number' || /[Ii]d$|^page|[Ll]imit|[Ss]ize|[Yy]ear|[Mm]onths|[Vv]ersion/.test(name))
    specific.push(badNumbers);
  if (s.format === 'date' || /(On|Date|^from|^to|^date|^asOf|At)$/.test(name) || s.pattern?.includes('\\d{4}'))
    specific.push(badDates);
  if (/amount|Amount|capital|Capital|principal|Principal|[Rr]ate|[Pp]ercent|fen|yuan/.test(name)) specific.push(badMoney);
  if (s.type === 'array') specific.push(fc.constantFrom<unknown>({}, 'x', [null], Array.from({ length: 5000 }, () => 1)));
  if (s.type === 'object' || s.properties) specific.push(fc.constantFrom<unknown>([], 'x', [{}]));
  return fc.oneof(...specific.map((a) => ({ arbitrary: a, weight: 3 })), { arbitrary: badStrings, weight: 1 }, { arbitrary: wrongTypes, weight: 1 });
}

// ─── one sample: which part of a request goes wrong, and how ──────────────────────────────────────────────────────

type Mutation =
  | { kind: 'param'; index: number; value: unknown }
  | { kind: 'field'; field: string; value: unknown }
  | { kind: 'drop'; field: string }
  | { kind: 'extra'; value: unknown }
  | { kind: 'body'; value: unknown }
  | { kind: 'raw'; text: string };

function mutationFor(op: Operation): fc.Arbitrary<Mutation[]> {
  const choices: fc.Arbitrary<Mutation>[] = [];
  op.params.forEach((p, index) => {
    choices.push(badValueFor(p.schema, p.name).map((value) => ({ kind: 'param' as const, index, value })));
  });
  const body = resolve(op.body);
  const fields = Object.entries(body.properties ?? {});
  if (op.body && op.bodyType === 'application/json') {
    for (const [field, schema] of fields) {
      choices.push(badValueFor(schema, field).map((value) => ({ kind: 'field' as const, field, value })));
      choices.push(fc.constant({ kind: 'drop' as const, field }));
    }
    choices.push(wrongTypes.map((value) => ({ kind: 'extra' as const, value })));
    choices.push(
      fc
        .constantFrom<unknown>(null, [], 'x', 1, [plausible(op.body, 'body')], nested(40))
        .map((value) => ({ kind: 'body' as const, value })),
    );
    choices.push(
      fc.constantFrom('{', '{"a":', 'null', '"x"', '{"a":1}{', '\u0000', '{"a":"\\u0000"}', HUGE_JSON).map((text) => ({ kind: 'raw' as const, text })),
    );
  } else if (op.body) {
    choices.push(fc.constantFrom('', 'x', '\ud800', 'a,b\n1,2', 'x'.repeat(50_000)).map((text) => ({ kind: 'raw' as const, text })));
  }
  if (choices.length === 0) return fc.constant([]);
  // mostly one thing wrong at a time (so the validator of that one field is what answers), sometimes a few
  return fc.oneof(
    { arbitrary: fc.oneof(...choices).map((m) => [m]), weight: 4 },
    { arbitrary: fc.array(fc.oneof(...choices), { minLength: 2, maxLength: 3 }), weight: 1 },
  );
}

/** A body beyond the size limit (answered 413 PAYLOAD_TOO_LARGE). */
const HUGE_JSON = `[${'1,'.repeat(3_000_000)}1]`;

/**
 * Besides the random samples, every body field set to null in turn (a null slips past @IsOptional, and random
 * samples seldom hit one given field); FUZZ_SWEEP=1 adds 2^63 and 0000-01-01 for every field and query parameter.
 */
function sweep(op: Operation): Mutation[][] {
  const out: Mutation[][] = [];
  const values: unknown[] = process.env.FUZZ_SWEEP ? [null, 2 ** 63, '9223372036854775808', '0000-01-01'] : [null];
  for (const field of Object.keys(resolve(op.body).properties ?? {}))
    for (const value of values) out.push([{ kind: 'field', field, value }]);
  op.params.forEach((p, index) => {
    if (p.in === 'query') for (const value of values.slice(1)) out.push([{ kind: 'param', index, value }]);
  });
  return out;
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

function build(op: Operation, mutations: Mutation[]): Call {
  const values = new Map<number, unknown>();
  op.params.forEach((p, i) => {
    if (p.in === 'path') values.set(i, idFor(op.path, p.name));
  });
  let body: unknown = op.body && op.bodyType === 'application/json' ? plausible(op.body, 'body') : undefined;
  let raw: string | undefined;
  for (const m of mutations) {
    if (m.kind === 'param') values.set(m.index, m.value);
    else if (m.kind === 'field' && body && typeof body === 'object' && !Array.isArray(body))
      (body as Record<string, unknown>)[m.field] = m.value;
    else if (m.kind === 'drop' && body && typeof body === 'object' && !Array.isArray(body))
      delete (body as Record<string, unknown>)[m.field];
    else if (m.kind === 'extra' && body && typeof body === 'object' && !Array.isArray(body))
      (body as Record<string, unknown>).fuzzExtra = m.value;
    else if (m.kind === 'body') body = m.value;
    else if (m.kind === 'raw') raw = m.text;
  }
  let url = op.path;
  const query: string[] = [];
  op.params.forEach((p, i) => {
    const v = values.get(i);
    if (v === undefined) return;
    // a URL is kept under Node's 16 KiB header limit (beyond it Node itself answers 431, before any handler)
    const text = (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 400);
    const name = encodeURIComponent(p.name);
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encode(text === '' ? '%20' : text));
    // an array is the parameter given twice (?status=A&status=B), an object is ?name[key]=value
    else if (Array.isArray(v) && v.length > 0 && v.length < 10) for (const item of v) query.push(`${name}=${encode(String(item))}`);
    else if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k, item] of Object.entries(v)) query.push(`${name}[${encode(k)}]=${encode(String(item))}`);
    else query.push(`${name}=${encode(text)}`);
  });
  if (query.length) url += `?${query.join('&')}`;
  return {
    method: op.method,
    url,
    body: raw === undefined ? body : undefined,
    raw,
    contentType: raw !== undefined ? (op.bodyType ?? 'application/json') : undefined,
    what: JSON.stringify(mutations, (_k, v: unknown) => (typeof v === 'string' && v.length > 60 ? `${v.slice(0, 20)}…(${v.length})` : v)),
  };
}

/** Percent-encodes a value, lone surrogates included (encodeURIComponent throws on them). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return Array.from(text, (ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        return '%ED%A0%80';
      }
    }).join('');
  }
}

async function send(call: Call, token: string): Promise<request.Response> {
  let req = request(t.http)[call.method as 'get'](call.url).set('Authorization', `Bearer ${token}`);
  if (call.method !== 'get') req = req.set('Idempotency-Key', randomUUID());
  if (call.raw !== undefined) return req.set('Content-Type', call.contentType!).send(call.raw);
  if (call.body !== undefined) return req.set('Content-Type', 'application/json').send(JSON.stringify(call.body));
  return req;
}

// ─── state: what a refused request must leave as it was ──────────────────────────────────────────────────────────

/** Tables a refused request may legitimately write to (none known so far). */
const VOLATILE = new Set<string>([]);

async function nextXid(): Promise<string> {
  const [row] = (await t.db.dataSource.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`)) as { x: string }[];
  return row.x;
}

/** A digest of every table's content: equal digests mean nothing was written. */
async function fingerprint(): Promise<Map<string, string>> {
  const tables = (await t.db.dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  )) as { tablename: string }[];
  const names = tables.map((r) => r.tablename).filter((n) => !VOLATILE.has(n) && n !== 'migrations');
  const sql = names
    .map((n) => `SELECT '${n}' AS t, (SELECT count(*) || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '') FROM "${n}" x) AS d`)
    .join(' UNION ALL ');
  const rows = (await t.db.dataSource.query(sql)) as { t: string; d: string }[];
  return new Map(rows.map((r) => [r.t, r.d]));
}

function diff(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...a.keys()].filter((k) => a.get(k) !== b.get(k));
}

// ─── the property ─────────────────────────────────────────────────────────────────────────────────────────────────

/** The stable codes a refusal may carry (INTERNAL belongs to a 500 only). */
const KNOWN_CODES = new Set(Object.keys(ERROR_STATUS).filter((c) => c !== 'INTERNAL'));

describe('fuzzing every operation of the served API', () => {
  it('sees a write: a changed row changes the digest of its table, and the next transaction id', async () => {
    const before = await fingerprint();
    const xid = await nextXid();
    await t.db.dataSource.query(`UPDATE users SET display_name = display_name || '.' WHERE username = 'fuzz-auditor'`);
    expect(diff(before, await fingerprint())).toEqual(['users']);
    expect(await nextXid()).not.toBe(xid);
    await t.db.dataSource.query(`UPDATE users SET display_name = left(display_name, -1) WHERE username = 'fuzz-auditor'`);
    expect(diff(before, await fingerprint())).toEqual([]);
  });

  it('answers no bad input with a 5xx, and refuses it with problem+json without writing anything', async () => {
    const failures: string[] = [];
    const started = Date.now();
    let calls = 0;
    let checked = 0;
    const statuses = new Map<number, number>();
    let state = await fingerprint();
    let xid = await nextXid();
    for (const [i, op] of ops.entries()) {
      // the samples go round the callers the operation lets through (the bank's officer among them where a bank may call)
      const allowed = callers.get(op)!;
      const samples = fc.sample(mutationFor(op), { seed: SEED + i, numRuns: RUNS });
      samples.push(...sweep(op));
      for (const [s, mutations] of samples.entries()) {
        const call = build(op, mutations);
        const token = allowed[s % allowed.length];
        const res = await send(call, token);
        calls++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${op.method.toUpperCase()} ${op.path} ${call.url.slice(0, 160)} ${call.what.slice(0, 300)}`;
        if (res.status >= 500) {
          failures.push(`${res.status} ${where} → ${JSON.stringify(res.body).slice(0, 300)}`);
        } else if (res.status >= 400) {
          const type = String(res.headers['content-type'] ?? '');
          if (!type.startsWith('application/problem+json') || !KNOWN_CODES.has(res.body?.code))
            failures.push(`${res.status} not problem+json with a known code: ${where} → ${type} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
        const x = await nextXid();
        if (x === xid) continue; // no transaction wrote to the database
        const now = await fingerprint();
        checked++;
        if (res.status >= 400) {
          const changed = diff(state, now);
          if (changed.length) failures.push(`${res.status} changed ${changed.join(', ')}: ${where}`);
        }
        state = now;
        xid = await nextXid();
      }
    }
    const verify = await request(t.http).get(`${API}/ledger/verify`).set('Authorization', `Bearer ${adminToken}`);
    if (verify.body?.ok !== true) failures.push(`ledger verify: ${JSON.stringify(verify.body).slice(0, 500)}`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `[fuzz] ${ops.length} operations × ${RUNS} samples, and null in each body field: ${calls} calls in ${seconds} s ` +
        `(${checked} after a database write compared table by table); statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    if (failures.length) console.log(`[fuzz] FUZZ_SEED=${SEED}\n${failures.join('\n')}`);
    expect(failures).toEqual([]);
  }, 600_000);
});
