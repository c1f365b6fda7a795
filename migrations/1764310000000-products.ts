import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Loan products (versioned: editing creates a new version; a loan keeps the version it was made under) and the
 * effective-dated benchmark rate table.
 */
export class Products1764310000000 implements MigrationInterface {
  name = 'Products1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE benchmark_rates (
        id               bigserial    PRIMARY KEY,
        term_min_months  int          NOT NULL CHECK (term_min_months >= 1),
        term_max_months  int          NOT NULL CHECK (term_max_months >= term_min_months),
        rate_percent     numeric(9,6) NOT NULL CHECK (rate_percent >= 0 AND rate_percent <= 36),
        effective_from   date         NOT NULL,
        note             text,
        created_by       text         NOT NULL,
        created_at       timestamptz  NOT NULL DEFAULT now(),
        UNIQUE (term_min_months, term_max_months, effective_from)
      );

      CREATE TABLE products (
        id               bigserial   PRIMARY KEY,
        code             text        NOT NULL UNIQUE,
        kind             text        NOT NULL CHECK (kind IN ('MUTUAL_AID','HOUSEHOLD_MICROCREDIT','ENTITY_LOAN')),
        name             text        NOT NULL,
        current_version  int         NOT NULL DEFAULT 1,
        active           boolean     NOT NULL DEFAULT true,
        created_at       timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE product_versions (
        id                         bigserial    PRIMARY KEY,
        product_id                 bigint       NOT NULL REFERENCES products (id),
        version                    int          NOT NULL,
        name                       text         NOT NULL,
        currency                   char(3)      NOT NULL DEFAULT 'CNY',
        min_principal_fen          bigint       NOT NULL CHECK (min_principal_fen > 0),
        max_principal_fen          bigint       NOT NULL,
        first_loan_max_fen         bigint,
        min_term_months            int          NOT NULL CHECK (min_term_months >= 1),
        max_term_months            int          NOT NULL,
        method                     text         NOT NULL CHECK (method IN ('EQUAL_INSTALLMENT','EQUAL_PRINCIPAL','INTEREST_ONLY','BULLET','FLAT')),
        frequency                  text         NOT NULL CHECK (frequency IN ('MONTHLY','QUARTERLY','AT_MATURITY')),
        day_count                  text         NOT NULL CHECK (day_count IN ('PERIOD','ACTUAL_360','ACTUAL_365')),
        rounding                   text         NOT NULL DEFAULT 'HALF_UP' CHECK (rounding IN ('HALF_UP','HALF_EVEN')),
        installment_multiple_fen   bigint       NOT NULL DEFAULT 1 CHECK (installment_multiple_fen > 0),
        rate_source                text         NOT NULL CHECK (rate_source IN ('BENCHMARK','FIXED')),
        fixed_rate_percent         numeric(9,6),
        markup_percent             numeric(9,6) NOT NULL DEFAULT 0,
        penalty_rate_percent       numeric(9,6) NOT NULL DEFAULT 0,
        grace_days                 int          NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
        allowed_purposes           text[]       NOT NULL DEFAULT '{}',
        eligible_statuses          text[]       NOT NULL DEFAULT '{}',
        min_age                    int,
        max_age                    int,
        subsidy_policy             jsonb,
        requires_guarantee_fund    boolean      NOT NULL DEFAULT false,
        requires_group             boolean      NOT NULL DEFAULT false,
        prepayment_mode            text         NOT NULL DEFAULT 'SHORTEN_TERM' CHECK (prepayment_mode IN ('SHORTEN_TERM','LOWER_INSTALLMENT')),
        waterfall                  text[]       NOT NULL DEFAULT '{OVERDUE_PENALTY,OVERDUE_INTEREST,OVERDUE_PRINCIPAL,CURRENT_INTEREST,CURRENT_PRINCIPAL,FUTURE}',
        created_by                 text         NOT NULL,
        created_at                 timestamptz  NOT NULL DEFAULT now(),
        UNIQUE (product_id, version),
        CHECK (max_principal_fen >= min_principal_fen),
        CHECK (max_term_months >= min_term_months AND max_term_months <= 360),
        CHECK (rate_source = 'BENCHMARK' OR fixed_rate_percent IS NOT NULL)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE product_versions; DROP TABLE products; DROP TABLE benchmark_rates;`);
  }
}
