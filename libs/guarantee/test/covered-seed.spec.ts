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

it("seeds the demo covered loans across the last year once, after the deposits, with the bank's repayment reports", async () => {
  await seedBenchmarkRates(t.app);
  await seedProducts(t.app);
  await seedRegistry(t.app);
  await seedGuarantee(t.app);
  const first = await seedCoveredLoans(t.app);
  expect(first.filter((l) => l.startsWith('registered'))).toHaveLength(8);
  expect(first.filter((l) => l.includes('refused'))).toEqual([]);
  const reports = async () =>
    (
      await t.db.dataSource.query(
        `SELECT count(*)::int AS n FROM covered_loan_reports WHERE kind = 'REPAYMENT'`,
      )
    )[0].n as number;
  const reported = await reports();
  expect(reported).toBeGreaterThan(10);
  const second = await seedCoveredLoans(t.app);
  expect(second.filter((l) => l.startsWith('kept'))).toHaveLength(8);
  expect(await reports()).toBe(reported);

  // paid out after the fund's deposits and within the agreement, across at least six months of the last year
  const [span] = await t.db.dataSource.query(
    `SELECT (SELECT max(received_on) FROM contributions WHERE target_type = 'RISK_FUND') < min(l.disbursement_date) AS after_deposits,
            (SELECT min(valid_from) FROM guarantee_agreements) <= min(l.disbursement_date) AS within_agreement,
            count(DISTINCT date_trunc('month', l.disbursement_date))::int AS months,
            sum(l.outstanding_principal_fen) = sum(l.principal_fen) - (SELECT sum(i.paid_principal_fen) FROM loan_installments i
              JOIN loans x ON x.id = i.loan_id WHERE x.bank_loan_ref LIKE 'ZBRCB-DEMO-%') AS outstanding_is_principal_less_paid
       FROM loans l WHERE l.bank_loan_ref LIKE 'ZBRCB-DEMO-%'`,
  );
  expect(span).toEqual({
    after_deposits: true,
    within_agreement: true,
    months: expect.any(Number),
    outstanding_is_principal_less_paid: true,
  });
  expect(span.months).toBeGreaterThanOrEqual(6);

  // each instalment paid on its due date, but 0006 pays 12 days late and 0004 stopped after two (> 90 days overdue)
  const paid = (await t.db.dataSource.query(
    `SELECT l.bank_loan_ref AS ref, i.number, (i.paid_on - i.due_date) AS late, i.due_date < current_date - 90 AS old
       FROM loans l JOIN loan_installments i ON i.loan_id = l.id WHERE l.bank_loan_ref LIKE 'ZBRCB-DEMO-%' ORDER BY 1, 2`,
  )) as { ref: string; number: number; late: number | null; old: boolean }[];
  expect(paid.filter((r) => r.late !== null && r.late !== (r.ref === 'ZBRCB-DEMO-0006' ? 12 : 0))).toEqual(
    [],
  );
  expect(paid.filter((r) => r.ref === 'ZBRCB-DEMO-0004' && r.late !== null).map((r) => r.number)).toEqual([
    1, 2,
  ]);
  expect(paid.some((r) => r.ref === 'ZBRCB-DEMO-0004' && r.late === null && r.old)).toBe(true);

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
