// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/guarantee owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `banks`. */
export interface BankRow {
  id: string;
  code: string;
  name: string;
  created_at: Date;
}

/** A row of the table `bank_api_keys`. */
export interface BankApiKeyRow {
  id: string;
  bank_id: string;
  public_id: string;
  key_hash: string;
  label: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/** A row of the table `risk_funds`. */
export interface RiskFundRow {
  id: string;
  district_id: string;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimum_fund_fen: string;
  npl_overdue_days: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A row of the table `risk_fund_movements`. */
export interface RiskFundMovementRow {
  id: string;
  risk_fund_id: string;
  kind: 'DEPOSIT' | 'WITHDRAWAL' | 'INTEREST' | 'COMPENSATION' | 'RECOVERY';
  source: 'CENTRAL' | 'CITY' | 'DISTRICT' | 'SOE' | null;
  amount_fen: string;
  business_date: string;
  document_ref: string | null;
  memo: string | null;
  contribution_id: string | null;
  entry_id: string;
  cover_entry_id: string;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `guarantee_agreements`. */
export interface GuaranteeAgreementRow {
  id: string;
  agreement_no: string;
  risk_fund_id: string;
  bank_id: string;
  leverage_multiple: string;
  entity_leverage_multiple: string | null;
  fund_share_percent: string;
  bank_share_percent: string;
  compensation_mode: 'ADVANCE' | 'FINAL_LOSS';
  trigger_days: number;
  npl_threshold_percent: string;
  valid_from: string;
  valid_to: string | null;
  status: 'ACTIVE' | 'TERMINATED';
  terminated_on: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A row of the table `guarantee_covers`. */
export interface GuaranteeCoverRow {
  id: string;
  loan_id: string;
  agreement_id: string;
  risk_fund_id: string;
  bank_id: string;
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  multiple: string;
  reserved_fen: string;
  pending_fen: string;
  outstanding_fen: string;
  cover_pending_fen: string;
  cover_used_fen: string;
  disbursed_fen: string;
  released_fen: string;
  status: 'PENDING' | 'ACTIVE' | 'CLOSED' | 'VOIDED';
  reserved_on: string;
  consumed_on: string | null;
  closed_on: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `guarantee_cover_events`. */
export interface GuaranteeCoverEventRow {
  id: string;
  cover_id: string;
  event: 'RESERVED' | 'CONSUMED' | 'RELEASED' | 'VOIDED';
  amount_fen: string;
  cover_delta_fen: string;
  entry_id: string;
  idempotency_key: string;
  business_date: string;
  actor: string;
  at: Date;
}

/** A row of the table `covered_loan_reports`. */
export interface CoveredLoanReportRow {
  id: string;
  loan_id: string;
  bank_id: string;
  kind: 'REPAYMENT' | 'STATUS';
  as_of: string;
  principal_fen: string;
  interest_fen: string;
  days_overdue: number | null;
  recovery_exhausted: boolean | null;
  cover_entry_id: string | null;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `compensation_claims`. */
export interface CompensationClaimRow {
  id: string;
  claim_no: string;
  loan_id: string;
  agreement_id: string;
  risk_fund_id: string;
  bank_id: string;
  mode: 'ADVANCE' | 'FINAL_LOSS';
  days_overdue: number;
  principal_fen: string;
  interest_fen: string;
  fund_share_percent: string;
  bank_share_percent: string;
  fund_amount_fen: string;
  bank_amount_fen: string;
  status: 'FILED' | 'PAID' | 'REJECTED';
  filed_on: string;
  filed_by: string;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  paid_on: string | null;
  entry_id: string | null;
  cover_entry_id: string | null;
  recovered_fen: string;
  fund_recovered_fen: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A row of the table `compensation_recoveries`. */
export interface CompensationRecoveryRow {
  id: string;
  claim_id: string;
  amount_fen: string;
  fund_part_fen: string;
  bank_part_fen: string;
  recovered_on: string;
  memo: string | null;
  entry_id: string | null;
  cover_entry_id: string | null;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `district_breakers`. */
export interface DistrictBreakerRow {
  district_id: string;
  state: 'NORMAL' | 'SUSPENDED';
  npl_fen: string;
  outstanding_fen: string;
  ratio_percent: string;
  threshold_percent: string;
  changed_at: Date;
  evaluated_at: Date;
}

/** A row of the table `district_breaker_events`. */
export interface DistrictBreakerEventRow {
  id: string;
  district_id: string;
  from_state: 'NORMAL' | 'SUSPENDED';
  to_state: string;
  npl_fen: string;
  outstanding_fen: string;
  ratio_percent: string;
  threshold_percent: string;
  cause: string;
  actor: string;
  at: Date;
}
