import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Product and benchmark-rate rules the first products migration left to the application:
 * - product versions and benchmark rates are history: versions are append-only; a benchmark row can only be
 *   withdrawn (the service allows it before it takes effect), never changed or deleted;
 * - benchmark bands of one effective date may not overlap (an exclusion constraint, so two concurrent inserts
 *   cannot both pass), replacing the plain unique key so a withdrawn row does not block its correction;
 * - how a penalty rate is read (an annual rate, or a surcharge on the contract rate: 罚息上浮), and the entity
 *   loan cap per linked poor household (SPEC §2.2);
 * - CHECKs mirroring the validation: BULLET ⇔ AT_MATURITY, no negative rates, a first-loan cap and an age band
 *   that make sense.
 */
export class ProductRules1764310000001 implements MigrationInterface {
  name = 'ProductRules1764310000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE product_versions
        ADD COLUMN penalty_basis text NOT NULL DEFAULT 'ANNUAL_RATE'
          CHECK (penalty_basis IN ('ANNUAL_RATE','SURCHARGE_ON_CONTRACT')),
        ADD COLUMN max_per_linked_household_fen bigint CHECK (max_per_linked_household_fen > 0),
        ADD CONSTRAINT product_versions_bullet_at_maturity CHECK ((method = 'BULLET') = (frequency = 'AT_MATURITY')),
        ADD CONSTRAINT product_versions_rates_non_negative
          CHECK (coalesce(fixed_rate_percent, 0) >= 0 AND markup_percent >= 0 AND penalty_rate_percent >= 0),
        ADD CONSTRAINT product_versions_first_loan_max
          CHECK (first_loan_max_fen IS NULL OR first_loan_max_fen BETWEEN min_principal_fen AND max_principal_fen),
        ADD CONSTRAINT product_versions_age_band CHECK (min_age IS NULL OR max_age IS NULL OR max_age >= min_age),
        ADD CONSTRAINT product_versions_fixed_rate_only_fixed CHECK (rate_source = 'FIXED' OR fixed_rate_percent IS NULL);

      CREATE TRIGGER product_versions_append_only BEFORE UPDATE OR DELETE ON product_versions
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER product_versions_no_truncate BEFORE TRUNCATE ON product_versions
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER products_no_delete BEFORE DELETE ON products
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE INDEX products_kind ON products (kind, active);

      ALTER TABLE benchmark_rates
        ADD COLUMN withdrawn_at timestamptz,
        ADD COLUMN withdrawn_by text,
        ADD COLUMN withdrawal_reason text,
        ADD CONSTRAINT benchmark_rates_withdrawal
          CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL));
      -- the plain unique key (its generated name is truncated, so look it up) gives way to the exclusion constraint
      DO $$ DECLARE c text; BEGIN
        SELECT conname INTO c FROM pg_constraint WHERE conrelid = 'benchmark_rates'::regclass AND contype = 'u';
        IF c IS NOT NULL THEN EXECUTE format('ALTER TABLE benchmark_rates DROP CONSTRAINT %I', c); END IF;
      END $$;
      ALTER TABLE benchmark_rates ADD CONSTRAINT benchmark_rates_no_overlap EXCLUDE USING gist (
        int4range(term_min_months, term_max_months, '[]') WITH &&,
        daterange(effective_from, effective_from, '[]') WITH &&
      ) WHERE (withdrawn_at IS NULL);
      ALTER TABLE benchmark_rates ADD CONSTRAINT benchmark_rates_term_max CHECK (term_max_months <= 360);
      CREATE INDEX benchmark_rates_effective ON benchmark_rates (effective_from) WHERE withdrawn_at IS NULL;

      -- history stays as written: the only change allowed is withdrawing a live row (once)
      CREATE FUNCTION benchmark_rates_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
           AND (NEW.id, NEW.term_min_months, NEW.term_max_months, NEW.rate_percent, NEW.effective_from, NEW.note,
                NEW.created_by, NEW.created_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.term_min_months, OLD.term_max_months, OLD.rate_percent, OLD.effective_from, OLD.note,
                OLD.created_by, OLD.created_at) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'benchmark_rates is history: % refused (add a new effective-dated row instead)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER benchmark_rates_history BEFORE UPDATE OR DELETE ON benchmark_rates
        FOR EACH ROW EXECUTE FUNCTION benchmark_rates_guard();
      CREATE TRIGGER benchmark_rates_no_truncate BEFORE TRUNCATE ON benchmark_rates
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER benchmark_rates_no_truncate ON benchmark_rates;
      DROP TRIGGER benchmark_rates_history ON benchmark_rates;
      DROP FUNCTION benchmark_rates_guard();
      DROP INDEX benchmark_rates_effective;
      ALTER TABLE benchmark_rates DROP CONSTRAINT benchmark_rates_term_max;
      ALTER TABLE benchmark_rates DROP CONSTRAINT benchmark_rates_no_overlap;
      ALTER TABLE benchmark_rates ADD UNIQUE (term_min_months, term_max_months, effective_from);
      ALTER TABLE benchmark_rates DROP CONSTRAINT benchmark_rates_withdrawal,
        DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by, DROP COLUMN withdrawn_at;
      DROP INDEX products_kind;
      DROP TRIGGER products_no_delete ON products;
      DROP TRIGGER product_versions_no_truncate ON product_versions;
      DROP TRIGGER product_versions_append_only ON product_versions;
      ALTER TABLE product_versions
        DROP CONSTRAINT product_versions_fixed_rate_only_fixed,
        DROP CONSTRAINT product_versions_age_band,
        DROP CONSTRAINT product_versions_first_loan_max,
        DROP CONSTRAINT product_versions_rates_non_negative,
        DROP CONSTRAINT product_versions_bullet_at_maturity,
        DROP COLUMN max_per_linked_household_fen,
        DROP COLUMN penalty_basis;
    `);
  }
}
