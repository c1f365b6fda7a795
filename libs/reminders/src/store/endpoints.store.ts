import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { ChannelKind } from '../channels/channel.js';
import type { EndpointFilter, EndpointScope } from '../endpoints.service.js';
import type { ReminderEndpointRow } from './rows.generated.js';

/** An endpoint row, its scope and channel typed. */
export type EndpointRow = Omit<ReminderEndpointRow, 'scope' | 'channel'> & {
  scope: EndpointScope;
  channel: ChannelKind;
};

const COLUMNS = `id::text, scope, bank_id::text, fund_id::text, channel, name, url, sign_name, secret_ciphertext,
  secret_rotated_at, active, version, created_by, created_at, updated_at`;

/** reminder_endpoints: every statement on it, and the existence checks of the bank or fund an endpoint names. */
@Injectable()
export class EndpointsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A new endpoint; the unique index `reminder_endpoints_one_active` refuses a second active one per scope. */
  async insert(
    m: EntityManager,
    e: {
      scope: EndpointScope;
      bankId: string | null;
      fundId: string | null;
      channel: ChannelKind;
      name: string;
      url: string | null;
      signName: string | null;
      secretCiphertext: string | null;
      createdBy: string;
    },
  ): Promise<EndpointRow> {
    const row = await queryOne<EndpointRow>(
      m,
      `INSERT INTO reminder_endpoints (scope, bank_id, fund_id, channel, name, url, sign_name, secret_ciphertext,
                                       secret_rotated_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8::text IS NULL THEN NULL ELSE now() END, $9)
       RETURNING ${COLUMNS}`,
      [e.scope, e.bankId, e.fundId, e.channel, e.name, e.url, e.signName, e.secretCiphertext, e.createdBy],
    );
    return row!;
  }

  async update(
    m: EntityManager,
    id: string,
    e: { name: string; url: string | null; signName: string | null; active: boolean },
  ): Promise<EndpointRow> {
    const row = await queryOne<EndpointRow>(
      m,
      `UPDATE reminder_endpoints
          SET name = $2, url = $3, sign_name = $4, active = $5, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, e.name, e.url, e.signName, e.active],
    );
    return row!;
  }

  async rotateSecret(m: EntityManager, id: string, secretCiphertext: string): Promise<EndpointRow> {
    const row = await queryOne<EndpointRow>(
      m,
      `UPDATE reminder_endpoints SET secret_ciphertext = $2, secret_rotated_at = now(), version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, secretCiphertext],
    );
    return row!;
  }

  get(id: string): Promise<EndpointRow | undefined> {
    return queryOne<EndpointRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM reminder_endpoints WHERE id = $1`,
      [id],
    );
  }

  lock(m: EntityManager, id: string): Promise<EndpointRow | undefined> {
    return queryOne<EndpointRow>(m, `SELECT ${COLUMNS} FROM reminder_endpoints WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
  }

  async list(filter: EndpointFilter, page: PageQuery): Promise<{ rows: EndpointRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.scope) where.push(`scope = $${params.push(filter.scope)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.fundId) where.push(`fund_id = $${params.push(filter.fundId)}`);
    if (filter.channel) where.push(`channel = $${params.push(filter.channel)}`);
    if (filter.active !== undefined) where.push(`active = $${params.push(filter.active)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS total FROM reminder_endpoints ${clause}`,
      params,
    );
    const rows = await queryRows<EndpointRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM reminder_endpoints ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  async bankExists(m: EntityManager, bankId: string): Promise<boolean> {
    return (await queryOne(m, `SELECT 1 FROM banks WHERE id = $1`, [bankId])) !== undefined;
  }

  async fundExists(m: EntityManager, fundId: string): Promise<boolean> {
    return (await queryOne(m, `SELECT 1 FROM mutual_aid_funds WHERE id = $1`, [fundId])) !== undefined;
  }

  /** Whether the scope already has an active endpoint. */
  async scopeTaken(
    m: EntityManager,
    scope: EndpointScope,
    bankId: string | null,
    fundId: string | null,
  ): Promise<boolean> {
    const taken = await queryOne(
      m,
      `SELECT 1 FROM reminder_endpoints
        WHERE active AND scope = $1 AND coalesce(bank_id, 0) = coalesce($2::bigint, 0) AND coalesce(fund_id, 0) = coalesce($3::bigint, 0)`,
      [scope, bankId, fundId],
    );
    return taken !== undefined;
  }
}
