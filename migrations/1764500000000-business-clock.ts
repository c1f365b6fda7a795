import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The business date (SPEC §2.7). `business_clock` holds at most one row: the date an ADMIN moved the clock to where
 * configuration allows it (BUSINESS_DATE_MOVABLE); no row means the calendar date in the business time zone.
 * `business_days` records, per business date the clock passed through, what was run for it (close of business of the
 * day before, reminders, subsidy period ends, the monthly report on the 1st), so advancing is idempotent day by day.
 */
export class BusinessClock1764500000000 implements MigrationInterface {
  name = 'BusinessClock1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE business_clock (
        id            boolean     PRIMARY KEY DEFAULT true CHECK (id),
        business_date date        NOT NULL,
        moved_by      text        NOT NULL,
        moved_at      timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE business_days (
        business_date date        PRIMARY KEY,
        status        text        NOT NULL CHECK (status IN ('RUNNING','DONE')),
        steps         jsonb       NOT NULL DEFAULT '{}'::jsonb,
        advanced_by   text        NOT NULL,
        started_at    timestamptz NOT NULL DEFAULT now(),
        finished_at   timestamptz
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE business_days; DROP TABLE business_clock;`);
  }
}
