import type { DataSource } from 'typeorm';
import { DomainError, FixedClock, RequestContext, type Actor } from '#libs/common';
import { AgreementsService, CoveredLoansService, RiskFundsService, riskFundCoverAccounts } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { formatYuan, yuan } from '#libs/money';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { ReportingService } from '#libs/reporting';
import { createTestApp, type TestApp } from '#libs/testing';
import { createBank, createDistrict } from '../guarantee/fixtures.js';
import { createFund, createProduct, disburse, harnessOn } from '../repayment/fixtures.js';

/**
 * Every money movement is dated by its value date, so a month's report reads the books as they stood that month,
 * whenever the entries were keyed in. The two cases the books once contradicted themselves on: covered loans
 * registered this month that were paid out last month, and a village fund whose capital came in long before its
 * loans.
 */
const TODAY = '2026-12-06';
let t: TestApp;
let ds: DataSource;
let ledger: LedgerService;
let reports: ReportingService;

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date(`${TODAY}T04:00:00Z`)));
  ds = t.db.dataSource;
  await seedBenchmarkRates(ds);
  await seedProducts(ds);
  ledger = t.app.get(LedgerService);
  reports = t.app.get(ReportingService);
}, 60_000);
afterAll(async () => t.close());
afterEach(async () => {
  const report = await ledger.verify();
  expect(report.ok).toBe(true);
});

let n = 0;
const key = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
const as = <T>(actor: Partial<Actor> & { username: string; role: string }, fn: () => Promise<T>) =>
  RequestContext.run({ requestId: key('req'), actor: { userId: null, bankId: null, via: 'jwt', ...actor } }, fn);
const fundAdmin = { username: 'fund.admin', role: 'FUND_ADMIN' };

describe('covered loans registered after they were paid out', () => {
  const LOANS = 5;
  const PRINCIPAL = '50000.00';
  let districtId: string;
  let fundId: string;
  let bank: { username: string; role: string; bankId: number; via: 'api-key' };
  let householdIds: string[];

  beforeAll(async () => {
    const district = await createDistrict(ds);
    districtId = district.districtId;
    const bankId = await createBank(ds);
    bank = { username: `apikey:bank-${bankId}`, role: 'BANK_OFFICER', bankId: Number(bankId), via: 'api-key' };
    householdIds = [district.householdId];
    for (let i = 1; i < LOANS + 1; i++) {
      const [h] = await ds.query(
        `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
         VALUES ($1, 'head', $2, '1980-01-01', 3, 250000, 2025, 'POOR', 'POOR') RETURNING id::text`,
        [district.villageId, `3703029${String(Date.now() % 1e8).padStart(8, '0')}${i}${i}X`.slice(0, 18)],
      );
      householdIds.push(h.id);
    }
    await as(fundAdmin, async () => {
      const fund = await t.app.get(RiskFundsService).create({ districtId });
      fundId = fund.id;
      await t.app.get(RiskFundsService).deposit(fund.id, { source: 'CITY', amount: '1000000.00', receivedOn: '2026-10-01' }, key('dep'));
      await t.app.get(AgreementsService).create({ agreementNo: key('AG'), riskFundId: fund.id, bankId, validFrom: '2026-01-01', leverageMultiple: '10' });
    });
  });

  const register = (householdId: string, disbursementDate: string) =>
    as(bank, () =>
      t.app.get(CoveredLoansService).register(
        {
          bankLoanRef: key('REF'),
          borrowerType: 'HOUSEHOLD',
          householdId,
          productCode: 'HH_MICRO_STD',
          amount: PRINCIPAL,
          termMonths: 12,
          purpose: 'BREEDING',
          disbursementDate,
        } as never,
        key('reg'),
      ),
    );

  it("dates the cover at the disbursement date, so that month's report has the outstanding, leverage and capacity", async () => {
    for (let i = 0; i < LOANS; i++) await register(householdIds[i], '2026-11-02');
    const nov = (await reports.compute('2026-11')).districts.find((d) => d.districtId === districtId)!;
    const outstandingFen = BigInt(LOANS) * yuan(PRINCIPAL);
    // each loan is backed by ⌈50,000 / 10⌉ of the fund's money; capacity = 10 × what backs no loan
    const availableFen = yuan('1000000.00') - BigInt(LOANS) * yuan('5000.00');
    expect(nov).toMatchObject({
      fundBalance: '1000000.00',
      newCoveredLoans: LOANS,
      newCoveredAmount: formatYuan(outstandingFen),
      coveredOutstanding: formatYuan(outstandingFen),
      leverageRatio: '0.2500',
      leverageCap: '10',
      capacityLeft: formatYuan(availableFen * 10n),
    });
    // the figures of 30 November are the ledger's balances as of that date (nothing moved since)
    expect(await ledger.balanceOf(null, riskFundCoverAccounts(fundId).available)).toBe(availableFen);
    // October had no covered loan yet
    const oct = (await reports.compute('2026-10')).districts.find((d) => d.districtId === districtId)!;
    expect(oct).toMatchObject({ coveredOutstanding: '0.00', newCoveredLoans: 0, capacityLeft: '10000000.00' });
  });

  it('refuses a covered loan paid out before the fund had the money to back it, naming the date', async () => {
    const before = await ds.query(`SELECT count(*)::int AS c FROM loans WHERE district_id = $1`, [districtId]);
    const err = await register(householdIds[LOANS], '2026-09-15').catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('FUND_CAPACITY_EXCEEDED');
    expect(err.extra).toMatchObject({ date: '2026-09-15', shortfall: '5000.00' });
    expect(await ds.query(`SELECT count(*)::int AS c FROM loans WHERE district_id = $1`, [districtId])).toEqual(before);
  });
});

describe('a village fund whose capital came in long before its loans', () => {
  it("the month of the loans shows the capital and a cash balance ≥ 0; a loan dated before the capital is refused", async () => {
    const h = harnessOn(t.db, { today: TODAY });
    const fund = await createFund(h, yuan('50000.00'), '2024-03-01');
    const productVersionId = await createProduct(ds);
    await disburse(h, { fund, productVersionId, principalFen: yuan('5000.00'), date: '2026-10-31' });
    await disburse(h, { fund, productVersionId, principalFen: yuan('3000.00'), date: '2026-10-31' });
    for (const month of ['2026-10', '2026-11']) {
      const row = (await reports.compute(month)).funds.find((f) => f.fundId === fund.fundId)!;
      expect(row).toMatchObject({ capital: '50000.00', outstanding: '8000.00', cash: '42000.00' });
    }
    // the capital was there in 2024 already
    const mar24 = (await reports.compute('2024-03')).funds.find((f) => f.fundId === fund.fundId)!;
    expect(mar24).toMatchObject({ capital: '50000.00', cash: '50000.00' });

    const err = await disburse(h, { fund, productVersionId, principalFen: yuan('1000.00'), date: '2024-02-01' }).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect(err.extra).toMatchObject({ date: '2024-02-01', shortfall: '1000.00' });
  });
});

describe('the business date bounds every value date', () => {
  it('the ledger of the app refuses an entry dated after today, naming the field', async () => {
    const code = key('T:CASH');
    await ds.transaction(async (m) => {
      await ledger.openAccount(m, { code, name: code, type: 'ASSET' });
      await ledger.openAccount(m, { code: `${code}:EQ`, name: code, type: 'EQUITY' });
    });
    const entry = (valueDate: string) => ({
      idempotencyKey: key('e'),
      code: 'FUND_CONTRIBUTION' as const,
      valueDate,
      lines: [
        { account: code, side: 'DEBIT' as const, amountFen: 1n },
        { account: `${code}:EQ`, side: 'CREDIT' as const, amountFen: 1n },
      ],
    });
    const err = await ds.transaction((m) => ledger.post(m, entry('2026-12-07'))).catch((e) => e);
    expect(err).toMatchObject({ code: 'LEDGER_VALUE_DATE_IN_FUTURE', errors: [{ field: 'valueDate' }] });
    await ds.transaction((m) => ledger.post(m, entry(TODAY)));
  });
});
