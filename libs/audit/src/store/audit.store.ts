import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaOfCondition, offsetOf, queryOne, queryRows, writeOrDefer, type Page, type PageQuery } from '#libs/common';
import type { AuditLogRow } from './rows.generated.js';

/** A row to append: `before` and `after` as JSON text (AuditService scrubs and serializes them in one pass). */
export type NewAuditRow = Omit<AuditLogRow, 'id' | 'at' | 'before' | 'after'> & { before: string; after: string };

export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  /** 'YYYY-MM-DD', inclusive */
  from?: string;
  /** 'YYYY-MM-DD', inclusive */
  to?: string;
}

/** One audit row as the API lists it (camelCase, ids as text). */
export interface AuditEntryView {
  id: string;
  at: Date;
  actorId: string | null;
  actor: string;
  role: string;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/** The SQL of audit_log (owned by libs/audit): append and list, never update. */
/** Which `area_of` kind an audited entity is, so an area-scoped reader sees the entries about its own area's objects. */
const AUDIT_ENTITY_KIND_SQL = `CASE entity_type
  WHEN 'household' THEN 'household' WHEN 'operating_entity' THEN 'entity' WHEN 'liability_group' THEN 'group'
  WHEN 'district' THEN 'district' WHEN 'town' THEN 'town' WHEN 'village' THEN 'village'
  WHEN 'poverty_line' THEN 'poverty_line' WHEN 'mutual_aid_fund' THEN 'fund' WHEN 'loan' THEN 'loan'
  WHEN 'repayment' THEN 'repayment' WHEN 'risk_fund' THEN 'risk_fund' WHEN 'guarantee_agreement' THEN 'agreement'
  WHEN 'compensation_claim' THEN 'claim' WHEN 'asset_income_project' THEN 'aip_project'
  WHEN 'subsidy_programme' THEN 'subsidy_programme' WHEN 'subsidy_claim' THEN 'subsidy_claim'
  WHEN 'reminder_endpoint' THEN 'reminder_endpoint' END`;

@Injectable()
export class AuditStore {
  /** Appends a row; inside runIdempotent it goes out with the stored response (writeOrDefer). */
  async append(m: EntityManager, row: NewAuditRow): Promise<void> {
    await writeOrDefer(m, 
      `INSERT INTO audit_log (actor_id, actor, role, action, entity_type, entity_id, before, after, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8::jsonb,$9)`,
      [
        row.actor_id,
        row.actor,
        row.role,
        row.action,
        row.entity_type,
        row.entity_id,
        row.before,
        row.after,
        row.request_id,
      ],
    );
  }

  async page(m: EntityManager, filter: AuditQuery, page: PageQuery): Promise<Page<AuditEntryView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.entityType) where.push(`entity_type = $${params.push(filter.entityType)}`);
    if (filter.entityId) where.push(`entity_id = $${params.push(filter.entityId)}`);
    if (filter.actor) where.push(`actor = $${params.push(filter.actor)}`);
    if (filter.action) where.push(`action = $${params.push(filter.action)}`);
    if (filter.from) where.push(`at >= $${params.push(filter.from)}::date`);
    if (filter.to) where.push(`at < ($${params.push(filter.to)}::date + 1)`);
    where.push(areaOfCondition(params, AUDIT_ENTITY_KIND_SQL, `CASE WHEN entity_id ~ '^[1-9][0-9]{0,17}$' THEN entity_id::bigint END`));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM audit_log ${clause}`,
      params,
    );
    const items = await queryRows<AuditEntryView>(
      m,
      `SELECT id::text, at, actor_id::text AS "actorId", actor, role, action, entity_type AS "entityType",
              entity_id AS "entityId", before, after, request_id AS "requestId"
         FROM audit_log ${clause} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items, page: page.page, pageSize: page.pageSize, total: count!.total };
  }
}
