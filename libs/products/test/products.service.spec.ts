import { AuditService } from '#libs/audit';
import { DomainError, FixedClock } from '#libs/common';
import {
  ageOn,
  DEFAULT_PRODUCTS,
  PRODUCTIVE_PURPOSES,
  ProductsService,
  RatesService,
  seedProducts,
  type NewProductInput,
} from '#libs/products';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

let db: TestDatabase;
let rates: RatesService;
let products: ProductsService;

beforeAll(async () => {
  db = await createTestDatabase(30);
  const audit = new AuditService(db.dataSource);
  rates = new RatesService(db.dataSource, audit, new FixedClock(new Date('2026-03-10T04:00:00Z')));
  products = new ProductsService(db.dataSource, audit, rates);
  await seedProducts(db.dataSource);
});
afterAll(async () => db.drop());

const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as DomainError,
  );
const counts = async () =>
  (
    await db.dataSource.query(
      `SELECT (SELECT count(*) FROM products)::int AS products, (SELECT count(*) FROM product_versions)::int AS versions,
              (SELECT count(*) FROM audit_log)::int AS audits`,
    )
  )[0] as { products: number; versions: number; audits: number };

let seq = 0;
const microcredit = (over: Partial<NewProductInput> = {}): NewProductInput => ({
  code: `HH_T${++seq}`,
  kind: 'HOUSEHOLD_MICROCREDIT',
  name: 'Test microcredit',
  minPrincipal: '1000.00',
  maxPrincipal: '50000.00',
  minTermMonths: 1,
  maxTermMonths: 36,
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rateSource: 'BENCHMARK',
  markupPercent: '0.5',
  penaltyRatePercent: '50',
  penaltyBasis: 'SURCHARGE_ON_CONTRACT',
  allowedPurposes: ['PLANTING', 'BREEDING'],
  eligibleStatuses: ['POOR', 'GRADUATED'],
  minAge: 18,
  maxAge: 65,
  requiresGuaranteeFund: true,
  ...over,
});

describe('seeded defaults', () => {
  it('are the three kinds with the SPEC §2 limits, and seeding again changes nothing', async () => {
    const before = await counts();
    const lines = await seedProducts(db.dataSource);
    expect(lines.filter((l) => l.startsWith('created'))).toEqual([]);
    expect(await counts()).toEqual(before);

    const mutual = await products.currentVersion('MUTUAL_AID_STD');
    expect(mutual).toMatchObject({
      kind: 'MUTUAL_AID',
      version: 1,
      isCurrent: true,
      active: true,
      minPrincipalFen: 10_000n,
      maxPrincipalFen: 1_000_000n,
      firstLoanMaxFen: 500_000n,
      minTermMonths: 1,
      maxTermMonths: 12,
      method: 'BULLET',
      frequency: 'AT_MATURITY',
      dayCount: 'PERIOD',
      rateSource: 'FIXED',
      fixedRatePercent: '6',
      requiresGroup: true,
      requiresGuaranteeFund: false,
      eligibleStatuses: ['POOR', 'GRADUATED', 'NON_POOR'],
      minAge: 18,
      maxAge: 65,
    });
    expect(mutual.allowedPurposes).toEqual([...PRODUCTIVE_PURPOSES]);

    const hh = await products.currentVersion('HH_MICRO_STD');
    expect(hh).toMatchObject({
      kind: 'HOUSEHOLD_MICROCREDIT',
      minPrincipalFen: 100_000n,
      maxPrincipalFen: 5_000_000n,
      maxTermMonths: 36,
      method: 'EQUAL_INSTALLMENT',
      frequency: 'MONTHLY',
      rateSource: 'BENCHMARK',
      markupPercent: '0',
      penaltyRatePercent: '50',
      penaltyBasis: 'SURCHARGE_ON_CONTRACT',
      eligibleStatuses: ['POOR', 'GRADUATED'],
      requiresGuaranteeFund: true,
      subsidyPolicy: null,
    });
    const entity = await products.currentVersion('ENTITY_STD');
    expect(entity).toMatchObject({ kind: 'ENTITY_LOAN', maxPrincipalFen: 300_000_000n, maxTermMonths: 36, rateSource: 'BENCHMARK', requiresGuaranteeFund: true, maxPerLinkedHouseholdFen: 5_000_000n });
    expect(DEFAULT_PRODUCTS.map((p) => p.code)).toEqual(['MUTUAL_AID_STD', 'HH_MICRO_STD', 'ENTITY_STD']);
  });
});

describe('contractRate', () => {
  it('adds the markup to the benchmark in force on the contract date exactly: 4.35 + 0.5 = 4.85', async () => {
    const p = await products.create(microcredit());
    const terms = await products.currentVersion(p.id);
    const rate = await products.contractRate(terms, 12, '2026-03-01');
    expect(rate).toMatchObject({ annualRatePercent: '4.85', benchmarkRatePercent: '4.35', markupPercent: '0.5', rateSource: 'BENCHMARK' });
    // 50 % surcharge on the contract rate: 4.85 × 1.5
    expect(rate.penaltyRatePercent).toBe('7.275');
    const longer = await products.contractRate(terms, 36, '2026-03-01');
    expect(longer).toMatchObject({ annualRatePercent: '5.25', benchmarkRatePercent: '4.75' });
  });

  it('follows a benchmark change by contract date, and a fixed product keeps its rate', async () => {
    await rates.create({ termMinMonths: 1, termMaxMonths: 12, ratePercent: '3.85', effectiveFrom: '2026-06-01' });
    const hh = await products.currentVersion('HH_MICRO_STD');
    expect((await products.contractRate(hh, 12, '2026-05-31')).annualRatePercent).toBe('4.35');
    expect(await products.contractRate(hh, 12, '2026-06-01')).toMatchObject({ annualRatePercent: '3.85', benchmarkRatePercent: '3.85', penaltyRatePercent: '5.775' });
    const mutual = await products.currentVersion('MUTUAL_AID_STD');
    expect(await products.contractRate(mutual, 12, '2026-06-01')).toEqual({
      annualRatePercent: '6',
      benchmarkRatePercent: null,
      benchmarkRateId: null,
      markupPercent: '0',
      penaltyRatePercent: '9',
      rateSource: 'FIXED',
    });
  });

  it('a term no benchmark band holds is BENCHMARK_RATE_NOT_IN_FORCE', async () => {
    const hh = await products.currentVersion('HH_MICRO_STD');
    expect((await fail(products.contractRate(hh, 61, '2026-03-01'))).code).toBe('BENCHMARK_RATE_NOT_IN_FORCE');
    expect((await fail(products.contractRate(hh, 12, '2015-01-01'))).code).toBe('BENCHMARK_RATE_NOT_IN_FORCE');
  });
});

describe('versions', () => {
  it('an edit makes a new version; the old one stays readable and unchanged', async () => {
    const p = await products.create(microcredit());
    const v1 = await products.currentVersion(p.code);
    const edited = await products.revise(p.code, { maxPrincipal: '30000.00', markupPercent: '0.25' }, { mode: 'patch', baseVersion: 1 });
    expect(edited.currentVersion).toBe(2);
    expect(edited.terms).toMatchObject({ version: 2, maxPrincipal: '30000.00', markupPercent: '0.25', minPrincipal: '1000.00', isCurrent: true });

    const old = await products.getVersion(v1.versionId);
    expect(old).toMatchObject({ version: 1, isCurrent: false, maxPrincipalFen: 5_000_000n, markupPercent: '0.5' });
    const history = await products.versions(p.code, { page: 1, pageSize: 10 });
    expect(history.items.map((v) => [v.version, v.maxPrincipal])).toEqual([
      [2, '30000.00'],
      [1, '50000.00'],
    ]);

    const [audit] = await db.dataSource.query(
      `SELECT action, before, after FROM audit_log WHERE entity_type = 'product' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [p.id],
    );
    expect(audit.action).toBe('PRODUCT_REVISED');
    expect(audit.after.changedFields).toEqual(['maxPrincipal', 'markupPercent']);
    expect(audit.before.maxPrincipal).toBe('50000.00');
  });

  it('a replace takes defaults for absent fields; an edit changing nothing writes nothing', async () => {
    const p = await products.create(microcredit({ graceDays: 5 }));
    const { code: _c, kind: _k, ...terms } = microcredit({ graceDays: 5 });
    const before = await counts();
    const same = await products.revise(p.code, terms, { mode: 'replace' });
    expect(same.currentVersion).toBe(1);
    expect(await counts()).toEqual(before);
    const { graceDays: _g, ...withoutGrace } = terms;
    const replaced = await products.revise(p.code, withoutGrace, { mode: 'replace' });
    expect(replaced.terms).toMatchObject({ version: 2, graceDays: 0 });
  });

  it('refuses a stale baseVersion and an invalid merged definition, writing nothing', async () => {
    const p = await products.create(microcredit());
    await products.revise(p.id, { name: 'Renamed' }, { mode: 'patch' });
    const before = await counts();
    const stale = await fail(products.revise(p.id, { graceDays: 3 }, { mode: 'patch', baseVersion: 1 }));
    expect(stale.code).toBe('PRODUCT_VERSION_CONFLICT');
    const bad = await fail(products.revise(p.id, { minPrincipal: '60000', allowedPurposes: ['CONSUMPTION'], method: 'BULLET' }, { mode: 'patch' }));
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.errors.map((e) => `${e.field}:${e.code}`)).toEqual([
      'maxPrincipal:PRINCIPAL_MAX_BELOW_MIN',
      'frequency:BULLET_REQUIRES_AT_MATURITY',
      'allowedPurposes:PURPOSE_NOT_PRODUCTIVE',
    ]);
    expect(await counts()).toEqual(before);
    expect((await products.get(p.id)).name).toBe('Renamed');
  });

  it('concurrent edits of one product get consecutive versions, none lost', async () => {
    const p = await products.create(microcredit());
    await Promise.all(Array.from({ length: 6 }, (_, i) => products.revise(p.id, { graceDays: i + 1 }, { mode: 'patch' })));
    const history = await products.versions(p.id, { page: 1, pageSize: 20 });
    expect(history.items.map((v) => v.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(new Set(history.items.map((v) => v.graceDays)).size).toBe(7);
    expect((await products.get(p.id)).currentVersion).toBe(7);
  });

  it('the database refuses to change or delete a version', async () => {
    const [v] = await db.dataSource.query(`SELECT id FROM product_versions ORDER BY id LIMIT 1`);
    await expect(db.dataSource.query(`UPDATE product_versions SET max_principal_fen = 1 WHERE id = $1`, [v.id])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM product_versions WHERE id = $1`, [v.id])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM products WHERE code = 'HH_MICRO_STD'`)).rejects.toThrow(/append-only/);
  });
});

describe('create', () => {
  it('refuses a duplicate code with PRODUCT_CODE_TAKEN, also under a race', async () => {
    const input = microcredit();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => products.create(input)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('PRODUCT_CODE_TAKEN');
    }
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM product_versions pv JOIN products p ON p.id = pv.product_id WHERE p.code = $1`, [input.code])).toEqual([{ n: 1 }]);
  });

  it('refuses bad input with every field named, and writes nothing', async () => {
    const before = await counts();
    const e = await fail(products.create(microcredit({ code: 'lower', kind: 'PAWN', maxPrincipal: '10' })));
    expect(e.errors.map((x) => x.field)).toEqual(['code', 'kind']);
    const e2 = await fail(products.create(microcredit({ maxTermMonths: 400, fixedRatePercent: '5', allowedPurposes: ['WEALTH_MANAGEMENT'] })));
    expect(e2.errors.map((x) => `${x.field}:${x.code}`)).toEqual([
      'maxTermMonths:INVALID',
      'fixedRatePercent:FIXED_RATE_NOT_ALLOWED',
      'allowedPurposes:PURPOSE_NOT_PRODUCTIVE',
    ]);
    expect(await counts()).toEqual(before);
  });
});

describe('eligibility through the service', () => {
  it('assertEligible throws PRODUCT_RULES_NOT_MET with every failed rule', async () => {
    const hh = await products.currentVersion('HH_MICRO_STD');
    expect(() =>
      products.assertEligible(hh, { principalFen: 3_000_000n, termMonths: 24, purpose: 'PLANTING', householdStatus: 'POOR', borrowerAge: ageOn('1980-05-01', '2026-03-01') }),
    ).not.toThrow();
    let error: DomainError | undefined;
    try {
      products.assertEligible(hh, { principalFen: 6_000_000n, termMonths: 24, purpose: 'HOUSE_BUILDING', householdStatus: 'NON_POOR', borrowerAge: 70 });
    } catch (e) {
      error = e as DomainError;
    }
    expect(error?.code).toBe('PRODUCT_RULES_NOT_MET');
    expect(error?.errors.map((f) => f.code)).toEqual(['AMOUNT_ABOVE_MAX', 'PURPOSE_NOT_ALLOWED', 'STATUS_NOT_ELIGIBLE', 'AGE_OUT_OF_RANGE']);
  });

  it('a deactivated product fails eligibility and stays readable; reactivation restores it', async () => {
    const p = await products.create(microcredit());
    const off = await products.setActive(p.id, false, 'replaced');
    expect(off.active).toBe(false);
    const again = await products.setActive(p.id, false, 'replaced');
    expect(again.active).toBe(false);
    const terms = await products.currentVersion(p.id);
    expect(products.checkEligibility(terms, { principalFen: 200_000n, termMonths: 12, purpose: 'PLANTING', householdStatus: 'POOR', borrowerAge: 30 }).map((f) => f.code)).toEqual([
      'PRODUCT_INACTIVE',
    ]);
    const actions = await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_type = 'product' AND entity_id = $1 ORDER BY id`, [p.id]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual(['PRODUCT_CREATED', 'PRODUCT_DEACTIVATED']);
    expect((await products.setActive(p.id, true, 'back')).active).toBe(true);
  });
});

describe('listing', () => {
  it('filters by kind, purpose, guarantee and text, paginated', async () => {
    const byKind = await products.list({ kind: 'MUTUAL_AID' }, { page: 1, pageSize: 50 });
    expect(byKind.items.map((p) => p.code)).toEqual(['MUTUAL_AID_STD']);
    const text = await products.list({ q: 'micro_s' }, { page: 1, pageSize: 50 });
    expect(text.items.map((p) => p.code)).toEqual(['HH_MICRO_STD']);
    const purpose = await products.list({ purpose: 'MARRIAGE' }, { page: 1, pageSize: 50 });
    expect(purpose.total).toBe(0);
    const guaranteed = await products.list({ requiresGuaranteeFund: false }, { page: 1, pageSize: 50 });
    expect(guaranteed.items.map((p) => p.code)).toEqual(['MUTUAL_AID_STD']);
    const all = await products.list({}, { page: 1, pageSize: 500 });
    const page = await products.list({}, { page: 2, pageSize: 3 });
    expect(page.items.map((p) => p.code)).toEqual(all.items.slice(3, 6).map((p) => p.code));
    expect(page.total).toBe(all.total);
  });
});
