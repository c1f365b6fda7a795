import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The close of business ages BANK_COVERED loans too (SPEC §3), between the bank's status reports:
 * - `loans.status_reported_on` / `status_reported_days`: the basis of that ageing, the bank's latest status report
 *   (by its as-of date). Kept on the loan so the COB batch reads it with the row it updates instead of searching
 *   `covered_loan_reports` per loan; written by the status-report path only, and never moved back by a report for
 *   an earlier date. Backfilled from the reports already received (latest as-of date, then latest row).
 * - a partial index of the active covered loans by id: the COB's covered step walks them in id batches without
 *   reading the mutual-aid portfolio;
 * - a third checkpoint step, COVERED, between LOANS and SNAPSHOTS, and the run's count of covered loans examined.
 */
export class CoveredAgeing1764425000000 implements MigrationInterface {
  name = 'CoveredAgeing1764425000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE loans ADD COLUMN status_reported_on date, ADD COLUMN status_reported_days int,
        ADD CONSTRAINT loans_status_reported CHECK ((status_reported_on IS NULL) = (status_reported_days IS NULL)
                                                    AND (status_reported_days IS NULL OR status_reported_days >= 0));
      UPDATE loans l SET status_reported_on = r.as_of, status_reported_days = r.days_overdue
        FROM (SELECT DISTINCT ON (loan_id) loan_id, as_of, days_overdue FROM covered_loan_reports
               WHERE kind = 'STATUS' ORDER BY loan_id, as_of DESC, id DESC) r
       WHERE r.loan_id = l.id;
      CREATE INDEX loans_covered_active_id ON loans (id) WHERE status = 'DISBURSED' AND channel = 'BANK_COVERED';

      ALTER TABLE cob_checkpoints DROP CONSTRAINT cob_checkpoints_step_check,
        ADD CONSTRAINT cob_checkpoints_step_check CHECK (step IN ('LOANS','COVERED','SNAPSHOTS'));
      ALTER TABLE cob_runs ADD COLUMN covered_processed int NOT NULL DEFAULT 0;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cob_runs DROP COLUMN covered_processed;
      DELETE FROM cob_checkpoints WHERE step = 'COVERED';
      ALTER TABLE cob_checkpoints DROP CONSTRAINT cob_checkpoints_step_check,
        ADD CONSTRAINT cob_checkpoints_step_check CHECK (step IN ('LOANS','SNAPSHOTS'));
      DROP INDEX loans_covered_active_id;
      ALTER TABLE loans DROP CONSTRAINT loans_status_reported, DROP COLUMN status_reported_days, DROP COLUMN status_reported_on;
    `);
  }
}
