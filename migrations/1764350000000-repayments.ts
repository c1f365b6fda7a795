import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repayments, arrears and the close of business (COB) for mutual-aid loans.
 *
 * - loan_installments gains what the penalty and the replay need: `penalty_fen_days` (Σ unpaid principal × days
 *   past due: penalty = round(fen-days × penalty rate / 36500) is computed from it, so accrual is exact and gives
 *   the same result whether the COB runs every day or skips days), `accrued_through` (the date fen-days reach),
 *   `original_interest_fen` (the interest frozen at disbursement, filled by a trigger so origination need not
 *   know; prepayments lower `interest_fen` and a replay starts again from the original) and `interest_paid_on`
 *   (when the interest was paid in full: the subsidy's "paid on time" fact).
 * - loans gains `aged_as_of`: the business date its accruals and ageing reflect (the COB's date, or the value
 *   date of a later repayment).
 * - repayments with their allocation per instalment and component (append-only rows: the original split and every
 *   later correction), adjustments (the corrections a backdated repayment or a reversal causes in other
 *   repayments' splits), write-offs, year-end fee distributions, COB runs with their checkpoints and the daily
 *   portfolio snapshot per fund.
 * - the view installment_payment_facts: per instalment, whether it was paid in full (and its interest) on or
 *   before due date + grace days, for the subsidy and reminder libraries.
 */
export class Repayments1764350000000 implements MigrationInterface {
  name = 'Repayments1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE loan_installments
        ADD COLUMN penalty_fen_days      bigint NOT NULL DEFAULT 0 CHECK (penalty_fen_days >= 0),
        ADD COLUMN accrued_through       date,
        ADD COLUMN original_interest_fen bigint CHECK (original_interest_fen >= 0),
        ADD COLUMN interest_paid_on      date;
      UPDATE loan_installments SET original_interest_fen = interest_fen WHERE original_interest_fen IS NULL;

      -- the schedule as frozen at disbursement, whoever inserts the rows
      CREATE FUNCTION loan_installments_original_interest() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.original_interest_fen := coalesce(NEW.original_interest_fen, NEW.interest_fen);
        RETURN NEW;
      END $$;
      CREATE TRIGGER loan_installments_original_interest BEFORE INSERT ON loan_installments
        FOR EACH ROW EXECUTE FUNCTION loan_installments_original_interest();
      CREATE INDEX loan_installments_paid_on ON loan_installments (paid_on) WHERE paid_on IS NOT NULL;

      ALTER TABLE loans ADD COLUMN aged_as_of date;
      -- the close of business walks the active portfolio in id order
      CREATE INDEX loans_active_id ON loans (id) WHERE status = 'DISBURSED';

      CREATE TABLE repayments (
        id                 bigserial   PRIMARY KEY,
        loan_id            bigint      NOT NULL REFERENCES loans (id),
        fund_id            bigint      NOT NULL REFERENCES mutual_aid_funds (id),
        -- REPAYMENT: applied to the instalments; RECOVERY: received on a written-off loan (recovery income)
        kind               text        NOT NULL CHECK (kind IN ('REPAYMENT','RECOVERY')),
        amount_fen         bigint      NOT NULL CHECK (amount_fen > 0),
        value_date         date        NOT NULL,
        channel            text        NOT NULL CHECK (channel IN ('CASH','BANK_TRANSFER','MOBILE_PAYMENT','PAYROLL_DEDUCTION','GROUP_LIABILITY')),
        reference          text,
        payer_household_id bigint      REFERENCES households (id),
        -- the split as first applied; later corrections are in repayment_allocations
        principal_fen      bigint      NOT NULL DEFAULT 0 CHECK (principal_fen >= 0),
        interest_fen       bigint      NOT NULL DEFAULT 0 CHECK (interest_fen >= 0),
        penalty_fen        bigint      NOT NULL DEFAULT 0 CHECK (penalty_fen >= 0),
        recovery_fen       bigint      NOT NULL DEFAULT 0 CHECK (recovery_fen >= 0),
        prepaid_principal_fen bigint   NOT NULL DEFAULT 0 CHECK (prepaid_principal_fen >= 0),
        payoff             boolean     NOT NULL DEFAULT false,
        backdated          boolean     NOT NULL DEFAULT false,
        entry_id           bigint      NOT NULL REFERENCES journal_entries (id),
        idempotency_key    text        NOT NULL,
        status             text        NOT NULL DEFAULT 'POSTED' CHECK (status IN ('POSTED','REVERSED')),
        reversed_on        date,
        reversed_by        text,
        reversal_reason    text,
        reversal_entry_id  bigint      REFERENCES journal_entries (id),
        created_by         text        NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        CHECK (principal_fen + interest_fen + penalty_fen + recovery_fen = amount_fen),
        CHECK ((status = 'REVERSED') = (reversal_entry_id IS NOT NULL)),
        CHECK ((status = 'REVERSED') = (reversed_on IS NOT NULL AND reversed_by IS NOT NULL AND reversal_reason IS NOT NULL))
      );
      CREATE INDEX repayments_loan ON repayments (loan_id, value_date, id);
      CREATE INDEX repayments_fund_date ON repayments (fund_id, value_date);

      CREATE TABLE repayment_adjustments (
        id                  bigserial   PRIMARY KEY,
        loan_id             bigint      NOT NULL REFERENCES loans (id),
        cause               text        NOT NULL CHECK (cause IN ('BACKDATED_REPAYMENT','REVERSAL')),
        cause_repayment_id  bigint      NOT NULL REFERENCES repayments (id),
        -- null when only the instalments a component was applied to changed, not the totals per account
        entry_id            bigint      REFERENCES journal_entries (id),
        business_date       date        NOT NULL,
        created_by          text        NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX repayment_adjustments_loan ON repayment_adjustments (loan_id, id);

      -- append-only: a repayment's split is the sum of its rows (the original ones have no adjustment)
      CREATE TABLE repayment_allocations (
        id                  bigserial   PRIMARY KEY,
        repayment_id        bigint      NOT NULL REFERENCES repayments (id),
        loan_id             bigint      NOT NULL REFERENCES loans (id),
        installment_number  int         NOT NULL,
        component           text        NOT NULL CHECK (component IN ('PRINCIPAL','INTEREST','PENALTY')),
        amount_fen          bigint      NOT NULL CHECK (amount_fen <> 0),
        adjustment_id       bigint      REFERENCES repayment_adjustments (id),
        CHECK (adjustment_id IS NOT NULL OR amount_fen > 0)
      );
      CREATE INDEX repayment_allocations_repayment ON repayment_allocations (repayment_id);
      CREATE INDEX repayment_allocations_loan ON repayment_allocations (loan_id, installment_number);
      CREATE TRIGGER repayment_allocations_append_only BEFORE UPDATE OR DELETE ON repayment_allocations
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER repayment_adjustments_append_only BEFORE UPDATE OR DELETE ON repayment_adjustments
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE write_offs (
        id                bigserial   PRIMARY KEY,
        loan_id           bigint      NOT NULL UNIQUE REFERENCES loans (id),
        fund_id           bigint      NOT NULL REFERENCES mutual_aid_funds (id),
        written_off_on    date        NOT NULL,
        days_overdue      int         NOT NULL,
        principal_fen     bigint      NOT NULL CHECK (principal_fen > 0),
        -- unpaid usage fee and penalty at write-off: never income (cash basis), but still owed and recoverable
        interest_fen      bigint      NOT NULL CHECK (interest_fen >= 0),
        penalty_fen       bigint      NOT NULL CHECK (penalty_fen >= 0),
        recovered_fen     bigint      NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
        reason            text        NOT NULL,
        entry_id          bigint      NOT NULL REFERENCES journal_entries (id),
        idempotency_key   text        NOT NULL,
        created_by        text        NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        CHECK (recovered_fen <= principal_fen + interest_fen + penalty_fen)
      );
      CREATE INDEX write_offs_fund ON write_offs (fund_id, written_off_on);

      CREATE TABLE fee_distributions (
        id                    bigserial    PRIMARY KEY,
        fund_id               bigint       NOT NULL REFERENCES mutual_aid_funds (id),
        year                  int          NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        fee_income_fen        bigint       NOT NULL,
        penalty_income_fen    bigint       NOT NULL,
        recovery_income_fen   bigint       NOT NULL,
        distributable_fen     bigint       NOT NULL CHECK (distributable_fen >= 0),
        capital_fen           bigint       NOT NULL CHECK (capital_fen >= 0),
        risk_reserve_fen      bigint       NOT NULL CHECK (risk_reserve_fen >= 0),
        public_welfare_fen    bigint       NOT NULL CHECK (public_welfare_fen >= 0),
        administration_fen    bigint       NOT NULL CHECK (administration_fen >= 0),
        dividends_fen         bigint       NOT NULL CHECK (dividends_fen >= 0),
        write_off_charged_fen bigint       NOT NULL,
        percentages           jsonb        NOT NULL,
        entry_id              bigint       REFERENCES journal_entries (id),
        idempotency_key       text         NOT NULL,
        created_by            text         NOT NULL,
        created_at            timestamptz  NOT NULL DEFAULT now(),
        UNIQUE (fund_id, year),
        CHECK (capital_fen + risk_reserve_fen + public_welfare_fen + administration_fen + dividends_fen = distributable_fen)
      );
      CREATE TRIGGER fee_distributions_append_only BEFORE UPDATE OR DELETE ON fee_distributions
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE cob_runs (
        business_date     date        PRIMARY KEY,
        status            text        NOT NULL CHECK (status IN ('RUNNING','COMPLETED','FAILED')),
        attempts          int         NOT NULL DEFAULT 1,
        loans_processed   int         NOT NULL DEFAULT 0,
        batches           int         NOT NULL DEFAULT 0,
        calls_raised      int         NOT NULL DEFAULT 0,
        calls_cleared     int         NOT NULL DEFAULT 0,
        snapshots         int         NOT NULL DEFAULT 0,
        triggered_by      text        NOT NULL,
        last_error        text,
        started_at        timestamptz NOT NULL DEFAULT now(),
        finished_at       timestamptz
      );
      -- where a run stands per step: a crashed run resumes after the last committed batch
      CREATE TABLE cob_checkpoints (
        business_date  date        NOT NULL REFERENCES cob_runs (business_date),
        step           text        NOT NULL CHECK (step IN ('LOANS','SNAPSHOTS')),
        last_id        bigint      NOT NULL DEFAULT 0,
        batches        int         NOT NULL DEFAULT 0,
        rows_done      int         NOT NULL DEFAULT 0,
        done           boolean     NOT NULL DEFAULT false,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (business_date, step)
      );

      CREATE TABLE portfolio_snapshots (
        fund_id                  bigint       NOT NULL REFERENCES mutual_aid_funds (id),
        business_date            date         NOT NULL,
        active_loans             int          NOT NULL,
        outstanding_fen          bigint       NOT NULL,
        current_fen              bigint       NOT NULL,
        bucket_1_30_fen          bigint       NOT NULL,
        bucket_31_60_fen         bigint       NOT NULL,
        bucket_61_90_fen         bigint       NOT NULL,
        bucket_90_plus_fen       bigint       NOT NULL,
        overdue_loans            int          NOT NULL,
        overdue_principal_fen    bigint       NOT NULL,
        overdue_interest_fen     bigint       NOT NULL,
        penalty_outstanding_fen  bigint       NOT NULL,
        non_performing_loans     int          NOT NULL,
        par30_fen                bigint       NOT NULL,
        par30_percent            numeric(7,2),
        due_to_date_fen          bigint       NOT NULL,
        paid_to_date_fen         bigint       NOT NULL,
        repayment_rate_percent   numeric(7,2),
        written_off_fen          bigint       NOT NULL,
        open_liability_calls     int          NOT NULL,
        PRIMARY KEY (fund_id, business_date)
      );
      CREATE INDEX portfolio_snapshots_date ON portfolio_snapshots (business_date);

      CREATE VIEW installment_payment_facts AS
        SELECT i.loan_id, i.number, i.due_date, pv.grace_days, i.due_date + pv.grace_days AS last_on_time_date,
               i.principal_fen, i.interest_fen, i.paid_principal_fen, i.paid_interest_fen, i.penalty_fen,
               i.status, i.paid_on, i.interest_paid_on, i.overdue_since,
               (i.status = 'PAID' AND i.paid_on <= i.due_date + pv.grace_days) AS paid_on_time,
               (i.interest_paid_on IS NOT NULL AND i.interest_paid_on <= i.due_date + pv.grace_days) AS interest_paid_on_time
          FROM loan_installments i
          JOIN loans l ON l.id = i.loan_id
          JOIN product_versions pv ON pv.id = l.product_version_id;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP VIEW installment_payment_facts;
      DROP TABLE portfolio_snapshots; DROP TABLE cob_checkpoints; DROP TABLE cob_runs;
      DROP TABLE fee_distributions; DROP TABLE write_offs;
      DROP TABLE repayment_allocations; DROP TABLE repayment_adjustments; DROP TABLE repayments;
      DROP INDEX loans_active_id; ALTER TABLE loans DROP COLUMN aged_as_of;
      DROP INDEX loan_installments_paid_on;
      DROP TRIGGER loan_installments_original_interest ON loan_installments;
      DROP FUNCTION loan_installments_original_interest();
      ALTER TABLE loan_installments DROP COLUMN interest_paid_on, DROP COLUMN original_interest_fen,
        DROP COLUMN accrued_through, DROP COLUMN penalty_fen_days;
    `);
  }
}
