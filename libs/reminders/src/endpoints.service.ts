import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  DomainError,
  isUniqueViolation,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  SYSTEM_ACTOR,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import type { ChannelKind, ResolvedEndpoint } from './channels/channel.js';
import { newSecret } from './domain/signature.js';
import { SecretBox } from './secret-box.js';

export const ENDPOINT_SCOPES = ['BANK', 'FUND', 'DEFAULT'] as const;
export type EndpointScope = (typeof ENDPOINT_SCOPES)[number];

export interface EndpointView {
  id: string;
  scope: EndpointScope;
  bankId: string | null;
  fundId: string | null;
  channel: ChannelKind;
  name: string;
  url: string | null;
  signName: string | null;
  active: boolean;
  /** Whether a signing secret is set; the secret itself is only ever in the create and rotate answers. */
  hasSecret: boolean;
  secretRotatedAt: string | null;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** The answer of create and rotate: the view plus the secret, shown this once. */
export type EndpointWithSecret = EndpointView & { secret: string | null };

export interface CreateEndpointInput {
  scope: EndpointScope;
  bankId?: string | null;
  fundId?: string | null;
  channel: ChannelKind;
  name: string;
  url?: string | null;
  signName?: string | null;
}

export interface UpdateEndpointInput {
  name?: string;
  url?: string | null;
  signName?: string | null;
  active?: boolean;
}

export interface EndpointFilter {
  scope?: EndpointScope;
  bankId?: string;
  fundId?: string;
  channel?: ChannelKind;
  active?: boolean;
}

interface EndpointRow {
  id: string;
  scope: EndpointScope;
  bank_id: string | null;
  fund_id: string | null;
  channel: ChannelKind;
  name: string;
  url: string | null;
  sign_name: string | null;
  secret_ciphertext: string | null;
  secret_rotated_at: Date | null;
  active: boolean;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id::text, scope, bank_id::text, fund_id::text, channel, name, url, sign_name, secret_ciphertext,
  secret_rotated_at, active, version, created_by, created_at, updated_at`;

const view = (r: EndpointRow): EndpointView => ({
  id: r.id,
  scope: r.scope,
  bankId: r.bank_id,
  fundId: r.fund_id,
  channel: r.channel,
  name: r.name,
  url: r.url,
  signName: r.sign_name,
  active: r.active,
  hasSecret: r.secret_ciphertext !== null,
  secretRotatedAt: r.secret_rotated_at ? new Date(r.secret_rotated_at).toISOString() : null,
  version: r.version,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const needsRemote = (channel: ChannelKind) => channel !== 'LOG';

/**
 * Where reminders go: one active endpoint per bank, per mutual-aid fund, and one DEFAULT. A loan's reminders go to
 * its bank's endpoint, else its fund's, else the default one (resolved again at delivery, so a reconfiguration
 * applies to reminders still waiting). WEBHOOK and SMS endpoints have a URL and a signing secret, generated here,
 * returned once and stored encrypted.
 */
@Injectable()
export class ReminderEndpointsService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {
    this.box = SecretBox.fromConfig(config);
    if (config.isProduction && !config.REMINDER_SECRET_KEY) {
      new Logger(ReminderEndpointsService.name).warn(
        'REMINDER_SECRET_KEY is not set: reminder endpoint secrets are sealed under a key derived from JWT_SECRET, ' +
          'so rotating JWT_SECRET makes them unreadable. Set REMINDER_SECRET_KEY (see README, Configuration).',
      );
    }
  }

  async create(input: CreateEndpointInput): Promise<EndpointWithSecret> {
    return this.dataSource.transaction(async (m) => {
      const bankId = input.bankId ?? null;
      const fundId = input.fundId ?? null;
      const url = input.url ?? null;
      const signName = input.signName ?? null;
      await this.check(m, { scope: input.scope, bankId, fundId, channel: input.channel, url, signName });
      const secret = needsRemote(input.channel) ? newSecret() : null;
      const actor = RequestContext.actor() ?? SYSTEM_ACTOR;
      let row: EndpointRow | undefined;
      try {
        row = await queryOne<EndpointRow>(
          m,
          `INSERT INTO reminder_endpoints (scope, bank_id, fund_id, channel, name, url, sign_name, secret_ciphertext,
                                           secret_rotated_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8::text IS NULL THEN NULL ELSE now() END, $9)
           RETURNING ${COLUMNS}`,
          [
            input.scope,
            bankId,
            fundId,
            input.channel,
            input.name,
            url,
            signName,
            secret ? this.box.seal(secret) : null,
            actor.username,
          ],
        );
      } catch (e) {
        if (isUniqueViolation(e, 'reminder_endpoints_one_active'))
          throw this.scopeTaken(input.scope, bankId, fundId);
        throw e;
      }
      const created = view(row!);
      await this.audit.record(m, {
        action: 'REMINDER_ENDPOINT_CREATED',
        entityType: 'reminder_endpoint',
        entityId: created.id,
        after: created,
      });
      return { ...created, secret };
    });
  }

  async update(id: string, patch: UpdateEndpointInput): Promise<EndpointView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      const next = {
        scope: before.scope,
        bankId: before.bank_id,
        fundId: before.fund_id,
        channel: before.channel,
        url: patch.url === undefined ? before.url : patch.url,
        signName: patch.signName === undefined ? before.sign_name : patch.signName,
      };
      await this.check(m, next, { skipScopeExists: !patch.active || before.active });
      let row: EndpointRow | undefined;
      try {
        row = await queryOne<EndpointRow>(
          m,
          `UPDATE reminder_endpoints
              SET name = $2, url = $3, sign_name = $4, active = $5, version = version + 1, updated_at = now()
            WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, patch.name ?? before.name, next.url, next.signName, patch.active ?? before.active],
        );
      } catch (e) {
        if (isUniqueViolation(e, 'reminder_endpoints_one_active'))
          throw this.scopeTaken(before.scope, before.bank_id, before.fund_id);
        throw e;
      }
      const after = view(row!);
      await this.audit.record(m, {
        action: 'REMINDER_ENDPOINT_UPDATED',
        entityType: 'reminder_endpoint',
        entityId: id,
        before: view(before),
        after,
      });
      return after;
    });
  }

  /** A new signing secret (the old one stops verifying at once), returned this once. */
  async rotateSecret(id: string): Promise<EndpointWithSecret> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      if (!needsRemote(before.channel)) {
        throw new DomainError(
          'REMINDER_ENDPOINT_INVALID',
          `endpoint ${id} is a ${before.channel} endpoint and has no secret`,
          [
            {
              field: 'channel',
              code: 'NO_SECRET',
              message: 'only WEBHOOK and SMS endpoints sign their requests',
            },
          ],
        );
      }
      const secret = newSecret();
      const row = await queryOne<EndpointRow>(
        m,
        `UPDATE reminder_endpoints SET secret_ciphertext = $2, secret_rotated_at = now(), version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, this.box.seal(secret)],
      );
      const after = view(row!);
      await this.audit.record(m, {
        action: 'REMINDER_ENDPOINT_SECRET_ROTATED',
        entityType: 'reminder_endpoint',
        entityId: id,
        before: view(before),
        after,
      });
      return { ...after, secret };
    });
  }

  /** Endpoints are never deleted (the outbox points at them): deactivating stops new deliveries through them. */
  async deactivate(id: string): Promise<EndpointView> {
    return this.update(id, { active: false });
  }

  async get(id: string): Promise<EndpointView> {
    const row = await queryOne<EndpointRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM reminder_endpoints WHERE id = $1`,
      [id],
    );
    if (!row) throw new DomainError('NOT_FOUND', `reminder endpoint ${id} not found`);
    return view(row);
  }

  async list(filter: EndpointFilter, page: PageQuery): Promise<Page<EndpointView>> {
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
    return { items: rows.map(view), page: page.page, pageSize: page.pageSize, total };
  }

  /** The secret of a stored endpoint, opened for signing; null when it cannot be read (see SecretBox). */
  openSecret(ciphertext: string | null): string | null {
    return ciphertext === null ? null : this.box.open(ciphertext);
  }

  toResolved(row: {
    id: string;
    channel: ChannelKind;
    name: string;
    url: string | null;
    sign_name: string | null;
    secret_ciphertext: string | null;
  }): ResolvedEndpoint {
    return {
      id: row.id,
      channel: row.channel,
      name: row.name,
      url: row.url,
      signName: row.sign_name,
      secret: this.openSecret(row.secret_ciphertext),
    };
  }

  private async lock(m: EntityManager, id: string): Promise<EndpointRow> {
    const row = await queryOne<EndpointRow>(
      m,
      `SELECT ${COLUMNS} FROM reminder_endpoints WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw new DomainError('NOT_FOUND', `reminder endpoint ${id} not found`);
    return row;
  }

  private scopeTaken(scope: EndpointScope, bankId: string | null, fundId: string | null): DomainError {
    const what =
      scope === 'BANK' ? `bank ${bankId}` : scope === 'FUND' ? `fund ${fundId}` : 'the default scope';
    return new DomainError(
      'REMINDER_ENDPOINT_SCOPE_TAKEN',
      `${what} already has an active reminder endpoint; deactivate it first`,
      [{ field: 'scope', code: 'SCOPE_TAKEN', message: `one active endpoint per scope: ${what} has one` }],
    );
  }

  /** Every rule of an endpoint at once (422 naming each failed field), then whether its scope is free (409). */
  private async check(
    m: EntityManager,
    e: {
      scope: EndpointScope;
      bankId: string | null;
      fundId: string | null;
      channel: ChannelKind;
      url: string | null;
      signName: string | null;
    },
    opts: { skipScopeExists?: boolean } = {},
  ): Promise<void> {
    const errors: FieldError[] = [];
    if (e.scope === 'BANK' && !e.bankId)
      errors.push({ field: 'bankId', code: 'REQUIRED', message: 'a BANK endpoint names its bank' });
    if (e.scope !== 'BANK' && e.bankId)
      errors.push({ field: 'bankId', code: 'NOT_ALLOWED', message: `a ${e.scope} endpoint has no bank` });
    if (e.scope === 'FUND' && !e.fundId)
      errors.push({ field: 'fundId', code: 'REQUIRED', message: 'a FUND endpoint names its fund' });
    if (e.scope !== 'FUND' && e.fundId)
      errors.push({ field: 'fundId', code: 'NOT_ALLOWED', message: `a ${e.scope} endpoint has no fund` });
    if (e.bankId && e.scope === 'BANK') {
      const bank = await queryOne(m, `SELECT 1 FROM banks WHERE id = $1`, [e.bankId]);
      if (!bank)
        errors.push({ field: 'bankId', code: 'UNKNOWN_BANK', message: `bank ${e.bankId} does not exist` });
    }
    if (e.fundId && e.scope === 'FUND') {
      const fund = await queryOne(m, `SELECT 1 FROM mutual_aid_funds WHERE id = $1`, [e.fundId]);
      if (!fund)
        errors.push({
          field: 'fundId',
          code: 'UNKNOWN_FUND',
          message: `mutual-aid fund ${e.fundId} does not exist`,
        });
    }
    if (needsRemote(e.channel) && !e.url) {
      errors.push({
        field: 'url',
        code: 'REQUIRED',
        message: `a ${e.channel} endpoint needs the URL it posts to`,
      });
    }
    if (!needsRemote(e.channel) && e.url)
      errors.push({ field: 'url', code: 'NOT_ALLOWED', message: 'a LOG endpoint posts nowhere' });
    if (e.url && this.config.isProduction && !e.url.startsWith('https://')) {
      errors.push({
        field: 'url',
        code: 'HTTPS_REQUIRED',
        message: 'reminders carry personal data: https only in production',
      });
    }
    if (e.signName && e.channel !== 'SMS') {
      errors.push({
        field: 'signName',
        code: 'NOT_ALLOWED',
        message: 'only SMS endpoints have a signature (短信签名)',
      });
    }
    if (errors.length) {
      throw new DomainError(
        'REMINDER_ENDPOINT_INVALID',
        `the reminder endpoint is invalid: ${[...new Set(errors.map((x) => x.field))].join(', ')}`,
        errors,
      );
    }
    if (opts.skipScopeExists) return;
    const taken = await queryOne(
      m,
      `SELECT 1 FROM reminder_endpoints
        WHERE active AND scope = $1 AND coalesce(bank_id, 0) = coalesce($2::bigint, 0) AND coalesce(fund_id, 0) = coalesce($3::bigint, 0)`,
      [e.scope, e.bankId, e.fundId],
    );
    if (taken) throw this.scopeTaken(e.scope, e.bankId, e.fundId);
  }
}
