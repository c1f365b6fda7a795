import request from 'supertest';
import { GuaranteeService } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { yuan } from '#libs/money';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';
import { createCoveredLoan, createDistrict, type DistrictFixture } from './fixtures.js';

let t: TestApp;
let admin: string;
let fundAdmin: string;
let auditor: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
  fundAdmin = await t.tokenFor('FUND_ADMIN');
  auditor = await t.tokenFor('AUDITOR');
});
afterAll(async () => t.close());
afterEach(async () => {
  const report = await t.app.get(LedgerService).verify();
  expect(report.ok).toBe(true);
});

let n = 0;
const idem = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
/** A bank's calls, authenticated by its API key alone. */
const withKey = (apiKey: string) => t.api({ apiKey });

async function bank(code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`) {
  const res = await apiCall(t.api(admin).POST('/api/v1/banks', { body: { code, name: `Bank ${code}` } }));
  expect(res.status).toBe(201);
  return res.body as { id: string; code: string };
}

async function fund(district: DistrictFixture) {
  const res = await apiCall(t.api(fundAdmin).POST('/api/v1/risk-funds', { body: { districtId: district.districtId } }));
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

const deposit = (fundId: string, body: object, key = idem('dep'), token = fundAdmin) =>
  apiCall(
    t.api(token).POST('/api/v1/risk-funds/{id}/deposits', {
      params: { path: { id: fundId }, header: { 'Idempotency-Key': key } },
      body: body as never,
    }),
  );

async function counts() {
  const [r] = await t.db.dataSource.query(
    `SELECT (SELECT count(*) FROM journal_entries)::int AS entries, (SELECT count(*) FROM risk_fund_movements)::int AS movements,
            (SELECT count(*) FROM contributions)::int AS contributions, (SELECT count(*) FROM guarantee_agreements)::int AS agreements`,
  );
  return r;
}

describe('banks and API keys', () => {
  it('lets only ADMIN register banks, with problem+json for bad or duplicate input', async () => {
    const b = await bank();
    expect(
      (await apiCall(t.api(fundAdmin).POST('/api/v1/banks', { body: { code: 'XBANK', name: 'X' } }))).status,
    ).toBe(403);
    const dup = await apiCall(t.api(admin).POST('/api/v1/banks', { body: { code: b.code, name: 'again' } }));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'BANK_CODE_TAKEN', errors: [{ field: 'code' }] });
    const bad = await apiCall(
      t.api(admin).POST('/api/v1/banks', { body: { code: 'lower case', name: '', extra: 1 } as never }),
    );
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['code', 'extra', 'name']);
    const list = await apiCall(t.api(auditor).GET('/api/v1/banks', { params: { query: { code: b.code } } }));
    expect(list.body).toMatchObject({ total: 1, items: [{ id: b.id, code: b.code }] });
    expect((await apiCall(t.api().GET('/api/v1/banks'))).status).toBe(401);
  });

  it('issues a key once, authenticates the bank with it, scopes it to that bank, and revokes it', async () => {
    const a = await bank();
    const b = await bank();
    const officerA = await t.tokenFor('BANK_OFFICER', { bankId: a.id });
    const officerB = await t.tokenFor('BANK_OFFICER', { bankId: b.id });
    const bankPath = (id: string) => ({ params: { path: { id } } });

    // a bank sees only itself
    const mine = await apiCall(t.api(officerA).GET('/api/v1/banks'));
    expect(mine.body.items.map((x: { id: string }) => x.id)).toEqual([a.id]);
    expect((await apiCall(t.api(officerA).GET('/api/v1/banks/{id}', bankPath(b.id)))).status).toBe(404);
    expect(
      (
        await apiCall(
          t.api(officerB).POST('/api/v1/banks/{id}/api-keys', { ...bankPath(a.id), body: { label: 'theirs' } }),
        )
      ).status,
    ).toBe(404);

    const created = await apiCall(
      t.api(officerA).POST('/api/v1/banks/{id}/api-keys', { ...bankPath(a.id), body: { label: 'core banking' } }),
    );
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^mae_live_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    const [stored] = await t.db.dataSource.query(`SELECT key_hash FROM bank_api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(stored.key_hash).not.toContain(key.slice(22));
    expect(
      JSON.stringify(
        await t.db.dataSource.query(
          `SELECT before, after FROM audit_log WHERE action = 'BANK_API_KEY_CREATED'`,
        ),
      ),
    ).not.toContain(key.slice(22));

    // the key is never shown again
    const listed = await apiCall(t.api(officerA).GET('/api/v1/banks/{id}/api-keys', bankPath(a.id)));
    expect(listed.body.items[0]).toMatchObject({
      id: created.body.id,
      keyPreview: created.body.keyPreview,
      active: true,
      lastUsedAt: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const me = await apiCall(withKey(key).GET('/api/v1/auth/me'));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'BANK_OFFICER', bankId: Number(a.id), via: 'api-key' });
    expect((await apiCall(withKey(key).GET('/api/v1/banks/{id}', bankPath(a.id)))).status).toBe(200);
    expect((await apiCall(withKey(key).GET('/api/v1/banks/{id}', bankPath(b.id)))).status).toBe(404);
    expect((await apiCall(withKey(key).GET('/api/v1/banks/{id}/capacity', bankPath(b.id)))).status).toBe(404);
    // a key cannot mint keys, nor reach what banks may not
    expect(
      (await apiCall(withKey(key).POST('/api/v1/banks/{id}/api-keys', { ...bankPath(a.id), body: { label: 'more' } })))
        .status,
    ).toBe(403);
    expect((await apiCall(withKey(key).GET('/api/v1/risk-funds'))).status).toBe(403);
    const [used] = await t.db.dataSource.query(`SELECT last_used_at FROM bank_api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(used.last_used_at).not.toBeNull();

    // a key that is malformed, forged (right id, wrong secret) or revoked is refused
    expect((await apiCall(withKey('nope').GET('/api/v1/auth/me'))).status).toBe(401);
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await apiCall(withKey(forged).GET('/api/v1/auth/me'))).status).toBe(401);
    const keyPath = { params: { path: { id: a.id, keyId: created.body.id as string } } };
    expect((await apiCall(t.api(officerB).DELETE('/api/v1/banks/{id}/api-keys/{keyId}', keyPath))).status).toBe(404);
    const revoked = await apiCall(t.api(officerA).DELETE('/api/v1/banks/{id}/api-keys/{keyId}', keyPath));
    expect(revoked.body).toMatchObject({ active: false, revokedBy: 'bank-officer-b' + a.id });
    const after = await apiCall(withKey(key).GET('/api/v1/auth/me'));
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
    // revoking twice is harmless
    expect((await apiCall(t.api(admin).DELETE('/api/v1/banks/{id}/api-keys/{keyId}', keyPath))).status).toBe(200);
  });
});

describe('risk funds over HTTP', () => {
  it('creates one fund per district and refuses an unknown district', async () => {
    const d = await createDistrict(t.db.dataSource, { heavyTask: true });
    const f = await fund(d);
    const again = await apiCall(t.api(fundAdmin).POST('/api/v1/risk-funds', { body: { districtId: d.districtId } }));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('RISK_FUND_DISTRICT_HAS_FUND');
    const unknown = await apiCall(t.api(fundAdmin).POST('/api/v1/risk-funds', { body: { districtId: '999999' } }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'districtId' })]);
    const got = await apiCall(t.api(auditor).GET('/api/v1/risk-funds/{id}', { params: { path: { id: f.id } } }));
    expect(got.body).toMatchObject({
      balance: '0.00',
      minimumFund: '5000000.00',
      minimumApplies: true,
      belowMinimum: true,
      minimumShortfall: '5000000.00',
    });
    expect((await apiCall(t.api(auditor).GET('/api/v1/risk-funds/{id}', { params: { path: { id: 'abc' } } }))).status).toBe(400);
  });

  it('takes deposits with an Idempotency-Key, replays the first response, refuses bad input writing nothing', async () => {
    const d = await createDistrict(t.db.dataSource);
    const f = await fund(d);
    const before = await counts();
    const noKey = await apiCall(
      t.api(fundAdmin).POST('/api/v1/risk-funds/{id}/deposits', {
        params: { path: { id: f.id } } as never,
        body: { source: 'CITY', amount: '1.00', receivedOn: '2026-01-15' },
      }),
    );
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const bad = await deposit(f.id, { source: 'BANK', amount: '1.234', receivedOn: '2026-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'amount',
      'receivedOn',
      'source',
    ]);
    const soe = await deposit(f.id, { source: 'SOE', amount: '10.00', receivedOn: '2026-01-15' });
    expect(soe.status).toBe(400);
    expect(soe.body.errors.map((e: { field: string }) => e.field)).toContain('soeName');
    expect(await counts()).toEqual(before);

    const key = idem('dep');
    const body = {
      source: 'CITY',
      amount: '3000000.00',
      receivedOn: '2026-01-15',
      documentRef: 'ZCZ[2026]12',
    };
    const first = await deposit(f.id, body, key);
    expect(first.status).toBe(201);
    expect(first.body.fund).toMatchObject({ balance: '3000000.00', capital: { CITY: '3000000.00' } });
    const replay = await deposit(f.id, body, key);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const conflict = await deposit(f.id, { ...body, amount: '3000000.01' }, key);
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await counts()).movements).toBe(before.movements + 1);

    await deposit(f.id, { source: 'DISTRICT', amount: '2500000.00', receivedOn: '2026-02-01' });
    const interest = await apiCall(
      t.api(fundAdmin).POST('/api/v1/risk-funds/{id}/interest', {
        params: { path: { id: f.id }, header: { 'Idempotency-Key': idem('int') } },
        body: { amount: '13750.00', date: '2026-03-21' },
      }),
    );
    expect(interest.status).toBe(201);
    const list = await apiCall(
      t.api(auditor).GET('/api/v1/risk-funds/{id}/movements', {
        params: { path: { id: f.id }, query: { kind: 'DEPOSIT', from: '2026-01-20' } },
      }),
    );
    expect(list.body).toMatchObject({ total: 1, items: [{ source: 'DISTRICT', amount: '2500000.00' }] });
    const funds = await apiCall(t.api(auditor).GET('/api/v1/risk-funds', { params: { query: { districtId: d.districtId } } }));
    expect(funds.body.items[0]).toMatchObject({
      id: f.id,
      balance: '5513750.00',
      interestIncome: '13750.00',
    });
    // the bank side of the house has no business with district funds
    const officer = await t.tokenFor('BANK_OFFICER', { bankId: (await bank()).id });
    expect((await apiCall(t.api(officer).GET('/api/v1/risk-funds/{id}', { params: { path: { id: f.id } } }))).status).toBe(403);
    expect((await deposit(f.id, body, idem('dep'), auditor)).status).toBe(403);
  });

  it('refuses a withdrawal that would break the cover and the minimum with every reason, as problem+json 422', async () => {
    const d = await createDistrict(t.db.dataSource, { heavyTask: true });
    const b = await bank();
    const f = await fund(d);
    await deposit(f.id, { source: 'CITY', amount: '5200000.00', receivedOn: '2026-01-15' });
    const ag = await apiCall(
      t.api(fundAdmin).POST('/api/v1/guarantee-agreements', {
        body: { agreementNo: idem('AG'), riskFundId: f.id, bankId: b.id, validFrom: '2026-01-01' },
      }),
    );
    const l = await createCoveredLoan(t.db.dataSource, {
      district: d,
      bankId: b.id,
      principalFen: yuan('2000000.00'),
      status: 'APPROVED',
    });
    await t.db.dataSource.transaction((m) =>
      t.app.get(GuaranteeService).reserve(m, {
        agreementId: ag.body.id,
        loanId: l.id,
        amountFen: yuan('2000000.00'),
        idempotencyKey: 'test',
      }),
    );
    const before = await counts();
    const withdraw = (amount: string) =>
      apiCall(
        t.api(fundAdmin).POST('/api/v1/risk-funds/{id}/withdrawals', {
          params: { path: { id: f.id }, header: { 'Idempotency-Key': idem('wd') } },
          body: { source: 'CITY', amount, date: '2026-03-01', reason: 'return to city treasury' },
        }),
      );
    const res = await withdraw('5000001.00');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RISK_FUND_WITHDRAWAL_REFUSED');
    expect(res.body.errors.map((e: { code: string }) => e.code)).toEqual([
      'WITHDRAWAL_BREAKS_COVER',
      'FUND_BELOW_MINIMUM',
    ]);
    expect(await counts()).toEqual(before);
    const ok = await withdraw('200000.00');
    expect(ok.status).toBe(201);
    expect(ok.body.fund).toMatchObject({
      balance: '5000000.00',
      belowMinimum: false,
      coverAvailable: '4800000.00',
    });
  });
});

describe('agreements and capacity over HTTP', () => {
  it('creates agreements with defaults, validates every rule at once, audits changes and terminates', async () => {
    const d = await createDistrict(t.db.dataSource);
    const f = await fund(d);
    const b = await bank();
    const before = await counts();
    const createAgreement = (body: Record<string, unknown>) =>
      apiCall(t.api(fundAdmin).POST('/api/v1/guarantee-agreements', { body: body as never }));
    const invalid = await createAgreement({
      agreementNo: idem('AG'),
      riskFundId: f.id,
      bankId: b.id,
      leverageMultiple: '5',
      entityLeverageMultiple: '6',
      fundSharePercent: '70',
      bankSharePercent: '20',
      validFrom: '2026-06-01',
      validTo: '2026-05-31',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('AGREEMENT_INVALID');
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'entityLeverageMultiple',
      'bankSharePercent',
      'validTo',
    ]);
    const malformed = await createAgreement({
      agreementNo: 'x',
      riskFundId: f.id,
      bankId: b.id,
      leverageMultiple: '0',
      validFrom: 'tomorrow',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'agreementNo',
      'leverageMultiple',
      'validFrom',
    ]);
    expect(await counts()).toEqual(before);

    const no = idem('AG');
    const created = await createAgreement({
      agreementNo: no,
      riskFundId: f.id,
      bankId: b.id,
      validFrom: '2026-01-01',
      bankSharePercent: '25',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      leverageMultiple: '10',
      entityLeverageMultiple: null,
      fundSharePercent: '75',
      bankSharePercent: '25',
      compensationMode: 'ADVANCE',
      triggerDays: 90,
      nplThresholdPercent: '5',
      validTo: null,
      status: 'ACTIVE',
      version: 1,
    });
    const dup = await createAgreement({ agreementNo: idem('AG'), riskFundId: f.id, bankId: b.id, validFrom: '2026-01-01' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'AGREEMENT_EXISTS', errors: [{ field: 'bankId' }] });

    const agPath = { params: { path: { id: created.body.id as string } } };
    const patched = await apiCall(
      t.api(fundAdmin).PATCH('/api/v1/guarantee-agreements/{id}', {
        ...agPath,
        body: { leverageMultiple: '8.5', entityLeverageMultiple: '4', compensationMode: 'FINAL_LOSS' },
      }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      leverageMultiple: '8.5',
      entityLeverageMultiple: '4',
      compensationMode: 'FINAL_LOSS',
      version: 2,
    });
    const audit = await apiCall(
      t.api(auditor).GET('/api/v1/audit', {
        params: {
          query: { entityType: 'guarantee_agreement', entityId: created.body.id, action: 'AGREEMENT_UPDATED' },
        },
      }),
    );
    expect(audit.body.items[0]).toMatchObject({
      before: { leverageMultiple: '10' },
      after: { leverageMultiple: '8.5' },
    });
    const bad = await apiCall(
      t.api(fundAdmin).PATCH('/api/v1/guarantee-agreements/{id}', { ...agPath, body: { leverageMultiple: '3' } }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'entityLeverageMultiple' })]);

    const activeJune = () =>
      apiCall(
        t.api(auditor).GET('/api/v1/guarantee-agreements', {
          params: { query: { riskFundId: f.id, activeOn: '2026-06-30' } },
        }),
      );
    const list = await activeJune();
    expect(list.body.total).toBe(1);
    const future = await apiCall(
      t.api(fundAdmin).POST('/api/v1/guarantee-agreements/{id}/terminate', {
        ...agPath,
        body: { terminatedOn: '2199-01-01' },
      }),
    );
    expect(future.status).toBe(422);
    const ended = await apiCall(
      t.api(fundAdmin).POST('/api/v1/guarantee-agreements/{id}/terminate', { ...agPath, body: {} }),
    );
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('TERMINATED');
    expect((await activeJune()).body.total).toBe(0);
  });

  it('serves one consistent capacity per fund, district and bank, each bank seeing only its own', async () => {
    const d = await createDistrict(t.db.dataSource);
    const f = await fund(d);
    const a = await bank();
    const b = await bank();
    await deposit(f.id, { source: 'CITY', amount: '100000.00', receivedOn: '2026-01-15' });
    const agA = (
      await apiCall(
        t.api(fundAdmin).POST('/api/v1/guarantee-agreements', {
          body: { agreementNo: idem('AG'), riskFundId: f.id, bankId: a.id, validFrom: '2026-01-01' },
        }),
      )
    ).body;
    const agB = (
      await apiCall(
        t.api(fundAdmin).POST('/api/v1/guarantee-agreements', {
          body: {
            agreementNo: idem('AG'),
            riskFundId: f.id,
            bankId: b.id,
            validFrom: '2026-01-01',
            leverageMultiple: '4',
          },
        }),
      )
    ).body;
    const l = await createCoveredLoan(t.db.dataSource, {
      district: d,
      bankId: a.id,
      principalFen: yuan('300000.00'),
      status: 'APPROVED',
    });
    const g = t.app.get(GuaranteeService);
    await t.db.dataSource.transaction((m) =>
      g.reserve(m, {
        agreementId: agA.id,
        loanId: l.id,
        amountFen: yuan('300000.00'),
        idempotencyKey: 'test',
      }),
    );
    await t.db.dataSource.transaction((m) => g.consume(m, { loanId: l.id, idempotencyKey: 'test' }));

    const byFund = (
      await apiCall(t.api(fundAdmin).GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: f.id } } }))
    ).body;
    expect(byFund).toMatchObject({
      balance: '100000.00',
      cover: {
        limit: '100000.00',
        available: '70000.00',
        pending: '0.00',
        used: '30000.00',
        shortfall: '0.00',
      },
      exposure: { pending: '0.00', outstanding: '300000.00' },
      leverageRatio: '3.0000',
    });
    expect(
      byFund.agreements.map((x: { bankId: string; capacity: string }) => [x.bankId, x.capacity]),
    ).toEqual([
      [a.id, '700000.00'],
      [b.id, '280000.00'],
    ]);
    const byDistrict = (
      await apiCall(
        t.api(auditor).GET('/api/v1/districts/{id}/capacity', { params: { path: { id: d.districtId } } }),
      )
    ).body;
    expect(byDistrict).toEqual(byFund);
    const officerA = await t.tokenFor('BANK_OFFICER', { bankId: a.id });
    const bankCapacity = (id: string) =>
      apiCall(t.api(officerA).GET('/api/v1/banks/{id}/capacity', { params: { path: { id } } }));
    const byBank = (await bankCapacity(a.id)).body;
    expect(byBank.agreements).toEqual([
      {
        ...byFund.agreements[0],
        districtCode: byFund.districtCode,
        fundAvailable: '70000.00',
        belowMinimum: false,
      },
    ]);
    expect(byBank.totals).toEqual({
      capacity: '700000.00',
      exposurePending: '0.00',
      exposureOutstanding: '300000.00',
    });
    expect((await bankCapacity(b.id)).status).toBe(404);
    expect(
      (await apiCall(t.api(officerA).GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: f.id } } })))
        .status,
    ).toBe(403);

    // agreements and covers: a bank sees its own only
    const ags = (
      await apiCall(t.api(officerA).GET('/api/v1/guarantee-agreements', { params: { query: { riskFundId: f.id } } }))
    ).body;
    expect(ags.items.map((x: { id: string }) => x.id)).toEqual([agA.id]);
    expect(
      (await apiCall(t.api(officerA).GET('/api/v1/guarantee-agreements/{id}', { params: { path: { id: agB.id } } })))
        .status,
    ).toBe(404);
    const officerB = await t.tokenFor('BANK_OFFICER', { bankId: b.id });
    expect((await apiCall(t.api(officerB).GET('/api/v1/guarantee-covers'))).body.total).toBe(0);
    expect(
      (await apiCall(t.api(officerA).GET('/api/v1/guarantee-covers', { params: { query: { riskFundId: f.id } } })))
        .body.items,
    ).toEqual([
      expect.objectContaining({
        loanId: l.id,
        status: 'ACTIVE',
        outstanding: '300000.00',
        coverUsed: '30000.00',
      }),
    ]);
    expect(
      (await apiCall(t.api(auditor).GET('/api/v1/districts/{id}/capacity', { params: { path: { id: '999999' } } })))
        .status,
    ).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents every guarantee and reconciliation endpoint with examples and the Idempotency-Key header', async () => {
    // the document itself is not one of the API's documented paths: read it raw
    const doc = (await request(t.http).get('/docs-json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: { name: string }[];
            responses: Record<string, { content?: Record<string, { schema?: { $ref?: string }; example?: unknown }> }>;
          }
        >
      >;
    };
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/v1/banks',
      '/api/v1/banks/{id}/api-keys',
      '/api/v1/banks/{id}/capacity',
      '/api/v1/risk-funds/{id}/deposits',
      '/api/v1/risk-funds/{id}/withdrawals',
      '/api/v1/risk-funds/{id}/interest',
      '/api/v1/risk-funds/{id}/capacity',
      '/api/v1/districts/{id}/capacity',
      '/api/v1/guarantee-agreements',
      '/api/v1/guarantee-covers',
      '/api/v1/reconciliation/runs',
      '/api/v1/reconciliation/runs/{id}/lines',
      '/api/v1/reconciliation/runs/{id}/report.csv',
    ]) {
      expect(paths).toContain(p);
    }
    const deposit = doc.paths['/api/v1/risk-funds/{id}/deposits'].post;
    expect(deposit.parameters!.map((x) => x.name)).toContain('Idempotency-Key');
    expect(deposit.responses['201'].content!['application/json'].example).toBeDefined();
    expect(deposit.responses['201'].content!['application/json'].schema!.$ref).toMatch(/RiskFundMovementResultResponse$/);
  });
});
