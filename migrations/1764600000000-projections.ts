import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projections (libs/projection): saved scenarios, each edit a new version (the content of a version never
 * changes, so a run names exactly what it ran), and runs with their progress and results. A run reads the books
 * once, as of its business date, and writes only these tables.
 */
export class Projections1764600000000 implements MigrationInterface {
  name = 'Projections1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_scenarios (
        id          bigserial   PRIMARY KEY,
        name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text,
        version     int         NOT NULL DEFAULT 1 CHECK (version >= 1),
        archived    boolean     NOT NULL DEFAULT false,
        created_by  text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE projection_scenario_versions (
        scenario_id bigint      NOT NULL REFERENCES projection_scenarios (id),
        version     int         NOT NULL CHECK (version >= 1),
        spec        jsonb       NOT NULL,
        created_by  text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scenario_id, version)
      );
      CREATE TRIGGER projection_scenario_versions_append_only BEFORE UPDATE OR DELETE ON projection_scenario_versions
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TABLE projection_runs (
        id               bigserial   PRIMARY KEY,
        scenario_id      bigint      REFERENCES projection_scenarios (id),
        scenario_version int,
        spec             jsonb       NOT NULL,
        as_of            date        NOT NULL,
        status           text        NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED','RUNNING','DONE','FAILED')),
        runs_done        int         NOT NULL DEFAULT 0,
        runs_total       int         NOT NULL CHECK (runs_total >= 1),
        result           jsonb,
        error            text,
        requested_by     text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        FOREIGN KEY (scenario_id, scenario_version) REFERENCES projection_scenario_versions (scenario_id, version)
      );
      CREATE INDEX projection_runs_scenario ON projection_runs (scenario_id, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE projection_runs; DROP TABLE projection_scenario_versions; DROP TABLE projection_scenarios;`);
  }
}
