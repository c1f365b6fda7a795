import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * District guarantee (risk) funds: bank API keys, one risk fund per district, its movements (deposits, interest,
 * withdrawals), cooperation agreements per fund and bank, and the covers (one per covered loan) whose amounts
 * mirror the EXPOSURE memo ledger. Money and exposure balances live in the ledger; these rows say why.
 */
export class Guarantee1764360000000 implements MigrationInterface {
  name = 'Guarantee1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bank_api_keys (
        id            bigserial   PRIMARY KEY,
        bank_id       bigint      NOT NULL REFERENCES banks (id),
        public_id     text        NOT NULL UNIQUE CHECK (public_id ~ '^[a-z2-9]{12}$'),
        -- sha256 of the whole key (hex); the key itself is shown once and never stored
        key_hash      char(64)    NOT NULL,
        label         text        NOT NULL,
        created_by    text        NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz,
        revoked_by    text
      );
      CREATE INDEX bank_api_keys_bank ON bank_api_keys (bank_id, id);

      CREATE TABLE risk_funds (
        id                bigserial   PRIMARY KEY,
        district_id       bigint      NOT NULL UNIQUE REFERENCES districts (id),
        name              text        NOT NULL,
        status            text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','CLOSED')),
        -- binding only when the district is heavy-task (SPEC §2.2: 5,000,000 yuan by default)
        minimum_fund_fen  bigint      NOT NULL DEFAULT 500000000 CHECK (minimum_fund_fen >= 0),
        -- a covered loan more than this many days overdue counts as non-performing for the circuit breaker
        npl_overdue_days  int         NOT NULL DEFAULT 90 CHECK (npl_overdue_days BETWEEN 1 AND 3650),
        created_by        text        NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        version           int         NOT NULL DEFAULT 1
      );

      CREATE TABLE risk_fund_movements (
        id               bigserial   PRIMARY KEY,
        risk_fund_id     bigint      NOT NULL REFERENCES risk_funds (id),
        kind             text        NOT NULL CHECK (kind IN ('DEPOSIT','WITHDRAWAL','INTEREST','COMPENSATION','RECOVERY')),
        source           text        CHECK (source IN ('CENTRAL','CITY','DISTRICT','SOE')),
        amount_fen       bigint      NOT NULL CHECK (amount_fen > 0),
        business_date    date        NOT NULL,
        document_ref     text,
        memo             text,
        contribution_id  bigint      REFERENCES contributions (id),
        entry_id         bigint      NOT NULL REFERENCES journal_entries (id),
        cover_entry_id   bigint      NOT NULL REFERENCES journal_entries (id),
        idempotency_key  text        NOT NULL UNIQUE,
        created_by       text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind IN ('DEPOSIT','WITHDRAWAL')) = (source IS NOT NULL)),
        CHECK ((kind = 'DEPOSIT') = (contribution_id IS NOT NULL))
      );
      CREATE INDEX risk_fund_movements_fund ON risk_fund_movements (risk_fund_id, business_date, id);
      CREATE TRIGGER risk_fund_movements_append_only BEFORE UPDATE OR DELETE ON risk_fund_movements
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE guarantee_agreements (
        id                        bigserial    PRIMARY KEY,
        agreement_no              text         NOT NULL UNIQUE,
        risk_fund_id              bigint       NOT NULL REFERENCES risk_funds (id),
        bank_id                   bigint       NOT NULL REFERENCES banks (id),
        leverage_multiple         numeric(9,4) NOT NULL DEFAULT 10 CHECK (leverage_multiple > 0 AND leverage_multiple <= 100),
        entity_leverage_multiple  numeric(9,4) CHECK (entity_leverage_multiple > 0 AND entity_leverage_multiple <= leverage_multiple),
        fund_share_percent        numeric(5,2) NOT NULL DEFAULT 80,
        bank_share_percent        numeric(5,2) NOT NULL DEFAULT 20,
        compensation_mode         text         NOT NULL DEFAULT 'ADVANCE' CHECK (compensation_mode IN ('ADVANCE','FINAL_LOSS')),
        trigger_days              int          NOT NULL DEFAULT 90 CHECK (trigger_days BETWEEN 1 AND 3650),
        npl_threshold_percent     numeric(7,4) NOT NULL DEFAULT 5 CHECK (npl_threshold_percent > 0 AND npl_threshold_percent <= 100),
        valid_from                date         NOT NULL,
        valid_to                  date,
        status                    text         NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','TERMINATED')),
        terminated_on             date,
        created_by                text         NOT NULL,
        created_at                timestamptz  NOT NULL DEFAULT now(),
        updated_at                timestamptz  NOT NULL DEFAULT now(),
        version                   int          NOT NULL DEFAULT 1,
        -- one agreement per fund and bank: the exposure accounts of a bank in a district are that agreement's
        UNIQUE (risk_fund_id, bank_id),
        CHECK (valid_to IS NULL OR valid_to >= valid_from),
        CHECK (fund_share_percent >= 0 AND bank_share_percent >= 0 AND fund_share_percent + bank_share_percent = 100),
        CHECK ((status = 'TERMINATED') = (terminated_on IS NOT NULL))
      );
      CREATE INDEX guarantee_agreements_bank ON guarantee_agreements (bank_id);

      ALTER TABLE loans ADD CONSTRAINT loans_agreement_fk FOREIGN KEY (agreement_id) REFERENCES guarantee_agreements (id);
      CREATE INDEX loans_agreement ON loans (agreement_id) WHERE agreement_id IS NOT NULL;

      -- One cover per covered loan. Amounts mirror the agreement's EXPOSURE accounts (pending / outstanding covered
      -- principal) and the fund money backing them (cover_*), so every release is computed from this row.
      CREATE TABLE guarantee_covers (
        id                   bigserial    PRIMARY KEY,
        loan_id              bigint       NOT NULL UNIQUE REFERENCES loans (id),
        agreement_id         bigint       NOT NULL REFERENCES guarantee_agreements (id),
        risk_fund_id         bigint       NOT NULL REFERENCES risk_funds (id),
        bank_id              bigint       NOT NULL REFERENCES banks (id),
        borrower_type        text         NOT NULL CHECK (borrower_type IN ('HOUSEHOLD','ENTITY')),
        -- the multiple in force when the loan was reserved; later agreement changes apply to new loans only
        multiple             numeric(9,4) NOT NULL CHECK (multiple > 0),
        reserved_fen         bigint       NOT NULL CHECK (reserved_fen > 0),
        pending_fen          bigint       NOT NULL DEFAULT 0 CHECK (pending_fen >= 0),
        outstanding_fen      bigint       NOT NULL DEFAULT 0 CHECK (outstanding_fen >= 0),
        cover_pending_fen    bigint       NOT NULL DEFAULT 0 CHECK (cover_pending_fen >= 0),
        cover_used_fen       bigint       NOT NULL DEFAULT 0 CHECK (cover_used_fen >= 0),
        disbursed_fen        bigint       NOT NULL DEFAULT 0 CHECK (disbursed_fen >= 0),
        released_fen         bigint       NOT NULL DEFAULT 0 CHECK (released_fen >= 0),
        status               text         NOT NULL CHECK (status IN ('PENDING','ACTIVE','CLOSED','VOIDED')),
        reserved_on          date         NOT NULL,
        consumed_on          date,
        closed_on            date,
        created_at           timestamptz  NOT NULL DEFAULT now(),
        updated_at           timestamptz  NOT NULL DEFAULT now(),
        CHECK (status <> 'PENDING' OR (outstanding_fen = 0 AND cover_used_fen = 0)),
        CHECK (status = 'PENDING' OR (pending_fen = 0 AND cover_pending_fen = 0)),
        CHECK (status NOT IN ('CLOSED','VOIDED') OR (outstanding_fen = 0 AND cover_used_fen = 0))
      );
      CREATE INDEX guarantee_covers_agreement ON guarantee_covers (agreement_id, status);
      CREATE INDEX guarantee_covers_fund ON guarantee_covers (risk_fund_id, status);
      CREATE INDEX guarantee_covers_bank ON guarantee_covers (bank_id, status);

      CREATE TABLE guarantee_cover_events (
        id               bigserial   PRIMARY KEY,
        cover_id         bigint      NOT NULL REFERENCES guarantee_covers (id),
        event            text        NOT NULL CHECK (event IN ('RESERVED','CONSUMED','RELEASED','VOIDED')),
        amount_fen       bigint      NOT NULL CHECK (amount_fen >= 0),
        cover_delta_fen  bigint      NOT NULL,
        entry_id         bigint      NOT NULL REFERENCES journal_entries (id),
        idempotency_key  text        NOT NULL UNIQUE,
        business_date    date        NOT NULL,
        actor            text        NOT NULL,
        at               timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX guarantee_cover_events_cover ON guarantee_cover_events (cover_id, id);
      CREATE TRIGGER guarantee_cover_events_append_only BEFORE UPDATE OR DELETE ON guarantee_cover_events
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE guarantee_cover_events; DROP TABLE guarantee_covers;
      DROP INDEX loans_agreement; ALTER TABLE loans DROP CONSTRAINT loans_agreement_fk;
      DROP TABLE guarantee_agreements; DROP TABLE risk_fund_movements; DROP TABLE risk_funds; DROP TABLE bank_api_keys;
    `);
  }
}
