import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext, SYSTEM_ACTOR, type Page, type PageQuery } from '#libs/common';
import { AuditStore, type AuditEntryView, type AuditQuery } from './store/audit.store.js';

export interface AuditRecord {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
}

export type AuditFilter = AuditQuery;
export type { AuditEntryView };

/** Keys whose values never enter the audit log in clear. */
const SECRET_KEYS = /password|secret|token|apiKey|api_key|keyHash/i;

/**
 * The JSON text a value is kept as, in one pass: a secret key's value redacted (whatever it holds; an undefined one is
 * left out, as JSON leaves it), bigints as their digits. The column is jsonb, which keeps its own key order, so the text needs no canonical order.
 */
function scrubbed(value: unknown): string {
  return (
    JSON.stringify(value, (k, v: unknown) =>
      v !== undefined && SECRET_KEYS.test(k) ? '[REDACTED]' : typeof v === 'bigint' ? v.toString() : v,
    ) ?? 'null'
  );
}

/**
 * Append-only audit trail of every write: who (from the request context), what, before and after. Written in the
 * caller's transaction so an audit row exists exactly when the change does.
 */
@Injectable()
export class AuditService {
  /** Stateless: the service keeps its own (tests and benches construct the service with a DataSource alone). */
  private readonly store = new AuditStore();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, rec: AuditRecord): Promise<void> {
    const actor = RequestContext.actor() ?? SYSTEM_ACTOR;
    await this.store.append(manager, {
      actor_id: actor.userId === null ? null : String(actor.userId),
      actor: actor.username,
      role: actor.role,
      action: rec.action,
      entity_type: rec.entityType,
      entity_id: rec.entityId === undefined || rec.entityId === null ? null : String(rec.entityId),
      before: scrubbed(rec.before),
      after: scrubbed(rec.after),
      request_id: RequestContext.requestId() ?? null,
    });
  }

  async list(filter: AuditFilter, page: PageQuery): Promise<Page<AuditEntryView>> {
    return this.store.page(this.dataSource.manager, filter, page);
  }
}
