import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../errors/domain-error.js';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Reads the Idempotency-Key header of a money-moving POST. Missing or malformed keys are refused before any
 * work is done.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
  const key = req.headers['idempotency-key'];
  if (!key) {
    throw new DomainError('IDEMPOTENCY_KEY_REQUIRED', 'This operation moves money and needs an Idempotency-Key header', [
      { field: 'Idempotency-Key', message: 'header is required' },
    ]);
  }
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 8-128 characters of [A-Za-z0-9._:-]', [
      { field: 'Idempotency-Key', message: 'must be 8-128 characters of [A-Za-z0-9._:-]' },
    ]);
  }
  return key;
});

/** Stable JSON (sorted keys, bigint as string) so the same request always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface IdempotentResult<T> {
  replayed: boolean;
  result: T;
}

/**
 * Runs `work` at most once per (scope, key) inside the caller's transaction. The key row is inserted in the same
 * transaction as the business change: a concurrent request with the same key blocks on the unique index until
 * the first commits, then reads its stored response (or proceeds, if the first rolled back). The same key with a
 * different body is a 409.
 */
export async function runIdempotent<T>(
  manager: EntityManager,
  scope: string,
  key: string,
  request: unknown,
  work: () => Promise<T>,
): Promise<IdempotentResult<T>> {
  const requestHash = sha256(canonicalJson(request));
  const inserted = (await manager.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
    [scope, key, requestHash],
  )) as unknown[];
  if (inserted.length === 0) {
    const [row] = (await manager.query(
      `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    )) as { request_hash: string; response: T }[];
    if (row.request_hash !== requestHash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key ${key} was already used for a different request`,
        [{ field: 'Idempotency-Key', message: 'already used with a different body' }],
      );
    }
    return { replayed: true, result: row.response };
  }
  const result = await work();
  await manager.query(`UPDATE idempotency_keys SET response = $3::jsonb WHERE scope = $1 AND key = $2`, [
    scope,
    key,
    canonicalJson(result ?? null),
  ]);
  return { replayed: false, result };
}
