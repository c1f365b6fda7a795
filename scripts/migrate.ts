import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, loadConfig } from '#libs/common';
import { MIGRATIONS } from '../migrations/index.js';
import { createDatabaseIfMissing } from './db-admin.js';

/** Creates the database if needed and runs pending migrations. `--revert` reverts the last one. */
export async function migrate(url: string, opts: { revert?: boolean; quiet?: boolean } = {}): Promise<void> {
  if (await createDatabaseIfMissing(url)) if (!opts.quiet) console.log(`created database ${new URL(url).pathname.slice(1)}`);
  const ds = new DataSource(buildDataSourceOptions({ url, migrations: MIGRATIONS, poolSize: 2, applicationName: 'migrate' }));
  await ds.initialize();
  try {
    if (opts.revert) {
      await ds.undoLastMigration({ transaction: 'each' });
      if (!opts.quiet) console.log('reverted the last migration');
    } else {
      const ran = await ds.runMigrations({ transaction: 'each' });
      if (!opts.quiet) console.log(ran.length ? `ran ${ran.length} migration(s): ${ran.map((m) => m.name).join(', ')}` : 'schema is up to date');
    }
  } finally {
    await ds.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  migrate(config.DATABASE_URL, { revert: process.argv.includes('--revert') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
