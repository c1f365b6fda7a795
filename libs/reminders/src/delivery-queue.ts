import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { AppConfig, bullOptions, jobId, JOBS, QUEUES } from '#libs/common';
import { ReminderSettings } from './settings.js';

/**
 * The delivery queue holds two kinds of job:
 * - a batch job (`reminder.deliver-batch`, id `reminder-batch.<run>.<first id>.<last id>`) carries the outbox ids of up
 *   to `batchSize` reminders of one selection run. It is how the daily selection hands a million reminders to the
 *   workers: one BullMQ job per batch, not per reminder, so enqueueing costs a few microseconds per reminder. The
 *   worker delivers each reminder of the batch once and hands every one that needs more (a retry, quiet hours,
 *   another worker's lease, a final failure to show) over to a single job;
 * - a single job (`reminder.deliver`, id `reminder.<outbox id>`) carries nothing but its id. Deterministic, so adding
 *   it twice (a hand-over and the sweep, two workers) is one job. It is retried with backoff by BullMQ.
 * Exactly-once does not rest on job ids: the outbox row's claim (delivery.service.ts) lets one attempt at a time
 * through and settles each reminder once, whichever job, batch or single, reaches it.
 */
export type DeliveryJobData = Record<string, never>;
export interface DeliveryBatchData {
  /** Outbox ids of one selection run, in the order the selection produced them. */
  ids: string[];
}

export const deliveryJobId = (outboxId: string | bigint): string => jobId('reminder', String(outboxId));

export const deliveryBatchJobId = (runId: string | bigint, ids: readonly string[]): string =>
  jobId('reminder-batch', String(runId), ids[0], ids[ids.length - 1]);

/** The outbox id a single delivery job is for, from its id; null for an id that is not a single job's. */
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

/** Tries of one batch job: its reminders' own retries are single jobs; these absorb a database restart. */
export const BATCH_ATTEMPTS = 3;

/**
 * A stream of outbox ids into the delivery queue: `push` hands over ids as they are produced (by each selection
 * statement), `enqueueParallel` lanes drain them in chunks of `enqueueChunk` ids (one addBulk of batch jobs each), and
 * `close` waits until all are in. Producing and enqueueing overlap, so a run costs about the longer of the two instead of their sum.
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

/** A reminder a batch could not finish: it gets a single job, started after `delayMs`. */
export interface HandOver {
  id: string;
  delayMs: number;
}

/**
 * The producer side of the delivery queue, used by the API (on-demand runs) and the worker (daily runs, hand-overs)
 * alike. It opens its own BullMQ connection rather than relying on a BullModule root, which the API does not have.
 *
 * A single job may be tried `deliveryAttempts + 2` times: the outbox counts the delivery attempts and declares FAILED
 * itself; the two spare BullMQ attempts absorb infrastructure errors (a database restart) outside a delivery attempt.
 * A batch job is tried `BATCH_ATTEMPTS` times; the reminders of a batch that fails for good get single jobs.
 */
@Injectable()
export class ReminderDeliveryQueue implements OnApplicationShutdown {
  readonly queue: Queue<DeliveryJobData | DeliveryBatchData>;

  constructor(
    config: AppConfig,
    private readonly settings: ReminderSettings,
  ) {
    this.queue = new Queue<DeliveryJobData | DeliveryBatchData>(
      QUEUES.REMINDER_DELIVERY,
      bullOptions(config),
    );
    // A Redis hiccup surfaces on the add that needs it; the queue's own error events are not fatal.
    this.queue.on('error', () => undefined);
  }

  private singleOpts(): JobsOptions {
    return {
      attempts: this.settings.deliveryAttempts + 2,
      backoff: { type: 'exponential', delay: this.settings.backoffDelayMs },
    };
  }

  /** Batch jobs for the reminders of selection run `runId`, streamed as the selection produces them. */
  stream(runId: string): EnqueueStream {
    const opts: JobsOptions = {
      attempts: BATCH_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.settings.backoffDelayMs },
    };
    const size = Math.max(1, this.settings.batchSize);
    return new EnqueueStream(
      async (ids) => {
        const jobs = [];
        for (let k = 0; k < ids.length; k += size) {
          const batch = ids.slice(k, k + size);
          jobs.push({
            name: JOBS.REMINDER_DELIVER_BATCH,
            data: { ids: batch },
            opts: { ...opts, jobId: deliveryBatchJobId(runId, batch) },
          });
        }
        await this.queue.addBulk(jobs);
      },
      // Whole batches per addBulk call.
      Math.max(1, Math.round(this.settings.enqueueChunk / size)) * size,
      this.settings.enqueueParallel,
    );
  }

  /** Adds batch jobs for these reminders of run `runId`. Returns how many reminders were submitted. */
  async enqueue(runId: string, outboxIds: readonly string[]): Promise<number> {
    const s = this.stream(runId);
    s.push(outboxIds);
    return s.close();
  }

  /**
   * Adds one single job per reminder, each after its delay (existing job ids are left as they are: a reminder whose
   * single job is still waiting or delayed keeps it). Returns how many were submitted.
   */
  async enqueueSingles(items: readonly HandOver[]): Promise<number> {
    const opts = this.singleOpts();
    const chunk = Math.max(1, this.settings.enqueueChunk);
    for (let k = 0; k < items.length; k += chunk) {
      await this.queue.addBulk(
        items.slice(k, k + chunk).map(({ id, delayMs }) => ({
          name: JOBS.REMINDER_DELIVER,
          data: {},
          opts: { ...opts, jobId: deliveryJobId(id), ...(delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}) },
        })),
      );
    }
    return items.length;
  }

  /** True once the application is shutting down: batches stop starting deliveries and hand the rest over. */
  get closing(): boolean {
    return this.shuttingDown;
  }
  private shuttingDown = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * Runs work that may still add jobs (a batch's hand-overs) so that shutdown waits for it before closing the
   * connection: shutdown hooks of different modules run in no set order, and the worker may still be finishing a batch.
   */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const p = work();
    this.inFlight.add(p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(p);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled([...this.inFlight]);
    await this.queue.close().catch(() => undefined);
  }
}
