// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/reconciliation owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `recon_runs`. */
export interface ReconRunRow {
  id: string;
  bank_id: string;
  as_of_date: string;
  content_hash: string;
  format: 'CSV' | 'JSONL';
  byte_size: string;
  status: string;
  total_rows: number;
  valid_rows: number;
  malformed_rows: number;
  matched: number;
  amount_diffs: number;
  status_diffs: number;
  only_in_bank: number;
  only_in_engine: number;
  totals: unknown;
  created_by: string;
  created_at: Date;
  completed_at: Date | null;
  duration_ms: number | null;
  first_line_id: string | null;
}

/** A row of the table `recon_lines`. */
export interface ReconLineRow {
  id: string;
  run_id: string;
  line_no: number | null;
  category: 'MATCHED' | 'DIFFERENT' | 'ONLY_IN_BANK' | 'ONLY_IN_ENGINE' | 'MALFORMED';
  amount_differs: boolean;
  status_differs: boolean;
  bank_loan_ref: string | null;
  loan_id: string | null;
  bank_outstanding_fen: string | null;
  engine_outstanding_fen: string | null;
  bank_overdue_principal_fen: string | null;
  engine_overdue_principal_fen: string | null;
  bank_overdue_days: number | null;
  engine_overdue_days: number | null;
  bank_status: string | null;
  engine_status: string | null;
  errors: unknown | null;
  raw: string | null;
}

/** A row of the table `recon_matched_chunks`. */
export interface ReconMatchedChunkRow {
  run_id: string;
  chunk_no: number;
  matched: number;
  lines: string;
}
