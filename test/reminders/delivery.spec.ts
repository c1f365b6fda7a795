import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { bullOptions, JOBS, QUEUES } from '#libs/common';
import {
  addDays,
  deliveryJobId,
  ReminderBatchDeliveryService,
  ReminderDeliveryQueue,
  ReminderDeliveryService,
  ReminderEndpointsService,
  ReminderSelectionService,
  type EndpointWithSecret,
} from '#libs/reminders';
import { ReminderDeliveryProcessor } from '../../apps/worker/src/reminders/reminder-delivery.processor.js';
import { bootServices, bootWorker, createEnv, fastSettings, type Env } from './context.js';
import { createLoan, createWorld, jobsCovering, outboxOf, payInstallment, type World } from './fixtures.js';
import { Receiver, until } from './receiver.js';

// 2026-03-15 10:00 in Shanghai: daytime, SMS allowed.
const NOW = new Date('2026-03-15T02:00:00Z');
const TODAY = '2026-03-15';
const due = (days: number) => addDays(TODAY, days);

let env: Env;
let services: TestingModule;
let selection: ReminderSelectionService;
let endpoints: ReminderEndpointsService;
let delivery: ReminderDeliveryService;
let receiver: Receiver;
const workers: TestingModule[] = [];

/**
 * Each test gets a world of its own (district, fund, bank) whose bank has a webhook endpoint pointing at the
 * receiver: loans of that bank go there, nothing else does.
 */
async function bankWorld(
  channel: 'WEBHOOK' | 'SMS' = 'WEBHOOK',
): Promise<{ world: World; endpoint: EndpointWithSecret }> {
  const world = await createWorld(env.db.dataSource);
  const endpoint = await endpoints.create({
    scope: 'BANK',
    bankId: world.bankId,
    channel,
    name: `receiver ${channel}`,
    url: receiver.url,
    ...(channel === 'SMS' ? { signName: '互助资金' } : {}),
  });
  receiver.secret = endpoint.secret;
  return { world, endpoint };
}

async function worker(settings = fastSettings()): Promise<TestingModule> {
  const w = await bootWorker(env, settings);
  workers.push(w);
  return w;
}

const deliveryQueue = (w: TestingModule) =>
  w.get<Queue>(getQueueToken(QUEUES.REMINDER_DELIVERY), { strict: false });
const settled = async (ids: string[]) => {
  const rows = await outboxOf(env.db.dataSource, ids);
  return rows.length > 0 && rows.every((r) => !['QUEUED', 'SENDING', 'DEFERRED'].includes(r.state))
    ? rows
    : null;
};
const attemptsOf = async (outboxId: string) =>
  (await env.db.dataSource.query(
    `SELECT attempt, outcome, http_status, error FROM reminder_delivery_attempts WHERE outbox_id = $1 ORDER BY id`,
    [outboxId],
  )) as { attempt: number; outcome: string; http_status: number | null; error: string | null }[];

beforeAll(async () => {
  env = await createEnv(NOW, 16);
  services = await bootServices(env);
  selection = services.get(ReminderSelectionService);
  endpoints = services.get(ReminderEndpointsService);
  delivery = services.get(ReminderDeliveryService);
  receiver = await new Receiver().start();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
  receiver.respond = () => 200;
  receiver.delayMs = 0;
  env.clock.set(NOW);
  await receiver.start().catch(() => undefined);
  // Only this file's endpoints: deactivate them so the next test's world starts clean.
  await env.db.dataSource.query(`UPDATE reminder_endpoints SET active = false`);
});
afterAll(async () => {
  await receiver.stop();
  await services.close();
  await env.cleanup();
});

describe('reminder delivery through a real HTTP receiver', () => {
  it('delivers a signed webhook the receiver verifies, once, and records it as SENT', async () => {
    const { world, endpoint } = await bankWorld();
    const loan = await createLoan(
      env.db.dataSource,
      world,
      [{ dueDate: due(7), principalFen: 80000n, interestFen: 6117n }],
      {
        channel: 'BANK_COVERED',
        phone: '13912345678',
      },
    );
    await worker();
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const [row] = await until('the reminder to be sent', () => settled(loan.installmentIds));
    expect(row.state).toBe('SENT');
    const got = receiver.received.filter((r) => r.id === row.id);
    expect(got).toHaveLength(1);
    expect(got[0].verified).toBe(true);
    expect(got[0].headers['idempotency-key']).toBe(`reminder-${row.id}`);
    expect(got[0].body).toMatchObject({
      id: row.id,
      event: 'DUE_T7',
      offset: 'T-7',
      loan: { id: loan.loanId, loanNo: loan.loanNo, channel: 'BANK_COVERED', bankId: world.bankId },
      installment: { number: 1, dueDate: due(7), amountDue: '861.17' },
      // The bank's own system gets the phone in full; the outbox keeps it masked.
      borrower: { householdId: loan.householdId, phone: '13912345678' },
      message: '您的贷款(第1期)将于2026年3月22日到期,应还¥861.17,请提前准备资金。',
    });
    expect(row.payload.borrower.phone).toBe('139****5678');
    expect(row.message).toBe(got[0].body.message);
    expect(row.amount_due_fen).toBe('86117');
    expect(row.endpoint_id).toBe(endpoint.id);
    expect(await attemptsOf(row.id)).toEqual([
      { attempt: 1, outcome: 'SENT', http_status: 200, error: null },
    ]);
  });

  it('a receiver that is down for a while (refusing, then 500) gets the message once it is back', async () => {
    const { world } = await bankWorld();
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(-1) }], {
      channel: 'BANK_COVERED',
    });
    await receiver.stop();
    await worker();
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const [queued] = await outboxOf(env.db.dataSource, loan.installmentIds);
    // Connection refused for the first attempts…
    await until('two refused attempts', async () => (await attemptsOf(queued.id)).length >= 2);
    // …then up but failing with 500 twice, then healthy.
    let fails = 2;
    receiver.respond = () => (fails-- > 0 ? 500 : 200);
    await receiver.start();
    const [row] = await until('the reminder to be sent', () => settled(loan.installmentIds), 30_000);
    expect(row.state).toBe('SENT');
    expect(receiver.acceptedIds().filter((id) => id === row.id)).toHaveLength(1);
    const attempts = await attemptsOf(row.id);
    expect(attempts.at(-1)).toMatchObject({ outcome: 'SENT', http_status: 200 });
    expect(attempts.slice(0, -1).every((a) => a.outcome === 'RETRY')).toBe(true);
    expect(attempts.filter((a) => a.http_status === 500)).toHaveLength(2);
    expect(attempts.some((a) => /unreachable: ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
    expect(row.attempts).toBe(attempts.length);
  });

  it('two workers on the same queue, both enqueueing everything, deliver each reminder exactly once', async () => {
    const { world } = await bankWorld();
    const loans = [];
    for (let i = 0; i < 12; i++) {
      loans.push(
        await createLoan(
          env.db.dataSource,
          world,
          [{ dueDate: due(-1) }, { dueDate: due(7) }, { dueDate: due(1) }],
          {
            channel: 'BANK_COVERED',
          },
        ),
      );
    }
    const ids = loans.flatMap((l) => l.installmentIds);
    receiver.delayMs = 20;
    const [a, b] = [await worker(), await worker()];
    const completedBefore = await deliveryQueue(a).getCompletedCount();
    const done = { a: 0, b: 0 };
    a.get(ReminderDeliveryProcessor, { strict: false }).worker.on('completed', () => done.a++);
    b.get(ReminderDeliveryProcessor, { strict: false }).worker.on('completed', () => done.b++);
    // Both workers run the day's selection at once (their schedule and a catch-up), and enqueue everything again.
    const runs = await Promise.all(
      [a, b].map((w) => w.get(ReminderSelectionService).run({ businessDate: TODAY, trigger: 'SCHEDULE' })),
    );
    // (Each worker's start-up catch-up run may have selected some first: together, every reminder once.)
    expect(runs[0].selected + runs[1].selected).toBeLessThanOrEqual(36);
    const outbox = await outboxOf(env.db.dataSource, ids);
    expect(outbox).toHaveLength(36);
    await Promise.all(
      [a, b].map((w) =>
        deliveryQueue(w).addBulk(
          outbox.map((r) => ({
            name: JOBS.REMINDER_DELIVER,
            data: {},
            opts: { jobId: deliveryJobId(r.id) },
          })),
        ),
      ),
    );
    const rows = await until('all 36 reminders to be sent', () => settled(ids), 30_000);
    expect(rows.map((r) => r.state)).toEqual(Array(36).fill('SENT'));
    const accepted = receiver.acceptedIds().filter((id) => rows.some((r) => r.id === id));
    expect(accepted).toHaveLength(36);
    expect(new Set(accepted).size).toBe(36);
    const [{ n }] = await env.db.dataSource.query(
      `SELECT count(*)::int AS n FROM reminder_delivery_attempts WHERE outbox_id = ANY($1::bigint[]) AND outcome = 'SENT'`,
      [rows.map((r) => r.id)],
    );
    expect(n).toBe(36);
    // Each reminder was sent by one job: its selection run's batch or its single job (one per reminder despite the
    // four enqueues: deterministic ids). Both workers did part of the work, and every job ran once.
    const sentBy = (await env.db.dataSource.query(
      `SELECT outbox_id::text, job_id FROM reminder_delivery_attempts WHERE outbox_id = ANY($1::bigint[]) AND outcome = 'SENT'`,
      [rows.map((r) => r.id)],
    )) as { outbox_id: string; job_id: string }[];
    for (const { outbox_id, job_id } of sentBy)
      expect(job_id === deliveryJobId(outbox_id) || job_id.startsWith('reminder-batch.')).toBe(true);
    const q = deliveryQueue(a);
    await until('every job to complete', async () => {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'completed');
      return c.waiting + c.active + c.delayed === 0 && done.a + done.b === c.completed - completedBefore;
    });
    // At least the 36 single jobs, plus the selection's batches.
    expect(done.a + done.b).toBeGreaterThan(36);
    expect(done.a).toBeGreaterThan(0);
    expect(done.b).toBeGreaterThan(0);
  });

  it('two processes delivering the same reminder at the same instant send it once (the outbox claim)', async () => {
    const { world } = await bankWorld();
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(0) }], {
      channel: 'BANK_COVERED',
    });
    const other = await bootServices(env);
    try {
      // Selection without any worker running; then both processes deliver the same row directly, 3 times each.
      await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
      const [row] = await outboxOf(env.db.dataSource, loan.installmentIds);
      receiver.delayMs = 100;
      const outcomes = await Promise.all(
        [delivery, other.get(ReminderDeliveryService), delivery, other.get(ReminderDeliveryService)].map(
          (d) => d.deliver(row.id),
        ),
      );
      expect(outcomes.filter((o) => o.kind === 'SENT')).toHaveLength(1);
      expect(
        outcomes.filter((o) => o.kind !== 'SENT').every((o) => o.kind === 'BUSY' || o.kind === 'DONE'),
      ).toBe(true);
      expect(receiver.received.filter((r) => r.id === row.id)).toHaveLength(1);
      expect(await delivery.deliver(row.id)).toEqual({ kind: 'DONE', state: 'SENT' });
    } finally {
      await other.close();
    }
  });

  it('takes over a reminder whose worker died mid-send once the lease has run out', async () => {
    const { world } = await bankWorld();
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(-7) }], {
      channel: 'BANK_COVERED',
    });
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const [row] = await outboxOf(env.db.dataSource, loan.installmentIds);
    // A worker claimed it (attempt 1) and crashed: the row is SENDING under a lease that is still running.
    await env.db.dataSource.query(
      `UPDATE reminder_outbox SET state = 'SENDING', attempts = 1, lease_until = now() + interval '2 seconds' WHERE id = $1`,
      [row.id],
    );
    const busy = await delivery.deliver(row.id);
    expect(busy.kind).toBe('BUSY');
    await worker();
    // The worker's job finds it busy, waits for the lease (delayed job, no attempt spent), then sends.
    const [done] = await until('the take-over', () => settled(loan.installmentIds));
    expect(done).toMatchObject({ state: 'SENT', attempts: 2 });
    expect(receiver.acceptedIds().filter((id) => id === row.id)).toHaveLength(1);
  });

  it('skips a reminder whose instalment is paid before delivery, and sends no message', async () => {
    const { world } = await bankWorld();
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(1) }], {
      channel: 'BANK_COVERED',
    });
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    await payInstallment(env.db.dataSource, loan.installmentIds[0]);
    await worker();
    const [row] = await until('the reminder to settle', () => settled(loan.installmentIds));
    expect(row.state).toBe('SKIPPED_PAID');
    expect(row.sent_at).toBeNull();
    expect(receiver.received.filter((r) => r.id === row.id)).toHaveLength(0);
    expect((await attemptsOf(row.id)).map((a) => a.outcome)).toEqual(['SKIPPED_PAID']);
    // Selecting again (a re-run) does not bring it back.
    expect((await selection.run({ businessDate: TODAY, trigger: 'MANUAL' })).selected).toBe(0);
  });

  it('defers SMS between 21:00 and 08:00 to 08:00 (delayed job), then sends it', async () => {
    const { world } = await bankWorld('SMS');
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(6) }], {
      channel: 'BANK_COVERED',
      phone: '13700001111',
    });
    // 22:30 in Shanghai.
    env.clock.set(new Date('2026-03-15T14:30:00Z'));
    const w = await worker();
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const [row] = await outboxOf(env.db.dataSource, loan.installmentIds);
    const deferred = await until('the SMS to be deferred', async () => {
      const [r] = await outboxOf(env.db.dataSource, loan.installmentIds);
      return r.state === 'DEFERRED' ? r : null;
    });
    expect(new Date(deferred.deferred_until!).toISOString()).toBe('2026-03-16T00:00:00.000Z');
    // The batch handed it over to a single job, delayed.
    const job = await until('its delayed single job', async () => {
      const j = await deliveryQueue(w).getJob(deliveryJobId(row.id));
      return j && (await j.getState()) === 'delayed' ? j : null;
    });
    // Delayed by the 9.5 hours to 08:00, without spending an attempt.
    const delayedUntil = Number(job.delay) + job.timestamp;
    expect(Math.abs(delayedUntil - (Date.now() + 9.5 * 3600_000))).toBeLessThan(60_000);
    expect(receiver.received.filter((r) => r.id === row.id)).toHaveLength(0);

    // 08:00: the delayed job comes due (promoted here instead of waiting for the real clock).
    env.clock.set(new Date('2026-03-16T00:00:00Z'));
    await job.promote();
    const [sent] = await until('the SMS to be sent', () => settled(loan.installmentIds));
    expect(sent.state).toBe('SENT');
    const [sms] = receiver.received.filter((r) => r.id === row.id);
    expect(sms.verified).toBe(true);
    expect(sms.body).toEqual({
      phone: '13700001111',
      signName: '互助资金',
      templateCode: 'MAE_REPAY_DUE_T7',
      params: { date: '2026年3月21日', amount: '1050.00', number: '1', days: '0' },
      text: '您的贷款(第1期)将于2026年3月21日到期,应还¥1050.00,请提前准备资金。',
      reference: row.id,
    });
    expect((await attemptsOf(row.id)).map((a) => a.outcome)).toEqual(['DEFERRED', 'SENT']);
    expect(sent.attempts).toBe(1);
  });

  it('fails at once on a refusal (4xx), and after the last attempt on a receiver that stays down; both visible in the failed set', async () => {
    const { world } = await bankWorld();
    const refused = await createLoan(env.db.dataSource, world, [{ dueDate: due(7) }], {
      channel: 'BANK_COVERED',
    });
    const down = await createLoan(env.db.dataSource, world, [{ dueDate: due(-7) }], {
      channel: 'BANK_COVERED',
    });
    receiver.respond = (r) => (r.body?.installment?.id === refused.installmentIds[0] ? 422 : 503);
    const w = await worker(fastSettings({ deliveryAttempts: 3, backoffDelayMs: 100 }));
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const rows = await until(
      'both to fail',
      () => settled([...refused.installmentIds, ...down.installmentIds]),
      30_000,
    );
    const [r422, r503] = [
      rows.find((r) => r.installment_id === refused.installmentIds[0])!,
      rows.find((r) => r.installment_id === down.installmentIds[0])!,
    ];
    expect(r422).toMatchObject({ state: 'FAILED', attempts: 1, last_error: 'endpoint answered HTTP 422' });
    expect(r503).toMatchObject({
      state: 'FAILED',
      attempts: 3,
      last_error: 'endpoint answered HTTP 503 (gave up after 3 attempts)',
    });
    const q = deliveryQueue(w);
    await until(
      'the failed set',
      async () =>
        (await q.getJobState(deliveryJobId(r503.id))) === 'failed' &&
        (await q.getJobState(deliveryJobId(r422.id))) === 'failed',
    );
    expect((await q.getJob(deliveryJobId(r422.id)))!.failedReason).toBe('endpoint answered HTTP 422');
    expect((await attemptsOf(r503.id)).map((a) => a.outcome)).toEqual(['RETRY', 'RETRY', 'FAILED']);
  });

  it('the log channel writes the reminder to the log with the phone masked', async () => {
    const world = await createWorld(env.db.dataSource);
    await endpoints.create({ scope: 'FUND', fundId: world.fundId, channel: 'LOG', name: 'dev log' });
    const loan = await createLoan(
      env.db.dataSource,
      world,
      [{ dueDate: due(0), principalFen: 123456n, interestFen: 0n }],
      { phone: '13655551234' },
    );
    const lines: unknown[] = [];
    const collect = (message: unknown) => void lines.push(message);
    const logged = await bootServices(env);
    logged.useLogger({ log: collect, error: collect, warn: collect, debug: collect, verbose: collect });
    try {
      await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
      const [row] = await outboxOf(env.db.dataSource, loan.installmentIds);
      expect(await logged.get(ReminderDeliveryService).deliver(row.id)).toMatchObject({
        kind: 'SENT',
        providerRef: `log-${row.id}`,
      });
      const line = lines.find((l) => (l as { reminderId?: string }).reminderId === row.id) as Record<
        string,
        unknown
      >;
      expect(line).toMatchObject({
        to: '136****1234',
        loanNo: loan.loanNo,
        event: 'DUE_T0',
        text: expect.stringContaining('¥1234.56'),
      });
      expect(JSON.stringify(lines)).not.toContain('13655551234');
    } finally {
      await logged.close();
    }
  });

  it('closes gracefully: a delivery in flight finishes before the worker stops, and is not sent again', async () => {
    const { world } = await bankWorld();
    const loan = await createLoan(env.db.dataSource, world, [{ dueDate: due(-1) }], {
      channel: 'BANK_COVERED',
    });
    receiver.delayMs = 800;
    const w = await worker();
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const [row] = await outboxOf(env.db.dataSource, loan.installmentIds);
    await until('the request to reach the receiver', async () =>
      receiver.received.some((r) => r.id === row.id),
    );
    await w.close();
    workers.splice(workers.indexOf(w), 1);
    // close() waited for the job: the outbox says SENT as soon as the worker is gone.
    const [after] = await outboxOf(env.db.dataSource, loan.installmentIds);
    expect(after.state).toBe('SENT');
    const probe = new Queue(QUEUES.REMINDER_DELIVERY, bullOptions(env.config));
    expect((await jobsCovering(probe, ['completed'])).get(row.id)?.count).toBe(1);
    expect((await jobsCovering(probe)).get(row.id)).toBeUndefined();
    await probe.close();
    // A new worker finds nothing to do.
    await worker();
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received.filter((r) => r.id === row.id)).toHaveLength(1);
  });

  it('a worker closing mid-batch finishes the delivery in flight and hands the rest over; another worker sends them once', async () => {
    const { world } = await bankWorld();
    const loan = await createLoan(
      env.db.dataSource,
      world,
      Array.from({ length: 6 }, () => ({ dueDate: due(-1) })),
      { channel: 'BANK_COVERED' },
    );
    receiver.delayMs = 600;
    const w = await worker(fastSettings({ batchConcurrency: 1 }));
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const ids = (await outboxOf(env.db.dataSource, loan.installmentIds)).map((r) => r.id);
    await until('the first request to reach the receiver', async () =>
      receiver.received.some((r) => ids.includes(r.id ?? '')),
    );
    const closing = Date.now();
    await w.close();
    workers.splice(workers.indexOf(w), 1);
    // The shutdown waited for one delivery, not six.
    expect(Date.now() - closing).toBeLessThan(6 * 600);
    const rows = await outboxOf(env.db.dataSource, loan.installmentIds);
    const sent = rows.filter((r) => r.state === 'SENT');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(rows.filter((r) => r.state !== 'SENT').every((r) => r.state === 'QUEUED')).toBe(true);
    const probe = new Queue(QUEUES.REMINDER_DELIVERY, bullOptions(env.config));
    // The batch stopped after the delivery in flight and handed the rest over as single jobs. The closing worker may
    // still run some of those before close() returns (BullMQ finishes what it has fetched); each is still sent once,
    // as checked at the end.
    const everJobs = await jobsCovering(probe, ['completed', 'active', 'waiting', 'delayed']);
    const handedOver = ids.filter((id) => everJobs.get(id)?.jobIds.includes(deliveryJobId(id)));
    expect(handedOver.length).toBeGreaterThanOrEqual(1);
    expect(handedOver.length).toBeLessThan(6);
    // Each unsent reminder has its single job waiting; the batch completed.
    const covering = await jobsCovering(probe);
    for (const r of rows.filter((x) => x.state !== 'SENT'))
      expect(covering.get(r.id)).toEqual({ count: 1, jobIds: [deliveryJobId(r.id)] });
    await probe.close();

    receiver.delayMs = 0;
    await worker();
    const done = await until('all six to be sent', () => settled(loan.installmentIds));
    expect(done.map((r) => r.state)).toEqual(Array(6).fill('SENT'));
    const accepted = receiver.acceptedIds().filter((id) => ids.includes(id));
    expect(accepted.sort()).toEqual([...ids].sort());
  });

  it('a batch delivers each reminder once and hands a refusal and a receiver that is down over to single jobs', async () => {
    const { world } = await bankWorld();
    const loans = await Promise.all(
      [0, 1, 2, 3].map(() =>
        createLoan(env.db.dataSource, world, [{ dueDate: due(-7) }], { channel: 'BANK_COVERED' }),
      ),
    );
    const [refused, down] = loans;
    receiver.respond = (r) =>
      r.body?.installment?.id === refused.installmentIds[0]
        ? 422
        : r.body?.installment?.id === down.installmentIds[0]
          ? 503
          : 200;
    await selection.run({ businessDate: TODAY, trigger: 'MANUAL' });
    const rows = await outboxOf(
      env.db.dataSource,
      loans.flatMap((l) => l.installmentIds),
    );
    const batches = services.get(ReminderBatchDeliveryService);
    const jobsBefore = await services.get(ReminderDeliveryQueue).queue.count();
    const result = await batches.deliver(
      rows.map((r) => r.id),
      { jobId: 'batch-under-test' },
    );
    expect(result).toEqual({ size: 4, sent: 2, settled: 0, handedOver: 2, interrupted: false });
    const byInst = new Map(
      (
        await outboxOf(
          env.db.dataSource,
          loans.flatMap((l) => l.installmentIds),
        )
      ).map((r) => [r.installment_id, r]),
    );
    expect(byInst.get(refused.installmentIds[0])).toMatchObject({ state: 'FAILED', attempts: 1 });
    expect(byInst.get(down.installmentIds[0])).toMatchObject({ state: 'QUEUED', attempts: 1 });
    expect(byInst.get(loans[2].installmentIds[0])).toMatchObject({ state: 'SENT', attempts: 1 });
    // The refusal's single job is there to fail visibly; the 503's to retry after the first backoff step.
    const q = new Queue(QUEUES.REMINDER_DELIVERY, bullOptions(env.config));
    const refusedJob = (await q.getJob(deliveryJobId(byInst.get(refused.installmentIds[0])!.id)))!;
    const downJob = (await q.getJob(deliveryJobId(byInst.get(down.installmentIds[0])!.id)))!;
    expect(refusedJob.opts.delay ?? 0).toBe(0);
    expect(downJob.opts.delay).toBe(fastSettings().backoffDelayMs);
    expect(await q.count()).toBe(jobsBefore + 2);

    // A second pass over the same batch (a duplicate batch job) sends nothing twice and adds no second job.
    const again = await batches.deliver(
      rows.map((r) => r.id),
      { jobId: 'batch-again' },
    );
    expect(again).toMatchObject({ sent: 0, settled: 3 });
    expect(await q.count()).toBe(jobsBefore + 2);
    await q.close();
    const accepted = receiver.acceptedIds().filter((id) => rows.some((r) => r.id === id));
    expect(accepted.sort()).toEqual(
      [byInst.get(loans[2].installmentIds[0])!.id, byInst.get(loans[3].installmentIds[0])!.id].sort(),
    );
  });
});
