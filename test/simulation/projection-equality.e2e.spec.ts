import type { DataSource } from 'typeorm';
import { yuan } from '#libs/money';
import { BASELINE_SCENARIO, type ResultView } from '#libs/projection';
import type { MonthlyReportData } from '#libs/reporting';
import { addDays } from '#libs/schedules';
import { createTestApp, type TestApp } from '#libs/testing';
import { buildProofBook, expectMonthEndsEqual } from './projection-book.js';
import { ACTORS, as, type World } from '../../scripts/simulation/world.js';

/**
 * Proof that the projection is the live engine: a small book (four mutual-aid loans of a village fund, two covered
 * loans of the district's risk fund) is projected three months ahead with nobody late, nobody defaulting and no new
 * demand; then the live engine is moved over the same three months day by day (POST business-date/advance's
 * service), each borrower paying what is due on its due date, and every month end the monthly report's figures must
 * equal the projection's, to the fen.
 */
const START = '2026-01-05';
const MONTHS = 3;

let t: TestApp;
let ds: DataSource;
let world: World;
let projected: ResultView;
const reports: MonthlyReportData[] = [];
let asOf: string;

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

  expect(bankLoans).toHaveLength(2);
  // ── the projection, from the books as of today ──
  const snapshot = await projections.snapshot(asOf);
  expect(snapshot.loans.length).toBe(maLoans.length + bankLoans.length);
  projected = await projections.simulate(snapshot, { ...BASELINE_SCENARIO, horizonMonths: MONTHS, runs: 3, seed: 9 });

  // ── the live engine over the same months ──
  const end = projected.months[MONTHS - 1];
  let today = asOf;
  while (today.slice(0, 7) <= end) {
    for (const id of maLoans) {
      const st = await officer(() => statements.statement(id));
      let owed = 0n;
      for (const i of st.installments) if (i.dueDate <= today) owed += yuan(i.outstanding.total);
      if (owed > 0n)
        await officer(() => repayments.record(id, { amountFen: owed, valueDate: today, channel: 'CASH' }, `proof-repay-${id}-${today}`));
    }
    for (const id of bankLoans) {
      const due = await q<{ number: number; principal_fen: string; interest_fen: string }>(
        `SELECT number, principal_fen - paid_principal_fen AS principal_fen, interest_fen - paid_interest_fen AS interest_fen
           FROM loan_installments WHERE loan_id = $1 AND status <> 'PAID' AND due_date <= $2 ORDER BY number`,
        [id, today],
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
}, 900_000);

afterAll(async () => t && (await t.close()));

describe('a projection with everyone on time and no new demand', () => {
  it('equals the live engine at every month end, to the fen', () => {
    expectMonthEndsEqual(reports, projected, world);
    // the months moved money: the comparison is not of a book standing still
    const first = reports[0].funds.find((x) => x.fundId === world.fundId)!;
    const last = reports[MONTHS - 1].funds.find((x) => x.fundId === world.fundId)!;
    expect(yuan(last.outstanding)).toBeLessThan(yuan(first.outstanding));
    expect(yuan(last.cash)).toBeGreaterThan(yuan(first.cash));
  });
});
