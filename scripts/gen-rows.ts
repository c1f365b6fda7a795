import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { dropDatabase, withDatabase } from './db-admin.js';
import { migrate } from './migrate.js';
import {
  OWNERSHIP_DOCS,
  checkOwnership,
  describeProblems,
  existingRowFiles,
  hasProblems,
  readOwnership,
  readSchema,
  renderAll,
  withOwnershipTable,
} from './rows/rows.js';

/**
 * `npm run gen:rows`: migrates a scratch database from scratch, reads its schema and writes every owner library's
 * src/store/rows.generated.ts (one interface per owned table). Fails, writing nothing, when a table has no owner
 * or two. Rules: scripts/rows/rows.ts.
 */
async function main(): Promise<void> {
  const root = process.cwd();
  const server =
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = `mae_rows_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = withDatabase(server, scratch);
  try {
    await migrate(url, { quiet: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const schema = await readSchema(client).finally(() => client.end());
    const owners = readOwnership(root);
    const problems = checkOwnership(owners, schema);
    if (hasProblems(problems))
      throw new Error(`table ownership is not one owner per table:\n${describeProblems(problems)}`);
    const files = await renderAll(root, owners, schema);
    let changed = 0;
    for (const [path, text] of files) {
      let before: string | undefined;
      try {
        before = readFileSync(join(root, path), 'utf8');
      } catch {
        before = undefined;
      }
      if (before === text) continue;
      writeFileSync(join(root, path), text);
      changed++;
      console.log(`wrote ${path}`);
    }
    for (const docFile of OWNERSHIP_DOCS) {
      const docPath = join(root, docFile);
      const doc = readFileSync(docPath, 'utf8');
      const mapped = withOwnershipTable(doc, owners);
      if (mapped === undefined)
        console.warn(`${docFile} has no table-owners markers: its map is not updated`);
      else if (mapped !== doc) {
        writeFileSync(docPath, mapped);
        console.log(`wrote the table owners of ${docFile}`);
      }
    }
    for (const path of existingRowFiles(root)) {
      if (!files.has(path)) console.warn(`${path} belongs to a library that owns no table now: delete it`);
    }
    console.log(`${files.size} row files, ${changed} changed`);
  } finally {
    await dropDatabase(server, scratch);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
