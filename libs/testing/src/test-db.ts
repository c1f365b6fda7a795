import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '#libs/common';

const TEMPLATE_DB = process.env.TEST_TEMPLATE_DB ?? 'mae_test_template';

export const serverUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDb(serverUrl(), 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A database of this test file's own, cloned from the migrated template (so tests run in parallel and never
 * share state). Dropped by `drop()`.
 */
export async function createTestDatabase(poolSize = 20): Promise<TestDatabase> {
  const name = `mae_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  // CREATE DATABASE … TEMPLATE fails while another clone is being made from the same template; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(async (c) => {
        await c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
        // A throw-away database need not wait for its WAL to reach disk at each commit (fsync stays on, so the
        // server itself stays crash-safe); set on this clone only, never on a development or production database.
        await c.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
      });
      break;
    } catch (e) {
      if (attempt > 40 || !/being accessed by other users/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 200)));
    }
  }
  const url = withDb(serverUrl(), name);
  const dataSource = new DataSource(buildDataSourceOptions({ url, poolSize, applicationName: 'test' }));
  await dataSource.initialize();
  return {
    name,
    url,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
