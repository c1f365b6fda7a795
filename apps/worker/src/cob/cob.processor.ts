import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig, Clock, JOBS, QUEUES } from '#libs/common';
import { cobJobId, CobService, type CobJobData, type CobRunView } from '#libs/cob';
import { addDays } from '#libs/repayment';
import { inJobContext } from '../job-context.js';

/**
 * The close-of-business queue. The daily tick adds the run job of the business date that has just ended (computed
 * when the tick runs, so a tick that waited while every worker was down closes the right day); the run job calls
 * CobService.run, which takes the advisory lock, resumes a crashed run from its checkpoint and treats a closed date
 * as done. A run refused because another holds the lock throws, and BullMQ retries it with backoff.
 */
@Processor(QUEUES.COB, { concurrency: 1 })
export class CobProcessor extends WorkerHost {
  private readonly logger = new Logger(CobProcessor.name);

  constructor(
    private readonly cob: CobService,
    @InjectQueue(QUEUES.COB) private readonly queue: Queue<CobJobData>,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Adds the run job of a date (deterministic id: a no-op when it is already queued, running or done). */
  async addRun(businessDate: string, triggeredBy: string): Promise<string> {
    const id = cobJobId(businessDate);
    await this.queue.add(JOBS.COB_RUN, { businessDate, triggeredBy }, { jobId: id });
    return id;
  }

  async process(job: Job<CobJobData>): Promise<CobRunView | { enqueued: string }> {
    return inJobContext(job, async () => {
      switch (job.name) {
        case JOBS.COB_DAILY: {
          const yesterday = addDays(this.clock.today(this.config.BUSINESS_TIMEZONE), -1);
          return { enqueued: await this.addRun(yesterday, 'scheduler') };
        }
        case JOBS.COB_RUN:
          return this.cob.run(job.data.businessDate, {
            triggeredBy: job.data.triggeredBy,
            rerun: job.data.rerun,
          });
        default:
          throw new Error(`unknown job ${job.name} on queue ${QUEUES.COB}`);
      }
    });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(
      { queue: QUEUES.COB, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message },
      'job failed',
    );
  }
}
