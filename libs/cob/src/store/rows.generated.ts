// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/cob owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `cob_runs`. */
export interface CobRunRow {
  business_date: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  attempts: number;
  loans_processed: number;
  batches: number;
  calls_raised: number;
  calls_cleared: number;
  snapshots: number;
  triggered_by: string;
  last_error: string | null;
  started_at: Date;
  finished_at: Date | null;
  covered_processed: number;
}

/** A row of the table `cob_checkpoints`. */
export interface CobCheckpointRow {
  business_date: string;
  step: 'LOANS' | 'COVERED' | 'SNAPSHOTS';
  last_id: string;
  batches: number;
  rows_done: number;
  done: boolean;
  updated_at: Date;
}

/** A row of the table `portfolio_snapshots`. */
export interface PortfolioSnapshotRow {
  fund_id: string;
  business_date: string;
  active_loans: number;
  outstanding_fen: string;
  current_fen: string;
  bucket_1_30_fen: string;
  bucket_31_60_fen: string;
  bucket_61_90_fen: string;
  bucket_90_plus_fen: string;
  overdue_loans: number;
  overdue_principal_fen: string;
  overdue_interest_fen: string;
  penalty_outstanding_fen: string;
  non_performing_loans: number;
  par30_fen: string;
  par30_percent: string | null;
  due_30d_fen: string;
  paid_30d_fen: string;
  repayment_rate_percent: string | null;
  written_off_fen: string;
  open_liability_calls: number;
}
