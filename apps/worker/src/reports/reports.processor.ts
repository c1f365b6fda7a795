import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { AppConfig, Clock, JOBS, QUEUES, SCHEDULERS } from '#libs/common';
import { enqueueMonthlyReport, previousMonthOf, ReportingModule, ReportingService, type GenerateResult, type ReportJobData } from '#libs/reporting';
import { inJobContext } from '../job-context.js';
import { SchedulesKeeper } from '../system/schedules-keeper.js';

/** When the monthly tick fires (cron, business time zone): 02:00 on the 1st, after the night's close of business. */
export const REPORTS_MONTHLY_CRON = process.env.REPORTS_MONTHLY_CRON ?? '0 2 1 * *';

/**
 * The reports queue. The monthly tick adds the generation job of the month that has just ended (computed when the
 * tick runs, so a tick that waited while every worker was down still reports the right month) with the month as
 * job id; the generation job stores a new snapshot version only when the month's data changed, so a retry or a
 * second worker never stores twice.
 */
@Processor(QUEUES.REPORTS, { concurrency: 1 })
export class ReportsProcessor extends WorkerHost {
  private readonly logger = new Logger(ReportsProcessor.name);

  constructor(
    private readonly reports: ReportingService,
    @InjectQueue(QUEUES.REPORTS) private readonly queue: Queue<ReportJobData>,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async process(job: Job<ReportJobData>): Promise<GenerateResult['action'] | { enqueued: string }> {
    return inJobContext(job, async () => {
      switch (job.name) {
        case JOBS.REPORT_MONTHLY_TICK: {
          const month = previousMonthOf(this.clock.today(this.config.BUSINESS_TIMEZONE));
          return { enqueued: await enqueueMonthlyReport(this.queue, month, 'scheduler') };
        }
        case JOBS.REPORT_MONTHLY_GENERATE:
          return (await this.reports.generate(job.data.month, `job:${job.data.triggeredBy}`)).action;
        default:
          throw new Error(`unknown job ${job.name} on queue ${QUEUES.REPORTS}`);
      }
    });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error({ queue: QUEUES.REPORTS, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'job failed');
  }
}

/** Registers the monthly tick; upsertJobScheduler is idempotent by id, so every replica may run it at boot. */
@Injectable()
export class ReportsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReportsScheduler.name);

  constructor(
    private readonly keeper: SchedulesKeeper,
    @InjectQueue(QUEUES.REPORTS) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keeper.keep(
      this.queue,
      SCHEDULERS.REPORTS_MONTHLY,
      { pattern: REPORTS_MONTHLY_CRON, tz: this.config.BUSINESS_TIMEZONE },
      { name: JOBS.REPORT_MONTHLY_TICK, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } } },
    );
    this.logger.log(`scheduled ${JOBS.REPORT_MONTHLY_TICK} at "${REPORTS_MONTHLY_CRON}" ${this.config.BUSINESS_TIMEZONE}`);
  }
}

/** Monthly report jobs of the worker: the tick on the 1st and the generation of a month. */
@Module({
  imports: [ReportingModule, BullModule.registerQueue({ name: QUEUES.REPORTS })],
  providers: [ReportsProcessor, ReportsScheduler],
  exports: [ReportsProcessor],
})
export class ReportsJobsModule {}
