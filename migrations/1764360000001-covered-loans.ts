import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Phase B of the guarantee fund: what banks report on their covered loans (repayments, overdue status),
 * compensation claims the fund pays and the recoveries shared back, and the district circuit breaker with its
 * history. Money and exposure live in the ledger; these rows say why each entry was posted.
 */
export class CoveredLoans1764360000001 implements MigrationInterface {
  name = 'CoveredLoans1764360000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- One row per report a bank makes about one of its covered loans. Append-only: a wrong report is corrected by
      -- a later one, never edited, so the exposure entries it caused stay explained.
      CREATE TABLE covered_loan_reports (
        id                    bigserial   PRIMARY KEY,
        loan_id               bigint      NOT NULL REFERENCES loans (id),
        bank_id               bigint      NOT NULL REFERENCES banks (id),
        kind                  text        NOT NULL CHECK (kind IN ('REPAYMENT','STATUS')),
        as_of                 date        NOT NULL,
        principal_fen         bigint      NOT NULL DEFAULT 0 CHECK (principal_fen >= 0),
        interest_fen          bigint      NOT NULL DEFAULT 0 CHECK (interest_fen >= 0),
        days_overdue          int         CHECK (days_overdue BETWEEN 0 AND 36500),
        recovery_exhausted    boolean,
        cover_entry_id        bigint      REFERENCES journal_entries (id),
        -- the bank's request key, prefixed with the bank id: two banks may use the same key
        idempotency_key       text        NOT NULL UNIQUE,
        created_by            text        NOT NULL,
        created_at            timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'REPAYMENT' OR principal_fen + interest_fen > 0),
        CHECK (kind <> 'STATUS' OR days_overdue IS NOT NULL)
      );
      CREATE INDEX covered_loan_reports_loan ON covered_loan_reports (loan_id, id);
      CREATE TRIGGER covered_loan_reports_append_only BEFORE UPDATE OR DELETE ON covered_loan_reports
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE SEQUENCE compensation_claim_no_seq;
      CREATE TABLE compensation_claims (
        id                    bigserial    PRIMARY KEY,
        claim_no              text         NOT NULL UNIQUE,
        loan_id               bigint       NOT NULL REFERENCES loans (id),
        agreement_id          bigint       NOT NULL REFERENCES guarantee_agreements (id),
        risk_fund_id          bigint       NOT NULL REFERENCES risk_funds (id),
        bank_id               bigint       NOT NULL REFERENCES banks (id),
        mode                  text         NOT NULL CHECK (mode IN ('ADVANCE','FINAL_LOSS')),
        days_overdue          int          NOT NULL,
        -- the claim's basis: the covered principal still outstanding and the unpaid interest due by the claim date
        principal_fen         bigint       NOT NULL CHECK (principal_fen >= 0),
        interest_fen          bigint       NOT NULL CHECK (interest_fen >= 0),
        fund_share_percent    numeric(5,2) NOT NULL,
        bank_share_percent    numeric(5,2) NOT NULL,
        fund_amount_fen       bigint       NOT NULL CHECK (fund_amount_fen >= 0),
        bank_amount_fen       bigint       NOT NULL CHECK (bank_amount_fen >= 0),
        status                text         NOT NULL DEFAULT 'FILED' CHECK (status IN ('FILED','PAID','REJECTED')),
        filed_on              date         NOT NULL,
        filed_by              text         NOT NULL,
        decided_by            text,
        decided_at            timestamptz,
        decision_reason       text,
        paid_on               date,
        entry_id              bigint       REFERENCES journal_entries (id),
        cover_entry_id        bigint       REFERENCES journal_entries (id),
        recovered_fen         bigint       NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
        fund_recovered_fen    bigint       NOT NULL DEFAULT 0 CHECK (fund_recovered_fen >= 0),
        created_at            timestamptz  NOT NULL DEFAULT now(),
        updated_at            timestamptz  NOT NULL DEFAULT now(),
        version               int          NOT NULL DEFAULT 1,
        CHECK (fund_amount_fen + bank_amount_fen = principal_fen + interest_fen),
        CHECK ((status = 'PAID') = (entry_id IS NOT NULL AND paid_on IS NOT NULL)),
        CHECK (status = 'FILED' OR decided_by IS NOT NULL),
        -- the approver is on the fund's side, never the filer
        CHECK (decided_by IS NULL OR decided_by <> filed_by),
        CHECK (recovered_fen <= principal_fen + interest_fen AND fund_recovered_fen <= recovered_fen)
      );
      -- "not already claimed": one live (filed or paid) claim per loan, also under concurrent filings
      CREATE UNIQUE INDEX compensation_claims_one_per_loan ON compensation_claims (loan_id) WHERE status <> 'REJECTED';
      CREATE INDEX compensation_claims_fund ON compensation_claims (risk_fund_id, status, id);
      CREATE INDEX compensation_claims_bank ON compensation_claims (bank_id, status, id);

      CREATE TABLE compensation_recoveries (
        id                bigserial   PRIMARY KEY,
        claim_id          bigint      NOT NULL REFERENCES compensation_claims (id),
        amount_fen        bigint      NOT NULL CHECK (amount_fen > 0),
        fund_part_fen     bigint      NOT NULL CHECK (fund_part_fen >= 0),
        bank_part_fen     bigint      NOT NULL CHECK (bank_part_fen >= 0),
        recovered_on      date        NOT NULL,
        memo              text,
        entry_id          bigint      REFERENCES journal_entries (id),
        cover_entry_id    bigint      REFERENCES journal_entries (id),
        idempotency_key   text        NOT NULL UNIQUE,
        created_by        text        NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        CHECK (fund_part_fen + bank_part_fen = amount_fen)
      );
      CREATE INDEX compensation_recoveries_claim ON compensation_recoveries (claim_id, id);
      CREATE TRIGGER compensation_recoveries_append_only BEFORE UPDATE OR DELETE ON compensation_recoveries
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      -- The circuit breaker of a district: its current state and the figures it was decided on.
      CREATE TABLE district_breakers (
        district_id           bigint       PRIMARY KEY REFERENCES districts (id),
        state                 text         NOT NULL CHECK (state IN ('NORMAL','SUSPENDED')),
        npl_fen               bigint       NOT NULL,
        outstanding_fen       bigint       NOT NULL,
        ratio_percent         numeric(9,4) NOT NULL,
        threshold_percent     numeric(7,4) NOT NULL,
        changed_at            timestamptz  NOT NULL DEFAULT now(),
        evaluated_at          timestamptz  NOT NULL DEFAULT now()
      );
      -- Every change of state, in order (evaluations that change nothing are not events).
      CREATE TABLE district_breaker_events (
        id                    bigserial    PRIMARY KEY,
        district_id           bigint       NOT NULL REFERENCES districts (id),
        from_state            text         NOT NULL CHECK (from_state IN ('NORMAL','SUSPENDED')),
        to_state              text         NOT NULL CHECK (to_state IN ('NORMAL','SUSPENDED') AND to_state <> from_state),
        npl_fen               bigint       NOT NULL,
        outstanding_fen       bigint       NOT NULL,
        ratio_percent         numeric(9,4) NOT NULL,
        threshold_percent     numeric(7,4) NOT NULL,
        cause                 text         NOT NULL,
        actor                 text         NOT NULL,
        at                    timestamptz  NOT NULL DEFAULT now()
      );
      CREATE INDEX district_breaker_events_district ON district_breaker_events (district_id, id);
      CREATE TRIGGER district_breaker_events_append_only BEFORE UPDATE OR DELETE ON district_breaker_events
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE INDEX loans_covered_district ON loans (district_id, status) WHERE channel = 'BANK_COVERED';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX loans_covered_district;
      DROP TABLE district_breaker_events; DROP TABLE district_breakers;
      DROP TABLE compensation_recoveries; DROP TABLE compensation_claims; DROP SEQUENCE compensation_claim_no_seq;
      DROP TABLE covered_loan_reports;
    `);
  }
}
