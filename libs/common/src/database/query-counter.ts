import pg from 'pg';
import { RequestContext } from '../request-context.js';

let statements = 0;
let roundTrips = 0;
let installed = false;
/** Per connection, its statements sent and not yet answered. */
const unanswered = new WeakMap<object, number>();

/**
 * Counts the statements node-postgres sends from this process (TypeORM's pool uses the same `pg` module) while
 * serving a request or running a job (a RequestContext is bound), and the round trips among them: a statement handed
 * to a connection none of whose statements is unanswered starts one (the others ride along, pipelined: `together`,
 * `transaction`), so a benchmark can print both per request beside its rates; background timers (metrics gauges,
 * heartbeats) are not counted. Installed once, when DB_QUERY_COUNT is on.
 */
export function countQueries(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: object, ...args: unknown[]) {
    if (RequestContext.get()) {
      statements++;
      if (!unanswered.get(this)) roundTrips++;
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) {
      unanswered.set(this, (unanswered.get(this) ?? 0) + 1);
      const answered = () => unanswered.set(this, unanswered.get(this)! - 1);
      result.then(answered, answered);
    }
    return result;
  };
}

/** Statements sent since the process started (0 unless countQueries was installed). */
export function queriesSent(): number {
  return statements;
}

/** Round trips those statements took (0 unless countQueries was installed). */
export function roundTripsTaken(): number {
  return roundTrips;
}
