import type { TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { bullOptions, DomainError, QUEUES } from '#libs/common';
import {
  addDays,
  deliveryJobId,
  ReminderDeliveryService,
  ReminderEndpointsService,
  ReminderSelectionService,
} from '#libs/reminders';
import { bootServices, createEnv, type Env } from '../../../test/reminders/context.js';
import {
  createLoan,
  createWorld,
  jobsCovering,
  outboxOf,
  payInstallment,
  type World,
} from '../../../test/reminders/fixtures.js';

// 2026-03-15 10:00 in Shanghai.
const NOW = new Date('2026-03-15T02:00:00Z');
const TODAY = '2026-03-15';

let env: Env;
let ref: TestingModule;
let selection: ReminderSelectionService;
let endpoints: ReminderEndpointsService;
let queue: Queue;
let world: World;

beforeAll(async () => {
  env = await createEnv(NOW);
  ref = await bootServices(env);
  selection = ref.get(ReminderSelectionService);
  endpoints = ref.get(ReminderEndpointsService);
  queue = new Queue(QUEUES.REMINDER_DELIVERY, bullOptions(env.config));
  world = await createWorld(env.db.dataSource);
});
afterAll(async () => {
  await queue.close();
  await ref.close();
  await env.cleanup();
});

const due = (days: number) => addDays(TODAY, days);
const count = async (sql: string, params: unknown[] = []) =>
  Number((await env.db.dataSource.query(sql, params))[0].n);

describe('reminder selection', () => {
  it('selects, for each unpaid instalment, the one offset whose window contains today, and enqueues it', async () => {
    await endpoints.create({ scope: 'DEFAULT', channel: 'LOG', name: 'default log' });
    // Due dates placing today at T-7, T-3 (T-7 caught up), T-1, T0, T+1, T+4 (T+1), T+7, T+30, T+36 (T+30), and outside.
    const offsets = [7, 3, 1, 0, -1, -4, -7, -30, -36, 8, -37];
    const loan = await createLoan(
      env.db.dataSource,
      world,
      offsets.map((d) => ({ dueDate: due(d) })),
    );
    const result = await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const rows = await outboxOf(env.db.dataSource, loan.installmentIds);
    const byInst = new Map(rows.map((r) => [r.installment_id, r.offset_days]));
    expect(loan.installmentIds.map((id) => byInst.get(id) ?? null)).toEqual([
      -7,
      -7,
      -1,
      0,
      1,
      1,
      7,
      30,
      30,
      null,
      null,
    ]);
    expect(rows.every((r) => r.state === 'QUEUED' && r.channel === 'LOG')).toBe(true);
    expect(result.selected).toBe(9);
    expect(result.enqueued).toBe(9);
    // One batch job (selection hands reminders over in batches), waiting, covering each reminder once.
    const covering = await jobsCovering(queue, ['waiting']);
    for (const r of rows)
      expect(covering.get(r.id)).toEqual({ count: 1, jobIds: [expect.stringMatching(/^reminder-batch\./)] });
    expect(new Set(rows.flatMap((r) => covering.get(r.id)!.jobIds)).size).toBe(1);
    // The run row says the enqueue finished; the audit log has the run.
    expect(
      await count(
        `SELECT count(*) AS n FROM reminder_runs WHERE id = $1 AND enqueued_at IS NOT NULL AND selected = 9`,
        [result.runId],
      ),
    ).toBe(1);
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'REMINDER_RUN' AND entity_id = $1`, [
        result.runId,
      ]),
    ).toBe(1);
  });

  it('re-running the same date selects and enqueues 0 new; so do concurrent runs', async () => {
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(1) }, { dueDate: due(7) }]);
    const jobsBefore = await queue.count();
    const runs = await Promise.all(
      [1, 2, 3, 4].map(() => selection.run({ businessDate: TODAY, trigger: 'SCHEDULE' })),
    );
    expect(runs.map((r) => r.selected).reduce((a, b) => a + b)).toBe(2);
    const again = await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    expect(again).toMatchObject({ selected: 0, enqueued: 0, resumed: 0, swept: 0 });
    // The first run's one batch job; the others added nothing.
    expect(await queue.count()).toBe(jobsBefore + 1);
    const rows = await outboxOf(env.db.dataSource, loan.installmentIds);
    expect(rows.map((r) => r.offset_days)).toEqual([-1, -7]);
    const covering = await jobsCovering(queue);
    for (const r of rows) expect(covering.get(r.id)?.count).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM (SELECT 1 FROM reminder_outbox GROUP BY installment_id, offset_days HAVING count(*) > 1) d`,
      ),
    ).toBe(0);
  });

  it('selects nothing for paid instalments, paid-in-full amounts, written-off instalments or loans not disbursed', async () => {
    const paid = await createLoan(env.db.dataSource, world, [{ dueDate: due(1), status: 'PAID' }]);
    const fullyPaidButOpen = await createLoan(env.db.dataSource, world, [
      { dueDate: due(0), paidPrincipalFen: 100000n },
    ]);
    const writtenOff = await createLoan(env.db.dataSource, world, [
      { dueDate: due(-7), status: 'WRITTEN_OFF' },
    ]);
    const closed = await createLoan(env.db.dataSource, world, [{ dueDate: due(-1) }], { status: 'CLOSED' });
    const partly = await createLoan(env.db.dataSource, world, [
      { dueDate: due(-1), paidPrincipalFen: 40000n },
    ]);
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const ids = [paid, fullyPaidButOpen, writtenOff, closed].flatMap((l) => l.installmentIds);
    expect(await outboxOf(env.db.dataSource, ids)).toEqual([]);
    // Partly paid is still owed: reminded.
    expect((await outboxOf(env.db.dataSource, partly.installmentIds)).map((r) => r.offset_days)).toEqual([1]);
  });

  it('routes a loan to its bank endpoint, else its fund endpoint, else the default one', async () => {
    const w2 = await createWorld(env.db.dataSource);
    const fundEp = await endpoints.create({
      scope: 'FUND',
      fundId: w2.fundId,
      channel: 'LOG',
      name: 'fund log',
    });
    const bankEp = await endpoints.create({
      scope: 'BANK',
      bankId: w2.bankId,
      channel: 'WEBHOOK',
      name: 'bank',
      url: 'http://127.0.0.1:9/x',
    });
    const ma = await createLoan(env.db.dataSource, w2, [{ dueDate: due(7) }]);
    const bank = await createLoan(env.db.dataSource, w2, [{ dueDate: due(7) }], { channel: 'BANK_COVERED' });
    const other = await createLoan(env.db.dataSource, world, [{ dueDate: due(7) }]);
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const [a] = await outboxOf(env.db.dataSource, ma.installmentIds);
    const [b] = await outboxOf(env.db.dataSource, bank.installmentIds);
    const [c] = await outboxOf(env.db.dataSource, other.installmentIds);
    expect([a.endpoint_id, a.channel]).toEqual([fundEp.id, 'LOG']);
    expect([b.endpoint_id, b.channel]).toEqual([bankEp.id, 'WEBHOOK']);
    expect(c.channel).toBe('LOG');
    expect(c.endpoint_id).not.toBe(fundEp.id);
  });

  it('a run for a past date adds only reminders still relevant today', async () => {
    // Due yesterday: a run for 2 days ago would be T-1, but that window closed; today's T+1 is the one.
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(-1) }, { dueDate: due(4) }]);
    const r = await selection.run({ businessDate: due(-2), trigger: 'MANUAL' });
    const rows = await outboxOf(env.db.dataSource, loan.installmentIds);
    // Only the instalment due in 4 days: its T-7 window contained 2 days ago and is still open today.
    expect(rows.map((x) => [x.installment_id, x.offset_days])).toEqual([[loan.installmentIds[1], -7]]);
    expect(r.selected).toBe(1);
  });

  it('refuses a future date or one older than every window, naming the field and writing nothing', async () => {
    const runs = await count(`SELECT count(*) AS n FROM reminder_runs`);
    for (const [date, code] of [
      [due(1), 'FUTURE_DATE'],
      [due(-45), 'TOO_OLD'],
    ]) {
      const err = await selection.run({ businessDate: date, trigger: 'MANUAL' }).catch((e) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err.code).toBe('REMINDER_RUN_DATE_INVALID');
      expect(err.errors).toEqual([expect.objectContaining({ field: 'businessDate', code })]);
    }
    expect(await count(`SELECT count(*) AS n FROM reminder_runs`)).toBe(runs);
  });

  it('resumes the enqueue of a run that died after committing, and the sweep re-adds lost jobs', async () => {
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(0) }, { dueDate: due(-7) }]);
    // Simulate a process that committed its selection and died before Redis: a run without enqueued_at.
    const [dead] = await env.db.dataSource.query(
      `INSERT INTO reminder_runs (business_date, trigger, requested_by) VALUES ($1, 'SCHEDULE', 'system') RETURNING id::text`,
      [TODAY],
    );
    await env.db.dataSource.query(
      `INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, household_id, due_date, remind_on, run_id, channel)
       SELECT i.id, 0, i.loan_id, $3::bigint, i.due_date, i.due_date, $2, 'LOG' FROM loan_installments i WHERE i.id = $1`,
      [loan.installmentIds[0], dead.id, loan.householdId],
    );
    const [lost] = await outboxOf(env.db.dataSource, [loan.installmentIds[0]]);
    expect((await jobsCovering(queue)).get(lost.id)).toBeUndefined();
    const r = await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    expect(r.resumed).toBe(1);
    // Resumed in a batch job named after the dead run.
    expect((await jobsCovering(queue, ['waiting'])).get(lost.id)).toEqual({
      count: 1,
      jobIds: [`reminder-batch.${dead.id}.${lost.id}.${lost.id}`],
    });
    expect(
      await count(`SELECT count(*) AS n FROM reminder_runs WHERE id = $1 AND enqueued_at IS NOT NULL`, [
        dead.id,
      ]),
    ).toBe(1);

    // While batch jobs are waiting (workers behind), the sweep leaves stale reminders alone: no doubled backlog.
    const [other] = await outboxOf(env.db.dataSource, [loan.installmentIds[1]]);
    await env.db.dataSource.query(
      `UPDATE reminder_outbox SET updated_at = now() - interval '2 hours' WHERE id = $1`,
      [other.id],
    );
    expect((await selection.run({ businessDate: TODAY, trigger: 'MANUAL' })).swept).toBe(0);

    // Jobs removed by hand (dashboard) while their reminders wait: the sweep gives each a single job after
    // sweepAfterMs, once nothing is waiting.
    await queue.drain();
    expect((await jobsCovering(queue)).get(other.id)).toBeUndefined();
    const swept = await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    expect(swept.swept).toBeGreaterThanOrEqual(1);
    expect(await queue.getJobState(deliveryJobId(other.id))).toBe('waiting');
  });

  it('skipPaid, called by the repayment path in its transaction, marks waiting reminders SKIPPED_PAID', async () => {
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(1) }, { dueDate: due(7) }]);
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    await payInstallment(env.db.dataSource, loan.installmentIds[0]);
    const delivery = ref.get(ReminderDeliveryService);
    // Only the paid one is skipped, even when both are named.
    const skipped = await env.db.dataSource.transaction((m) => delivery.skipPaid(m, loan.installmentIds));
    expect(skipped).toBe(1);
    expect((await outboxOf(env.db.dataSource, loan.installmentIds)).map((r) => r.state)).toEqual([
      'SKIPPED_PAID',
      'QUEUED',
    ]);
  });
});
