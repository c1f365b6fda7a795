import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '#libs/common';
import { inJobContext } from '../job-context.js';
import { HeartbeatService } from './heartbeat.js';

/** Processes the system queue. Unknown job names fail loudly instead of being acknowledged silently. */
@Processor(QUEUES.SYSTEM, { concurrency: 1 })
export class SystemProcessor extends WorkerHost {
  private readonly logger = new Logger(SystemProcessor.name);

  constructor(private readonly heartbeat: HeartbeatService) {
    super();
  }

  async process(job: Job): Promise<{ recorded: boolean }> {
    return inJobContext(job, async () => {
      switch (job.name) {
        case JOBS.SYSTEM_HEARTBEAT:
          return { recorded: await this.heartbeat.record(String(job.id)) };
        default:
          throw new Error(`unknown job ${job.name} on queue ${QUEUES.SYSTEM}`);
      }
    });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error({ queue: QUEUES.SYSTEM, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'job failed');
  }
}
