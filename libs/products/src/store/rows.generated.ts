// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/products owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `products`. */
export interface ProductRow {
  id: string;
  code: string;
  kind: 'MUTUAL_AID' | 'HOUSEHOLD_MICROCREDIT' | 'ENTITY_LOAN';
  name: string;
  current_version: number;
  active: boolean;
  created_at: Date;
}

/** A row of the table `product_versions`. */
export interface ProductVersionRow {
  id: string;
  product_id: string;
  version: number;
  name: string;
  currency: string;
  min_principal_fen: string;
  max_principal_fen: string;
  first_loan_max_fen: string | null;
  min_term_months: number;
  max_term_months: number;
  method: 'EQUAL_INSTALLMENT' | 'EQUAL_PRINCIPAL' | 'INTEREST_ONLY' | 'BULLET' | 'FLAT';
  frequency: 'MONTHLY' | 'QUARTERLY' | 'AT_MATURITY';
  day_count: 'PERIOD' | 'ACTUAL_360' | 'ACTUAL_365';
  rounding: 'HALF_UP' | 'HALF_EVEN';
  installment_multiple_fen: string;
  rate_source: 'BENCHMARK' | 'FIXED';
  fixed_rate_percent: string | null;
  markup_percent: string;
  penalty_rate_percent: string;
  grace_days: number;
  allowed_purposes: string[];
  eligible_statuses: string[];
  min_age: number | null;
  max_age: number | null;
  subsidy_policy: unknown | null;
  requires_guarantee_fund: boolean;
  requires_group: boolean;
  prepayment_mode: 'SHORTEN_TERM' | 'LOWER_INSTALLMENT';
  waterfall: string[];
  created_by: string;
  created_at: Date;
  penalty_basis: 'ANNUAL_RATE' | 'SURCHARGE_ON_CONTRACT';
  max_per_linked_household_fen: string | null;
  npl_overdue_days: number;
  early_repayment_fee: 'ACCRUED' | 'PERIOD';
}

/** A row of the table `benchmark_rates`. */
export interface BenchmarkRateRow {
  id: string;
  term_min_months: number;
  term_max_months: number;
  rate_percent: string;
  effective_from: string;
  note: string | null;
  created_by: string;
  created_at: Date;
  withdrawn_at: Date | null;
  withdrawn_by: string | null;
  withdrawal_reason: string | null;
}
