// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/common owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `idempotency_keys`. */
export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  request_hash: string;
  response: unknown | null;
  created_at: Date;
}

/** A row of the table `business_clock`. */
export interface BusinessClockRow {
  id: boolean;
  business_date: string;
  moved_by: string;
  moved_at: Date;
}
