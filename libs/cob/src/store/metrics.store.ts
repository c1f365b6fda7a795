import type { EntityManager } from 'typeorm';
import { queryOne } from '#libs/common';
import { COB_LOCK_KEY } from '../cob.service.js';
import type { CobRunRow } from './rows.generated.js';

export interface CobProgress {
  lastCompleted: string | null;
  latest: { businessDate: string; state: CobRunRow['status'] | 'INTERRUPTED' } | null;
}

/** The close of business' figures for the operations metrics (read in the caller's short read-only transaction). */
export const CobMetricsStore = {
  async progress(m: EntityManager): Promise<CobProgress> {
    const completed = await queryOne<Pick<CobRunRow, 'business_date'>>(
      m,
      `SELECT business_date FROM cob_runs WHERE status = 'COMPLETED' ORDER BY business_date DESC LIMIT 1`,
    );
    // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
    const latest = await queryOne<Pick<CobRunRow, 'business_date' | 'status'> & { locked: boolean }>(
      m,
      `SELECT business_date, status,
              EXISTS (SELECT 1 FROM pg_locks
                       WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1
                         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locked
         FROM cob_runs ORDER BY business_date DESC LIMIT 1`,
      [COB_LOCK_KEY],
    );
    return {
      lastCompleted: completed?.business_date ?? null,
      latest: latest
        ? {
            businessDate: latest.business_date,
            state: latest.status === 'RUNNING' && !latest.locked ? 'INTERRUPTED' : latest.status,
          }
        : null,
    };
  },
};
