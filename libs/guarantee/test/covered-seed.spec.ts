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
  expect(first.filter((l) => l.startsWith('registered'))).toHaveLength(2);
  const second = await seedCoveredLoans(t.app);
  expect(second.filter((l) => l.startsWith('kept'))).toHaveLength(2);
  const [{ c, out }] = await t.db.dataSource.query(
    `SELECT count(*)::int AS c, sum(outstanding_principal_fen)::text AS out FROM loans WHERE bank_loan_ref LIKE 'ZBRCB-DEMO-%'`,
  );
  expect({ c, out }).toEqual({ c: 2, out: '5000000' });
  expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
}, 60_000);
