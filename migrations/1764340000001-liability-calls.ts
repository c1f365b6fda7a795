import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group-liability calls (联保责任): raised by the close of business for a mutual-aid loan 30+ days overdue; while a
 * call is open the group's other members are co-obligors and none of them may borrow (origination checks this).
 */
export class LiabilityCalls1764340000001 implements MigrationInterface {
  name = 'LiabilityCalls1764340000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE group_liability_calls (
        id             bigserial   PRIMARY KEY,
        loan_id        bigint      NOT NULL REFERENCES loans (id),
        group_id       bigint      NOT NULL REFERENCES liability_groups (id),
        raised_on      date        NOT NULL,
        amount_due_fen bigint      NOT NULL CHECK (amount_due_fen >= 0),
        status         text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','CLEARED')),
        cleared_on     date,
        created_at     timestamptz NOT NULL DEFAULT now()
      );
      -- at most one open call per loan: the close of business may run twice for a date
      CREATE UNIQUE INDEX group_liability_calls_one_open ON group_liability_calls (loan_id) WHERE status = 'OPEN';
      CREATE TABLE group_liability_call_members (
        call_id       bigint NOT NULL REFERENCES group_liability_calls (id),
        household_id  bigint NOT NULL REFERENCES households (id),
        PRIMARY KEY (call_id, household_id)
      );
      CREATE INDEX group_liability_call_members_household ON group_liability_call_members (household_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE group_liability_call_members; DROP TABLE group_liability_calls;`);
  }
}
