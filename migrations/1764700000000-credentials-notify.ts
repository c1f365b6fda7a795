import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every process that keeps users' credentials (the token check's row: libs/auth CredentialsCache) hears at commit of
 * any change to a user, and of any change to the towns and villages a user's area is resolved through, whoever makes
 * it (the API or SQL straight in the database). The payload is the user's id, or `*` for everyone.
 */
export class CredentialsNotify1764700000000 implements MigrationInterface {
  name = 'CredentialsNotify1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_user_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('mae_credentials', OLD.id::text);
        RETURN NULL;
      END $$;
      CREATE FUNCTION notify_all_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('mae_credentials', '*');
        RETURN NULL;
      END $$;
      CREATE TRIGGER users_credentials_changed AFTER UPDATE OR DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION notify_user_credentials();
      CREATE TRIGGER towns_credentials_changed AFTER UPDATE OR DELETE ON towns
        FOR EACH STATEMENT EXECUTE FUNCTION notify_all_credentials();
      CREATE TRIGGER villages_credentials_changed AFTER UPDATE OR DELETE ON villages
        FOR EACH STATEMENT EXECUTE FUNCTION notify_all_credentials();`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER villages_credentials_changed ON villages;
      DROP TRIGGER towns_credentials_changed ON towns;
      DROP TRIGGER users_credentials_changed ON users;
      DROP FUNCTION notify_all_credentials();
      DROP FUNCTION notify_user_credentials();`);
  }
}
