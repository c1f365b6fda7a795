// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/subsidy owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `subsidy_programmes`. */
export interface SubsidyProgrammeRow {
  id: string;
  code: string;
  name: string;
  district_id: string | null;
  settlement_mode: 'PAY_BANK' | 'REIMBURSE_BORROWER';
  period_end_months: number[];
  period_end_day: number;
  grace_days: number;
  status: 'ACTIVE' | 'CLOSED';
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A row of the table `subsidy_budgets`. */
export interface SubsidyBudgetRow {
  programme_id: string;
  year: number;
  budget_fen: string;
  committed_fen: string;
  updated_at: Date;
}

/** A row of the table `subsidy_budget_changes`. */
export interface SubsidyBudgetChangeRow {
  id: string;
  programme_id: string;
  year: number;
  previous_fen: string;
  budget_fen: string;
  document_ref: string | null;
  reason: string;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `subsidy_loan_terms`. */
export interface SubsidyLoanTermRow {
  loan_id: string;
  programme_id: string;
  product_version_id: string;
  policy: unknown;
  subsidy_rate_percent: string;
  basis_cap_fen: string;
  benchmark_rate_percent: string | null;
  linked_poor_count: number | null;
  frozen_at: Date;
}

/** A row of the table `subsidy_claims`. */
export interface SubsidyClaimRow {
  id: string;
  claim_no: string;
  programme_id: string;
  period_start: string;
  period_end: string;
  budget_year: number;
  settlement_mode: 'PAY_BANK' | 'REIMBURSE_BORROWER';
  payee_type: 'BANK' | 'FUND';
  bank_id: string | null;
  fund_id: string | null;
  kind: 'ORIGINAL' | 'ADJUSTMENT' | 'REMAINDER';
  version: number;
  status: 'DRAFT' | 'SUPERSEDED' | 'QUEUED' | 'APPROVED' | 'PAID';
  parent_claim_id: string | null;
  superseded_by: string | null;
  remainder_claim_id: string | null;
  queue_rank: string | null;
  content_hash: string;
  line_count: number;
  interest_fen: string;
  forfeited_fen: string;
  total_fen: string;
  approved_fen: string | null;
  pending_count: number;
  as_of: string;
  generated_by: string;
  generated_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  approval_entry_id: string | null;
  paid_on: string | null;
  payment_ref: string | null;
  paid_by: string | null;
  payment_entry_id: string | null;
  updated_at: Date;
}

/** A row of the table `subsidy_claim_lines`. */
export interface SubsidyClaimLineRow {
  id: string;
  claim_id: string;
  line_no: number;
  loan_id: string;
  installment_number: number;
  period_start: string;
  due_date: string;
  days: number;
  policy_type: 'FULL_BENCHMARK' | 'FIXED_RATE' | 'CAPPED';
  subsidy_rate_percent: string;
  balance_fen: string;
  basis_fen: string;
  year_share: string;
  interest_fen: string;
  original_interest_fen: string;
  interest_paid_fen: string;
  interest_paid_on: string | null;
  computed_fen: string;
  outcome: 'EARNED' | 'FORFEITED';
  forfeit_reason: 'LATE_PAYMENT' | 'UNPAID' | 'LOAN_MISUSE' | 'LOAN_FRAUD' | 'WRITTEN_OFF' | null;
  earned_fen: string;
  forfeited_fen: string;
  claimed_before_fen: string;
  subsidy_fen: string;
  source_line_id: string | null;
}
