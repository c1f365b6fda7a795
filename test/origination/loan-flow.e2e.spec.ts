import { FixedClock } from '#libs/common';
import { residentIdCheckChar } from '#libs/households';
import { createTestApp, expectStatus, type TestApp } from '#libs/testing';

/**
 * A household from registration to a disbursed mutual-aid loan over HTTP, as the roles do it: the admin sets up
 * the geography and the poverty line, a fund administrator the product, the fund and its capital, the loan officer
 * registers households, takes their shares, forms the group and takes the application, the group endorses, a fund
 * administrator approves, the public notice passes (3 days in one fund, none in another), and the loan is paid
 * out; the ledger verifies afterwards.
 */
let t: TestApp;
const clock = new FixedClock(new Date('2026-06-01T04:00:00Z'));
const setToday = (date: string) => clock.set(new Date(`${date}T04:00:00Z`));
const tokens: Record<string, string> = {};
/** The generated client signed in as `who`. */
const as = (who: string) => t.api(tokens[who]);
let keySeq = 0;
const newKey = (p = 'e2e') => `${p}-${Date.now()}-${++keySeq}`;
const rows = async (sql: string, params: unknown[] = []) => (await t.db.dataSource.query(sql, params)) as Record<string, unknown>[];
const id = (value: string) => ({ path: { id: value } });

let serial = 0;
const idNumber = (birth = '19800101') => {
  const first17 = `370302${birth}${String(++serial).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};

beforeAll(async () => {
  t = await createTestApp({}, clock);
  for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const) tokens[role] = await t.tokenFor(role);
  tokens.FUND_ADMIN_2 = await t.tokenFor('FUND_ADMIN', { username: 'fund-admin-2' });
});
afterAll(async () => t?.close());

interface Village {
  villageId: string;
  fundId: string;
  households: string[];
  groupId: string;
}

/** The set-up a district and its village go through before the first loan, each step by the role that does it. */
async function village(code: string, name: string, noticeDays: number): Promise<Village> {
  const town = (await expectStatus(as('ADMIN').GET('/api/v1/towns', { params: { query: { districtId } } }), 200)).body.items[0];
  const v = await expectStatus(as('ADMIN').POST('/api/v1/villages', { body: { townId: town.id, code, name } }), 201);
  const fund = await expectStatus(
    as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds', {
      body: { villageId: v.body.id, publicNoticeDays: noticeDays, secondApprovalThreshold: '4000.00' },
    }),
    201,
  );
  await expectStatus(
    as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds/{id}/contributions', {
      params: { ...id(fund.body.id), header: { 'Idempotency-Key': newKey('grant') } },
      body: { source: 'CITY', amount: '50000.00', documentRef: '淄财农〔2026〕8号', receivedOn: '2026-03-01' },
    }),
    201,
  );
  const households: string[] = [];
  for (const [i, income] of ['3000.00', '3200.00', '8000.00', '2900.00'].entries()) {
    const hh = await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/households', {
        body: { villageId: v.body.id, headName: `${name}户${i}`, idNumber: idNumber(`19${75 + i}0315`), phone: `1390533${1200 + i}`, memberCount: 4, perCapitaIncome: income, incomeYear: 2025 },
      }),
      201,
    );
    households.push(hh.body.id);
    await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/mutual-aid-funds/{id}/contributions', {
        params: { ...id(fund.body.id), header: { 'Idempotency-Key': newKey('share') } },
        body: { source: 'MEMBER', amount: '500.00', householdId: hh.body.id, receivedOn: '2026-03-01' },
      }),
      201,
    );
  }
  const group = await expectStatus(
    as('LOAN_OFFICER').POST('/api/v1/groups', { body: { villageId: v.body.id, name: `${name}第一联保小组`, householdIds: households } }),
    201,
  );
  return { villageId: v.body.id, fundId: fund.body.id, households, groupId: group.body.id };
}

// applications with fields wrong on purpose: what matters is what the server answers
const apply = (who: string | null, body: Record<string, unknown>, status: number) =>
  expectStatus((who ? as(who) : t.api()).POST('/api/v1/loan-applications', { body: body as never }), status);
const step = (
  action: 'submit' | 'endorse' | 'approve' | 'object' | 'cancel',
  who: string,
  loanId: string,
  body: Record<string, unknown>,
  status: number,
) =>
  // bodies as the steps take them (an empty one where the step needs nothing)
  expectStatus(as(who).POST(`/api/v1/loan-applications/{id}/${action}`, { params: id(loanId), body: body as never }), status);
const disburse = (who: string, loanId: string, body: Record<string, unknown>, status: number, key: string | null = newKey()) =>
  expectStatus(
    as(who).POST('/api/v1/loan-applications/{id}/disburse', {
      // the key left out on purpose in one test
      params: { ...id(loanId), header: (key === null ? {} : { 'Idempotency-Key': key }) as never },
      body,
    }),
    status,
  );

let districtId: string;
let east: Village;
let west: Village;

describe('set-up by the roles', () => {
  it('admin: district, town, poverty line; fund administrator: the mutual-aid product; funds for two villages', async () => {
    const d = await expectStatus(as('ADMIN').POST('/api/v1/districts', { body: { code: '370302', name: '淄川区', heavyTask: true } }), 201);
    districtId = d.body.id;
    await expectStatus(as('ADMIN').POST('/api/v1/towns', { body: { districtId, code: '370302106', name: '岭子镇' } }), 201);
    await expectStatus(
      as('ADMIN').POST('/api/v1/poverty-lines', { body: { year: 2025, line: '3560.00', note: 'source case figure' } }),
      201,
    );
    await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/products', {
        body: {
          code: 'MA_E2E',
          kind: 'MUTUAL_AID',
          name: 'Village mutual-aid loan',
          minPrincipal: '100.00',
          maxPrincipal: '10000.00',
          firstLoanMax: '5000.00',
          minTermMonths: 1,
          maxTermMonths: 12,
          method: 'BULLET',
          frequency: 'AT_MATURITY',
          dayCount: 'PERIOD',
          rateSource: 'FIXED',
          fixedRatePercent: '6',
          penaltyRatePercent: '50',
          penaltyBasis: 'SURCHARGE_ON_CONTRACT',
          allowedPurposes: ['PLANTING', 'BREEDING', 'HANDICRAFT'],
          eligibleStatuses: ['POOR', 'GRADUATED', 'NON_POOR'],
          minAge: 18,
          maxAge: 65,
          requiresGroup: true,
        },
      }),
      201,
    );
    east = await village('370302106201', '东坪村', 3);
    west = await village('370302106202', '西坪村', 0);
  });
});

describe('a loan through a fund with a 3-day public notice', () => {
  let loanId: string;

  it('is closed to callers without a token or the right role, and refuses bad input naming every field', async () => {
    const body = { householdId: east.households[0], productId: 'MA_E2E', amount: '5000.00', termMonths: 12, purpose: 'BREEDING' };
    await apply(null, body, 401);
    const forbidden = await apply('AUDITOR', body, 403);
    expect(forbidden.headers['content-type']).toContain('application/problem+json');
    const [{ n: before }] = await rows(`SELECT count(*)::int AS n FROM loans`);
    const bad = await apply(
      'LOAN_OFFICER',
      { householdId: 'x', productId: 'bad code', amount: '5000.001', termMonths: 0, purpose: 'GAMBLING', extra: 1 },
      400,
    );
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['householdId', 'productId', 'amount', 'termMonths', 'purpose', 'extra']),
    );
    const unfit = await apply('LOAN_OFFICER', { ...body, productId: 'NO_SUCH_PRODUCT' }, 422);
    expect(unfit.body).toMatchObject({ code: 'LOAN_APPLICATION_INVALID', errors: [{ field: 'productId', code: 'UNKNOWN_PRODUCT' }] });
    const [{ n: after }] = await rows(`SELECT count(*)::int AS n FROM loans`);
    expect(after).toBe(before);
  });

  it('the loan officer takes the application, checks it and submits it; the group endorses', async () => {
    const created = await apply(
      'LOAN_OFFICER',
      { householdId: east.households[0], productId: 'MA_E2E', amount: '5000.00', termMonths: 12, purpose: 'BREEDING' },
      201,
    );
    loanId = created.body.id;
    expect(created.body).toMatchObject({ status: 'DRAFT', loanNo: expect.stringMatching(/^MA-2026-\d{6}$/), groupId: east.groupId, priority: 0 });
    const check = await expectStatus(as('LOAN_OFFICER').GET('/api/v1/loan-applications/{id}/eligibility', { params: id(loanId) }), 200);
    expect(check.body).toMatchObject({ eligible: true, errors: [], fund: { id: east.fundId, cash: '52000.00' } });
    // a second officer's edit based on a stale version is refused
    await expectStatus(
      as('LOAN_OFFICER').PATCH('/api/v1/loan-applications/{id}', { params: id(loanId), body: { termMonths: 10, version: 9 } }),
      409,
    );
    await step('submit', 'LOAN_OFFICER', loanId, { version: 1 }, 200);
    await step('approve', 'LOAN_OFFICER', loanId, {}, 403);
    const endorsed = await step('endorse', 'LOAN_OFFICER', loanId, { note: '2026-06-01 小组会议：四户一致同意联保' }, 200);
    expect(endorsed.body).toMatchObject({ status: 'GROUP_ENDORSED', nextStep: 'APPROVAL' });
  });

  it('the fund administrator finds it in the review queue and approves it twice over the threshold: public notice', async () => {
    const queue = await expectStatus(
      as('FUND_ADMIN').GET('/api/v1/loan-applications/review-queue', { params: { query: { fundId: east.fundId } } }),
      200,
    );
    expect(queue.body.items.map((i: { id: string }) => i.id)).toEqual([loanId]);
    await expectStatus(as('LOAN_OFFICER').GET('/api/v1/loan-applications/review-queue'), 403);
    const first = await step('approve', 'FUND_ADMIN', loanId, { comment: 'committee' }, 200);
    expect(first.body).toMatchObject({ status: 'GROUP_ENDORSED', nextStep: 'SECOND_APPROVAL', needsSecondApproval: true });
    const same = await step('approve', 'FUND_ADMIN', loanId, {}, 403);
    expect(same.body.code).toBe('LOAN_MAKER_CHECKER');
    const second = await step('approve', 'FUND_ADMIN_2', loanId, {}, 200);
    expect(second.body).toMatchObject({ status: 'IN_PUBLIC_NOTICE', noticeEndsOn: '2026-06-04', approvedBy: 'fund-admin', secondApprovedBy: 'fund-admin-2' });
  });

  it('is not paid during the notice, nor without an Idempotency-Key', async () => {
    const noKey = await disburse('FUND_ADMIN', loanId, {}, 400, null);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    setToday('2026-06-04');
    const early = await disburse('FUND_ADMIN', loanId, {}, 422);
    expect(early.body.code).toBe('LOAN_NOTICE_NOT_ENDED');
  });

  it('after the notice it is paid once per Idempotency-Key; another body under the key is 409', async () => {
    setToday('2026-06-05');
    const key = `disburse-${loanId}-e2e`;
    await disburse('LOAN_OFFICER', loanId, {}, 403, key);
    const paid = await disburse('FUND_ADMIN', loanId, {}, 200, key);
    expect(paid.body).toMatchObject({
      status: 'DISBURSED',
      disbursementDate: '2026-06-05',
      maturityDate: '2027-06-05',
      annualRatePercent: '6',
      penaltyRatePercent: '9',
      outstandingPrincipal: '5000.00',
      installments: [{ number: 1, dueDate: '2027-06-05', principal: '5000.00', interest: '300.00' }],
    });
    const replay = await disburse('FUND_ADMIN', loanId, {}, 200, key);
    expect(replay.body.disbursementEntryId).toBe(paid.body.disbursementEntryId);
    const reused = await disburse('FUND_ADMIN', loanId, { businessDate: '2026-06-05' }, 409, key);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const position = await expectStatus(as('FUND_ADMIN').GET('/api/v1/mutual-aid-funds/{id}/position', { params: id(east.fundId) }), 200);
    expect(position.body).toMatchObject({ cash: '47000.00', loansOutstanding: '5000.00' });
  });

  it('the auditor reads the loan, its schedule and its history with personal data masked', async () => {
    const loan = await expectStatus(as('AUDITOR').GET('/api/v1/loans/{id}', { params: id(loanId) }), 200);
    expect(loan.body.borrower).toMatchObject({ personalDataMasked: true, idNumber: expect.stringMatching(/^3703\*{10}\d{3}[\dX]$/) });
    expect(loan.body.events.map((e: { event: string }) => e.event)).toEqual([
      'CREATED',
      'SUBMITTED',
      'GROUP_ENDORSED',
      'FIRST_APPROVAL',
      'APPROVED',
      'PUBLIC_NOTICE_STARTED',
      'PUBLIC_NOTICE_ENDED',
      'DISBURSED',
    ]);
    const officerView = await expectStatus(as('LOAN_OFFICER').GET('/api/v1/loans/{id}', { params: id(loanId) }), 200);
    expect(officerView.body.borrower.personalDataMasked).toBe(false);
    const history = await expectStatus(
      as('AUDITOR').GET('/api/v1/loans/{id}/history', { params: { ...id(loanId), query: { pageSize: 3 } } }),
      200,
    );
    expect(history.body).toMatchObject({ total: 8, pageSize: 3 });
    const list = await expectStatus(
      as('AUDITOR').GET('/api/v1/loans', {
        params: { query: { districtId, status: 'DISBURSED', dateField: 'DISBURSEMENT', from: '2026-06-01', to: '2026-06-30' } },
      }),
      200,
    );
    expect(list.body.items.map((l: { id: string }) => l.id)).toEqual([loanId]);
    // a status that does not exist, on purpose
    await expectStatus(as('AUDITOR').GET('/api/v1/loans', { params: { query: { status: 'NOPE' as never } } }), 400);
    await expectStatus(as('AUDITOR').GET('/api/v1/loans/{id}', { params: id('abc') }), 400);
    await expectStatus(as('AUDITOR').GET('/api/v1/loans/{id}', { params: id('987654') }), 404);
    const audit = await expectStatus(
      as('AUDITOR').GET('/api/v1/audit', { params: { query: { entityType: 'loan', entityId: loanId } } }),
      200,
    );
    expect(audit.body.items.map((i: { action: string }) => i.action)).toContain('LOAN_DISBURSED');
  });
});

describe('a loan through a fund without public notice', () => {
  it('an objection has nothing to object to; the loan is paid the day it is approved', async () => {
    setToday('2026-06-10');
    const created = await apply(
      'LOAN_OFFICER',
      { householdId: west.households[1], productId: 'MA_E2E', amount: '2000.00', termMonths: 6, purpose: 'HANDICRAFT' },
      201,
    );
    const loan = created.body.id;
    await step('submit', 'LOAN_OFFICER', loan, {}, 200);
    await step('endorse', 'LOAN_OFFICER', loan, { note: 'all agreed' }, 200);
    const approved = await step('approve', 'FUND_ADMIN', loan, {}, 200);
    expect(approved.body).toMatchObject({ status: 'APPROVED', nextStep: 'DISBURSEMENT' });
    await step('object', 'LOAN_OFFICER', loan, { reason: 'late doubt' }, 409);
    const paid = await disburse('FUND_ADMIN', loan, {}, 200);
    expect(paid.body).toMatchObject({ status: 'DISBURSED', disbursementDate: '2026-06-10', maturityDate: '2026-12-10' });
  });

  it('a second application of a household with an active loan is refused with the rule named', async () => {
    const created = await apply(
      'LOAN_OFFICER',
      { householdId: west.households[1], productId: 'MA_E2E', amount: '1000.00', termMonths: 6, purpose: 'PLANTING' },
      201,
    );
    const res = await step('submit', 'LOAN_OFFICER', created.body.id, {}, 422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'LOAN_NOT_ELIGIBLE', errors: [{ code: 'ACTIVE_LOAN_EXISTS', field: 'householdId' }] });
    const cancelled = await step('cancel', 'LOAN_OFFICER', created.body.id, { reason: 'the household already has a loan' }, 200);
    expect(cancelled.body.status).toBe('CANCELLED');
  });

  it('the ledger verifies', async () => {
    const report = await expectStatus(as('AUDITOR').GET('/api/v1/ledger/verify'), 200);
    expect(report.body.ok).toBe(true);
    const [entries] = await rows(`SELECT count(*)::int AS n FROM journal_entries WHERE code = 'LOAN_DISBURSEMENT'`);
    expect(entries.n).toBe(2);
  });
});
