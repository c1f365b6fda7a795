import type { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from '#libs/testing';
import {
  addMonths,
  DEFAULT_OPTIONS,
  runSimulation,
  type SimulationOptions,
  type SimulationResult,
} from '../../scripts/simulation/engine.js';
import { ReminderDeliveryQueue } from '#libs/reminders';
import type { MonthlyReportData } from '#libs/reporting';
import { checkMonthEnd, checkReport, ledgerBalancesAt } from '../../scripts/simulation/invariants.js';
import { summaryText } from '../../scripts/simulation/output.js';

/**
 * Thirteen months of a small district run through the real engine (the simulation of `npm run simulate`): the
 * month-end invariants, the close of business's penalty and ageing of late loans against an independent
 * calculation from the product's penalty rule, the year-end usage-fee distribution, each reminder offset sent once
 * per open instalment, and the same seed giving the same table.
 */
const START = '2026-01-01';
const OPTIONS: SimulationOptions = {
  ...DEFAULT_OPTIONS,
  start: START,
  months: 13,
  seed: 11,
  households: 12,
  lateRate: 0.35,
  defaultRate: 0.1,
  // late payers pay 32-40 days late: their loans pass through DPD_1_30 into DPD_31_60
  lateDays: [32, 40],
  applyRate: 1 / 20,
  bankRate: 1 / 45,
};

const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const daysFrom = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
/** The standard arrears buckets, written out again here rather than imported. */
const bucket = (days: number) =>
  days <= 0
    ? 'CURRENT'
    : days <= 30
      ? 'DPD_1_30'
      : days <= 60
        ? 'DPD_31_60'
        : days <= 90
          ? 'DPD_61_90'
          : 'DPD_90_PLUS';
/** round half up of a non-negative rational */
const roundHalfUp = (num: bigint, den: bigint) => (2n * num + den) / (2n * den);
/** "6.525" → [6525n, 1000n] */
const decimal = (s: string): [bigint, bigint] => {
  const [i, f = ''] = s.split('.');
  return [BigInt(i + f), 10n ** BigInt(f.length)];
};

let t: TestApp;
let ds: DataSource;
let result: SimulationResult;
const monthChecks: { month: string; failures: string[] }[] = [];
/** What the close of business computed for late loans, seen the day after (the COB of yesterday ran in the advance). */
const lateSightings: {
  cobDate: string;
  loanId: string;
  daysOverdue: number;
  bucket: string;
  installments: {
    due: string;
    principal: bigint;
    penalty: bigint;
    paidPrincipal: bigint;
    penaltyRate: string;
    contractRate: string;
    surcharge: string;
  }[];
}[] = [];

beforeAll(async () => {
  t = await createTestApp();
  ds = t.db.dataSource;
  result = await runSimulation(t.app, {
    ...OPTIONS,
    check: async (d, month, world) => {
      const failures = await checkMonthEnd(d, month, world);
      monthChecks.push({ month, failures });
      return failures;
    },
    onDay: async (day) => {
      const cobDate = addDays(day, -1);
      const loans = (await ds.query(
        `SELECT l.id::text, l.days_overdue, l.arrears_bucket FROM loans l
          WHERE l.channel = 'MUTUAL_AID' AND l.status = 'DISBURSED' AND l.days_overdue > 0 ORDER BY l.id`,
      )) as { id: string; days_overdue: number; arrears_bucket: string }[];
      for (const l of loans) {
        const inst = (await ds.query(
          `SELECT i.due_date, i.principal_fen, i.paid_principal_fen, i.penalty_fen, l.penalty_rate_percent::text AS rate,
                  l.annual_rate_percent::text AS contract, pv.penalty_rate_percent::text AS surcharge
             FROM loan_installments i JOIN loans l ON l.id = i.loan_id JOIN product_versions pv ON pv.id = l.product_version_id
            WHERE i.loan_id = $1 AND i.status = 'OVERDUE' ORDER BY i.number`,
          [l.id],
        )) as {
          due_date: string;
          principal_fen: string;
          paid_principal_fen: string;
          penalty_fen: string;
          rate: string;
          contract: string;
          surcharge: string;
        }[];
        lateSightings.push({
          cobDate,
          loanId: l.id,
          daysOverdue: l.days_overdue,
          bucket: l.arrears_bucket,
          installments: inst.map((i) => ({
            due: i.due_date,
            principal: BigInt(i.principal_fen),
            paidPrincipal: BigInt(i.paid_principal_fen),
            penalty: BigInt(i.penalty_fen),
            penaltyRate: i.rate,
            contractRate: i.contract,
            surcharge: i.surcharge,
          })),
        });
      }
    },
  });
}, 900_000);
/** The selection's delivery jobs were delivered in process: nothing of the run stays in Redis. */
const closeApp = async (app: TestApp) => {
  await app.app.get(ReminderDeliveryQueue).queue.obliterate({ force: true });
  await app.close();
};
afterAll(async () => t && closeApp(t));

describe('a simulated year', () => {
  it('holds every invariant at each of the 13 month ends, and the table has one row a month', () => {
    expect(monthChecks.map((m) => m.month)).toEqual(
      Array.from({ length: 13 }, (_, i) => addMonths(START, i).slice(0, 7)),
    );
    for (const m of monthChecks) expect(m.failures, m.month).toEqual([]);
    expect(result.rows).toHaveLength(13);
    expect(result.counters.disbursed).toBeGreaterThan(5);
    expect(result.counters.repayments).toBeGreaterThan(5);
    expect(result.counters.coveredLoans).toBeGreaterThan(0);
  });

  it('is caught by the invariants when a report figure disagrees with the ledger or its rows', async () => {
    const month = result.rows[0].month;
    const [snap] = (await ds.query(
      `SELECT data FROM report_snapshots WHERE period = $1 ORDER BY version DESC LIMIT 1`,
      [month],
    )) as {
      data: MonthlyReportData;
    }[];
    expect(await checkReport(ds, snap.data, result.world)).toEqual([]);
    const bad: MonthlyReportData = structuredClone(snap.data);
    bad.funds[0].cash = '1.00';
    bad.totals.nplPrincipal = '0.01';
    const failures = (await checkReport(ds, bad, result.world)).join('\n');
    expect(failures).toMatch(/cash: report 1\.00 ≠ ledger/);
    expect(failures).toMatch(/report total nplPrincipal 0\.01 ≠ sum of its rows/);
  });

  it('late loans age and carry the penalty of the product rule, as the close of business computed them', () => {
    expect(lateSightings.length).toBeGreaterThan(20);
    expect(new Set(lateSightings.map((s) => s.bucket))).toContain('DPD_31_60');
    for (const s of lateSightings) {
      const oldest = s.installments[0];
      expect(oldest, `loan ${s.loanId} on ${s.cobDate}`).toBeDefined();
      const days = daysFrom(oldest.due, s.cobDate);
      expect(s.daysOverdue, `loan ${s.loanId} on ${s.cobDate}`).toBe(days);
      expect(s.bucket, `loan ${s.loanId} on ${s.cobDate}`).toBe(bucket(days));
      for (const i of s.installments) {
        // SURCHARGE_ON_CONTRACT: the penalty rate is the contract rate plus the product's surcharge percent
        const [c, cd] = decimal(i.contractRate);
        const [p, pd] = decimal(i.surcharge);
        const [r, rd] = decimal(i.penaltyRate);
        expect(r * cd * pd * 100n).toBe(c * (100n * pd + p) * rd);
        if (i.paidPrincipal !== 0n) continue; // a partly paid instalment's fen-days are not one product
        const fenDays = i.principal * BigInt(daysFrom(i.due, s.cobDate));
        // penalty = fen-days × rate / 100 / 365, rounded half up once
        expect(i.penalty, `loan ${s.loanId} instalment due ${i.due} on ${s.cobDate}`).toBe(
          roundHalfUp(fenDays * r, rd * 36_500n),
        );
      }
    }
  });

  it('distributes the year-end usage-fee income exactly', async () => {
    expect(result.feeDistributions.map((d) => d.year)).toEqual([2026]);
    const d = result.feeDistributions[0];
    const fen = (s: string) => BigInt(s.replace('.', ''));
    const shares = Object.values(d.shares).reduce((s, v) => s + fen(v), 0n);
    expect(shares).toBe(fen(d.distributable));
    expect(fen(d.distributable)).toBeGreaterThan(0n);
    // the income accounts held exactly that on 31 December before the distribution closed them to zero
    const f = result.world.fundId;
    const income = [`MAF:${f}:FEE_INCOME`, `MAF:${f}:PENALTY_INCOME`, `MAF:${f}:RECOVERY_INCOME`];
    const [before] = (await ds.query(
      `SELECT coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END), 0)::text AS fen
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN journal_entries e ON e.id = p.entry_id
        WHERE a.code = ANY($1) AND e.business_date <= '2026-12-31' AND e.code <> 'FEE_DISTRIBUTION'`,
      [income],
    )) as { fen: string }[];
    expect(BigInt(before.fen)).toBe(fen(d.distributable));
    const after = await ledgerBalancesAt(ds, '2026-12-31');
    for (const code of income) expect(after.get(code) ?? 0n, code).toBe(0n);
  });

  it('sends each reminder offset once per open instalment, through the log channel, and none once paid', async () => {
    const last = addMonths(START, OPTIONS.months);
    const dupes = await ds.query(
      `SELECT installment_id, offset_days, count(*)::int AS n FROM reminder_outbox GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    expect(dupes).toEqual([]);
    const states = (await ds.query(
      `SELECT channel, state, count(*)::int AS n FROM reminder_outbox GROUP BY 1, 2 ORDER BY 1, 2`,
    )) as {
      channel: string;
      state: string;
      n: number;
    }[];
    expect(states.map((s) => `${s.channel} ${s.state}`)).toEqual(['LOG SENT']);
    // none selected for a day after the instalment was paid
    const afterPaid = await ds.query(
      `SELECT o.id FROM reminder_outbox o JOIN loan_installments i ON i.id = o.installment_id WHERE i.paid_on IS NOT NULL AND o.remind_on > i.paid_on`,
    );
    expect(afterPaid).toEqual([]);
    // every offset whose day came while the instalment was open (its loan paid out before that day, and not yet
    // closed: a covered loan compensated in ADVANCE mode is written off and reminds no more) went out once
    const expected = (await ds.query(
      `SELECT i.id::text AS installment_id, o.off AS offset_days
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id
         CROSS JOIN unnest(ARRAY[-7, -1, 0, 1, 7, 30]) AS o(off)
        WHERE l.disbursement_date < i.due_date + o.off AND i.due_date + o.off <= $1::date
          AND (i.paid_on IS NULL OR i.paid_on >= i.due_date + o.off)
          AND (l.closed_on IS NULL OR i.due_date + o.off <= l.closed_on)
        ORDER BY 1, 2`,
      [last],
    )) as { installment_id: string; offset_days: number }[];
    const sent = (await ds.query(
      `SELECT installment_id::text, offset_days FROM reminder_outbox WHERE state = 'SENT' ORDER BY 1, 2`,
    )) as { installment_id: string; offset_days: number }[];
    expect(expected.length).toBeGreaterThan(50);
    expect(sent).toEqual(expected);
    // the table counts them by the month of their day (the last advance's day, the 1st after the run, has no row)
    const [{ n }] = (await ds.query(
      `SELECT count(*)::int AS n FROM reminder_outbox WHERE state = 'SENT' AND remind_on < $1`,
      [last],
    )) as {
      n: number;
    }[];
    expect(result.rows.reduce((s, r) => s + r.remindersSent, 0)).toBe(n);
  });
});

describe('determinism', () => {
  it('gives the same table for the same seed, byte for byte', async () => {
    const short: SimulationOptions = { ...OPTIONS, months: 1, households: 8 };
    const runs: string[] = [];
    for (let k = 0; k < 2; k++) {
      const app = await createTestApp();
      try {
        runs.push(summaryText(await runSimulation(app.app, short)));
      } finally {
        await closeApp(app);
      }
    }
    expect(runs[1]).toBe(runs[0]);
    expect(runs[0]).toMatch(/^\| month/);
  }, 600_000);
});
