import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readOwnership } from './rows/rows.js';

/**
 * The ownership check (`node dist/scripts/check-ownership.js`, and test/architecture/ownership.spec.ts in npm test).
 *
 * Scans libs/<lib>/src/**\/*.ts and apps/**\/*.ts (not *.spec.ts) and reports:
 * - `write`: SQL that writes a table (INSERT INTO, UPDATE, DELETE FROM, COPY … FROM, TRUNCATE; an INSERT … ON
 *   CONFLICT DO UPDATE is its INSERT) in a file that is not inside the owner library's src/store/ folder. The
 *   owners are the libs/<lib>/src/store/owned-tables.ts files.
 * - `query`: a `.query(` / `queryRows(` / `queryOne(` call outside a src/store/ folder (services call stores).
 * - `cast`: an `as X[]` cast of a query result outside a src/store/ folder (a statement that mentions a query and
 *   casts to an array type).
 * Files listed in tools/ownership-allowlist.json (with a reason) are reported apart and do not fail the check;
 * the list shrinks as libraries are converted.
 */

export type ViolationKind = 'write' | 'query' | 'cast';

export interface Violation {
  file: string;
  line: number;
  kind: ViolationKind;
  detail: string;
}

export interface AllowlistEntry {
  file: string;
  reason: string;
}

export const ALLOWLIST_PATH = 'tools/ownership-allowlist.json';

/**
 * The definitions of the query helpers themselves are not calls: sql.ts, and deferred-writes.ts, which sends the SQL
 * that stores hand it (writeOrDefer) without writing any of its own.
 */
const EXEMPT_FILES = new Set(['libs/common/src/database/sql.ts', 'libs/common/src/database/deferred-writes.ts']);

function walk(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries.sort()) {
    if (name === 'node_modules' || name === 'dist' || name === 'test') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
}

/** Source files the rules apply to, relative to root with forward slashes. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  for (const lib of readdirSync(join(root, 'libs')).sort()) walk(join(root, 'libs', lib, 'src'), files);
  walk(join(root, 'apps'), files);
  return files.map((f) => relative(root, f).split(sep).join('/'));
}

/** Comments blanked out (newlines kept, so offsets and line numbers stay). String contents are kept. */
export function blankComments(text: string): string {
  let out = '';
  let i = 0;
  let quote: string | null = null;
  while (i < text.length) {
    const c = text[i];
    const n = text[i + 1];
    if (quote) {
      out += c;
      if (c === '\\') {
        out += n ?? '';
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && n === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i++;
      }
      continue;
    }
    if (c === '/' && n === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const WRITE_PATTERNS: { kind: string; re: RegExp }[] = [
  { kind: 'INSERT INTO', re: /\bINSERT\s+INTO\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)/gi },
  { kind: 'UPDATE', re: /(?<!\b(?:FOR|DO|KEY|NO)\s+)\bUPDATE\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)/gi },
  { kind: 'DELETE FROM', re: /\bDELETE\s+FROM\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)/gi },
  { kind: 'COPY', re: /\bCOPY\s+"?([a-z_][a-z0-9_]*)(?=[\s(][^;`]*?\bFROM\b)/gi },
  {
    kind: 'TRUNCATE',
    re: /\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?((?:"?[a-z_][a-z0-9_]*"?\s*,\s*)*"?[a-z_][a-z0-9_]*)/gi,
  },
];

const QUERY_CALL = /(?:\.query|\bqueryRows|\bqueryOne)\s*(?:<[^>()]*>)?\s*\(/g;
const ARRAY_CAST =
  /\bas\s+(?!const\b|readonly\b)([A-Za-z_][\w.]*(?:<[^;()]*?>)?(?:\[\])+|\{[^{}()]*?\}\[\])/g;

/** True when `file` is inside libs/<lib>/src/store/. */
export function storeOf(file: string): string | undefined {
  const m = /^libs\/([^/]+)\/src\/store\//.exec(file);
  return m?.[1];
}

export function scanFile(file: string, source: string, ownerOf: Map<string, string>): Violation[] {
  const text = blankComments(source);
  const found: Violation[] = [];
  const store = storeOf(file);
  for (const { kind, re } of WRITE_PATTERNS) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const tables = m[1].split(',').map((t) => t.trim().replace(/"/g, '').toLowerCase());
      for (const table of tables) {
        const owner = ownerOf.get(table);
        if (!owner) continue; // temporary tables, CTE names and prose
        if (store === owner) continue;
        found.push({
          file,
          line: lineAt(text, m.index),
          kind: 'write',
          detail: `${kind} ${table}: owned by libs/${owner}, written outside libs/${owner}/src/store/`,
        });
      }
    }
  }
  if (store === undefined && !EXEMPT_FILES.has(file)) {
    for (const m of text.matchAll(QUERY_CALL)) {
      const before = text.slice(Math.max(0, m.index - 40), m.index);
      if (/function\s+\w*$/.test(before)) continue;
      found.push({
        file,
        line: lineAt(text, m.index),
        kind: 'query',
        detail: `${m[0].replace(/\s+/g, '')} outside a store`,
      });
    }
    for (const m of text.matchAll(ARRAY_CAST)) {
      // The statement the cast ends: back to the previous `;`, `{` or `}` that closes a statement.
      const start = Math.max(
        text.lastIndexOf(';', m.index),
        text.lastIndexOf('{\n', m.index),
        text.lastIndexOf('}\n', m.index),
      );
      const statement = text.slice(start + 1, m.index);
      if (!/query|rowsOf\b/i.test(statement)) continue;
      found.push({
        file,
        line: lineAt(text, m.index),
        kind: 'cast',
        detail: `unchecked cast of a query result: as ${m[1].replace(/\s+/g, ' ')}`,
      });
    }
  }
  return found.sort((a, b) => a.line - b.line || a.kind.localeCompare(b.kind));
}

/** table → owner library, from every owned-tables.ts. */
export function ownerMap(root: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [lib, tables] of readOwnership(root)) for (const t of tables) map.set(t, lib);
  return map;
}

export function findViolations(root: string): Violation[] {
  const owners = ownerMap(root);
  return sourceFiles(root).flatMap((f) => scanFile(f, readFileSync(join(root, f), 'utf8'), owners));
}

export function readAllowlist(root: string): AllowlistEntry[] {
  const raw = JSON.parse(readFileSync(join(root, ALLOWLIST_PATH), 'utf8')) as unknown;
  const entries = (raw as { files?: unknown }).files;
  if (!Array.isArray(entries))
    throw new Error(`${ALLOWLIST_PATH}: expected { "files": [{ "file", "reason" }] }`);
  for (const e of entries as Record<string, unknown>[]) {
    if (typeof e.file !== 'string' || typeof e.reason !== 'string' || !e.reason.trim()) {
      throw new Error(`${ALLOWLIST_PATH}: every entry needs a file and a reason: ${JSON.stringify(e)}`);
    }
  }
  return entries as AllowlistEntry[];
}

export interface OwnershipReport {
  /** violations in files not on the allowlist: these fail the check */
  violations: Violation[];
  /** violations in allowlisted files */
  allowed: Violation[];
  allowlist: AllowlistEntry[];
  /** allowlisted files without any violation left: delete their entries */
  stale: string[];
}

export function checkOwnership(root: string): OwnershipReport {
  const allowlist = readAllowlist(root);
  const allowed = new Set(allowlist.map((e) => e.file));
  const all = findViolations(root);
  const hit = new Set(all.map((v) => v.file));
  return {
    violations: all.filter((v) => !allowed.has(v.file)),
    allowed: all.filter((v) => allowed.has(v.file)),
    allowlist,
    stale: allowlist.map((e) => e.file).filter((f) => !hit.has(f)),
  };
}

export function formatViolations(vs: Violation[]): string {
  return vs.map((v) => `${v.file}:${v.line}  ${v.kind}  ${v.detail}`).join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.cwd();
  if (process.argv.includes('--list')) {
    // Every violation, allowlisted or not, grouped by file (to write or review the allowlist).
    const all = findViolations(root);
    console.log(formatViolations(all));
    console.log(`${all.length} violations in ${new Set(all.map((v) => v.file)).size} files`);
  } else {
    const report = checkOwnership(root);
    console.log(
      `ownership allowlist: ${report.allowlist.length} files (${report.allowed.length} known violations)`,
    );
    if (report.stale.length)
      console.log(`allowlist entries with nothing left to allow:\n  ${report.stale.join('\n  ')}`);
    if (report.violations.length) {
      console.error(formatViolations(report.violations));
      console.error(`${report.violations.length} ownership violations`);
      process.exit(1);
    }
  }
}
