import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import request from 'supertest';
import { BackgroundMetrics } from '../../apps/api/src/ops/metrics.js';
import { COB_LOCK_KEY } from '#libs/cob';
import { bullOptions, heartbeatKey, QUEUES, REDIS } from '#libs/common';
import { createTestApp, type TestApp } from '#libs/testing';

/**
 * The gauges of GET /metrics that show the background machinery (queues, worker heartbeat, reminders, close of
 * business, monthly report), read at scrape time from this test's own Redis prefix and database clone.
 */
let t: TestApp;
let redis: Redis;
const opened: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  redis = new Redis(t.config.REDIS_URL);
});
afterAll(async () => {
  for (const c of opened.reverse()) await c.close().catch(() => undefined);
  const keys = await redis.keys(`${t.config.QUEUE_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await t.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of one series, or undefined when the scrape did not carry it. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hit = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (hit.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} appears ${hit.length} times`);
  return hit[0]?.value;
}

async function scrape(): Promise<{ samples: Sample[]; text: string }> {
  // raw HTTP: /metrics is Prometheus text for the scraper, not an operation of the API document
  const res = await request(t.http).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return { samples: parse(res.text), text: res.text };
}

const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;
const SOURCES = ['queues', 'heartbeat', 'reminders', 'cob', 'reports'];
const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'];

describe('background gauges of /metrics', () => {
  it('start at zero (or absent, or NaN for a worker that never beat) on a fresh deployment', async () => {
    const { samples, text } = await scrape();
    for (const queue of Object.values(QUEUES)) {
      for (const state of STATES) expect(value(samples, 'mae_queue_jobs', { queue, state })).toBe(0);
    }
    expect(value(samples, 'mae_worker_heartbeat_age_seconds')).toBeNaN();
    for (const state of ['QUEUED', 'SENDING', 'DEFERRED']) {
      expect(value(samples, 'mae_reminder_outbox_pending', { state })).toBe(0);
    }
    expect(value(samples, 'mae_reminder_outbox_failed_24h')).toBe(0);
    expect(value(samples, 'mae_reminder_runs_unfinished')).toBe(0);
    expect(value(samples, 'mae_reminder_last_run_business_date_seconds')).toBeUndefined();
    expect(value(samples, 'mae_cob_last_completed_business_date_seconds')).toBeUndefined();
    for (const state of ['COMPLETED', 'RUNNING', 'INTERRUPTED', 'FAILED']) {
      expect(value(samples, 'mae_cob_latest_run_state', { state })).toBe(0);
    }
    expect(value(samples, 'mae_report_latest_month_seconds')).toBeUndefined();
    for (const source of SOURCES) expect(value(samples, 'mae_metrics_collect_errors_total', { source })).toBe(0);
    // Documented, even without a value.
    expect(text).toContain('# TYPE mae_report_latest_month_seconds gauge');
    // The process metrics are still there.
    expect(text).toContain('mae_process_cpu_user_seconds_total');
  });

  it("count each queue's jobs by state under the deployment's prefix", async () => {
    const system = new Queue(QUEUES.SYSTEM, bullOptions(t.config));
    const reminders = new Queue(QUEUES.REMINDERS, bullOptions(t.config));
    opened.push(system, reminders);
    await reminders.add('x', {}, { jobId: 'w1' });
    await reminders.add('x', {}, { jobId: 'w2' });
    await reminders.add('x', {}, { jobId: 'w3' });
    await reminders.add('x', {}, { jobId: 'd1', delay: 3_600_000 });

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const started = new Promise<void>((r) => (holding = r));
    const worker = new Worker(
      QUEUES.SYSTEM,
      async (job) => {
        if (job.name === 'bad') throw new Error('boom');
        if (job.name === 'hold') {
          holding();
          await held;
        }
      },
      { ...bullOptions(t.config), concurrency: 1 },
    );
    opened.push(worker);
    await system.add('ok', {}, { jobId: 'ok1' });
    await system.add('bad', {}, { jobId: 'bad1', attempts: 1 });
    await system.add('hold', {}, { jobId: 'hold1' });
    await started;

    const { samples } = await scrape();
    expect(
      Object.fromEntries(STATES.map((state) => [state, value(samples, 'mae_queue_jobs', { queue: 'reminders', state })])),
    ).toEqual({ waiting: 3, active: 0, delayed: 1, failed: 0, completed: 0 });
    expect(
      Object.fromEntries(STATES.map((state) => [state, value(samples, 'mae_queue_jobs', { queue: 'system', state })])),
    ).toEqual({ waiting: 0, active: 1, delayed: 0, failed: 1, completed: 1 });
    expect(value(samples, 'mae_queue_jobs', { queue: 'cob', state: 'waiting' })).toBe(0);

    release();
    await worker.close();
    expect(value((await scrape()).samples, 'mae_queue_jobs', { queue: 'system', state: 'completed' })).toBe(2);
  });

  it("give the worker heartbeat's age", async () => {
    const at = new Date(Date.now() - 42_000).toISOString();
    await redis.hset(heartbeatKey(t.config.QUEUE_PREFIX), { at, jobId: 'system.heartbeat.1', worker: 'h:1', beats: '3' });
    const age = value((await scrape()).samples, 'mae_worker_heartbeat_age_seconds');
    expect(age).toBeGreaterThanOrEqual(42);
    expect(age).toBeLessThan(52);
  });

  it('count pending and recently failed reminders and show the latest finished selection run', async () => {
    const ds = t.db.dataSource;
    const [{ id: run }] = (await ds.query(
      `INSERT INTO reminder_runs (business_date, trigger, requested_by, enqueued_at)
       VALUES ('2026-03-09', 'SCHEDULE', 'system', '2026-03-09T00:05:00Z'),
              ('2026-03-10', 'SCHEDULE', 'system', '2026-03-10T00:07:30Z'),
              ('2026-03-11', 'SCHEDULE', 'system', NULL)
       RETURNING id::text`,
    )) as { id: string }[];
    // [state, lease_until, deferred_until, sent_at, updated_at]
    const rows: [string, string | null, string | null, string | null, string][] = [
      ['QUEUED', null, null, null, 'now()'],
      ['QUEUED', null, null, null, 'now()'],
      ['SENDING', "now() + interval '1 minute'", null, null, 'now()'],
      ['DEFERRED', null, "now() + interval '1 hour'", null, 'now()'],
      ['FAILED', null, null, null, "now() - interval '1 hour'"],
      ['FAILED', null, null, null, "now() - interval '23 hours'"],
      ['FAILED', null, null, null, "now() - interval '30 hours'"],
      ['SENT', null, null, 'now()', 'now()'],
      ['SKIPPED_PAID', null, null, null, 'now()'],
    ];
    let n = 0;
    for (const [state, lease, deferred, sent, updated] of rows) {
      n++;
      await ds.query(
        `INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, due_date, remind_on, run_id, channel, state,
                                      lease_until, deferred_until, sent_at, updated_at)
         VALUES ($1, 0, 1, '2026-03-10', '2026-03-10', $2, 'LOG', $3,
                 ${lease ?? 'NULL'}, ${deferred ?? 'NULL'}, ${sent ?? 'NULL'}, ${updated})`,
        [900000 + n, run, state],
      );
    }

    const { samples } = await scrape();
    expect(value(samples, 'mae_reminder_outbox_pending', { state: 'QUEUED' })).toBe(2);
    expect(value(samples, 'mae_reminder_outbox_pending', { state: 'SENDING' })).toBe(1);
    expect(value(samples, 'mae_reminder_outbox_pending', { state: 'DEFERRED' })).toBe(1);
    expect(value(samples, 'mae_reminder_outbox_failed_24h')).toBe(2);
    expect(value(samples, 'mae_reminder_runs_unfinished')).toBe(1);
    expect(value(samples, 'mae_reminder_last_run_business_date_seconds')).toBe(dayStart('2026-03-10'));
    expect(value(samples, 'mae_reminder_last_run_finished_seconds')).toBe(Date.parse('2026-03-10T00:07:30Z') / 1000);
  });

  it('read pending and recently failed reminders through partial indexes, not the settled history', async () => {
    // A history of settled reminders and of failures older than a day; rolled back afterwards.
    const runner = t.db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(
        `INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, due_date, remind_on, run_id, channel, state,
                                      sent_at, updated_at)
         SELECT 2000000 + g, 0, 1, '2026-01-10', '2026-01-10', 1, 'LOG',
                CASE WHEN g % 2 = 0 THEN 'SENT' ELSE 'FAILED' END,
                CASE WHEN g % 2 = 0 THEN now() - interval '10 days' END, now() - interval '10 days'
           FROM generate_series(1, 20000) g`,
      );
      await runner.query(`ANALYZE reminder_outbox`);
      const plan = async (sql: string) =>
        ((await runner.query(`EXPLAIN ${sql}`)) as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
      const failed = await plan(
        `SELECT count(*) FROM reminder_outbox WHERE state = 'FAILED' AND updated_at > now() - interval '24 hours'`,
      );
      expect(failed).toMatch(/Index Only Scan using reminder_outbox_failed_at|Index Scan using reminder_outbox_failed_at/);
      expect(failed).toMatch(/Index Cond: \(updated_at > /);
      const pending = await plan(
        `SELECT state, count(*) FROM reminder_outbox WHERE state IN ('QUEUED', 'SENDING', 'DEFERRED') GROUP BY state`,
      );
      expect(pending).toContain('reminder_outbox_pending');
      expect(pending).not.toContain('Seq Scan');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('show the last closed business date and the state of the latest close-of-business run', async () => {
    const ds = t.db.dataSource;
    await ds.query(
      `INSERT INTO cob_runs (business_date, status, triggered_by, finished_at, last_error)
       VALUES ('2026-03-08', 'COMPLETED', 'system', now(), NULL),
              ('2026-03-09', 'COMPLETED', 'system', now(), NULL),
              ('2026-03-10', 'FAILED', 'system', NULL, 'database went away')`,
    );
    const state = (samples: Sample[]) =>
      Object.fromEntries(
        ['COMPLETED', 'RUNNING', 'INTERRUPTED', 'FAILED'].map((s) => [
          s,
          value(samples, 'mae_cob_latest_run_state', { state: s }),
        ]),
      );

    let { samples } = await scrape();
    expect(value(samples, 'mae_cob_last_completed_business_date_seconds')).toBe(dayStart('2026-03-09'));
    expect(value(samples, 'mae_cob_latest_run_business_date_seconds')).toBe(dayStart('2026-03-10'));
    expect(state(samples)).toEqual({ COMPLETED: 0, RUNNING: 0, INTERRUPTED: 0, FAILED: 1 });

    // RUNNING in the table but nobody holds the COB lock: a crashed run.
    await ds.query(`UPDATE cob_runs SET status = 'RUNNING', last_error = NULL WHERE business_date = '2026-03-10'`);
    ({ samples } = await scrape());
    expect(state(samples)).toEqual({ COMPLETED: 0, RUNNING: 0, INTERRUPTED: 1, FAILED: 0 });

    // A run in progress holds the lock on its own connection.
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    opened.push({ close: () => holder.end() });
    await holder.query(`SELECT pg_advisory_lock($1)`, [COB_LOCK_KEY]);
    ({ samples } = await scrape());
    expect(state(samples)).toEqual({ COMPLETED: 0, RUNNING: 1, INTERRUPTED: 0, FAILED: 0 });
    await holder.query(`SELECT pg_advisory_unlock($1)`, [COB_LOCK_KEY]);

    await ds.query(`UPDATE cob_runs SET status = 'COMPLETED', finished_at = now() WHERE business_date = '2026-03-10'`);
    ({ samples } = await scrape());
    expect(value(samples, 'mae_cob_last_completed_business_date_seconds')).toBe(dayStart('2026-03-10'));
    expect(state(samples)).toEqual({ COMPLETED: 1, RUNNING: 0, INTERRUPTED: 0, FAILED: 0 });
  });

  it("show the latest monthly report snapshot's month", async () => {
    await t.db.dataSource.query(
      `INSERT INTO report_snapshots (kind, period, version, generated_by, data, hash)
       VALUES ('MONTHLY', '2026-01', 1, 'system', '{}', repeat('a', 64)),
              ('MONTHLY', '2026-02', 1, 'system', '{}', repeat('b', 64))`,
    );
    expect(value((await scrape()).samples, 'mae_report_latest_month_seconds')).toBe(dayStart('2026-02-01'));
  });

  it('still answer 200 when sources fail or hang, leaving out only their gauges and counting the errors', async () => {
    const metrics = t.app.get(BackgroundMetrics);
    // A queue whose connection is gone.
    await metrics.queues.get(QUEUES.COB)!.close();
    // A table locked by a long transaction: the report query waits until the source timeout stops it.
    const locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
    opened.push({ close: () => locker.end() });
    await locker.query(`BEGIN`);
    await locker.query(`LOCK TABLE report_snapshots IN ACCESS EXCLUSIVE MODE`);
    // Redis gone for the API's own client (the heartbeat).
    const apiRedis = t.app.get<Redis>(REDIS);
    apiRedis.disconnect();

    const started = Date.now();
    const { samples, text } = await scrape();
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(value(samples, 'mae_queue_jobs', { queue: 'cob', state: 'waiting' })).toBeUndefined();
    expect(value(samples, 'mae_queue_jobs', { queue: 'reminders', state: 'waiting' })).toBe(3);
    expect(value(samples, 'mae_worker_heartbeat_age_seconds')).toBeUndefined();
    expect(value(samples, 'mae_report_latest_month_seconds')).toBeUndefined();
    expect(text).toContain('# TYPE mae_report_latest_month_seconds gauge');
    // The sources that answered are all there.
    expect(value(samples, 'mae_reminder_outbox_pending', { state: 'QUEUED' })).toBe(2);
    expect(value(samples, 'mae_cob_last_completed_business_date_seconds')).toBe(dayStart('2026-03-10'));
    expect(value(samples, 'mae_metrics_collect_errors_total', { source: 'queues' })).toBe(1);
    expect(value(samples, 'mae_metrics_collect_errors_total', { source: 'heartbeat' })).toBe(1);
    expect(value(samples, 'mae_metrics_collect_errors_total', { source: 'reports' })).toBe(1);
    expect(value(samples, 'mae_metrics_collect_errors_total', { source: 'reminders' })).toBe(0);
    expect(value(samples, 'mae_metrics_collect_errors_total', { source: 'cob' })).toBe(0);

    // The table comes back: so does its gauge, and the counter keeps what it counted.
    await locker.query(`ROLLBACK`);
    const after = (await scrape()).samples;
    expect(value(after, 'mae_report_latest_month_seconds')).toBe(dayStart('2026-02-01'));
    expect(value(after, 'mae_metrics_collect_errors_total', { source: 'reports' })).toBe(1);
    expect(value(after, 'mae_metrics_collect_errors_total', { source: 'queues' })).toBe(2);
  });
});
