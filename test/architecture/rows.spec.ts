import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import {
  checkOwnership,
  describeProblems,
  existingRowFiles,
  GENERATOR_COMMAND,
  OWNERSHIP_DOCS,
  readOwnership,
  readSchema,
  renderAll,
  rowTypeName,
  type Relation,
  withOwnershipTable,
} from '../../scripts/rows/rows.js';

/**
 * One owner per table, and row types that match the migrated schema: a migration committed without
 * `npm run gen:rows` fails here, and so does a table nobody (or two libraries) declares in owned-tables.ts.
 */
const root = process.cwd();
let db: TestDatabase;
let schema: Map<string, Relation>;

beforeAll(async () => {
  db = await createTestDatabase(1);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    schema = await readSchema(client);
  } finally {
    await client.end();
  }
});

afterAll(async () => {
  await db?.drop();
});

describe('table ownership', () => {
  it('gives every table of the migrated schema exactly one owner library', () => {
    const problems = checkOwnership(readOwnership(root), schema);
    expect(describeProblems(problems)).toBe('');
  });

  it('reports a table without owner and a table with two', () => {
    const owners = readOwnership(root);
    const moved = new Map(owners);
    moved.set('ledger', [...(owners.get('ledger') ?? []), 'loans']);
    moved.set('audit', []);
    const text = describeProblems(checkOwnership(moved, schema));
    expect(text).toContain('table audit_log has no owner');
    expect(text).toMatch(/table loans has 2 owners: (ledger, loans|loans, ledger)/);
  });
});

describe('the architecture map', () => {
  it.each(OWNERSHIP_DOCS)(
    `%s lists every library with the tables it owns (else run \`${GENERATOR_COMMAND}\`)`,
    (file) => {
      const doc = readFileSync(join(root, file), 'utf8');
      const expected = withOwnershipTable(doc, readOwnership(root));
      expect(expected).toBeDefined();
      expect(doc).toBe(expected);
    },
  );
});

describe('generated row types', () => {
  it(`match the committed rows.generated.ts files (else run \`${GENERATOR_COMMAND}\`)`, async () => {
    const expected = await renderAll(root, readOwnership(root), schema);
    const stale: string[] = [];
    for (const [path, text] of expected) {
      let committed: string | undefined;
      try {
        committed = readFileSync(join(root, path), 'utf8');
      } catch {
        committed = undefined;
      }
      if (committed !== text) stale.push(committed === undefined ? `${path} (missing)` : path);
    }
    for (const path of existingRowFiles(root))
      if (!expected.has(path)) stale.push(`${path} (owner owns no table)`);
    expect(stale).toEqual([]);
  });

  it('follow the naming and type rules', () => {
    expect(rowTypeName('loans')).toBe('LoanRow');
    expect(rowTypeName('loan_installments')).toBe('LoanInstallmentRow');
    expect(rowTypeName('operating_entities')).toBe('OperatingEntityRow');
    expect(rowTypeName('aip_capital_classes')).toBe('AipCapitalClassRow');
    expect(rowTypeName('audit_log')).toBe('AuditLogRow');
    const loans = schema.get('loans')!;
    const col = (n: string) => loans.columns.find((c) => c.name === n)!;
    expect(col('principal_fen').udt).toBe('int8');
    expect(col('status').literals).toContain('DISBURSED');
  });

  it('notice a schema change', async () => {
    const changed = new Map(schema);
    const loans = schema.get('loans')!;
    changed.set('loans', {
      ...loans,
      columns: [...loans.columns, { name: 'extra', udt: 'int8', nullable: true }],
    });
    const owners = readOwnership(root);
    const before = await renderAll(root, owners, schema);
    const after = await renderAll(root, owners, changed);
    const path = join('libs', 'loans', 'src', 'store', 'rows.generated.ts');
    expect(after.get(path)).not.toBe(before.get(path));
    expect(after.get(path)).toContain('extra: string | null;');
  });
});
