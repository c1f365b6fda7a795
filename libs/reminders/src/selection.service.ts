import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { AuditService } from '#libs/audit';
import { AppConfig, Clock, DomainError, RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { ReminderDeliveryQueue } from './delivery-queue.js';
import { dueDatesOf, runDateRefusal } from './domain/selection.js';
import { ReminderSettings } from './settings.js';
import { SelectionStore } from './store/selection.store.js';

/** Due dates selected per statement (and per commit) by a run. */
const DATES_PER_STATEMENT = 11;

export const RUN_TRIGGERS = ['SCHEDULE', 'BOOT', 'MANUAL'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface RunInput {
  businessDate: string;
  trigger: RunTrigger;
  /** The BullMQ job that runs it, if any (kept on the run row). */
  jobId?: string | null;
}

export interface RunResult {
  runId: string;
  businessDate: string;
  /** Today's business date when the run happened (windows must still be open today). */
  today: string;
  /** New outbox rows: reminders never selected before. A re-run of the same date selects 0. */
  selected: number;
  /** Delivery jobs submitted for them. */
  enqueued: number;
  /** Jobs re-submitted for reminders of earlier runs that stopped before enqueueing everything. */
  resumed: number;
  /** Jobs re-submitted for pending reminders untouched for long (no-ops when their job still exists). */
  swept: number;
  /** Time of the selection transaction, of the enqueue, and of the whole run. */
  selectMs: number;
  enqueueMs: number;
  durationMs: number;
}

/**
 * Picks the reminders of a business date into the outbox, set-based, and enqueues their delivery.
 *
 * INSERT … SELECT … ON CONFLICT (installment_id, offset_days) DO NOTHING does the selection, one statement per due
 * date (at most 44): every unpaid instalment of a disbursed loan due that day, at the offset whose window
 * (domain/offsets.ts: the catch-up rule) contains the run date and is still open today, routed to its bank's, else its
 * fund's, else the default endpoint.
 * The unique key makes a re-run, a concurrent run or a second worker add nothing; runs are also serialized by an
 * advisory lock held for the whole run, so a run that finds an earlier one unfinished knows that one died, and
 * re-adds its jobs.
 *
 * Redis is only touched after a statement's outbox rows are committed (never inside a transaction), and while the
 * next due date is selected: the run row's `enqueued_at` is set once every job is in the queue, and a run cut off in
 * between is resumed by the next one.
 */
@Injectable()
export class ReminderSelectionService {
  private readonly logger = new Logger(ReminderSelectionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: ReminderDeliveryQueue,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly settings: ReminderSettings,
    private readonly store: SelectionStore,
  ) {}

  /** Today's business date in the configured zone. */
  today(): string {
    return this.clock.today(this.config.BUSINESS_TIMEZONE);
  }

  async run(input: RunInput): Promise<RunResult> {
    const started = Date.now();
    const today = this.today();
    this.checkDate(input.businessDate, today);
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await this.store.lockRuns(qr.manager);
      try {
        return await this.locked(qr, input, today, started);
      } finally {
        await this.store.unlockRuns(qr.manager);
      }
    } finally {
      await qr.release();
    }
  }

  private checkDate(date: string, today: string): void {
    const refusal = runDateRefusal(date, today);
    if (refusal) {
      throw new DomainError(
        'REMINDER_RUN_DATE_INVALID',
        `businessDate must be between ${refusal.earliest} and today (${today})`,
        [{ field: 'businessDate', code: refusal.code, message: refusal.message }],
      );
    }
  }

  private async locked(qr: QueryRunner, input: RunInput, today: string, started: number): Promise<RunResult> {
    const actor = RequestContext.actor() ?? SYSTEM_ACTOR;
    // The run row and its audit entry first, committed: reminders of a run cut off half-way still name their run.
    await qr.startTransaction();
    let runId: string;
    try {
      runId = await this.store.insertRun(qr.manager, {
        businessDate: input.businessDate,
        trigger: input.trigger,
        requestedBy: actor.username,
        jobId: input.jobId ?? null,
      });
      await this.audit.record(qr.manager, {
        action: 'REMINDER_RUN',
        entityType: 'reminder_run',
        entityId: runId,
        after: { businessDate: input.businessDate, today, trigger: input.trigger },
      });
      await qr.commitTransaction();
    } catch (e) {
      await qr.rollbackTransaction();
      throw e;
    }

    // One statement per group of DATES_PER_STATEMENT due dates (at most 44 dates in all): each is set-based over every
    // instalment due on its dates and commits on its own, so its reminders are enqueued while the next group is being
    // selected (a statement per date cost a commit per date: most of a quiet day's run).
    const stream = this.queue.stream(runId);
    let selected = 0;
    let selectMs = 0;
    let enqueued: number;
    try {
      const dates = dueDatesOf(input.businessDate, today);
      for (let g = 0; g < dates.length; g += DATES_PER_STATEMENT) {
        const t = Date.now();
        const res = await this.store.selectDueDates(qr.manager, runId, dates.slice(g, g + DATES_PER_STATEMENT));
        selectMs += Date.now() - t;
        selected += res.n;
        if (res.n) stream.push(res.ids);
      }
    } finally {
      // Whatever was selected goes into the queue even if a later date failed (the run then stays unfinished and
      // the next run resumes it).
      enqueued = await stream.close();
    }
    await this.store.finishRun(qr.manager, runId, selected, enqueued);

    const resumed = await this.resumeUnfinished(qr, runId);
    const swept = await this.sweep(qr);
    if (swept || resumed) await this.store.setSwept(qr.manager, runId, swept + resumed);
    const result: RunResult = {
      runId,
      businessDate: input.businessDate,
      today,
      selected,
      enqueued,
      resumed,
      swept,
      selectMs,
      enqueueMs: stream.busyMs,
      durationMs: Date.now() - started,
    };
    this.logger.log({ ...result, trigger: input.trigger }, 'reminder selection run');
    return result;
  }

  /**
   * Earlier runs whose enqueue never finished (the process died between commit and Redis): since runs hold the lock
   * for their whole length, such a run is certainly dead. Its still-queued reminders get their jobs again.
   */
  private async resumeUnfinished(qr: QueryRunner, currentRunId: string): Promise<number> {
    let total = 0;
    for (const runId of await this.store.unfinishedRuns(qr.manager, currentRunId)) {
      const ids = await this.store.queuedOf(qr.manager, runId);
      total += await this.queue.enqueue(runId, ids);
      await this.store.markResumed(qr.manager, runId, ids.length);
      this.logger.warn({ runId, jobs: ids.length }, 'resumed the enqueue of an interrupted reminder run');
    }
    return total;
  }

  /**
   * Safety net for jobs lost outside our control (Redis restored from an old snapshot, a job removed by hand in the
   * dashboard, a batch that failed for good): pending reminders untouched for `sweepAfterMs` get a single job.
   * Deterministic single-job ids make this a no-op for a reminder whose single job (a retry, a quiet-hours deferral)
   * still exists. While batch jobs are still waiting the workers are behind, not missing jobs: the sweep waits, rather
   * than doubling a backlog.
   */
  private async sweep(qr: QueryRunner): Promise<number> {
    if ((await this.queue.queue.getWaitingCount()) > 0) return 0;
    const ids = await this.store.stalePending(qr.manager, this.settings.sweepAfterMs / 1000);
    return ids.length ? this.queue.enqueueSingles(ids.map((id) => ({ id, delayMs: 0 }))) : 0;
  }
}
