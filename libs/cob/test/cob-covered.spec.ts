import type { DataSource } from 'typeorm';
import { CobService } from '#libs/cob';
import { FixedClock, RequestContext, type Actor } from '#libs/common';
import { AgreementsService, BreakerService, CoveredLoansService, RiskFundsService } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { createTestApp, type TestApp } from '#libs/testing';
import { createBank, createDistrict, type DistrictFixture } from '../../../test/guarantee/fixtures.js';

/**
 * The close of business ages BANK_COVERED loans between the bank's status reports and re-decides the districts'
 * NPL breakers (libs/guarantee/README.md, "Ageing between reports"). The whole API (CobService as the app wires it,
 * with the guarantee library's BreakerModule), real services, one clock moved forward day by day.
 */
const clock = new FixedClock(new Date('2026-01-10T04:00:00Z'));
const setToday = (d: string) => clock.set(new Date(`${d}T04:00:00Z`));

let t: TestApp;
let ds: DataSource;
let cob: CobService;
let loans: CoveredLoansService;
let breaker: BreakerService;

beforeAll(async () => {
  t = await createTestApp({}, clock);
  ds = t.db.dataSource;
  await seedBenchmarkRates(ds);
  await seedProducts(ds);
  cob = t.app.get(CobService);
  loans = t.app.get(CoveredLoansService);
  breaker = t.app.get(BreakerService);
}, 60_000);
afterAll(async () => t.close());
afterEach(async () => {
  expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
});

let n = 0;
const key = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
const as = <T>(actor: Partial<Actor> & { username: string; role: string }, fn: () => Promise<T>) =>
  RequestContext.run(
    { requestId: key('req'), actor: { userId: null, bankId: null, via: 'jwt', ...actor } },
    fn,
  );
const fundAdmin = { username: 'fund.admin', role: 'FUND_ADMIN' };

interface District {
  district: DistrictFixture;
  fundId: string;
  bank: { username: string; role: string; bankId: number; via: 'api-key' };
}

async function district(): Promise<District> {
  const d = await createDistrict(ds);
  const bankId = await createBank(ds);
  return as(fundAdmin, async () => {
    const fund = await t.app.get(RiskFundsService).create({ districtId: d.districtId });
    await t.app
      .get(RiskFundsService)
      .deposit(fund.id, { source: 'CITY', amount: '50000.00', receivedOn: '2026-01-05' }, key('dep'));
    await t.app
      .get(AgreementsService)
      .create({ agreementNo: key('AG'), riskFundId: fund.id, bankId, validFrom: '2026-01-01' });
    return {
      district: d,
      fundId: fund.id,
      bank: {
        username: `apikey:bank-${bankId}`,
        role: 'BANK_OFFICER',
        bankId: Number(bankId),
        via: 'api-key' as const,
      },
    };
  });
}

/** A 12-month loan disbursed today (monthly instalments from a month later), registered by the district's bank. */
async function register(d: District, amount: string): Promise<string> {
  const { result } = await as(d.bank, () =>
    loans.register(
      {
        bankLoanRef: key('REF'),
        borrowerType: 'HOUSEHOLD',
        householdId: d.district.householdId,
        productCode: 'HH_MICRO_STD',
        amount,
        termMonths: 12,
        purpose: 'BREEDING',
        disbursementDate: clock.today(),
      } as never,
      key('reg'),
    ),
  );
  expect(result.status).toBe('DISBURSED');
  return result.id as string;
}

const status = (d: District, loanId: string, asOf: string, daysOverdue: number) =>
  as(d.bank, () => loans.reportStatus(loanId, { asOf, daysOverdue }, key('st')));

async function figures(loanId: string) {
  const [row] = await ds.query(
    `SELECT days_overdue, arrears_bucket, non_performing FROM loans WHERE id = $1`,
    [loanId],
  );
  return row as { days_overdue: number; arrears_bucket: string; non_performing: boolean };
}

const recorded = (d: District) => breaker.state(null, d.district.districtId);

/** Everything the covered step and the breaker write, without timestamps. */
async function coveredState() {
  return {
    loans: await ds.query(
      `SELECT id, days_overdue, arrears_bucket, non_performing, status_reported_on, status_reported_days, version
         FROM loans WHERE channel = 'BANK_COVERED' ORDER BY id`,
    ),
    events: await ds.query(`SELECT loan_id, event, data FROM loan_events WHERE actor = 'cob' ORDER BY id`),
    breakers: await ds.query(
      `SELECT district_id, state, npl_fen, outstanding_fen, ratio_percent FROM district_breakers ORDER BY district_id`,
    ),
    breakerEvents: await ds.query(
      `SELECT district_id, from_state, to_state, cause FROM district_breaker_events ORDER BY id`,
    ),
  };
}

describe('close of business: covered loans', () => {
  let a: District;
  let never: string;
  let reported60: string;
  let reportedCurrent: string;
  let b: District;
  let bad: string;
  let good: string;

  it('ages a never-reported loan from its oldest unpaid due date and a reported one from its report', async () => {
    setToday('2026-01-10');
    a = await district();
    never = await register(a, '12000.00');
    reported60 = await register(a, '12000.00');
    reportedCurrent = await register(a, '12000.00');
    b = await district();
    bad = await register(b, '10000.00');
    good = await register(b, '40000.00');
    const [first] = await ds.query(
      `SELECT to_char(min(due_date), 'YYYY-MM-DD') AS due FROM loan_installments WHERE loan_id = $1`,
      [never],
    );
    expect(first.due).toBe('2026-02-10');

    setToday('2026-02-20');
    // X = 02-20: the bank says 60 days overdue for one loan and current for another
    expect((await status(a, reported60, '2026-02-20', 60)).result).toMatchObject({
      daysOverdue: 60,
      lastStatusReport: { asOf: '2026-02-20', daysOverdue: 60 },
    });
    await status(a, reportedCurrent, '2026-02-20', 0);

    setToday('2026-03-02');
    const run = await cob.run('2026-03-01', { batchSize: 2 });
    expect(run).toMatchObject({ status: 'COMPLETED', loansProcessed: 0, coveredProcessed: 5 });
    expect(run.checkpoints).toEqual([
      expect.objectContaining({ step: 'LOANS', done: true }),
      expect.objectContaining({ step: 'COVERED', batches: 3, rowsDone: 5, done: true }),
      expect.objectContaining({ step: 'SNAPSHOTS', done: true }),
    ]);
    // never reported: 03-01 − 02-10
    expect(await figures(never)).toEqual({
      days_overdue: 19,
      arrears_bucket: 'DPD_1_30',
      non_performing: false,
    });
    // 60 + (03-01 − 02-20); the unpaid 02-10 instalment is the bank's word (due before its report)
    expect(await figures(reported60)).toEqual({
      days_overdue: 69,
      arrears_bucket: 'DPD_61_90',
      non_performing: false,
    });
    // reported current and nothing fell due since
    expect(await figures(reportedCurrent)).toEqual({
      days_overdue: 0,
      arrears_bucket: 'CURRENT',
      non_performing: false,
    });
    const events = await ds.query(
      `SELECT event, data->>'to' AS "to", (data->>'daysOverdue')::int AS days FROM loan_events WHERE loan_id = $1 AND actor = 'cob'`,
      [reported60],
    );
    expect(events).toEqual([{ event: 'ARREARS_BUCKET_CHANGED', to: 'DPD_61_90', days: 69 }]);
  });

  it('a loan reported current stays current until a later instalment falls due unpaid', async () => {
    setToday('2026-03-11');
    await cob.run('2026-03-10');
    expect(await figures(reportedCurrent)).toMatchObject({ days_overdue: 0, arrears_bucket: 'CURRENT' });
    await cob.run('2026-03-11');
    // the 03-10 instalment is unpaid
    expect(await figures(reportedCurrent)).toMatchObject({ days_overdue: 1, arrears_bucket: 'DPD_1_30' });
    expect(await figures(reported60)).toMatchObject({ days_overdue: 79 });
    expect(await figures(never)).toMatchObject({ days_overdue: 29 });
  });

  it('a late report for an earlier date does not move the basis back', async () => {
    // the bank sends a report as of 02-15 (before its 02-20 one): recorded, superseded, nothing moves
    const late = await status(a, reported60, '2026-02-15', 10);
    expect(late.result).toMatchObject({
      daysOverdue: 79,
      lastStatusReport: { asOf: '2026-02-20', daysOverdue: 60 },
    });
    const [row] = await ds.query(
      `SELECT count(*)::int AS n FROM covered_loan_reports WHERE loan_id = $1 AND as_of = '2026-02-15'`,
      [reported60],
    );
    expect(row.n).toBe(1);
    await cob.run('2026-03-11', { rerun: true });
    expect(await figures(reported60)).toMatchObject({ days_overdue: 79 });
  });

  it('crossing the fund line makes the loan non-performing and trips the breaker after the run; a crash in the covered step resumes', async () => {
    // the good loan's bank reports it current the day before; the bad one is never reported
    setToday('2026-05-11');
    await status(b, good, '2026-05-11', 0);
    await cob.run('2026-05-11');
    // 05-11 − 02-10 = 90 days: at the line, not beyond it
    expect(await figures(bad)).toEqual({
      days_overdue: 90,
      arrears_bucket: 'DPD_61_90',
      non_performing: false,
    });
    expect(await recorded(b)).toBe('NORMAL');

    setToday('2026-05-12');
    const crash = new Error('simulated crash after the first covered batch');
    await expect(
      cob.run('2026-05-12', {
        batchSize: 1,
        hooks: {
          afterBatch: (step, batch) => {
            if (step === 'COVERED' && batch === 1) throw crash;
          },
        },
      }),
    ).rejects.toBe(crash);
    const halfway = await cob.get('2026-05-12');
    expect(halfway).toMatchObject({ status: 'FAILED', coveredProcessed: 1, lastError: crash.message });
    expect(halfway.checkpoints.find((c) => c.step === 'COVERED')).toMatchObject({
      lastId: never,
      batches: 1,
      done: false,
    });
    // the first batch (the lowest id) is aged for 05-12, the rest are not; no breaker was re-decided yet
    expect(await figures(never)).toMatchObject({ days_overdue: 91 });
    expect(await figures(bad)).toMatchObject({ days_overdue: 90, non_performing: false });
    expect(await recorded(b)).toBe('NORMAL');

    const resumed = await cob.run('2026-05-12', { batchSize: 1 });
    expect(resumed).toMatchObject({ status: 'COMPLETED', attempts: 2, coveredProcessed: 5 });
    expect(await figures(bad)).toEqual({
      days_overdue: 91,
      arrears_bucket: 'DPD_90_PLUS',
      non_performing: true,
    });
    expect(await figures(good)).toMatchObject({ days_overdue: 0, non_performing: false });
    // 10 000.00 of 50 000.00 is non-performing: 20 % ≥ 5 %
    expect(await recorded(b)).toBe('SUSPENDED');
    const [trip] = await ds.query(
      `SELECT from_state, to_state, cause, npl_fen::text FROM district_breaker_events WHERE district_id = $1 ORDER BY id DESC LIMIT 1`,
      [b.district.districtId],
    );
    expect(trip).toEqual({
      from_state: 'NORMAL',
      to_state: 'SUSPENDED',
      cause: 'close of business 2026-05-12',
      npl_fen: '1000000',
    });
    // district A: its never-reported loan (91 days) and the one reported 60 days overdue on 02-20 (141) are beyond 90
    expect(await recorded(a)).toBe('SUSPENDED');
    // new covered lending in district B is refused
    const refused = await as(b.bank, () =>
      loans.register(
        {
          bankLoanRef: key('REF'),
          borrowerType: 'HOUSEHOLD',
          householdId: b.district.householdId,
          productCode: 'HH_MICRO_STD',
          amount: '1000.00',
          termMonths: 12,
          purpose: 'BREEDING',
          disbursementDate: '2026-05-12',
        } as never,
        key('reg'),
      ),
    ).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'DISTRICT_SUSPENDED' });
  });

  it('running the date again changes nothing', async () => {
    const before = await coveredState();
    const again = await cob.run('2026-05-12', { rerun: true, batchSize: 2 });
    expect(again).toMatchObject({ status: 'COMPLETED', attempts: 3, coveredProcessed: 5 });
    expect(await coveredState()).toEqual(before);
  });

  it('a repayment report that pays the arrears up, then the next run, brings the district back to NORMAL', async () => {
    const owing = (await ds.query(
      `SELECT sum(principal_fen - paid_principal_fen)::text AS p, sum(interest_fen - paid_interest_fen)::text AS i
         FROM loan_installments WHERE loan_id = $1 AND due_date < '2026-05-12' AND status <> 'PAID'`,
      [bad],
    )) as { p: string; i: string }[];
    await as(b.bank, () =>
      loans.reportRepayment(
        bad,
        { paidOn: '2026-05-12', principalFen: BigInt(owing[0].p), interestFen: BigInt(owing[0].i) },
        key('rep'),
      ),
    );
    // the report settles the instalments; the loan's figures wait for the close of business
    expect(await figures(bad)).toMatchObject({ days_overdue: 91, non_performing: true });
    expect(await recorded(b)).toBe('SUSPENDED');
    setToday('2026-05-13');
    await cob.run('2026-05-13');
    expect(await figures(bad)).toEqual({ days_overdue: 0, arrears_bucket: 'CURRENT', non_performing: false });
    expect(await recorded(b)).toBe('NORMAL');
  });

  it('reported arrears stand while anything due before the report is owed, and end when a repayment pays it up', async () => {
    const owingBefore = async (date: string) =>
      (
        (await ds.query(
          `SELECT coalesce(sum(principal_fen - paid_principal_fen), 0)::text AS p,
                  coalesce(sum(interest_fen - paid_interest_fen), 0)::text AS i
             FROM loan_installments WHERE loan_id = $1 AND due_date < $2 AND status <> 'PAID'`,
          [reported60, date],
        )) as { p: string; i: string }[]
      )[0];
    // A part payment (it goes to the oldest instalment, due 02-10, before the 02-20 report): the arrears still stand.
    await as(a.bank, () =>
      loans.reportRepayment(
        reported60,
        { paidOn: '2026-05-13', principalFen: 10000n, interestFen: 0n },
        key('rep'),
      ),
    );
    setToday('2026-05-14');
    await cob.run('2026-05-14');
    expect(await figures(reported60)).toMatchObject({ days_overdue: 60 + 83, non_performing: true });

    // Paying everything due: nothing is owed from before the report, so the borrower is current again.
    const rest = await owingBefore('2026-05-15');
    await as(a.bank, () =>
      loans.reportRepayment(
        reported60,
        { paidOn: '2026-05-14', principalFen: BigInt(rest.p), interestFen: BigInt(rest.i) },
        key('rep'),
      ),
    );
    setToday('2026-05-15');
    await cob.run('2026-05-15');
    expect(await figures(reported60)).toEqual({
      days_overdue: 0,
      arrears_bucket: 'CURRENT',
      non_performing: false,
    });
  });
});
