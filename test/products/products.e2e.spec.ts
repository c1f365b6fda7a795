import { seedProducts } from '#libs/products';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';

let t: TestApp;
const tokens: Record<string, string> = {};
const ALL_ROLES = ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER'] as const;

beforeAll(async () => {
  t = await createTestApp();
  const [bank] = await t.db.dataSource.query(`INSERT INTO banks (code, name) VALUES ('PRODTB', 'Test bank') RETURNING id::text AS id`);
  for (const role of ALL_ROLES) tokens[role] = await t.tokenFor(role, role === 'BANK_OFFICER' ? { bankId: bank.id } : {});
  await seedProducts(t.app);
});
afterAll(async () => t?.close());

/** The generated client signed in as `role`. */
const as = (role: string = 'LOAN_OFFICER') => t.api(tokens[role]);
const id = (value: string) => ({ params: { path: { id: value } } });
// product bodies with fields changed on purpose (many invalid): what matters is what the server answers
const createProduct = (body: Record<string, unknown>, role = 'FUND_ADMIN') =>
  apiCall(as(role).POST('/api/v1/products', { body: body as never }));
const patchProduct = (code: string, body: Record<string, unknown>, role = 'FUND_ADMIN') =>
  apiCall(as(role).PATCH('/api/v1/products/{id}', { ...id(code), body: body as never }));
const putProduct = (code: string, body: Record<string, unknown>, role = 'FUND_ADMIN') =>
  apiCall(as(role).PUT('/api/v1/products/{id}', { ...id(code), body: body as never }));
const createRate = (body: Record<string, unknown>, role = 'ADMIN') =>
  apiCall(as(role).POST('/api/v1/benchmark-rates', { body: body as never }));
const inForce = (query: Record<string, unknown>) =>
  apiCall(as().GET('/api/v1/benchmark-rates/in-force', { params: { query: query as never } }));
const products = (query: Record<string, unknown>) => apiCall(as().GET('/api/v1/products', { params: { query: query as never } }));

const counts = async () =>
  (
    await t.db.dataSource.query(
      `SELECT (SELECT count(*) FROM products)::int AS products, (SELECT count(*) FROM product_versions)::int AS versions,
              (SELECT count(*) FROM audit_log WHERE entity_type = 'product')::int AS audits`,
    )
  )[0];

let seq = 0;
const product = (over: Record<string, unknown> = {}) => ({
  code: `E2E_${++seq}`,
  kind: 'HOUSEHOLD_MICROCREDIT',
  name: 'E2E microcredit',
  minPrincipal: '1000.00',
  maxPrincipal: '50000.00',
  minTermMonths: 1,
  maxTermMonths: 36,
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rateSource: 'BENCHMARK',
  markupPercent: '0.5',
  allowedPurposes: ['PLANTING', 'BREEDING'],
  eligibleStatuses: ['POOR', 'GRADUATED'],
  minAge: 18,
  maxAge: 65,
  requiresGuaranteeFund: true,
  ...over,
});

describe('roles', () => {
  it('every role reads products, versions and rates', async () => {
    for (const role of ALL_ROLES) {
      expect((await apiCall(as(role).GET('/api/v1/products'))).status).toBe(200);
      expect((await apiCall(as(role).GET('/api/v1/products/{id}/versions', id('HH_MICRO_STD')))).status).toBe(200);
      expect((await apiCall(as(role).GET('/api/v1/benchmark-rates'))).status).toBe(200);
      expect(
        (await apiCall(as(role).GET('/api/v1/benchmark-rates/in-force', { params: { query: { termMonths: 12 } } }))).status,
      ).toBe(200);
    }
    expect((await apiCall(t.api().GET('/api/v1/products'))).status).toBe(401);
  });

  it('only FUND_ADMIN writes products', async () => {
    for (const role of ['ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER']) {
      const res = await createProduct(product(), role);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect((await patchProduct('HH_MICRO_STD', { graceDays: 1 }, role)).status).toBe(403);
      expect(
        (await apiCall(as(role).POST('/api/v1/products/{id}/deactivate', { ...id('HH_MICRO_STD'), body: { reason: 'x' } }))).status,
      ).toBe(403);
    }
    expect((await createProduct(product())).status).toBe(201);
  });

  it('only ADMIN writes benchmark rates', async () => {
    const body = { termMinMonths: 1, termMaxMonths: 12, ratePercent: '4.1', effectiveFrom: '2099-01-01' };
    for (const role of ['FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER']) {
      expect((await createRate(body, role)).status).toBe(403);
    }
    expect((await apiCall(t.api().POST('/api/v1/benchmark-rates', { body }))).status).toBe(401);
    const created = await createRate(body, 'ADMIN');
    expect(created.status).toBe(201);
    const withdraw = (role: string) =>
      apiCall(as(role).POST('/api/v1/benchmark-rates/{id}/withdraw', { ...id(created.body.id), body: { reason: 'test' } }));
    expect((await withdraw('FUND_ADMIN')).status).toBe(403);
    const withdrawn = await withdraw('ADMIN');
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.withdrawn).toBe(true);
  });
});

describe('benchmark rates over HTTP', () => {
  it('answers the rate in force by term and date, with a mid-history change', async () => {
    const created = await createRate({ termMinMonths: 13, termMaxMonths: 60, ratePercent: '4.9', effectiveFrom: '2098-01-01' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ termMinMonths: 13, termMaxMonths: 60, ratePercent: '4.9', effectiveFrom: '2098-01-01', createdBy: 'admin' });
    const at = async (termMonths: number, date: string) => (await inForce({ termMonths, date })).body;
    expect((await at(12, '2020-01-01')).ratePercent).toBe('4.35');
    expect((await at(24, '2097-12-31')).ratePercent).toBe('4.75');
    expect(await at(24, '2098-01-01')).toMatchObject({ ratePercent: '4.9', rateId: created.body.id, effectiveFrom: '2098-01-01' });
    expect((await at(12, '2098-01-01')).ratePercent).toBe('4.35');
  });

  it('refuses bad lookups and terms with no band', async () => {
    const bad = await inForce({ termMonths: 0, date: '2020-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['date', 'termMonths']);
    const none = await inForce({ termMonths: 61, date: '2020-01-01' });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('BENCHMARK_RATE_NOT_IN_FORCE');
  });

  it('refuses overlapping bands (409) and bad input (400 naming the fields), writing nothing', async () => {
    const rows = async () => (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM benchmark_rates`))[0].n;
    const before = await rows();
    const overlap = await createRate({ termMinMonths: 6, termMaxMonths: 18, ratePercent: '4.5', effectiveFrom: '2015-10-24', note: 'x' });
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe('BENCHMARK_BAND_OVERLAP');
    expect(overlap.body.errors.map((e: { field: string }) => e.field)).toEqual(['termMinMonths', 'termMaxMonths']);

    const bad = await createRate({ termMinMonths: 12, termMaxMonths: 6, ratePercent: '-0.5', effectiveFrom: '2026-13-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['effectiveFrom', 'ratePercent', 'termMaxMonths']);
    const beyond = await createRate({ termMinMonths: 1, termMaxMonths: 361, ratePercent: '37', effectiveFrom: '2099-01-01' });
    expect(beyond.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['ratePercent', 'termMaxMonths']);
    const backdated = await createRate({ termMinMonths: 61, termMaxMonths: 120, ratePercent: '4.9', effectiveFrom: '2016-01-01' });
    expect(backdated.status).toBe(400);
    expect(backdated.body.errors).toEqual([expect.objectContaining({ field: 'note', code: 'BACKDATED_NEEDS_NOTE' })]);
    expect(await rows()).toBe(before);
  });

  it('lists with filters and pagination', async () => {
    const rates = (query: Record<string, unknown>) =>
      apiCall(as().GET('/api/v1/benchmark-rates', { params: { query: query as never } }));
    const res = await rates({ termMonths: 12, to: '2030-12-31', pageSize: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, pageSize: 1, total: 1 });
    expect(res.body.items[0]).toMatchObject({ termMinMonths: 1, termMaxMonths: 12, ratePercent: '4.35', effectiveFrom: '2015-10-24' });
    expect((await rates({ includeWithdrawn: 'maybe' })).status).toBe(400);
  });
});

describe('products over HTTP', () => {
  it('creates, versions with PUT and PATCH, and keeps old versions readable', async () => {
    const created = await createProduct(product({ code: 'E2E_VERSIONS' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'E2E_VERSIONS', kind: 'HOUSEHOLD_MICROCREDIT', active: true, currentVersion: 1 });
    expect(created.body.terms).toMatchObject({ version: 1, minPrincipal: '1000.00', markupPercent: '0.5', installmentMultiple: '0.01', waterfall: expect.any(Array), earlyRepaymentFee: 'ACCRUED' });
    const v1Id = created.body.terms.id;

    const patched = await patchProduct('E2E_VERSIONS', { maxPrincipal: '20000', earlyRepaymentFee: 'PERIOD', baseVersion: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ currentVersion: 2, terms: { version: 2, maxPrincipal: '20000.00', minAge: 18, earlyRepaymentFee: 'PERIOD' } });
    const badFee = await patchProduct('E2E_VERSIONS', { earlyRepaymentFee: 'DAILY', baseVersion: 2 });
    expect(badFee.status).toBe(400);
    expect(badFee.body.errors.map((e: { field: string }) => e.field)).toEqual(['earlyRepaymentFee']);

    const { code: _c, kind: _k, ...terms } = product();
    const put = await putProduct(created.body.id, { ...terms, name: 'Replaced', baseVersion: 2 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'Replaced', currentVersion: 3, terms: { version: 3, maxPrincipal: '50000.00' } });

    const old = await apiCall(as('AUDITOR').GET('/api/v1/product-versions/{id}', id(v1Id)));
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ version: 1, isCurrent: false, maxPrincipal: '50000.00', name: 'E2E microcredit' });
    const history = await apiCall(
      as('BANK_OFFICER').GET('/api/v1/products/{id}/versions', { params: { path: { id: 'E2E_VERSIONS' }, query: { pageSize: 2 } } }),
    );
    expect(history.body).toMatchObject({ total: 3, pageSize: 2 });
    expect(history.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);

    const stale = await patchProduct('E2E_VERSIONS', { graceDays: 2, baseVersion: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('PRODUCT_VERSION_CONFLICT');

    const quote = await apiCall(
      as().GET('/api/v1/products/{id}/contract-rate', {
        params: { path: { id: 'E2E_VERSIONS' }, query: { termMonths: 12, date: '2026-03-01' } },
      }),
    );
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ version: 3, annualRatePercent: '4.85', benchmarkRatePercent: '4.35', markupPercent: '0.5' });
  });

  it('deactivates and reactivates with a reason, audited', async () => {
    const created = await createProduct(product());
    const deactivate = (body: Record<string, unknown>) =>
      // the reason left out on purpose
      apiCall(as('FUND_ADMIN').POST('/api/v1/products/{id}/deactivate', { ...id(created.body.code), body: body as never }));
    const off = await deactivate({ reason: 'superseded' });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await products({ active: false })).body.items.map((p: { code: string }) => p.code)).toContain(created.body.code);
    expect((await deactivate({})).status).toBe(400);
    const on = await apiCall(as('FUND_ADMIN').POST('/api/v1/products/{id}/activate', { ...id(created.body.code), body: { reason: 'back' } }));
    expect(on.body.active).toBe(true);
    const audit = await apiCall(
      as('AUDITOR').GET('/api/v1/audit', { params: { query: { entityType: 'product', entityId: created.body.id } } }),
    );
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(['PRODUCT_ACTIVATED', 'PRODUCT_DEACTIVATED', 'PRODUCT_CREATED']);
  });

  it('lists with filters; unknown products are 404', async () => {
    const hh = await products({ kind: 'HOUSEHOLD_MICROCREDIT', q: 'HH_MICRO' });
    expect(hh.body.items.map((p: { code: string }) => p.code)).toEqual(['HH_MICRO_STD']);
    expect((await products({ kind: 'PAWN' })).status).toBe(400);
    expect((await apiCall(as().GET('/api/v1/products/{id}', id('NOPE_NOT_HERE')))).status).toBe(404);
    expect((await apiCall(as().GET('/api/v1/products/{id}', id('999999')))).status).toBe(404);
    expect((await apiCall(as().GET('/api/v1/product-versions/{id}', id('abc')))).status).toBe(400);
    expect((await apiCall(as().GET('/api/v1/product-versions/{id}', id('999999')))).status).toBe(404);
  });
});

describe('product validation: 400 naming the field, nothing written', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['max principal below min', { minPrincipal: '5000.00', maxPrincipal: '4000.00' }, 'maxPrincipal'],
    ['max term below min', { minTermMonths: 24, maxTermMonths: 12 }, 'maxTermMonths'],
    ['unknown method', { method: 'BALLOON' }, 'method'],
    ['unknown kind', { kind: 'PAWN' }, 'kind'],
    ['unknown day count', { dayCount: 'ACTUAL_366' }, 'dayCount'],
    ['negative markup', { markupPercent: '-0.25' }, 'markupPercent'],
    ['negative penalty', { penaltyRatePercent: '-1' }, 'penaltyRatePercent'],
    ['term beyond 360', { maxTermMonths: 361 }, 'maxTermMonths'],
    ['BULLET paid monthly', { method: 'BULLET' }, 'frequency'],
    ['AT_MATURITY with instalments', { frequency: 'AT_MATURITY' }, 'method'],
    ['FIXED without a fixed rate', { rateSource: 'FIXED', markupPercent: '0' }, 'fixedRatePercent'],
    ['purpose outside the enumeration', { allowedPurposes: ['PLANTING', 'GAMBLING'] }, 'allowedPurposes'],
    ['non-productive purpose for microcredit', { allowedPurposes: ['PLANTING', 'CONSUMPTION'] }, 'allowedPurposes'],
    ['money as a JSON number', { minPrincipal: 1000 }, 'minPrincipal'],
    ['money with 3 decimals', { maxPrincipal: '50000.001' }, 'maxPrincipal'],
    ['age band upside down', { minAge: 65, maxAge: 18 }, 'maxAge'],
    ['unknown field', { interestRate: '5' }, 'interestRate'],
    ['bad code', { code: 'lower-case' }, 'code'],
  ];

  it.each(cases)('%s → %s', async (_name, over, field) => {
    const before = await counts();
    const res = await createProduct(product(over));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('names format and cross-field failures together in one answer', async () => {
    const res = await createProduct(product({ method: 'BALLOON', minPrincipal: '9000', maxPrincipal: '8000', rateSource: 'FIXED', allowedPurposes: ['MARRIAGE'] }));
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`);
    expect(fields).toEqual(
      expect.arrayContaining(['method:isIn', 'maxPrincipal:PRINCIPAL_MAX_BELOW_MIN', 'fixedRatePercent:FIXED_RATE_REQUIRED', 'allowedPurposes:PURPOSE_NOT_PRODUCTIVE']),
    );
  });

  it('validates a PATCH against the merged terms and a PUT as a whole', async () => {
    const before = await counts();
    const patch = await patchProduct('HH_MICRO_STD', { minPrincipal: '60000.00', allowedPurposes: ['WEALTH_MANAGEMENT'] });
    expect(patch.status).toBe(400);
    expect(patch.body.errors.map((e: { field: string }) => e.field)).toEqual(['maxPrincipal', 'allowedPurposes']);
    const patchFormat = await patchProduct('HH_MICRO_STD', { maxTermMonths: 400, kind: 'MUTUAL_AID' });
    expect(patchFormat.status).toBe(400);
    expect(patchFormat.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['kind', 'maxTermMonths']);
    const put = await putProduct('HH_MICRO_STD', { name: 'Only a name' });
    expect(put.status).toBe(400);
    expect(put.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['minPrincipal', 'maxPrincipal', 'minTermMonths', 'maxTermMonths', 'method', 'frequency', 'dayCount', 'rateSource', 'allowedPurposes']),
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses a duplicate code with 409', async () => {
    const res = await createProduct(product({ code: 'HH_MICRO_STD' }));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PRODUCT_CODE_TAKEN');
  });
});
