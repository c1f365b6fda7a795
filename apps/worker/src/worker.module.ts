import { BullModule } from '@nestjs/bullmq';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AuditModule } from '#libs/audit';
import type { Logger as PinoLogger } from 'pino';
import {
  AppConfig,
  bullOptions,
  Clock,
  CommonModule,
  createRootLogger,
  loadConfig,
  loggerModule,
  RedisModule,
  type CommonModuleOptions,
} from '#libs/common';
import { LedgerModule } from '#libs/ledger';
import { SchedulesKeeperModule } from './system/schedules-keeper.js';
import { SystemJobsModule } from './system/system-jobs.module.js';
import { releaseJobClock, useJobClock } from './job-context.js';
import { WORKER_MODULES } from './worker-modules.js';

/**
 * Defaults for every job: retried with backoff (handlers are idempotent), and finished jobs kept a day so a job
 * added again with the same deterministic id within that day is ignored by BullMQ instead of running twice.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The worker: the same configuration, database and Redis as the API, plus BullMQ processors and schedulers. */
@Module({})
export class WorkerModule implements BeforeApplicationShutdown, OnApplicationShutdown, OnModuleInit {
  private readonly logger = new Logger('Worker');

  constructor(private readonly clock: Clock) {}

  onModuleInit(): void {
    useJobClock(this.clock);
  }

  beforeApplicationShutdown(signal?: string): void {
    this.logger.log(`${signal ?? 'close'}: finishing in-flight jobs, then stopping`);
  }

  onApplicationShutdown(): void {
    releaseJobClock(this.clock);
  }

  static forRoot(opts: CommonModuleOptions & { rootLogger?: PinoLogger } = {}): DynamicModule {
    const config = opts.config ?? loadConfig();
    return {
      module: WorkerModule,
      imports: [
        CommonModule.forRoot({ applicationName: 'worker', ...opts, config }),
        // nestjs-pino: Nest's and the processors' logs go to the worker's pino logger.
        loggerModule(opts.rootLogger ?? createRootLogger(config.LOG_LEVEL, 'worker')),
        RedisModule,
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({ ...bullOptions(config), defaultJobOptions: DEFAULT_JOB_OPTIONS }),
        }),
        // Jobs post to the ledger and write audit rows exactly as HTTP handlers do.
        AuditModule,
        LedgerModule,
        SchedulesKeeperModule,
        SystemJobsModule,
        ...WORKER_MODULES,
      ],
    };
  }
}
