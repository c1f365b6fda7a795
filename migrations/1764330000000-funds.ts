import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Village mutual-aid funds with their per-fund rules, and one contributions register for every fund kind
 * (mutual-aid fund, district risk fund, subsidy programme) so matching compliance reads one table.
 */
export class Funds1764330000000 implements MigrationInterface {
  name = 'Funds1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mutual_aid_funds (
        id                               bigserial    PRIMARY KEY,
        village_id                       bigint       NOT NULL UNIQUE REFERENCES villages (id),
        name                             text         NOT NULL,
        status                           text         NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','SUSPENDED','CLOSED')),
        lending_cap_percent              numeric(5,2) NOT NULL DEFAULT 90 CHECK (lending_cap_percent > 0 AND lending_cap_percent <= 100),
        max_loan_fen                     bigint       NOT NULL DEFAULT 1000000,
        first_loan_max_fen               bigint       NOT NULL DEFAULT 500000,
        max_term_months                  int          NOT NULL DEFAULT 12,
        usage_fee_rate_percent           numeric(9,6) NOT NULL DEFAULT 6,
        group_required                   boolean      NOT NULL DEFAULT true,
        group_min_size                   int          NOT NULL DEFAULT 3,
        group_max_size                   int          NOT NULL DEFAULT 5,
        public_notice_days               int          NOT NULL DEFAULT 3 CHECK (public_notice_days >= 0),
        second_approval_threshold_fen    bigint       NOT NULL DEFAULT 800000,
        share_lock_months                int          NOT NULL DEFAULT 12,
        fee_capital_percent              numeric(5,2) NOT NULL DEFAULT 40,
        fee_risk_reserve_percent         numeric(5,2) NOT NULL DEFAULT 20,
        fee_public_welfare_percent       numeric(5,2) NOT NULL DEFAULT 10,
        fee_administration_percent       numeric(5,2) NOT NULL DEFAULT 30,
        fee_dividend_percent             numeric(5,2) NOT NULL DEFAULT 0,
        created_at                       timestamptz  NOT NULL DEFAULT now(),
        updated_at                       timestamptz  NOT NULL DEFAULT now(),
        CHECK (fee_capital_percent + fee_risk_reserve_percent + fee_public_welfare_percent
               + fee_administration_percent + fee_dividend_percent = 100),
        CHECK (group_min_size >= 1 AND group_max_size >= group_min_size)
      );

      CREATE TABLE contributions (
        id               bigserial   PRIMARY KEY,
        target_type      text        NOT NULL CHECK (target_type IN ('MUTUAL_AID_FUND','RISK_FUND','SUBSIDY_PROGRAMME')),
        target_id        bigint      NOT NULL,
        district_id      bigint      REFERENCES districts (id),
        source           text        NOT NULL CHECK (source IN ('CENTRAL','CITY','DISTRICT','SOE','DONATION','MEMBER')),
        amount_fen       bigint      NOT NULL CHECK (amount_fen > 0),
        year             int         NOT NULL,
        document_ref     text,
        received_on      date        NOT NULL,
        household_id     bigint      REFERENCES households (id),
        -- a poor household's base share paid with fiscal money (配股)
        fiscal_funded    boolean     NOT NULL DEFAULT false,
        soe_name         text,
        soe_profit_base_fen bigint,
        entry_id         bigint      NOT NULL REFERENCES journal_entries (id),
        idempotency_key  text        NOT NULL UNIQUE,
        created_by       text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (source <> 'MEMBER' OR household_id IS NOT NULL),
        CHECK (source <> 'SOE' OR soe_name IS NOT NULL)
      );
      CREATE INDEX contributions_target ON contributions (target_type, target_id);
      CREATE INDEX contributions_district_year ON contributions (district_id, year);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE contributions; DROP TABLE mutual_aid_funds;`);
  }
}
