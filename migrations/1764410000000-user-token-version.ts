import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bearer tokens carry the user's `token_version` (claim `ver`); the guard refuses a token whose version is not the
 * row's current one. The database bumps the version itself whenever what a token vouches for changes — password,
 * role, bank, or active flag — so a token dies at once on deactivation, demotion or a password change, whoever
 * makes the change (the users API, the seed, or a hand-run UPDATE in an incident).
 */
export class UserTokenVersion1764410000000 implements MigrationInterface {
  name = 'UserTokenVersion1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0);

      CREATE FUNCTION users_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
           OR NEW.role IS DISTINCT FROM OLD.role
           OR NEW.bank_id IS DISTINCT FROM OLD.bank_id
           OR NEW.active IS DISTINCT FROM OLD.active THEN
          -- Never below what the statement asked for, so an explicit revoke (token_version + 1) is not lost.
          NEW.token_version := GREATEST(NEW.token_version, OLD.token_version + 1);
        END IF;
        RETURN NEW;
      END $$;

      CREATE TRIGGER users_token_version BEFORE UPDATE ON users
        FOR EACH ROW EXECUTE FUNCTION users_bump_token_version();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER users_token_version ON users;
      DROP FUNCTION users_bump_token_version();
      ALTER TABLE users DROP COLUMN token_version;
    `);
  }
}
