import { seedCoveredLoans, seedGuarantee } from '#libs/guarantee';
import { seedRegistry } from '#libs/households';
import { LedgerService } from '#libs/ledger';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { createTestApp, type TestApp } from '#libs/testing';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(async () => t.close());

it('seeds the demo covered loans once, through the real service', async () => {
  await seedBenchmarkRates(t.app);
  await seedProducts(t.app);
  await seedRegistry(t.app);
  await seedGuarantee(t.app);
  const first = await seedCoveredLoans(t.app);
  expect(first.filter((l) => l.startsWith('registered'))).toHaveLength(3);
  const second = await seedCoveredLoans(t.app);
  expect(second.filter((l) => l.startsWith('kept'))).toHaveLength(3);
  const [{ c, out }] = await t.db.dataSource.query(
    `SELECT count(*)::int AS c, sum(outstanding_principal_fen)::text AS out FROM loans WHERE bank_loan_ref LIKE 'ZBRCB-DEMO-%'`,
  );
  expect({ c, out }).toEqual({ c: 3, out: '6000000' });
  // the third was paid out 25 days ago: its first instalment falls due within the week (the reminders demo's T-7)
  const [{ days }] = await t.db.dataSource.query(
    `SELECT min(i.due_date) - (l.disbursement_date + 25) AS days
       FROM loans l JOIN loan_installments i ON i.loan_id = l.id WHERE l.bank_loan_ref = 'ZBRCB-DEMO-0003'
      GROUP BY l.disbursement_date`,
  );
  expect(days).toBeGreaterThanOrEqual(1);
  expect(days).toBeLessThanOrEqual(7);
  expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
}, 60_000);
