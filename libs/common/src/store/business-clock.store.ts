import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../database/sql.js';
import type { BusinessClockRow } from './rows.generated.js';

/** The business_clock table (owned by libs/common): at most one row, the date an ADMIN moved the clock to. */
export const BusinessClockStore = {
  async read(manager: EntityManager): Promise<Pick<BusinessClockRow, 'business_date' | 'moved_by' | 'moved_at'> | undefined> {
    return queryOne(manager, `SELECT business_date, moved_by, moved_at FROM business_clock WHERE id`, []);
  },

  /**
   * The stored date and when it was moved, in microseconds since the epoch (the move's transaction time, later for
   * every later move): what a process compares to keep the newest of reads that answer out of order.
   */
  async readVersioned(manager: EntityManager): Promise<{ business_date: string; moved_us: string } | undefined> {
    return queryOne(
      manager,
      `SELECT business_date, (extract(epoch FROM moved_at) * 1000000)::bigint::text AS moved_us FROM business_clock WHERE id`,
      [],
    );
  },

  /** Locks the clock row (or, while there is none, a transaction-scoped advisory lock of the clock). */
  async lock(manager: EntityManager): Promise<void> {
    await queryRows(manager, `SELECT pg_advisory_xact_lock(hashtext('business_clock'))`, []);
  },

  async write(manager: EntityManager, date: string, movedBy: string): Promise<void> {
    await queryRows(
      manager,
      `INSERT INTO business_clock (id, business_date, moved_by, moved_at) VALUES (true, $1, $2, now())
       ON CONFLICT (id) DO UPDATE SET business_date = EXCLUDED.business_date, moved_by = EXCLUDED.moved_by, moved_at = now()`,
      [date, movedBy],
    );
  },
};
