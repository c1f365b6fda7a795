import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { AuditModule } from '#libs/audit';
import { CommonModule, FixedClock, loadConfig, type AppConfig } from '#libs/common';
import { RemindersCoreModule, ReminderSettings } from '#libs/reminders';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { WorkerModule } from '../../apps/worker/src/worker.module.js';

/** Settings for tests: millisecond backoffs and a short lease, so retries and take-overs happen within a test. */
export function fastSettings(over: Partial<ReminderSettings> = {}): ReminderSettings {
  return Object.assign(new ReminderSettings(), {
    deliveryAttempts: 6,
    backoffDelayMs: 150,
    httpTimeoutMs: 2_000,
    leaseMs: 3_000,
    enqueueChunk: 50,
    ...over,
  });
}

export interface Env {
  db: TestDatabase;
  config: AppConfig;
  clock: FixedClock;
  redis: Redis;
  cleanup(): Promise<void>;
}

/** A database of this file's own and a queue prefix of its own (queues never meet another test file's). */
export async function createEnv(now: Date, pool = 10): Promise<Env> {
  const db = await createTestDatabase(pool);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `tr${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '6',
  });
  const redis = new Redis(config.REDIS_URL);
  return {
    db,
    config,
    clock: new FixedClock(now),
    redis,
    async cleanup() {
      for (;;) {
        const keys = await redis.keys(`${config.QUEUE_PREFIX}:*`);
        if (!keys.length) break;
        await redis.del(...keys);
      }
      await redis.quit();
      await db.drop();
    },
  };
}

/** Reminder services without any worker (selection, delivery, queries), on the env's database and clock. */
export async function bootServices(env: Env, settings = fastSettings()): Promise<TestingModule> {
  const ref = await Test.createTestingModule({
    imports: [
      CommonModule.forRoot({ config: env.config, clock: env.clock, applicationName: 'test' }),
      AuditModule,
      RemindersCoreModule,
    ],
  })
    .overrideProvider(ReminderSettings)
    .useValue(settings)
    .compile({ snapshot: false });
  ref.useLogger(false);
  await ref.init();
  return ref;
}

/** A whole worker process (all processors and schedules) on the env's database, Redis prefix and clock. */
export async function bootWorker(env: Env, settings = fastSettings()): Promise<TestingModule> {
  const ref = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ config: env.config, clock: env.clock })],
  })
    .overrideProvider(ReminderSettings)
    .useValue(settings)
    .compile();
  ref.useLogger(false);
  await ref.init();
  return ref;
}
