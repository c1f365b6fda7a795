import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CobPortfolioStore, CobRunStore, CobService } from '#libs/cob';
import { BreakerService } from '#libs/guarantee';
import { LoanAgeingStore } from '#libs/loans';
import {
  asActor,
  createFund,
  createGroup,
  createProduct,
  disburse,
  setToday,
  type DisburseInput,
  type FundFixture,
  type RepaymentHarness,
} from '../repayment/fixtures.js';

/**
 * The close-of-business service on a repayment harness (same database, clock and configuration). Its per-run log
 * lines are kept out of the test output (warnings and errors still show).
 */
export function cobOn(h: RepaymentHarness): CobService {
  Logger.overrideLogger(['error', 'warn']);
  return new CobService(
    h.ds,
    h.audit,
    h.clock,
    h.config,
    new BreakerService(h.ds, h.audit),
    new CobRunStore(h.ds),
    new CobPortfolioStore(h.ds),
    new LoanAgeingStore(),
  );
}

/**
 * Everything the close of business writes, without ids and timestamps, in a stable order: two databases built by
 * the same steps compare equal exactly when the runs left the same state.
 */
export async function cobState(ds: DataSource) {
  const q = (sql: string) => ds.query(sql) as Promise<Record<string, unknown>[]>;
  return {
    loans: await q(
      `SELECT loan_no, status, outstanding_principal_fen::text, days_overdue, arrears_bucket, non_performing, aged_as_of, closed_on
         FROM loans ORDER BY loan_no`,
    ),
    installments: await q(
      `SELECT l.loan_no, i.number, i.status, i.interest_fen::text, i.penalty_fen::text, i.penalty_fen_days::text, i.accrued_through,
              i.paid_principal_fen::text, i.paid_interest_fen::text, i.paid_penalty_fen::text, i.overdue_since, i.paid_on
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id ORDER BY l.loan_no, i.number`,
    ),
    calls: await q(
      `SELECT l.loan_no, c.raised_on, c.amount_due_fen::text, c.status, c.cleared_on,
              (SELECT count(*)::int FROM group_liability_call_members m WHERE m.call_id = c.id) AS members
         FROM group_liability_calls c JOIN loans l ON l.id = c.loan_id ORDER BY l.loan_no, c.raised_on`,
    ),
    events: await q(
      `SELECT l.loan_no, e.event, e.data - 'callId' AS data FROM loan_events e JOIN loans l ON l.id = e.loan_id
        WHERE e.actor = 'cob' ORDER BY l.loan_no, e.event, e.data::text`,
    ),
    snapshots: await q(`SELECT * FROM portfolio_snapshots ORDER BY fund_id, business_date`),
  };
}

export interface Portfolio {
  fund: FundFixture;
  group: { groupId: string; members: string[] };
  loans: Record<string, string>;
}

/**
 * A small portfolio in every state the close of business handles, built the same way every time (so two databases
 * built with it can be compared): on 2026-03-01
 *   L01 bullet due 02-15, unpaid: 14 days overdue (group member)
 *   L02 bullet due 01-01, unpaid: 59 days overdue, group liability called (group member)
 *   L03 monthly, only the first instalment paid: 120 days overdue, non-performing
 *   L04 monthly from 01-01, first instalment paid on time: current
 *   L05 monthly with 3 grace days, second instalment due 02-27: within its grace, current
 *   L06…L12 bullets not yet due
 */
export async function buildPortfolio(h: RepaymentHarness, extraLoans = 7): Promise<Portfolio> {
  setToday(h.clock, '2025-09-01');
  const fund = await createFund(h, 100_000_000n, '2025-09-01');
  const group = await createGroup(h.ds, fund.villageId, 4);
  const bullet = await createProduct(h.ds);
  const monthly = await createProduct(h.ds, {
    method: 'EQUAL_INSTALLMENT',
    frequency: 'MONTHLY',
    fixedRatePercent: '12',
  });
  const graced = await createProduct(h.ds, {
    method: 'EQUAL_INSTALLMENT',
    frequency: 'MONTHLY',
    fixedRatePercent: '12',
    graceDays: 3,
  });
  const loans: Record<string, string> = {};
  const d = (
    loanNo: string,
    productVersionId: string,
    principalFen: bigint,
    date: string,
    more: Partial<DisburseInput> = {},
  ) =>
    disburse(h, { fund, productVersionId, principalFen, date, loanNo, ...more }).then(
      (id) => (loans[loanNo] = id),
    );
  await d('L01', bullet, 500_000n, '2025-11-15', {
    termMonths: 3,
    householdId: group.members[0],
    groupId: group.groupId,
  });
  await d('L02', bullet, 500_000n, '2025-10-01', {
    termMonths: 3,
    householdId: group.members[1],
    groupId: group.groupId,
  });
  await d('L03', monthly, 600_000n, '2025-09-01', { termMonths: 6 });
  await d('L04', monthly, 600_000n, '2026-01-01', { termMonths: 6 });
  await d('L05', graced, 300_000n, '2025-12-27', { termMonths: 6 });
  for (let k = 0; k < extraLoans; k++) {
    await d(`L${String(6 + k).padStart(2, '0')}`, bullet, 100_000n + BigInt(k) * 1_234n, '2026-01-20', {
      termMonths: 12,
    });
  }
  const officer = <T>(fn: () => Promise<T>) => asActor('LOAN_OFFICER', fn);
  setToday(h.clock, '2025-10-01');
  await officer(() =>
    h.repayments.record(
      loans.L03,
      { amountFen: 103_529n, valueDate: '2025-10-01', channel: 'CASH' },
      `pf-L03-1`,
    ),
  );
  setToday(h.clock, '2026-02-01');
  await officer(() =>
    h.repayments.record(
      loans.L04,
      { amountFen: 103_529n, valueDate: '2026-02-01', channel: 'CASH' },
      `pf-L04-1`,
    ),
  );
  setToday(h.clock, '2026-01-27');
  await officer(() =>
    h.repayments.record(
      loans.L05,
      { amountFen: 51_765n, valueDate: '2026-01-27', channel: 'CASH' },
      `pf-L05-1`,
    ),
  );
  setToday(h.clock, '2026-03-01');
  return { fund, group, loans };
}
