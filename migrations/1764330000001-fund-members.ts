import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The member register of each village mutual-aid fund (入股 / 配股) and its share withdrawals. The money itself is
 * in the ledger (CAPITAL:MEMBER for paid shares, CAPITAL:{fiscal source} for fiscal-funded ones); these rows say
 * whose share it is, since when, and how much of it the household may take back.
 */
export class FundMembers1764330000001 implements MigrationInterface {
  name = 'FundMembers1764330000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fund_members (
        id                bigserial   PRIMARY KEY,
        fund_id           bigint      NOT NULL REFERENCES mutual_aid_funds (id),
        household_id      bigint      NOT NULL REFERENCES households (id),
        -- the share lock (share_lock_months) runs from this date; a household that left and re-joins starts again
        joined_on         date        NOT NULL,
        status            text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','LEFT')),
        -- member-paid share still in the fund (contributions minus withdrawals): the only withdrawable part
        paid_share_fen    bigint      NOT NULL DEFAULT 0 CHECK (paid_share_fen >= 0),
        -- base share paid with fiscal money for a poor household (配股): recorded against it, never paid out to it
        fiscal_share_fen  bigint      NOT NULL DEFAULT 0 CHECK (fiscal_share_fen >= 0),
        withdrawn_fen     bigint      NOT NULL DEFAULT 0 CHECK (withdrawn_fen >= 0),
        left_on           date,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        UNIQUE (fund_id, household_id),
        CHECK ((status = 'LEFT') = (left_on IS NOT NULL)),
        CHECK (status = 'LEFT' OR paid_share_fen + fiscal_share_fen > 0)
      );
      CREATE INDEX fund_members_household ON fund_members (household_id);

      CREATE TABLE share_withdrawals (
        id               bigserial   PRIMARY KEY,
        fund_id          bigint      NOT NULL REFERENCES mutual_aid_funds (id),
        member_id        bigint      NOT NULL REFERENCES fund_members (id),
        household_id     bigint      NOT NULL REFERENCES households (id),
        amount_fen       bigint      NOT NULL CHECK (amount_fen > 0),
        withdrawn_on     date        NOT NULL,
        reason           text,
        entry_id         bigint      NOT NULL REFERENCES journal_entries (id),
        idempotency_key  text        NOT NULL UNIQUE,
        created_by       text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX share_withdrawals_fund ON share_withdrawals (fund_id, id);
      CREATE INDEX share_withdrawals_household ON share_withdrawals (household_id);
      CREATE TRIGGER share_withdrawals_append_only BEFORE UPDATE OR DELETE ON share_withdrawals
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE share_withdrawals; DROP TABLE fund_members;`);
  }
}
