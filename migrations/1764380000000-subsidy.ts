import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Interest subsidy (贷款贴息) and matching compliance of funding sources (SPEC §2.3, §2.4).
 *
 * - subsidy_programmes: who pays (city-wide or one district), how (PAY_BANK: the lender is paid, the borrower pays
 *   only the rest; REIMBURSE_BORROWER: the borrower pays in full and is refunded), the settlement calendar (periods
 *   end on `period_end_day` of `period_end_months`: by default the 20th of Mar/Jun/Sep/Dec, the banks' quarterly
 *   interest settlement day 结息日) and the grace days of the "paid on time" rule. Money sits in the ledger
 *   (SUB:{id}:*); contributions funding a programme are rows of the shared contributions register.
 * - subsidy_budgets: the yearly spending limit and what approved claims committed of it (CHECK committed ≤ budget,
 *   the backstop of the split-and-queue rule), with an append-only history of budget changes.
 * - subsidy_loan_terms: what a loan's subsidy is computed from, frozen the first time the loan enters a claim
 *   (the benchmark rate of its contract date, the number of linked poor households of an entity borrower, the
 *   rate and basis cap of the policy), so regenerating a period later gives the same lines.
 * - subsidy_claims and their append-only lines: one claim per programme, settlement period and payee (a bank, or a
 *   village fund for mutual-aid loans), versioned; ORIGINAL, ADJUSTMENT (a correction after approval, never an
 *   edit of an approved claim) and REMAINDER (the part of an approved claim beyond the year's budget, QUEUED until
 *   budget or money arrives). A deferred constraint trigger asserts every claim's total is the sum of its lines;
 *   a guard refuses changes of a claim's content and any change of a PAID claim.
 * - funding_matching_rules: the district-to-city matching ratio (default 2.0) and the SOE profit share (default
 *   3 %) per year.
 */
export class Subsidy1764380000000 implements MigrationInterface {
  name = 'Subsidy1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subsidy_programmes (
        id                 bigserial   PRIMARY KEY,
        code               text        NOT NULL UNIQUE,
        name               text        NOT NULL,
        -- NULL: a city-wide programme; else the district that runs and funds it
        district_id        bigint      REFERENCES districts (id),
        settlement_mode    text        NOT NULL CHECK (settlement_mode IN ('PAY_BANK','REIMBURSE_BORROWER')),
        period_end_months  int[]       NOT NULL DEFAULT '{3,6,9,12}',
        period_end_day     int         NOT NULL DEFAULT 20 CHECK (period_end_day BETWEEN 1 AND 28),
        grace_days         int         NOT NULL DEFAULT 0 CHECK (grace_days BETWEEN 0 AND 90),
        status             text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','CLOSED')),
        created_by         text        NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        version            int         NOT NULL DEFAULT 1,
        CHECK (cardinality(period_end_months) BETWEEN 1 AND 12
               AND period_end_months <@ ARRAY[1,2,3,4,5,6,7,8,9,10,11,12])
      );
      CREATE INDEX subsidy_programmes_district ON subsidy_programmes (district_id);

      CREATE TABLE subsidy_budgets (
        programme_id   bigint      NOT NULL REFERENCES subsidy_programmes (id),
        year           int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        budget_fen     bigint      NOT NULL CHECK (budget_fen >= 0),
        -- net approved spending of the year; an approved clawback (negative adjustment) lowers it
        committed_fen  bigint      NOT NULL DEFAULT 0,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (programme_id, year),
        CONSTRAINT subsidy_budgets_within CHECK (committed_fen <= budget_fen)
      );

      CREATE TABLE subsidy_budget_changes (
        id               bigserial   PRIMARY KEY,
        programme_id     bigint      NOT NULL REFERENCES subsidy_programmes (id),
        year             int         NOT NULL,
        previous_fen     bigint      NOT NULL,
        budget_fen       bigint      NOT NULL,
        document_ref     text,
        reason           text        NOT NULL,
        idempotency_key  text        NOT NULL UNIQUE,
        created_by       text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX subsidy_budget_changes_programme ON subsidy_budget_changes (programme_id, year, id);
      CREATE TRIGGER subsidy_budget_changes_append_only BEFORE UPDATE OR DELETE ON subsidy_budget_changes
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE subsidy_loan_terms (
        loan_id                bigint       PRIMARY KEY REFERENCES loans (id),
        programme_id           bigint       NOT NULL REFERENCES subsidy_programmes (id),
        product_version_id     bigint       NOT NULL REFERENCES product_versions (id),
        policy                 jsonb        NOT NULL,
        subsidy_rate_percent   numeric(9,6) NOT NULL CHECK (subsidy_rate_percent >= 0),
        basis_cap_fen          bigint       NOT NULL CHECK (basis_cap_fen >= 0),
        benchmark_rate_percent numeric(9,6),
        linked_poor_count      int,
        frozen_at              timestamptz  NOT NULL DEFAULT now()
      );
      CREATE TRIGGER subsidy_loan_terms_append_only BEFORE UPDATE OR DELETE ON subsidy_loan_terms
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE subsidy_claims (
        id                  bigserial   PRIMARY KEY,
        claim_no            text        NOT NULL UNIQUE,
        programme_id        bigint      NOT NULL REFERENCES subsidy_programmes (id),
        period_start        date        NOT NULL,
        period_end          date        NOT NULL,
        budget_year         int         NOT NULL,
        settlement_mode     text        NOT NULL CHECK (settlement_mode IN ('PAY_BANK','REIMBURSE_BORROWER')),
        payee_type          text        NOT NULL CHECK (payee_type IN ('BANK','FUND')),
        bank_id             bigint      REFERENCES banks (id),
        fund_id             bigint      REFERENCES mutual_aid_funds (id),
        kind                text        NOT NULL CHECK (kind IN ('ORIGINAL','ADJUSTMENT','REMAINDER')),
        version             int         NOT NULL CHECK (version >= 1),
        status              text        NOT NULL CHECK (status IN ('DRAFT','SUPERSEDED','QUEUED','APPROVED','PAID')),
        parent_claim_id     bigint      REFERENCES subsidy_claims (id),
        -- deferred: the draft is marked superseded before its successor (there is one draft at a time) is inserted
        superseded_by       bigint      REFERENCES subsidy_claims (id) DEFERRABLE INITIALLY DEFERRED,
        remainder_claim_id  bigint      REFERENCES subsidy_claims (id),
        -- a QUEUED remainder keeps the place of the first remainder of its claim, so a partly paid head of the
        -- queue stays at the head
        queue_rank          bigint,
        content_hash        text        NOT NULL,
        line_count          int         NOT NULL CHECK (line_count >= 0),
        interest_fen        bigint      NOT NULL,
        forfeited_fen       bigint      NOT NULL,
        total_fen           bigint      NOT NULL,
        approved_fen        bigint,
        pending_count       int         NOT NULL DEFAULT 0,
        as_of               date        NOT NULL,
        generated_by        text        NOT NULL,
        generated_at        timestamptz NOT NULL DEFAULT now(),
        approved_by         text,
        approved_at         timestamptz,
        approval_entry_id   bigint      REFERENCES journal_entries (id),
        paid_on             date,
        payment_ref         text,
        paid_by             text,
        payment_entry_id    bigint      REFERENCES journal_entries (id),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        CHECK ((payee_type = 'BANK') = (bank_id IS NOT NULL)),
        CHECK ((payee_type = 'FUND') = (fund_id IS NOT NULL)),
        CHECK (kind = 'ADJUSTMENT' OR total_fen >= 0),
        CHECK ((kind = 'REMAINDER') = (parent_claim_id IS NOT NULL)),
        CHECK (kind = 'REMAINDER' OR status <> 'QUEUED'),
        CHECK ((kind = 'REMAINDER') = (queue_rank IS NOT NULL)),
        CONSTRAINT subsidy_claims_maker_checker CHECK (approved_by IS NULL OR approved_by <> generated_by),
        CHECK ((status IN ('APPROVED','PAID')) = (approved_by IS NOT NULL AND approved_fen IS NOT NULL)),
        CHECK ((status = 'PAID') = (paid_on IS NOT NULL)),
        CHECK ((status = 'SUPERSEDED') = (superseded_by IS NOT NULL)),
        -- the approved part never exceeds the claim; what it leaves goes to the remainder claim
        CHECK (approved_fen IS NULL OR total_fen < 0 OR (approved_fen BETWEEN 0 AND total_fen)),
        CHECK (approved_fen IS NULL OR approved_fen = total_fen OR remainder_claim_id IS NOT NULL)
      );
      CREATE UNIQUE INDEX subsidy_claims_group_version
        ON subsidy_claims (programme_id, period_end, payee_type, coalesce(bank_id, fund_id), version);
      -- one draft per programme, period and payee: regeneration replaces or versions it
      CREATE UNIQUE INDEX subsidy_claims_one_draft
        ON subsidy_claims (programme_id, period_end, payee_type, coalesce(bank_id, fund_id)) WHERE status = 'DRAFT';
      CREATE INDEX subsidy_claims_queue ON subsidy_claims (programme_id, budget_year, queue_rank) WHERE status = 'QUEUED';
      CREATE INDEX subsidy_claims_list ON subsidy_claims (programme_id, period_end, status);
      CREATE INDEX subsidy_claims_bank ON subsidy_claims (bank_id) WHERE bank_id IS NOT NULL;

      CREATE TABLE subsidy_claim_lines (
        id                     bigserial    PRIMARY KEY,
        claim_id               bigint       NOT NULL REFERENCES subsidy_claims (id),
        line_no                int          NOT NULL CHECK (line_no >= 1),
        loan_id                bigint       NOT NULL REFERENCES loans (id),
        installment_number     int          NOT NULL,
        period_start           date         NOT NULL,
        due_date               date         NOT NULL,
        days                   int          NOT NULL,
        policy_type            text         NOT NULL CHECK (policy_type IN ('FULL_BENCHMARK','FIXED_RATE','CAPPED')),
        subsidy_rate_percent   numeric(9,6) NOT NULL,
        balance_fen            bigint       NOT NULL,
        basis_fen              bigint       NOT NULL,
        -- the period's share of the year as an exact fraction ("1/12", "11/372", "31/365")
        year_share             text         NOT NULL,
        interest_fen           bigint       NOT NULL,
        original_interest_fen  bigint       NOT NULL,
        interest_paid_fen      bigint       NOT NULL,
        interest_paid_on       date,
        computed_fen           bigint       NOT NULL,
        outcome                text         NOT NULL CHECK (outcome IN ('EARNED','FORFEITED')),
        forfeit_reason         text         CHECK (forfeit_reason IN ('LATE_PAYMENT','UNPAID','LOAN_MISUSE','LOAN_FRAUD','WRITTEN_OFF')),
        earned_fen             bigint       NOT NULL,
        forfeited_fen          bigint       NOT NULL,
        claimed_before_fen     bigint       NOT NULL DEFAULT 0,
        subsidy_fen            bigint       NOT NULL,
        source_line_id         bigint       REFERENCES subsidy_claim_lines (id),
        UNIQUE (claim_id, line_no),
        CHECK ((outcome = 'FORFEITED') = (forfeit_reason IS NOT NULL)),
        CHECK (computed_fen BETWEEN 0 AND interest_fen),
        CHECK (earned_fen + forfeited_fen = computed_fen),
        CHECK (outcome = 'EARNED' OR earned_fen = 0),
        CHECK (outcome = 'FORFEITED' OR forfeited_fen = 0)
      );
      CREATE INDEX subsidy_claim_lines_loan ON subsidy_claim_lines (loan_id, installment_number);
      CREATE TRIGGER subsidy_claim_lines_append_only BEFORE UPDATE OR DELETE ON subsidy_claim_lines
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      -- a claim's total, interest, forfeiture and line count are those of its lines, checked at commit
      CREATE FUNCTION subsidy_claim_totals_check() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE s bigint; f bigint; i bigint; n int;
      BEGIN
        SELECT coalesce(sum(subsidy_fen), 0), coalesce(sum(forfeited_fen), 0), coalesce(sum(interest_fen), 0), count(*)
          INTO s, f, i, n FROM subsidy_claim_lines WHERE claim_id = NEW.id;
        IF s <> NEW.total_fen OR n <> NEW.line_count OR f <> NEW.forfeited_fen OR i <> NEW.interest_fen THEN
          RAISE EXCEPTION 'subsidy claim %: total % / % lines ≠ Σ lines % / %', NEW.claim_no, NEW.total_fen, NEW.line_count, s, n
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER subsidy_claims_totals AFTER INSERT ON subsidy_claims
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION subsidy_claim_totals_check();

      -- a claim's content never changes; a PAID claim never changes at all (corrections are ADJUSTMENT claims)
      CREATE FUNCTION subsidy_claims_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR OLD.status = 'PAID' OR OLD.status = 'SUPERSEDED' THEN
          RAISE EXCEPTION 'subsidy claim % is %: % refused', OLD.claim_no, OLD.status, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.id, NEW.claim_no, NEW.programme_id, NEW.period_start, NEW.period_end, NEW.budget_year, NEW.settlement_mode,
            NEW.payee_type, NEW.bank_id, NEW.fund_id, NEW.kind, NEW.version, NEW.parent_claim_id, NEW.content_hash,
            NEW.line_count, NEW.interest_fen, NEW.forfeited_fen, NEW.total_fen, NEW.as_of, NEW.generated_by, NEW.generated_at)
           IS DISTINCT FROM
           (OLD.id, OLD.claim_no, OLD.programme_id, OLD.period_start, OLD.period_end, OLD.budget_year, OLD.settlement_mode,
            OLD.payee_type, OLD.bank_id, OLD.fund_id, OLD.kind, OLD.version, OLD.parent_claim_id, OLD.content_hash,
            OLD.line_count, OLD.interest_fen, OLD.forfeited_fen, OLD.total_fen, OLD.as_of, OLD.generated_by, OLD.generated_at) THEN
          RAISE EXCEPTION 'subsidy claim %: its content is fixed when generated', OLD.claim_no USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER subsidy_claims_guard BEFORE UPDATE OR DELETE ON subsidy_claims
        FOR EACH ROW EXECUTE FUNCTION subsidy_claims_guard();

      CREATE TABLE funding_matching_rules (
        year                int          PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
        ratio               numeric(9,4) NOT NULL CHECK (ratio >= 0 AND ratio <= 100),
        soe_profit_percent  numeric(9,6) NOT NULL DEFAULT 3 CHECK (soe_profit_percent >= 0 AND soe_profit_percent <= 100),
        document_ref        text,
        note                text,
        updated_by          text         NOT NULL,
        created_at          timestamptz  NOT NULL DEFAULT now(),
        updated_at          timestamptz  NOT NULL DEFAULT now(),
        version             int          NOT NULL DEFAULT 1
      );
      CREATE INDEX contributions_year_source ON contributions (year, source);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX contributions_year_source;
      DROP TABLE funding_matching_rules;
      DROP TRIGGER subsidy_claims_guard ON subsidy_claims;
      DROP FUNCTION subsidy_claims_guard();
      DROP TRIGGER subsidy_claims_totals ON subsidy_claims;
      DROP FUNCTION subsidy_claim_totals_check();
      DROP TABLE subsidy_claim_lines;
      DROP TABLE subsidy_claims;
      DROP TABLE subsidy_loan_terms;
      DROP TABLE subsidy_budget_changes;
      DROP TABLE subsidy_budgets;
      DROP TABLE subsidy_programmes;
    `);
  }
}
