import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored report snapshots (the monthly leverage-ratio report and its district ranking). A snapshot is never edited:
 * regenerating a month whose data did not change finds the same content hash and keeps the stored version; a
 * correction of that month's data gives a NEW version beside the old one (`supersedes` points at it), so what a
 * supervisor downloaded last month can always be shown again.
 */
export class ReportSnapshots1764395000000 implements MigrationInterface {
  name = 'ReportSnapshots1764395000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_snapshots (
        id            bigserial   PRIMARY KEY,
        kind          text        NOT NULL CHECK (kind IN ('MONTHLY')),
        period        char(7)     NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        version       int         NOT NULL CHECK (version >= 1),
        generated_at  timestamptz NOT NULL DEFAULT now(),
        generated_by  text        NOT NULL,
        data          jsonb       NOT NULL,
        -- sha256 (hex) of the canonical JSON of data: equal data, equal hash
        hash          char(64)    NOT NULL,
        supersedes    bigint      UNIQUE REFERENCES report_snapshots (id),
        UNIQUE (kind, period, version),
        CHECK ((version = 1) = (supersedes IS NULL))
      );
      CREATE INDEX report_snapshots_period ON report_snapshots (kind, period DESC, version DESC);
      CREATE TRIGGER report_snapshots_append_only BEFORE UPDATE OR DELETE ON report_snapshots
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE report_snapshots;`);
  }
}
