import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BusinessDateService } from '#libs/calendar';
import { DomainError } from '#libs/common';
import { CompensationService, CoveredLoansService } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { ApplicationsService, DisbursementService } from '#libs/origination';
import { ReminderDeliveryService } from '#libs/reminders';
import { FeeDistributionService, RepaymentService, StatementService } from '#libs/repayment';
import { ReportingService } from '#libs/reporting';
import { addDays } from '#libs/schedules';
import { ClaimsService } from '#libs/subsidy';
import { checkMonthEnd, type InvariantCheck } from './invariants.js';
import { random } from './prng.js';
import { ACTORS, as, buildWorld, type SimHousehold, type World } from './world.js';

export interface SimulationOptions {
  start: string;
  months: number;
  seed: number;
  households: number;
  /** Share of households that pay late (k days after the due date). */
  lateRate: number;
  /** Share of households that stop paying after a few instalments. */
  defaultRate: number;
  lateDays: [number, number];
  /** Daily probability that a household without a live mutual-aid loan applies for one. */
  applyRate: number;
  /** Daily probability that a poor household without a live covered loan borrows from the bank. */
  bankRate: number;
  /** The month-end invariant checks (swappable). */
  check?: InvariantCheck;
  /** Called after each simulated day (the test uses it to watch a loan). */
  onDay?: (day: string) => Promise<void>;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<SimulationOptions, 'start' | 'months' | 'seed'> = {
  households: 32,
  lateRate: 0.2,
  defaultRate: 0.08,
  lateDays: [3, 45],
  applyRate: 1 / 25,
  bankRate: 1 / 60,
};

export interface MonthRow {
  month: string;
  fundCash: string;
  maOutstanding: string;
  par30Percent: string;
  coveredOutstanding: string;
  npl: string;
  leverage: string;
  capacityLeft: string;
  subsidyPaid: string;
  remindersSent: number;
  breaker: string;
}

export interface SimulationResult {
  world: World;
  rows: MonthRow[];
  counters: Record<string, number>;
  /** Refused business steps by what was refused and the engine's error code (a refusal is an outcome, not a failure). */
  refusals: Record<string, number>;
  feeDistributions: { year: number; distributable: string; shares: Record<string, string> }[];
}

interface MaLoan {
  id: string;
  household: SimHousehold;
  disburseOn: string | null;
  /** Instalments this borrower pays before defaulting (defaulters), else Infinity. */
  paysInstallments: number;
  /** The first unpaid instalment as last read (re-read after each payment); undefined: not read yet. */
  next?: { number: number; due: string } | null;
}

interface CoveredLoan {
  id: string;
  household: SimHousehold;
  defaulter: boolean;
  paysInstallments: number;
  claimed: boolean;
  next?: { number: number; due: string; principalFen: bigint; interestFen: bigint } | null;
}

/** The same day `n` months later (clamped to the month's last day), YYYY-MM-DD. */
export function addMonths(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)))
    .toISOString()
    .slice(0, 10);
}

/**
 * Days overdue at which the bank files the compensation claim of a defaulted covered loan: past the agreement's
 * 90-day trigger, so the loan is non-performing (more than 90 days) for a few days first.
 */
export const CLAIM_AFTER_DAYS = 100;

export class SimulationFailure extends Error {}

const q = <T>(ds: DataSource, sql: string, params: unknown[] = []) => ds.query(sql, params) as Promise<T[]>;

/**
 * Runs the behaviour model against the engine in `app` (a Nest application of the real API module on a fresh
 * database): each day the households, the fund, the bank and the subsidy office act, then the business date advances
 * one day (close of business, reminder selection, subsidy periods, the monthly report), the day's reminders are
 * delivered through the delivery service, and the ledger must verify. At every month end the invariants must hold.
 */
export async function runSimulation(
  app: INestApplicationContext,
  o: SimulationOptions,
): Promise<SimulationResult> {
  const log = o.log ?? (() => undefined);
  const rnd = random(o.seed);
  const end = addMonths(o.start, o.months);
  const years: number[] = [];
  for (let y = Number(o.start.slice(0, 4)); y <= Number(end.slice(0, 4)); y++) years.push(y);
  const world = await buildWorld(app, rnd, {
    start: o.start,
    years,
    households: o.households,
    lateRate: o.lateRate,
    defaultRate: o.defaultRate,
    lateDays: o.lateDays,
  });
  const data = app.get(LedgerService);
  const calendar = app.get(BusinessDateService);
  const applications = app.get(ApplicationsService, { strict: false });
  const disbursements = app.get(DisbursementService, { strict: false });
  const repayments = app.get(RepaymentService, { strict: false });
  const statements = app.get(StatementService, { strict: false });
  const covered = app.get(CoveredLoansService, { strict: false });
  const compensation = app.get(CompensationService, { strict: false });
  const claims = app.get(ClaimsService, { strict: false });
  const delivery = app.get(ReminderDeliveryService, { strict: false });
  const fees = app.get(FeeDistributionService, { strict: false });
  const reports = app.get(ReportingService, { strict: false });
  const check = o.check ?? checkMonthEnd;
  const dsx = app.get(DataSource);

  const counters: Record<string, number> = {
    applications: 0,
    refused: 0,
    disbursed: 0,
    repayments: 0,
    coveredLoans: 0,
    coveredReports: 0,
    compensationClaims: 0,
    subsidyClaimsPaid: 0,
    remindersDelivered: 0,
  };
  const refusals: Record<string, number> = {};
  const refuse = (what: string, e: DomainError) => {
    counters.refused++;
    const first = e.errors?.[0]?.code;
    const key = `${what} ${e.code}${first && first !== e.code ? `/${first}` : ''}`;
    refusals[key] = (refusals[key] ?? 0) + 1;
  };
  const maLoans = new Map<string, MaLoan>(); // household id → live loan
  const coveredLoans = new Map<string, CoveredLoan>();
  const rows: MonthRow[] = [];
  const feeDistributions: SimulationResult['feeDistributions'] = [];

  const officer = <T>(fn: () => Promise<T>) => as(ACTORS.officer, fn);
  const fundAdmin = <T>(fn: () => Promise<T>) => as(ACTORS.fundAdmin, fn);
  const bank = <T>(fn: () => Promise<T>) => as(world.bankActor, fn);

  const spent: Record<string, number> = { model: 0, advance: 0, delivery: 0, verify: 0, month: 0 };
  let mark = Date.now();
  const lap = (phase: string) => {
    const now = Date.now();
    spent[phase] += now - mark;
    mark = now;
  };
  let today = o.start;
  while (today < end) {
    lap('month');
    // ── the households and the fund ──
    for (const h of world.households) {
      const live = maLoans.get(h.id);
      if (!live && rnd.chance(o.applyRate)) {
        const amount = `${rnd.int(2, 10) * 500}.00`;
        const term = rnd.pick([6, 12]);
        counters.applications++;
        try {
          const loan = await officer(() =>
            applications.create({
              householdId: h.id,
              productId: world.maProduct,
              amountFen: BigInt(amount.replace('.', '')),
              termMonths: term,
              purpose: rnd.pick(['BREEDING', 'PLANTING', 'HANDICRAFT']),
              groupId: h.groupId,
            }),
          );
          await officer(() => applications.submit(loan.id));
          await officer(() => applications.endorse(loan.id, { note: 'group meeting agreed (simulation)' }));
          await fundAdmin(() => applications.approve(loan.id, { comment: 'simulation' }));
          const [row] = await q<{ notice_ends_on: string | null }>(
            dsx,
            `SELECT notice_ends_on FROM loans WHERE id = $1`,
            [loan.id],
          );
          maLoans.set(h.id, {
            id: loan.id,
            household: h,
            disburseOn: addDays(row.notice_ends_on ?? today, 1),
            paysInstallments: h.profile === 'DEFAULTER' ? rnd.int(0, 2) : Number.POSITIVE_INFINITY,
          });
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          refuse('application', e);
        }
      }
    }
    for (const loan of [...maLoans.values()].sort((a, b) => a.household.no - b.household.no)) {
      if (loan.disburseOn && loan.disburseOn <= today) {
        try {
          await fundAdmin(() => disbursements.disburse(loan.id, {}, `sim-disburse-${loan.id}`));
          loan.disburseOn = null;
          counters.disbursed++;
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          // the fund cannot lend now (cash or cap): the application is cancelled
          await fundAdmin(() => applications.cancel(loan.id, { reason: `not disbursed: ${e.code}` }));
          maLoans.delete(loan.household.id);
          refuse('disbursement', e);
        }
        continue;
      }
      if (loan.disburseOn) continue;
      await repayMutualAid(loan);
    }

    // ── the bank ──
    for (const h of world.households) {
      if (!h.poor || coveredLoans.has(h.id)) continue;
      if (!rnd.chance(o.bankRate)) continue;
      const defaulter = h.profile === 'DEFAULTER' || rnd.chance(o.defaultRate / 2);
      try {
        const { result } = await bank(() =>
          covered.register(
            {
              bankLoanRef: `SIM-${String(h.no + 1).padStart(3, '0')}-${today.replace(/-/g, '')}`,
              borrowerType: 'HOUSEHOLD',
              householdId: h.id,
              productCode: 'HH_MICRO_STD',
              amount: `${rnd.int(2, 6) * 5000}.00`,
              termMonths: 12,
              purpose: 'BREEDING',
              disbursementDate: today,
            },
            `sim-covered-${h.no}-${today}`,
          ),
        );
        coveredLoans.set(h.id, {
          id: result.id,
          household: h,
          defaulter,
          paysInstallments: defaulter ? rnd.int(0, 2) : 99,
          claimed: false,
        });
        counters.coveredLoans++;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        refuse('covered loan', e);
      }
    }
    for (const loan of [...coveredLoans.values()].sort((a, b) => a.household.no - b.household.no))
      await bankActs(loan);

    // ── the subsidy office: claims generated by the advance are approved and paid ──
    for (const c of await q<{ id: string; status: string }>(
      dsx,
      `SELECT id::text, status FROM subsidy_claims WHERE programme_id = $1 AND status IN ('DRAFT', 'APPROVED') ORDER BY id`,
      [world.programmeId],
    )) {
      if (c.status === 'DRAFT')
        await as(ACTORS.checker, () => claims.approve(c.id, `sim-subsidy-approve-${c.id}`));
      const [after] = await q<{ status: string }>(dsx, `SELECT status FROM subsidy_claims WHERE id = $1`, [
        c.id,
      ]);
      if (after.status === 'APPROVED') {
        await as(ACTORS.checker, () =>
          claims.settle(c.id, { paymentRef: `SIM-SUBSIDY-${c.id}` }, `sim-subsidy-settle-${c.id}`),
        );
        counters.subsidyClaimsPaid++;
      }
    }

    // ── the night: the business date moves one day ──
    lap('model');
    const advanced = await as(ACTORS.admin, () => calendar.advance({ days: 1 }));
    today = addDays(today, 1);
    lap('advance');
    // the day's delivery round ran inside the advance (ReminderDeliveryService.deliverWaiting at the day's 10:00);
    // anything still waiting is delivered here, as the worker's delivery job would, in process
    for (const d of advanced.days) {
      const step = d.steps.REMINDERS as { sent?: number } | undefined;
      counters.remindersDelivered += step?.sent ?? 0;
    }
    for (const r of await q<{ id: string }>(
      dsx,
      `SELECT id::text FROM reminder_outbox WHERE state IN ('QUEUED', 'DEFERRED') ORDER BY id`,
    )) {
      const outcome = await delivery.deliver(r.id);
      if (outcome.kind === 'SENT') counters.remindersDelivered++;
    }
    lap('delivery');
    const verify = await data.verify();
    if (!verify.ok)
      throw new SimulationFailure(`${today}: the ledger does not verify: ${JSON.stringify(verify)}`);

    lap('verify');
    // year end: the fund's usage-fee income of the year just ended is distributed
    if (today.endsWith('-01-01')) {
      const year = Number(today.slice(0, 4)) - 1;
      const d = await fundAdmin(() => fees.distribute(world.fundId, year, `sim-fee-distribution-${year}`));
      feeDistributions.push({ year, distributable: d.distributable, shares: d.shares });
      // the distribution is dated 31 December, after December's report was made (on the 1st, by the advance): the
      // report is made again, as a new version, so it shows the capital the distribution accumulated
      await fundAdmin(() => reports.generate(`${year}-12`, ACTORS.fundAdmin.username));
    }
    if (today.endsWith('-01')) {
      const month = addMonths(today, -1).slice(0, 7);
      const failures = await check(dsx, month, world);
      if (failures.length) {
        throw new SimulationFailure(
          `month end ${addDays(today, -1)}: invariant failed: ${failures.join('; ')}`,
        );
      }
      rows.push(await monthRow(dsx, reports, world, month));
      log(`${month} done`);
    }
    if (o.onDay) await o.onDay(today);
  }
  log(
    `time spent (ms): ${Object.entries(spent)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  return { world, rows, counters, refusals, feeDistributions };

  async function repayMutualAid(loan: MaLoan): Promise<void> {
    if (loan.next === undefined) {
      const [n] = await q<{ number: number; due_date: string }>(
        dsx,
        `SELECT number, due_date FROM loan_installments WHERE loan_id = $1 AND status <> 'PAID' ORDER BY number LIMIT 1`,
        [loan.id],
      );
      loan.next = n ? { number: n.number, due: n.due_date } : null;
    }
    const next = loan.next;
    if (!next) {
      maLoans.delete(loan.household.id);
      return;
    }
    if (next.number > loan.paysInstallments) return; // a defaulter: stops here
    const delay = loan.household.profile === 'LATE' ? loan.household.lateDays : 0;
    if (addDays(next.due, delay) > today) return;
    // what is owed today on every instalment due by now, penalty included (the statement replays to today)
    const st = await officer(() => statements.statement(loan.id));
    let owed = 0n;
    for (const i of st.installments)
      if (i.dueDate <= today) owed += BigInt(i.outstanding.total.replace('.', ''));
    loan.next = undefined;
    if (owed <= 0n) return;
    const r = await officer(() =>
      repayments.record(
        loan.id,
        { amountFen: owed, valueDate: today, channel: 'CASH' },
        `sim-repay-${loan.id}-${today}`,
      ),
    );
    counters.repayments++;
    if (r.loan.status === 'CLOSED') maLoans.delete(loan.household.id);
  }

  async function bankActs(loan: CoveredLoan): Promise<void> {
    if (loan.next === undefined) {
      const [n] = await q<{ number: number; due_date: string; principal_fen: string; interest_fen: string }>(
        dsx,
        `SELECT number, due_date, principal_fen - paid_principal_fen AS principal_fen, interest_fen - paid_interest_fen AS interest_fen
           FROM loan_installments WHERE loan_id = $1 AND status <> 'PAID' ORDER BY number LIMIT 1`,
        [loan.id],
      );
      loan.next = n
        ? {
            number: n.number,
            due: n.due_date,
            principalFen: BigInt(n.principal_fen),
            interestFen: BigInt(n.interest_fen),
          }
        : null;
    }
    const next = loan.next;
    if (!next) {
      coveredLoans.delete(loan.household.id);
      return;
    }
    if (next.number > loan.paysInstallments) {
      // a defaulter: the bank files its claim CLAIM_AFTER_DAYS overdue (the close of business's ageing), the fund pays
      if (loan.claimed || addDays(next.due, CLAIM_AFTER_DAYS) > today) return;
      const [l] = await q<{ days_overdue: number }>(dsx, `SELECT days_overdue FROM loans WHERE id = $1`, [
        loan.id,
      ]);
      if (l.days_overdue < CLAIM_AFTER_DAYS) return;
      const { result } = await bank(() =>
        compensation.file(loan.id, 'borrower stopped paying (simulation)', `sim-claim-${loan.id}`),
      );
      await fundAdmin(() => compensation.approve(result.id, `sim-claim-approve-${result.id}`));
      loan.claimed = true;
      counters.compensationClaims++;
      return;
    }
    const delay = loan.household.profile === 'LATE' ? Math.min(loan.household.lateDays, 20) : 0;
    if (addDays(next.due, delay) > today) return;
    await bank(() =>
      covered.reportRepayment(
        loan.id,
        { paidOn: today, principalFen: next.principalFen, interestFen: next.interestFen },
        `sim-covered-repay-${loan.id}-${next.number}`,
      ),
    );
    loan.next = undefined;
    counters.coveredReports++;
  }
}

async function monthRow(
  ds: DataSource,
  reports: ReportingService,
  w: World,
  month: string,
): Promise<MonthRow> {
  const snap = await reports.get(month);
  const r = snap.data;
  const fund = r.funds.find((f) => f.fundId === w.fundId);
  const district = r.districts.find((d) => d.districtId === w.districtId);
  const monthEnd = addDays(addMonths(`${month}-01`, 1), -1);
  const [sent] = await q<{ n: number }>(
    ds,
    `SELECT count(*)::int AS n FROM reminder_outbox WHERE state = 'SENT' AND remind_on BETWEEN $1 AND $2`,
    [`${month}-01`, monthEnd],
  );
  const [breaker] = await q<{ state: string }>(
    ds,
    `SELECT state FROM district_breakers WHERE district_id = $1`,
    [w.districtId],
  );
  return {
    month,
    fundCash: fund?.cash ?? '0.00',
    maOutstanding: fund?.outstanding ?? '0.00',
    par30Percent: fund?.par30Percent ?? '-',
    coveredOutstanding: district?.coveredOutstanding ?? '0.00',
    npl: district?.nplPrincipal ?? '0.00',
    leverage: district?.leverageRatio ?? '-',
    capacityLeft: district?.capacityLeft ?? '0.00',
    subsidyPaid: district?.subsidyPaid ?? '0.00',
    remindersSent: sent.n,
    breaker: breaker?.state ?? 'NORMAL',
  };
}
