import pg from 'pg';
import { RequestContext } from '../request-context.js';

let statements = 0;
let installed = false;

/**
 * Counts the statements node-postgres sends from this process (TypeORM's pool uses the same `pg` module) while
 * serving a request or running a job (a RequestContext is bound), so a benchmark can print round trips per request
 * beside its rates; background timers (metrics gauges, heartbeats) are not counted. Installed once, when
 * DB_QUERY_COUNT is on.
 */
export function countQueries(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (RequestContext.get()) statements++;
    return query.apply(this, args);
  };
}

/** Statements sent since the process started (0 unless countQueries was installed). */
export function queriesSent(): number {
  return statements;
}
