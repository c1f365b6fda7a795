import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  type Page,
  type PageQuery,
} from '#libs/common';
import { ageCoveredSql, BreakerService, lockCoveredForAgeing } from '#libs/guarantee';
import { accrueAndMarkSql, ageSql, clearCallsSql, raiseCallsSql, RepaymentConfig } from '#libs/repayment';
import { isBusinessDate } from '#libs/schedules';
import { snapshotSql } from './snapshot-sql.js';

/** Session-level advisory lock key of the close of business ('COB'): one run at a time per database. */
export const COB_LOCK_KEY = 0x434f42;

export type CobStep = 'LOANS' | 'COVERED' | 'SNAPSHOTS';

/** The steps of a run, in the order they run (each resumes from its own checkpoint). */
export const COB_STEPS: readonly CobStep[] = ['LOANS', 'COVERED', 'SNAPSHOTS'];
export type CobRunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** Test and operations hooks: called after each committed batch (a test throws here to simulate a crash). */
export interface CobHooks {
  afterBatch?: (step: CobStep, batch: number, lastId: string) => void | Promise<void>;
}

export interface CobRunOptions {
  triggeredBy?: string;
  /** Runs a COMPLETED date again (it changes nothing: every step is idempotent); only the latest closed date. */
  rerun?: boolean;
  batchSize?: number;
  snapshotBatchSize?: number;
  hooks?: CobHooks;
}

export interface CobRunView {
  businessDate: string;
  status: CobRunStatus;
  attempts: number;
  loansProcessed: number;
  batches: number;
  /** BANK_COVERED loans examined by the covered step (their batches are in its checkpoint) */
  coveredProcessed: number;
  callsRaised: number;
  callsCleared: number;
  snapshots: number;
  triggeredBy: string;
  lastError: string | null;
  startedAt: string;
  finishedAt: string | null;
  checkpoints: { step: CobStep; lastId: string; batches: number; rowsDone: number; done: boolean }[];
}

interface RunRow {
  business_date: string;
  status: CobRunStatus;
  attempts: number;
  loans_processed: number;
  batches: number;
  covered_processed: number;
  calls_raised: number;
  calls_cleared: number;
  snapshots: number;
  triggered_by: string;
  last_error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export interface CobRunFilter {
  status?: CobRunStatus;
  from?: string;
  to?: string;
}

/**
 * The daily close of business (SPEC §3; issue 5) for a business date D:
 *   LOANS, over every active mutual-aid loan:
 *   1. penalty fen-days accrue on unpaid principal past due; instalments unpaid after due + grace days become
 *      OVERDUE and carry their penalty (recognised as income only when paid: cash basis);
 *   2. loans are aged (days overdue, bucket 0 / 1–30 / 31–60 / 61–90 / 90+, NON_PERFORMING beyond 90 days);
 *   3. mutual-aid loans 30+ days overdue raise a group-liability call; calls of loans current again are cleared;
 *   COVERED, over every active loan a bank holds under a district guarantee fund:
 *   4. the loan is aged between the bank's status reports by the guarantee library's rule (`ageCoveredSql`: the
 *      latest report is authoritative as of its date, then the calendar and the unpaid instalments age it), which
 *      marks it non-performing beyond the fund's npl_overdue_days and so makes it eligible for compensation;
 *   5. then the NPL circuit breaker of every district is re-decided (`BreakerService.reevaluateAll`);
 *   SNAPSHOTS:
 *   6. a portfolio snapshot per mutual-aid fund.
 * Steps 1–4 run set-based per batch of loan ids (a few UPDATE … FROM statements over the batch, one short
 * transaction each, with the checkpoint in the same transaction), never one transaction over the portfolio. Every
 * statement is idempotent for D (accrual moves `accrued_through` to D, the rest is derived), so a re-run changes
 * nothing and a crashed run resumes after its last committed batch. A session advisory lock lets one run at a time.
 * Dates only move forward: a date before the latest closed one is refused (ageing never goes back).
 */
@Injectable()
export class CobService {
  private readonly logger = new Logger(CobService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: RepaymentConfig,
    private readonly breaker: BreakerService,
  ) {}

  /**
   * The checks a run would refuse on, for a caller that wants the answer before enqueueing it (the API): a calendar
   * date, not after today, not before the latest closed date (the latest one only again with `rerun`).
   */
  async assertRunnable(businessDate: string): Promise<void> {
    this.checkDate(businessDate);
    const latest = await queryOne<{ d: string | null }>(
      this.dataSource.manager,
      `SELECT max(business_date) AS d FROM cob_runs WHERE status = 'COMPLETED'`,
    );
    if (latest?.d && businessDate < latest.d) throw closedError(latest.d, businessDate);
  }

  private checkDate(businessDate: string): void {
    if (!isBusinessDate(businessDate)) {
      throw new DomainError(
        'COB_DATE_INVALID',
        `business date ${businessDate} is not a calendar date YYYY-MM-DD`,
        [{ field: 'businessDate', code: 'isCalendarDate', message: 'must be a calendar date YYYY-MM-DD' }],
      );
    }
    const today = this.clock.today();
    if (businessDate > today) {
      throw new DomainError(
        'COB_DATE_INVALID',
        `business date ${businessDate} has not come yet (today is ${today})`,
        [{ field: 'businessDate', code: 'COB_DATE_IN_FUTURE', message: `after today (${today})` }],
      );
    }
  }

  async run(businessDate: string, opts: CobRunOptions = {}): Promise<CobRunView> {
    this.checkDate(businessDate);
    // The lock lives on one dedicated connection for the whole run; batches use the pool.
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [
        COB_LOCK_KEY,
      ])) as { locked: boolean }[];
      if (!locked) {
        throw new DomainError(
          'COB_ALREADY_RUNNING',
          'a close of business is already running; try again when it has finished',
          [{ field: 'businessDate', code: 'COB_ALREADY_RUNNING', message: 'another run holds the lock' }],
        );
      }
      try {
        return await this.runLocked(businessDate, opts);
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [COB_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  private async runLocked(date: string, opts: CobRunOptions): Promise<CobRunView> {
    const actor = opts.triggeredBy ?? RequestContext.actor()?.username ?? 'system';
    const started = await this.dataSource.transaction(async (m) => {
      const existing = await queryOne<RunRow>(
        m,
        `SELECT * FROM cob_runs WHERE business_date = $1 FOR UPDATE`,
        [date],
      );
      if (existing?.status === 'COMPLETED' && !opts.rerun) return false;
      const latest = await queryOne<{ d: string | null }>(
        m,
        `SELECT max(business_date) AS d FROM cob_runs WHERE status = 'COMPLETED'`,
      );
      if (latest?.d && date < latest.d) throw closedError(latest.d, date);
      if (!existing) {
        await m.query(
          `INSERT INTO cob_runs (business_date, status, triggered_by) VALUES ($1, 'RUNNING', $2)`,
          [date, actor],
        );
      } else {
        if (existing.status === 'COMPLETED') {
          // A deliberate re-run walks the portfolio again from the start.
          await m.query(
            `UPDATE cob_checkpoints SET last_id = 0, batches = 0, rows_done = 0, done = false, updated_at = now() WHERE business_date = $1`,
            [date],
          );
          await m.query(
            `UPDATE cob_runs SET loans_processed = 0, batches = 0, covered_processed = 0, calls_raised = 0, calls_cleared = 0, snapshots = 0
              WHERE business_date = $1`,
            [date],
          );
        }
        // A RUNNING row seen here belongs to a crashed run (we hold the lock): resume from its checkpoints.
        await m.query(
          `UPDATE cob_runs SET status = 'RUNNING', attempts = attempts + 1, last_error = NULL, finished_at = NULL, triggered_by = $2
            WHERE business_date = $1`,
          [date, actor],
        );
      }
      // Every step's checkpoint (also for a run begun before a step existed: it starts that step from the beginning).
      await m.query(
        `INSERT INTO cob_checkpoints (business_date, step) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
        [date, COB_STEPS],
      );
      return true;
    });
    if (!started) return this.get(date);
    this.logger.log(`close of business ${date}: started by ${actor}`);
    try {
      await this.loansStep(date, opts);
      await this.coveredStep(date, opts);
      await this.snapshotsStep(date, opts);
      await this.dataSource.transaction(async (m) => {
        await m.query(
          `UPDATE cob_runs SET status = 'COMPLETED', finished_at = now() WHERE business_date = $1`,
          [date],
        );
        const view = await this.get(date, m);
        await this.audit.record(m, {
          action: 'COB_COMPLETED',
          entityType: 'cob_run',
          entityId: date,
          after: view,
        });
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.dataSource
        .query(`UPDATE cob_runs SET status = 'FAILED', last_error = $2 WHERE business_date = $1`, [
          date,
          message.slice(0, 2000),
        ])
        .catch(() => undefined);
      this.logger.error(`close of business ${date} failed: ${message}`);
      throw e;
    }
    const view = await this.get(date);
    this.logger.log(
      `close of business ${date}: ${view.loansProcessed} loans in ${view.batches} batches, ${view.coveredProcessed} covered loans, ${view.snapshots} snapshots`,
    );
    return view;
  }

  /**
   * The frame every step runs in: read the step's checkpoint, take the next batch after it, work it in one short
   * transaction that also moves the checkpoint, call the test hook; when no batch is left, run the step's `finish`
   * and only then mark it done (a crash in between repeats `finish`, which must be idempotent). A crashed run resumes
   * after its last committed batch.
   */
  private async checkpointed<B extends { lastId: string }>(
    date: string,
    step: CobStep,
    opts: CobRunOptions,
    plan: {
      next: (afterId: string) => Promise<B | null>;
      /** Works the batch; returns the rows it adds to the checkpoint's rows_done. */
      work: (m: EntityManager, afterId: string, batch: B) => Promise<number>;
      finish?: () => Promise<void>;
    },
  ): Promise<void> {
    for (;;) {
      const cp = (await queryOne<{ last_id: string; done: boolean; batches: number }>(
        this.dataSource.manager,
        `SELECT last_id::text, done, batches FROM cob_checkpoints WHERE business_date = $1 AND step = $2`,
        [date, step],
      ))!;
      if (cp.done) return;
      const batch = await plan.next(cp.last_id);
      if (!batch) {
        await plan.finish?.();
        await this.dataSource.query(
          `UPDATE cob_checkpoints SET done = true, updated_at = now() WHERE business_date = $1 AND step = $2`,
          [date, step],
        );
        return;
      }
      await this.dataSource.transaction(async (m) => {
        const rows = await plan.work(m, cp.last_id, batch);
        await m.query(
          `UPDATE cob_checkpoints SET last_id = $3, batches = batches + 1, rows_done = rows_done + $4, updated_at = now()
            WHERE business_date = $1 AND step = $2`,
          [date, step, batch.lastId, rows],
        );
      });
      await opts.hooks?.afterBatch?.(step, cp.batches + 1, batch.lastId);
    }
  }

  /** The id range holding the next `size` active loans of a channel after `afterId` (partial indexes on active ids). */
  private async activeRange(
    channel: 'MUTUAL_AID' | 'BANK_COVERED',
    afterId: string,
    size: number,
  ): Promise<{ lastId: string; loans: number } | null> {
    const [range] = await queryRows<{ n: number; hi: string | null }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS n, max(id)::text AS hi
         FROM (SELECT id FROM loans WHERE status = 'DISBURSED' AND channel = $3 AND id > $1
                ORDER BY loans.id LIMIT $2) b`,
      [afterId, size, channel],
    );
    return range.n && range.hi !== null ? { lastId: range.hi, loans: range.n } : null;
  }

  private loansStep(date: string, opts: CobRunOptions): Promise<void> {
    const size = opts.batchSize ?? this.config.COB_BATCH_SIZE;
    return this.checkpointed(date, 'LOANS', opts, {
      next: (afterId) => this.activeRange('MUTUAL_AID', afterId, size),
      work: async (m, afterId, batch) => {
        const done = await this.processBatch(m, date, afterId, batch.lastId);
        await m.query(
          `UPDATE cob_runs SET loans_processed = loans_processed + $2, batches = batches + 1, calls_raised = calls_raised + $3,
                               calls_cleared = calls_cleared + $4
            WHERE business_date = $1`,
          [date, batch.loans, done.raised, done.cleared],
        );
        return batch.loans;
      },
    });
  }

  /**
   * One batch: the active loans with afterId < id ≤ upToId. Only loans with something to do are locked (in id order)
   * and worked on: an unpaid instalment past its due date, ageing figures that are not zero, or an open
   * group-liability call. Every other loan is current with nothing accruing and figures that would not change; one
   * range scan of the unpaid-instalments index finds the rest. The lock keeps repayments of these loans out until
   * the batch commits; a loan a repayment has meanwhile replayed past this date is skipped (FOR UPDATE re-checks
   * aged_as_of on the latest row). A loan a repayment replays to a later date is left alone altogether: it is ahead.
   */
  async processBatch(
    m: EntityManager,
    date: string,
    afterId: string,
    upToId: string,
  ): Promise<{ locked: number; raised: number; cleared: number }> {
    const locked = (
      await queryRows<{ id: string }>(
        m,
        `SELECT l.id::text AS id FROM loans l
          WHERE l.id > $1 AND l.id <= $2 AND l.status = 'DISBURSED' AND l.channel = 'MUTUAL_AID'
            AND (l.aged_as_of IS NULL OR l.aged_as_of <= $3)
            AND (l.days_overdue <> 0 OR l.non_performing
                 OR l.id IN (SELECT i.loan_id FROM loan_installments i
                              WHERE i.loan_id > $1 AND i.loan_id <= $2 AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $3)
                 OR l.id IN (SELECT c.loan_id FROM group_liability_calls c WHERE c.status = 'OPEN' AND c.loan_id > $1 AND c.loan_id <= $2))
          ORDER BY l.id FOR UPDATE OF l`,
        [afterId, upToId, date],
      )
    ).map((r) => r.id);
    if (!locked.length) return { locked: 0, raised: 0, cleared: 0 };
    await accrueAndMarkSql(m, date, locked);
    await ageSql(m, date, locked, 'cob');
    const raised = await raiseCallsSql(m, date, locked, this.config.GROUP_LIABILITY_DAYS);
    const cleared = await clearCallsSql(m, date, locked, 'cob');
    return { locked: locked.length, raised, cleared };
  }

  /**
   * The covered loans, in batches of ids like the LOANS step (the partial index loans_covered_active_id): per batch
   * one short transaction that locks the loans with something to age, ages them (`ageCoveredSql`) and moves the
   * checkpoint. When the last batch is done, every district's breaker is re-decided, one transaction per risk fund
   * under its lock; only then is the step marked done, so a run that crashes in between re-decides them on resume
   * (re-deciding is idempotent).
   */
  private coveredStep(date: string, opts: CobRunOptions): Promise<void> {
    const size = opts.batchSize ?? this.config.COB_BATCH_SIZE;
    return this.checkpointed(date, 'COVERED', opts, {
      next: (afterId) => this.activeRange('BANK_COVERED', afterId, size),
      work: async (m, afterId, batch) => {
        const locked = await lockCoveredForAgeing(m, date, afterId, batch.lastId);
        await ageCoveredSql(m, date, locked, 'cob');
        await m.query(
          `UPDATE cob_runs SET covered_processed = covered_processed + $2 WHERE business_date = $1`,
          [date, batch.loans],
        );
        return batch.loans;
      },
      finish: () => this.breaker.reevaluateAll(`close of business ${date}`).then(() => undefined),
    });
  }

  private snapshotsStep(date: string, opts: CobRunOptions): Promise<void> {
    const size = opts.snapshotBatchSize ?? this.config.COB_SNAPSHOT_BATCH_SIZE;
    return this.checkpointed(date, 'SNAPSHOTS', opts, {
      next: async (afterId) => {
        const ids = (
          await queryRows<{ id: string }>(
            this.dataSource.manager,
            `SELECT id::text FROM mutual_aid_funds WHERE id > $1 AND status <> 'CLOSED' ORDER BY mutual_aid_funds.id LIMIT $2`,
            [afterId, size],
          )
        ).map((r) => r.id);
        return ids.length ? { lastId: ids[ids.length - 1], ids } : null;
      },
      work: async (m, _afterId, batch) => {
        const n = await snapshotSql(m, date, batch.ids);
        await m.query(`UPDATE cob_runs SET snapshots = snapshots + $2 WHERE business_date = $1`, [date, n]);
        return n;
      },
    });
  }

  async get(date: string, manager?: EntityManager): Promise<CobRunView> {
    const m = manager ?? this.dataSource.manager;
    if (!isBusinessDate(date)) throw new DomainError('NOT_FOUND', `no close of business for ${date}`);
    const row = await queryOne<RunRow>(m, `SELECT * FROM cob_runs WHERE business_date = $1`, [date]);
    if (!row) throw new DomainError('NOT_FOUND', `no close of business for ${date}`);
    const cps = await queryRows<{
      step: CobStep;
      last_id: string;
      batches: number;
      rows_done: number;
      done: boolean;
    }>(
      m,
      `SELECT step, last_id::text, batches, rows_done, done FROM cob_checkpoints WHERE business_date = $1
        ORDER BY array_position($2::text[], step)`,
      [date, COB_STEPS],
    );
    return runView(row, cps);
  }

  /** The run of a date, or null when there is none yet. */
  async find(date: string): Promise<CobRunView | null> {
    const row = await queryOne<{ n: number }>(
      this.dataSource.manager,
      `SELECT 1 AS n FROM cob_runs WHERE business_date = $1`,
      [date],
    );
    return row ? this.get(date) : null;
  }

  async list(filter: CobRunFilter, page: PageQuery): Promise<Page<CobRunView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.from) where.push(`business_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`business_date <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM cob_runs ${clause}`,
      params,
    );
    const rows = await queryRows<RunRow>(
      m,
      `SELECT * FROM cob_runs ${clause} ORDER BY business_date DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    const cps = await queryRows<{
      business_date: string;
      step: CobStep;
      last_id: string;
      batches: number;
      rows_done: number;
      done: boolean;
    }>(
      m,
      `SELECT business_date, step, last_id::text, batches, rows_done, done FROM cob_checkpoints WHERE business_date = ANY($1::date[])
        ORDER BY array_position($2::text[], step)`,
      [rows.map((r) => r.business_date), COB_STEPS],
    );
    return {
      items: rows.map((r) =>
        runView(
          r,
          cps.filter((c) => c.business_date === r.business_date),
        ),
      ),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }
}

function closedError(latest: string, date: string): DomainError {
  return new DomainError(
    'COB_DATE_INVALID',
    `business date ${latest} is already closed: a close of business never goes back to ${date}`,
    [{ field: 'businessDate', code: 'COB_DATE_CLOSED', message: `before the latest closed date ${latest}` }],
  );
}

function runView(
  r: RunRow,
  cps: { step: CobStep; last_id: string; batches: number; rows_done: number; done: boolean }[],
): CobRunView {
  return {
    businessDate: r.business_date,
    status: r.status,
    attempts: r.attempts,
    loansProcessed: r.loans_processed,
    batches: r.batches,
    coveredProcessed: r.covered_processed,
    callsRaised: r.calls_raised,
    callsCleared: r.calls_cleared,
    snapshots: r.snapshots,
    triggeredBy: r.triggered_by,
    lastError: r.last_error,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    checkpoints: cps.map((c) => ({
      step: c.step,
      lastId: c.last_id,
      batches: c.batches,
      rowsDone: c.rows_done,
      done: c.done,
    })),
  };
}
