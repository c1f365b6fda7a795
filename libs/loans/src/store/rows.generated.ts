// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/loans owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `loans`. */
export interface LoanRow {
  id: string;
  loan_no: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  product_version_id: string;
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  household_id: string | null;
  entity_id: string | null;
  district_id: string;
  village_id: string | null;
  fund_id: string | null;
  group_id: string | null;
  bank_id: string | null;
  agreement_id: string | null;
  bank_loan_ref: string | null;
  principal_fen: string;
  term_months: number;
  annual_rate_percent: string | null;
  benchmark_rate_percent: string | null;
  purpose: string;
  method: string;
  frequency: string;
  day_count: string;
  rounding: string;
  installment_multiple_fen: string;
  status:
    | 'DRAFT'
    | 'SUBMITTED'
    | 'GROUP_ENDORSED'
    | 'APPROVED'
    | 'IN_PUBLIC_NOTICE'
    | 'DISBURSED'
    | 'CLOSED'
    | 'WRITTEN_OFF'
    | 'REJECTED'
    | 'CANCELLED';
  priority: number;
  application_date: string | null;
  contract_date: string | null;
  disbursement_date: string | null;
  maturity_date: string | null;
  notice_ends_on: string | null;
  outstanding_principal_fen: string;
  days_overdue: number;
  arrears_bucket: string;
  non_performing: boolean;
  flags: string[];
  created_by: string;
  approved_by: string | null;
  second_approved_by: string | null;
  closed_on: string | null;
  status_reason: string | null;
  disbursement_entry_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  endorsed_by: string | null;
  endorsed_at: Date | null;
  endorsement_note: string | null;
  approved_at: Date | null;
  second_approved_at: Date | null;
  approved_on: string | null;
  notice_started_on: string | null;
  penalty_rate_percent: string | null;
  aged_as_of: string | null;
  status_reported_on: string | null;
  status_reported_days: number | null;
}

/** A row of the table `loan_installments`. */
export interface LoanInstallmentRow {
  id: string;
  loan_id: string;
  number: number;
  due_date: string;
  period_start: string;
  days: number;
  principal_fen: string;
  interest_fen: string;
  penalty_fen: string;
  paid_principal_fen: string;
  paid_interest_fen: string;
  paid_penalty_fen: string;
  status: 'OPEN' | 'OVERDUE' | 'PAID' | 'WRITTEN_OFF';
  overdue_since: string | null;
  paid_on: string | null;
  penalty_fen_days: string;
  accrued_through: string | null;
  original_interest_fen: string | null;
  interest_paid_on: string | null;
}

/** A row of the table `loan_events`. */
export interface LoanEventRow {
  id: string;
  loan_id: string;
  event: string;
  from_status: string | null;
  to_status: string | null;
  actor: string;
  reason: string | null;
  data: unknown | null;
  at: Date;
}
