import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { DomainError, FixedClock, RequestContext, type Actor } from '#libs/common';
import { AgreementsService, CoveredLoansService, RiskFundsService } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { ReportingService, ReportLedgerCheckStore } from '#libs/reporting';
import { addDays } from '#libs/schedules';
import { createTestApp, type TestApp } from '#libs/testing';
import { createBank, createDistrict } from '../guarantee/fixtures.js';

/**
 * Random back-dated histories of a district guarantee fund, keyed in in any order: deposits, withdrawals and covered
 * loans each dated some day of the year, so many arrive after later-dated ones. Whatever the engine accepts, every
 * month-end report of the year keeps its invariants (fund money ≥ 0, NPL ≤ covered outstanding, capacity = multiple ×
 * what backs no loan, totals = the sum of their rows) and every account figure equals the ledger's balance at that
 * date; whatever it refuses, it refuses with a domain error.
 */
const TODAY = '2026-12-06';
const YEAR_START = '2026-01-01';
const DAYS = 333; // 2026-01-01 … 2026-11-29
let t: TestApp;
let ds: DataSource;
let seq = 0;
const key = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const as = <T>(actor: Partial<Actor> & { username: string; role: string }, fn: () => Promise<T>) =>
  RequestContext.run({ requestId: key('req'), actor: { userId: null, bankId: null, via: 'jwt', ...actor } }, fn);
const fundAdmin = { username: 'fund.admin', role: 'FUND_ADMIN' };

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date(`${TODAY}T04:00:00Z`)));
  ds = t.db.dataSource;
  await seedBenchmarkRates(ds);
  await seedProducts(ds);
}, 60_000);
afterAll(async () => t.close());

type Op =
  | { kind: 'deposit'; day: number; thousands: number }
  | { kind: 'withdraw'; day: number; thousands: number }
  | { kind: 'loan'; day: number; household: number; thousands: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), day: fc.nat(DAYS - 1), thousands: fc.integer({ min: 5, max: 60 }) }),
  fc.record({ kind: fc.constant('withdraw' as const), day: fc.nat(DAYS - 1), thousands: fc.integer({ min: 5, max: 60 }) }),
  fc.record({
    kind: fc.constant('loan' as const),
    day: fc.nat(DAYS - 1),
    household: fc.nat(5),
    thousands: fc.integer({ min: 10, max: 50 }),
  }),
);

it('every month-end report of a randomly back-dated year keeps its invariants and agrees with the ledger', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 6, maxLength: 14 }), async (ops) => {
      const district = await createDistrict(ds);
      const bankId = await createBank(ds);
      const bank = { username: `apikey:bank-${bankId}`, role: 'BANK_OFFICER', bankId: Number(bankId), via: 'api-key' as const };
      const households: string[] = [];
      for (let i = 0; i < 6; i++) {
        const [h] = await ds.query(
          `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
           VALUES ($1, 'head', $2, '1980-01-01', 3, 250000, 2025, 'POOR', 'POOR') RETURNING id::text`,
          [district.villageId, `37${String(++seq).padStart(15, '0')}X`],
        );
        households.push(h.id);
      }
      const fundId = await as(fundAdmin, async () => {
        const fund = await t.app.get(RiskFundsService).create({ districtId: district.districtId });
        await t.app.get(AgreementsService).create({ agreementNo: key('AG'), riskFundId: fund.id, bankId, validFrom: YEAR_START, leverageMultiple: '10' });
        return fund.id;
      });
      let accepted = 0;
      for (const o of ops) {
        const date = addDays(YEAR_START, o.day);
        const amount = `${o.thousands * 1000}.00`;
        try {
          if (o.kind === 'deposit')
            await as(fundAdmin, () => t.app.get(RiskFundsService).deposit(fundId, { source: 'CITY', amount, receivedOn: date }, key('dep')));
          else if (o.kind === 'withdraw')
            await as(fundAdmin, () => t.app.get(RiskFundsService).withdraw(fundId, { source: 'CITY', amount, date } as never, key('wd')));
          else
            await as(bank, () =>
              t.app.get(CoveredLoansService).register(
                {
                  bankLoanRef: key('REF'),
                  borrowerType: 'HOUSEHOLD',
                  householdId: households[o.household],
                  productCode: 'HH_MICRO_STD',
                  amount,
                  termMonths: 12,
                  purpose: 'BREEDING',
                  disbursementDate: date,
                } as never,
                key('reg'),
              ),
            );
          accepted++;
        } catch (e) {
          // a refusal is a rule speaking (no money, no capacity, a limit), never a crash
          if (!(e instanceof DomainError)) throw e;
        }
      }
      if (process.env.PROPERTY_VERBOSE) console.log(`accepted ${accepted} of ${ops.length}`);
      const reports = t.app.get(ReportingService);
      const check = new ReportLedgerCheckStore();
      for (let month = 1; month <= 11; month++) {
        const data = await reports.compute(`2026-${String(month).padStart(2, '0')}`);
        const violations = await check.violations(ds.manager, data);
        expect(violations, `2026-${month} after ${accepted} accepted of ${JSON.stringify(ops)}`).toEqual([]);
        const row = data.districts.find((d) => d.districtId === district.districtId);
        if (row) {
          expect(row.fundBalance.startsWith('-')).toBe(false);
          expect(row.capacityLeft.startsWith('-')).toBe(false);
        }
      }
      expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 4), seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined },
  );
}, 240_000);
