import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  Clock,
  DomainError,
  queryOne,
  queryRows,
  RequestContext,
  SYSTEM_ACTOR,
} from '#libs/common';
import { ReminderDeliveryQueue } from './delivery-queue.js';
import { addDays, OFFSET_WINDOWS, offsetFor } from './domain/offsets.js';
import { ReminderSettings } from './settings.js';

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

/** Selection runs are serialized across processes by this session advisory lock. */
const RUN_LOCK = `hashtext('mae.reminders.selection')`;

/** The latest window end (T+30 + catch-up) and the earliest start (T-7), in days from the due date. */
const LAST_UNTIL = Math.max(...OFFSET_WINDOWS.map((w) => w.until));
const FIRST_FROM = Math.min(...OFFSET_WINDOWS.map((w) => w.from));

/**
 * The reminders of one due date ($2) at one offset ($3), for run $1 (see the class comment). Which offset a due date
 * gets on a run date is decided once per date by domain/offsets.ts (offsetFor), the one home of the window rule, so
 * the statement itself only filters instalments by due date and joins their loan.
 */
const SELECT_DUE_DATE = `
  WITH ins AS (
    INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, household_id, due_date, remind_on, run_id,
                                 endpoint_id, channel)
    SELECT i.id, $3::smallint, l.id, l.household_id, i.due_date, i.due_date + $3::int, $1::bigint,
           coalesce(eb.id, ef.id, ed.id),
           CASE WHEN eb.id IS NOT NULL THEN eb.channel WHEN ef.id IS NOT NULL THEN ef.channel ELSE ed.channel END
      FROM loan_installments i
      JOIN loans l ON l.id = i.loan_id AND l.status = 'DISBURSED'
      LEFT JOIN reminder_endpoints eb ON eb.active AND eb.scope = 'BANK' AND eb.bank_id = l.bank_id
      LEFT JOIN reminder_endpoints ef ON ef.active AND ef.scope = 'FUND' AND ef.fund_id = l.fund_id
      LEFT JOIN reminder_endpoints ed ON ed.active AND ed.scope = 'DEFAULT'
     WHERE i.due_date = $2::date
       AND i.status IN ('OPEN', 'OVERDUE')
       AND i.principal_fen + i.interest_fen + i.penalty_fen > i.paid_principal_fen + i.paid_interest_fen + i.paid_penalty_fen
       AND coalesce(eb.id, ef.id, ed.id) IS NOT NULL
    ON CONFLICT (installment_id, offset_days) DO NOTHING
    RETURNING id
  )
  SELECT count(*)::int AS n, coalesce(string_agg(id::text, ','), '') AS ids FROM ins`;

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
      await qr.query(`SELECT pg_advisory_lock(${RUN_LOCK})`);
      try {
        return await this.locked(qr, input, today, started);
      } finally {
        await qr.query(`SELECT pg_advisory_unlock(${RUN_LOCK})`);
      }
    } finally {
      await qr.release();
    }
  }

  private checkDate(date: string, today: string): void {
    const earliest = addDays(today, -(LAST_UNTIL - FIRST_FROM));
    if (date > today || date < earliest) {
      throw new DomainError(
        'REMINDER_RUN_DATE_INVALID',
        `businessDate must be between ${earliest} and today (${today})`,
        [
          {
            field: 'businessDate',
            code: date > today ? 'FUTURE_DATE' : 'TOO_OLD',
            message:
              date > today
                ? 'reminders are selected for today or a past day, never ahead'
                : `no reminder window reaching today starts before ${earliest}`,
          },
        ],
      );
    }
  }

  private async locked(qr: QueryRunner, input: RunInput, today: string, started: number): Promise<RunResult> {
    const actor = RequestContext.actor() ?? SYSTEM_ACTOR;
    // The run row and its audit entry first, committed: reminders of a run cut off half-way still name their run.
    await qr.startTransaction();
    let runId: string;
    try {
      const run = await queryOne<{ id: string }>(
        qr.manager,
        `INSERT INTO reminder_runs (business_date, trigger, requested_by, job_id) VALUES ($1, $2, $3, $4) RETURNING id::text`,
        [input.businessDate, input.trigger, actor.username, input.jobId ?? null],
      );
      runId = run!.id;
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

    // One statement per due date (at most 44): each is set-based over every instalment due that day and commits on
    // its own, so its reminders are enqueued while the next date is being selected.
    const stream = this.queue.stream(runId);
    let selected = 0;
    let selectMs = 0;
    let enqueued: number;
    try {
      for (const { dueDate, offset } of this.dueDates(input.businessDate, today)) {
        const t = Date.now();
        const [res] = await queryRows<{ n: number; ids: string }>(qr.manager, SELECT_DUE_DATE, [
          runId,
          dueDate,
          offset,
        ]);
        selectMs += Date.now() - t;
        selected += res.n;
        if (res.n) stream.push(res.ids.split(','));
      }
    } finally {
      // Whatever was selected goes into the queue even if a later date failed (the run then stays unfinished and
      // the next run resumes it).
      enqueued = await stream.close();
    }
    await qr.query(
      `UPDATE reminder_runs SET selected = $2, enqueued = $3, enqueued_at = now() WHERE id = $1`,
      [runId, selected, enqueued],
    );

    const resumed = await this.resumeUnfinished(qr, runId);
    const swept = await this.sweep(qr);
    if (swept || resumed)
      await qr.query(`UPDATE reminder_runs SET swept = $2 WHERE id = $1`, [runId, swept + resumed]);
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

  /** Every due date with a reminder window open on `businessDate` and still open today, with its offset. */
  private dueDates(businessDate: string, today: string): { dueDate: string; offset: number }[] {
    const out: { dueDate: string; offset: number }[] = [];
    const last = addDays(businessDate, -FIRST_FROM);
    for (let d = addDays(today, -(LAST_UNTIL - 1)); d <= last; d = addDays(d, 1)) {
      const offset = offsetFor(d, businessDate, today);
      if (offset !== null) out.push({ dueDate: d, offset });
    }
    return out;
  }

  /**
   * Earlier runs whose enqueue never finished (the process died between commit and Redis): since runs hold the lock
   * for their whole length, such a run is certainly dead. Its still-queued reminders get their jobs again.
   */
  private async resumeUnfinished(qr: QueryRunner, currentRunId: string): Promise<number> {
    const runs = await queryRows<{ id: string }>(
      qr.manager,
      `SELECT id::text FROM reminder_runs WHERE enqueued_at IS NULL AND id <> $1 ORDER BY id`,
      [currentRunId],
    );
    let total = 0;
    for (const run of runs) {
      const rows = await queryRows<{ id: string }>(
        qr.manager,
        `SELECT id::text FROM reminder_outbox WHERE run_id = $1 AND state = 'QUEUED' ORDER BY id`,
        [run.id],
      );
      total += await this.queue.enqueue(
        run.id,
        rows.map((r) => r.id),
      );
      await qr.query(`UPDATE reminder_runs SET enqueued = enqueued + $2, enqueued_at = now() WHERE id = $1`, [
        run.id,
        rows.length,
      ]);
      this.logger.warn(
        { runId: run.id, jobs: rows.length },
        'resumed the enqueue of an interrupted reminder run',
      );
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
    const rows = await queryRows<{ id: string }>(
      qr.manager,
      `SELECT id::text FROM reminder_outbox
        WHERE state IN ('QUEUED', 'SENDING', 'DEFERRED') AND updated_at < now() - make_interval(secs => $1)
        ORDER BY updated_at`,
      [this.settings.sweepAfterMs / 1000],
    );
    return rows.length ? this.queue.enqueueSingles(rows.map((r) => ({ id: r.id, delayMs: 0 }))) : 0;
  }
}
