import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { jobId, JOBS, QUEUES } from '#libs/common';
import { ReminderSelectionService, type RunResult, type RunTrigger } from '#libs/reminders';
import { inJobContext } from '../job-context.js';

export interface SelectJobData {
  businessDate: string;
  trigger: RunTrigger;
}

/** The selection job of a business date: one id per date, so the schedule, a worker restart and a replica collapse. */
export const selectJobId = (businessDate: string): string => jobId('reminders', 'select', businessDate);

/**
 * The daily tick adds the selection job of today's business date (computed when the tick runs, so a tick that waited
 * while every worker was down selects for the day it actually runs: the catch-up rule does the rest). The selection
 * job itself is one set-based statement plus the enqueue; see ReminderSelectionService.
 */
@Processor(QUEUES.REMINDERS, { concurrency: 1 })
export class RemindersProcessor extends WorkerHost {
  private readonly logger = new Logger(RemindersProcessor.name);

  constructor(
    private readonly selection: ReminderSelectionService,
    @InjectQueue(QUEUES.REMINDERS) private readonly queue: Queue,
  ) {
    super();
  }

  async process(job: Job): Promise<RunResult | { businessDate: string; jobId: string }> {
    return inJobContext(job, async () => {
      switch (job.name) {
        case JOBS.REMINDERS_DAILY:
          return this.addSelection(this.selection.today(), 'SCHEDULE');
        case JOBS.REMINDERS_SELECT: {
          const data = job.data as SelectJobData;
          return this.selection.run({
            businessDate: data.businessDate,
            trigger: data.trigger,
            jobId: String(job.id),
          });
        }
        default:
          throw new Error(`unknown job ${job.name} on queue ${QUEUES.REMINDERS}`);
      }
    });
  }

  /** Adds the selection of a date (a no-op when that date's job already exists). */
  async addSelection(
    businessDate: string,
    trigger: RunTrigger,
  ): Promise<{ businessDate: string; jobId: string }> {
    const id = selectJobId(businessDate);
    await this.queue.add(JOBS.REMINDERS_SELECT, { businessDate, trigger } satisfies SelectJobData, {
      jobId: id,
      attempts: 5,
      backoff: { type: 'exponential', delay: 30_000 },
    });
    return { businessDate, jobId: id };
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(
      {
        queue: QUEUES.REMINDERS,
        job: job?.name,
        jobId: job?.id,
        attempts: job?.attemptsMade,
        err: error.message,
      },
      'job failed',
    );
  }
}
