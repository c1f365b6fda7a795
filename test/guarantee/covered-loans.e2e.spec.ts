import { FixedClock } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';
import { createDistrict, type DistrictFixture } from './fixtures.js';

/**
 * A district fund and a bank run end to end over HTTP: the bank's API key registers loans under cover, is refused
 * beyond capacity, reports repayments and 90+ days overdue, claims; the fund approves compensation; the bank
 * reports a recovery; the district's breaker trips and resets. Another bank's key sees none of it.
 */
const TODAY = '2026-03-01';
let t: TestApp;
let admin: string;
let fundAdmin: string;
let auditor: string;
let district: DistrictFixture;
let keyA: string;
let keyB: string;
let fundId: string;

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date(`${TODAY}T04:00:00Z`)));
  await seedBenchmarkRates(t.db.dataSource);
  await seedProducts(t.db.dataSource);
  admin = await t.tokenFor('ADMIN');
  fundAdmin = await t.tokenFor('FUND_ADMIN');
  auditor = await t.tokenFor('AUDITOR');
}, 60_000);
afterAll(async () => t.close());
afterEach(async () => {
  const report = await t.app.get(LedgerService).verify();
  expect(report.ok).toBe(true);
});

let n = 0;
const idem = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
/** A bank's calls, authenticated by its API key alone. */
const bank = (apiKey: string) => t.api({ apiKey });
const path = (id: string) => ({ path: { id } });

async function bankWithKey(): Promise<{ id: string; key: string }> {
  const code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const b = await apiCall(t.api(admin).POST('/api/v1/banks', { body: { code, name: `Bank ${code}` } }));
  expect(b.status).toBe(201);
  const officer = await t.tokenFor('BANK_OFFICER', { bankId: b.body.id });
  const k = await apiCall(
    t.api(officer).POST('/api/v1/banks/{id}/api-keys', { params: path(b.body.id), body: { label: 'core banking' } }),
  );
  expect(k.status).toBe(201);
  return { id: b.body.id, key: k.body.key };
}

const register = (key: string, body: Record<string, unknown>, idemKey = idem('reg')) =>
  apiCall(
    bank(key).POST('/api/v1/covered-loans', {
      params: { header: { 'Idempotency-Key': idemKey } },
      body: {
        borrowerType: 'HOUSEHOLD',
        householdId: district.householdId,
        productCode: 'HH_MICRO_STD',
        termMonths: 12,
        purpose: 'BREEDING',
        disbursementDate: TODAY,
        ...body,
      } as never,
    }),
  );

describe('a district fund and a bank, end to end', () => {
  let loanBad: { id: string; bankLoanRef: string };
  let loanGood: { id: string; bankLoanRef: string };
  let claimId: string;

  it('sets up the fund (10,000 at multiple 10) and an agreement per bank', async () => {
    district = await createDistrict(t.db.dataSource);
    const a = await bankWithKey();
    const b = await bankWithKey();
    keyA = a.key;
    keyB = b.key;
    const f = await apiCall(t.api(fundAdmin).POST('/api/v1/risk-funds', { body: { districtId: district.districtId } }));
    expect(f.status).toBe(201);
    fundId = f.body.id;
    const dep = await apiCall(
      t.api(fundAdmin).POST('/api/v1/risk-funds/{id}/deposits', {
        params: { ...path(fundId), header: { 'Idempotency-Key': idem('dep') } },
        body: { source: 'CITY', amount: '10000.00', receivedOn: '2026-01-15' },
      }),
    );
    expect(dep.status).toBe(201);
    for (const bank of [a, b]) {
      const ag = await apiCall(
        t.api(fundAdmin).POST('/api/v1/guarantee-agreements', {
          body: { agreementNo: idem('AG'), riskFundId: fundId, bankId: bank.id, validFrom: '2026-01-01' },
        }),
      );
      expect(ag.status).toBe(201);
    }
  });

  it('registers under cover with the API key, replays a retry, and refuses bad input and excess with every reason', async () => {
    const k = idem('reg');
    const first = await register(keyA, { bankLoanRef: 'ZB-0001', amount: '6000.00' }, k);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'DISBURSED',
      outstandingPrincipal: '6000.00',
      annualRatePercent: '4.35',
    });
    loanBad = first.body;
    const retry = await register(keyA, { bankLoanRef: 'ZB-0001', amount: '6000.00' }, k);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(loanBad.id);
    const dup = await register(keyA, { bankLoanRef: 'ZB-0001', amount: '6000.00' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'BANK_LOAN_REF_TAKEN', errors: [{ field: 'bankLoanRef' }] });

    const good = await register(keyA, { bankLoanRef: 'ZB-0002', amount: '44000.00' });
    expect(good.status).toBe(201);
    loanGood = good.body;

    // the household now owes 50,000.00: a further 1,000.00, at the other bank too, is beyond its line; and a rate
    // other than the one in force (benchmark 4.35 + no markup) is refused on its field
    const further = await register(keyB, {
      bankLoanRef: 'ZB-B-0001',
      amount: '1000.00',
      annualRatePercent: '9.00',
    });
    expect(further.status).toBe(422);
    expect(further.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(
      further.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort(),
    ).toEqual(['amount:BORROWER_LIMIT_EXCEEDED', 'annualRatePercent:RATE_NOT_IN_FORCE']);

    // 50,000 of 100,000 used: 60,000 more is beyond capacity and beyond the product's 50,000
    const before = await t.db.dataSource.query(`SELECT count(*)::int AS c FROM journal_entries`);
    const excess = await register(keyA, {
      bankLoanRef: 'ZB-0003',
      amount: '60000.00',
      purpose: 'CONSUMPTION',
    });
    expect(excess.status).toBe(422);
    expect(excess.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(excess.body.code).toBe('FUND_CAPACITY_EXCEEDED');
    expect(
      excess.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort(),
    ).toEqual(['amount:AMOUNT_ABOVE_MAX', 'amount:FUND_CAPACITY_EXCEEDED', 'purpose:PURPOSE_NOT_ALLOWED']);
    expect(await t.db.dataSource.query(`SELECT count(*)::int AS c FROM journal_entries`)).toEqual(before);

    const bad = await apiCall(
      bank(keyA).POST('/api/v1/covered-loans', {
        params: { header: { 'Idempotency-Key': idem('reg') } },
        body: {
          bankLoanRef: 'bad ref',
          borrowerType: 'HOUSEHOLD',
          amount: '1.234',
          termMonths: 0,
          disbursementDate: '2026-02-30',
        } as never,
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining([
        'bankLoanRef',
        'householdId',
        'amount',
        'termMonths',
        'disbursementDate',
        'productCode',
        'purpose',
      ]),
    );

    const cap = await apiCall(t.api(fundAdmin).GET('/api/v1/risk-funds/{id}/capacity', { params: path(fundId) }));
    expect(cap.body.exposure.outstanding).toBe('50000.00');
    expect(cap.body.cover.available).toBe('5000.00');
  });

  it('keeps banks apart: another bank and BANK-only endpoints', async () => {
    expect((await apiCall(bank(keyB).GET('/api/v1/covered-loans/{id}', { params: path(loanBad.id) }))).status).toBe(404);
    const listB = await apiCall(bank(keyB).GET('/api/v1/covered-loans'));
    expect(listB.body.total).toBe(0);
    const listA = await apiCall(bank(keyA).GET('/api/v1/covered-loans', { params: { query: { status: 'DISBURSED' } } }));
    expect(listA.body.total).toBe(2);
    const repay = (client: ReturnType<typeof bank>) =>
      apiCall(
        client.POST('/api/v1/covered-loans/{id}/repayments', {
          params: { ...path(loanBad.id), header: { 'Idempotency-Key': idem('rep') } },
          body: { paidOn: TODAY, principal: '1.00' } as never,
        }),
      );
    const foreign = await repay(bank(keyB));
    expect(foreign.status).toBe(404);
    // a fund user cannot report for a bank, an auditor cannot register
    expect((await register('not-a-key', { bankLoanRef: 'X', amount: '1000.00' })).status).toBe(401);
    const byFund = await repay(t.api(fundAdmin));
    expect(byFund.status).toBe(403);
    const byAuditor = await apiCall(
      t.api(auditor).POST('/api/v1/covered-loans', {
        params: { header: { 'Idempotency-Key': idem('reg') } },
        body: {} as never,
      }),
    );
    expect(byAuditor.status).toBe(403);
    expect((await apiCall(t.api(auditor).GET('/api/v1/covered-loans'))).body.total).toBe(2);
  });

  it('takes repayments (single and bulk) and overdue status; 90+ days trips the district breaker', async () => {
    const rep = await apiCall(
      bank(keyA).POST('/api/v1/covered-loans/{id}/repayments', {
        params: { ...path(loanGood.id), header: { 'Idempotency-Key': idem('rep') } },
        body: { paidOn: TODAY, principal: '4000.00', interest: '0.00' },
      }),
    );
    expect(rep.status).toBe(200);
    expect(rep.body.outstandingPrincipal).toBe('40000.00');

    const bulk = await apiCall(
      bank(keyA).POST('/api/v1/covered-loans/reports', {
        params: { header: { 'Idempotency-Key': idem('bulk') } },
        body: {
          items: [
            { bankLoanRef: loanBad.bankLoanRef, kind: 'STATUS', asOf: TODAY, daysOverdue: 95 },
            { bankLoanRef: 'ZB-UNKNOWN', kind: 'STATUS', asOf: TODAY, daysOverdue: 1 },
          ],
        },
      }),
    );
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ applied: 1, failed: 1 });
    // a row that is not an object (a list passed every row check before) is refused with the request, not reported
    for (const items of [[[]], [null], ['ZB-0001']]) {
      const bad = await apiCall(
        bank(keyA).POST('/api/v1/covered-loans/reports', {
          params: { header: { 'Idempotency-Key': idem('bulk-bad') } },
          body: { items } as never,
        }),
      );
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'items' })]));
    }
    expect(bulk.body.results[0].loan).toMatchObject({
      daysOverdue: 95,
      nonPerforming: true,
      arrearsBucket: 'DPD_90_PLUS',
    });

    // 6,000 / 46,000 = 13 % ≥ 5 %
    const br = await apiCall(bank(keyA).GET('/api/v1/districts/{id}/breaker', { params: path(district.districtId) }));
    expect(br.status).toBe(200);
    expect(br.body).toMatchObject({
      state: 'SUSPENDED',
      scope: 'OWN_BANK',
      live: { state: 'SUSPENDED', thresholdPercent: '5', ownBank: { ratioPercent: '13.0435' } },
    });
    // the fund side sees the district's figures (here the same book: one bank lends in the district)
    const full = await apiCall(
      t.api(auditor).GET('/api/v1/districts/{id}/breaker', { params: path(district.districtId) }),
    );
    expect(full.body).toMatchObject({
      live: { state: 'SUSPENDED', ratioPercent: '13.0435', thresholdPercent: '5' },
    });
    expect(full.body).not.toHaveProperty('scope');
    const refused = await register(keyA, { bankLoanRef: 'ZB-0004', amount: '1000.00' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('DISTRICT_SUSPENDED');
  });

  it('claims, approves once, resets the breaker, and shares a recovery 80:20', async () => {
    const fileClaim = (loanId: string, body: Record<string, unknown>) =>
      apiCall(
        bank(keyA).POST('/api/v1/covered-loans/{id}/claims', {
          params: { ...path(loanId), header: { 'Idempotency-Key': idem('claim') } },
          body: body as never,
        }),
      );
    const claim = await fileClaim(loanBad.id, { memo: 'borrower unreachable' });
    expect(claim.status).toBe(201);
    expect(claim.body).toMatchObject({
      status: 'FILED',
      principal: '6000.00',
      fundAmount: '4800.00',
      bankAmount: '1200.00',
    });
    claimId = claim.body.id;
    const notYet = await fileClaim(loanGood.id, {});
    expect(notYet.status).toBe(422);
    expect(notYet.body).toMatchObject({
      code: 'CLAIM_NOT_ELIGIBLE',
      errors: [{ field: 'loanId', code: 'OVERDUE_BELOW_TRIGGER' }],
    });

    // the bank cannot approve; the fund admin pays once
    const approve = (client: ReturnType<typeof bank>) =>
      apiCall(
        client.POST('/api/v1/compensation-claims/{id}/approve', {
          params: { ...path(claimId), header: { 'Idempotency-Key': idem('ap') } },
          body: {},
        }),
      );
    const byBank = await approve(bank(keyA));
    expect(byBank.status).toBe(403);
    const ok = await approve(t.api(fundAdmin));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'PAID', paidOn: TODAY });
    const twice = await approve(t.api(fundAdmin));
    expect(twice.status).toBe(409);
    const f = await apiCall(t.api(fundAdmin).GET('/api/v1/risk-funds/{id}', { params: path(fundId) }));
    expect(f.body).toMatchObject({ balance: '5200.00', compensationPaid: '4800.00' });

    const br = await apiCall(
      t.api(auditor).GET('/api/v1/districts/{id}/breaker', { params: path(district.districtId) }),
    );
    expect(br.body.state).toBe('NORMAL');
    expect(br.body.history.items.map((h: { from: string; to: string }) => `${h.from}>${h.to}`)).toEqual([
      'SUSPENDED>NORMAL',
      'NORMAL>SUSPENDED',
    ]);

    const rec = await apiCall(
      bank(keyA).POST('/api/v1/compensation-claims/{id}/recoveries', {
        params: { ...path(claimId), header: { 'Idempotency-Key': idem('rec') } },
        body: { amount: '1000.01', recoveredOn: TODAY },
      }),
    );
    expect(rec.status).toBe(200);
    expect(rec.body.recovery).toEqual({ amount: '1000.01', fundPart: '800.01', bankPart: '200.00' });
    const foreign = await apiCall(bank(keyB).GET('/api/v1/compensation-claims/{id}', { params: path(claimId) }));
    expect(foreign.status).toBe(404);
    const listed = await apiCall(
      t.api(fundAdmin).GET('/api/v1/compensation-claims', { params: { query: { status: 'PAID' } } }),
    );
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([claimId]);
    const f2 = await apiCall(t.api(fundAdmin).GET('/api/v1/risk-funds/{id}', { params: path(fundId) }));
    expect(f2.body).toMatchObject({ balance: '6000.01', recoveries: '800.01' });

    // lending resumes in the district
    const again = await register(keyA, { bankLoanRef: 'ZB-0005', amount: '1000.00' });
    expect(again.status).toBe(201);
  });
});
