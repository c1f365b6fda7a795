// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/repayment owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `repayments`. */
export interface RepaymentRow {
  id: string;
  loan_id: string;
  fund_id: string;
  kind: 'REPAYMENT' | 'RECOVERY';
  amount_fen: string;
  value_date: string;
  channel: 'CASH' | 'BANK_TRANSFER' | 'MOBILE_PAYMENT' | 'PAYROLL_DEDUCTION' | 'GROUP_LIABILITY';
  reference: string | null;
  payer_household_id: string | null;
  principal_fen: string;
  interest_fen: string;
  penalty_fen: string;
  recovery_fen: string;
  prepaid_principal_fen: string;
  payoff: boolean;
  backdated: boolean;
  entry_id: string;
  idempotency_key: string;
  status: 'POSTED' | 'REVERSED';
  reversed_on: string | null;
  reversed_by: string | null;
  reversal_reason: string | null;
  reversal_entry_id: string | null;
  created_by: string;
  created_at: Date;
}

/** A row of the table `repayment_allocations`. */
export interface RepaymentAllocationRow {
  id: string;
  repayment_id: string;
  loan_id: string;
  installment_number: number;
  component: 'PRINCIPAL' | 'INTEREST' | 'PENALTY';
  amount_fen: string;
  adjustment_id: string | null;
}

/** A row of the table `repayment_adjustments`. */
export interface RepaymentAdjustmentRow {
  id: string;
  loan_id: string;
  cause: 'BACKDATED_REPAYMENT' | 'REVERSAL';
  cause_repayment_id: string;
  entry_id: string | null;
  business_date: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `write_offs`. */
export interface WriteOffRow {
  id: string;
  loan_id: string;
  fund_id: string;
  written_off_on: string;
  days_overdue: number;
  principal_fen: string;
  interest_fen: string;
  penalty_fen: string;
  recovered_fen: string;
  reason: string;
  entry_id: string;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `fee_distributions`. */
export interface FeeDistributionRow {
  id: string;
  fund_id: string;
  year: number;
  fee_income_fen: string;
  penalty_income_fen: string;
  recovery_income_fen: string;
  distributable_fen: string;
  capital_fen: string;
  risk_reserve_fen: string;
  public_welfare_fen: string;
  administration_fen: string;
  dividends_fen: string;
  write_off_charged_fen: string;
  percentages: unknown;
  entry_id: string | null;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `group_liability_calls`. */
export interface GroupLiabilityCallRow {
  id: string;
  loan_id: string;
  group_id: string;
  raised_on: string;
  amount_due_fen: string;
  status: 'OPEN' | 'CLEARED';
  cleared_on: string | null;
  created_at: Date;
}

/** A row of the table `group_liability_call_members`. */
export interface GroupLiabilityCallMemberRow {
  call_id: string;
  household_id: string;
}

/** A row of the view `installment_payment_facts`. */
export interface InstallmentPaymentFactRow {
  loan_id: string | null;
  number: number | null;
  due_date: string | null;
  grace_days: number | null;
  last_on_time_date: string | null;
  principal_fen: string | null;
  interest_fen: string | null;
  paid_principal_fen: string | null;
  paid_interest_fen: string | null;
  penalty_fen: string | null;
  status: string | null;
  paid_on: string | null;
  interest_paid_on: string | null;
  overdue_since: string | null;
  paid_on_time: boolean | null;
  interest_paid_on_time: boolean | null;
}
