import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { ApiKeyRecord, BankRecord } from '../domain/banks.js';
import { updateReturning } from './sql.js';

/** banks and bank_api_keys. */
@Injectable()
export class BanksStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(m: EntityManager | null | undefined): EntityManager {
    return m ?? this.dataSource.manager;
  }

  async brief(
    m: EntityManager | null,
    bankId: string,
  ): Promise<{ id: string; code: string; name: string } | undefined> {
    return queryOne<{ id: string; code: string; name: string }>(
      this.m(m),
      `SELECT id, code, name FROM banks WHERE id = $1`,
      [bankId],
    );
  }

  find(m: EntityManager | null | undefined, id: string): Promise<BankRecord | undefined> {
    return queryOne<BankRecord>(this.m(m), `SELECT * FROM banks WHERE id = $1`, [id]);
  }

  findByCode(code: string): Promise<BankRecord | undefined> {
    return queryOne<BankRecord>(this.dataSource.manager, `SELECT * FROM banks WHERE code = $1`, [code]);
  }

  async insert(m: EntityManager, code: string, name: string): Promise<BankRecord> {
    const [row] = await queryRows<BankRecord>(
      m,
      `INSERT INTO banks (code, name) VALUES ($1, $2) RETURNING *`,
      [code, name],
    );
    return row;
  }

  async page(
    filter: { id: string | null; code?: string; namePattern?: string },
    page: PageQuery,
  ): Promise<{ rows: BankRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.id !== null) where.push(`id = $${params.push(filter.id)}`);
    if (filter.code) where.push(`code = $${params.push(filter.code)}`);
    if (filter.namePattern) where.push(`name ILIKE $${params.push(filter.namePattern)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM banks ${clause}`,
      params,
    );
    const rows = await queryRows<BankRecord>(
      m,
      `SELECT * FROM banks ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total: count?.total ?? 0 };
  }

  async insertKey(
    m: EntityManager,
    k: { bankId: string; publicId: string; keyHash: string; label: string; actor: string },
  ): Promise<ApiKeyRecord> {
    const [row] = await queryRows<ApiKeyRecord>(
      m,
      `INSERT INTO bank_api_keys (bank_id, public_id, key_hash, label, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING *`,
      [k.bankId, k.publicId, k.keyHash, k.label, k.actor],
    );
    return row;
  }

  async keysPage(
    bankId: string,
    active: boolean | undefined,
    page: PageQuery,
  ): Promise<{ rows: ApiKeyRecord[]; total: number }> {
    const params: unknown[] = [bankId];
    const where = ['bank_id = $1'];
    if (active === true) where.push('revoked_at IS NULL');
    if (active === false) where.push('revoked_at IS NOT NULL');
    const clause = `WHERE ${where.join(' AND ')}`;
    const m = this.dataSource.manager;
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM bank_api_keys ${clause}`,
      params,
    );
    const rows = await queryRows<ApiKeyRecord>(
      m,
      `SELECT * FROM bank_api_keys ${clause} ORDER BY id LIMIT $2 OFFSET $3`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total: count?.total ?? 0 };
  }

  lockKey(m: EntityManager, bankId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    return queryOne<ApiKeyRecord>(
      m,
      `SELECT * FROM bank_api_keys WHERE id = $1 AND bank_id = $2 FOR UPDATE`,
      [keyId, bankId],
    );
  }

  async revokeKey(m: EntityManager, keyId: string, actor: string): Promise<ApiKeyRecord> {
    const [after] = await updateReturning<ApiKeyRecord>(
      m,
      `UPDATE bank_api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1 RETURNING *`,
      [keyId, actor],
    );
    return after;
  }

  keyByPublicId(publicId: string) {
    return queryOne<Pick<ApiKeyRecord, 'id' | 'bank_id' | 'key_hash' | 'revoked_at'>>(
      this.dataSource.manager,
      `SELECT k.id, k.bank_id, k.key_hash, k.revoked_at FROM bank_api_keys k WHERE k.public_id = $1`,
      [publicId],
    );
  }

  /** Records a key's use, at most once a minute per key. */
  async touchKey(keyId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE bank_api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [keyId],
    );
  }
}
