// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/funding owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `contributions`. */
export interface ContributionRow {
  id: string;
  target_type: 'MUTUAL_AID_FUND' | 'RISK_FUND' | 'SUBSIDY_PROGRAMME';
  target_id: string;
  district_id: string | null;
  source: 'CENTRAL' | 'CITY' | 'DISTRICT' | 'SOE' | 'DONATION' | 'MEMBER';
  amount_fen: string;
  year: number;
  document_ref: string | null;
  received_on: string;
  household_id: string | null;
  fiscal_funded: boolean;
  soe_name: string | null;
  soe_profit_base_fen: string | null;
  entry_id: string;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `funding_matching_rules`. */
export interface FundingMatchingRuleRow {
  year: number;
  ratio: string;
  soe_profit_percent: string;
  document_ref: string | null;
  note: string | null;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}
