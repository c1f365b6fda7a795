import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { JOBS, QUEUES } from '#libs/common';
import {
  DELIVERY_REMOVE_ON_COMPLETE,
  DELIVERY_REMOVE_ON_FAIL,
  outboxIdOf,
  ReminderDeliveryService,
  type DeliveryJobData,
  type DeliveryOutcome,
} from '#libs/reminders';
import { inJobContext } from '../job-context.js';

/**
 * Delivers one reminder per job and turns the outcome into BullMQ's terms: settled outcomes complete the job; quiet
 * hours and another worker's lease move it to the delayed set (DelayedError: no attempt is spent); a retryable failure
 * throws, so BullMQ retries with exponential backoff; a final failure throws UnrecoverableError, so the job lands in
 * the failed set (visible in the dashboard) while the outbox says FAILED with the reason.
 */
@Processor(QUEUES.REMINDER_DELIVERY, {
  concurrency: 8,
  removeOnComplete: DELIVERY_REMOVE_ON_COMPLETE,
  removeOnFail: DELIVERY_REMOVE_ON_FAIL,
})
export class ReminderDeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(ReminderDeliveryProcessor.name);

  constructor(private readonly delivery: ReminderDeliveryService) {
    super();
  }

  async process(job: Job<DeliveryJobData>, token?: string): Promise<DeliveryOutcome> {
    if (job.name !== JOBS.REMINDER_DELIVER)
      throw new Error(`unknown job ${job.name} on queue ${QUEUES.REMINDER_DELIVERY}`);
    const outboxId = outboxIdOf(job.id);
    if (!outboxId) throw new UnrecoverableError(`job id ${job.id} does not name a reminder`);
    const outcome = await inJobContext(job, () => this.delivery.deliver(outboxId, { jobId: String(job.id) }));
    switch (outcome.kind) {
      case 'DEFERRED':
      case 'BUSY':
        // The delay is measured on the injected clock; BullMQ schedules on the real one.
        await job.moveToDelayed(
          Date.now() + Math.max(0, outcome.delayMs) + (outcome.kind === 'BUSY' ? 250 : 0),
          token,
        );
        throw new DelayedError();
      case 'RETRY':
        throw new Error(outcome.reason);
      case 'FAILED':
        throw new UnrecoverableError(outcome.reason);
      default:
        return outcome;
    }
  }

  /** A job BullMQ has given up on: make sure the outbox does not keep saying QUEUED for it. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<DeliveryJobData> | undefined, error: Error): Promise<void> {
    if (!job) return;
    this.logger.warn(
      { queue: QUEUES.REMINDER_DELIVERY, jobId: job.id, attempts: job.attemptsMade, err: error.message },
      'delivery attempt failed',
    );
    try {
      const outboxId = outboxIdOf(job.id);
      if (outboxId && (await job.isFailed())) await this.delivery.markAbandoned(outboxId, error.message);
    } catch (e) {
      this.logger.error(
        { jobId: job.id, err: (e as Error).message },
        'could not settle an abandoned reminder',
      );
    }
  }
}
