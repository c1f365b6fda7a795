import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { FixedClock, JOBS, QUEUES, SCHEDULERS } from '#libs/common';
import { residentIdCheckChar } from '#libs/households';
import { apiCall, createTestApp, expectStatus, type TestApp } from '#libs/testing';
import { WorkerModule } from '../../apps/worker/src/worker.module.js';

/**
 * Repayments, arrears and the close of business over HTTP, on loans made through the real origination flow: a
 * loan officer records repayments (a partial one, a prepayment), a fund administrator reverses one, the repaid
 * principal funds the next disbursement at once (revolving), the admin runs the close of business through the
 * worker, and everyone reads statements, snapshots and calls; refusals are problem+json and write nothing.
 */
let t: TestApp;
let worker: INestApplicationContext | undefined;
const clock = new FixedClock(new Date('2026-03-01T04:00:00Z'));
const setToday = (date: string) => clock.set(new Date(`${date}T04:00:00Z`));
const tokens: Record<string, string> = {};
/** The generated client signed in as `who`. */
const as = (who: string) => t.api(tokens[who]);
let keySeq = 0;
const newKey = (p = 'e2e') => `${p}-${Date.now()}-${++keySeq}`;
const id = (value: string) => ({ path: { id: value } });
const rows = async (sql: string, params: unknown[] = []) =>
  (await t.db.dataSource.query(sql, params)) as Record<string, unknown>[];
const fen = (yuan: string) => BigInt(yuan.replace('.', ''));
const yuan = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`;

let serial = 0;
const idNumber = (birth: string) => {
  const first17 = `370303${birth}${String(++serial).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};

let fundId: string;
let households: string[] = [];
let loanA: string;
let loanB: string;

async function counts() {
  const [r] = await rows(
    `SELECT (SELECT count(*) FROM repayments)::int AS repayments, (SELECT count(*) FROM journal_entries)::int AS entries,
            (SELECT count(*) FROM repayment_allocations)::int AS allocations`,
  );
  return r;
}

/** A mutual-aid application taken through submission, endorsement and approval (the fund has no public notice). */
async function approvedLoan(householdId: string, amount: string): Promise<string> {
  const created = await expectStatus(
    as('LOAN_OFFICER').POST('/api/v1/loan-applications', {
      body: { householdId, productId: 'MA_MONTHLY', amount, termMonths: 6, purpose: 'BREEDING' },
    }),
    201,
  );
  const loan = created.body.id as string;
  await expectStatus(as('LOAN_OFFICER').POST('/api/v1/loan-applications/{id}/submit', { params: id(loan), body: {} }), 200);
  await expectStatus(
    as('LOAN_OFFICER').POST('/api/v1/loan-applications/{id}/endorse', { params: id(loan), body: { note: '小组会议：一致同意联保' } }),
    200,
  );
  const approved = await expectStatus(as('FUND_ADMIN').POST('/api/v1/loan-applications/{id}/approve', { params: id(loan), body: {} }), 200);
  expect(approved.body.status).toBe('APPROVED');
  return loan;
}

/** A repayment recorded on `loanId` by `who` (nobody: no token) under `key` (null: none); bodies wrong on purpose in places. */
const repay = (who: string | null, loanId: string, body: Record<string, unknown>, status: number, key: string | null = newKey()) =>
  expectStatus(
    (who ? as(who) : t.api()).POST('/api/v1/loans/{id}/repayments', {
      params: { ...id(loanId), header: (key === null ? {} : { 'Idempotency-Key': key }) as never },
      body: body as never,
    }),
    status,
  );
const disburse = (loanId: string, status: number, key = newKey('pay')) =>
  expectStatus(
    as('FUND_ADMIN').POST('/api/v1/loan-applications/{id}/disburse', { params: { ...id(loanId), header: { 'Idempotency-Key': key } }, body: {} }),
    status,
  );
// a close-of-business date, or a body wrong on purpose
const startCob = (who: string, body: Record<string, unknown>, status: number) =>
  expectStatus(as(who).POST('/api/v1/cob/runs', { body: body as never }), status);



beforeAll(async () => {
  t = await createTestApp({}, clock);
  for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const)
    tokens[role] = await t.tokenFor(role);
});
afterAll(async () => {
  await worker?.close();
  if (t) {
    // The queues of this file's own prefix: leave nothing behind in the shared Redis.
    const redis = new Redis(t.config.REDIS_URL);
    const keys = await redis.keys(`${t.config.QUEUE_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await t.close();
  }
});

describe('set-up through the real origination flow', () => {
  it('a fund lending at most 10 % of its capital, a monthly product, a group of four members; two approved loans', async () => {
    const d = await expectStatus(as('ADMIN').POST('/api/v1/districts', { body: { code: '370303', name: '张店区' } }), 201);
    const town = await expectStatus(
      as('ADMIN').POST('/api/v1/towns', { body: { districtId: d.body.id, code: '370303101', name: '马尚镇' } }),
      201,
    );
    await expectStatus(as('ADMIN').POST('/api/v1/poverty-lines', { body: { year: 2025, line: '3560.00' } }), 201);
    await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/products', {
        body: {
          code: 'MA_MONTHLY',
          kind: 'MUTUAL_AID',
          name: 'Mutual-aid loan, monthly instalments',
          minPrincipal: '100.00',
          maxPrincipal: '10000.00',
          firstLoanMax: '5000.00',
          minTermMonths: 1,
          maxTermMonths: 12,
          method: 'EQUAL_INSTALLMENT',
          frequency: 'MONTHLY',
          dayCount: 'PERIOD',
          rateSource: 'FIXED',
          fixedRatePercent: '6',
          penaltyRatePercent: '50',
          penaltyBasis: 'SURCHARGE_ON_CONTRACT',
          allowedPurposes: ['PLANTING', 'BREEDING'],
          eligibleStatuses: ['POOR', 'GRADUATED', 'NON_POOR'],
          minAge: 18,
          maxAge: 65,
          requiresGroup: true,
        },
      }),
      201,
    );
    const v = await expectStatus(
      as('ADMIN').POST('/api/v1/villages', { body: { townId: town.body.id, code: '370303101201', name: '北营村' } }),
      201,
    );
    const fund = await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds', { body: { villageId: v.body.id, publicNoticeDays: 0, lendingCapPercent: '10' } }),
      201,
    );
    fundId = fund.body.id;
    await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds/{id}/contributions', {
        params: { ...id(fundId), header: { 'Idempotency-Key': newKey('grant') } },
        body: {
          source: 'CITY',
          amount: '50000.00',
          documentRef: '淄财农〔2026〕3号',
          receivedOn: '2026-02-01',
        },
      }),
      201,
    );
    households = [];
    for (const [i, income] of ['3000.00', '3100.00', '7000.00', '2800.00'].entries()) {
      const hh = await expectStatus(
        as('LOAN_OFFICER').POST('/api/v1/households', {
          body: {
            villageId: v.body.id,
            headName: `北营户${i}`,
            idNumber: idNumber(`19${70 + i}0520`),
            memberCount: 3,
            perCapitaIncome: income,
            incomeYear: 2025,
          },
        }),
        201,
      );
      households.push(hh.body.id);
      await expectStatus(
        as('LOAN_OFFICER').POST('/api/v1/mutual-aid-funds/{id}/contributions', {
          params: { ...id(fundId), header: { 'Idempotency-Key': newKey('share') } },
          body: { source: 'MEMBER', amount: '500.00', householdId: hh.body.id, receivedOn: '2026-02-01' },
        }),
        201,
      );
    }
    await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/groups', { body: { villageId: v.body.id, name: '北营第一联保小组', householdIds: households } }),
      201,
    );
    // capital 52 000.00 → at most 5 200.00 lent out at once
    loanA = await approvedLoan(households[0], '5000.00');
    loanB = await approvedLoan(households[1], '3000.00');
    await disburse(loanA, 200);
  });
});

describe('repayments over HTTP', () => {
  let small: string;

  it('is closed to callers without a token or the right role, and needs an Idempotency-Key', async () => {
    const body = { amount: '100.00', valueDate: '2026-03-01', channel: 'CASH' };
    await repay(null, loanA, body, 401, null);
    for (const role of ['AUDITOR', 'ADMIN']) {
      const res = await repay(role, loanA, body, 403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const noKey = await repay('LOAN_OFFICER', loanA, body, 400, null);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
  });

  it('refuses malformed input naming every field, and business rules with 422, writing nothing', async () => {
    const before = await counts();
    const bad = await repay('LOAN_OFFICER', loanA, { amount: '-5.001', valueDate: '2026-02-30', channel: 'CHEQUE', extra: true }, 400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['amount', 'valueDate', 'channel', 'extra']),
    );
    const future = await repay('LOAN_OFFICER', loanA, { amount: '100.00', valueDate: '2026-03-02', channel: 'CASH' }, 422);
    expect(future.body).toMatchObject({
      code: 'REPAYMENT_VALUE_DATE_INVALID',
      errors: [{ field: 'valueDate' }],
    });
    const over = await repay('LOAN_OFFICER', loanA, { amount: '5000.01', valueDate: '2026-03-01', channel: 'CASH' }, 422);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.body).toMatchObject({
      code: 'OVERPAYMENT',
      payoff: '5000.00',
      errors: [{ field: 'amount', code: 'OVERPAYMENT' }],
    });
    expect(over.body.detail).toContain('payoff of 5000.00');
    await repay('LOAN_OFFICER', '987654', { amount: '1.00', valueDate: '2026-03-01', channel: 'CASH' }, 404);
    expect(await counts()).toEqual(before);
  });

  it('records a partial repayment: usage fee of the current instalment accrued to the value date first, then its principal', async () => {
    setToday('2026-03-15');
    const key = newKey('small');
    const body = { amount: '100.00', valueDate: '2026-03-15', channel: 'MOBILE_PAYMENT', reference: 'WX 0315' };
    const res = await repay('LOAN_OFFICER', loanA, body, 201, key);
    small = res.body.id;
    // paid 14 days into instalment 1's 31 (its fee 25.00): the fee accrued, 25.00 × 14 / 31 = 11.29, the rest principal
    expect(res.body).toMatchObject({
      allocation: { principal: '88.71', interest: '11.29', penalty: '0.00' },
      loan: { status: 'DISBURSED', outstandingPrincipal: '4911.29', daysOverdue: 0 },
      installments: [{ number: 1, principal: '88.71', interest: '11.29' }],
    });
    const again = await repay('LOAN_OFFICER', loanA, body, 201, key);
    expect(again.body).toEqual(res.body);
  });

  it('a fund administrator reverses it once, with a reason; a loan officer may not', async () => {
    setToday('2026-03-16');
    const reverse = (who: string, body: Record<string, unknown>, status: number, key = newKey()) =>
      expectStatus(
        as(who).POST('/api/v1/repayments/{id}/reversal', {
          // the reason left out on purpose once
          params: { ...id(small), header: { 'Idempotency-Key': key } },
          body: body as never,
        }),
        status,
      );
    await reverse('LOAN_OFFICER', { reason: 'wrong loan' }, 403);
    const noReason = await reverse('FUND_ADMIN', {}, 400);
    expect(noReason.body.errors.map((e: { field: string }) => e.field)).toContain('reason');
    const rev = await reverse('FUND_ADMIN', { reason: 'paid to the wrong loan' }, 200, newKey('rev'));
    expect(rev.body).toMatchObject({
      status: 'REVERSED',
      reversal: { reason: 'paid to the wrong loan' },
      loan: { outstandingPrincipal: '5000.00' },
    });
    const twice = await reverse('FUND_ADMIN', { reason: 'again' }, 409, newKey('rev'));
    expect(twice.body.code).toBe('REPAYMENT_ALREADY_REVERSED');
  });

  it('revolving: repaid principal is available at once and the next disbursement uses it', async () => {
    setToday('2026-04-01');
    const refused = await disburse(loanB, 422, newKey('payB'));
    expect(refused.body.code).toBe('FUND_CAP_EXCEEDED');
    const st = await expectStatus(as('LOAN_OFFICER').GET('/api/v1/loans/{id}/statement', { params: id(loanA) }), 200);
    const first = st.body.installments[0];
    expect(first).toMatchObject({
      number: 1,
      dueDate: '2026-04-01',
      status: 'OPEN',
      paid: { total: '0.00' },
    });
    const instalment = fen(first.scheduled.total);
    const paid = await repay(
      'LOAN_OFFICER',
      loanA,
      { amount: yuan(instalment + 250_000n), valueDate: '2026-04-01', channel: 'BANK_TRANSFER' },
      201,
      newKey('big'),
    );
    expect(paid.body).toMatchObject({ prepaidPrincipal: '2500.00', allocation: { interest: '25.00' } });
    const principal = fen(paid.body.allocation.principal);
    expect(principal).toBe(instalment - 2_500n + 250_000n);
    const position = await expectStatus(as('FUND_ADMIN').GET('/api/v1/mutual-aid-funds/{id}/position', { params: id(fundId) }), 200);
    expect(position.body.loansOutstanding).toBe(yuan(500_000n - principal));
    expect(fen(position.body.availableToLend)).toBeGreaterThanOrEqual(300_000n);
    const b = await disburse(loanB, 200, newKey('payB'));
    expect(b.body).toMatchObject({ status: 'DISBURSED', outstandingPrincipal: '3000.00' });
  });

  it('statements, payoff quotes and lists read the same facts; the shortened term shows in the schedule', async () => {
    const st = await expectStatus(as('AUDITOR').GET('/api/v1/loans/{id}/statement', { params: id(loanA) }), 200);
    expect(st.body.installments[0]).toMatchObject({ status: 'PAID', paidOn: '2026-04-01', paidOnTime: true });
    // 2500.00 prepaid from the last instalment backwards: instalment 6 and part of 5 are paid, later interest re-frozen
    expect(st.body.installments[5]).toMatchObject({ status: 'PAID', scheduled: { interest: '0.00' } });
    expect(st.body.transactions.map((x: { status: string }) => x.status)).toEqual(['REVERSED', 'POSTED']);
    expect(st.body.payoffToday).toMatchObject({
      valueDate: '2026-04-01',
      interestAccrued: '0.00',
      total: st.body.balances.principalOutstanding,
    });
    const quote = await expectStatus(
      as('LOAN_OFFICER').GET('/api/v1/loans/{id}/payoff', { params: { ...id(loanA), query: { valueDate: '2026-04-16' } } }),
      200,
    );
    expect(fen(quote.body.interestAccrued)).toBeGreaterThan(0n);
    const over = await repay('LOAN_OFFICER', loanA, { amount: '9999.00', valueDate: '2026-04-01', channel: 'CASH' }, 422);
    expect(over.body.payoff).toBe(st.body.payoffToday.total);
    const list = await expectStatus(
      as('AUDITOR').GET('/api/v1/repayments', { params: { query: { fundId, status: 'POSTED', channel: 'BANK_TRANSFER' } } }),
      200,
    );
    expect(list.body).toMatchObject({ total: 1, items: [{ loanId: loanA, prepaidPrincipal: '2500.00' }] });
    const ofLoan = await expectStatus(
      as('FUND_ADMIN').GET('/api/v1/loans/{id}/repayments', { params: { ...id(loanA), query: { status: 'REVERSED' } } }),
      200,
    );
    expect(ofLoan.body.items.map((x: { id: string }) => x.id)).toEqual([small]);
    // a status that does not exist and a date that does not either, on purpose
    await expectStatus(
      as('AUDITOR').GET('/api/v1/repayments', { params: { query: { status: 'LOST', from: '2026-13-01' } as never } }),
      400,
    );
    await expectStatus(t.api().GET('/api/v1/loans/{id}/statement', { params: id(loanA) }), 401);
  });

  it('refuses a write-off before 180 days overdue and a fee distribution of a year not ended', async () => {
    const writeOff = (who: string, status: number) =>
      expectStatus(
        as(who).POST('/api/v1/loans/{id}/write-off', {
          params: { ...id(loanA), header: { 'Idempotency-Key': newKey() } },
          body: { reason: 'test' },
        }),
        status,
      );
    const wo = await writeOff('FUND_ADMIN', 422);
    expect(wo.body).toMatchObject({
      code: 'WRITE_OFF_NOT_ALLOWED',
      errors: [{ code: 'WRITE_OFF_TOO_EARLY' }],
    });
    await writeOff('LOAN_OFFICER', 403);
    const dist = await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/mutual-aid-funds/{id}/fee-distributions', {
        params: { ...id(fundId), header: { 'Idempotency-Key': newKey() } },
        body: { year: 2026 },
      }),
      422,
    );
    expect(dist.body).toMatchObject({ code: 'FEE_DISTRIBUTION_NOT_ALLOWED', errors: [{ field: 'year' }] });
    const list = await expectStatus(as('AUDITOR').GET('/api/v1/mutual-aid-funds/{id}/fee-distributions', { params: id(fundId) }), 200);
    expect(list.body).toMatchObject({ items: [], total: 0 });
    expect((await expectStatus(as('AUDITOR').GET('/api/v1/write-offs', { params: { query: { fundId } } }), 200)).body.total).toBe(0);
  });
});

describe('close of business through the worker', () => {
  it('only the admin starts a run; bad dates are refused at once', async () => {
    await startCob('FUND_ADMIN', { businessDate: '2026-04-01' }, 403);
    const bad = await startCob('ADMIN', { businessDate: '2026-04-31', extra: 1 }, 400);
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['businessDate', 'extra']),
    );
    const future = await startCob('ADMIN', { businessDate: '2026-04-02' }, 422);
    expect(future.body.code).toBe('COB_DATE_INVALID');
  });

  it('the admin asks for a date; the worker runs job cob.<date>; the snapshot and ageing are there', async () => {
    setToday('2026-05-12');
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: t.config, clock }), {
      logger: false,
    });
    await worker.init();
    const started = await startCob('ADMIN', { businessDate: '2026-05-12' }, 200);
    expect(started.body).toMatchObject({ businessDate: '2026-05-12', jobId: 'cob.2026-05-12' });
    const deadline = Date.now() + 30_000;
    let run: { status?: string } = {};
    while (Date.now() < deadline) {
      const res = await apiCall(as('AUDITOR').GET('/api/v1/cob/runs/{businessDate}', { params: { path: { businessDate: '2026-05-12' } } }));
      if (res.status === 200 && res.body.status === 'COMPLETED') {
        run = res.body;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run).toMatchObject({ status: 'COMPLETED', loansProcessed: 2, triggeredBy: 'admin' });
    // loan B's first instalment (due 05-01) is unpaid: 11 days overdue; loan A's second (due 05-01) too
    const snaps = await expectStatus(
      as('AUDITOR').GET('/api/v1/portfolio-snapshots', { params: { query: { fundId, from: '2026-05-01' } } }),
      200,
    );
    expect(snaps.body.items).toHaveLength(1);
    expect(snaps.body.items[0]).toMatchObject({
      businessDate: '2026-05-12',
      activeLoans: 2,
      overdueLoans: 2,
      par30: '0.00',
      par30Percent: '0.00',
    });
    const b = await rows(`SELECT days_overdue, arrears_bucket FROM loans WHERE id = $1`, [loanB]);
    expect(b).toEqual([{ days_overdue: 11, arrears_bucket: 'DPD_1_30' }]);
    const again = await startCob('ADMIN', { businessDate: '2026-05-12' }, 200);
    expect(again.body).toMatchObject({ jobId: null, jobState: 'completed', run: { status: 'COMPLETED' } });
    const back = await startCob('ADMIN', { businessDate: '2026-05-11' }, 422);
    expect(back.body.errors[0].code).toBe('COB_DATE_CLOSED');
    const runs = await expectStatus(as('FUND_ADMIN').GET('/api/v1/cob/runs', { params: { query: { status: 'COMPLETED' } } }), 200);
    expect(runs.body.total).toBe(1);
    // lower case on purpose: the filter takes the status in either case
    const calls = await expectStatus(
      as('LOAN_OFFICER').GET('/api/v1/group-liability-calls', { params: { query: { fundId, status: 'open' as never } } }),
      200,
    );
    expect(calls.body.total).toBe(0);
  });

  it('the daily tick closes the day that just ended, once, whoever adds it', async () => {
    setToday('2026-05-14');
    const queue = worker!.get<Queue>(getQueueToken(QUEUES.COB), { strict: false });
    // The scheduler registered the daily tick at boot (one schedule whatever the replicas).
    expect((await queue.getJobSchedulers()).map((j) => j.key)).toContain(SCHEDULERS.COB_DAILY);
    await Promise.all([
      queue.add(JOBS.COB_DAILY, {}, { jobId: 'tick-a' }),
      queue.add(JOBS.COB_DAILY, {}, { jobId: 'tick-b' }),
    ]);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await queue.getJobState('cob.2026-05-13')) !== 'completed')
      await new Promise((r) => setTimeout(r, 200));
    expect(await queue.getJobState('cob.2026-05-13')).toBe('completed');
    const run = await expectStatus(
      as('AUDITOR').GET('/api/v1/cob/runs/{businessDate}', { params: { path: { businessDate: '2026-05-13' } } }),
      200,
    );
    expect(run.body).toMatchObject({ status: 'COMPLETED', attempts: 1, triggeredBy: 'scheduler' });
  });

  it('the ledger verifies', async () => {
    const report = await expectStatus(as('AUDITOR').GET('/api/v1/ledger/verify'), 200);
    expect(report.body.ok).toBe(true);
  });
});
