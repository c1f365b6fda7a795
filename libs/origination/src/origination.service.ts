import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig, Clock, DomainError, offsetOf, type Actor, type Page, type PageQuery } from '#libs/common';
import { isLoanId, LoanStore } from '#libs/loans';
import {
  installmentRecord,
  loanRecord,
  type InstallmentRecord,
  type LoanRecord,
} from './domain/loan-record.js';
import { bankScopeOf } from './domain/scope.js';
import { REVIEW_STATUSES } from './domain/workflow.js';
import {
  LoanViewStore,
  type LoanFilter,
  type LoanViewRow,
  type ReviewQueueFilter,
} from './store/loan-view.store.js';
import { eventView, installmentView, loanView, type LoanView } from './views.js';

export type { LoanFilter, ReviewQueueFilter } from './store/loan-view.store.js';

export type LoanDetail = LoanView & {
  installments: ReturnType<typeof installmentView>[];
  events: ReturnType<typeof eventView>[];
};

/**
 * Loans as the rest of the engine reads them: `getLoan`/`lockLoan`/`installments` for repayment and the close of
 * business (records in bigint fen, inside the caller's transaction), and the read API's views (lists with
 * filters, the review queue, one loan with its instalments and history). A BANK_OFFICER sees only its bank's
 * loans; ID numbers and phones are masked for the roles that read masked data.
 */
@Injectable()
export class OriginationService {
  constructor(
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly loans: LoanStore,
    private readonly views: LoanViewStore,
  ) {}

  today(): string {
    return this.clock.today(this.config.BUSINESS_TIMEZONE);
  }

  // -- service API ------------------------------------------------------------------------------------------------

  /** One loan (404 when missing), read in the caller's transaction when a manager is given. */
  async getLoan(manager: EntityManager | null, id: string): Promise<LoanRecord> {
    const row = await this.loans.find(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `loan ${id} not found`);
    return loanRecord(row);
  }

  /**
   * Locks the loan row (SELECT … FOR UPDATE) in the caller's transaction and returns it as it is now. Callers that
   * also need the fund take `FundsService.lockFund` FIRST (fund before loan, the one order everywhere).
   */
  async lockLoan(manager: EntityManager, id: string): Promise<LoanRecord> {
    const row = await this.loans.lock(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `loan ${id} not found`);
    return loanRecord(row);
  }

  /** The loan's frozen instalments, in order. */
  async installments(manager: EntityManager | null, loanId: string): Promise<InstallmentRecord[]> {
    const rows = await this.loans.installments(manager, loanId);
    return rows.map(installmentRecord);
  }

  // -- read API ---------------------------------------------------------------------------------------------------

  async view(manager: EntityManager | null, id: string, viewer: Actor | null | undefined): Promise<LoanView> {
    const row = await this.viewRow(manager, id, viewer);
    return loanView(row, viewer, this.today());
  }

  async detail(id: string, viewer: Actor | null | undefined, manager?: EntityManager): Promise<LoanDetail> {
    const m = manager ?? null;
    const row = await this.viewRow(m, id, viewer);
    const installments = await this.installments(m, id);
    const events = await this.loans.events(m, id);
    return {
      ...loanView(row, viewer, this.today()),
      installments: installments.map(installmentView),
      events: events.map(eventView),
    };
  }

  async history(id: string, viewer: Actor | null | undefined, page: PageQuery) {
    await this.viewRow(null, id, viewer);
    const total = await this.loans.countEvents(null, id);
    const rows = await this.loans.events(null, id, { limit: page.pageSize, offset: offsetOf(page) });
    return { items: rows.map(eventView), page: page.page, pageSize: page.pageSize, total };
  }

  async list(filter: LoanFilter, page: PageQuery, viewer: Actor | null | undefined): Promise<Page<LoanView>> {
    const { rows, total } = await this.views.list(filter, page, bankScopeOf(viewer));
    return this.pageOf(rows, total, page, viewer);
  }

  /**
   * Applications awaiting a decision, poor households first (priority 0), then by the time they entered the
   * queue; a loan sent back by an objection keeps its original place.
   */
  async reviewQueue(
    filter: ReviewQueueFilter,
    page: PageQuery,
    viewer: Actor | null | undefined,
  ): Promise<Page<LoanView>> {
    const statuses = filter.status ? [filter.status] : REVIEW_STATUSES;
    const { rows, total } = await this.views.reviewQueue(filter, statuses, page);
    return this.pageOf(rows, total, page, viewer);
  }

  private pageOf(rows: LoanViewRow[], total: number, page: PageQuery, viewer: Actor | null | undefined) {
    const today = this.today();
    return {
      items: rows.map((r) => loanView(r, viewer, today)),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  private async viewRow(
    m: EntityManager | null,
    id: string,
    viewer: Actor | null | undefined,
  ): Promise<LoanViewRow> {
    // Another bank's loan is answered exactly like a missing one.
    const row = isLoanId(id) ? await this.views.viewRow(m, id, bankScopeOf(viewer)) : undefined;
    if (!row) throw new DomainError('NOT_FOUND', `loan ${id} not found`);
    return row;
  }
}
