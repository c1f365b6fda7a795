import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../errors/domain-error.js';
import { RequestContext } from '../request-context.js';
import { IdempotencyStore } from '../store/idempotency.store.js';
import { withDeferredWrites } from '../database/deferred-writes.js';
import { together } from '../database/sql.js';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Reads the Idempotency-Key header of a money-moving POST. Missing or malformed keys are refused before any
 * work is done.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
  const key = req.headers['idempotency-key'];
  if (!key) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REQUIRED',
      'This operation moves money and needs an Idempotency-Key header',
      [{ field: 'Idempotency-Key', message: 'header is required' }],
    );
  }
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'Idempotency-Key must be 8-128 characters of [A-Za-z0-9._:-]',
      [{ field: 'Idempotency-Key', message: 'must be 8-128 characters of [A-Za-z0-9._:-]' }],
    );
  }
  return key;
});

/** Stable JSON (sorted keys, bigint as string) so the same request always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

/**
 * JSON text for a jsonb column: bigints as their digits, keys in the order they come (jsonb keeps an order of its own,
 * so sorting them, as canonicalJson does for a hash, is work for nothing).
 */
export function jsonbText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface IdempotentResult<T> {
  replayed: boolean;
  result: T;
}

/**
 * Who a key belongs to: the signed-in user, the bank API key, or the system (a job). Keys are scoped per caller and
 * operation, as payment APIs scope them: the same key sent by another caller is simply another key.
 */
export function callerOf(actor = RequestContext.actor()): string {
  if (!actor || actor.via === 'system') return 'system';
  if (actor.via === 'api-key') return actor.username;
  return actor.userId === null ? `user:${actor.username}` : `user:${actor.userId}`;
}

/**
 * A key derived from a request's Idempotency-Key for a row or a journal entry (`contribution:<callerKey>`): the
 * caller is part of it, as it is of the idempotency record, so another caller's identical key never meets it.
 */
export function callerKey(idempotencyKey: string): string {
  return `${callerOf()}:${idempotencyKey}`;
}

/**
 * Runs `work` at most once per (caller, scope, key) inside the caller's transaction. The key row is inserted in the same
 * transaction as the business change: a concurrent request with the same key blocks on the unique index until
 * the first commits, then reads its stored response (or proceeds, if the first rolled back). The same key with a
 * different body is a 409.
 *
 * `alongside` (optional) is a step of `together` sent right behind the claim, in the same round trip: the locks and
 * reads the work starts with, which do not depend on the claim's answer. Its answer is passed to `work`; on a replay
 * it is dropped (the locks it took end with the transaction).
 */
export async function runIdempotent<T, P = undefined>(
  manager: EntityManager,
  scope: string,
  key: string,
  request: unknown,
  work: (alongside: P) => Promise<T>,
  alongside?: () => Promise<P>,
): Promise<IdempotentResult<T>> {
  const requestHash = sha256(canonicalJson(request));
  scope = `${scope}@${callerOf()}`;
  const claim = () => IdempotencyStore.claim(manager, scope, key, requestHash);
  const [claimed, pre] = alongside
    ? await together(manager, [claim, alongside])
    : [await claim(), undefined as P];
  if (!claimed) {
    const row = (await IdempotencyStore.find(manager, scope, key))!;
    if (row.request_hash !== requestHash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key ${key} was already used for a different request`,
        [{ field: 'Idempotency-Key', message: 'already used with a different body' }],
      );
    }
    noteIdempotentReplay(key);
    return { replayed: true, result: row.response as T };
  }
  // The appends the work defers (audit, events) go out with the stored response, in the same statement.
  const result = await withDeferredWrites(
    manager,
    () => work(pre),
    (r) => IdempotencyStore.responseWrite(scope, key, jsonbText(r ?? null)),
  );
  return { replayed: false, result };
}

/**
 * Records that the current request answers with a stored response. `key` is the idempotency key that replayed:
 * the response gets `Idempotent-Replayed: true` (IdempotentReplayInterceptor) when it is the request's own
 * Idempotency-Key header (a bulk request's per-row keys do not mark the whole response). Without a key (a replay
 * found another way, e.g. the same statement file uploaded again) the response is marked unconditionally.
 */
export function noteIdempotentReplay(key?: string): void {
  const store = RequestContext.get();
  if (!store) return;
  if (key === undefined) store.replayed = true;
  else (store.replayedKeys ??= new Set()).add(key);
}
