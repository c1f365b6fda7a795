import { createHash } from 'node:crypto';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

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

/**
 * queryPrepared: queryRows as a named prepared statement, for the few statements every write request sends (a ledger
 * posting's, a repayment's): PostgreSQL parses and plans the text once per connection (and may keep a generic plan)
 * instead of at every call, which was a large part of their cost (the posting benchmark went from 0.56 to 0.79 of
 * plain SQL). Opt-in per call site, for statements whose plan does not hinge on their parameters (by-id lookups and
 * writes; not optional filters such as `$2 IS NULL OR …`, where a generic plan can be far worse). The name is a
 * digest of the text, so one name never stands for two texts; a connection keeps at most PREPARED_PER_CONNECTION of
 * them (beyond, the statement goes out unnamed). Only inside a transaction, where the manager holds its connection;
 * elsewhere, and with DB_PREPARE=false (setPreparedStatements), it is queryRows. Its result columns are named, never
 * `*` (columnList): a `*` that grows with a migration's new column fails on every connection that prepared it.
 */
const PREPARED_PER_CONNECTION = 256;
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
const NAMES = new Map<string, string | null>();
const NAMES_MAX = 10_000;
let preparing = true;

/** Whether queryPrepared prepares (on by default; the config's DB_PREPARE). */
export function setPreparedStatements(on: boolean): void {
  preparing = on;
}

/** The prepared statement's name for a text (null: not preparable), remembered per text. */
function statementName(sql: string): string | null {
  let name = NAMES.get(sql);
  if (name === undefined) {
    name = PREPARABLE.test(sql)
      ? `mae_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`
      : null;
    if (NAMES.size >= NAMES_MAX) NAMES.clear();
    NAMES.set(sql, name);
  }
  return name;
}

interface PreparingClient {
  connection?: { parsedStatements?: Record<string, string> };
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

type PreparingRunner = NonNullable<EntityManager['queryRunner']> & {
  connect(): Promise<PreparingClient>;
  databaseConnection?: PreparingClient;
};

/** The rows of `sql` sent as a prepared statement on the transaction's connection; undefined: not sent this way. */
async function preparedRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[] | undefined> {
  if (!preparing) return undefined;
  const runner = manager.queryRunner as PreparingRunner | undefined;
  if (!runner || runner.isReleased || !runner.isTransactionActive) return undefined;
  const name = statementName(sql);
  if (name === null) return undefined;
  const client = runner.databaseConnection ?? (await runner.connect());
  const parsed = client.connection?.parsedStatements;
  if (!parsed || (parsed[name] === undefined && Object.keys(parsed).length >= PREPARED_PER_CONNECTION))
    return undefined;
  try {
    const result = await client.query({ name, text: sql, values: params });
    return result.rows as T[];
  } catch (e) {
    // TypeORM's own failure, as its query() throws it (the driver's code, constraint and detail copied onto it)
    throw new QueryFailedError(sql, params, e as Error);
  }
}

/** A typed row query through the caller's transaction (SELECT, or INSERT/UPDATE/DELETE … RETURNING). */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return rowsOf<T>(await manager.query(sql, params));
}

/**
 * A select list naming every column of a row type, for a statement sent prepared (queryPrepared): a prepared
 * statement whose `*` grows when a migration adds a column fails on every connection that prepared it (PostgreSQL's
 * "cached plan must not change result type") until the connection closes, so the API would refuse those requests
 * until restarted; a named list does not change. A compile error names a column of the row type the list leaves
 * out. `alias` qualifies each column (`l.id`).
 */
export function columnList<R>() {
  return <const C extends readonly (keyof R & string)[]>(
    columns: C &
      ([Exclude<keyof R, C[number]>] extends [never]
        ? unknown
        : { missingColumns: Exclude<keyof R, C[number]> }),
    alias?: string,
  ): string => columns.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');
}

/** queryRows as a named prepared statement on the transaction's connection (see above). */
export async function queryPrepared<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await preparedRows<T>(manager, sql, params)) ?? queryRows<T>(manager, sql, params);
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
