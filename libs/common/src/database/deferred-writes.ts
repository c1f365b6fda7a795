import type { EntityManager } from 'typeorm';
import { queryPrepared, sendWithCommit } from './sql.js';

/** A write an owner library hands over to be sent with the transaction's last statement. */
export interface DeferredWrite {
  sql: string;
  params: unknown[];
}

interface Batch {
  depth: number;
  /** The transaction depth the batch was opened at (1: the transaction; more: inside savepoints). */
  txDepth: number;
  writes: DeferredWrite[];
}

/** How deep the manager's transaction is: 1 in a transaction, one more per savepoint (TypeORM's nested transaction). */
function txDepth(manager: EntityManager): number {
  return (manager.queryRunner as unknown as { transactionDepth?: number } | undefined)?.transactionDepth ?? 0;
}

const batches = new WeakMap<EntityManager, Batch>();

/**
 * Appends that nothing later in the transaction reads (an audit row, a loan event) need not cost a round trip each:
 * while a batch is open on the transaction's manager (runIdempotent opens one around its work), `writeOrDefer` keeps
 * them and the batch's end sends them together with the idempotency record's response, as one statement of
 * data-modifying CTEs, still inside the same transaction. Without an open batch the write is sent at once. Each
 * owner library still writes its own table with its own SQL; only the sending is shared.
 *
 * The CTEs of one statement run in no defined order, so one statement never carries two writes to the same table:
 * rows of one table keep the order they were written in (their ids, a loan's event history). A deferred statement
 * must be a single INSERT or UPDATE without a WITH of its own (PostgreSQL allows data-modifying statements in WITH
 * only at the top level) and must not be read back before the batch ends; a store that reads a table written this
 * way calls `flushDeferred` first. Writes deferred by work that throws are dropped with it (its transaction, or its
 * savepoint, is rolled back anyway). Inside a savepoint opened after the batch (a nested `manager.transaction`, e.g.
 * one import row) nothing is deferred and nothing pending is sent: a write there goes out at once, so it is rolled
 * back with its savepoint, and what was deferred outside it cannot be.
 */
export async function writeOrDefer(manager: EntityManager, sql: string, params: unknown[]): Promise<void> {
  const batch = batches.get(manager);
  if (!batch || txDepth(manager) !== batch.txDepth) {
    await manager.query(sql, params);
    return;
  }
  tableOf(sql);
  batch.writes.push({ sql, params });
}

/**
 * Whether a write to `table` is deferred on `manager` and not yet sent: a reader of that table that must send its
 * statement without waiting (a step of `together`) flushes only then (`flushDeferred`).
 */
export function hasDeferred(manager: EntityManager, table: string): boolean {
  const batch = batches.get(manager);
  if (!batch?.writes.length || txDepth(manager) !== batch.txDepth) return false;
  return batch.writes.some((w) => tableOf(w.sql) === table);
}

/**
 * Sends the writes deferred on `manager` now, for a reader of a table written this way: it reads its own
 * transaction's rows as if nothing had been deferred. A no-op without an open batch or pending writes; with `table`,
 * also when none of the pending writes is to that table (a reader of it pays a round trip only when it must).
 */
export async function flushDeferred(manager: EntityManager, table?: string): Promise<void> {
  const batch = batches.get(manager);
  if (!batch?.writes.length || txDepth(manager) !== batch.txDepth) return;
  if (table !== undefined && !hasDeferred(manager, table)) return;
  await send(manager, batch.writes.splice(0));
}

/**
 * Runs `work` with a batch open on `manager`, then sends the deferred writes together with `last` (the statement
 * that ends the work), in one round trip. Nested calls share the outer batch; each sends what is pending at its end.
 */
export async function withDeferredWrites<T>(
  manager: EntityManager,
  work: () => Promise<T>,
  last: (result: T) => DeferredWrite,
): Promise<T> {
  let batch = batches.get(manager);
  if (!batch) batches.set(manager, (batch = { depth: 0, txDepth: txDepth(manager), writes: [] }));
  const earlier = new Set(batch.writes);
  batch.depth++;
  try {
    const result = await work();
    // inside a savepoint the pending writes stay for the batch's own level (see writeOrDefer)
    const pending = txDepth(manager) === batch.txDepth ? batch.writes.splice(0) : [];
    const writes = [...pending, last(result)];
    // the outermost batch of a transaction() needs no answer before COMMIT: its writes leave with it (one round trip
    // fewer), and a failure among them fails the transaction there
    const withCommit = batch.depth === 1 && sendWithCommit(manager, () => sendTogether(manager, writes));
    if (!withCommit) await send(manager, writes);
    return result;
  } catch (e) {
    // what this work deferred goes with it; what was pending before it stays for the outer batch
    const kept = batch.writes.filter((w) => earlier.has(w));
    batch.writes.splice(0, batch.writes.length, ...kept);
    throw e;
  } finally {
    if (--batch.depth === 0) batches.delete(manager);
  }
}

/** Sends writes in order, as few statements as keep each table's writes in order (see writeOrDefer). */
async function send(manager: EntityManager, writes: readonly DeferredWrite[]): Promise<void> {
  for (const group of statementsOf(writes)) {
    const { sql, params } = combine(group);
    // prepared: a request sends the same few combinations again and again (see queryPrepared)
    await queryPrepared(manager, sql, params);
  }
}

/** `send`, every statement started at once, in order (inside sendWithCommit, which sends them without waiting). */
function sendTogether(manager: EntityManager, writes: readonly DeferredWrite[]): Promise<unknown> {
  return Promise.all(
    statementsOf(writes).map((group) => {
      const { sql, params } = combine(group);
      return queryPrepared(manager, sql, params);
    }),
  );
}

/** Consecutive runs of writes to distinct tables: a write to a table already in the run starts the next one. */
export function statementsOf(writes: readonly DeferredWrite[]): DeferredWrite[][] {
  const groups: DeferredWrite[][] = [];
  let tables = new Set<string>();
  for (const w of writes) {
    const table = tableOf(w.sql);
    if (!groups.length || tables.has(table)) {
      groups.push([]);
      tables = new Set();
    }
    groups[groups.length - 1].push(w);
    tables.add(table);
  }
  return groups;
}

function tableOf(sql: string): string {
  const m = /^\s*(?:insert\s+into|update)\s+([\w.]+)/i.exec(sql);
  if (!m) throw new Error(`a deferred write is a single INSERT or UPDATE without a WITH of its own: ${sql.slice(0, 60)}`);
  return m[1].toLowerCase();
}

/**
 * Writes as one statement: every write but the last as a data-modifying CTE, the last as the main statement; each
 * write's $n renumbered after the ones before it.
 */
export function combine(writes: readonly DeferredWrite[]): DeferredWrite {
  if (writes.length === 1) return writes[0];
  const params: unknown[] = [];
  const parts = writes.map((w) => {
    const offset = params.length;
    params.push(...w.params);
    return offset ? w.sql.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`) : w.sql;
  });
  const main = parts.pop()!;
  return { sql: `WITH ${parts.map((p, i) => `w${i} AS (${p})`).join(', ')} ${main}`, params };
}
