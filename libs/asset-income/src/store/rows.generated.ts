// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/asset-income owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `aip_alerts`. */
export interface AipAlertRow {
  id: string;
  project_id: string;
  year: number;
  kind: 'NEAR_THRESHOLD' | 'LIQUIDATION_REQUIRED';
  net_assets_fen: string;
  threshold_fen: string;
  margin_fen: string;
  created_at: Date;
}

/** A row of the table `aip_annual_results`. */
export interface AipAnnualResultRow {
  id: string;
  project_id: string;
  year: number;
  revenue_fen: string;
  net_profit_fen: string;
  net_assets_fen: string;
  reported_on: string;
  version: number;
  source: 'MANUAL' | 'CSV';
  entered_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `aip_capital_classes`. */
export interface AipCapitalClassRow {
  project_id: string;
  kind: 'COLLECTIVE_ASSETS' | 'FARMER_ASSETS' | 'PRIVATE_CAPITAL';
  capital_fen: string;
  description: string | null;
}

/** A row of the table `aip_distribution_lines`. */
export interface AipDistributionLineRow {
  id: string;
  run_id: string;
  holder_type: 'COLLECTIVE' | 'HOUSEHOLD' | 'CLASS';
  class_kind:
    'SPECIAL_COLLECTIVE' | 'SPECIAL_HOUSEHOLDS' | 'COLLECTIVE_ASSETS' | 'FARMER_ASSETS' | 'PRIVATE_CAPITAL';
  household_id: string | null;
  right_id: string | null;
  basis_fen: string;
  member_count: number | null;
  pro_rata_fen: string;
  floor_fen: string;
  entitled_fen: string;
  paid_fen: string;
}

/** A row of the table `aip_distribution_runs`. */
export interface AipDistributionRunRow {
  id: string;
  project_id: string;
  year: number;
  status: 'PREPARED' | 'APPROVED' | 'PAID' | 'CANCELLED';
  record_date: string;
  result_version: number;
  net_profit_fen: string;
  distributable_fen: string;
  floor_rate_percent: string;
  payout_percent: string;
  special_pro_rata_fen: string;
  floor_shortfall_fen: string;
  borne_by_others_fen: string;
  top_up_available_fen: string;
  operator_top_up_fen: string;
  operator_owes_fen: string;
  entitled_fen: string;
  paid_now_fen: string;
  households_benefited: number;
  people_benefited: number;
  prepared_by: string;
  prepared_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  paid_by: string | null;
  paid_at: Date | null;
  paid_on: string | null;
  entry_id: string | null;
  floor_recipients: 'POOR_HOUSEHOLDS' | 'ALL_SHARES';
}

/** A row of the table `aip_liquidation_lines`. */
export interface AipLiquidationLineRow {
  id: string;
  liquidation_id: string;
  holder_type: 'COLLECTIVE' | 'HOUSEHOLD' | 'CLASS';
  class_kind: string;
  household_id: string | null;
  right_id: string | null;
  basis_fen: string;
  amount_fen: string;
}

/** A row of the table `aip_liquidations`. */
export interface AipLiquidationRow {
  id: string;
  project_id: string;
  status: 'PREPARED' | 'APPROVED' | 'PAID';
  liquidation_date: string;
  proceeds_fen: string;
  special_fund_fen: string;
  special_repaid_fen: string;
  others_fen: string;
  capital_fen: string;
  prepared_by: string;
  prepared_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  paid_by: string | null;
  paid_at: Date | null;
  entry_id: string | null;
}

/** A row of the table `aip_operator_settlements`. */
export interface AipOperatorSettlementRow {
  id: string;
  project_id: string;
  amount_fen: string;
  settled_on: string;
  entry_id: string;
  created_by: string;
  created_at: Date;
}

/** A row of the table `aip_projects`. */
export interface AipProjectRow {
  id: string;
  name: string;
  village_id: string;
  district_id: string;
  entity_id: string;
  business_type:
    'RURAL_TOURISM' | 'SPECIALTY_PLANTING' | 'FRUIT_TREE_ADOPTION' | 'LOGISTICS' | 'PROCESSING' | 'OTHER';
  special_fund_fen: string;
  collective_percent: string;
  household_weighting: 'EQUAL' | 'MEMBER_COUNT';
  right_rule: 'KEEP' | 'TRANSFER' | 'RETURN_TO_COLLECTIVE';
  floor_rate_percent: string;
  payout_percent: string;
  liquidation_threshold_fen: string;
  alert_margin_fen: string;
  status: 'DRAFT' | 'INJECTED' | 'ACTIVE' | 'LIQUIDATION_REQUIRED' | 'LIQUIDATED';
  injected_on: string | null;
  injection_entry_id: string | null;
  quantified_on: string | null;
  quantification_entry_id: string | null;
  liquidation_flagged_year: number | null;
  liquidation_flagged_at: Date | null;
  liquidated_on: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  floor_recipients: 'POOR_HOUSEHOLDS' | 'ALL_SHARES';
}

/** A row of the table `aip_share_rights`. */
export interface AipShareRightRow {
  id: string;
  project_id: string;
  holder_type: 'COLLECTIVE' | 'HOUSEHOLD';
  household_id: string | null;
  amount_fen: string;
  weight: number;
  valid_from: string;
  valid_to: string | null;
  origin: 'QUANTIFICATION' | 'TRANSFER' | 'RETURN_TO_COLLECTIVE';
  predecessor_id: string | null;
  reason: string | null;
  created_by: string;
  created_at: Date;
}
