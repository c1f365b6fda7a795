import { Injectable, Logger } from '@nestjs/common';
import { ReminderDeliveryQueue, type HandOver } from './delivery-queue.js';
import { ReminderDeliveryService, type DeliveryOutcome } from './delivery.service.js';
import { ReminderSettings } from './settings.js';

export interface BatchResult {
  /** Reminders of the batch. */
  size: number;
  /** Sent by this batch. */
  sent: number;
  /** Settled without a send: paid, cancelled, superseded, or already settled by another job. */
  settled: number;
  /** Handed over to single jobs: retries, quiet-hours deferrals, another worker's lease, final failures, a shutdown. */
  handedOver: number;
  /** True when the worker began shutting down part-way and the rest was handed over unattempted. */
  interrupted: boolean;
}

/**
 * Delivers the reminders of one batch job: each once, `batchConcurrency` at a time, through the same claim as a
 * single job (ReminderDeliveryService.deliver), so a reminder reached by two jobs is still delivered once.
 *
 * A batch never retries anything itself. Every reminder that needs more than this one attempt gets a single job
 * (`reminder.<id>`), which has the backoff, the delay and the visibility a reminder needs:
 * - RETRY (a refused or unreachable receiver): after the first backoff step; the single job backs off from there;
 * - DEFERRED (SMS quiet hours) and BUSY (another worker's lease): at the time the outcome names;
 * - FAILED for good: at once, so the failure shows as a failed job with its reason (the outbox says FAILED already);
 * - an error outside the delivery (the database unreachable for this reminder): after the first backoff step;
 * - when the worker is shutting down: the reminders not yet started, at once (another worker, or this one restarted,
 *   picks them up; none is lost, and the shutdown waits for one delivery at most, not for a whole batch).
 * The hand-overs are added together at the end of the batch. If that fails, the batch job fails and BullMQ runs it
 * again; reminders it settled are then found settled and skipped.
 */
@Injectable()
export class ReminderBatchDeliveryService {
  private readonly logger = new Logger(ReminderBatchDeliveryService.name);

  constructor(
    private readonly delivery: ReminderDeliveryService,
    private readonly queue: ReminderDeliveryQueue,
    private readonly settings: ReminderSettings,
  ) {}

  deliver(
    ids: readonly string[],
    opts: { jobId?: string | null; stopping?: () => boolean } = {},
  ): Promise<BatchResult> {
    return this.queue.hold(() => this.run(ids, opts));
  }

  private async run(
    ids: readonly string[],
    opts: { jobId?: string | null; stopping?: () => boolean },
  ): Promise<BatchResult> {
    const result: BatchResult = { size: ids.length, sent: 0, settled: 0, handedOver: 0, interrupted: false };
    const handOvers: HandOver[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < ids.length) {
        if (opts.stopping?.() || this.queue.closing) {
          result.interrupted = true;
          while (next < ids.length) handOvers.push({ id: ids[next++], delayMs: 0 });
          return;
        }
        const id = ids[next++];
        let outcome: DeliveryOutcome;
        try {
          outcome = await this.delivery.deliver(id, { jobId: opts.jobId ?? null });
        } catch (e) {
          this.logger.warn(
            { reminderId: id, jobId: opts.jobId, err: (e as Error).message },
            'reminder delivery raised an error; handed over to a single job',
          );
          handOvers.push({ id, delayMs: this.settings.backoffDelayMs });
          continue;
        }
        const handOver = this.handOverDelay(outcome);
        if (handOver !== null) handOvers.push({ id, delayMs: handOver });
        else if (outcome.kind === 'SENT') result.sent++;
        else result.settled++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.settings.batchConcurrency) }, lane));
    if (handOvers.length) await this.queue.enqueueSingles(handOvers);
    result.handedOver = handOvers.length;
    return result;
  }

  /** When a reminder needs a single job, the delay before it starts; null when the outcome settles the reminder. */
  private handOverDelay(outcome: DeliveryOutcome): number | null {
    switch (outcome.kind) {
      case 'RETRY':
        return this.settings.backoffDelayMs;
      case 'DEFERRED':
        return Math.max(0, outcome.delayMs);
      case 'BUSY':
        return Math.max(0, outcome.delayMs) + 250;
      case 'FAILED':
        return 0;
      default:
        return null;
    }
  }
}
