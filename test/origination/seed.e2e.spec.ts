import { FixedClock } from '#libs/common';
import { seedFunds } from '#libs/funds';
import { seedRegistry } from '#libs/households';
import { LedgerService } from '#libs/ledger';
import { seedOrigination } from '#libs/origination';
import { seedProducts } from '#libs/products';
import { createTestApp, type TestApp } from '#libs/testing';

/** The demo loans: skipped without the other seeds, made through the workflow with them, and idempotent. */
let t: TestApp;
const clock = new FixedClock(new Date('2026-06-01T04:00:00Z'));

beforeAll(async () => {
  t = await createTestApp({}, clock);
});
afterAll(async () => t?.close());

const loans = async () =>
  (await t.db.dataSource.query(
    `SELECT loan_no, status, principal_fen::text AS principal, disbursement_date, created_by, approved_by
       FROM loans WHERE channel = 'MUTUAL_AID' ORDER BY id`,
  )) as { loan_no: string; status: string; principal: string; disbursement_date: string | null; created_by: string; approved_by: string }[];

describe('seedOrigination', () => {
  it('skips when the registry, funds and products have not been seeded', async () => {
    const out = await seedOrigination(t.app);
    expect(out.join(' ')).toMatch(/skipped/);
    expect(await loans()).toEqual([]);
  });

  it('makes three loans disbursed across the past year and one in public notice in the demo fund, through the workflow', async () => {
    await seedRegistry(t.app);
    await seedProducts(t.app);
    await seedFunds(t.app, { log: () => undefined });
    await seedOrigination(t.app);
    const rows = await loans();
    expect(rows.map((r) => [r.status, r.principal, r.disbursement_date])).toEqual([
      // applied for 300, 250 and 215 days before 2026-06-01, paid out the day after their notice
      ['DISBURSED', '500000', '2025-08-09'],
      ['DISBURSED', '300000', '2025-09-28'],
      ['DISBURSED', '400000', '2025-11-02'],
      ['IN_PUBLIC_NOTICE', '400000', null],
    ]);
    // the fund's capital was there before the first loan, and each borrower's share before the borrower's loan
    const [{ last }] = await t.db.dataSource.query(`SELECT max(received_on)::text AS last FROM contributions WHERE source <> 'MEMBER'`);
    expect(last < '2025-08-09').toBe(true);
    const late = await t.db.dataSource.query(
      `SELECT l.loan_no FROM loans l WHERE l.disbursement_date IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM contributions c WHERE c.household_id = l.household_id AND c.received_on < l.disbursement_date)`,
    );
    expect(late).toEqual([]);
    expect(rows.every((r) => r.created_by === 'loan.officer' && r.approved_by === 'fund.admin')).toBe(true);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM journal_entries WHERE code = 'LOAN_DISBURSEMENT'`);
    expect(n).toBe(3);
    expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
  });

  it('is idempotent', async () => {
    const before = await loans();
    await seedOrigination(t.app);
    expect(await loans()).toEqual(before);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM journal_entries WHERE code = 'LOAN_DISBURSEMENT'`);
    expect(n).toBe(3);
  });
});
