import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig, bullOptions, jobId, JOBS, QUEUES } from '#libs/common';

export interface CobJobData {
  businessDate: string;
  triggeredBy: string;
  rerun?: boolean;
}

/** The run job of a business date: one id per date, so the schedule, a retry and a second request collapse. */
export const cobJobId = (businessDate: string): string => jobId('cob', businessDate);
/** A deliberate re-run of a closed date: its own id per attempt number, so a double click still runs it once. */
export const cobRerunJobId = (businessDate: string, attempt: number): string =>
  jobId('cob', businessDate, 'rerun', attempt);

/**
 * Enqueues close-of-business runs for the worker. The BullMQ queue is opened on first use, so an application that
 * never enqueues (the worker itself, a test harness) opens no Redis connection for it.
 */
@Injectable()
export class CobQueue implements OnApplicationShutdown {
  private queue?: Queue<CobJobData>;

  constructor(private readonly config: AppConfig) {}

  private open(): Queue<CobJobData> {
    this.queue ??= new Queue<CobJobData>(QUEUES.COB, bullOptions(this.config));
    return this.queue;
  }

  /**
   * Adds the run job (ignored by BullMQ when a job with that id exists); a failed one is retried instead, since
   * its id is still taken. Returns the job id and its state.
   */
  async enqueue(data: CobJobData, id: string): Promise<{ jobId: string; state: string }> {
    const queue = this.open();
    const existing = await queue.getJob(id);
    if (existing && (await existing.isFailed())) {
      await existing.retry('failed');
      return { jobId: id, state: await existing.getState() };
    }
    const job = await queue.add(JOBS.COB_RUN, data, { jobId: id });
    return { jobId: id, state: await job.getState() };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close();
  }
}
