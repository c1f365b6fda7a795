// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/auth owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `users`. */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  role: 'ADMIN' | 'FUND_ADMIN' | 'LOAN_OFFICER' | 'BANK_OFFICER' | 'AUDITOR';
  bank_id: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
  token_version: number;
  area_kind: 'CITY' | 'DISTRICT' | 'TOWN' | 'VILLAGE';
  area_id: string | null;
}
