import pg from 'pg';
import { COB_LOCK_KEY, type CobService } from '#libs/cob';
import {
  activePayments,
  frozenSchedule,
  loadInstallments,
  replay,
  requireLoan,
  termsOf,
} from '#libs/repayment';
import { createTestDatabase } from '#libs/testing';
import { buildPortfolio, cobOn, cobState, type Portfolio } from '../../../test/cob/fixtures.js';
import {
  asActor,
  harnessOn,
  installmentsOf,
  key,
  loanOf,
  refused,
  repaymentHarness,
  setToday,
  type RepaymentHarness,
} from '../../../test/repayment/fixtures.js';

let h: RepaymentHarness;
let cob: CobService;
let p: Portfolio;

beforeAll(async () => {
  h = await repaymentHarness();
  cob = cobOn(h);
  p = await buildPortfolio(h);
});
afterAll(async () => h.db.drop());
afterEach(async () => {
  const report = await h.ledger.verify();
  expect(report.ok).toBe(true);
});

describe('close of business', () => {
  it('marks overdue after grace, accrues penalty, ages into buckets, flags non-performing, calls the group', async () => {
    setToday(h.clock, '2026-03-01');
    // A loan a bank holds under a guarantee fund, as overdue as L02 on paper and never reported on by its bank: the
    // COB's covered step ages it from its oldest unpaid due date (no grace, no penalty: the bank's own terms), and the
    // mutual-aid steps leave its instalments alone.
    const [bank] = await h.ds.query(
      `INSERT INTO banks (code, name) VALUES ('COBTEST', 'Test bank') RETURNING id::text`,
    );
    const [covered] = await h.ds.query(
      `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, bank_id, bank_loan_ref,
                          principal_fen, term_months, annual_rate_percent, purpose, method, frequency, day_count, rounding, status,
                          disbursement_date, outstanding_principal_fen, created_by)
       SELECT 'C01', 'BANK_COVERED', product_version_id, 'HOUSEHOLD', household_id, district_id, $2, 'BANK-REF-1', principal_fen,
              term_months, annual_rate_percent, purpose, method, frequency, day_count, rounding, 'DISBURSED', disbursement_date,
              outstanding_principal_fen, 'bank'
         FROM loans WHERE id = $1 RETURNING id::text`,
      [p.loans.L02, bank.id],
    );
    await h.ds.query(
      `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
       SELECT $2, number, due_date, period_start, days, principal_fen, original_interest_fen FROM loan_installments WHERE loan_id = $1`,
      [p.loans.L02, covered.id],
    );
    const run = await cob.run('2026-03-01', { batchSize: 4, triggeredBy: 'test' });
    expect(run).toMatchObject({
      status: 'COMPLETED',
      attempts: 1,
      loansProcessed: 12,
      batches: 3,
      callsRaised: 1,
      snapshots: 1,
    });
    const { loans } = p;
    expect(await loanOf(h.ds, loans.L01)).toMatchObject({
      days_overdue: 14,
      arrears_bucket: 'DPD_1_30',
      non_performing: false,
    });
    // 5000.00 × 14 days × 9 % / 365 = 17.26
    expect((await installmentsOf(h.ds, loans.L01))[0]).toMatchObject({
      status: 'OVERDUE',
      overdue_since: '2026-02-16',
      penalty_fen: '1726',
      penalty_fen_days: String(500_000 * 14),
      accrued_through: '2026-03-01',
    });
    expect(await loanOf(h.ds, loans.L02)).toMatchObject({ days_overdue: 59, arrears_bucket: 'DPD_31_60' });
    expect(await loanOf(h.ds, covered.id)).toMatchObject({
      days_overdue: 59,
      arrears_bucket: 'DPD_31_60',
      non_performing: false,
    });
    expect(run.coveredProcessed).toBe(1);
    expect(run.checkpoints.map((c) => [c.step, c.rowsDone, c.done])).toEqual([
      ['LOANS', 12, true],
      ['COVERED', 1, true],
      ['SNAPSHOTS', 1, true],
    ]);
    expect(await installmentsOf(h.ds, covered.id)).toMatchObject([
      { status: 'OPEN', penalty_fen_days: '0', accrued_through: null },
    ]);
    expect(await loanOf(h.ds, loans.L03)).toMatchObject({
      days_overdue: 120,
      arrears_bucket: 'DPD_90_PLUS',
      non_performing: true,
    });
    // L04 had nothing past due: the run left its row untouched (aged_as_of is still its repayment's date)
    expect(await loanOf(h.ds, loans.L04)).toMatchObject({
      days_overdue: 0,
      arrears_bucket: 'CURRENT',
      aged_as_of: '2026-02-01',
    });
    // L05's second instalment fell due 02-27; with 3 grace days it is not overdue before 03-03
    expect(await loanOf(h.ds, loans.L05)).toMatchObject({ days_overdue: 0, arrears_bucket: 'CURRENT' });
    expect((await installmentsOf(h.ds, loans.L05))[1]).toMatchObject({
      status: 'OPEN',
      penalty_fen: '0',
      penalty_fen_days: String(49_253 * 2),
    });

    const calls = await h.ds.query(
      `SELECT c.loan_id::text, c.raised_on, c.status, c.amount_due_fen::text,
              array(SELECT household_id::text FROM group_liability_call_members m WHERE m.call_id = c.id ORDER BY household_id) AS members
         FROM group_liability_calls c`,
    );
    // L02 owes 5000.00 + 75.00 fee + penalty 5000 × 59 × 9 % / 365 = 72.74
    expect(calls).toEqual([
      {
        loan_id: loans.L02,
        raised_on: '2026-03-01',
        status: 'OPEN',
        amount_due_fen: String(500_000 + 7_500 + 7_274),
        members: [p.group.members[0], p.group.members[2], p.group.members[3]].sort(
          (a, b) => Number(a) - Number(b),
        ),
      },
    ]);
    const events = await h.ds.query(
      `SELECT event, data->>'to' AS "to" FROM loan_events WHERE loan_id = $1 AND actor = 'cob' ORDER BY id`,
      [loans.L03],
    );
    expect(events).toEqual([{ event: 'NON_PERFORMING', to: 'DPD_90_PLUS' }]);

    const [snap] = await h.ds.query(
      `SELECT * FROM portfolio_snapshots WHERE fund_id = $1 AND business_date = '2026-03-01'`,
      [p.fund.fundId],
    );
    const outstanding = (
      await h.ds.query(
        `SELECT sum(outstanding_principal_fen)::text AS s FROM loans WHERE fund_id = $1 AND status = 'DISBURSED'`,
        [p.fund.fundId],
      )
    )[0].s;
    const l03 = BigInt((await loanOf(h.ds, loans.L03)).outstanding_principal_fen);
    expect(snap).toMatchObject({
      active_loans: 12,
      outstanding_fen: outstanding,
      bucket_1_30_fen: '500000',
      bucket_31_60_fen: '500000',
      bucket_90_plus_fen: l03.toString(),
      overdue_loans: 3,
      non_performing_loans: 1,
      par30_fen: (500_000n + l03).toString(),
      open_liability_calls: 1,
    });
    const par30 = ((500_000n + l03) * 20000n + BigInt(outstanding)) / (2n * BigInt(outstanding));
    expect(snap.par30_percent).toBe((Number(par30) / 100).toFixed(2));
  });

  it('leaves every loan exactly as a replay of its repayments to that date would', async () => {
    for (const loanId of Object.values(p.loans)) {
      const loan = await requireLoan(h.ds.manager, loanId);
      const rows = await loadInstallments(h.ds.manager, loanId);
      const terms = await termsOf(h.ds.manager, h.products, loan);
      const r = replay(terms, frozenSchedule(rows), await activePayments(h.ds.manager, loanId), '2026-03-01');
      expect(
        rows.map((x) => [
          x.number,
          x.status,
          x.penalty_fen,
          x.penalty_fen_days,
          x.accrued_through,
          x.overdue_since,
          x.paid_principal_fen,
          x.interest_fen,
        ]),
      ).toEqual(
        r.installments.map((x) => [
          x.number,
          x.status,
          x.penaltyFen.toString(),
          x.penaltyFenDays.toString(),
          x.accruedThrough,
          x.overdueSince,
          x.paidPrincipalFen.toString(),
          x.interestFen.toString(),
        ]),
      );
    }
  });

  it('run twice for one date: the second run changes nothing', async () => {
    const before = await cobState(h.ds);
    const again = await cob.run('2026-03-01', { batchSize: 5, rerun: true });
    expect(again).toMatchObject({ status: 'COMPLETED', attempts: 2, loansProcessed: 12 });
    expect(await cobState(h.ds)).toEqual(before);
    // without rerun a closed date is simply reported
    expect((await cob.run('2026-03-01')).attempts).toBe(2);
  });

  it('refuses a date in the future, a date before the latest closed one, and a second concurrent run', async () => {
    setToday(h.clock, '2026-03-02');
    expect((await refused(cob.run('2026-03-03'))).code).toBe('COB_DATE_INVALID');
    const back = await refused(cob.run('2026-02-28'));
    expect(back).toMatchObject({
      code: 'COB_DATE_INVALID',
      errors: [expect.objectContaining({ code: 'COB_DATE_CLOSED' })],
    });
    const other = new pg.Client({ connectionString: h.db.url });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock($1)`, [COB_LOCK_KEY]);
      expect((await refused(cob.run('2026-03-02'))).code).toBe('COB_ALREADY_RUNNING');
    } finally {
      await other.end();
    }
    expect(await h.ds.query(`SELECT 1 FROM cob_runs WHERE business_date = '2026-03-02'`)).toEqual([]);
  });

  it('a repayment ages its loan at once and clears the group call; the next day continues from there', async () => {
    setToday(h.clock, '2026-03-05');
    const payoff = await h.statements.payoff(p.loans.L02);
    const paid = await asActor('LOAN_OFFICER', () =>
      h.repayments.record(
        p.loans.L02,
        {
          amountFen: BigInt(Math.round(Number(payoff.total) * 100)),
          valueDate: '2026-03-05',
          channel: 'CASH',
        },
        key(),
      ),
    );
    expect(paid.loan).toMatchObject({ status: 'CLOSED', daysOverdue: 0 });
    expect(
      await h.ds.query(`SELECT status, cleared_on FROM group_liability_calls WHERE loan_id = $1`, [
        p.loans.L02,
      ]),
    ).toEqual([{ status: 'CLEARED', cleared_on: '2026-03-05' }]);
    // L01 pays half on 03-04 (backdated a day): its loan is aged as of today, and the COB of 03-04 leaves it alone
    await asActor('LOAN_OFFICER', () =>
      h.repayments.record(
        p.loans.L01,
        { amountFen: 200_000n, valueDate: '2026-03-04', channel: 'CASH' },
        key(),
      ),
    );
    expect(await loanOf(h.ds, p.loans.L01)).toMatchObject({ aged_as_of: '2026-03-05', days_overdue: 18 });
    const before = await installmentsOf(h.ds, p.loans.L01);
    const run4 = await cob.run('2026-03-04');
    // 11 active loans examined (L02 is closed); L01 is ahead (aged to 03-05) and left exactly as it was
    expect(run4.loansProcessed).toBe(11);
    expect(await installmentsOf(h.ds, p.loans.L01)).toEqual(before);
    const run5 = await cob.run('2026-03-05');
    expect(run5.loansProcessed).toBe(11);
    expect(await installmentsOf(h.ds, p.loans.L01)).toEqual(before);
    const [snap] = await h.ds.query(
      `SELECT open_liability_calls, active_loans FROM portfolio_snapshots WHERE business_date = '2026-03-05'`,
    );
    expect(snap).toEqual({ open_liability_calls: 0, active_loans: 11 });
  });
});

describe('close of business racing repayments', () => {
  it('repayments entered while a run works on their loans leave every loan equal to its replay', async () => {
    setToday(h.clock, '2026-03-09');
    const loans = [p.loans.L03, p.loans.L04, p.loans.L05, p.loans.L01, p.loans.L06];
    const amounts = [150_000n, 103_529n, 51_765n, 100_000n, 1_000n];
    const [run, ...paid] = await Promise.all([
      cob.run('2026-03-09', { batchSize: 2 }),
      ...loans.map((loanId, i) =>
        asActor('LOAN_OFFICER', () =>
          h.repayments.record(
            loanId,
            { amountFen: amounts[i], valueDate: '2026-03-09', channel: 'CASH' },
            key('race'),
          ),
        ),
      ),
    ]);
    expect(run.status).toBe('COMPLETED');
    expect(paid.every((r) => r.status === 'POSTED')).toBe(true);
    for (const loanId of Object.values(p.loans)) {
      const loan = await requireLoan(h.ds.manager, loanId);
      if (loan.status !== 'DISBURSED') continue;
      const rows = await loadInstallments(h.ds.manager, loanId);
      const terms = await termsOf(h.ds.manager, h.products, loan);
      const asOf = loan.aged_as_of && loan.aged_as_of > '2026-03-09' ? loan.aged_as_of : '2026-03-09';
      const r = replay(terms, frozenSchedule(rows), await activePayments(h.ds.manager, loanId), asOf);
      expect(rows.map((x) => [x.status, x.penalty_fen, x.penalty_fen_days, x.paid_principal_fen])).toEqual(
        r.installments.map((x) => [
          x.status,
          String(x.penaltyFen),
          String(x.penaltyFenDays),
          String(x.paidPrincipalFen),
        ]),
      );
    }
  });
});

describe('crash and resume', () => {
  it('a run killed after its first batch and started again ends exactly like an uninterrupted run', async () => {
    const [a, b] = [harnessOn(await createTestDatabase(8)), harnessOn(await createTestDatabase(8))];
    try {
      await buildPortfolio(a, 9);
      await buildPortfolio(b, 9);
      setToday(a.clock, '2026-03-01');
      setToday(b.clock, '2026-03-01');
      expect(await cobState(a.ds)).toEqual(await cobState(b.ds));
      await cobOn(a).run('2026-03-01', { batchSize: 3 });

      const crashing = cobOn(b);
      const crash = new Error('simulated crash after the first batch');
      await expect(
        crashing.run('2026-03-01', {
          batchSize: 3,
          hooks: {
            afterBatch: (step, n) => {
              if (step === 'LOANS' && n === 1) throw crash;
            },
          },
        }),
      ).rejects.toBe(crash);
      const halfway = await crashing.get('2026-03-01');
      expect(halfway).toMatchObject({
        status: 'FAILED',
        batches: 1,
        loansProcessed: 3,
        lastError: crash.message,
      });
      expect(halfway.checkpoints.find((c) => c.step === 'LOANS')).toMatchObject({ batches: 1, done: false });
      // the first batch (L01–L03, all in arrears) is committed, the rest untouched
      const lastId = halfway.checkpoints.find((c) => c.step === 'LOANS')!.lastId;
      const [{ aged, accrued, beyond }] = await b.ds.query(
        `SELECT (SELECT count(*) FROM loans WHERE days_overdue > 0)::int AS aged,
                (SELECT count(*) FROM loan_installments WHERE accrued_through = '2026-03-01')::int AS accrued,
                (SELECT count(*) FROM loan_installments WHERE accrued_through = '2026-03-01' AND loan_id > $1)::int AS beyond`,
        [lastId],
      );
      expect({ aged, beyond }).toEqual({ aged: 3, beyond: 0 });
      expect(accrued).toBeGreaterThan(0);

      const resumed = await cobOn(b).run('2026-03-01', { batchSize: 3 });
      expect(resumed).toMatchObject({ status: 'COMPLETED', attempts: 2, loansProcessed: 14, batches: 5 });
      expect(await cobState(b.ds)).toEqual(await cobState(a.ds));
      expect((await b.ledger.verify()).ok).toBe(true);
    } finally {
      await a.db.drop();
      await b.db.drop();
    }
  });
});
