import pg from 'pg';

let statements = 0;
let installed = false;

/**
 * Counts every statement node-postgres sends from this process (TypeORM's pool uses the same `pg` module), so a
 * benchmark can print round trips per request beside its rates. Installed once, when DB_QUERY_COUNT is on.
 */
export function countQueries(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return query.apply(this, args);
  };
}

/** Statements sent since the process started (0 unless countQueries was installed). */
export function queriesSent(): number {
  return statements;
}
