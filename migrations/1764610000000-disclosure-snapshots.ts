import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public disclosure (阳光扶贫): what was posted on a village's or district's noticeboard, as a dated snapshot that
 * can be shown again later. A snapshot is immutable (a trigger refuses UPDATE and DELETE); publishing the same
 * content for the same scope and date again finds the stored one (unique on its hash).
 */
export class DisclosureSnapshots1764610000000 implements MigrationInterface {
  name = 'DisclosureSnapshots1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE disclosure_snapshots (
        id            bigserial   PRIMARY KEY,
        scope         text        NOT NULL CHECK (scope IN ('VILLAGE', 'DISTRICT')),
        scope_code    text        NOT NULL CHECK (scope_code ~ '^[0-9]{6}([0-9]{6})?$'),
        as_of         date        NOT NULL,
        content       jsonb       NOT NULL,
        content_hash  text        NOT NULL,
        published_by  text        NOT NULL,
        published_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (scope, scope_code, as_of, content_hash)
      )`);
    await q.query(
      `CREATE INDEX disclosure_snapshots_latest ON disclosure_snapshots (scope, scope_code, as_of DESC, id DESC)`,
    );
    await q.query(`
      CREATE FUNCTION disclosure_snapshots_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'a published disclosure is immutable' USING ERRCODE = 'check_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER disclosure_snapshots_immutable BEFORE UPDATE OR DELETE ON disclosure_snapshots
      FOR EACH ROW EXECUTE FUNCTION disclosure_snapshots_immutable()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE disclosure_snapshots`);
    await q.query(`DROP FUNCTION disclosure_snapshots_immutable()`);
  }
}
