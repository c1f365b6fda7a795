import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Foundation: idempotency keys, the double-entry ledger (append-only journal and postings, balances kept in
 * account rows), users and the append-only audit log.
 */
export class Foundation1764300000000 implements MigrationInterface {
  name = 'Foundation1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;

      CREATE TABLE idempotency_keys (
        scope        text        NOT NULL,
        key          text        NOT NULL,
        request_hash text        NOT NULL,
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      );

      CREATE TABLE ledger_accounts (
        id           bigserial   PRIMARY KEY,
        code         text        NOT NULL UNIQUE,
        name         text        NOT NULL,
        type         text        NOT NULL CHECK (type IN ('ASSET','LIABILITY','EQUITY','INCOME','EXPENSE')),
        normal_side  text        NOT NULL CHECK (normal_side IN ('DEBIT','CREDIT')),
        currency     char(3)     NOT NULL DEFAULT 'CNY',
        ledger       text        NOT NULL DEFAULT 'MONEY' CHECK (ledger IN ('MONEY','EXPOSURE')),
        owner_type   text,
        owner_id     text,
        no_negative  boolean     NOT NULL DEFAULT false,
        debits_fen   bigint      NOT NULL DEFAULT 0 CHECK (debits_fen >= 0),
        credits_fen  bigint      NOT NULL DEFAULT 0 CHECK (credits_fen >= 0),
        -- balance on the account's normal side; the bound is part of the ledger, not of each caller
        balance_fen  bigint      NOT NULL DEFAULT 0,
        created_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_accounts_no_negative CHECK (NOT no_negative OR balance_fen >= 0),
        CONSTRAINT ledger_accounts_balance_consistent CHECK (
          balance_fen = CASE WHEN normal_side = 'DEBIT' THEN debits_fen - credits_fen ELSE credits_fen - debits_fen END)
      );
      CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_type, owner_id);

      CREATE TABLE journal_entries (
        id               bigserial   PRIMARY KEY,
        idempotency_key  text        NOT NULL UNIQUE,
        content_hash     text        NOT NULL,
        code             text        NOT NULL,
        business_date    date        NOT NULL,
        actor            text        NOT NULL,
        memo             text,
        reversal_of      bigint      UNIQUE REFERENCES journal_entries (id),
        request_id       text,
        created_at       timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX journal_entries_business_date ON journal_entries (business_date);
      CREATE INDEX journal_entries_code ON journal_entries (code);

      CREATE TABLE ledger_postings (
        id                bigserial PRIMARY KEY,
        entry_id          bigint    NOT NULL REFERENCES journal_entries (id),
        account_id        bigint    NOT NULL REFERENCES ledger_accounts (id),
        side              text      NOT NULL CHECK (side IN ('DEBIT','CREDIT')),
        amount_fen        bigint    NOT NULL CHECK (amount_fen > 0),
        currency          char(3)   NOT NULL,
        ledger            text      NOT NULL,
        balance_after_fen bigint    NOT NULL
      );
      CREATE INDEX ledger_postings_account ON ledger_postings (account_id, id);
      CREATE INDEX ledger_postings_entry ON ledger_postings (entry_id);

      CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

      CREATE TABLE banks (
        id          bigserial   PRIMARY KEY,
        code        text        NOT NULL UNIQUE,
        name        text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE users (
        id             bigserial   PRIMARY KEY,
        username       text        NOT NULL UNIQUE,
        display_name   text        NOT NULL,
        password_hash  text        NOT NULL,
        role           text        NOT NULL CHECK (role IN ('ADMIN','FUND_ADMIN','LOAN_OFFICER','BANK_OFFICER','AUDITOR')),
        bank_id        bigint      REFERENCES banks (id),
        active         boolean     NOT NULL DEFAULT true,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_bank_officer_has_bank CHECK ((role = 'BANK_OFFICER') = (bank_id IS NOT NULL))
      );

      CREATE TABLE audit_log (
        id           bigserial   PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT now(),
        actor_id     bigint,
        actor        text        NOT NULL,
        role         text        NOT NULL,
        action       text        NOT NULL,
        entity_type  text        NOT NULL,
        entity_id    text,
        before       jsonb,
        after        jsonb,
        request_id   text
      );
      CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_log; DROP TABLE users; DROP TABLE banks;
      DROP TABLE ledger_postings; DROP TABLE journal_entries; DROP TABLE ledger_accounts;
      DROP TABLE idempotency_keys; DROP FUNCTION refuse_change();
    `);
  }
}
