import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalJson, RequestContext, SYSTEM_ACTOR, type Page, type PageQuery, offsetOf } from '#libs/common';

export interface AuditRecord {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

/** Keys whose values never enter the audit log in clear. */
const SECRET_KEYS = /password|secret|token|apiKey|api_key|keyHash/i;

function scrub(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(canonicalJson(value), (k, v) => (SECRET_KEYS.test(k) ? '[REDACTED]' : v));
}

/**
 * Append-only audit trail of every write: who (from the request context), what, before and after. Written in the
 * caller's transaction so an audit row exists exactly when the change does.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, rec: AuditRecord): Promise<void> {
    const actor = RequestContext.actor() ?? SYSTEM_ACTOR;
    await manager.query(
      `INSERT INTO audit_log (actor_id, actor, role, action, entity_type, entity_id, before, after, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8::jsonb,$9)`,
      [
        actor.userId,
        actor.username,
        actor.role,
        rec.action,
        rec.entityType,
        rec.entityId === undefined || rec.entityId === null ? null : String(rec.entityId),
        JSON.stringify(scrub(rec.before)),
        JSON.stringify(scrub(rec.after)),
        RequestContext.requestId() ?? null,
      ],
    );
  }

  async list(filter: AuditFilter, page: PageQuery): Promise<Page<Record<string, unknown>>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.entityType) where.push(`entity_type = $${params.push(filter.entityType)}`);
    if (filter.entityId) where.push(`entity_id = $${params.push(filter.entityId)}`);
    if (filter.actor) where.push(`actor = $${params.push(filter.actor)}`);
    if (filter.action) where.push(`action = $${params.push(filter.action)}`);
    if (filter.from) where.push(`at >= $${params.push(filter.from)}::date`);
    if (filter.to) where.push(`at < ($${params.push(filter.to)}::date + 1)`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM audit_log ${clause}`, params)) as {
      total: number;
    }[];
    const items = (await this.dataSource.query(
      `SELECT id::text, at, actor_id::text AS "actorId", actor, role, action, entity_type AS "entityType",
              entity_id AS "entityId", before, after, request_id AS "requestId"
         FROM audit_log ${clause} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as Record<string, unknown>[];
    return { items, page: page.page, pageSize: page.pageSize, total };
  }
}
