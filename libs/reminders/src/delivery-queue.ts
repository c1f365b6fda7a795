import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig, bullOptions, jobId, JOBS, QUEUES } from '#libs/common';
import { ReminderSettings } from './settings.js';

export interface DeliveryJobData {
  outboxId: string;
}

/** The delivery job id of an outbox row: deterministic, so adding it twice (two runs, two workers) is one job. */
export const deliveryJobId = (outboxId: string | bigint): string => jobId('reminder', String(outboxId));

/**
 * The producer side of the delivery queue, used by the API (on-demand runs) and the worker (daily runs) alike. It
 * opens its own BullMQ connection rather than relying on a BullModule root, which the API does not have.
 *
 * Jobs are added in chunks with addBulk, several chunks in flight at once so the Redis round trips overlap. Each job
 * may be tried `deliveryAttempts + 2` times: the outbox counts the delivery attempts and declares FAILED itself; the
 * two spare BullMQ attempts absorb infrastructure errors (database restart) that happen outside a delivery attempt.
 */
@Injectable()
export class ReminderDeliveryQueue implements OnApplicationShutdown {
  readonly queue: Queue<DeliveryJobData>;

  constructor(
    config: AppConfig,
    private readonly settings: ReminderSettings,
  ) {
    this.queue = new Queue<DeliveryJobData>(QUEUES.REMINDER_DELIVERY, bullOptions(config));
    // A Redis hiccup surfaces on the add that needs it; the queue's own error events are not fatal.
    this.queue.on('error', () => undefined);
  }

  /** Adds one delivery job per outbox id (existing job ids are left as they are). Returns how many were submitted. */
  async enqueue(outboxIds: readonly string[]): Promise<number> {
    const chunk = this.settings.enqueueChunk;
    const opts = {
      attempts: this.settings.deliveryAttempts + 2,
      backoff: { type: 'exponential' as const, delay: this.settings.backoffDelayMs },
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 14 * 24 * 3600 },
    };
    let next = 0;
    const lane = async () => {
      for (;;) {
        const start = next;
        if (start >= outboxIds.length) return;
        next += chunk;
        const ids = outboxIds.slice(start, start + chunk);
        await this.queue.addBulk(
          ids.map((id) => ({
            name: JOBS.REMINDER_DELIVER,
            data: { outboxId: id },
            opts: { ...opts, jobId: deliveryJobId(id) },
          })),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.settings.enqueueParallel) }, lane));
    return outboxIds.length;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
