import { Injectable } from '@nestjs/common';

/**
 * Tunables of reminder selection and delivery, with production defaults. A provider (not configuration) so tests can
 * replace it, e.g. with millisecond backoffs, without touching the deployment's environment.
 */
@Injectable()
export class ReminderSettings {
  /** Delivery attempts of one reminder before it is FAILED (the first try included). */
  deliveryAttempts = 8;
  /** Exponential backoff base: 5 s, 10 s, 20 s … ≈ 10 minutes over 8 attempts, so a receiver restart is ridden out. */
  backoffDelayMs = 5_000;
  /** Time allowed for one webhook or gateway request. */
  httpTimeoutMs = 10_000;
  /**
   * How long a worker owns a reminder it is sending. Longer than the request timeout: a second worker takes over only
   * when the first has certainly given up (crashed), never while its request may still be in flight.
   */
  leaseMs = 60_000;
  /** Reminders per batch delivery job (one BullMQ job carries this many outbox ids). */
  batchSize = 50;
  /** Reminders of one batch job delivered at once (a slow receiver holds a batch for timeout × size ÷ this). */
  batchConcurrency = 4;
  /** Reminders enqueued per BullMQ addBulk call (rounded to whole batches). */
  enqueueChunk = 5_000;
  /** addBulk calls in flight at once (pipelined on the Redis connection). */
  enqueueParallel = 4;
  /** A pending reminder untouched this long gets a single job (a no-op when its single job still exists). */
  sweepAfterMs = 3_600_000;
  /** Local hour of the daily selection in the business time zone: 08:00, when SMS may be sent again. */
  dailyHour = 8;
  /** SMS quiet period in the business time zone. */
  quietStartHour = 21;
  quietEndHour = 8;

  /** The daily selection as a cron pattern (evaluated in the business time zone). */
  get dailyCron(): string {
    return `0 ${this.dailyHour} * * *`;
  }
}
