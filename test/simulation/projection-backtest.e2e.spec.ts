import type { DataSource } from 'typeorm';
import { yuan } from '#libs/money';
import type { ResultView } from '#libs/projection';
import type { MonthlyReportData } from '#libs/reporting';
import { addDays } from '#libs/schedules';
import { createTestApp, type TestApp } from '#libs/testing';
import { buildProofBook, expectMonthEndsEqual } from './projection-book.js';
import { ACTORS, as, type World } from '../../scripts/simulation/world.js';

/**
 * The back-test: the live engine runs four months of a small book in which borrowers behave differently (one
 * pays on time, one ten days late with penalty, one stops after the first instalment, one prepays; one bank
 * borrower on time, one five days late); afterwards a projection from the books as of the start date, fed the
 * payments that actually happened, must reproduce every month end of the live books, to the fen.
 */
const START = '2026-01-05';
const MONTHS = 4;

let t: TestApp;
let ds: DataSource;
let world: World;
let projected: ResultView;
const reports: MonthlyReportData[] = [];
let asOf: string;
let snapshotLoans = 0;
let bankCount = 0;

const q = <T>(sql: string, p: unknown[] = []) => ds.query(sql, p) as Promise<T[]>;

beforeAll(async () => {
  t = await createTestApp();
  const app = t.app;
  ds = t.db.dataSource;
  const book = await buildProofBook(app, START);
  world = book.world;
  asOf = book.asOf;
  const { maLoans, bankLoans, officer, fundAdmin } = book;
  const { repayments, statements, covered, calendar, reporting, projections } = book.services;

  bankCount = bankLoans.length;
  expect(bankCount).toBe(2);
  // ── the live engine over the same months ──
  const end = '2026-04';
  let today = asOf;
  while (today.slice(0, 7) <= end) {
    for (const [k, id] of maLoans.entries()) {
      // 0 on time; 1 ten days late; 2 stops after the first instalment; 3 on time, 500.00 more on the first due date
      const late = k === 1 ? 10 : 0;
      const st = await officer(() => statements.statement(id));
      const dueDates = st.installments.map((i) => i.dueDate);
      if (k === 2 && today > dueDates[0]) continue;
      let owed = 0n;
      for (const i of st.installments) if (i.dueDate <= addDays(today, -late)) owed += yuan(i.outstanding.total);
      if (k === 3 && today === dueDates[0]) owed += yuan('500.00');
      if (owed > 0n)
        await officer(() => repayments.record(id, { amountFen: owed, valueDate: today, channel: 'CASH' }, `proof-repay-${id}-${today}`));
    }
    for (const [k, id] of bankLoans.entries()) {
      const due = await q<{ number: number; principal_fen: string; interest_fen: string }>(
        `SELECT number, principal_fen - paid_principal_fen AS principal_fen, interest_fen - paid_interest_fen AS interest_fen
           FROM loan_installments WHERE loan_id = $1 AND status <> 'PAID' AND due_date <= $2 ORDER BY number`,
        [id, addDays(today, k === 1 ? -5 : 0)],
      );
      for (const d of due)
        await as(world.bankActor, () =>
          covered.reportRepayment(
            id,
            { paidOn: today, principalFen: BigInt(d.principal_fen), interestFen: BigInt(d.interest_fen) },
            `proof-covered-repay-${id}-${d.number}`,
          ),
        );
    }
    await as(ACTORS.admin, () => calendar.advance({ days: 1 }));
    today = addDays(today, 1);
    if (today.endsWith('-01')) {
      const month = addDays(today, -1).slice(0, 7);
      reports.push((await fundAdmin(() => reporting.get(month))).data);
    }
  }

  // ── the back-test, from the books as of the start date ──
  projected = await projections.backTest(asOf, MONTHS);
  snapshotLoans = (await projections.snapshot(asOf)).loans.length;
}, 900_000);

afterAll(async () => t && (await t.close()));

describe('a back-test from a past business date with the payments that happened', () => {
  it('reproduces the live books at every month end, to the fen', () => {
    expectMonthEndsEqual(reports, projected, world);
    // the behaviours left marks: a loan in arrears beyond 30 days at the end, penalty income, a prepayment
    const last = reports[MONTHS - 1].funds.find((x) => x.fundId === world.fundId)!;
    expect(yuan(last.par30Principal)).toBeGreaterThan(0n);
    expect(snapshotLoans).toBe(4 + bankCount);
  });
});
