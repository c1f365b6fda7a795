import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig, bullOptions, jobId, JOBS, QUEUES } from '#libs/common';
import { ReminderSettings } from './settings.js';

/**
 * A delivery job carries nothing but its id: `reminder.<outbox id>`. Deterministic, so adding it twice (two runs, two
 * workers) is one job; and no payload to serialize a million times (the outbox row is the payload).
 */
export type DeliveryJobData = Record<string, never>;

export const deliveryJobId = (outboxId: string | bigint): string => jobId('reminder', String(outboxId));

/** The outbox id a delivery job is for, from its id; null for an id that is not a delivery job's. */
export function outboxIdOf(id: string | undefined): string | null {
  const m = /^reminder\.(\d{1,18})$/.exec(id ?? '');
  return m ? m[1] : null;
}

/**
 * How long finished delivery jobs are kept. Set on the worker (not on each job, so a million jobs do not each carry
 * it): a job id re-added within a day of completing is ignored, and failed jobs stay visible in the dashboard.
 */
export const DELIVERY_REMOVE_ON_COMPLETE = { age: 24 * 3600, count: 100_000 };
export const DELIVERY_REMOVE_ON_FAIL = { age: 14 * 24 * 3600 };

/**
 * A stream of outbox ids into the delivery queue: `push` hands over ids as they are produced (by each selection
 * statement), `enqueueParallel` lanes drain them with addBulk in chunks of `enqueueChunk`, and `close` waits until all
 * are in. Producing and enqueueing overlap, so a run costs about the longer of the two instead of their sum.
 */
export class EnqueueStream {
  private readonly buffer: string[] = [];
  private closed = false;
  private wake: (() => void) | null = null;
  private failure: unknown = null;
  private readonly lanes: Promise<void>[];
  /** Ids submitted to BullMQ so far. */
  submitted = 0;
  /** Milliseconds the lanes spent inside addBulk (overlapping one another and the producer). */
  busyMs = 0;

  constructor(
    private readonly add: (ids: string[]) => Promise<void>,
    private readonly chunk: number,
    parallel: number,
  ) {
    this.lanes = Array.from({ length: Math.max(1, parallel) }, () => this.lane());
  }

  push(ids: readonly string[]): void {
    if (this.failure) throw this.failure;
    for (const id of ids) this.buffer.push(id);
    this.signal();
  }

  /** Waits for every pushed id to be in the queue; rethrows the first addBulk failure. */
  async close(): Promise<number> {
    this.closed = true;
    this.signal();
    await Promise.all(this.lanes);
    if (this.failure) throw this.failure;
    return this.submitted;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async lane(): Promise<void> {
    for (;;) {
      if (this.failure) return;
      if (this.buffer.length === 0) {
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          const previous = this.wake;
          this.wake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      // Wait for a full chunk while the producer is still going; flush the rest at the end.
      if (this.buffer.length < this.chunk && !this.closed) {
        await new Promise<void>((resolve) => {
          const previous = this.wake;
          this.wake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      const ids = this.buffer.splice(0, this.chunk);
      const started = Date.now();
      try {
        await this.add(ids);
        this.submitted += ids.length;
      } catch (e) {
        this.failure ??= e;
        this.signal();
        return;
      } finally {
        this.busyMs += Date.now() - started;
      }
    }
  }
}

/**
 * The producer side of the delivery queue, used by the API (on-demand runs) and the worker (daily runs) alike. It
 * opens its own BullMQ connection rather than relying on a BullModule root, which the API does not have.
 *
 * Each job may be tried `deliveryAttempts + 2` times: the outbox counts the delivery attempts and declares FAILED
 * itself; the two spare BullMQ attempts absorb infrastructure errors (a database restart) outside a delivery attempt.
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

  stream(): EnqueueStream {
    const opts = {
      attempts: this.settings.deliveryAttempts + 2,
      backoff: { type: 'exponential' as const, delay: this.settings.backoffDelayMs },
    };
    return new EnqueueStream(
      async (ids) => {
        await this.queue.addBulk(
          ids.map((id) => ({
            name: JOBS.REMINDER_DELIVER,
            data: {},
            opts: { ...opts, jobId: deliveryJobId(id) },
          })),
        );
      },
      this.settings.enqueueChunk,
      this.settings.enqueueParallel,
    );
  }

  /** Adds one delivery job per outbox id (existing job ids are left as they are). Returns how many were submitted. */
  async enqueue(outboxIds: readonly string[]): Promise<number> {
    const s = this.stream();
    s.push(outboxIds);
    return s.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
