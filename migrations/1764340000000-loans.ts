import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One loan table for both channels: village mutual-aid loans (the application workflow lives on the same row)
 * and bank loans registered under a district guarantee fund. Instalments are frozen at disbursement from the
 * schedule engine; paid amounts per component are kept beside the scheduled ones.
 */
export class Loans1764340000000 implements MigrationInterface {
  name = 'Loans1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE loans (
        id                        bigserial    PRIMARY KEY,
        loan_no                   text         NOT NULL UNIQUE,
        channel                   text         NOT NULL CHECK (channel IN ('MUTUAL_AID','BANK_COVERED')),
        product_version_id        bigint       NOT NULL REFERENCES product_versions (id),
        borrower_type             text         NOT NULL CHECK (borrower_type IN ('HOUSEHOLD','ENTITY')),
        household_id              bigint       REFERENCES households (id),
        entity_id                 bigint       REFERENCES operating_entities (id),
        district_id               bigint       NOT NULL REFERENCES districts (id),
        village_id                bigint       REFERENCES villages (id),
        fund_id                   bigint       REFERENCES mutual_aid_funds (id),
        group_id                  bigint       REFERENCES liability_groups (id),
        bank_id                   bigint       REFERENCES banks (id),
        agreement_id              bigint,
        bank_loan_ref             text,
        principal_fen             bigint       NOT NULL CHECK (principal_fen > 0),
        term_months               int          NOT NULL CHECK (term_months BETWEEN 1 AND 360),
        annual_rate_percent       numeric(9,6),
        benchmark_rate_percent    numeric(9,6),
        purpose                   text         NOT NULL,
        method                    text         NOT NULL,
        frequency                 text         NOT NULL,
        day_count                 text         NOT NULL,
        rounding                  text         NOT NULL,
        installment_multiple_fen  bigint       NOT NULL DEFAULT 1,
        status                    text         NOT NULL CHECK (status IN ('DRAFT','SUBMITTED','GROUP_ENDORSED','APPROVED',
                                    'IN_PUBLIC_NOTICE','DISBURSED','CLOSED','WRITTEN_OFF','REJECTED','CANCELLED')),
        priority                  int          NOT NULL DEFAULT 1,
        application_date          date,
        contract_date             date,
        disbursement_date         date,
        maturity_date             date,
        notice_ends_on            date,
        outstanding_principal_fen bigint       NOT NULL DEFAULT 0 CHECK (outstanding_principal_fen >= 0),
        days_overdue              int          NOT NULL DEFAULT 0,
        arrears_bucket            text         NOT NULL DEFAULT 'CURRENT',
        non_performing            boolean      NOT NULL DEFAULT false,
        flags                     text[]       NOT NULL DEFAULT '{}',
        created_by                text         NOT NULL,
        approved_by               text,
        second_approved_by        text,
        closed_on                 date,
        status_reason             text,
        disbursement_entry_id     bigint       REFERENCES journal_entries (id),
        version                   int          NOT NULL DEFAULT 1,
        created_at                timestamptz  NOT NULL DEFAULT now(),
        updated_at                timestamptz  NOT NULL DEFAULT now(),
        CHECK ((borrower_type = 'HOUSEHOLD') = (household_id IS NOT NULL)),
        CHECK ((borrower_type = 'ENTITY') = (entity_id IS NOT NULL)),
        CHECK (channel <> 'MUTUAL_AID' OR fund_id IS NOT NULL),
        CHECK (channel <> 'BANK_COVERED' OR (bank_id IS NOT NULL AND bank_loan_ref IS NOT NULL))
      );
      CREATE UNIQUE INDEX loans_bank_ref ON loans (bank_id, bank_loan_ref) WHERE bank_loan_ref IS NOT NULL;
      CREATE INDEX loans_fund_status ON loans (fund_id, status);
      CREATE INDEX loans_household ON loans (household_id);
      CREATE INDEX loans_district_status ON loans (district_id, status);
      CREATE INDEX loans_review_queue ON loans (status, priority, application_date, id);

      CREATE TABLE loan_installments (
        id                   bigserial   PRIMARY KEY,
        loan_id              bigint      NOT NULL REFERENCES loans (id),
        number               int         NOT NULL,
        due_date             date        NOT NULL,
        period_start         date        NOT NULL,
        days                 int         NOT NULL,
        principal_fen        bigint      NOT NULL CHECK (principal_fen >= 0),
        interest_fen         bigint      NOT NULL CHECK (interest_fen >= 0),
        penalty_fen          bigint      NOT NULL DEFAULT 0 CHECK (penalty_fen >= 0),
        paid_principal_fen   bigint      NOT NULL DEFAULT 0,
        paid_interest_fen    bigint      NOT NULL DEFAULT 0,
        paid_penalty_fen     bigint      NOT NULL DEFAULT 0,
        status               text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','OVERDUE','PAID','WRITTEN_OFF')),
        overdue_since        date,
        paid_on              date,
        UNIQUE (loan_id, number),
        CHECK (paid_principal_fen BETWEEN 0 AND principal_fen),
        CHECK (paid_interest_fen BETWEEN 0 AND interest_fen),
        CHECK (paid_penalty_fen BETWEEN 0 AND penalty_fen)
      );
      CREATE INDEX loan_installments_due_open ON loan_installments (due_date) WHERE status IN ('OPEN','OVERDUE');

      -- every state change of a loan, in order (the audit log has the who; this is the loan's own story)
      CREATE TABLE loan_events (
        id          bigserial   PRIMARY KEY,
        loan_id     bigint      NOT NULL REFERENCES loans (id),
        event       text        NOT NULL,
        from_status text,
        to_status   text,
        actor       text        NOT NULL,
        reason      text,
        data        jsonb,
        at          timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX loan_events_loan ON loan_events (loan_id, id);
      CREATE TRIGGER loan_events_append_only BEFORE UPDATE OR DELETE ON loan_events
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE loan_events; DROP TABLE loan_installments; DROP TABLE loans;`);
  }
}
