import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import * as prettier from 'prettier';

/**
 * Row types generated from the migrated schema, one interface per table, written into the owner library's
 * `src/store/rows.generated.ts`. Shared by `npm run gen:rows` (scripts/gen-rows.ts, writes the files) and the
 * architecture test (test/architecture/rows.spec.ts, regenerates in memory and compares).
 *
 * Naming rule: the table name in PascalCase with its LAST word singularised, then `Row`:
 *   loans → LoanRow, loan_installments → LoanInstallmentRow, operating_entities → OperatingEntityRow,
 *   aip_capital_classes → AipCapitalClassRow, audit_log → AuditLogRow, reminder_outbox → ReminderOutboxRow.
 * (last word: `…ies` → `…y`; `…sses`/`…xes` → drop `es`; `…s` but not `…ss` → drop `s`; else unchanged.)
 *
 * Column types are what node-postgres returns with the project's parsers (libs/common/src/database/pg-types.ts):
 *   bigint, numeric → string    integer, smallint → number    date → string ('YYYY-MM-DD')
 *   timestamptz, timestamp → Date    boolean → boolean    json, jsonb → unknown
 *   text, varchar, char, uuid → string, or a union of literals when a single-column CHECK (col = ANY (ARRAY[…]))
 *   constrains it    arrays → T[]    nullable → `| null`.
 */

/** Tables that belong to no library: the migration runner's bookkeeping. */
export const UNOWNED_BY_DESIGN = ['schema_migrations'] as const;

export const OWNED_TABLES_PATH = 'src/store/owned-tables.ts';
export const ROWS_PATH = 'src/store/rows.generated.ts';
export const GENERATOR_COMMAND = 'npm run gen:rows';

/** library name (libs/<name>) → the tables it declares in src/store/owned-tables.ts, in declared order. */
export type Ownership = Map<string, string[]>;

const OWNED_RE = /export const OWNED_TABLES\s*=\s*\[([^\]]*)\]\s*as const;/;

/**
 * Reads every libs/<lib>/src/store/owned-tables.ts as text (the same in a build, a script and Jest; the file's
 * shape is fixed: `export const OWNED_TABLES = ['a', 'b'] as const;`).
 */
export function readOwnership(root: string): Ownership {
  const owners: Ownership = new Map();
  const libsDir = join(root, 'libs');
  for (const lib of readdirSync(libsDir).sort()) {
    const file = join(libsDir, lib, OWNED_TABLES_PATH);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const m = OWNED_RE.exec(text);
    if (!m) throw new Error(`${file}: expected "export const OWNED_TABLES = [...] as const;"`);
    const body = m[1].replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
    const tables = [...body.matchAll(/'([a-z_][a-z0-9_]*)'/g)].map((x) => x[1]);
    const leftover = body.replace(/'([a-z_][a-z0-9_]*)'/g, '').replace(/[\s,]/g, '');
    if (leftover) throw new Error(`${file}: OWNED_TABLES holds something other than table-name literals`);
    owners.set(lib, tables);
  }
  return owners;
}

export interface Column {
  name: string;
  /** pg_type name (int8, text, _int4, …) */
  udt: string;
  nullable: boolean;
  /** literals of a single-column CHECK (col = ANY (ARRAY[…])), if any */
  literals?: string[];
}

export interface Relation {
  name: string;
  kind: 'table' | 'view';
  columns: Column[];
}

/** Every table and view of the public schema with its columns in ordinal order. */
export async function readSchema(client: pg.Client): Promise<Map<string, Relation>> {
  const { rows } = await client.query<{
    table: string;
    kind: string;
    column: string;
    udt: string;
    not_null: boolean;
  }>(`
    SELECT c.relname AS table, c.relkind AS kind, a.attname AS column, t.typname AS udt, a.attnotnull AS not_null
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid
     WHERE c.relkind IN ('r', 'p', 'v')
     ORDER BY c.relname, a.attnum`);
  const checks = await client.query<{ table: string; column: string; def: string }>(`
    SELECT c.relname AS table, a.attname AS column, pg_get_constraintdef(k.oid) AS def
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
     WHERE k.contype = 'c' AND array_length(k.conkey, 1) = 1
     ORDER BY c.relname, a.attname, k.conname`);
  const literalSets = new Map<string, string[][]>();
  for (const ch of checks.rows) {
    const lits = enumLiterals(ch.column, ch.def);
    if (!lits) continue;
    const key = `${ch.table}.${ch.column}`;
    literalSets.set(key, [...(literalSets.get(key) ?? []), lits]);
  }
  const relations = new Map<string, Relation>();
  for (const r of rows) {
    let rel = relations.get(r.table);
    if (!rel) {
      rel = { name: r.table, kind: r.kind === 'v' ? 'view' : 'table', columns: [] };
      relations.set(r.table, rel);
    }
    const sets = literalSets.get(`${r.table}.${r.column}`);
    rel.columns.push({
      name: r.column,
      udt: r.udt,
      // A view's columns are never marked NOT NULL by Postgres: treat them as nullable, which is honest.
      nullable: !r.not_null,
      // Two enumerating checks on one column: keep it a plain string rather than guess their intersection.
      literals: sets && sets.length === 1 ? sets[0] : undefined,
    });
  }
  return relations;
}

/** `CHECK ((status = ANY (ARRAY['A'::text, 'B'::text])))` → ['A', 'B']; anything else → undefined. */
export function enumLiterals(column: string, def: string): string[] | undefined {
  const m =
    /^CHECK \(\(\(?"?([a-z_][a-z0-9_]*)"?\)?(?:::text)? = ANY \(\(?ARRAY\[(.*)\]\)?(?:::text\[\])?\)\)\)$/.exec(
      def,
    );
  if (!m || m[1] !== column) return undefined;
  const parts = m[2].split(/,\s*/);
  const lits: string[] = [];
  for (const p of parts) {
    const lm = /^'((?:[^']|'')*)'::(?:text|character varying)$/.exec(p.trim());
    if (!lm) return undefined;
    lits.push(lm[1].replace(/''/g, "'"));
  }
  return lits;
}

const SCALARS: Record<string, string> = {
  int8: 'string',
  numeric: 'string',
  int2: 'number',
  int4: 'number',
  float4: 'number',
  float8: 'number',
  date: 'string',
  timestamptz: 'Date',
  timestamp: 'Date',
  bool: 'boolean',
  json: 'unknown',
  jsonb: 'unknown',
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  uuid: 'string',
  inet: 'string',
  bytea: 'Buffer',
};

export function tsType(col: Column): string {
  let base: string;
  if (col.literals && col.literals.length) {
    base = col.literals.map((l) => `'${l.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(' | ');
  } else if (col.udt.startsWith('_')) {
    const inner = SCALARS[col.udt.slice(1)];
    if (!inner) throw new Error(`no TypeScript type for array of ${col.udt.slice(1)} (column ${col.name})`);
    base = inner.includes(' ') || inner === 'unknown' ? `(${inner})[]` : `${inner}[]`;
  } else {
    const s = SCALARS[col.udt];
    if (!s) throw new Error(`no TypeScript type for ${col.udt} (column ${col.name}): add it to SCALARS`);
    base = s;
  }
  return col.nullable ? `${base} | null` : base;
}

function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses') || word.endsWith('xes')) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** loan_installments → LoanInstallmentRow (see the naming rule above). */
export function rowTypeName(table: string): string {
  const words = table.split('_');
  words[words.length - 1] = singular(words[words.length - 1]);
  return `${words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Row`;
}

export interface OwnershipProblems {
  /** tables (and views) of the schema no library declares */
  unowned: string[];
  /** tables two or more libraries declare, with the libraries */
  contested: { table: string; owners: string[] }[];
  /** declared names the schema does not have */
  unknown: { table: string; owner: string }[];
  /** two tables whose row types would share a name */
  nameClashes: string[];
}

export function checkOwnership(owners: Ownership, schema: Map<string, Relation>): OwnershipProblems {
  const byTable = new Map<string, string[]>();
  for (const [lib, tables] of owners)
    for (const t of tables) byTable.set(t, [...(byTable.get(t) ?? []), lib]);
  const excluded = new Set<string>(UNOWNED_BY_DESIGN);
  const unowned = [...schema.keys()].filter((t) => !excluded.has(t) && !byTable.has(t)).sort();
  const contested = [...byTable]
    .filter(([, libs]) => libs.length > 1)
    .map(([table, libs]) => ({ table, owners: libs }))
    .sort((a, b) => a.table.localeCompare(b.table));
  const unknown: { table: string; owner: string }[] = [];
  for (const [lib, tables] of owners)
    for (const t of tables) if (!schema.has(t)) unknown.push({ table: t, owner: lib });
  const names = new Map<string, string>();
  const nameClashes: string[] = [];
  for (const t of schema.keys()) {
    const n = rowTypeName(t);
    const prev = names.get(n);
    if (prev) nameClashes.push(`${prev} and ${t} → ${n}`);
    names.set(n, t);
  }
  return { unowned, contested, unknown, nameClashes };
}

export function hasProblems(p: OwnershipProblems): boolean {
  return p.unowned.length + p.contested.length + p.unknown.length + p.nameClashes.length > 0;
}

export function describeProblems(p: OwnershipProblems): string {
  const lines: string[] = [];
  for (const t of p.unowned)
    lines.push(`table ${t} has no owner: add it to one libs/<lib>/${OWNED_TABLES_PATH}`);
  for (const c of p.contested)
    lines.push(`table ${c.table} has ${c.owners.length} owners: ${c.owners.join(', ')}`);
  for (const u of p.unknown)
    lines.push(`libs/${u.owner}/${OWNED_TABLES_PATH} declares ${u.table}, which the schema lacks`);
  for (const n of p.nameClashes) lines.push(`row type name clash: ${n}`);
  return lines.join('\n');
}

/** The text of one library's rows.generated.ts (prettier-formatted with the project's .prettierrc). */
export async function renderRows(
  root: string,
  lib: string,
  tables: string[],
  schema: Map<string, Relation>,
): Promise<string> {
  const out: string[] = [
    `// GENERATED FILE: do not edit. Regenerate with \`${GENERATOR_COMMAND}\` after a migration.`,
    `// Row types of the tables libs/${lib} owns (${OWNED_TABLES_PATH}), read from the migrated schema;`,
    '// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).',
    '// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.',
    '',
  ];
  for (const table of tables) {
    const rel = schema.get(table);
    if (!rel) throw new Error(`libs/${lib} owns ${table}, which the migrated schema lacks`);
    out.push(`/** A row of the ${rel.kind} \`${table}\`. */`);
    out.push(`export interface ${rowTypeName(table)} {`);
    for (const c of rel.columns) out.push(`  ${c.name}: ${tsType(c)};`);
    out.push('}', '');
  }
  const options = (await prettier.resolveConfig(join(root, 'libs', lib, ROWS_PATH))) ?? {};
  return prettier.format(out.join('\n'), { ...options, parser: 'typescript' });
}

/** Every library's expected rows.generated.ts: relative path → text. Libraries that own nothing get no file. */
export async function renderAll(
  root: string,
  owners: Ownership,
  schema: Map<string, Relation>,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [lib, tables] of owners) {
    if (!tables.length) continue;
    files.set(join('libs', lib, ROWS_PATH), await renderRows(root, lib, tables, schema));
  }
  return files;
}

/** Committed rows.generated.ts files, relative paths. */
export function existingRowFiles(root: string): string[] {
  const libsDir = join(root, 'libs');
  return readdirSync(libsDir)
    .sort()
    .map((lib) => join('libs', lib, ROWS_PATH))
    .filter((p) => existsSync(join(root, p)));
}

/** The documents that carry the library → tables map between the markers below (README's architecture map too). */
export const OWNERSHIP_DOCS = ['README.md', 'docs/ARCHITECTURE.md'] as const;
const MAP_BEGIN = '<!-- table-owners:begin -->';
const MAP_END = '<!-- table-owners:end -->';

/** The library → tables map of the OWNERSHIP_DOCS (between their markers), from the owned-tables files. */
export function ownershipTable(owners: Ownership): string {
  const lines = ['| library | owns (only its `src/store/` writes these) |', '| --- | --- |'];
  for (const [lib, tables] of owners) {
    lines.push(
      `| \`libs/${lib}\` | ${tables.length ? tables.map((t) => `\`${t}\``).join(', ') : '(no table)'} |`,
    );
  }
  return `${MAP_BEGIN}\n${lines.join('\n')}\n${MAP_END}`;
}

/** The document with its map replaced; undefined when the markers are missing. */
export function withOwnershipTable(doc: string, owners: Ownership): string | undefined {
  const a = doc.indexOf(MAP_BEGIN);
  const b = doc.indexOf(MAP_END);
  if (a < 0 || b < a) return undefined;
  return doc.slice(0, a) + ownershipTable(owners) + doc.slice(b + MAP_END.length);
}
