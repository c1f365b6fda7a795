import { AsyncLocalStorage } from 'node:async_hooks';
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
  /** node-postgres's pipelining (DB_PIPELINE): statements sent without waiting for the ones before */
  pipeline?: boolean;
  connection?: { parsedStatements?: Record<string, string>; stream?: { cork?(): void; uncork?(): void } };
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

type PreparingRunner = NonNullable<EntityManager['queryRunner']> & { databaseConnection?: PreparingClient };

/** The connection of the manager's open transaction (the one its statements go out on); undefined outside one. */
function transactionClient(manager: EntityManager): PreparingClient | undefined {
  const runner = manager.queryRunner as PreparingRunner | undefined;
  if (!runner || runner.isReleased || !runner.isTransactionActive) return undefined;
  return runner.databaseConnection;
}

/** The batch (see `together`) whose steps are being called now, on its connection; null between batches. */
let sending: { client: PreparingClient } | null = null;
/**
 * The step of a batch whose code is running (its own async context, carried across its awaits): whether it may send
 * after the batch has gone out (only a last step, of a last step when nested) and on which connection.
 */
const stepOf = new AsyncLocalStorage<{ client: PreparingClient; last: boolean }>();
/** Per connection, the batches sent whose steps have not all finished: no other code may send on it meanwhile. */
const pending = new WeakMap<PreparingClient, number>();

/** Sends `sql` on `client` at once (named when `name` is given), the failure as TypeORM's QueryFailedError. */
function send<T>(client: PreparingClient, sql: string, params: unknown[], name: string | null): Promise<T[]> {
  if (sending?.client !== client) {
    const step = stepOf.getStore();
    const late = step?.client === client ? !step.last : (pending.get(client) ?? 0) > 0;
    if (late)
      throw new Error(
        `a statement sent after its batch went out, ahead of nothing it should follow (a step of together() that ` +
          `sends late, or other work on the batch's connection): ${sql.slice(0, 60)}`,
      );
  }
  return client
    .query(name === null ? { text: sql, values: params } : { name, text: sql, values: params })
    .then(
      (result) => result.rows as T[],
      // TypeORM's own failure, as its query() throws it (the driver's code, constraint and detail copied onto it)
      (e: unknown) => {
        throw new QueryFailedError(sql, params, e as Error);
      },
    );
}

/** Whether a statement on `client` goes out directly (in a batch, or where `send` must judge it). */
const judged = (client: PreparingClient): boolean =>
  sending?.client === client || stepOf.getStore()?.client === client || (pending.get(client) ?? 0) > 0;

/**
 * The rows of `sql` sent as a prepared statement on the transaction's connection (inside a batch of `together`,
 * unnamed when it cannot be prepared); undefined: not sent this way. Sends before it returns: no await comes first.
 */
function preparedRows<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> | undefined {
  const client = transactionClient(manager);
  if (!client) return undefined;
  const inBatch = judged(client);
  const name = preparing ? statementName(sql) : null;
  const parsed = client.connection?.parsedStatements;
  const named =
    name !== null &&
    parsed !== undefined &&
    (parsed[name] !== undefined || Object.keys(parsed).length < PREPARED_PER_CONNECTION);
  if (!named && !inBatch) return undefined;
  return send<T>(client, sql, params, named ? name : null);
}

/** A typed row query through the caller's transaction (SELECT, or INSERT/UPDATE/DELETE … RETURNING). */
export function queryRows<T>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = transactionClient(manager);
  if (client && judged(client)) return send<T>(client, sql, params, null);
  return manager.query(sql, params).then((result) => rowsOf<T>(result));
}

/**
 * Statements of several steps in one round trip: each step starts its statements on the transaction's connection
 * (through queryRows, queryOne or queryPrepared) without waiting for the ones before, and they leave in one write;
 * PostgreSQL runs them in the order the steps come, each seeing what the ones before it wrote, and answers them
 * together (node-postgres's pipelining, on for the pool: see buildDataSourceOptions). For statements whose texts and
 * parameters do not need an earlier one's answer: the locks a write takes in its fixed order, then its reads; the
 * writes of one row set after another.
 *
 * A step sends its statements before it returns, or none: its first statement may not wait for anything (an await
 * before it would send it after the next step's). The last step alone may send more after an await (a journal
 * entry's retry): that goes out after every statement of the batch. A statement a step before the last sends after
 * an await (each step runs in its own async context, so its statements are known as its), or that other work sends
 * on the connection before the batch's steps have finished, is refused with an error: a late step fails instead of
 * running out of order. When one statement fails, the transaction is aborted, the ones after it fail too, and the
 * first failure is thrown. Outside a transaction, and with pipelining off, the steps run one after the other.
 */
export async function together<const T extends readonly unknown[]>(
  manager: EntityManager,
  steps: { readonly [K in keyof T]: () => Promise<T[K]> },
): Promise<{ -readonly [K in keyof T]: T[K] }> {
  type Results = { -readonly [K in keyof T]: T[K] };
  const client = transactionClient(manager);
  if (!client) {
    const results: unknown[] = [];
    for (const step of steps) results.push(await step());
    return results as Results;
  }
  // without pipelining the driver would queue each statement behind the unanswered one (deprecated in node-postgres):
  // one step after the other instead, which is what reaches PostgreSQL either way; each step's statements still go
  // straight to the connection, as a step's do
  if (!client.pipeline) {
    const results: unknown[] = [];
    for (const step of steps) results.push(await stepOf.run({ client, last: true }, step));
    return results as Results;
  }
  const outer = sending;
  // nested in a step of a batch on this connection: its steps are last only if that step is
  const parent = stepOf.getStore();
  const parentLast = parent?.client === client ? parent.last : true;
  const stream = client.connection?.stream;
  const started: Promise<unknown>[] = [];
  sending = { client };
  stream?.cork?.();
  try {
    steps.forEach((step, i) => {
      started.push(stepOf.run({ client, last: parentLast && i === steps.length - 1 }, step));
    });
  } catch (e) {
    for (const p of started) p.catch(() => undefined);
    throw e;
  } finally {
    sending = outer;
    stream?.uncork?.();
  }
  pending.set(client, (pending.get(client) ?? 0) + 1);
  try {
    return (await Promise.all(started)) as Results;
  } finally {
    // every step has finished (or failed) before the caller goes on
    await Promise.allSettled(started);
    const n = pending.get(client)! - 1;
    if (n) pending.set(client, n);
    else pending.delete(client);
  }
}

/**
 * Per manager of a `transaction()` with pipelining: the socket the COMMIT goes out on, and the statements the work
 * left to be answered with it (sendWithCommit).
 */
interface CommitTail {
  stream?: { cork?(): void; uncork?(): void };
  sent: Promise<unknown>[];
  /** statements to start once the work has finished, right before COMMIT (sendAtCommit) */
  atCommit: (() => Promise<unknown>)[];
  /** corks taken by sendWithCommit and not yet released */
  corked: number;
}
const commitTails = new WeakMap<EntityManager, CommitTail>();

/** Flushes what sendWithCommit held back (at once when COMMIT is queued; at the latest once the current I/O has run). */
function release(tail: CommitTail): void {
  for (; tail.corked > 0; tail.corked--) tail.stream?.uncork?.();
}

/**
 * Sends the statements `statements` starts (before it returns, as a step of `together` does) to be answered together
 * with the transaction's COMMIT, for a work's last statements whose answers nothing in the work needs (the writes
 * runIdempotent sends with the stored response): they and COMMIT leave in one write, and `transaction()` waits for
 * all their answers before it returns. A failure among them aborts the transaction, its COMMIT then ends it as a
 * rollback, and `transaction()` throws that failure (also when the work, going on, failed with it). `statements`
 * sends each of its statements before it returns (no await before one). What the work sends after them goes out
 * behind them and sees what they wrote. False, having sent nothing, when the manager's transaction cannot take them
 * (not opened by `transaction()`, pipelining off, or inside a savepoint): the caller then sends and awaits them.
 */
export function sendWithCommit(manager: EntityManager, statements: () => Promise<unknown>): boolean {
  const tail = commitTails.get(manager);
  const client = transactionClient(manager);
  if (!tail || !canSendWithCommit(manager) || !client) return false;
  // held until COMMIT is queued behind them (the work returns within the current microtasks); flushed then, so the
  // transaction's locks are not held while other requests' I/O is handled, or at the latest once that I/O has run
  if (tail.stream) {
    tail.stream.cork?.();
    tail.corked++;
    setImmediate(() => release(tail));
  }
  tail.sent.push(start(client, statements));
  return true;
}

/**
 * Starts `statements` on `client` at once, in order, as a batch's statements are (queryRows, queryOne, queryPrepared);
 * not a batch waiting for its steps, so what the work may still send goes out behind them. The promise is awaited by
 * transaction() (a failure is thrown there, not left unhandled).
 */
function start(client: PreparingClient, statements: () => Promise<unknown>): Promise<unknown> {
  let sent: Promise<unknown>;
  const outer = sending;
  sending = { client };
  try {
    sent = statements();
  } catch (e) {
    sent = Promise.reject(e);
  } finally {
    sending = outer;
  }
  sent.catch(() => undefined);
  return sent;
}

/**
 * `sendWithCommit` for statements that should be the transaction's very last: `statements` is started once the work
 * has finished, after everything it sent (sendWithCommit's statements too), right before COMMIT and in the same write.
 * For a statement whose locks should be held as briefly as can be (a hot account's posting: LedgerService's
 * postingAtCommit). Nothing is sent when the work fails. False, as sendWithCommit, when the transaction cannot take it.
 */
export function sendAtCommit(manager: EntityManager, statements: () => Promise<unknown>): boolean {
  const tail = commitTails.get(manager);
  if (!tail || !canSendWithCommit(manager)) return false;
  tail.atCommit.push(statements);
  return true;
}

/** Whether sendWithCommit would take statements now (a `transaction()` with pipelining, outside a savepoint). */
export function canSendWithCommit(manager: EntityManager): boolean {
  const depth = (manager.queryRunner as { transactionDepth?: number } | undefined)?.transactionDepth;
  return commitTails.has(manager) && depth === 1 && transactionClient(manager) !== undefined;
}

/**
 * `dataSource.transaction(work)` whose BEGIN leaves in the same write as the work's first statements instead of taking
 * a round trip of its own: the connection's socket is held (corked) from BEGIN until the work's synchronous start and
 * the statements it sends without waiting (a `together` batch) have been handed to it, then flushed at once. The
 * driver answers in order, so every statement runs after BEGIN, inside the transaction; the work sees BEGIN's answer
 * before any of its own. A failure of BEGIN or of the work rolls back, as `dataSource.transaction` does; the commit
 * and the rollback are TypeORM's own, except when the work left statements to be answered with COMMIT
 * (sendWithCommit): then COMMIT goes out behind them in the same write. With pipelining off (DB_PIPELINE=false)
 * BEGIN is answered before the work starts, and COMMIT is sent alone, as with dataSource.transaction.
 */
export async function transaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner() as unknown as {
    connect(): Promise<unknown>;
    release(): Promise<void>;
    commitTransaction(): Promise<void>;
    rollbackTransaction(): Promise<void>;
    manager: EntityManager;
    isTransactionActive: boolean;
    transactionDepth: number;
  };
  try {
    const client = (await runner.connect()) as PreparingClient & { pipeline?: boolean };
    // without pipelining the driver holds each statement until the one before is answered: nothing to put together
    const stream = client.pipeline ? client.connection?.stream : undefined;
    stream?.cork?.();
    // flushed once the work's first statements are queued behind BEGIN (after the current microtasks)
    if (stream) setImmediate(() => stream.uncork?.());
    const isolation = (dataSource.options as { isolationLevel?: string }).isolationLevel;
    const begun = Promise.all([
      client.query({ text: 'START TRANSACTION', values: [] }),
      isolation ? client.query({ text: `SET TRANSACTION ISOLATION LEVEL ${isolation}`, values: [] }) : null,
    ]);
    // the runner's own bookkeeping, as its startTransaction leaves it (its commit and rollback read it)
    runner.isTransactionActive = true;
    runner.transactionDepth = 1;
    // without pipelining, queueing statements behind an unanswered one is deprecated in node-postgres: BEGIN's answer
    // first, as dataSource.transaction does (with pipelining, a BEGIN that fails fails with its connection, and the
    // statements behind it with it)
    if (!client.pipeline) await begun;
    // what the work leaves to be answered with COMMIT (sendWithCommit): only with pipelining
    const tail: CommitTail | undefined = client.pipeline ? { stream, sent: [], atCommit: [], corked: 0 } : undefined;
    if (tail) commitTails.set(runner.manager, tail);
    // the work's statements go out behind BEGIN whatever it does (the driver sends and answers in order); a work that
    // throws before its first await fails like one that rejects
    const working = Promise.resolve().then(() => work(runner.manager));
    try {
      const [, result] = await Promise.all([begun, working]);
      if (!tail?.sent.length && !tail?.atCommit.length) {
        await runner.commitTransaction();
        return result;
      }
      if (tail.atCommit.length) {
        // held with what the work left (sendWithCommit) until COMMIT is queued behind them
        tail.stream?.cork?.();
        tail.corked++;
        for (const statements of tail.atCommit.splice(0)) tail.sent.push(start(client, statements));
      }
      // COMMIT behind the work's last statements, in the same write (the socket is still held: sendWithCommit);
      // PostgreSQL answers a COMMIT of a transaction a failed statement aborted with ROLLBACK
      const committing = client.query({ text: 'COMMIT', values: [] }) as Promise<{ command?: string }>;
      release(tail);
      const settled = await Promise.allSettled([...tail.sent, committing]);
      runner.isTransactionActive = false;
      runner.transactionDepth = 0;
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      const { command } = (settled[settled.length - 1] as PromiseFulfilledResult<{ command?: string }>).value;
      if (command !== 'COMMIT') throw new Error(`the transaction ended with ${command} instead of COMMIT`);
      return result;
    } catch (e) {
      // nothing of the transaction is still running when it is rolled back (as dataSource.transaction: after a
      // failed commit too); one that ended with its COMMIT is not rolled back again
      const tails = await Promise.allSettled([begun, working, ...(tail?.sent ?? [])]);
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      // a statement sent with COMMIT that failed is the cause of what failed after it (the transaction was aborted)
      const cause = tails.slice(2).find((t) => t.status === 'rejected');
      throw cause ? (cause as PromiseRejectedResult).reason : e;
    } finally {
      commitTails.delete(runner.manager);
    }
  } finally {
    await runner.release();
  }
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
export function queryPrepared<T>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return preparedRows<T>(manager, sql, params) ?? queryRows<T>(manager, sql, params);
}

export function queryOne<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  return queryRows<T>(manager, sql, params).then((rows) => rows[0]);
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
