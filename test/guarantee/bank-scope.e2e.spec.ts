import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FixedClock, ROLES_KEY } from '#libs/common';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';
import { createDistrict, type DistrictFixture } from './fixtures.js';
import { guaranteeHttp, type GuaranteeHttp } from './http-fixtures.js';

/**
 * Bank scoping, every operation a bank may call: enumerated from the served OpenAPI document and each handler's
 * @Roles metadata (a new endpoint open to BANK_OFFICER is covered without touching this file). Bank A lends in
 * district D1 and its figures carry markers (amounts and references no other row has). Bank B has no agreement in
 * D1 (it lends in D2); bank C has an agreement in D1 but no loan. Each of them calls every bank-callable operation
 * with every id of bank A's world: no response may carry a marker (a 200 with another bank's figures is a leak),
 * no call may change bank A's state, and D1's breaker is refused to B and shows C only its own (empty) share.
 */
const TODAY = '2026-03-05';
const clock = new FixedClock(new Date(`${TODAY}T04:00:00Z`));
let t: TestApp;
let g: GuaranteeHttp;

const A = {
  amount: '37777.77',
  repaid: '1234.56',
  outstanding: '36543.21',
  ref: 'LEAKMARK-A-0001',
} as const;

interface World {
  d1: DistrictFixture;
  fund1: string;
  bankA: { id: string; key: string; code: string; keyId: string };
  loanId: string;
  claimId: string;
  agreementA: string;
  coverId: string;
  bankB: { id: string; key: string; token: string };
  bankC: { id: string; key: string; token: string };
}
let w: World;

beforeAll(async () => {
  t = await createTestApp({}, clock);
  await seedBenchmarkRates(t.db.dataSource);
  await seedProducts(t.db.dataSource);
  const admin = await t.tokenFor('ADMIN');
  const fundAdmin = await t.tokenFor('FUND_ADMIN');
  g = guaranteeHttp(t, { admin, fundAdmin });
  const ds = t.db.dataSource;

  const d1 = await createDistrict(ds);
  const d2 = await createDistrict(ds);
  const fund1 = await g.riskFund({
    districtId: d1.districtId,
    deposit: '100000.00',
    receivedOn: '2026-01-15',
  });
  const fund2 = await g.riskFund({
    districtId: d2.districtId,
    deposit: '100000.00',
    receivedOn: '2026-01-15',
  });
  const a = await g.bankWithKey();
  const b = await g.bankWithKey();
  const c = await g.bankWithKey();
  const agreementA = await g.agreement({ riskFundId: fund1, bankId: a.id, validFrom: '2026-01-01' });
  await g.agreement({ riskFundId: fund2, bankId: b.id, validFrom: '2026-01-01' });
  await g.agreement({ riskFundId: fund1, bankId: c.id, validFrom: '2026-01-01' });

  const reg = await g.register(a.key, d1, {
    bankLoanRef: A.ref,
    amount: A.amount,
    disbursementDate: '2026-01-20',
  });
  expect(reg.status).toBe(201);
  const loanId = reg.body.id as string;
  expect((await g.repay(a.key, loanId, { paidOn: '2026-02-10', principal: A.repaid })).status).toBe(200);
  const st = await g.status(a.key, loanId, { asOf: TODAY, daysOverdue: 95 });
  expect(st.status).toBe(200);
  const claim = await g.claim(a.key, loanId, { memo: 'LEAKMARK claim' });
  expect(claim.status).toBe(201);
  // bank B's own business, in its own district
  expect(
    (
      await g.register(b.key, d2, {
        bankLoanRef: 'B-OWN-1',
        amount: '20000.00',
        disbursementDate: '2026-02-01',
      })
    ).status,
  ).toBe(201);
  for (const month of ['2026-01', '2026-02']) {
    const r = await apiCall(t.api(fundAdmin).POST('/api/v1/reports/monthly', { body: { month } }));
    expect(r.status).toBe(201);
  }
  const [{ code }] = await ds.query(`SELECT code FROM banks WHERE id = $1`, [a.id]);
  const [{ id: keyId }] = await ds.query(`SELECT id::text FROM bank_api_keys WHERE bank_id = $1`, [a.id]);
  const [{ id: coverId }] = await ds.query(`SELECT id::text FROM guarantee_covers WHERE loan_id = $1`, [
    loanId,
  ]);
  w = {
    d1,
    fund1,
    bankA: { ...a, code, keyId },
    loanId,
    claimId: claim.body.id,
    agreementA,
    coverId,
    bankB: { ...b, token: await t.tokenFor('BANK_OFFICER', { bankId: b.id }) },
    bankC: { ...c, token: await t.tokenFor('BANK_OFFICER', { bankId: c.id }) },
  };
}, 120_000);
afterAll(async () => t?.close());

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Operation {
  method: Method;
  path: string;
}

/** Every operation of the served document whose handler's @Roles admits BANK_OFFICER (bank officers and API keys). */
function bankOperations(): { ops: Operation[]; unmapped: string[] } {
  const doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().build());
  const controllers = new Map<string, { prototype: Record<string, unknown> }>();
  for (const mod of t.app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const type = wrapper.metatype as unknown as { name: string; prototype: Record<string, unknown> } | null;
      if (type) controllers.set(type.name, type);
    }
  }
  const ops: Operation[] = [];
  const unmapped: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      const [controller, handler] = (op.operationId ?? '').split('_');
      const type = controllers.get(controller);
      const fn = type?.prototype[handler];
      if (!type || typeof fn !== 'function') {
        unmapped.push(`${method} ${path}`);
        continue;
      }
      const roles = (Reflect.getMetadata(ROLES_KEY, fn) ?? Reflect.getMetadata(ROLES_KEY, type)) as
        string[] | undefined;
      if (roles?.includes('BANK_OFFICER')) ops.push({ method, path });
    }
  }
  return { ops, unmapped };
}

/** Bank A's ids: every path parameter is tried with each of them. */
function candidates(name: string): string[] {
  if (name === 'month') return ['2026-01', '2026-02'];
  if (name === 'version') return ['1'];
  if (name === 'keyId') return [w.bankA.keyId];
  return [
    w.loanId,
    w.claimId,
    w.bankA.id,
    w.agreementA,
    w.coverId,
    w.fund1,
    w.d1.districtId,
    w.d1.householdId,
    w.d1.entityId,
  ];
}

/** Every url of an operation: each path parameter with each candidate; a read also with each filter of bank A's. */
function expand(op: Operation): string[] {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  let out = [op.path];
  for (const name of names) {
    out = out.flatMap((p) => [...new Set(candidates(name))].map((v) => p.replace(`{${name}}`, v)));
  }
  if (op.method !== 'get') return out;
  const filters = [
    `bankId=${w.bankA.id}`,
    `districtId=${w.d1.districtId}`,
    `riskFundId=${w.fund1}`,
    `agreementId=${w.agreementA}`,
    `bankLoanRef=${A.ref}`,
  ];
  return out.flatMap((u) => [u, ...filters.map((f) => `${u}?${f}`)]);
}

/** A body worth sending to a bank's write: aimed at bank A's loan, borrower or claim. */
function bodyFor(op: Operation): Record<string, unknown> {
  const p = op.path;
  if (p === '/api/v1/covered-loans')
    return {
      bankLoanRef: 'B-TRY-REF',
      borrowerType: 'HOUSEHOLD',
      householdId: w.d1.householdId,
      productCode: 'HH_MICRO_STD',
      amount: '1000.00',
      termMonths: 12,
      purpose: 'BREEDING',
      disbursementDate: TODAY,
    };
  if (p === '/api/v1/covered-loans/reports')
    return {
      items: [
        { bankLoanRef: A.ref, kind: 'STATUS', asOf: TODAY, daysOverdue: 1 },
        { bankLoanRef: A.ref, kind: 'REPAYMENT', paidOn: TODAY, principal: '1.00' },
      ],
    };
  if (p.endsWith('/repayments')) return { paidOn: TODAY, principal: '1.00' };
  if (p.endsWith('/status')) return { asOf: TODAY, daysOverdue: 1 };
  if (p.endsWith('/cancel')) return { reason: 'not mine' };
  if (p.endsWith('/recoveries')) return { amount: '1.00', recoveredOn: TODAY };
  if (p.endsWith('/api-keys')) return { label: 'not mine' };
  return {};
}

const MARKERS = () => [A.amount, A.repaid, A.outstanding, A.ref, 'LEAKMARK', w.bankA.code];

async function stateOfBankA() {
  const [r] = await t.db.dataSource.query(
    `SELECT (SELECT count(*) FROM journal_entries)::int AS entries,
            (SELECT count(*) FROM loans)::int AS loans,
            (SELECT outstanding_principal_fen::text FROM loans WHERE id = $1) AS outstanding,
            (SELECT days_overdue FROM loans WHERE id = $1) AS overdue,
            (SELECT count(*) FROM covered_loan_reports)::int AS reports,
            (SELECT count(*) FROM compensation_claims)::int AS claims,
            (SELECT count(*) FROM bank_api_keys WHERE bank_id = $2 AND revoked_at IS NULL)::int AS keys`,
    [w.loanId, w.bankA.id],
  );
  return r;
}

async function sweep(caller: { key?: string; token?: string }) {
  const { ops } = bankOperations();
  const leaks: string[] = [];
  const served: string[] = [];
  for (const op of ops) {
    for (const url of expand(op)) {
      let req = g.http()[op.method](url);
      req = caller.token ? req.set(g.bearer(caller.token)) : req.set('X-Api-Key', caller.key!);
      const body = op.method === 'get' ? {} : bodyFor(op);
      if (op.method !== 'get') req = req.set('Idempotency-Key', g.idem('scope')).send(body);
      const res = await req;
      expect(res.status, `${op.method} ${url}`).toBeLessThan(500);
      const text = res.text ?? (res.body ? JSON.stringify(res.body) : '');
      // a marker the caller sent itself (a reference it reports on, echoed in a per-row refusal) is not a leak
      const sent = JSON.stringify(body) + url;
      const found = MARKERS().filter((m) => text.includes(m) && !sent.includes(m));
      if (found.length)
        leaks.push(`${op.method.toUpperCase()} ${url} → ${res.status} shows ${found.join(', ')}`);
      if (res.status < 300) served.push(`${op.method.toUpperCase()} ${url}`);
    }
  }
  return { leaks, served };
}

describe('bank scoping over every bank-callable operation', () => {
  it('enumerates the bank-callable operations from the served document and the roles metadata', () => {
    const { ops, unmapped } = bankOperations();
    expect(unmapped).toEqual([]);
    const keys = ops.map((o) => `${o.method} ${o.path}`);
    // the ones this test was written against are among them (a sanity check of the enumeration, not its limit)
    for (const k of [
      'get /api/v1/districts/{id}/breaker',
      'get /api/v1/covered-loans',
      'post /api/v1/covered-loans/{id}/status',
      'get /api/v1/banks/{id}/capacity',
      'get /api/v1/reports/monthly/{month}',
      'get /api/v1/loans/{id}',
    ])
      expect(keys).toContain(k);
    expect(ops.length).toBeGreaterThan(25);
  });

  it('bank A itself sees its markers (so the sweep can see a leak)', async () => {
    const own = await apiCall(t.api({ apiKey: w.bankA.key }).GET('/api/v1/covered-loans/{id}', { params: { path: { id: w.loanId } } }));
    expect(own.status).toBe(200);
    expect(JSON.stringify(own.body)).toContain(A.ref);
    const br = await g
      .http()
      .get(`/api/v1/districts/${w.d1.districtId}/breaker`)
      .set('X-Api-Key', w.bankA.key);
    expect(br.status).toBe(200);
    expect(br.body.live.ownBank).toMatchObject({
      coveredOutstanding: A.outstanding,
      nonPerforming: A.outstanding,
    });
  });

  it('a bank with no agreement in the district (officer token): no other bank figure, nothing changed', async () => {
    const before = await stateOfBankA();
    const { leaks } = await sweep({ token: w.bankB.token });
    expect(leaks).toEqual([]);
    expect(await stateOfBankA()).toEqual(before);
    const br = await g
      .http()
      .get(`/api/v1/districts/${w.d1.districtId}/breaker`)
      .set(g.bearer(w.bankB.token));
    expect(br.status).toBe(404);
  }, 120_000);

  it('a bank with an agreement but no loan in the district (API key): aggregates show its own share only', async () => {
    const before = await stateOfBankA();
    const { leaks } = await sweep({ key: w.bankC.key });
    expect(leaks).toEqual([]);
    expect(await stateOfBankA()).toEqual(before);
    const br = await g
      .http()
      .get(`/api/v1/districts/${w.d1.districtId}/breaker`)
      .set('X-Api-Key', w.bankC.key);
    expect(br.status).toBe(200);
    // the district's decision binds C too, but the money is C's own: nothing
    expect(br.body).toMatchObject({
      scope: 'OWN_BANK',
      state: 'SUSPENDED',
      live: { state: 'SUSPENDED', ownBank: { coveredOutstanding: '0.00', nonPerforming: '0.00' } },
    });
    for (const e of br.body.history.items)
      expect(Object.keys(e).sort()).toEqual(['at', 'from', 'id', 'thresholdPercent', 'to']);
  }, 120_000);
});
