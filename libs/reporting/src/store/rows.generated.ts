// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/reporting owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `report_snapshots`. */
export interface ReportSnapshotRow {
  id: string;
  kind: string;
  period: string;
  version: number;
  generated_at: Date;
  generated_by: string;
  data: unknown;
  hash: string;
  supersedes: string | null;
}

/** A row of the table `disclosure_snapshots`. */
export interface DisclosureSnapshotRow {
  id: string;
  scope: 'VILLAGE' | 'DISTRICT';
  scope_code: string;
  as_of: string;
  content: unknown;
  content_hash: string;
  published_by: string;
  published_at: Date;
}
