// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/calendar owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `business_days`. */
export interface BusinessDayRow {
  business_date: string;
  status: 'RUNNING' | 'DONE';
  steps: unknown;
  advanced_by: string;
  started_at: Date;
  finished_at: Date | null;
}
