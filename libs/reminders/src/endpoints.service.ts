import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  DomainError,
  isUniqueViolation,
  RequestContext,
  SYSTEM_ACTOR,
  type Page,
  type PageQuery,
} from '#libs/common';
import type { ChannelKind, ResolvedEndpoint } from './channels/channel.js';
import { endpointErrors, needsRemote, scopeName } from './domain/endpoints.js';
import { newSecret } from './domain/signature.js';
import { SecretBox } from './secret-box.js';
import { EndpointsStore, type EndpointRow } from './store/endpoints.store.js';

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
    private readonly store: EndpointsStore,
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
        row = await this.store.insert(m, {
          scope: input.scope,
          bankId,
          fundId,
          channel: input.channel,
          name: input.name,
          url,
          signName,
          secretCiphertext: secret ? this.box.seal(secret) : null,
          createdBy: actor.username,
        });
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
        row = await this.store.update(m, id, {
          name: patch.name ?? before.name,
          url: next.url,
          signName: next.signName,
          active: patch.active ?? before.active,
        });
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
      const row = await this.store.rotateSecret(m, id, this.box.seal(secret));
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
    const row = await this.store.get(id);
    if (!row) throw new DomainError('NOT_FOUND', `reminder endpoint ${id} not found`);
    return view(row);
  }

  async list(filter: EndpointFilter, page: PageQuery): Promise<Page<EndpointView>> {
    const { rows, total } = await this.store.list(filter, page);
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
    const row = await this.store.lock(m, id);
    if (!row) throw new DomainError('NOT_FOUND', `reminder endpoint ${id} not found`);
    return row;
  }

  private scopeTaken(scope: EndpointScope, bankId: string | null, fundId: string | null): DomainError {
    const what = scopeName(scope, bankId, fundId);
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
    const errors = endpointErrors(e, {
      bankExists: e.bankId && e.scope === 'BANK' ? await this.store.bankExists(m, e.bankId) : true,
      fundExists: e.fundId && e.scope === 'FUND' ? await this.store.fundExists(m, e.fundId) : true,
      isProduction: this.config.isProduction,
    });
    if (errors.length) {
      throw new DomainError(
        'REMINDER_ENDPOINT_INVALID',
        `the reminder endpoint is invalid: ${[...new Set(errors.map((x) => x.field))].join(', ')}`,
        errors,
      );
    }
    if (opts.skipScopeExists) return;
    const taken = await this.store.scopeTaken(m, e.scope, e.bankId, e.fundId);
    if (taken) throw this.scopeTaken(e.scope, e.bankId, e.fundId);
  }
}
