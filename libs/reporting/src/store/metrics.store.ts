import type { EntityManager } from 'typeorm';
import { queryOne } from '#libs/common';
import type { ReportSnapshotRow } from './rows.generated.js';

/** The reports' figure for the operations metrics (read in the caller's short read-only transaction). */
export const ReportMetricsStore = {
  /** The latest month with a monthly report snapshot, or null. */
  async latestMonth(m: EntityManager): Promise<string | null> {
    const latest = await queryOne<Pick<ReportSnapshotRow, 'period'>>(
      m,
      `SELECT period FROM report_snapshots WHERE kind = 'MONTHLY' ORDER BY period DESC, version DESC LIMIT 1`,
    );
    return latest?.period ?? null;
  },
};
