// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/households owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `districts`. */
export interface DistrictRow {
  id: string;
  code: string;
  name: string;
  heavy_task: boolean;
  created_at: Date;
  updated_at: Date;
  entity_link_counting: 'EARLIEST_LINK' | 'LATEST_LINK';
}

/** A row of the table `towns`. */
export interface TownRow {
  id: string;
  district_id: string;
  code: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `villages`. */
export interface VillageRow {
  id: string;
  town_id: string;
  district_id: string;
  code: string;
  name: string;
  is_pilot: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `poverty_lines`. */
export interface PovertyLineRow {
  id: string;
  district_id: string | null;
  year: number;
  line_fen: string;
  created_at: Date;
  note: string | null;
  updated_at: Date;
}

/** A row of the table `households`. */
export interface HouseholdRow {
  id: string;
  village_id: string;
  head_name: string;
  id_number: string;
  birth_date: string;
  phone: string | null;
  member_count: number;
  per_capita_income_fen: string;
  income_year: number;
  status: 'POOR' | 'GRADUATED' | 'NON_POOR';
  graduated_year: number | null;
  derived_status: 'POOR' | 'GRADUATED' | 'NON_POOR';
  status_override_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `liability_groups`. */
export interface LiabilityGroupRow {
  id: string;
  village_id: string;
  name: string;
  status: 'ACTIVE' | 'DISSOLVED';
  created_at: Date;
  dissolved_at: Date | null;
  dissolution_reason: string | null;
  updated_at: Date;
}

/** A row of the table `liability_group_members`. */
export interface LiabilityGroupMemberRow {
  group_id: string;
  household_id: string;
  joined_at: Date;
}

/** A row of the table `operating_entities`. */
export interface OperatingEntityRow {
  id: string;
  kind: 'ENTERPRISE' | 'COOPERATIVE' | 'FAMILY_FARM';
  name: string;
  credit_code: string;
  district_id: string;
  village_id: string | null;
  is_asset_income_project: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `entity_linked_households`. */
export interface EntityLinkedHouseholdRow {
  entity_id: string;
  household_id: string;
  linked_at: Date;
}
