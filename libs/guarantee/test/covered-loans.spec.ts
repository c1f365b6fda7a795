import {
  AgreementsService,
  BreakerService,
  CompensationService,
  CoveredLoansService,
  GuaranteeService,
  RiskFundsService,
} from '#libs/guarantee';
import { agreementAccounts, riskFundCoverAccounts, riskFundMoneyAccounts } from '#libs/guarantee';
import {
  AppConfig,
  countQueries,
  DomainError,
  FixedClock,
  queriesSent,
  RequestContext,
  roundTripsTaken,
  type Actor,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, yuan } from '#libs/money';
import { DEFAULT_PRODUCTS, ProductsService, seedBenchmarkRates, seedProducts } from '#libs/products';
import { createTestApp, type TestApp } from '#libs/testing';
import type { DataSource } from 'typeorm';
import {
  createBank,
  createDistrict,
  createHouseholds,
  linkPoorHouseholds,
  type DistrictFixture,
} from '../../../test/guarantee/fixtures.js';

const TODAY = '2026-03-01';
let t: TestApp;
let ds: DataSource;
let ledger: LedgerService;
let loans: CoveredLoansService;
let claims: CompensationService;
let breaker: BreakerService;
let funds: RiskFundsService;
let agreements: AgreementsService;
const clock = new FixedClock(new Date(`${TODAY}T04:00:00Z`));

beforeAll(async () => {
  // 40 connections: the 60-way race below queues on the pool, not only on the fund lock
  t = await createTestApp({ DB_POOL_SIZE: '40' }, clock);
  ds = t.db.dataSource;
  await seedBenchmarkRates(ds);
  await seedProducts(ds);
  ledger = t.app.get(LedgerService);
  loans = t.app.get(CoveredLoansService);
  claims = t.app.get(CompensationService);
  breaker = t.app.get(BreakerService);
  funds = t.app.get(RiskFundsService);
  agreements = t.app.get(AgreementsService);
}, 60_000);
afterAll(async () => t.close());
afterEach(async () => {
  const report = await ledger.verify();
  expect(report.unbalancedEntries).toEqual([]);
  expect(report.balanceMismatches).toEqual([]);
  expect(report.ok).toBe(true);
});

let n = 0;
const key = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
const as = <T>(actor: Partial<Actor> & { username: string; role: string }, fn: () => Promise<T>) =>
  RequestContext.run(
    { requestId: key('req'), actor: { userId: null, bankId: null, via: 'jwt', ...actor } },
    fn,
  );
const fundAdmin = { username: 'fund.admin', role: 'FUND_ADMIN' };
const bal = (code: string) => ledger.balanceOf(null, code);

interface Setup {
  district: DistrictFixture;
  bankId: string;
  bank: { username: string; role: string; bankId: number; via: 'api-key' };
  fundId: string;
  agreementId: string;
}

async function setup(opts: {
  deposit: string;
  heavyTask?: boolean;
  minimum?: string;
  mode?: 'ADVANCE' | 'FINAL_LOSS';
}): Promise<Setup> {
  const district = await createDistrict(ds, { heavyTask: opts.heavyTask });
  const bankId = await createBank(ds);
  return as(fundAdmin, async () => {
    const fund = await funds.create({ districtId: district.districtId, minimumFund: opts.minimum });
    await funds.deposit(
      fund.id,
      { source: 'CITY', amount: opts.deposit, receivedOn: '2026-01-15' },
      key('dep'),
    );
    const ag = await agreements.create({
      agreementNo: key('AG'),
      riskFundId: fund.id,
      bankId,
      validFrom: '2026-01-01',
      compensationMode: opts.mode,
    });
    return {
      district,
      bankId,
      bank: {
        username: `apikey:bank-${bankId}`,
        role: 'BANK_OFFICER',
        bankId: Number(bankId),
        via: 'api-key' as const,
      },
      fundId: fund.id,
      agreementId: ag.id,
    };
  });
}

const registration = (s: Setup, amount: string, over: Record<string, unknown> = {}) => ({
  bankLoanRef: key('REF'),
  borrowerType: 'HOUSEHOLD' as const,
  householdId: s.district.householdId,
  productCode: 'HH_MICRO_STD',
  amount,
  termMonths: 12,
  purpose: 'BREEDING',
  disbursementDate: TODAY,
  ...over,
});

const register = (s: Setup, amount: string, over: Record<string, unknown> = {}) =>
  as(s.bank, () => loans.register(registration(s, amount, over) as never, key('reg')));

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

async function counts() {
  const [r] = await ds.query(
    `SELECT (SELECT count(*) FROM journal_entries)::int AS entries, (SELECT count(*) FROM loans)::int AS loans,
            (SELECT count(*) FROM guarantee_covers)::int AS covers, (SELECT count(*) FROM loan_installments)::int AS installments,
            (SELECT count(*) FROM idempotency_keys)::int AS keys`,
  );
  return r as Record<string, number>;
}

describe('registration', () => {
  it('registers a loan disbursed today: DISBURSED, schedule frozen, exposure outstanding, audited', async () => {
    const s = await setup({ deposit: '10000.00' });
    const { result: loan, replayed } = await register(s, '30000.00');
    expect(replayed).toBe(false);
    expect(loan).toMatchObject({
      status: 'DISBURSED',
      outstandingPrincipal: '30000.00',
      annualRatePercent: '4.35',
    });
    const a = agreementAccounts(s.agreementId);
    expect(await bal(a.exposureOutstanding)).toBe(yuan('30000.00'));
    expect(await bal(a.coverUsed)).toBe(yuan('3000.00'));
    expect(await bal(riskFundCoverAccounts(s.fundId).available)).toBe(yuan('7000.00'));
    const inst = await ds.query(
      `SELECT sum(principal_fen)::text AS p, count(*)::int AS n FROM loan_installments WHERE loan_id = $1`,
      [loan.id],
    );
    expect(inst[0]).toEqual({ p: yuan('30000.00').toString(), n: 12 });
    const audit = await ds.query(
      `SELECT action FROM audit_log WHERE entity_type = 'loan' AND entity_id = $1 ORDER BY id`,
      [loan.id],
    );
    expect(audit.map((r: { action: string }) => r.action)).toEqual([
      'COVER_RESERVED',
      'COVER_CONSUMED',
      'COVERED_LOAN_REGISTERED',
    ]);
    // the same request again is a replay; the same reference under another key is a 409
    const dup = await refusal(register(s, '30000.00', { bankLoanRef: loan.bankLoanRef }));
    expect(dup.code).toBe('BANK_LOAN_REF_TAKEN');
  });

  it('reports every failed rule at once and writes nothing', async () => {
    const s = await setup({ deposit: '1000.00', heavyTask: true, minimum: '5000000.00' });
    const before = await counts();
    const e = await refusal(register(s, '60000.00', { termMonths: 48, purpose: 'MARRIAGE' }));
    expect(e.code).toBe('FUND_BELOW_MINIMUM');
    expect(e.errors.map((x) => `${x.field}:${x.code}`).sort()).toEqual([
      'agreementId:FUND_BELOW_MINIMUM',
      'amount:AMOUNT_ABOVE_MAX',
      'amount:FUND_CAPACITY_EXCEEDED',
      'purpose:PURPOSE_NOT_ALLOWED',
      'termMonths:TERM_OUT_OF_RANGE',
    ]);
    expect(await counts()).toEqual(before);
  });

  it('checks entity caps and the asset-income lock together', async () => {
    const s = await setup({ deposit: '100000.00' });
    await ds.query(`UPDATE operating_entities SET is_asset_income_project = true WHERE id = $1`, [
      s.district.entityId,
    ]);
    const e = await refusal(
      register(s, '60000.00', {
        borrowerType: 'ENTITY',
        householdId: undefined,
        entityId: s.district.entityId,
        productCode: 'ENTITY_STD',
      }),
    );
    expect(e.errors.map((x) => x.code).sort()).toEqual([
      'ASSET_INCOME_ENTITY_LOCKED',
      'LINKED_HOUSEHOLDS_REQUIRED',
    ]);
  });

  it('a future disbursement is APPROVED with the cover reserved; cancelling voids it', async () => {
    const s = await setup({ deposit: '10000.00' });
    const { result: loan } = await register(s, '20000.00', { disbursementDate: '2026-03-20' });
    expect(loan.status).toBe('APPROVED');
    const a = agreementAccounts(s.agreementId);
    expect(await bal(a.exposurePending)).toBe(yuan('20000.00'));
    const early = await refusal(as(s.bank, () => loans.confirmDisbursement(loan.id, key('conf'))));
    expect(early.code).toBe('COVERED_LOAN_STATE_CONFLICT');
    const { result: cancelled } = await as(s.bank, () =>
      loans.cancel(loan.id, 'borrower withdrew', key('cancel')),
    );
    expect(cancelled.status).toBe('CANCELLED');
    expect(await bal(a.exposurePending)).toBe(0n);
    expect(await bal(riskFundCoverAccounts(s.fundId).available)).toBe(yuan('10000.00'));
  });

  it('60 simultaneous registrations against capacity for exactly 20: 20 accepted, exposure within multiple × balance', async () => {
    // 10,000 of fund money at multiple 10 backs 100,000 = 20 loans of 5,000
    const s = await setup({ deposit: '10000.00' });
    // one household each, so only the fund's capacity limits them (a household's own line is 50,000)
    const households = await createHouseholds(ds, s.district, 60);
    const results = await Promise.allSettled(
      households.map((householdId) => register(s, '5000.00', { householdId })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(20);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect((r.reason as DomainError).code).toBe('FUND_CAPACITY_EXCEEDED');
    const a = agreementAccounts(s.agreementId);
    const outstanding = await bal(a.exposureOutstanding);
    const balance = await bal(riskFundMoneyAccounts(s.fundId).balance);
    expect(outstanding).toBe(yuan('100000.00'));
    expect(outstanding <= 10n * balance).toBe(true);
    expect(await bal(riskFundCoverAccounts(s.fundId).available)).toBe(0n);
    const [{ c }] = await ds.query(`SELECT count(*)::int AS c FROM loans WHERE bank_id = $1`, [s.bankId]);
    expect(c).toBe(20);
  }, 60_000);
});

describe('bank reports', () => {
  it("a repayment report names its cover release's journal entry, also when that release was made before", async () => {
    const s = await setup({ deposit: '10000.00' });
    const { result: loan } = await register(s, '12000.00');
    const entryOfReport = async (k: string) => {
      const [row] = await ds.query(
        `SELECT r.cover_entry_id::text AS entry, e.code FROM covered_loan_reports r
           LEFT JOIN journal_entries e ON e.id = r.cover_entry_id
          WHERE r.idempotency_key = $1`,
        [`${s.bankId}:${k}`],
      );
      return row as { entry: string | null; code: string | null };
    };
    // the report's row goes out behind the release's posting and names the entry by its key
    const k1 = key('rep');
    await as(s.bank, () =>
      loans.reportRepayment(loan.id, { paidOn: TODAY, principalFen: yuan('100.00'), interestFen: 0n }, k1),
    );
    expect(await entryOfReport(k1)).toEqual({ entry: expect.any(String), code: 'COVER_RELEASED' });
    // a release made under the report's key before the report (not reachable through the API, whose key replays
    // first): the report posts nothing more and names that release's entry
    const k2 = key('rep');
    const earlier = await as(s.bank, () =>
      ds.transaction((m) =>
        t.app.get(GuaranteeService).release(m, {
          loanId: loan.id,
          amountFen: yuan('100.00'),
          idempotencyKey: `report:${s.bankId}:${k2}`,
          onDate: TODAY,
        }),
      ),
    );
    const entries = (await counts()).entries;
    const { result } = await as(s.bank, () =>
      loans.reportRepayment(loan.id, { paidOn: TODAY, principalFen: yuan('100.00'), interestFen: 0n }, k2),
    );
    expect((await counts()).entries).toBe(entries);
    expect(await entryOfReport(k2)).toEqual({ entry: earlier.entryId, code: 'COVER_RELEASED' });
    // the cover was released once for it: the exposure follows the principal
    expect(result.outstandingPrincipal).toBe('11800.00');
    expect(await bal(agreementAccounts(s.agreementId).exposureOutstanding)).toBe(yuan('11800.00'));
  });

  it('repayments release exactly the principal repaid; over-repayment is refused; replays apply once', async () => {
    const s = await setup({ deposit: '10000.00' });
    const { result: loan } = await register(s, '12000.00');
    const k = key('rep');
    const r1 = await as(s.bank, () =>
      loans.reportRepayment(
        loan.id,
        { paidOn: TODAY, principalFen: yuan('1000.01'), interestFen: yuan('43.50') },
        k,
      ),
    );
    const r2 = await as(s.bank, () =>
      loans.reportRepayment(
        loan.id,
        { paidOn: TODAY, principalFen: yuan('1000.01'), interestFen: yuan('43.50') },
        k,
      ),
    );
    expect(r1.result.outstandingPrincipal).toBe('10999.99');
    expect(r2.replayed).toBe(true);
    const a = agreementAccounts(s.agreementId);
    expect(await bal(a.exposureOutstanding)).toBe(yuan('10999.99'));
    expect(await bal(a.coverUsed)).toBe(yuan('1100.00')); // ⌈10,999.99 / 10⌉ to the fen
    const over = await refusal(
      as(s.bank, () =>
        loans.reportRepayment(
          loan.id,
          { paidOn: TODAY, principalFen: yuan('11000.00'), interestFen: 0n },
          key('rep'),
        ),
      ),
    );
    expect(over.code).toBe('COVERED_REPAYMENT_EXCEEDS_OUTSTANDING');
    // another bank cannot touch it
    const other = await setup({ deposit: '1000.00' });
    const e = await refusal(
      as(other.bank, () =>
        loans.reportRepayment(loan.id, { paidOn: TODAY, principalFen: 1n, interestFen: 0n }, key('x')),
      ),
    );
    expect(e.code).toBe('NOT_FOUND');
    // nor hold it up: while its own bank's work holds the loan's row, the other bank is answered at once (its
    // statements lock neither the loan nor the fund of a loan that is not its own)
    const holder = ds.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(`SELECT id FROM loans WHERE id = $1 FOR UPDATE`, [loan.id]);
      await holder.query(`SELECT id FROM risk_funds WHERE id = $1 FOR UPDATE`, [s.fundId]);
      const held = await refusal(
        as(other.bank, () =>
          loans.reportRepayment(loan.id, { paidOn: TODAY, principalFen: 1n, interestFen: 0n }, key('x')),
        ),
      );
      expect(held.code).toBe('NOT_FOUND');
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    // repaying the rest closes the loan and the cover
    const { result: closed } = await as(s.bank, () =>
      loans.reportRepayment(
        loan.id,
        { paidOn: TODAY, principalFen: yuan('10999.99'), interestFen: 0n },
        key('rep'),
      ),
    );
    expect(closed).toMatchObject({ status: 'CLOSED', outstandingPrincipal: '0.00' });
    expect(await bal(a.exposureOutstanding)).toBe(0n);
    expect(await bal(riskFundCoverAccounts(s.fundId).available)).toBe(yuan('10000.00'));
  });

  it('bulk reports: one transaction per row, a result per row, a retried batch applies nothing twice', async () => {
    const s = await setup({ deposit: '10000.00' });
    const { result: l1 } = await register(s, '10000.00');
    const { result: l2 } = await register(s, '10000.00');
    const rows = [
      {
        bankLoanRef: l1.bankLoanRef,
        kind: 'REPAYMENT' as const,
        paidOn: TODAY,
        principal: '500.00',
        interest: '0.00',
      },
      { bankLoanRef: 'NOPE-1', kind: 'STATUS' as const, asOf: TODAY, daysOverdue: 3 },
      { bankLoanRef: l2.bankLoanRef, kind: 'STATUS' as const, asOf: TODAY, daysOverdue: 12 },
      { bankLoanRef: l2.bankLoanRef, kind: 'REPAYMENT' as const, paidOn: TODAY, principal: '99999.00' },
    ];
    const k = key('bulk');
    const out = await as(s.bank, () => loans.reportBulk(rows, k));
    expect(out.results.map((r) => r.outcome)).toEqual(['APPLIED', 'FAILED', 'APPLIED', 'FAILED']);
    expect(out.results[1].error?.code).toBe('NOT_FOUND');
    expect(out.results[3].error?.code).toBe('COVERED_REPAYMENT_EXCEEDS_OUTSTANDING');
    const again = await as(s.bank, () => loans.reportBulk(rows, k));
    expect(again.results.map((r) => r.outcome)).toEqual(['REPLAYED', 'FAILED', 'REPLAYED', 'FAILED']);
    expect(await bal(agreementAccounts(s.agreementId).exposureOutstanding)).toBe(yuan('19500.00'));
    const [l2row] = await ds.query(
      `SELECT days_overdue, arrears_bucket, non_performing FROM loans WHERE id = $1`,
      [l2.id],
    );
    expect(l2row).toEqual({ days_overdue: 12, arrears_bucket: 'DPD_1_30', non_performing: false });
  });
});

describe('circuit breaker and compensation', () => {
  it('trips at the threshold, refuses new loans, pays a claim once under concurrent approvals, resets, shares a recovery', async () => {
    const s = await setup({ deposit: '10000.00' });
    const { result: bad } = await register(s, '6000.00');
    const { result: good } = await register(s, '44000.00');
    // a claim before the trigger fails with every reason
    const early = await refusal(as(s.bank, () => claims.file(bad.id, undefined, key('claim'))));
    expect(early.code).toBe('CLAIM_NOT_ELIGIBLE');
    expect(early.errors.map((e) => e.code)).toEqual(['OVERDUE_BELOW_TRIGGER']);

    // 6,000 of 50,000 more than 90 days overdue = 12 % ≥ 5 %: the district is suspended
    await as(s.bank, () => loans.reportStatus(bad.id, { asOf: TODAY, daysOverdue: 95 }, key('st')));
    expect(await breaker.state(null, s.district.districtId)).toBe('SUSPENDED');
    const refused = await refusal(register(s, '1000.00'));
    expect(refused.code).toBe('DISTRICT_SUSPENDED');

    const { result: claim } = await as(s.bank, () =>
      claims.file(bad.id, 'borrower unreachable', key('claim')),
    );
    // disbursed today: no instalment is due yet, so the basis is the principal alone; 80:20 of 6,000
    expect(claim).toMatchObject({
      principal: '6000.00',
      interest: '0.00',
      fundAmount: '4800.00',
      bankAmount: '1200.00',
      status: 'FILED',
    });
    const total = yuan(claim.principal) + yuan(claim.interest);
    const again = await refusal(as(s.bank, () => claims.file(bad.id, undefined, key('claim'))));
    expect(again.errors.map((e) => e.code)).toContain('ALREADY_CLAIMED');
    // the bank cannot approve its own claim
    const self = await refusal(as(s.bank, () => claims.approve(claim.id, key('ap'))));
    expect(self.code).toBe('CLAIM_SAME_SIDE');

    const balanceBefore = await bal(riskFundMoneyAccounts(s.fundId).balance);
    const approvals = await Promise.allSettled(
      Array.from({ length: 5 }, () => as(fundAdmin, () => claims.approve(claim.id, key('ap')))),
    );
    expect(approvals.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of approvals.filter((x): x is PromiseRejectedResult => x.status === 'rejected'))
      expect((r.reason as DomainError).code).toBe('CLAIM_STATE_CONFLICT');
    const fundAmount = yuan(claim.fundAmount);
    expect(await bal(riskFundMoneyAccounts(s.fundId).balance)).toBe(balanceBefore - fundAmount);
    expect(await bal(riskFundMoneyAccounts(s.fundId).compensationExpense)).toBe(fundAmount);
    const a = agreementAccounts(s.agreementId);
    expect(await bal(a.exposureOutstanding)).toBe(yuan('44000.00'));
    const [{ c }] = await ds.query(
      `SELECT count(*)::int AS c FROM risk_fund_movements WHERE kind = 'COMPENSATION' AND risk_fund_id = $1`,
      [s.fundId],
    );
    expect(c).toBe(1);
    // the compensated loan left the covered book: the ratio is 0 and the breaker reset, with both changes logged
    expect(await breaker.state(null, s.district.districtId)).toBe('NORMAL');
    const view = await breaker.view(s.district.districtId, { page: 1, pageSize: 50 });
    expect(view.history.items.map((h) => `${h.from}>${h.to}`)).toEqual([
      'SUSPENDED>NORMAL',
      'NORMAL>SUSPENDED',
    ]);

    // the cover pool: LIMIT = balance = available + backing − shortfall
    const c2 = riskFundCoverAccounts(s.fundId);
    expect(await bal(c2.limit)).toBe(await bal(riskFundMoneyAccounts(s.fundId).balance));
    expect((await bal(c2.available)) + (await bal(a.coverUsed)) - (await bal(c2.shortfall))).toBe(
      await bal(c2.limit),
    );
    expect(good.status).toBe('DISBURSED');

    // a recovery of 1,000.01 comes back 80:20, exactly
    const { result: rec } = await as(s.bank, () =>
      claims.recover(claim.id, { amount: '1000.01', recoveredOn: TODAY }, key('rec')),
    );
    expect(rec.recovery).toEqual({ amount: '1000.01', fundPart: '800.01', bankPart: '200.00' });
    expect(await bal(riskFundMoneyAccounts(s.fundId).recoveryIncome)).toBe(yuan('800.01'));
    const tooMuch = await refusal(
      as(s.bank, () =>
        claims.recover(claim.id, { amount: formatYuan(total), recoveredOn: TODAY }, key('rec')),
      ),
    );
    expect(tooMuch.code).toBe('RECOVERY_EXCEEDS_CLAIM');
  }, 30_000);

  it('pays a claim on the day the fund paid (paidOn): never after today nor before the claim was filed', async () => {
    const s = await setup({ deposit: '100000.00' });
    const { result: loan } = await register(s, '6000.00');
    await as(s.bank, () => loans.reportStatus(loan.id, { asOf: TODAY, daysOverdue: 120 }, key('st')));
    const { result: claim } = await as(s.bank, () => claims.file(loan.id, undefined, key('claim')));
    clock.set(new Date('2026-03-11T04:00:00Z'));
    try {
      const approve = (paidOn: string) => as(fundAdmin, () => claims.approve(claim.id, key('ap'), { paidOn }));
      const future = await refusal(approve('2026-03-12'));
      expect(future.errors).toEqual([expect.objectContaining({ field: 'paidOn', code: 'DATE_IN_FUTURE' })]);
      const early = await refusal(approve('2026-02-28'));
      expect(early.errors).toEqual([expect.objectContaining({ field: 'paidOn' })]);
      const { result: paid } = await approve('2026-03-04');
      expect(paid).toMatchObject({ status: 'PAID', paidOn: '2026-03-04' });
      // the fund's payment, its cover side and the release of the exposure all carry the payment's value date
      const dates = await ds.query(
        `SELECT DISTINCT business_date::text AS d FROM journal_entries WHERE idempotency_key IN ($1, $2, $3)`,
        [`compensation:claim:${claim.id}`, `cover:compensation:claim:${claim.id}`, `cover:release:loan:${loan.id}:claim:${claim.id}`],
      );
      expect(dates).toEqual([{ d: '2026-03-04' }]);
    } finally {
      clock.set(new Date(`${TODAY}T04:00:00Z`));
    }
  }, 30_000);

  it('pays compensation beyond the freed backing by booking a cover shortfall, repaid first by the next inflow', async () => {
    // 5,000 backs 50,000: fully used by two loans; the claim on the 6,000 loan frees only 600 of backing
    const s = await setup({ deposit: '5000.00' });
    const { result: loan } = await register(s, '6000.00');
    await register(s, '44000.00');
    await as(s.bank, () => loans.reportStatus(loan.id, { asOf: TODAY, daysOverdue: 120 }, key('st')));
    const { result: claim } = await as(s.bank, () => claims.file(loan.id, undefined, key('claim')));
    const { result: paid } = await as(fundAdmin, () => claims.approve(claim.id, key('ap')));
    expect(paid).toMatchObject({ status: 'PAID', fundAmount: '4800.00' });
    const c = riskFundCoverAccounts(s.fundId);
    const a = agreementAccounts(s.agreementId);
    expect(await bal(riskFundMoneyAccounts(s.fundId).balance)).toBe(yuan('200.00'));
    expect(await bal(c.limit)).toBe(yuan('200.00'));
    expect(await bal(c.available)).toBe(0n);
    expect(await bal(c.shortfall)).toBe(yuan('4200.00'));
    expect(await bal(a.coverUsed)).toBe(yuan('4400.00'));
    // no capacity while the shortfall stands
    expect((await refusal(register(s, '1000.00'))).errors.map((e) => e.code)).toContain(
      'FUND_CAPACITY_EXCEEDED',
    );
    await as(fundAdmin, () =>
      funds.deposit(s.fundId, { source: 'DISTRICT', amount: '5000.00', receivedOn: TODAY }, key('dep')),
    );
    expect(await bal(c.shortfall)).toBe(0n);
    expect(await bal(c.available)).toBe(yuan('800.00'));
  }, 30_000);
});

describe('the borrower: its credit line over every active covered loan, and the policy rate', () => {
  const codes = (e: DomainError) => e.errors.map((x) => `${x.field}:${x.code}`);

  /** A second bank with an agreement on the same district fund (the borrower's line holds across banks). */
  async function secondBank(s: Setup) {
    const bankId = await createBank(ds);
    await as(fundAdmin, () =>
      agreements.create({ agreementNo: key('AG'), riskFundId: s.fundId, bankId, validFrom: '2026-01-01' }),
    );
    return { username: `apikey:bank-${bankId}`, role: 'BANK_OFFICER', bankId: Number(bankId), via: 'api-key' as const };
  }

  it("refuses a household's further loan beyond 50,000 counting what it owes at every bank", async () => {
    const s = await setup({ deposit: '100000.00' });
    await register(s, '50000.00');
    const other = await secondBank(s);
    const before = await counts();
    const e = await refusal(
      as(other, () => loans.register(registration(s, '1000.00') as never, key('reg'))),
    );
    expect(e.code).toBe('PRODUCT_RULES_NOT_MET');
    expect(codes(e)).toEqual(['amount:BORROWER_LIMIT_EXCEEDED']);
    expect(e.errors[0].message).toContain('at most 0.00 more');
    expect(await counts()).toEqual(before);
    // what is repaid frees the line again: 50,000 owed less 5,000 repaid leaves room for 5,000, not 5,000.01
    const [{ id }] = await ds.query(`SELECT id FROM loans WHERE household_id = $1`, [s.district.householdId]);
    await as(s.bank, () =>
      loans.reportRepayment(id, { paidOn: TODAY, principalFen: yuan('5000.00'), interestFen: 0n }, key('rep')),
    );
    expect(codes(await refusal(register(s, '5000.01')))).toEqual(['amount:BORROWER_LIMIT_EXCEEDED']);
    expect((await register(s, '5000.00')).result.status).toBe('DISBURSED');
  });

  it("refuses an entity's further loan beyond linked poor households × 50,000", async () => {
    const s = await setup({ deposit: '100000.00' });
    await linkPoorHouseholds(ds, s.district, 2);
    const entity = { borrowerType: 'ENTITY', householdId: undefined, entityId: s.district.entityId, productCode: 'ENTITY_STD' };
    expect((await register(s, '100000.00', entity)).result.status).toBe('DISBURSED');
    const e = await refusal(register(s, '10000.00', entity)); // the product's minimum
    expect(codes(e)).toEqual(['amount:BORROWER_LIMIT_EXCEEDED']);
    expect(e.errors[0].message).toContain('2 linked poor household(s)');
    // a third linked household raises the line by 50,000, exactly
    await linkPoorHouseholds(ds, s.district, 1);
    expect(codes(await refusal(register(s, '50000.01', entity)))).toEqual(['amount:BORROWER_LIMIT_EXCEEDED']);
    expect((await register(s, '50000.00', entity)).result.status).toBe('DISBURSED');
  });

  it('one over-limit amount split into parallel registrations at two banks: at most the line is registered', async () => {
    const s = await setup({ deposit: '100000.00' });
    const other = await secondBank(s);
    await register(s, '20000.00');
    // 12 × 5,000 = 60,000 against the 30,000 left of the household's 50,000
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        as(i % 2 ? other : s.bank, () => loans.register(registration(s, '5000.00') as never, key('reg'))),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(6);
    for (const r of refused) expect(codes(r.reason as DomainError)).toEqual(['amount:BORROWER_LIMIT_EXCEEDED']);
    const [{ owed }] = await ds.query(
      `SELECT sum(outstanding_principal_fen)::text AS owed FROM loans WHERE household_id = $1 AND status = 'DISBURSED'`,
      [s.district.householdId],
    );
    expect(BigInt(owed)).toBe(yuan('50000.00'));

    // the same for an entity (2 linked poor households: 100,000), split 8 × 15,000 = 120,000
    await linkPoorHouseholds(ds, s.district, 2);
    const entity = { borrowerType: 'ENTITY', householdId: undefined, entityId: s.district.entityId, productCode: 'ENTITY_STD' };
    const forEntity = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        as(i % 2 ? other : s.bank, () => loans.register(registration(s, '15000.00', entity) as never, key('reg'))),
      ),
    );
    expect(forEntity.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    const [{ entityOwed }] = await ds.query(
      `SELECT sum(outstanding_principal_fen)::text AS "entityOwed" FROM loans WHERE entity_id = $1 AND status = 'DISBURSED'`,
      [s.district.entityId],
    );
    expect(BigInt(entityOwed)).toBe(yuan('90000.00'));
  }, 30_000);

  describe('rate', () => {
    beforeAll(async () => {
      const std = DEFAULT_PRODUCTS.find((p) => p.code === 'HH_MICRO_STD')!;
      await as(fundAdmin, () =>
        t.app.get(ProductsService).create({ ...std, code: 'HH_MARKUP', markupPercent: '0.5' }),
      );
    });

    it('must equal the benchmark in force for the term on the contract date plus the markup, exactly', async () => {
      const s = await setup({ deposit: '100000.00' });
      const markup = { productCode: 'HH_MARKUP' };
      const before = await counts();
      const e = await refusal(register(s, '1000.00', { ...markup, annualRatePercent: '9.00' }));
      expect(e.code).toBe('PRODUCT_RULES_NOT_MET');
      expect(codes(e)).toEqual(['annualRatePercent:RATE_NOT_IN_FORCE']);
      expect(e.errors[0].message).toContain('4.85 (benchmark 4.35 + markup 0.5)');
      // 13-60 months: benchmark 4.75 + 0.5
      expect(codes(await refusal(register(s, '1000.00', { ...markup, termMonths: 24, annualRatePercent: '4.85' })))).toEqual([
        'annualRatePercent:RATE_NOT_IN_FORCE',
      ]);
      expect(codes(await refusal(register(s, '1000.00', { ...markup, annualRatePercent: '4.849999' })))).toEqual([
        'annualRatePercent:RATE_NOT_IN_FORCE',
      ]);
      expect(await counts()).toEqual(before);
      const exact = await register(s, '1000.00', { ...markup, annualRatePercent: '4.850' });
      expect(exact.result.annualRatePercent).toBe('4.85');
      const long = await register(s, '1000.00', { ...markup, termMonths: 24, annualRatePercent: '5.25' });
      expect(long.result.annualRatePercent).toBe('5.25');
      const byDefault = await register(s, '1000.00', markup);
      expect(byDefault.result.annualRatePercent).toBe('4.85');
    });
  });
});

describe('round trips', () => {
  it('a repayment report, a status report and a registration each take a fixed, small number of round trips', async () => {
    const s = await setup({ deposit: '100000.00' });
    const households = await createHouseholds(ds, s.district, 3);
    // the first registration in this process also reads the accounts' attributes the ledger keeps
    const { result: loan } = await register(s, '12000.00', { householdId: households[0] });
    // the API's own counters (DB_QUERY_COUNT): a round trip is a statement sent while none of its connection's is
    // unanswered (the rest rode along: `together`, `transaction`)
    countQueries();
    const measure = async (f: () => Promise<unknown>) => {
      const [sent, trips] = [queriesSent(), roundTripsTaken()];
      await f();
      return { statements: queriesSent() - sent, roundTrips: roundTripsTaken() - trips };
    };
    const repayment = () =>
      as(s.bank, () =>
        loans.reportRepayment(loan.id, { paidOn: TODAY, principalFen: yuan('100.00'), interestFen: yuan('1.00') }, key('rep')),
      );
    const repayments = [await measure(repayment), await measure(repayment)];
    const status = (days: number) => () =>
      as(s.bank, () => loans.reportStatus(loan.id, { asOf: TODAY, daysOverdue: days }, key('st')));
    const statuses = [await measure(status(3)), await measure(status(4))];
    const registrations = [
      await measure(() => register(s, '3000.00', { householdId: households[1] })),
      await measure(() => register(s, '3000.00', { householdId: households[2] })),
    ];
    console.log(
      `covered-loan round trips (statements): repayment report ${repayments.map((x) => `${x.roundTrips} (${x.statements})`).join(', ')}; ` +
        `status report ${statuses.map((x) => `${x.roundTrips} (${x.statements})`).join(', ')}; ` +
        `registration ${registrations.map((x) => `${x.roundTrips} (${x.statements})`).join(', ')}`,
    );
    // 17 round trips (24 statements) before the loan's locks went with the idempotency claim, the cover's lock and
    // reads with the instalments', the posting with the cover's and loan's rows and the report, the breaker's reads in
    // one and its record with COMMIT; now 5: BEGIN, claim and locks; cover and instalments; the loan's rows, the
    // posting and what follows it; the breaker's reads; the appends and the response with COMMIT.
    // without pipelining (DB_PIPELINE=false) the batches go out one statement after the other: the statements alone
    const pipelined = t.app.get(AppConfig).DB_PIPELINE;
    expect(repayments[0]).toEqual(repayments[1]);
    if (pipelined) expect(repayments[1].roundTrips).toBeLessThanOrEqual(5);
    expect(repayments[1].statements).toBeLessThanOrEqual(22);
    // 11 round trips (14 statements) before; 3 now: BEGIN, claim and locks; the loan row, the report and the breaker's
    // reads; the appends, the breaker's record and the response with COMMIT.
    expect(statuses[0]).toEqual(statuses[1]);
    if (pipelined) expect(statuses[1].roundTrips).toBeLessThanOrEqual(3);
    expect(statuses[1].statements).toBeLessThanOrEqual(12);
    // 40 round trips (44 statements) before; 13 now: BEGIN and the claim; the borrower; its district's agreement;
    // everything decided under the fund lock; the rate; the loan with its schedule (one statement); the reservation's
    // reads; its posting with the cover and its event; the consumption's reads; its posting with the cover's row and
    // event; the breaker's reads; the appends and the response with COMMIT.
    expect(registrations[0]).toEqual(registrations[1]);
    if (pipelined) expect(registrations[1].roundTrips).toBeLessThanOrEqual(13);
    // 35 statements since the reservation takes the fund's figures the registration decided on (37 before), 34 since
    // the loan and its schedule are one statement
    expect(registrations[1].statements).toBeLessThanOrEqual(34);
  });
});
