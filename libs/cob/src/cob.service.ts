import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, RequestContext, type Page, type PageQuery } from '#libs/common';
import { ageCoveredSql, BreakerService } from '#libs/guarantee';
import { LoanAgeingStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { accrueAndMarkSql, clearCallsSql, raiseCallsSql, RepaymentConfig } from '#libs/repayment';
import { isBusinessDate } from '#libs/schedules';
import {
  closedRefusal,
  COB_STEPS,
  dateRefusal,
  runView,
  type CobRunStatus,
  type CobRunView,
  type CobStep,
  type DateRefusal,
} from './domain/run.js';
import { CobPortfolioStore } from './store/cob-portfolio.store.js';
import { CobRunStore } from './store/cob-run.store.js';

export { COB_STEPS, type CobRunStatus, type CobRunView, type CobStep } from './domain/run.js';

/** Session-level advisory lock key of the close of business ('COB'): one run at a time per database. */
export const COB_LOCK_KEY = 0x434f42;

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
 *   2. loans are aged by the loans library's one rule (`LoanAgeingStore`: days overdue, the buckets 0 / 1–30 / 31–60 /
 *      61–90 / 90+, NON_PERFORMING beyond the product's npl_overdue_days);
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
    private readonly runs: CobRunStore,
    private readonly portfolio: CobPortfolioStore,
    private readonly ageing: LoanAgeingStore,
  ) {}

  /**
   * The checks a run would refuse on, for a caller that wants the answer before enqueueing it (the API): a calendar
   * date, not after today, not before the latest closed date (the latest one only again with `rerun`).
   */
  async assertRunnable(businessDate: string): Promise<void> {
    this.checkDate(businessDate);
    refuse(closedRefusal(await this.runs.latestClosed(), businessDate));
  }

  private checkDate(businessDate: string): void {
    refuse(dateRefusal(businessDate, this.clock.today()));
  }

  async run(businessDate: string, opts: CobRunOptions = {}): Promise<CobRunView> {
    this.checkDate(businessDate);
    // The lock lives on one dedicated connection for the whole run; batches use the pool.
    const lock = await this.runs.tryLock(COB_LOCK_KEY);
    if (!lock) {
      throw new DomainError(
        'COB_ALREADY_RUNNING',
        'a close of business is already running; try again when it has finished',
        [{ field: 'businessDate', code: 'COB_ALREADY_RUNNING', message: 'another run holds the lock' }],
      );
    }
    try {
      return await this.runLocked(businessDate, opts);
    } finally {
      await lock.release();
    }
  }

  private async runLocked(date: string, opts: CobRunOptions): Promise<CobRunView> {
    const actor = opts.triggeredBy ?? RequestContext.actor()?.username ?? 'system';
    const started = await this.dataSource.transaction(async (m) => {
      const existing = await this.runs.lock(m, date);
      if (existing?.status === 'COMPLETED' && !opts.rerun) return false;
      refuse(closedRefusal(await this.runs.latestClosed(m), date));
      if (!existing) {
        await this.runs.insertRunning(m, date, actor);
      } else {
        if (existing.status === 'COMPLETED') await this.runs.resetForRerun(m, date);
        // A RUNNING row seen here belongs to a crashed run (we hold the lock): resume from its checkpoints.
        await this.runs.markRunning(m, date, actor);
      }
      await this.runs.ensureCheckpoints(m, date, COB_STEPS);
      return true;
    });
    if (!started) return this.get(date);
    this.logger.log(`close of business ${date}: started by ${actor}`);
    try {
      await this.loansStep(date, opts);
      await this.coveredStep(date, opts);
      await this.snapshotsStep(date, opts);
      await this.dataSource.transaction(async (m) => {
        await this.runs.markCompleted(m, date);
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
      await this.runs.markFailed(date, message.slice(0, 2000)).catch(() => undefined);
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
      const cp = await this.runs.checkpoint(date, step);
      if (cp.done) return;
      const batch = await plan.next(cp.last_id);
      if (!batch) {
        await plan.finish?.();
        await this.runs.markStepDone(date, step);
        return;
      }
      await this.dataSource.transaction(async (m) => {
        const rows = await plan.work(m, cp.last_id, batch);
        await this.runs.advanceCheckpoint(m, date, step, batch.lastId, rows);
      });
      await opts.hooks?.afterBatch?.(step, cp.batches + 1, batch.lastId);
    }
  }

  private loansStep(date: string, opts: CobRunOptions): Promise<void> {
    const size = opts.batchSize ?? this.config.COB_BATCH_SIZE;
    return this.checkpointed(date, 'LOANS', opts, {
      next: (afterId) => this.portfolio.activeRange('MUTUAL_AID', afterId, size),
      work: async (m, afterId, batch) => {
        const done = await this.processBatch(m, date, afterId, batch.lastId);
        await this.runs.addCounts(m, date, {
          loansProcessed: batch.loans,
          batches: 1,
          callsRaised: done.raised,
          callsCleared: done.cleared,
        });
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
    const locked = await this.ageing.lockBatchForAgeing(m, {
      channel: 'MUTUAL_AID',
      date,
      afterId,
      upToId,
    });
    if (!locked.length) return { locked: 0, raised: 0, cleared: 0 };
    await accrueAndMarkSql(m, date, locked);
    await this.ageing.ageByOverdueInstallments(
      m,
      { date, actor: 'cob', bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS },
      locked,
    );
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
      next: (afterId) => this.portfolio.activeRange('BANK_COVERED', afterId, size),
      work: async (m, afterId, batch) => {
        const locked = await this.ageing.lockBatchForAgeing(m, {
          channel: 'BANK_COVERED',
          date,
          afterId,
          upToId: batch.lastId,
        });
        await ageCoveredSql(m, date, locked, 'cob');
        await this.runs.addCounts(m, date, { coveredProcessed: batch.loans });
        return batch.loans;
      },
      finish: () => this.breaker.reevaluateAll(`close of business ${date}`).then(() => undefined),
    });
  }

  private snapshotsStep(date: string, opts: CobRunOptions): Promise<void> {
    const size = opts.snapshotBatchSize ?? this.config.COB_SNAPSHOT_BATCH_SIZE;
    return this.checkpointed(date, 'SNAPSHOTS', opts, {
      next: async (afterId) => {
        const ids = await this.portfolio.openFundIds(afterId, size);
        return ids.length ? { lastId: ids[ids.length - 1], ids } : null;
      },
      work: async (m, _afterId, batch) => {
        const n = await this.portfolio.snapshot(m, date, batch.ids, STANDARD_BUCKET_LIMITS_DAYS);
        await this.runs.addCounts(m, date, { snapshots: n });
        return n;
      },
    });
  }

  async get(date: string, manager?: EntityManager): Promise<CobRunView> {
    if (!isBusinessDate(date)) throw new DomainError('NOT_FOUND', `no close of business for ${date}`);
    const row = await this.runs.find(manager ?? null, date);
    if (!row) throw new DomainError('NOT_FOUND', `no close of business for ${date}`);
    const cps = await this.runs.checkpoints(manager ?? null, [date], COB_STEPS);
    return runView(row, cps);
  }

  /** The run of a date, or null when there is none yet. */
  async find(date: string): Promise<CobRunView | null> {
    return (await this.runs.find(null, date)) ? this.get(date) : null;
  }

  async list(filter: CobRunFilter, page: PageQuery): Promise<Page<CobRunView>> {
    const { rows, total } = await this.runs.list(filter, page);
    const cps = await this.runs.checkpoints(
      null,
      rows.map((r) => r.business_date),
      COB_STEPS,
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

function refuse(r: DateRefusal | null): void {
  if (r)
    throw new DomainError('COB_DATE_INVALID', r.detail, [
      { field: r.field, code: r.code, message: r.message },
    ]);
}
