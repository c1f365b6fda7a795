import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { ApiKeyVerifier } from '#libs/auth';
import {
  DomainError,
  isUniqueViolation,
  offsetOf,
  type Actor,
  type Page,
  type PageQuery,
} from '#libs/common';
import { updateReturning } from './store/sql.js';
import { actorName, assertNotApiKey, assertOwnBank, scopedBankId } from './bank-scope.js';
import { formatApiKey, maskedApiKey, parseApiKey } from './domain/api-key.js';

export interface BankView {
  id: string;
  code: string;
  name: string;
  createdAt: string;
}

interface BankRow {
  id: string;
  code: string;
  name: string;
  created_at: Date;
}

const bankView = (r: BankRow): BankView => ({
  id: r.id,
  code: r.code,
  name: r.name,
  createdAt: new Date(r.created_at).toISOString(),
});

export interface ApiKeyView {
  id: string;
  bankId: string;
  publicId: string;
  /** prefix and public id only: the secret is never shown again */
  keyPreview: string;
  label: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  active: boolean;
}

interface ApiKeyRow {
  id: string;
  bank_id: string;
  public_id: string;
  key_hash: string;
  label: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const keyView = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  bankId: r.bank_id,
  publicId: r.public_id,
  keyPreview: maskedApiKey(r.public_id),
  label: r.label,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
  revokedBy: r.revoked_by,
  active: r.revoked_at === null,
});

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

@Injectable()
export class BanksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(input: { code: string; name: string }): Promise<BankView> {
    return this.dataSource.transaction(async (m) => {
      try {
        const [row] = (await m.query(`INSERT INTO banks (code, name) VALUES ($1, $2) RETURNING *`, [
          input.code,
          input.name,
        ])) as BankRow[];
        const bank = bankView(row);
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
    const where: string[] = [];
    const params: unknown[] = [];
    const own = scopedBankId();
    if (own !== null) where.push(`id = $${params.push(own)}`);
    if (filter.code) where.push(`code = $${params.push(filter.code)}`);
    if (filter.q) where.push(`name ILIKE $${params.push('%' + filter.q.replace(/[%_\\]/g, '\\$&') + '%')}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM banks ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM banks ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as BankRow[];
    return { items: rows.map(bankView), page: page.page, pageSize: page.pageSize, total };
  }

  async get(id: string, manager?: EntityManager): Promise<BankView> {
    assertOwnBank(id, 'bank', id);
    const [row] = (await (manager ?? this.dataSource.manager).query(`SELECT * FROM banks WHERE id = $1`, [
      id,
    ])) as BankRow[];
    if (!row) throw new DomainError('NOT_FOUND', `bank ${id} not found`);
    return bankView(row);
  }

  async findByCode(code: string): Promise<BankView | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM banks WHERE code = $1`, [code])) as BankRow[];
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
      const [row] = (await m.query(
        `INSERT INTO bank_api_keys (bank_id, public_id, key_hash, label, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING *`,
        [bankId, publicId, sha256Hex(key), input.label, actorName()],
      )) as ApiKeyRow[];
      const view = keyView(row);
      await this.audit.record(m, {
        action: 'BANK_API_KEY_CREATED',
        entityType: 'bank',
        entityId: bankId,
        after: view,
      });
      return { ...view, key, notice: 'Store this key now: it is shown only once and cannot be recovered.' };
    });
  }

  async list(bankId: string, filter: { active?: boolean }, page: PageQuery): Promise<Page<ApiKeyView>> {
    await this.banks.get(bankId);
    const params: unknown[] = [bankId];
    const where = ['bank_id = $1'];
    if (filter.active === true) where.push('revoked_at IS NULL');
    if (filter.active === false) where.push('revoked_at IS NOT NULL');
    const clause = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM bank_api_keys ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM bank_api_keys ${clause} ORDER BY id LIMIT $2 OFFSET $3`,
      [...params, page.pageSize, offsetOf(page)],
    )) as ApiKeyRow[];
    return { items: rows.map(keyView), page: page.page, pageSize: page.pageSize, total };
  }

  /** Revokes a key (idempotent: revoking a revoked key returns it unchanged). Takes effect on the next request. */
  async revoke(bankId: string, keyId: string): Promise<ApiKeyView> {
    assertNotApiKey('revoking an API key');
    await this.banks.get(bankId);
    return this.dataSource.transaction(async (m) => {
      const [before] = (await m.query(
        `SELECT * FROM bank_api_keys WHERE id = $1 AND bank_id = $2 FOR UPDATE`,
        [keyId, bankId],
      )) as ApiKeyRow[];
      if (!before) throw new DomainError('NOT_FOUND', `API key ${keyId} not found`);
      if (before.revoked_at) return keyView(before);
      const [after] = (await updateReturning(
        m,
        `UPDATE bank_api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1 RETURNING *`,
        [keyId, actorName()],
      )) as ApiKeyRow[];
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
    const [row] = (await this.dataSource.query(
      `SELECT k.id, k.bank_id, k.key_hash, k.revoked_at FROM bank_api_keys k WHERE k.public_id = $1`,
      [parsed.publicId],
    )) as Pick<ApiKeyRow, 'id' | 'bank_id' | 'key_hash' | 'revoked_at'>[];
    if (!row || row.revoked_at) return null;
    const expected = Buffer.from(row.key_hash, 'hex');
    const actual = Buffer.from(sha256Hex(key), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    try {
      await this.dataSource.query(
        `UPDATE bank_api_keys SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [row.id],
      );
    } catch (e) {
      // Bookkeeping only: a failed timestamp must not lock a bank out.
      this.logger.warn({ keyId: row.id, err: (e as Error).message }, 'could not record API key use');
    }
    return {
      userId: null,
      username: `bank-key:${parsed.publicId}`,
      role: 'BANK_OFFICER',
      bankId: Number(row.bank_id),
      via: 'api-key',
    };
  }
}
