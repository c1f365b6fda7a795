// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/projection owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `projection_scenarios`. */
export interface ProjectionScenarioRow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  archived: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `projection_scenario_versions`. */
export interface ProjectionScenarioVersionRow {
  scenario_id: string;
  version: number;
  spec: unknown;
  created_by: string;
  created_at: Date;
}

/** A row of the table `projection_runs`. */
export interface ProjectionRunRow {
  id: string;
  scenario_id: string | null;
  scenario_version: number | null;
  spec: unknown;
  as_of: string;
  status: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
  runs_done: number;
  runs_total: number;
  result: unknown | null;
  error: string | null;
  requested_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}
