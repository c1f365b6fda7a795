import { AgreementsService, CoveredLoansService, RiskFundsService } from '#libs/guarantee';
import { FixedClock, RequestContext, type Actor } from '#libs/common';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { createTestApp, type TestApp } from '#libs/testing';
import type { DataSource } from 'typeorm';
import { createBank, createDistrict } from '../../../test/guarantee/fixtures.js';

/**
 * A bank-reported repayment of a covered loan marks the waiting reminders of the instalments it pays off
 * SKIPPED_PAID in its own transaction, as a mutual-aid repayment does (libs/repayment/test/reminders.spec.ts).
 */

const TODAY = '2026-03-01';
let t: TestApp;
let ds: DataSource;
let loans: CoveredLoansService;
let funds: RiskFundsService;
let agreements: AgreementsService;

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date(`${TODAY}T04:00:00Z`)));
  ds = t.db.dataSource;
  await seedBenchmarkRates(ds);
  await seedProducts(ds);
  loans = t.app.get(CoveredLoansService);
  funds = t.app.get(RiskFundsService);
  agreements = t.app.get(AgreementsService);
}, 60_000);
afterAll(async () => t.close());

let n = 0;
const key = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
const as = <T>(actor: Partial<Actor> & { username: string; role: string }, fn: () => Promise<T>) =>
  RequestContext.run(
    { requestId: key('req'), actor: { userId: null, bankId: null, via: 'jwt', ...actor } },
    fn,
  );

async function coveredLoan() {
  const district = await createDistrict(ds, {});
  const bankId = await createBank(ds);
  const bank = {
    username: `apikey:bank-${bankId}`,
    role: 'BANK_OFFICER',
    bankId: Number(bankId),
    via: 'api-key' as const,
  };
  await as({ username: 'fund.admin', role: 'FUND_ADMIN' }, async () => {
    const fund = await funds.create({ districtId: district.districtId });
    await funds.deposit(
      fund.id,
      { source: 'CITY', amount: '10000.00', receivedOn: '2026-01-15' },
      key('dep'),
    );
    await agreements.create({ agreementNo: key('AG'), riskFundId: fund.id, bankId, validFrom: '2026-01-01' });
  });
  const { result } = await as(bank, () =>
    loans.register(
      {
        bankLoanRef: key('REF'),
        borrowerType: 'HOUSEHOLD',
        householdId: district.householdId,
        productCode: 'HH_MICRO_STD',
        amount: '12000.00',
        termMonths: 12,
        purpose: 'BREEDING',
        disbursementDate: TODAY,
      } as never,
      key('reg'),
    ),
  );
  const inst = (await ds.query(
    `SELECT id::text, due_date, principal_fen::text AS p, interest_fen::text AS i
       FROM loan_installments WHERE loan_id = $1 ORDER BY number`,
    [result.id],
  )) as { id: string; due_date: string; p: string; i: string }[];
  return { loanId: result.id as string, bank, inst };
}

async function remind(
  loanId: string,
  i: { id: string; due_date: string },
  state = 'QUEUED',
): Promise<string> {
  const [row] = await ds.query(
    `INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, due_date, remind_on, run_id, channel, state,
                                  deferred_until)
     VALUES ($1, -7, $2, $3::date, $3::date - 7, 0, 'LOG', $4::text,
             CASE WHEN $4 = 'DEFERRED' THEN now() + interval '10 hours' END)
     RETURNING id::text`,
    [i.id, loanId, i.due_date, state],
  );
  return row.id;
}

const states = async (ids: string[]) =>
  (
    (await ds.query(`SELECT state FROM reminder_outbox WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids])) as {
      state: string;
    }[]
  ).map((r) => r.state);

describe('covered loan repayment → reminders', () => {
  it('skips the waiting reminders of the instalments a reported repayment pays off, not of one it pays in part', async () => {
    const { loanId, bank, inst } = await coveredLoan();
    expect(inst.length).toBeGreaterThan(2);
    const ids = [
      await remind(loanId, inst[0]),
      await remind(loanId, inst[1], 'DEFERRED'),
      await remind(loanId, inst[2]),
    ];
    // The first instalment in full, the second in part.
    await as(bank, () =>
      loans.reportRepayment(
        loanId,
        { paidOn: TODAY, principalFen: BigInt(inst[0].p) + 1n, interestFen: BigInt(inst[0].i) },
        key('rep'),
      ),
    );
    expect(await states(ids)).toEqual(['SKIPPED_PAID', 'DEFERRED', 'QUEUED']);
    // The rest of the second one: its DEFERRED reminder is skipped too; the third still waits.
    await as(bank, () =>
      loans.reportRepayment(
        loanId,
        { paidOn: TODAY, principalFen: BigInt(inst[1].p) - 1n, interestFen: BigInt(inst[1].i) },
        key('rep'),
      ),
    );
    expect(await states(ids)).toEqual(['SKIPPED_PAID', 'SKIPPED_PAID', 'QUEUED']);
  });
});
