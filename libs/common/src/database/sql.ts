import type { DataSource, EntityManager } from 'typeorm';

/**
 * The rows of a query's result. TypeORM's Postgres driver answers UPDATE and DELETE (even with RETURNING) as
 * `[rows, affectedCount]` and every other statement as `rows`; rows are objects, never arrays, so the two shapes
 * cannot be confused.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** A typed row query through the caller's transaction (SELECT, or INSERT/UPDATE/DELETE … RETURNING). */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return rowsOf<T>(await manager.query(sql, params));
}

export async function queryOne<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  const rows = await queryRows<T>(manager, sql, params);
  return rows[0];
}

/** Postgres unique_violation: a concurrent insert won the race. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as {
    code?: string;
    driverError?: { code?: string; constraint?: string };
    constraint?: string;
  };
  const code = e?.code ?? e?.driverError?.code;
  if (code !== '23505') return false;
  return !constraint || (e.constraint ?? e.driverError?.constraint) === constraint;
}

/** Postgres serialization_failure / deadlock_detected: safe to retry the whole transaction. */
export function isRetryableTxError(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.code ?? e?.driverError?.code;
  return code === '40001' || code === '40P01';
}

/**
 * A short read-only transaction whose statements PostgreSQL itself stops after `timeoutMs` (operations reads:
 * metrics, health). The stores' reads run inside it.
 */
export function readOnlyTransaction<T>(
  dataSource: DataSource,
  timeoutMs: number,
  work: (m: EntityManager) => Promise<T>,
): Promise<T> {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`not a timeout: ${timeoutMs}`);
  return dataSource.transaction(async (m) => {
    await m.query(`SET TRANSACTION READ ONLY`);
    await m.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
    return work(m);
  });
}
