import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, type PageQuery } from '#libs/common';
import { actorName, scopedBankId } from './bank-scope.js';
import {
  bankBreakerView,
  breakerAction,
  changesOf,
  districtBreakerView,
  DEFAULT_NPL_THRESHOLD_PERCENT,
  figuresOf,
  figuresView,
  type BreakerChange,
  type BreakerFigures,
  type BreakerState,
} from './domain/breaker.js';
import { BreakerStore } from './store/breaker.store.js';

export type { BreakerChange, BreakerFigures, BreakerState } from './domain/breaker.js';

/** What `BreakerService.read` answers: the states recorded (locked) and the figures read under that lock. */
export type BreakerReading = Awaited<ReturnType<BreakerStore['lockAndRead']>>;

/**
 * The NPL circuit breaker (SPEC §2.2). Every operation that changes a district's covered book (registration,
 * repayment, status report, compensation, agreement terms, the fund's npl_overdue_days) calls `evaluate` in its own
 * transaction, after its change and under the fund lock, so the recorded state is always the state of the committed
 * book; the close of business, which ages covered loans by the calendar, calls `reevaluateAll` after its covered
 * step. Every change of state is an event row and an audit row. Registration refuses with DISTRICT_SUSPENDED while
 * the state is SUSPENDED. The decision is domain/breaker.ts; the rows are BreakerStore's.
 */
@Injectable()
export class BreakerService {
  private readonly store: BreakerStore;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    @Optional() store?: BreakerStore,
  ) {
    this.store = store ?? new BreakerStore(dataSource);
  }

  /** Current figures, read live (nothing written). */
  async figures(manager: EntityManager | null, districtIds: string[] | null): Promise<BreakerFigures[]> {
    const rows = await this.store.figures(manager, districtIds, DEFAULT_NPL_THRESHOLD_PERCENT);
    return rows.map(figuresOf);
  }

  /**
   * Re-decides the breaker of the given districts (null = every district with a risk fund) from one set-based
   * read, and records each district whose state changed. Returns the changes.
   */
  async evaluate(
    manager: EntityManager,
    districtIds: string[] | null,
    cause: string,
  ): Promise<BreakerChange[]> {
    await this.flushRecorded(manager);
    return this.decide(manager, await this.read(manager, districtIds), cause);
  }

  /**
   * Sends a state this transaction recorded and deferred (see `decide`), for a `read` sent as a step of a caller's
   * batch: the lock reads the state recorded. Nothing is sent, nor awaited, when there is none.
   */
  flushRecorded(manager: EntityManager): Promise<void> {
    return this.store.flushRecorded(manager);
  }

  /**
   * `evaluate`'s reads, in one round trip, as a step of a caller's `together` placed after the statements that change
   * the district's covered book (they run first, so the figures see them): the districts' rows started and locked in
   * district order with their recorded states, then the figures under that lock. `decide` records the outcome.
   */
  read(manager: EntityManager, districtIds: string[] | null): Promise<BreakerReading> {
    return this.store.lockAndRead(manager, districtIds, DEFAULT_NPL_THRESHOLD_PERCENT);
  }

  /**
   * Records the figures and state of each district read (`read`), and each change of state as an event and an audit
   * row; all of them appends nothing later in the transaction reads, deferred to go out with the stored response
   * when runIdempotent holds a batch open (writeOrDefer). Returns the changes.
   */
  async decide(manager: EntityManager, reading: BreakerReading, cause: string): Promise<BreakerChange[]> {
    const figures = reading.figures.map(figuresOf);
    if (!figures.length) return [];
    await this.store.record(manager, figures);
    const changes = changesOf(figures, reading.recorded);
    for (const c of changes) {
      await this.store.insertEvent(manager, c, cause, actorName());
      await this.audit.record(manager, {
        action: breakerAction(c),
        entityType: 'district',
        entityId: c.districtId,
        before: { state: c.from },
        after: { state: c.state, cause, ...figuresView(c) },
      });
    }
    return changes;
  }

  /**
   * Re-decides the breaker of every district with a risk fund, for a change no single fund's operation saw (the
   * close of business ageing covered loans by the calendar). One short transaction per fund, in fund id order: the
   * fund row is locked first (the library's order, fund → agreement → loan/cover), as every operation that changes a
   * district's covered book holds it while it evaluates, so the state recorded here is the state of the committed
   * book and a concurrent registration, report or claim can neither be missed nor overwritten by a stale decision.
   * Idempotent: a district whose state does not change gets only its figures refreshed. Returns the changes.
   */
  async reevaluateAll(cause: string): Promise<BreakerChange[]> {
    const changes: BreakerChange[] = [];
    for (const fundId of await this.store.fundIds()) {
      changes.push(...(await this.dataSource.transaction((m) => this.reevaluateFund(m, fundId, cause))));
    }
    return changes;
  }

  /**
   * Locks the risk fund (FOR UPDATE, the same row lock as `GuaranteeService.lockFund`) and re-decides its district,
   * in the caller's transaction. A caller that already holds the fund lock may call it too (the lock is re-entrant
   * within a transaction).
   */
  async reevaluateFund(manager: EntityManager, fundId: string, cause: string): Promise<BreakerChange[]> {
    const districtId = await this.store.lockFundDistrict(manager, fundId);
    if (!districtId) return [];
    return this.evaluate(manager, [districtId], cause);
  }

  /** The recorded state (NORMAL when never evaluated). Read inside the caller's transaction. */
  async state(manager: EntityManager | null, districtId: string): Promise<BreakerState> {
    return (await this.store.state(manager, districtId)) ?? 'NORMAL';
  }

  /** GET /districts/:id/breaker: recorded state, the live figures, and the history of changes (newest first). */
  /**
   * A bank sees a district only where it has (or had) an agreement with the district's fund (else 404, as for a
   * district that does not exist), and then its own covered book's figures only (`bankBreakerView`).
   */
  async view(districtId: string, page: PageQuery) {
    const bankId = scopedBankId();
    const d = await this.store.district(districtId);
    if (!d || (bankId !== null && !(await this.store.bankHasAgreementInDistrict(districtId, bankId))))
      throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const [live] = await this.figures(null, [districtId]);
    const rec = await this.store.recorded(districtId);
    const { rows, total } = await this.store.eventsPage(districtId, page);
    const history = { rows, total, page: page.page, pageSize: page.pageSize };
    if (bankId === null) return districtBreakerView(d, live, rec, history);
    const [own] = (await this.store.figures(null, [districtId], DEFAULT_NPL_THRESHOLD_PERCENT, bankId)).map(
      figuresOf,
    );
    return bankBreakerView(d, live, own, rec, history);
  }
}
