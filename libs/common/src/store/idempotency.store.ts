import type { EntityManager } from 'typeorm';
import { queryOne, queryPrepared } from '../database/sql.js';
import type { IdempotencyKeyRow } from './rows.generated.js';

/** The idempotency_keys table (owned by libs/common): the SQL of runIdempotent. */
export const IdempotencyStore = {
  /** Claims (scope, key) in the caller's transaction; false when it exists (blocks until its writer commits). */
  async claim(manager: EntityManager, scope: string, key: string, requestHash: string): Promise<boolean> {
    const inserted = await queryPrepared<Pick<IdempotencyKeyRow, 'key'>>(
      manager,
      `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [scope, key, requestHash],
    );
    return inserted.length > 0;
  },

  async find(
    manager: EntityManager,
    scope: string,
    key: string,
  ): Promise<Pick<IdempotencyKeyRow, 'request_hash' | 'response'> | undefined> {
    return queryOne<Pick<IdempotencyKeyRow, 'request_hash' | 'response'>>(
      manager,
      `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
  },

  /** The statement that stores a key's response (sent with the work's deferred writes: runIdempotent). */
  responseWrite(scope: string, key: string, responseJson: string): { sql: string; params: unknown[] } {
    return {
      sql: `UPDATE idempotency_keys SET response = $3::jsonb WHERE scope = $1 AND key = $2`,
      params: [scope, key, responseJson],
    };
  },
};
