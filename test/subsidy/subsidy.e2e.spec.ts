import { DataSource } from 'typeorm';
import { FixedClock } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { seedProducts } from '#libs/products';
import { DEMO_PROGRAMME_CODE, seedSubsidy } from '#libs/subsidy';
import { apiCall, createTestApp, fileCall, type TestApp } from '#libs/testing';
import * as fx from './fixtures.js';

let t: TestApp;
let maker: string;
let checker: string;
let auditor: string;
let officer: string;
let ds: DataSource;

beforeAll(async () => {
  // a fixed business date after the first 2026 settlement period, so the test does not depend on the day it runs
  t = await createTestApp({}, new FixedClock(new Date('2026-06-15T04:00:00Z')));
  ds = t.app.get(DataSource);
  maker = await t.tokenFor('FUND_ADMIN', { username: 'fund-maker' });
  checker = await t.tokenFor('FUND_ADMIN', { username: 'fund-checker' });
  auditor = await t.tokenFor('AUDITOR');
  officer = await t.tokenFor('LOAN_OFFICER');
  await seedProducts(t.app);
});
afterAll(async () => t.close());
afterEach(async () => expect((await t.app.get(LedgerService).verify()).ok).toBe(true));

let n = 0;
const idem = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
const count = async (table: string) =>
  (await ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
const path = (id: string) => ({ path: { id } });

async function newProgramme(body: Record<string, unknown> = {}) {
  const res = await apiCall(
    t.api(maker).POST('/api/v1/subsidy/programmes', {
      body: {
        code: `E2E-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
        name: '贴息项目',
        settlementMode: 'PAY_BANK',
        ...body,
      } as never,
    }),
  );
  expect(res.status).toBe(201);
  return res.body as { id: string; accounts: { budget: string } };
}

const createProgramme = (token: string | undefined, body: Record<string, unknown>) =>
  apiCall(t.api(token).POST('/api/v1/subsidy/programmes', { body: body as never }));
const contribute = (token: string, programmeId: string, body: Record<string, unknown>, key: string | null = idem()) =>
  apiCall(
    t.api(token).POST('/api/v1/subsidy/programmes/{id}/contributions', {
      params: { ...path(programmeId), ...(key === null ? {} : { header: { 'Idempotency-Key': key } }) } as never,
      body: body as never,
    }),
  );
const budgetFor = (token: string, programmeId: string, body: Record<string, unknown>) =>
  apiCall(
    t.api(token).POST('/api/v1/subsidy/programmes/{id}/budgets', {
      params: { ...path(programmeId), header: { 'Idempotency-Key': idem() } },
      body: body as never,
    }),
  );

describe('programmes over HTTP', () => {
  it('creates, funds and budgets a programme; every write needs its role, valid input and (for money) an Idempotency-Key', async () => {
    expect((await createProgramme(undefined, {})).status).toBe(401);
    expect((await createProgramme(officer, { code: 'X1', name: 'x', settlementMode: 'PAY_BANK' })).status).toBe(403);
    const bad = await createProgramme(maker, { code: 'lower', settlementMode: 'NOPE', periodEndDay: 31, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
      'code',
      'extra',
      'name',
      'periodEndDay',
      'settlementMode',
    ]);
    const noDistrict = await createProgramme(maker, {
      code: 'NODIST',
      name: 'x',
      settlementMode: 'PAY_BANK',
      districtId: '999999',
      periodEndMonths: [3, 3],
    });
    expect(noDistrict.status).toBe(422);
    expect(noDistrict.body).toMatchObject({ code: 'SUBSIDY_PROGRAMME_INVALID' });
    expect(noDistrict.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'districtId',
      'periodEndMonths',
    ]);
    expect(await count('subsidy_programmes')).toBe(0);

    const p = await newProgramme();
    expect(p.accounts.budget).toBe(`SUB:${p.id}:BUDGET`);
    const dup = await createProgramme(maker, {
      code: (await apiCall(t.api(auditor).GET('/api/v1/subsidy/programmes/{id}', { params: path(p.id) }))).body.code,
      name: 'x',
      settlementMode: 'PAY_BANK',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('SUBSIDY_PROGRAMME_CODE_TAKEN');

    const contribution = {
      source: 'CITY',
      amount: '100000.00',
      year: 2026,
      documentRef: '淄财农〔2026〕9号',
    };
    const noKey = await contribute(maker, p.id, contribution, null);
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const soe = await contribute(maker, p.id, { source: 'SOE', amount: '100.00', year: 2026 });
    expect(soe.status).toBe(422);
    expect(soe.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'documentRef',
      'soeName',
      'soeProfitBase',
    ]);
    expect((await contribute(auditor, p.id, contribution)).status).toBe(403);
    expect(await count('contributions')).toBe(0);
    const k = idem('fund');
    const first = await contribute(maker, p.id, contribution, k);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      source: 'CITY',
      amount: '100000.00',
      queue: { approved: [], stillQueued: 0 },
    });
    const replay = await contribute(maker, p.id, contribution, k);
    expect(replay.body).toEqual(first.body);
    const reused = await contribute(maker, p.id, { ...contribution, amount: '1.00' }, k);
    expect(reused.status).toBe(409);
    expect(await count('contributions')).toBe(1);

    const budget = await budgetFor(maker, p.id, { year: 2026, budget: '80000.00', reason: '2026 budget' });
    expect(budget.status).toBe(200);
    expect(budget.body).toMatchObject({
      year: 2026,
      budget: '80000.00',
      committed: '0.00',
      remaining: '80000.00',
    });
    const view = await apiCall(t.api(auditor).GET('/api/v1/subsidy/programmes/{id}', { params: path(p.id) }));
    expect(view.body.position).toMatchObject({
      available: '100000.00',
      fundedBySource: { CITY: '100000.00' },
    });
    const list = await apiCall(
      t.api(auditor).GET('/api/v1/subsidy/programmes', { params: { query: { settlementMode: 'PAY_BANK', pageSize: 5 } } }),
    );
    expect(list.body).toMatchObject({ page: 1, pageSize: 5, total: 1 });
    const periods = await apiCall(
      t.api(auditor).GET('/api/v1/subsidy/programmes/{id}/periods', { params: { ...path(p.id), query: { year: 2026 } } }),
    );
    expect(periods.body.map((x: { end: string }) => x.end)).toEqual([
      '2026-03-20',
      '2026-06-20',
      '2026-09-20',
      '2026-12-20',
    ]);
  });
});

describe('claims over HTTP', () => {
  it('sets a product policy, generates, approves (maker-checker), settles and exports; banks see their own claims only', async () => {
    const p = await newProgramme();
    await contribute(maker, p.id, { source: 'CITY', amount: '500000.00', year: 2026, documentRef: 'doc' });
    await budgetFor(maker, p.id, { year: 2026, budget: '500000.00', reason: 'b' });

    // the policy goes through the products library as a new version
    const policy = (token: string, body: Record<string, unknown>) =>
      apiCall(
        t.api(token).PUT('/api/v1/subsidy/products/{product}/policy', {
          params: { path: { product: 'HH_MICRO_STD' } },
          body: body as never,
        }),
      );
    const badPolicy = await policy(maker, { type: 'FIXED_RATE', programmeId: '999999', capPercent: '5' });
    expect(badPolicy.status).toBe(422);
    expect(badPolicy.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'capPercent',
      'ratePercent',
    ]);
    expect((await policy(auditor, { type: 'FULL_BENCHMARK', programmeId: p.id })).status).toBe(403);
    const set = await policy(maker, { type: 'FULL_BENCHMARK', programmeId: p.id });
    expect(set.status).toBe(200);
    expect(set.body.terms.subsidyPolicy).toEqual({
      type: 'FULL_BENCHMARK',
      programmeId: p.id,
      principalCapFen: '5000000',
      perLinkedHouseholdCapFen: '5000000',
    });
    const versionId = set.body.terms.id as string;

    const g = await fx.geography(ds);
    const [b1, b2] = [await fx.bank(ds), await fx.bank(ds)];
    const loans: string[] = [];
    for (const bankId of [b1, b1, b2]) {
      const l = await fx.loan(ds, {
        productVersionId: versionId,
        channel: 'BANK_COVERED',
        districtId: g.districtId,
        bankId,
        householdId: await fx.household(ds, g.villageIds[0], 'POOR', '王五'),
        principalFen: 5_000_000n,
        termMonths: 12,
        method: 'EQUAL_INSTALLMENT',
        annualRatePercent: '4.35',
        benchmarkRatePercent: '4.35',
        disbursementDate: '2025-12-05',
      });
      for (const [i, d] of [
        [1, '2026-01-05'],
        [2, '2026-02-05'],
        [3, '2026-03-05'],
      ] as const)
        await fx.pay(ds, l.id, i, d);
      loans.push(l.id);
    }
    const preview = await apiCall(
      t.api(officer).GET('/api/v1/subsidy/loans/{id}', { params: { ...path(loans[0]), query: { asOf: '2026-04-01' } } }),
    );
    expect(preview.status).toBe(200);
    expect(preview.body.periods[0]).toMatchObject({ number: 1, subsidy: '181.25', outcome: 'EARNED' });
    expect(preview.body.periods[11]).toMatchObject({ outcome: 'PENDING' });

    const generate = (token: string, body: Record<string, unknown>) =>
      apiCall(
        t.api(token).POST('/api/v1/subsidy/programmes/{id}/claims/generate', { params: path(p.id), body: body as never }),
      );
    const early = await generate(maker, { periodEnd: '2026-06-20', asOf: '2026-04-01' });
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({
      code: 'SUBSIDY_PERIOD_INVALID',
      errors: [{ field: 'periodEnd', code: 'NOT_ENDED' }],
    });
    const notEnd = await generate(maker, { periodEnd: '2026-03-21', asOf: '2026-04-01' });
    expect(notEnd.body.errors).toEqual([
      expect.objectContaining({ field: 'periodEnd', code: 'NOT_A_PERIOD_END' }),
    ]);
    expect((await generate(auditor, { periodEnd: '2026-03-20' })).status).toBe(403);
    const gen = await generate(maker, { periodEnd: '2026-03-20', asOf: '2026-04-01' });
    expect(gen.status).toBe(200);
    expect(
      gen.body.claims.map((c: { action: string; claim: { total: string } }) => [c.action, c.claim.total]),
    ).toEqual([
      ['CREATED', expect.any(String)],
      ['CREATED', expect.any(String)],
    ]);
    const [c1, c2] = gen.body.claims.map((c: { claim: { id: string; total: string } }) => c.claim);

    const approve = (token: string, claimId: string, key = idem()) =>
      apiCall(
        t.api(token).POST('/api/v1/subsidy/claims/{id}/approve', {
          params: { ...path(claimId), header: { 'Idempotency-Key': key } },
        }),
      );
    const self = await approve(maker, c1.id);
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('SUBSIDY_SAME_APPROVER');
    expect((await approve(auditor, c1.id)).status).toBe(403);
    const k = idem('approve');
    const ok = await approve(checker, c1.id, k);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'APPROVED', approvedBy: 'fund-checker', approved: c1.total });
    expect((await approve(checker, c1.id, k)).body).toEqual(ok.body);
    const twice = await approve(checker, c1.id);
    expect(twice.status).toBe(409);
    expect(
      (
        await ds.query(`SELECT count(*)::int AS n FROM journal_entries WHERE code = 'SUBSIDY_CLAIM_APPROVAL'`)
      )[0].n,
    ).toBe(1);

    const settle = (body: Record<string, unknown>) =>
      apiCall(
        t.api(checker).POST('/api/v1/subsidy/claims/{id}/settle', {
          params: { ...path(c1.id), header: { 'Idempotency-Key': idem() } },
          body: body as never,
        }),
      );
    const badSettle = await settle({ paidOn: '2026-02-30' });
    expect(badSettle.status).toBe(400);
    expect([...new Set(badSettle.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
      'paidOn',
      'paymentRef',
    ]);
    const settled = await settle({ paymentRef: 'TRF-0001' });
    expect(settled.status).toBe(200);
    expect(settled.body).toMatchObject({ status: 'PAID', paymentRef: 'TRF-0001' });

    const lines = await apiCall(
      t.api(auditor).GET('/api/v1/subsidy/claims/{id}/lines', {
        params: { ...path(c1.id), query: { pageSize: 2, outcome: 'EARNED' } },
      }),
    );
    expect(lines.body).toMatchObject({ total: 6, pageSize: 2 });
    expect(lines.body.items[0]).toMatchObject({
      lineNo: 1,
      borrower: '王五',
      subsidy: '181.25',
      bankLoanRef: expect.stringMatching(/^REF/),
    });
    const list = await apiCall(
      t.api(auditor).GET('/api/v1/subsidy/claims', { params: { query: { programmeId: p.id, status: 'PAID' } } }),
    );
    expect(list.body).toMatchObject({ total: 1, items: [{ id: c1.id }] });
    expect(
      (await apiCall(t.api(auditor).GET('/api/v1/subsidy/claims', { params: { query: { status: 'BOGUS' as never } } })))
        .status,
    ).toBe(400);

    const exportOf = (token: string, claimId: string, query: Record<string, string>, headers: Record<string, string> = {}) =>
      fileCall(
        t.api(token).GET('/api/v1/subsidy/claims/{id}/export', {
          params: { ...path(claimId), query: query as never },
          headers,
          parseAs: 'arrayBuffer',
        }),
      );
    const csv = await exportOf(auditor, c1.id, { format: 'csv', audience: 'BANK' });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="subsidy-claim-.*-bank\.csv"/);
    expect(csv.text).toContain('银行贷款号');
    expect(csv.text).not.toContain('Bank loan ref.');
    const csvEn = await exportOf(auditor, c1.id, { format: 'csv', audience: 'BANK' }, { 'Accept-Language': 'en' });
    expect(csvEn.status).toBe(200);
    expect(csvEn.text).toContain('Bank loan ref.');
    const xlsx = await exportOf(auditor, c1.id, { format: 'xlsx' });
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    expect((xlsx.body as Buffer).subarray(0, 2).toString()).toBe('PK');

    // a bank officer sees its own bank's claims, and another bank's as not found
    const bankOfficer = await t.tokenFor('BANK_OFFICER', { bankId: b1 });
    const own = await apiCall(t.api(bankOfficer).GET('/api/v1/subsidy/claims'));
    expect(own.body.items.map((c: { id: string }) => c.id)).toEqual([c1.id]);
    expect((await apiCall(t.api(bankOfficer).GET('/api/v1/subsidy/claims/{id}', { params: path(c2.id) }))).status).toBe(
      404,
    );
    expect((await exportOf(bankOfficer, c2.id, {})).status).toBe(404);
    expect((await exportOf(bankOfficer, c1.id, { audience: 'BANK' })).status).toBe(200);
    expect((await approve(bankOfficer, c2.id)).status).toBe(403);
    expect((await apiCall(t.api(bankOfficer).GET('/api/v1/subsidy/programmes'))).status).toBe(403);
  });
});

describe('funding over HTTP', () => {
  it('serves contributions, matching rules and the compliance report with its CSV, to the roles that may read them', async () => {
    const g = await fx.geography(ds);
    const p = await newProgramme({ districtId: g.districtId, settlementMode: 'REIMBURSE_BORROWER' });
    for (const [source, amount] of [
      ['CITY', '1000.00'],
      ['DISTRICT', '1500.00'],
    ]) {
      const r = await contribute(maker, p.id, { source, amount, year: 2026, documentRef: `doc-${source}` });
      expect(r.status).toBe(201);
    }
    const contributionsOf = (token: string, query: Record<string, unknown>) =>
      apiCall(t.api(token).GET('/api/v1/funding/contributions', { params: { query: query as never } }));
    const contributions = await contributionsOf(auditor, { districtId: g.districtId, year: 2026 });
    expect(contributions.body).toMatchObject({
      total: 2,
      totalAmount: '2500.00',
      bySource: { CITY: '1000.00', DISTRICT: '1500.00' },
    });
    expect((await contributionsOf(auditor, { source: 'NOPE' })).status).toBe(400);
    expect((await contributionsOf(officer, {})).status).toBe(403);

    const rule = (token: string, body: Record<string, unknown>) =>
      apiCall(
        t.api(token).PUT('/api/v1/funding/matching-rules/{year}', {
          params: { path: { year: 2026 } },
          body: body as never,
        }),
      );
    expect((await rule(auditor, { ratio: '1.5' })).status).toBe(403);
    const badRule = await rule(maker, { ratio: 'abc' });
    expect(badRule.status).toBe(422);
    expect(badRule.body).toMatchObject({
      code: 'FUNDING_MATCHING_RULE_INVALID',
      errors: [{ field: 'ratio' }],
    });
    expect(
      (
        await apiCall(
          t.api(auditor).GET('/api/v1/funding/matching-rules/{year}', { params: { path: { year: 2026 } } }),
        )
      ).body,
    ).toMatchObject({ ratio: '2', isDefault: true });

    const compliance = (token: string, query: Record<string, unknown>) =>
      apiCall(t.api(token).GET('/api/v1/funding/compliance', { params: { query: query as never } }));
    const report = await compliance(auditor, { year: 2026, districtId: g.districtId });
    expect(report.status).toBe(200);
    expect(report.body.districts).toEqual([
      expect.objectContaining({
        cityAllocation: '1000.00',
        districtMatch: '1500.00',
        requiredMatch: '2000.00',
        shortfall: '500.00',
        compliant: false,
      }),
    ]);
    const set = await rule(maker, { ratio: '1.5', documentRef: '淄政办〔2026〕5号' });
    expect(set.status).toBe(200);
    const after = await compliance(auditor, { year: 2026, districtId: g.districtId });
    expect(after.body.districts[0]).toMatchObject({
      requiredRatio: '1.5',
      shortfall: '0.00',
      compliant: true,
    });
    const complianceExport = (query: Record<string, unknown>, headers: Record<string, string> = {}) =>
      fileCall(
        t.api(auditor).GET('/api/v1/funding/compliance/export', {
          params: { query: query as never },
          headers,
          parseAs: 'arrayBuffer',
        }),
      );
    const csv = await complianceExport({ year: 2026 });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain('市级拨付');
    expect(csv.text).not.toContain('City allocation');
    const en = await complianceExport({ year: 2026 }, { 'Accept-Language': 'en' });
    expect(en.text).toContain('City allocation');
    const book = await complianceExport({ year: 2026, format: 'xlsx' });
    expect(book.status).toBe(200);
    expect(book.headers['content-type']).toMatch(/spreadsheetml/);
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(book.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toContain('要求比例');
    expect(ws.getRow(2).getCell(header.indexOf('要求比例') + 1).value).toBe(1.5);
    expect(typeof ws.getRow(2).getCell(header.indexOf('市级拨付') + 1).value).toBe('number');
    expect((await compliance(auditor, { year: 1999 })).status).toBe(400);
    expect((await compliance(officer, { year: 2026 })).status).toBe(403);
  });
});

describe('seed', () => {
  it('seeds the demo programme, its funding and budget, the HH_MICRO_STD policy and the matching rule, idempotently', async () => {
    const first = await seedSubsidy(t.app);
    expect(first.join('\n')).toMatch(/created subsidy programme/);
    const second = await seedSubsidy(t.app);
    expect(second.every((l) => l.startsWith('kept'))).toBe(true);
    const [p] = await ds.query(`SELECT id::text FROM subsidy_programmes WHERE code = $1`, [
      DEMO_PROGRAMME_CODE,
    ]);
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM contributions WHERE target_type = 'SUBSIDY_PROGRAMME' AND target_id = $1`,
      [p.id],
    );
    expect(n).toBe(1);
    const [pv] = await ds.query(
      `SELECT pv.subsidy_policy FROM products pr JOIN product_versions pv ON pv.product_id = pr.id AND pv.version = pr.current_version WHERE pr.code = 'HH_MICRO_STD'`,
    );
    expect(pv.subsidy_policy).toMatchObject({ type: 'FULL_BENCHMARK', programmeId: p.id });
    // the 2026 rule set over HTTP above is kept, not reset to the default
    expect(
      (await ds.query(`SELECT ratio::text FROM funding_matching_rules WHERE year = 2026`))[0].ratio,
    ).toBe('1.5000');
  });
});
