import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { ApiKeyVerifier } from '#libs/auth';
import { DomainError, isUniqueViolation, type Actor, type Page, type PageQuery } from '#libs/common';
import { actorName, assertNotApiKey, assertOwnBank, scopedBankId } from './bank-scope.js';
import { apiKeyHash, apiKeyMatches, formatApiKey, parseApiKey } from './domain/api-key.js';
import {
  API_KEY_NOTICE,
  apiKeyActor,
  bankView,
  containsPattern,
  keyView,
  type ApiKeyView,
  type BankView,
} from './domain/banks.js';
import { BanksStore } from './store/banks.store.js';

export type { ApiKeyView, BankView } from './domain/banks.js';

@Injectable()
export class BanksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly store: BanksStore,
  ) {}

  async create(input: { code: string; name: string }): Promise<BankView> {
    return this.dataSource.transaction(async (m) => {
      try {
        const bank = bankView(await this.store.insert(m, input.code, input.name));
        await this.audit.record(m, {
          action: 'BANK_CREATED',
          entityType: 'bank',
          entityId: bank.id,
          after: bank,
        });
        return bank;
      } catch (e) {
        if (isUniqueViolation(e)) {
          throw new DomainError('BANK_CODE_TAKEN', `bank code ${input.code} is taken`, [
            { field: 'code', code: 'BANK_CODE_TAKEN', message: 'already exists' },
          ]);
        }
        throw e;
      }
    });
  }

  async list(filter: { code?: string; q?: string }, page: PageQuery): Promise<Page<BankView>> {
    const { rows, total } = await this.store.page(
      {
        id: scopedBankId(),
        code: filter.code,
        namePattern: filter.q ? containsPattern(filter.q) : undefined,
      },
      page,
    );
    return { items: rows.map(bankView), page: page.page, pageSize: page.pageSize, total };
  }

  async get(id: string, manager?: EntityManager): Promise<BankView> {
    assertOwnBank(id, 'bank', id);
    const row = await this.store.find(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `bank ${id} not found`);
    return bankView(row);
  }

  async findByCode(code: string): Promise<BankView | undefined> {
    const row = await this.store.findByCode(code);
    return row ? bankView(row) : undefined;
  }
}

/**
 * Bank API keys, and the verifier the global AuthGuard calls for `X-Api-Key`. Provided as `ApiKeyVerifier` by the
 * (global) guarantee module, so the guard needs no import of this library.
 */
@Injectable()
export class ApiKeysService extends ApiKeyVerifier {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly banks: BanksService,
    private readonly store: BanksStore,
  ) {
    super();
  }

  /** Creates a key for a bank. The plaintext is in this response only; the database keeps its SHA-256. */
  async create(
    bankId: string,
    input: { label: string },
  ): Promise<ApiKeyView & { key: string; notice: string }> {
    assertNotApiKey('creating an API key');
    await this.banks.get(bankId);
    const { publicId, key } = formatApiKey(randomBytes(12), randomBytes(32));
    return this.dataSource.transaction(async (m) => {
      const row = await this.store.insertKey(m, {
        bankId,
        publicId,
        keyHash: apiKeyHash(key),
        label: input.label,
        actor: actorName(),
      });
      const view = keyView(row);
      await this.audit.record(m, {
        action: 'BANK_API_KEY_CREATED',
        entityType: 'bank',
        entityId: bankId,
        after: view,
      });
      return { ...view, key, notice: API_KEY_NOTICE };
    });
  }

  async list(bankId: string, filter: { active?: boolean }, page: PageQuery): Promise<Page<ApiKeyView>> {
    await this.banks.get(bankId);
    const { rows, total } = await this.store.keysPage(bankId, filter.active, page);
    return { items: rows.map(keyView), page: page.page, pageSize: page.pageSize, total };
  }

  /** Revokes a key (idempotent: revoking a revoked key returns it unchanged). Takes effect on the next request. */
  async revoke(bankId: string, keyId: string): Promise<ApiKeyView> {
    assertNotApiKey('revoking an API key');
    await this.banks.get(bankId);
    return this.dataSource.transaction(async (m) => {
      const before = await this.store.lockKey(m, bankId, keyId);
      if (!before) throw new DomainError('NOT_FOUND', `API key ${keyId} not found`);
      if (before.revoked_at) return keyView(before);
      const after = await this.store.revokeKey(m, keyId, actorName());
      await this.audit.record(m, {
        action: 'BANK_API_KEY_REVOKED',
        entityType: 'bank',
        entityId: bankId,
        before: keyView(before),
        after: keyView(after),
      });
      return keyView(after);
    });
  }

  /**
   * `X-Api-Key` → the bank's actor, or null. A malformed key is refused before any lookup; the hash comparison is
   * constant-time. last_used_at is written at most once a minute per key, so a busy integration does not turn
   * every read into a write.
   */
  async verify(key: string): Promise<Actor | null> {
    const parsed = parseApiKey(key);
    if (!parsed) return null;
    const row = await this.store.keyByPublicId(parsed.publicId);
    if (!row || row.revoked_at) return null;
    if (!apiKeyMatches(row.key_hash, key)) return null;
    try {
      await this.store.touchKey(row.id);
    } catch (e) {
      // Bookkeeping only: a failed timestamp must not lock a bank out.
      this.logger.warn({ keyId: row.id, err: (e as Error).message }, 'could not record API key use');
    }
    return apiKeyActor(parsed.publicId, row.bank_id);
  }
}
