// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/funds owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `mutual_aid_funds`. */
export interface MutualAidFundRow {
  id: string;
  village_id: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
  lending_cap_percent: string;
  max_loan_fen: string;
  first_loan_max_fen: string;
  max_term_months: number;
  usage_fee_rate_percent: string;
  group_required: boolean;
  group_min_size: number;
  group_max_size: number;
  public_notice_days: number;
  second_approval_threshold_fen: string;
  share_lock_months: number;
  fee_capital_percent: string;
  fee_risk_reserve_percent: string;
  fee_public_welfare_percent: string;
  fee_administration_percent: string;
  fee_dividend_percent: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `fund_members`. */
export interface FundMemberRow {
  id: string;
  fund_id: string;
  household_id: string;
  joined_on: string;
  status: 'ACTIVE' | 'LEFT';
  paid_share_fen: string;
  fiscal_share_fen: string;
  withdrawn_fen: string;
  left_on: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `share_withdrawals`. */
export interface ShareWithdrawalRow {
  id: string;
  fund_id: string;
  member_id: string;
  household_id: string;
  amount_fen: string;
  withdrawn_on: string;
  reason: string | null;
  entry_id: string;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}
