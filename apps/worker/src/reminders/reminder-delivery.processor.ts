import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { JOBS, QUEUES } from '#libs/common';
import {
  DELIVERY_REMOVE_ON_COMPLETE,
  DELIVERY_REMOVE_ON_FAIL,
  outboxIdOf,
  ReminderBatchDeliveryService,
  ReminderDeliveryQueue,
  ReminderDeliveryService,
  type BatchResult,
  type DeliveryBatchData,
  type DeliveryJobData,
  type DeliveryOutcome,
} from '#libs/reminders';
import { inJobContext } from '../job-context.js';

/**
 * Batch jobs (a selection run's reminders, up to a batch each) go to ReminderBatchDeliveryService, which delivers each
 * reminder once and hands whatever needs more over to single jobs; between two reminders it checks whether the worker
 * is closing, so a shutdown waits for one delivery, not a whole batch.
 *
 * A single job delivers one reminder and turns the outcome into BullMQ's terms: settled outcomes complete the job; quiet
 * hours and another worker's lease move it to the delayed set (DelayedError: no attempt is spent); a retryable failure
 * throws, so BullMQ retries with exponential backoff; a final failure throws UnrecoverableError, so the job lands in
 * the failed set (visible in the dashboard) while the outbox says FAILED with the reason; so does a job that finds
 * its reminder failed already (a batch hands its final failures over for that).
 */
@Processor(QUEUES.REMINDER_DELIVERY, {
  concurrency: 8,
  removeOnComplete: DELIVERY_REMOVE_ON_COMPLETE,
  removeOnFail: DELIVERY_REMOVE_ON_FAIL,
})
export class ReminderDeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(ReminderDeliveryProcessor.name);

  constructor(
    private readonly delivery: ReminderDeliveryService,
    private readonly batches: ReminderBatchDeliveryService,
    private readonly queue: ReminderDeliveryQueue,
  ) {
    super();
  }

  async process(
    job: Job<DeliveryJobData | DeliveryBatchData>,
    token?: string,
  ): Promise<DeliveryOutcome | BatchResult> {
    if (job.name === JOBS.REMINDER_DELIVER_BATCH) {
      const { ids } = job.data as DeliveryBatchData;
      if (!Array.isArray(ids)) throw new UnrecoverableError(`batch job ${job.id} carries no reminder ids`);
      return inJobContext(job, () =>
        this.batches.deliver(ids, {
          jobId: String(job.id),
          stopping: () => this.worker.closing !== undefined,
        }),
      );
    }
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
      case 'DONE':
        if (outcome.state === 'FAILED') throw new UnrecoverableError(outcome.reason ?? 'the reminder failed');
        return outcome;
      default:
        return outcome;
    }
  }

  /**
   * A job BullMQ has given up on. A single job's reminder must not keep saying QUEUED: it is marked FAILED (abandoned).
   * A batch's reminders get single jobs instead, each with its own retries, since a batch fails for reasons outside
   * any one reminder (the database down through all its tries).
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<DeliveryJobData | DeliveryBatchData> | undefined, error: Error): Promise<void> {
    if (!job) return;
    this.logger.warn(
      { queue: QUEUES.REMINDER_DELIVERY, jobId: job.id, attempts: job.attemptsMade, err: error.message },
      'delivery attempt failed',
    );
    try {
      if (job.name === JOBS.REMINDER_DELIVER_BATCH) {
        const { ids } = job.data as DeliveryBatchData;
        if (Array.isArray(ids) && (await job.isFailed()))
          await this.queue.enqueueSingles(ids.map((id) => ({ id, delayMs: 0 })));
        return;
      }
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
