import { getQueueToken } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { bullOptions, FixedClock, JOBS, loadConfig, QUEUES, SCHEDULERS, type AppConfig } from '#libs/common';
import { ClaimJobsService, claimGenerationJobId, enqueueClaimGeneration } from '#libs/subsidy';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { WorkerModule } from '../../apps/worker/src/worker.module.js';
import { as, subsidyServicesOn, type SubsidyHarness } from '../../libs/subsidy/test/helpers.js';
import * as fx from './fixtures.js';

/**
 * The scheduled claim generation: after each settlement period of a programme's calendar ends, the worker generates
 * that period's claims for every active programme, one job per programme and period (deterministic id) whoever adds
 * it (the daily tick, a second tick, a second worker, the catch-up at start). Real PostgreSQL, real Redis queues.
 */
let db: TestDatabase;
let config: AppConfig;
let clock: FixedClock;
let redis: Redis;
let h: SubsidyHarness;
let worker: TestingModule | undefined;
let quarterly: string; // default calendar: the 20th of Mar/Jun/Sep/Dec
let monthly10: string; // the 10th of every month
let closed: string;

/** 10:00 in Shanghai on `date`. */
const at = (date: string) => new Date(`${date}T02:00:00Z`);
const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);

beforeAll(async () => {
  db = await createTestDatabase(12);
  config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `tsc${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '6',
  });
  redis = new Redis(config.REDIS_URL);
  clock = new FixedClock(at('2026-03-21'));
  h = subsidyServicesOn(db, clock);
  await fx.benchmarkRates(db.dataSource);
  const create = (code: string, extra: object = {}) =>
    as('admin', () => h.programmes.create({ code, name: code, settlementMode: 'PAY_BANK', ...extra })).then(
      (p) => p.id,
    );
  quarterly = await create('SCHED-Q');
  monthly10 = await create('SCHED-M', {
    periodEndMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    periodEndDay: 10,
  });
  closed = await create('SCHED-X');
  await as('admin', () => h.programmes.update(closed, { status: 'CLOSED' }));

  // one covered loan under the quarterly programme, paid on time in 2026-P1: a claim of 543.75 for its bank
  const g = await fx.geography(db.dataSource);
  const pv = await fx.productVersion(db.dataSource, {
    policy: { type: 'FULL_BENCHMARK', programmeId: quarterly },
  });
  const loan = await fx.loan(db.dataSource, {
    productVersionId: pv,
    channel: 'BANK_COVERED',
    districtId: g.districtId,
    bankId: await fx.bank(db.dataSource),
    householdId: await fx.household(db.dataSource, g.villageIds[0]),
    principalFen: 5_000_000n,
    termMonths: 12,
    annualRatePercent: '4.35',
    benchmarkRatePercent: '4.35',
    disbursementDate: '2025-12-05',
  });
  for (const [n, d] of [
    [1, '2026-01-05'],
    [2, '2026-02-05'],
    [3, '2026-03-05'],
  ] as const)
    await fx.pay(db.dataSource, loan.id, n, d);
}, 60_000);

afterAll(async () => {
  await worker?.close();
  for (;;) {
    const keys = await redis.keys(`${config.QUEUE_PREFIX}:*`);
    if (!keys.length) break;
    await redis.del(...keys);
  }
  await redis.quit();
  await db.drop();
});

async function completed(queue: Queue, id: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (await queue.getJobState(id)) !== 'completed') {
    if ((await queue.getJobState(id)) === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const job = await queue.getJob(id);
  expect({ id, state: await queue.getJobState(id), failed: job?.failedReason ?? null }).toEqual({
    id,
    state: 'completed',
    failed: null,
  });
  return job!;
}

const claimsOf = (programmeId: string) =>
  q(
    `SELECT period_end::text, kind, status, version, total_fen::text, generated_by FROM subsidy_claims WHERE programme_id = $1 ORDER BY id`,
    [programmeId],
  );

describe('which periods are due', () => {
  it("names every active programme's latest ended period by its own calendar; a closed programme has none", async () => {
    const jobs = new ClaimJobsService(db.dataSource, h.claims);
    expect(await jobs.duePeriods('2026-03-21')).toEqual([
      { programmeId: quarterly, periodEnd: '2026-03-20' },
      { programmeId: monthly10, periodEnd: '2026-03-10' },
    ]);
    // on the period end itself the period has not ended
    expect(await jobs.duePeriods('2026-03-20')).toEqual([
      { programmeId: quarterly, periodEnd: '2025-12-20' },
      { programmeId: monthly10, periodEnd: '2026-03-10' },
    ]);
    expect(claimGenerationJobId(quarterly, '2026-03-20')).toBe(`subsidy.claims.${quarterly}.2026-03-20`);
  });

  it('adds one job per programme and period, however often it is asked', async () => {
    const jobs = new ClaimJobsService(db.dataSource, h.claims);
    const queue = new Queue(
      QUEUES.SUBSIDY_CLAIMS,
      bullOptions({ REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: `tsq${randomBytes(4).toString('hex')}` }),
    );
    try {
      const a = await jobs.enqueueDue(queue, '2026-03-21', 'scheduler');
      const b = await jobs.enqueueDue(queue, '2026-03-21', 'boot');
      const c = await jobs.enqueueDue(queue, '2026-04-02', 'scheduler'); // still the same periods
      await enqueueClaimGeneration(queue, quarterly, '2026-03-20', 'admin');
      expect(a).toEqual([`subsidy.claims.${quarterly}.2026-03-20`, `subsidy.claims.${monthly10}.2026-03-10`]);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
      expect((await queue.getJob(a[0]))!.data).toEqual({
        programmeId: quarterly,
        periodEnd: '2026-03-20',
        triggeredBy: 'scheduler',
      });
      // the monthly programme's next period, the day after it ends
      expect(await jobs.enqueueDue(queue, '2026-04-11', 'scheduler')).toEqual([
        `subsidy.claims.${quarterly}.2026-03-20`,
        `subsidy.claims.${monthly10}.2026-04-10`,
      ]);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 3 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe('the worker', () => {
  it('catches up at start, then generates once per period whoever adds the tick; the next period end adds the next job', async () => {
    worker = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ config, clock })] }).compile();
    worker.useLogger(false);
    await worker.init();
    const queue = worker.get<Queue>(getQueueToken(QUEUES.SUBSIDY_CLAIMS), { strict: false });
    expect((await queue.getJobSchedulers()).map((j) => j.key)).toContain(SCHEDULERS.SUBSIDY_CLAIMS_DAILY);

    // the catch-up at start added the periods ended while no worker ran (the worker booted on 2026-03-21)
    const p1 = await completed(queue, claimGenerationJobId(quarterly, '2026-03-20'));
    expect(p1.data.triggeredBy).toBe('boot');
    expect(p1.returnvalue).toMatchObject({
      programmeId: quarterly,
      period: '2026-P1',
      asOf: '2026-03-21',
      claims: [{ action: 'CREATED', total: '543.75' }],
    });
    await completed(queue, claimGenerationJobId(monthly10, '2026-03-10'));
    expect(await claimsOf(quarterly)).toEqual([
      {
        period_end: '2026-03-20',
        kind: 'ORIGINAL',
        status: 'DRAFT',
        version: 1,
        total_fen: '54375',
        generated_by: 'system',
      },
    ]);

    // two ticks (two replicas) the same day: the same job ids, nothing generated twice
    await Promise.all([
      queue.add(JOBS.SUBSIDY_CLAIMS_DAILY, {}, { jobId: 'tick-a' }),
      queue.add(JOBS.SUBSIDY_CLAIMS_DAILY, {}, { jobId: 'tick-b' }),
    ]);
    expect((await completed(queue, 'tick-a')).returnvalue).toEqual({
      enqueued: [
        claimGenerationJobId(quarterly, '2026-03-20'),
        claimGenerationJobId(monthly10, '2026-03-10'),
      ],
    });
    await completed(queue, 'tick-b');
    expect(await claimsOf(quarterly)).toHaveLength(1);
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 4 });

    // a generation re-run by hand finds the DRAFT unchanged (generation is idempotent)
    await queue.remove(claimGenerationJobId(quarterly, '2026-03-20'));
    await enqueueClaimGeneration(queue, quarterly, '2026-03-20', 'admin');
    expect((await completed(queue, claimGenerationJobId(quarterly, '2026-03-20'))).returnvalue).toMatchObject(
      {
        claims: [{ action: 'UNCHANGED' }],
      },
    );
    expect(await claimsOf(quarterly)).toHaveLength(1);

    // the day after the next period end: the tick adds the new periods' jobs
    clock.set(at('2026-06-21'));
    await queue.add(JOBS.SUBSIDY_CLAIMS_DAILY, {}, { jobId: 'tick-c' });
    expect((await completed(queue, 'tick-c')).returnvalue).toEqual({
      enqueued: [
        claimGenerationJobId(quarterly, '2026-06-20'),
        claimGenerationJobId(monthly10, '2026-06-10'),
      ],
    });
    expect((await completed(queue, claimGenerationJobId(quarterly, '2026-06-20'))).returnvalue).toMatchObject(
      {
        period: '2026-P2',
        claims: [{ action: 'CREATED' }],
      },
    );
    await completed(queue, claimGenerationJobId(monthly10, '2026-06-10'));
    expect((await claimsOf(quarterly)).map((c: { period_end: string }) => c.period_end)).toEqual([
      '2026-03-20',
      '2026-06-20',
    ]);
    expect(await claimsOf(closed)).toEqual([]);
    expect((await h.ledger.verify()).ok).toBe(true);
  }, 60_000);

  it('skips a programme closed after its job was added', async () => {
    const queue = worker!.get<Queue>(getQueueToken(QUEUES.SUBSIDY_CLAIMS), { strict: false });
    const id = await enqueueClaimGeneration(queue, closed, '2026-06-20', 'admin');
    expect((await completed(queue, id)).returnvalue).toEqual({
      programmeId: closed,
      period: '2026-06-20',
      skipped: 'PROGRAMME_CLOSED',
    });
  });
});
