import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';
import type { ProjectionRunRow, ProjectionScenarioRow, ProjectionScenarioVersionRow } from './rows.generated.js';

/** A scenario with the content of its current version (and the page's total in lists). */
export type ScenarioRow = ProjectionScenarioRow & Pick<ProjectionScenarioVersionRow, 'spec'> & { total?: number };
export type ScenarioVersionRow = ProjectionScenarioVersionRow;
/** A run (and the page's total in lists). */
export type RunRow = ProjectionRunRow & { total?: number };

const SCENARIO = `s.id::text, s.name, s.description, s.version, s.archived, s.created_by, s.created_at, s.updated_at, v.spec`;
const RUN = `id::text, scenario_id::text, scenario_version, spec, as_of::text, status, runs_done, runs_total, result, error,
             requested_by, created_at, started_at, finished_at`;

/** Scenarios with their versions, and runs: every statement on the projection tables. */
@Injectable()
export class ProjectionStore {
  async createScenario(m: EntityManager, s: { name: string; description: string | null; spec: unknown; by: string }): Promise<string> {
    const row = await queryOne<{ id: string }>(
      m,
      `INSERT INTO projection_scenarios (name, description, created_by) VALUES ($1, $2, $3) RETURNING id::text`,
      [s.name, s.description, s.by],
    );
    await queryRows(m, `INSERT INTO projection_scenario_versions (scenario_id, version, spec, created_by) VALUES ($1, 1, $2, $3)`, [
      row!.id,
      JSON.stringify(s.spec),
      s.by,
    ]);
    return row!.id;
  }

  /** A new version of a scenario (locks the scenario row): its content, name and description. */
  async addVersion(
    m: EntityManager,
    id: string,
    s: { name?: string; description?: string | null; spec: unknown; by: string },
  ): Promise<number | null> {
    const cur = await queryOne<{ version: number }>(m, `SELECT version FROM projection_scenarios WHERE id = $1 FOR UPDATE`, [id]);
    if (!cur) return null;
    const version = cur.version + 1;
    await queryRows(m, `INSERT INTO projection_scenario_versions (scenario_id, version, spec, created_by) VALUES ($1, $2, $3, $4)`, [
      id,
      version,
      JSON.stringify(s.spec),
      s.by,
    ]);
    await queryRows(
      m,
      `UPDATE projection_scenarios SET version = $2, name = coalesce($3, name),
              description = CASE WHEN $4::boolean THEN $5 ELSE description END, updated_at = now() WHERE id = $1`,
      [id, version, s.name ?? null, s.description !== undefined, s.description ?? null],
    );
    return version;
  }

  async archive(m: EntityManager, id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      m,
      `UPDATE projection_scenarios SET archived = true, updated_at = now() WHERE id = $1 AND NOT archived RETURNING id::text`,
      [id],
    );
    return rows.length > 0;
  }

  scenario(m: EntityManager, id: string): Promise<ScenarioRow | undefined> {
    return queryOne(
      m,
      `SELECT ${SCENARIO} FROM projection_scenarios s
         JOIN projection_scenario_versions v ON v.scenario_id = s.id AND v.version = s.version WHERE s.id = $1`,
      [id],
    );
  }

  scenarioNamed(m: EntityManager, name: string): Promise<{ id: string } | undefined> {
    return queryOne(m, `SELECT id::text FROM projection_scenarios WHERE name = $1 ORDER BY id LIMIT 1`, [name]);
  }

  scenarios(m: EntityManager, limit: number, offset: number): Promise<ScenarioRow[]> {
    return queryRows(
      m,
      `SELECT ${SCENARIO}, count(*) OVER ()::int AS total FROM projection_scenarios s
         JOIN projection_scenario_versions v ON v.scenario_id = s.id AND v.version = s.version
        WHERE NOT s.archived ORDER BY s.id DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
  }

  versions(m: EntityManager, id: string): Promise<ScenarioVersionRow[]> {
    return queryRows(
      m,
      `SELECT scenario_id::text, version, spec, created_by, created_at FROM projection_scenario_versions
        WHERE scenario_id = $1 ORDER BY version`,
      [id],
    );
  }

  async createRun(
    m: EntityManager,
    r: { scenarioId: string | null; version: number | null; spec: unknown; asOf: string; runsTotal: number; by: string },
  ): Promise<string> {
    const row = await queryOne<{ id: string }>(
      m,
      `INSERT INTO projection_runs (scenario_id, scenario_version, spec, as_of, runs_total, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`,
      [r.scenarioId, r.version, JSON.stringify(r.spec), r.asOf, r.runsTotal, r.by],
    );
    return row!.id;
  }

  run(m: EntityManager, id: string): Promise<RunRow | undefined> {
    return queryOne(m, `SELECT ${RUN} FROM projection_runs WHERE id = $1`, [id]);
  }

  runs(m: EntityManager, limit: number, offset: number): Promise<RunRow[]> {
    return queryRows(
      m,
      `SELECT id::text, scenario_id::text, scenario_version, spec, as_of::text, status, runs_done, runs_total, NULL AS result,
              error, requested_by, created_at, started_at, finished_at, count(*) OVER ()::int AS total
         FROM projection_runs ORDER BY id DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
  }

  /** QUEUED (or a crashed RUNNING) → RUNNING; false when the run is finished already (a redelivered job). */
  async start(m: EntityManager, id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      m,
      `UPDATE projection_runs SET status = 'RUNNING', started_at = now(), runs_done = 0
        WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING id::text`,
      [id],
    );
    return rows.length > 0;
  }

  async progress(m: EntityManager, id: string, done: number): Promise<void> {
    await queryRows(m, `UPDATE projection_runs SET runs_done = $2 WHERE id = $1 AND status = 'RUNNING'`, [id, done]);
  }

  async finish(m: EntityManager, id: string, result: unknown): Promise<void> {
    await queryRows(
      m,
      `UPDATE projection_runs SET status = 'DONE', runs_done = runs_total, result = $2, finished_at = now() WHERE id = $1`,
      [id, JSON.stringify(result)],
    );
  }

  async fail(m: EntityManager, id: string, error: string): Promise<void> {
    await queryRows(m, `UPDATE projection_runs SET status = 'FAILED', error = $2, finished_at = now() WHERE id = $1`, [id, error]);
  }
}
