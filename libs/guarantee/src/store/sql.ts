import type { EntityManager } from 'typeorm';

/**
 * `UPDATE … RETURNING` through TypeORM's postgres driver answers `[rows, affectedCount]`, unlike SELECT and
 * INSERT; this returns the rows either way.
 */
export async function updateReturning<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = (await manager.query(sql, params)) as unknown;
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return result as T[];
}
