import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { LoanRow } from '#libs/loans';
import type { BankScope } from '../domain/scope.js';
import type { LoanStatus } from '../domain/workflow.js';

/** A loan row joined with what its view names: borrower, product, village and the fund's approval rules. */
export interface LoanViewRow extends LoanRow {
  head_name: string | null;
  id_number: string | null;
  phone: string | null;
  household_status: string | null;
  entity_name: string | null;
  product_code: string;
  product_version: number;
  village_name: string | null;
  second_approval_threshold_fen: string | null;
  public_notice_days: number | null;
}

const VIEW_SELECT = `
  SELECT l.*, h.head_name, h.id_number, h.phone, h.status AS household_status, e.name AS entity_name,
         p.code AS product_code, pv.version AS product_version, v.name AS village_name,
         f.second_approval_threshold_fen, f.public_notice_days
    FROM loans l
    JOIN product_versions pv ON pv.id = l.product_version_id
    JOIN products p ON p.id = pv.product_id
    LEFT JOIN households h ON h.id = l.household_id
    LEFT JOIN operating_entities e ON e.id = l.entity_id
    LEFT JOIN villages v ON v.id = l.village_id
    LEFT JOIN mutual_aid_funds f ON f.id = l.fund_id`;

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

export interface ViewPage {
  rows: LoanViewRow[];
  total: number;
}

/** The loan read API's queries: loans joined with their borrower, product, village and fund. */
@Injectable()
export class LoanViewStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One loan's view row in the caller's transaction (or outside one); undefined when missing or out of scope. */
  async viewRow(m: EntityManager | null, id: string, scope: BankScope): Promise<LoanViewRow | undefined> {
    const where = ['l.id = $1'];
    const params: unknown[] = [id];
    scoped(scope, where, params);
    return queryOne<LoanViewRow>(
      m ?? this.dataSource.manager,
      `${VIEW_SELECT} WHERE ${where.join(' AND ')}`,
      params,
    );
  }

  async list(filter: LoanFilter, page: PageQuery, scope: BankScope): Promise<ViewPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    scoped(scope, where, params);
    where.push(areaCondition(params, { district: 'l.district_id', village: 'l.village_id' }));
    if (filter.districtId) where.push(`l.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`l.village_id = $${params.push(filter.villageId)}`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    if (filter.householdId) where.push(`l.household_id = $${params.push(filter.householdId)}`);
    if (filter.status) where.push(`l.status = $${params.push(filter.status)}`);
    if (filter.channel) where.push(`l.channel = $${params.push(filter.channel)}`);
    const column = DATE_COLUMN[filter.dateField ?? 'APPLICATION'];
    if (filter.from) where.push(`${column} >= $${params.push(filter.from)}::date`);
    if (filter.to) where.push(`${column} <= $${params.push(filter.to)}::date`);
    return this.page(where, params, 'l.id DESC', page);
  }

  /**
   * Mutual-aid applications in the given statuses, poor households first (priority 0), then by the time they entered
   * the queue; a loan sent back by an objection keeps its original place.
   */
  async reviewQueue(
    filter: ReviewQueueFilter,
    statuses: readonly LoanStatus[],
    page: PageQuery,
  ): Promise<ViewPage> {
    const where = [`l.channel = 'MUTUAL_AID'`];
    const params: unknown[] = [];
    where.push(`l.status = ANY($${params.push(statuses)}::text[])`);
    if (filter.districtId) where.push(`l.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`l.village_id = $${params.push(filter.villageId)}`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    where.push(areaCondition(params, { district: 'l.district_id', village: 'l.village_id' }));
    return this.page(where, params, 'l.priority, l.submitted_at, l.id', page);
  }

  private async page(where: string[], params: unknown[], order: string, page: PageQuery): Promise<ViewPage> {
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
    return { rows, total };
  }
}

function scoped(scope: BankScope, where: string[], params: unknown[]): void {
  if (scope !== undefined) where.push(`l.bank_id = $${params.push(scope ?? -1)}`);
}
