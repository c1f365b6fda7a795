import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { bullOptions, InjectRedis, JOBS, jobId, loadConfig, QUEUES, readHeartbeat, SCHEDULERS, type AppConfig } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { HeartbeatService } from '../src/system/heartbeat.js';
import { SchedulesKeeper } from '../src/system/schedules-keeper.js';
import { inJobContext } from '../src/job-context.js';
import { WorkerModule } from '../src/worker.module.js';

let db: TestDatabase;
let config: AppConfig;
let redis: Redis;
const workers: INestApplicationContext[] = [];

async function bootWorker(): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config }), { logger: false });
  app.enableShutdownHooks();
  await app.init();
  workers.push(app);
  return app;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase(4);
  config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    // A prefix of this file's own: the queues, schedules and heartbeat never meet another test's.
    QUEUE_PREFIX: `tw${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '2',
  });
  redis = new Redis(config.REDIS_URL);
});

afterAll(async () => {
  for (const w of workers.splice(0)) await w.close();
  const keys = await redis.keys(`${config.QUEUE_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await db.drop();
});

describe('worker', () => {
  it('boots, schedules the heartbeat once across replicas and records it in Redis', async () => {
    const first = await bootWorker();
    await bootWorker();
    const queue = first.get<Queue>(getQueueToken(QUEUES.SYSTEM), { strict: false });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual([SCHEDULERS.SYSTEM_HEARTBEAT]);
    // An `every` scheduler runs its first job at once; its id is derived from the time slot.
    const beat = await until('the first heartbeat', () => readHeartbeat(redis, config.QUEUE_PREFIX));
    expect(beat.jobId).toMatch(new RegExp(`^repeat:${SCHEDULERS.SYSTEM_HEARTBEAT}:\\d+$`));
    expect(beat.beats).toBe(1);
    expect(Date.now() - Date.parse(beat.at)).toBeLessThan(60_000);
  });

  it('runs a job once per deterministic id, even when both replicas add it concurrently', async () => {
    const [a, b] = workers;
    const qa = a.get<Queue>(getQueueToken(QUEUES.SYSTEM), { strict: false });
    const qb = b.get<Queue>(getQueueToken(QUEUES.SYSTEM), { strict: false });
    const before = (await readHeartbeat(redis, config.QUEUE_PREFIX))!.beats;
    const id = jobId('heartbeat', 'test', randomBytes(3).toString('hex'));
    const added = await Promise.all([
      qa.add(JOBS.SYSTEM_HEARTBEAT, {}, { jobId: id }),
      qb.add(JOBS.SYSTEM_HEARTBEAT, {}, { jobId: id }),
      qa.add(JOBS.SYSTEM_HEARTBEAT, {}, { jobId: id }),
    ]);
    expect(new Set(added.map((j) => j.id))).toEqual(new Set([id]));
    await until('the job to complete', async () => (await qa.getJobState(id)) === 'completed');
    // Added again after it finished: BullMQ keeps the finished job, so the id is still taken.
    await qb.add(JOBS.SYSTEM_HEARTBEAT, {}, { jobId: id });
    await new Promise((r) => setTimeout(r, 300));
    const job = (await qa.getJob(id))!;
    expect(job.returnvalue).toEqual({ recorded: true });
    expect(job.attemptsMade).toBe(1);
    const after = (await readHeartbeat(redis, config.QUEUE_PREFIX))!;
    expect(after.jobId).toBe(id);
    expect(after.beats).toBe(before + 1);
  });

  it('re-creates its repeatable jobs and heartbeat by itself after Redis lost its data', async () => {
    const [a] = workers;
    const queue = a.get<Queue>(getQueueToken(QUEUES.SYSTEM), { strict: false });
    // Redis loses everything of this deployment (a restart without persistence, a flush) under running workers
    const keys = await redis.keys(`${config.QUEUE_PREFIX}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    expect(await queue.getJobSchedulers()).toEqual([]);
    expect(await readHeartbeat(redis, config.QUEUE_PREFIX)).toBeNull();
    // the keeper's periodic check (every SCHEDULES_CHECK_MS) finds them missing and upserts them
    const restored = await a.get(SchedulesKeeper).check();
    expect(restored).toContain(SCHEDULERS.SYSTEM_HEARTBEAT);
    expect(restored).toEqual(expect.arrayContaining([SCHEDULERS.COB_DAILY, SCHEDULERS.REPORTS_MONTHLY]));
    expect((await queue.getJobSchedulers()).map((x) => x.key)).toEqual([SCHEDULERS.SYSTEM_HEARTBEAT]);
    const beat = await until('a heartbeat after the loss', () => readHeartbeat(redis, config.QUEUE_PREFIX));
    expect(beat.beats).toBe(1);
    // nothing is missing any more: a second check re-creates nothing, on either replica
    expect(await a.get(SchedulesKeeper).check()).toEqual([]);
    expect(await workers[1].get(SchedulesKeeper).check()).toEqual([]);
  });

  it('ignores a redelivered job id (the handler is idempotent)', async () => {
    const heartbeat = workers[0].get(HeartbeatService, { strict: false });
    const id = jobId('heartbeat', 'redelivered', randomBytes(3).toString('hex'));
    const before = (await readHeartbeat(redis, config.QUEUE_PREFIX))!.beats;
    expect(await Promise.all([heartbeat.record(id), heartbeat.record(id), heartbeat.record(id)])).toEqual(
      expect.arrayContaining([true, false, false]),
    );
    expect((await readHeartbeat(redis, config.QUEUE_PREFIX))!.beats).toBe(before + 1);
  });

  it('fails an unknown job name loudly instead of acknowledging it', async () => {
    const queue = workers[0].get<Queue>(getQueueToken(QUEUES.SYSTEM), { strict: false });
    const id = jobId('unknown', randomBytes(3).toString('hex'));
    await queue.add('no.such.job', {}, { jobId: id, attempts: 1 });
    await until('the job to fail', async () => (await queue.getJobState(id)) === 'failed');
    expect((await queue.getJob(id))!.failedReason).toMatch(/unknown job no\.such\.job/);
  });

  it('forgets its clock when it closes: a job run afterwards in the same process does not read through its database', async () => {
    const closing = await bootWorker();
    // while it runs, a job re-reads the business date through it
    await expect(inJobContext({ id: 'probe-1', name: 'probe' }, async () => 'ran')).resolves.toBe('ran');
    await closing.close();
    workers.splice(workers.indexOf(closing), 1);
    // its database connections are closed now; a later job (another worker's, a test's processor) still runs
    await expect(inJobContext({ id: 'probe-2', name: 'probe' }, async () => 'ran')).resolves.toBe('ran');
  });

  it('refuses ids BullMQ cannot keep apart', () => {
    expect(jobId('cob', '2026-01-15')).toBe('cob.2026-01-15');
    expect(() => jobId('a:b')).toThrow(RangeError);
    expect(() => jobId(42)).toThrow(RangeError);
    expect(() => jobId()).toThrow(RangeError);
  });

  it('closes gracefully: a job in flight finishes before close() returns', async () => {
    const app = await NestFactory.createApplicationContext(
      { module: class SlowHost {}, imports: [WorkerModule.forRoot({ config }), SlowJobsModule] },
      { logger: false },
    );
    await app.init();
    const queue = app.get<Queue>(getQueueToken(SLOW_QUEUE), { strict: false });
    const id = jobId('slow', randomBytes(3).toString('hex'));
    await queue.add('slow', { marker: `${config.QUEUE_PREFIX}:slow:${id}` }, { jobId: id });
    await until('the slow job to start', async () => (await queue.getJobState(id)) === 'active');
    await app.close();
    // close() waited for the job: it completed and its effect is there, nothing was cut off half-way.
    const probe = new Queue(SLOW_QUEUE, bullOptions(config));
    expect(await probe.getJobState(id)).toBe('completed');
    await probe.close();
    expect(await redis.get(`${config.QUEUE_PREFIX}:slow:${id}`)).toBe('done');
  });
});

const SLOW_QUEUE = 'test-slow';

@Processor(SLOW_QUEUE)
class SlowProcessor extends WorkerHost {
  constructor(@InjectRedis() private readonly redis: Redis) {
    super();
  }
  async process(job: Job<{ marker: string }>): Promise<void> {
    await new Promise((r) => setTimeout(r, 700));
    await this.redis.set(job.data.marker, 'done', 'EX', 600);
  }
}

@Module({ imports: [BullModule.registerQueue({ name: SLOW_QUEUE })], providers: [SlowProcessor] })
class SlowJobsModule {}
