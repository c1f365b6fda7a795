import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  AppConfig,
  Clock,
  DomainError,
  offsetOf,
  queryOne,
  queryRows,
  type Actor,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LoanStore } from '#libs/loans';
import { REVIEW_STATUSES, type LoanStatus } from './domain/workflow.js';
import {
  eventView,
  installmentRecord,
  installmentView,
  loanRecord,
  loanView,
  VIEW_SELECT,
  type InstallmentRecord,
  type LoanRecord,
  type LoanView,
  type LoanViewRow,
} from './records.js';

const ID = /^[1-9]\d{0,17}$/;

export interface LoanFilter {
  districtId?: string;
  villageId?: string;
  fundId?: string;
  householdId?: string;
  status?: LoanStatus;
  channel?: 'MUTUAL_AID' | 'BANK_COVERED';
  /** Which date `from`/`to` bound (inclusive): application (default), disbursement or maturity. */
  dateField?: 'APPLICATION' | 'DISBURSEMENT' | 'MATURITY';
  from?: string;
  to?: string;
}

export interface ReviewQueueFilter {
  districtId?: string;
  villageId?: string;
  fundId?: string;
  /** One of the pending statuses; by default the two a fund administrator decides on. */
  status?: LoanStatus;
}

const DATE_COLUMN = {
  APPLICATION: 'l.application_date',
  DISBURSEMENT: 'l.disbursement_date',
  MATURITY: 'l.maturity_date',
};

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly loans: LoanStore,
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
    const row = await this.viewRow(manager ?? this.dataSource.manager, id, viewer);
    return loanView(row, viewer, this.today());
  }

  async detail(id: string, viewer: Actor | null | undefined, manager?: EntityManager): Promise<LoanDetail> {
    const m = manager ?? this.dataSource.manager;
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
    const m = this.dataSource.manager;
    await this.viewRow(m, id, viewer);
    const total = await this.loans.countEvents(m, id);
    const rows = await this.loans.events(m, id, { limit: page.pageSize, offset: offsetOf(page) });
    return { items: rows.map(eventView), page: page.page, pageSize: page.pageSize, total };
  }

  async list(filter: LoanFilter, page: PageQuery, viewer: Actor | null | undefined): Promise<Page<LoanView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    this.scope(viewer, where, params);
    if (filter.districtId) where.push(`l.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`l.village_id = $${params.push(filter.villageId)}`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    if (filter.householdId) where.push(`l.household_id = $${params.push(filter.householdId)}`);
    if (filter.status) where.push(`l.status = $${params.push(filter.status)}`);
    if (filter.channel) where.push(`l.channel = $${params.push(filter.channel)}`);
    const column = DATE_COLUMN[filter.dateField ?? 'APPLICATION'];
    if (filter.from) where.push(`${column} >= $${params.push(filter.from)}::date`);
    if (filter.to) where.push(`${column} <= $${params.push(filter.to)}::date`);
    return this.page(where, params, 'l.id DESC', page, viewer);
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
    const where = [`l.channel = 'MUTUAL_AID'`];
    const params: unknown[] = [];
    where.push(`l.status = ANY($${params.push(statuses)}::text[])`);
    if (filter.districtId) where.push(`l.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`l.village_id = $${params.push(filter.villageId)}`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    return this.page(where, params, 'l.priority, l.submitted_at, l.id', page, viewer);
  }

  private scope(viewer: Actor | null | undefined, where: string[], params: unknown[]): void {
    // A bank sees only the loans it made (mutual-aid loans have no bank).
    if (viewer?.role === 'BANK_OFFICER' || viewer?.via === 'api-key') {
      where.push(`l.bank_id = $${params.push(viewer.bankId ?? -1)}`);
    }
  }

  private async page(
    where: string[],
    params: unknown[],
    order: string,
    page: PageQuery,
    viewer: Actor | null | undefined,
  ) {
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM loans l ${clause}`,
      params,
    );
    const rows = await queryRows<LoanViewRow>(
      m,
      `${VIEW_SELECT} ${clause} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    const today = this.today();
    return {
      items: rows.map((r) => loanView(r, viewer, today)),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  private async viewRow(
    m: EntityManager,
    id: string,
    viewer: Actor | null | undefined,
  ): Promise<LoanViewRow> {
    if (!ID.test(String(id))) throw new DomainError('NOT_FOUND', `loan ${id} not found`);
    const where = ['l.id = $1'];
    const params: unknown[] = [id];
    this.scope(viewer, where, params);
    const row = await queryOne<LoanViewRow>(m, `${VIEW_SELECT} WHERE ${where.join(' AND ')}`, params);
    // Another bank's loan is answered exactly like a missing one.
    if (!row) throw new DomainError('NOT_FOUND', `loan ${id} not found`);
    return row;
  }
}
