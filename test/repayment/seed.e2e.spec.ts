import { seedCob } from '#libs/cob';
import { FixedClock } from '#libs/common';
import { seedFunds } from '#libs/funds';
import { seedRegistry } from '#libs/households';
import { LedgerService } from '#libs/ledger';
import { seedOrigination } from '#libs/origination';
import { seedProducts } from '#libs/products';
import { seedRepayments } from '#libs/repayment';
import { createTestApp, type TestApp } from '#libs/testing';

/** The demo repayments and the first close of business: skipped without demo loans, real with them, idempotent. */
let t: TestApp;
const clock = new FixedClock(new Date('2026-06-01T04:00:00Z'));

beforeAll(async () => {
  t = await createTestApp({}, clock);
});
afterAll(async () => t?.close());

const repayments = async () =>
  (await t.db.dataSource.query(
    `SELECT r.loan_id::text, r.amount_fen::text AS amount, r.value_date, r.created_by, r.status FROM repayments r ORDER BY r.id`,
  )) as { loan_id: string; amount: string; value_date: string; created_by: string; status: string }[];

describe('seedRepayments and seedCob', () => {
  it('skip while there are no demo loans', async () => {
    expect((await seedRepayments(t.app)).join(' ')).toMatch(/skipped/);
    expect(await repayments()).toEqual([]);
  });

  it('repay each disbursed demo loan once on its value date (one paid off late, one on time) and close yesterday; the ledger verifies', async () => {
    await seedRegistry(t.app);
    await seedProducts(t.app);
    await seedFunds(t.app, { log: () => undefined });
    await seedOrigination(t.app);
    await seedRepayments(t.app);
    const rows = await repayments();
    // loans paid out 2025-08-09 (12 months), 2025-09-28 and 2025-11-02 (6 months), recorded in value-date order
    expect(rows.map((r) => [r.value_date === '2026-04-17' ? 'LATE' : r.amount, r.value_date])).toEqual([
      ['100000', '2025-11-07'], // the running loan: part repaid 90 days after its disbursement
      ['LATE', '2026-04-17'], // the late loan: paid off 20 days after its maturity, penalty included
      ['412000', '2026-05-02'], // paid off at maturity: principal 4,000.00 and the 6-month fee
    ]);
    expect(rows.every((r) => r.created_by === 'loan.officer' && r.status === 'POSTED')).toBe(true);
    const statuses = await t.db.dataSource.query(
      `SELECT status FROM loans WHERE channel = 'MUTUAL_AID' ORDER BY id`,
    );
    expect(statuses.map((r: { status: string }) => r.status)).toEqual([
      'DISBURSED',
      'CLOSED',
      'CLOSED',
      'IN_PUBLIC_NOTICE',
    ]);
    // 3,000.00, its 6-month fee 90.00 and the penalty of 20 days late
    const late = rows.find((r) => r.value_date === '2026-04-17')!;
    const [penalty] = await t.db.dataSource.query(
      `SELECT principal_fen::text AS p, interest_fen::text AS i, penalty_fen::text AS pen FROM repayments WHERE value_date = '2026-04-17'`,
    );
    expect([penalty.p, penalty.i]).toEqual(['300000', '9000']);
    expect(Number(penalty.pen)).toBeGreaterThan(0);
    expect(late.amount).toBe(String(300000 + 9000 + Number(penalty.pen)));
    const out = await seedCob(t.app);
    expect(out.join(' ')).toMatch(/closed business date 2026-05-31/);
    const [snap] = await t.db.dataSource.query(
      `SELECT active_loans FROM portfolio_snapshots WHERE business_date = '2026-05-31'`,
    );
    expect(snap).toEqual({ active_loans: 1 }); // the running 12-month loan; the other two are closed
    expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
  });

  it('are idempotent', async () => {
    const before = await repayments();
    expect((await seedRepayments(t.app)).every((line) => line.startsWith('kept existing'))).toBe(true);
    expect(await repayments()).toEqual(before);
    expect(await seedCob(t.app)).toEqual(['kept the close of business of 2026-05-31']);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM cob_runs`);
    expect(n).toBe(1);
  });
});
