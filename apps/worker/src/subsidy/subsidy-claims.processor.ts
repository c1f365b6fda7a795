import { BullModule, InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig, Clock, JOBS, QUEUES, SCHEDULERS } from '#libs/common';
import {
  ClaimJobsService,
  SubsidyModule,
  type ClaimGenerationJobData,
  type ClaimGenerationJobResult,
} from '#libs/subsidy';
import { inJobContext } from '../job-context.js';
import { SchedulesKeeper } from '../system/schedules-keeper.js';

/**
 * When the daily claim tick fires (cron, business time zone): 03:00, after the night's close of business, so the
 * day after a period end (the 21st under the default calendar) generates with the period's last repayments in.
 */
export const SUBSIDY_CLAIMS_DAILY_CRON = process.env.SUBSIDY_CLAIMS_DAILY_CRON ?? '0 3 * * *';

/**
 * The subsidy claims queue. The daily tick adds, for every active programme, the generation job of its latest ended
 * settlement period (computed when the tick runs, so a tick that waited while every worker was down still names the
 * right period) with programme and period as job id; on days that are not the day after a period end that id exists
 * already and the add is a no-op. Generation keeps an unchanged DRAFT, so a retry or a second worker never writes
 * twice.
 */
@Processor(QUEUES.SUBSIDY_CLAIMS, { concurrency: 1 })
export class SubsidyClaimsProcessor extends WorkerHost {
  private readonly logger = new Logger(SubsidyClaimsProcessor.name);

  constructor(
    private readonly jobs: ClaimJobsService,
    @InjectQueue(QUEUES.SUBSIDY_CLAIMS) private readonly queue: Queue<ClaimGenerationJobData>,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async process(
    job: Job<ClaimGenerationJobData>,
  ): Promise<ClaimGenerationJobResult | { enqueued: string[] }> {
    return inJobContext(job, async () => {
      switch (job.name) {
        case JOBS.SUBSIDY_CLAIMS_DAILY: {
          const today = this.clock.today(this.config.BUSINESS_TIMEZONE);
          return { enqueued: await this.jobs.enqueueDue(this.queue, today, 'scheduler') };
        }
        case JOBS.SUBSIDY_CLAIMS_GENERATE:
          return this.jobs.generate(job.data);
        default:
          throw new Error(`unknown job ${job.name} on queue ${QUEUES.SUBSIDY_CLAIMS}`);
      }
    });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(
      {
        queue: QUEUES.SUBSIDY_CLAIMS,
        job: job?.name,
        jobId: job?.id,
        attempts: job?.attemptsMade,
        err: error.message,
      },
      'job failed',
    );
  }
}

/**
 * Registers the daily tick (upsertJobScheduler is idempotent by id, so every replica may run it at boot) and, at
 * start, catches up: the latest ended period of every active programme is added (deterministic ids: a no-op when
 * the tick or another replica already added it), so a period that ended while every worker was down is generated
 * as soon as one is back.
 */
@Injectable()
export class SubsidyClaimsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SubsidyClaimsScheduler.name);

  constructor(
    private readonly keeper: SchedulesKeeper,
    @InjectQueue(QUEUES.SUBSIDY_CLAIMS) private readonly queue: Queue,
    private readonly jobs: ClaimJobsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keeper.keep(
      this.queue,
      SCHEDULERS.SUBSIDY_CLAIMS_DAILY,
      { pattern: SUBSIDY_CLAIMS_DAILY_CRON, tz: this.config.BUSINESS_TIMEZONE },
      {
        name: JOBS.SUBSIDY_CLAIMS_DAILY,
        data: {},
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } },
      },
    );
    this.logger.log(
      `scheduled ${JOBS.SUBSIDY_CLAIMS_DAILY} at "${SUBSIDY_CLAIMS_DAILY_CRON}" ${this.config.BUSINESS_TIMEZONE}`,
    );
    const added = await this.jobs.enqueueDue(
      this.queue,
      this.clock.today(this.config.BUSINESS_TIMEZONE),
      'boot',
    );
    this.logger.log(
      `catch-up: ${added.length} claim generation job(s) added (ignored where they already ran)`,
    );
  }
}

/** Subsidy claim jobs of the worker: the daily tick and the generation of a programme's period. */
@Module({
  imports: [SubsidyModule, BullModule.registerQueue({ name: QUEUES.SUBSIDY_CLAIMS })],
  providers: [SubsidyClaimsProcessor, SubsidyClaimsScheduler],
  exports: [SubsidyClaimsProcessor],
})
export class SubsidyClaimsJobsModule {}
