import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import os from 'node:os';
import { DataSource } from 'typeorm';
import { AuditModule } from '#libs/audit';
import {
  bullOptions,
  CommonModule,
  FixedClock,
  loadConfig,
  QUEUES,
  RequestContext,
  SYSTEM_ACTOR,
} from '#libs/common';
import { RemindersCoreModule, ReminderSelectionService, ReminderSettings } from '#libs/reminders';
import { databaseName, dropDatabase, withDatabase } from '../scripts/db-admin.js';
import { migrate } from '../scripts/migrate.js';

/**
 * `npm run bench:reminders`: selecting and enqueueing the reminders of 1,000,000 instalments — one set-based INSERT …
 * SELECT … ON CONFLICT DO NOTHING into the outbox per due date, then BullMQ batch delivery jobs of BENCH_BATCH reminders
 * each (addBulk in chunks, overlapping the next statement) — beside a
 * same-run redis-benchmark-style baseline: raw LPUSH of the same number of items, pipelined, on the same Redis. The
 * figure is reminders/s ÷ LPUSH/s (target ≥ 0.15). Then the same date is selected again: it must enqueue 0, and its
 * time is printed.
 *
 * The portfolio is generated set-based (generate_series) in a scratch database: BENCH_N unpaid instalments (default
 * 1,000,000) of 5-instalment bank loans, each due on a date that puts today inside one reminder window (T-7 … T+30),
 * plus BENCH_NOISE instalments (default 1,000,000) that must not be selected (paid, or due outside every window).
 *
 * Environment: BENCH_N, BENCH_NOISE, BENCH_BATCH (reminders per delivery job, default the production setting),
 * BENCH_CHUNK (reminders per addBulk, default the production setting; also the baseline's pipeline length),
 * BENCH_PARALLEL (addBulk calls in flight, default 4), DATABASE_URL (the server; the bench creates and drops its own database), REDIS_URL (the bench
 * uses a queue prefix of its own and deletes its keys afterwards).
 */
const N = Number(process.env.BENCH_N ?? 1_000_000);
const NOISE = Number(process.env.BENCH_NOISE ?? 1_000_000);
const DEFAULTS = new ReminderSettings();
const BATCH = Number(process.env.BENCH_BATCH ?? DEFAULTS.batchSize);
const CHUNK = Number(process.env.BENCH_CHUNK ?? DEFAULTS.enqueueChunk);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const TARGET = 0.15;
// 2026-03-15 10:00 in Shanghai: the business date every window is placed around.
const NOW = new Date('2026-03-15T02:00:00Z');
const TODAY = '2026-03-15';
/** Days from the due date to today, one per reminder window (T-7, T-3 catching up T-7, T-1, T0, T+1, …). */
const IN_WINDOW = [-7, -3, -1, 0, 1, 4, 7, 20, 30, 33];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function generate(ds: DataSource): Promise<void> {
  const loans = Math.ceil(N / 5);
  const noiseLoans = Math.ceil(NOISE / 5);
  await ds.query(`
    INSERT INTO districts (code, name) VALUES ('BENCH', '基准区');
    INSERT INTO towns (district_id, code, name) SELECT id, 'BENCH-T', '基准镇' FROM districts WHERE code = 'BENCH';
    INSERT INTO villages (town_id, district_id, code, name) SELECT t.id, t.district_id, 'BENCH-V', '基准村' FROM towns t WHERE code = 'BENCH-T';
    INSERT INTO banks (code, name) VALUES ('BENCH-BANK', '基准银行');
    INSERT INTO products (code, kind, name) VALUES ('BENCH-P', 'HOUSEHOLD_MICROCREDIT', '基准产品');
    INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                  method, frequency, day_count, rate_source, created_by)
      SELECT id, 1, 'v1', 100, 5000000, 1, 36, 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 'BENCHMARK', 'bench' FROM products;
    INSERT INTO reminder_endpoints (scope, channel, name, created_by) VALUES ('DEFAULT', 'LOG', 'bench log', 'bench');
  `);
  await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, phone, member_count, per_capita_income_fen, income_year,
                             status, derived_status)
     SELECT v.id, '户主' || g, lpad(g::text, 18, '0'), '1980-01-01', '138' || lpad(g::text, 8, '0'), 3, 300000, 2025, 'POOR', 'POOR'
       FROM villages v, generate_series(1, 20000) g`,
  );
  await ds.query(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, bank_id,
                        bank_loan_ref, principal_fen, term_months, purpose, method, frequency, day_count, rounding, status,
                        disbursement_date, outstanding_principal_fen, created_by)
     SELECT 'BENCH-' || g, 'BANK_COVERED', pv.id, 'HOUSEHOLD', h0.id + (g % 20000), v.district_id, v.id, b.id, 'REF-' || g,
            500000, 5, 'PLANTING', 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 'HALF_UP', 'DISBURSED', '2025-10-01', 500000, 'bench'
       FROM generate_series(1, $1::int) g, product_versions pv, villages v, banks b,
            (SELECT min(id) AS id FROM households) h0`,
    [loans + noiseLoans],
  );
  // Instalments 1-5 of the first `loans` loans: all unpaid, each due so that today falls in one window.
  await ds.query(
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen, status)
     SELECT l.id, n, d.due, d.due - 30, 30, 100000, 2500 + (l.id % 1000), CASE WHEN d.due < $2::date THEN 'OVERDUE' ELSE 'OPEN' END
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM loans) l
       CROSS JOIN generate_series(1, 5) n
       CROSS JOIN LATERAL (SELECT $2::date - (($3::int[])[1 + ((l.id + n) % ${IN_WINDOW.length})]) AS due) d
      WHERE l.rn <= $1`,
    [loans, TODAY, IN_WINDOW],
  );
  // Noise: the other loans' instalments are paid, or due beyond every window (in 8 to 400 days, or 38+ days ago).
  await ds.query(
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen,
                                    paid_principal_fen, paid_interest_fen, status)
     SELECT l.id, n, d.due, d.due - 30, 30, 100000, 2500,
            CASE WHEN paid THEN 100000 ELSE 0 END, CASE WHEN paid THEN 2500 ELSE 0 END,
            CASE WHEN paid THEN 'PAID' WHEN d.due < $2::date THEN 'OVERDUE' ELSE 'OPEN' END
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM loans) l
       CROSS JOIN generate_series(1, 5) n
       CROSS JOIN LATERAL (SELECT (l.id + n) % 3 = 0 AS paid) p
       CROSS JOIN LATERAL (SELECT CASE WHEN p.paid THEN $2::date - 1
                                       WHEN (l.id + n) % 3 = 1 THEN $2::date + 8 + ((l.id * 7 + n) % 390)::int
                                       ELSE $2::date - 38 - ((l.id + n) % 300)::int END AS due) d
      WHERE l.rn > $1`,
    [loans, TODAY],
  );
  for (const table of ['loans', 'loan_installments', 'households']) await ds.query(`VACUUM ANALYZE ${table}`);
}

/** The baseline: `count` LPUSHes in pipelines of `chunk`, `parallel` pipelines in flight (redis-benchmark -P style). */
async function lpushBaseline(
  redis: Redis,
  key: string,
  count: number,
  chunk: number,
  parallel: number,
): Promise<number> {
  await redis.del(key);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (;;) {
        const start = next;
        if (start >= count) return;
        next += chunk;
        const p = redis.pipeline();
        for (let i = start; i < Math.min(count, start + chunk); i++) p.lpush(key, `reminder.${i + 1}`);
        await p.exec();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const len = await redis.llen(key);
  if (len !== count) throw new Error(`baseline pushed ${len}, expected ${count}`);
  await redis.del(key);
  return seconds;
}

/** How many outbox ids the waiting batch jobs carry, and how many distinct. */
async function coveredIds(queue: Queue): Promise<{ ids: number; distinct: number }> {
  const seen = new Set<string>();
  let ids = 0;
  const total = await queue.getWaitingCount();
  for (let start = 0; start < total; start += 1000) {
    for (const job of await queue.getWaiting(start, start + 999)) {
      for (const id of (job.data as { ids: string[] }).ids) {
        ids++;
        seen.add(id);
      }
    }
  }
  return { ids, distinct: seen.size };
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mutual_aid';
  const name = `mae_bench_rem_${process.pid}`;
  const url = withDatabase(server, name);
  const prefix = `maebench${process.pid}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '4',
  });
  const redis = new Redis(config.REDIS_URL);
  console.log(
    `reminders bench: ${fmt(N)} instalments due for a reminder among ${fmt(N + NOISE)}, delivery jobs of ${fmt(BATCH)} ` +
      `reminders, addBulk chunks of ${fmt(CHUNK)} reminders × ${PARALLEL} in flight, ${os.cpus().length} CPUs`,
  );
  await dropDatabase(server, name);
  await migrate(url, { quiet: true });

  @Module({
    imports: [
      CommonModule.forRoot({ config, clock: new FixedClock(NOW), applicationName: 'bench-reminders' }),
      AuditModule,
      RemindersCoreModule,
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const queue = new Queue(QUEUES.REMINDER_DELIVERY, bullOptions(config));
  try {
    const settings = app.get(ReminderSettings);
    settings.batchSize = BATCH;
    settings.enqueueChunk = CHUNK;
    settings.enqueueParallel = PARALLEL;
    const ds = app.get(DataSource);
    const [{ version }] = (await ds.query(`SELECT current_setting('server_version') AS version`)) as {
      version: string;
    }[];
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    console.log(
      `PostgreSQL ${version}, Redis ${redisVersion}, Node ${process.version}, database ${databaseName(url)} (dropped afterwards)`,
    );

    let t = Date.now();
    await generate(ds);
    console.log(`generated the portfolio in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);

    // The baseline runs before and after (the machine's load can drift during a long run): its mean is the yardstick.
    const baselineBefore = await lpushBaseline(redis, `${prefix}:baseline`, N, CHUNK, PARALLEL);

    const selection = app.get(ReminderSelectionService);
    const run = () =>
      RequestContext.run({ requestId: 'bench', actor: SYSTEM_ACTOR }, () =>
        selection.run({ businessDate: TODAY, trigger: 'MANUAL' }),
      );
    t = Date.now();
    const first = await run();
    const firstSeconds = (Date.now() - t) / 1000;
    const perSecond = N / firstSeconds;
    // Outside the timing: every reminder is in exactly one waiting job.
    const jobs = await queue.count();
    const covered = await coveredIds(queue);
    if (first.selected !== N || first.enqueued !== N || covered.ids !== N || covered.distinct !== N) {
      throw new Error(
        `expected ${N} reminders in jobs, got selected ${first.selected}, enqueued ${first.enqueued}, ` +
          `in jobs ${covered.ids} (${covered.distinct} distinct)`,
      );
    }
    const [{ dup }] = (await ds.query(
      `SELECT count(*)::int AS dup FROM (SELECT 1 FROM reminder_outbox GROUP BY installment_id, offset_days HAVING count(*) > 1) d`,
    )) as { dup: number }[];

    t = Date.now();
    const second = await run();
    const secondSeconds = (Date.now() - t) / 1000;
    const jobsAfter = await queue.count();

    const baselineAfter = await lpushBaseline(redis, `${prefix}:baseline`, N, CHUNK, PARALLEL);
    const baseline = (baselineBefore + baselineAfter) / 2;
    const lpushPerSecond = N / baseline;
    const ratio = perSecond / lpushPerSecond;
    const [sel] = (await ds.query(`SELECT count(*)::int AS n FROM reminder_outbox WHERE remind_on <= $1`, [
      TODAY,
    ])) as { n: number }[];
    console.log(
      `select + enqueue   ${fmt(N)} reminders in ${firstSeconds.toFixed(2)} s   ${fmt(perSecond)} reminders/s`,
    );
    console.log(
      `  select (SQL) ${(first.selectMs / 1000).toFixed(2)} s, enqueue (addBulk) ${(first.enqueueMs / 1000).toFixed(2)} s ` +
        `(overlapping); ${fmt(jobs)} delivery jobs; outbox rows ${fmt(sel.n)}, duplicate (instalment, offset) ${dup}`,
    );
    console.log(
      `baseline LPUSH     ${fmt(N)} items in ${baseline.toFixed(2)} s     ${fmt(lpushPerSecond)} pushes/s (pipelined; ` +
        `before ${baselineBefore.toFixed(2)} s, after ${baselineAfter.toFixed(2)} s)`,
    );
    console.log(
      `ratio              ${ratio.toFixed(3)}   (target ≥ ${TARGET}: ${ratio >= TARGET ? 'met' : 'NOT met'})`,
    );
    console.log(
      `re-run same date   ${secondSeconds.toFixed(2)} s   selected ${second.selected}, enqueued ${second.enqueued}, ` +
        `jobs ${fmt(jobs)} → ${fmt(jobsAfter)} (${jobsAfter === jobs && second.enqueued === 0 ? '0 duplicates' : 'DUPLICATES'})`,
    );
    if (second.selected !== 0 || second.enqueued !== 0 || jobsAfter !== jobs || dup !== 0)
      process.exitCode = 1;
  } finally {
    await queue.close();
    await app.close();
    await deleteKeys(redis, `${prefix}:*`);
    await redis.quit();
    // BENCH_KEEP=1 keeps the scratch database for profiling (EXPLAIN the selection on it).
    if (process.env.BENCH_KEEP !== '1') await dropDatabase(server, name);
    else console.log(`kept database ${name}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
