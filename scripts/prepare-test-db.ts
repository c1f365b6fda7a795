import { dropDatabase, withDatabase } from './db-admin.js';
import { migrate } from './migrate.js';

/**
 * Builds the template database the tests clone: migrations run once here, then every test file gets its own
 * `CREATE DATABASE … TEMPLATE` copy (fast, isolated, parallel-safe).
 */
export const TEMPLATE_DB = process.env.TEST_TEMPLATE_DB ?? 'mae_test_template';

async function main(): Promise<void> {
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  await dropDatabase(server, TEMPLATE_DB);
  await migrate(withDatabase(server, TEMPLATE_DB), { quiet: true });
  console.log(`test template database ${TEMPLATE_DB} ready`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
