import request from 'supertest';
import { FixedClock } from '#libs/common';
import { residentIdCheckChar } from '#libs/households';
import { createTestApp, type TestApp } from '#libs/testing';

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
const api = () => request(t.http);
const as = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });
let keySeq = 0;
const idem = (p = 'e2e') => ({ 'Idempotency-Key': `${p}-${Date.now()}-${++keySeq}` });
const rows = async (sql: string, params: unknown[] = []) => (await t.db.dataSource.query(sql, params)) as Record<string, unknown>[];

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
  const town = (await api().get('/api/v1/towns').query({ districtId: districtId }).set(as('ADMIN')).expect(200)).body.items[0];
  const v = await api().post('/api/v1/villages').set(as('ADMIN')).send({ townId: town.id, code, name }).expect(201);
  const fund = await api()
    .post('/api/v1/mutual-aid-funds')
    .set(as('FUND_ADMIN'))
    .send({ villageId: v.body.id, publicNoticeDays: noticeDays, secondApprovalThreshold: '4000.00' })
    .expect(201);
  await api()
    .post(`/api/v1/mutual-aid-funds/${fund.body.id}/contributions`)
    .set(as('FUND_ADMIN'))
    .set(idem('grant'))
    .send({ source: 'CITY', amount: '50000.00', documentRef: '淄财农〔2026〕8号', receivedOn: '2026-03-01' })
    .expect(201);
  const households: string[] = [];
  for (const [i, income] of ['3000.00', '3200.00', '8000.00', '2900.00'].entries()) {
    const hh = await api()
      .post('/api/v1/households')
      .set(as('LOAN_OFFICER'))
      .send({ villageId: v.body.id, headName: `${name}户${i}`, idNumber: idNumber(`19${75 + i}0315`), phone: `1390533${1200 + i}`, memberCount: 4, perCapitaIncome: income, incomeYear: 2025 })
      .expect(201);
    households.push(hh.body.id);
    await api()
      .post(`/api/v1/mutual-aid-funds/${fund.body.id}/contributions`)
      .set(as('LOAN_OFFICER'))
      .set(idem('share'))
      .send({ source: 'MEMBER', amount: '500.00', householdId: hh.body.id, receivedOn: '2026-03-01' })
      .expect(201);
  }
  const group = await api()
    .post('/api/v1/groups')
    .set(as('LOAN_OFFICER'))
    .send({ villageId: v.body.id, name: `${name}第一联保小组`, householdIds: households })
    .expect(201);
  return { villageId: v.body.id, fundId: fund.body.id, households, groupId: group.body.id };
}

let districtId: string;
let east: Village;
let west: Village;

describe('set-up by the roles', () => {
  it('admin: district, town, poverty line; fund administrator: the mutual-aid product; funds for two villages', async () => {
    const d = await api().post('/api/v1/districts').set(as('ADMIN')).send({ code: '370302', name: '淄川区', heavyTask: true }).expect(201);
    districtId = d.body.id;
    await api().post('/api/v1/towns').set(as('ADMIN')).send({ districtId, code: '370302106', name: '岭子镇' }).expect(201);
    await api().post('/api/v1/poverty-lines').set(as('ADMIN')).send({ year: 2025, line: '3560.00', note: 'source case figure' }).expect(201);
    await api()
      .post('/api/v1/products')
      .set(as('FUND_ADMIN'))
      .send({
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
      })
      .expect(201);
    east = await village('370302106201', '东坪村', 3);
    west = await village('370302106202', '西坪村', 0);
  });
});

describe('a loan through a fund with a 3-day public notice', () => {
  let loanId: string;

  it('is closed to callers without a token or the right role, and refuses bad input naming every field', async () => {
    const body = { householdId: east.households[0], productId: 'MA_E2E', amount: '5000.00', termMonths: 12, purpose: 'BREEDING' };
    await api().post('/api/v1/loan-applications').send(body).expect(401);
    const forbidden = await api().post('/api/v1/loan-applications').set(as('AUDITOR')).send(body).expect(403);
    expect(forbidden.headers['content-type']).toContain('application/problem+json');
    const [{ n: before }] = await rows(`SELECT count(*)::int AS n FROM loans`);
    const bad = await api()
      .post('/api/v1/loan-applications')
      .set(as('LOAN_OFFICER'))
      .send({ householdId: 'x', productId: 'bad code', amount: '5000.001', termMonths: 0, purpose: 'GAMBLING', extra: 1 })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['householdId', 'productId', 'amount', 'termMonths', 'purpose', 'extra']),
    );
    const unfit = await api()
      .post('/api/v1/loan-applications')
      .set(as('LOAN_OFFICER'))
      .send({ ...body, productId: 'NO_SUCH_PRODUCT' })
      .expect(422);
    expect(unfit.body).toMatchObject({ code: 'LOAN_APPLICATION_INVALID', errors: [{ field: 'productId', code: 'UNKNOWN_PRODUCT' }] });
    const [{ n: after }] = await rows(`SELECT count(*)::int AS n FROM loans`);
    expect(after).toBe(before);
  });

  it('the loan officer takes the application, checks it and submits it; the group endorses', async () => {
    const created = await api()
      .post('/api/v1/loan-applications')
      .set(as('LOAN_OFFICER'))
      .send({ householdId: east.households[0], productId: 'MA_E2E', amount: '5000.00', termMonths: 12, purpose: 'BREEDING' })
      .expect(201);
    loanId = created.body.id;
    expect(created.body).toMatchObject({ status: 'DRAFT', loanNo: expect.stringMatching(/^MA-2026-\d{6}$/), groupId: east.groupId, priority: 0 });
    const check = await api().get(`/api/v1/loan-applications/${loanId}/eligibility`).set(as('LOAN_OFFICER')).expect(200);
    expect(check.body).toMatchObject({ eligible: true, errors: [], fund: { id: east.fundId, cash: '52000.00' } });
    // a second officer's edit based on a stale version is refused
    await api().patch(`/api/v1/loan-applications/${loanId}`).set(as('LOAN_OFFICER')).send({ termMonths: 10, version: 9 }).expect(409);
    await api().post(`/api/v1/loan-applications/${loanId}/submit`).set(as('LOAN_OFFICER')).send({ version: 1 }).expect(200);
    await api().post(`/api/v1/loan-applications/${loanId}/approve`).set(as('LOAN_OFFICER')).send({}).expect(403);
    const endorsed = await api()
      .post(`/api/v1/loan-applications/${loanId}/endorse`)
      .set(as('LOAN_OFFICER'))
      .send({ note: '2026-06-01 小组会议：四户一致同意联保' })
      .expect(200);
    expect(endorsed.body).toMatchObject({ status: 'GROUP_ENDORSED', nextStep: 'APPROVAL' });
  });

  it('the fund administrator finds it in the review queue and approves it twice over the threshold: public notice', async () => {
    const queue = await api().get('/api/v1/loan-applications/review-queue').query({ fundId: east.fundId }).set(as('FUND_ADMIN')).expect(200);
    expect(queue.body.items.map((i: { id: string }) => i.id)).toEqual([loanId]);
    await api().get('/api/v1/loan-applications/review-queue').set(as('LOAN_OFFICER')).expect(403);
    const first = await api().post(`/api/v1/loan-applications/${loanId}/approve`).set(as('FUND_ADMIN')).send({ comment: 'committee' }).expect(200);
    expect(first.body).toMatchObject({ status: 'GROUP_ENDORSED', nextStep: 'SECOND_APPROVAL', needsSecondApproval: true });
    const same = await api().post(`/api/v1/loan-applications/${loanId}/approve`).set(as('FUND_ADMIN')).send({}).expect(403);
    expect(same.body.code).toBe('LOAN_MAKER_CHECKER');
    const second = await api().post(`/api/v1/loan-applications/${loanId}/approve`).set(as('FUND_ADMIN_2')).send({}).expect(200);
    expect(second.body).toMatchObject({ status: 'IN_PUBLIC_NOTICE', noticeEndsOn: '2026-06-04', approvedBy: 'fund-admin', secondApprovedBy: 'fund-admin-2' });
  });

  it('is not paid during the notice, nor without an Idempotency-Key', async () => {
    const noKey = await api().post(`/api/v1/loan-applications/${loanId}/disburse`).set(as('FUND_ADMIN')).send({}).expect(400);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    setToday('2026-06-04');
    const early = await api().post(`/api/v1/loan-applications/${loanId}/disburse`).set(as('FUND_ADMIN')).set(idem()).send({}).expect(422);
    expect(early.body.code).toBe('LOAN_NOTICE_NOT_ENDED');
  });

  it('after the notice it is paid once per Idempotency-Key; another body under the key is 409', async () => {
    setToday('2026-06-05');
    const key = { 'Idempotency-Key': `disburse-${loanId}-e2e` };
    await api().post(`/api/v1/loan-applications/${loanId}/disburse`).set(as('LOAN_OFFICER')).set(key).send({}).expect(403);
    const paid = await api().post(`/api/v1/loan-applications/${loanId}/disburse`).set(as('FUND_ADMIN')).set(key).send({}).expect(200);
    expect(paid.body).toMatchObject({
      status: 'DISBURSED',
      disbursementDate: '2026-06-05',
      maturityDate: '2027-06-05',
      annualRatePercent: '6',
      penaltyRatePercent: '9',
      outstandingPrincipal: '5000.00',
      installments: [{ number: 1, dueDate: '2027-06-05', principal: '5000.00', interest: '300.00' }],
    });
    const replay = await api().post(`/api/v1/loan-applications/${loanId}/disburse`).set(as('FUND_ADMIN')).set(key).send({}).expect(200);
    expect(replay.body.disbursementEntryId).toBe(paid.body.disbursementEntryId);
    const reused = await api()
      .post(`/api/v1/loan-applications/${loanId}/disburse`)
      .set(as('FUND_ADMIN'))
      .set(key)
      .send({ businessDate: '2026-06-05' })
      .expect(409);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const position = await api().get(`/api/v1/mutual-aid-funds/${east.fundId}/position`).set(as('FUND_ADMIN')).expect(200);
    expect(position.body).toMatchObject({ cash: '47000.00', loansOutstanding: '5000.00' });
  });

  it('the auditor reads the loan, its schedule and its history with personal data masked', async () => {
    const loan = await api().get(`/api/v1/loans/${loanId}`).set(as('AUDITOR')).expect(200);
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
    const officerView = await api().get(`/api/v1/loans/${loanId}`).set(as('LOAN_OFFICER')).expect(200);
    expect(officerView.body.borrower.personalDataMasked).toBe(false);
    const history = await api().get(`/api/v1/loans/${loanId}/history`).query({ pageSize: 3 }).set(as('AUDITOR')).expect(200);
    expect(history.body).toMatchObject({ total: 8, pageSize: 3 });
    const list = await api()
      .get('/api/v1/loans')
      .query({ districtId, status: 'DISBURSED', dateField: 'DISBURSEMENT', from: '2026-06-01', to: '2026-06-30' })
      .set(as('AUDITOR'))
      .expect(200);
    expect(list.body.items.map((l: { id: string }) => l.id)).toEqual([loanId]);
    await api().get('/api/v1/loans').query({ status: 'NOPE' }).set(as('AUDITOR')).expect(400);
    await api().get('/api/v1/loans/abc').set(as('AUDITOR')).expect(400);
    await api().get('/api/v1/loans/987654').set(as('AUDITOR')).expect(404);
    const audit = await api().get('/api/v1/audit').query({ entityType: 'loan', entityId: loanId }).set(as('AUDITOR')).expect(200);
    expect(audit.body.items.map((i: { action: string }) => i.action)).toContain('LOAN_DISBURSED');
  });
});

describe('a loan through a fund without public notice', () => {
  it('an objection has nothing to object to; the loan is paid the day it is approved', async () => {
    setToday('2026-06-10');
    const created = await api()
      .post('/api/v1/loan-applications')
      .set(as('LOAN_OFFICER'))
      .send({ householdId: west.households[1], productId: 'MA_E2E', amount: '2000.00', termMonths: 6, purpose: 'HANDICRAFT' })
      .expect(201);
    const id = created.body.id;
    await api().post(`/api/v1/loan-applications/${id}/submit`).set(as('LOAN_OFFICER')).send({}).expect(200);
    await api().post(`/api/v1/loan-applications/${id}/endorse`).set(as('LOAN_OFFICER')).send({ note: 'all agreed' }).expect(200);
    const approved = await api().post(`/api/v1/loan-applications/${id}/approve`).set(as('FUND_ADMIN')).send({}).expect(200);
    expect(approved.body).toMatchObject({ status: 'APPROVED', nextStep: 'DISBURSEMENT' });
    await api().post(`/api/v1/loan-applications/${id}/object`).set(as('LOAN_OFFICER')).send({ reason: 'late doubt' }).expect(409);
    const paid = await api().post(`/api/v1/loan-applications/${id}/disburse`).set(as('FUND_ADMIN')).set(idem()).send({}).expect(200);
    expect(paid.body).toMatchObject({ status: 'DISBURSED', disbursementDate: '2026-06-10', maturityDate: '2026-12-10' });
  });

  it('a second application of a household with an active loan is refused with the rule named', async () => {
    const created = await api()
      .post('/api/v1/loan-applications')
      .set(as('LOAN_OFFICER'))
      .send({ householdId: west.households[1], productId: 'MA_E2E', amount: '1000.00', termMonths: 6, purpose: 'PLANTING' })
      .expect(201);
    const res = await api().post(`/api/v1/loan-applications/${created.body.id}/submit`).set(as('LOAN_OFFICER')).send({}).expect(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'LOAN_NOT_ELIGIBLE', errors: [{ code: 'ACTIVE_LOAN_EXISTS', field: 'householdId' }] });
    const cancelled = await api()
      .post(`/api/v1/loan-applications/${created.body.id}/cancel`)
      .set(as('LOAN_OFFICER'))
      .send({ reason: 'the household already has a loan' })
      .expect(200);
    expect(cancelled.body.status).toBe('CANCELLED');
  });

  it('the ledger verifies', async () => {
    const report = await api().get('/api/v1/ledger/verify').set(as('AUDITOR')).expect(200);
    expect(report.body.ok).toBe(true);
    const [entries] = await rows(`SELECT count(*)::int AS n FROM journal_entries WHERE code = 'LOAN_DISBURSEMENT'`);
    expect(entries.n).toBe(2);
  });
});
