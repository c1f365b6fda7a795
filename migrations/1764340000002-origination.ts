import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the application workflow of a mutual-aid loan needs beyond the shared loans table:
 * - loan numbers MA-{year}-{seq} from a sequence (never reused, even when a draft is abandoned);
 * - who endorsed (联保小组 consent) and approved, when, and the time the application entered the review queue
 *   (priority first, then this time);
 * - the penalty rate fixed with the contract rate at disbursement, so repayment never re-derives it from a
 *   product version or a benchmark table that changed since;
 * - one active mutual-aid loan per household as a database backstop of the eligibility rule: two applications of
 *   one household submitted at the same instant cannot both pass.
 */
export class Origination1764340000002 implements MigrationInterface {
  name = 'Origination1764340000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE SEQUENCE mutual_aid_loan_no_seq;

      ALTER TABLE loans
        ADD COLUMN submitted_at          timestamptz,
        ADD COLUMN endorsed_by           text,
        ADD COLUMN endorsed_at           timestamptz,
        ADD COLUMN endorsement_note      text,
        ADD COLUMN approved_at           timestamptz,
        ADD COLUMN second_approved_at    timestamptz,
        -- business date of the approval that made the loan approved (the first of two does not): no payout before it
        ADD COLUMN approved_on           date,
        ADD COLUMN notice_started_on     date,
        ADD COLUMN penalty_rate_percent  numeric(9,6),
        ADD CONSTRAINT loans_second_approver_differs CHECK (second_approved_by IS NULL OR second_approved_by <> approved_by),
        ADD CONSTRAINT loans_approver_not_creator CHECK (
          channel <> 'MUTUAL_AID' OR ((approved_by IS NULL OR approved_by <> created_by)
                                      AND (second_approved_by IS NULL OR second_approved_by <> created_by)));

      CREATE UNIQUE INDEX loans_one_active_mutual_aid ON loans (household_id)
        WHERE channel = 'MUTUAL_AID' AND status IN ('SUBMITTED','GROUP_ENDORSED','APPROVED','IN_PUBLIC_NOTICE','DISBURSED');
      CREATE INDEX loans_mutual_aid_queue ON loans (priority, submitted_at, id)
        WHERE channel = 'MUTUAL_AID' AND status IN ('SUBMITTED','GROUP_ENDORSED','APPROVED','IN_PUBLIC_NOTICE');
      CREATE INDEX loans_village_status ON loans (village_id, status);
      CREATE INDEX loans_group ON loans (group_id) WHERE group_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX loans_group; DROP INDEX loans_village_status;
      DROP INDEX loans_mutual_aid_queue; DROP INDEX loans_one_active_mutual_aid;
      ALTER TABLE loans DROP CONSTRAINT loans_approver_not_creator, DROP CONSTRAINT loans_second_approver_differs,
        DROP COLUMN penalty_rate_percent, DROP COLUMN approved_on, DROP COLUMN notice_started_on, DROP COLUMN second_approved_at,
        DROP COLUMN approved_at, DROP COLUMN endorsement_note, DROP COLUMN endorsed_at, DROP COLUMN endorsed_by,
        DROP COLUMN submitted_at;
      DROP SEQUENCE mutual_aid_loan_no_seq;
    `);
  }
}
