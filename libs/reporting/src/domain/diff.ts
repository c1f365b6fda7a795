import { formatDecimal, parseDecimal } from '#libs/money';
import type { MonthlyReportData } from './report.js';

/**
 * What changed between two versions of a stored report: a generic diff over the report's structure (pure, no I/O).
 *
 * - A section that is an array of rows is matched row by row by its key (a district by its id, a bank row by its
 *   agreement, a village fund by its id, a ranking line by its district), never by position, so a row that moved in
 *   the order is not a change; a row only in one version is ADDED or REMOVED (its figures are not listed again).
 * - A section that is an object (the totals) is one row with no key.
 * - Every leaf is compared exactly (money and ratios are decimal strings, compared as text: "0.10" ≠ "0.1" never
 *   happens because every figure is printed by the same formatter). Nested objects (a district's matching figures)
 *   are walked with a dotted field name ("matching.shortfall").
 * - The difference (after − before) is given for two decimal strings (exact, bigint; at the larger scale of the two,
 *   so a yuan figure gives a yuan string) and for two integers (counts); otherwise (null, text, a flag) it is null.
 */

export type Leaf = string | number | boolean | null;

export interface FigureChange {
  section: string;
  /** The row's key within its section (e.g. the agreement id of a bank row); null for the totals. */
  key: string | null;
  /** The row's identifying labels (district / bank / agreement / fund codes and names), for a reader. */
  row: Record<string, Leaf>;
  /** The field, dotted for a nested figure (`matching.shortfall`). */
  field: string;
  before: Leaf;
  after: Leaf;
  /** after − before, exact, for two decimal strings or two integers; null otherwise. */
  difference: string | null;
}

export interface RowChange {
  section: string;
  key: string;
  row: Record<string, Leaf>;
  change: 'ADDED' | 'REMOVED';
}

export interface ReportDiff {
  /** Rows present in one version only. */
  rows: RowChange[];
  /** Each figure of a row present in both versions whose value differs. */
  figures: FigureChange[];
}

/** How the rows of one array section are identified: its key and the fields that label a row for a reader. */
export interface SectionKey<R> {
  key: (row: R) => string;
  labels: (keyof R & string)[];
}

export type DiffSpec = Record<string, SectionKey<never>>;

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** after − before when both are decimal strings or both integers; null otherwise. Exact: no float anywhere. */
export function difference(before: Leaf, after: Leaf): string | null {
  if (typeof before === 'number' && typeof after === 'number' && Number.isInteger(before) && Number.isInteger(after)) {
    return (BigInt(after) - BigInt(before)).toString();
  }
  if (typeof before !== 'string' || typeof after !== 'string' || !DECIMAL_TEXT.test(before) || !DECIMAL_TEXT.test(after)) return null;
  const b = parseDecimal(before)!;
  const a = parseDecimal(after)!;
  const scale = Math.max(a.scale, b.scale);
  const up = (d: { units: bigint; scale: number }) => d.units * 10n ** BigInt(scale - d.scale);
  return formatDecimal({ units: up(a) - up(b), scale }, scale);
}

const byCodeUnit = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaves of a row, dotted for nested objects; an array inside a row is compared as its JSON text. */
function leaves(row: Record<string, unknown>, prefix = '', out = new Map<string, Leaf>()): Map<string, Leaf> {
  for (const [k, v] of Object.entries(row)) {
    const name = prefix + k;
    if (isObject(v)) leaves(v, `${name}.`, out);
    else if (Array.isArray(v)) out.set(name, JSON.stringify(v));
    else out.set(name, (v ?? null) as Leaf);
  }
  return out;
}

function compareRow(section: string, key: string | null, row: Record<string, Leaf>, before: Record<string, unknown>, after: Record<string, unknown>, out: FigureChange[]): void {
  const b = leaves(before);
  const a = leaves(after);
  const fields = [...new Set([...b.keys(), ...a.keys()])].sort(byCodeUnit);
  for (const field of fields) {
    const x = b.has(field) ? b.get(field)! : null;
    const y = a.has(field) ? a.get(field)! : null;
    if (x === y) continue;
    out.push({ section, key, row, field, before: x, after: y, difference: difference(x, y) });
  }
}

/**
 * The changes from `before` to `after`. Array sections named in `spec` are matched by key; an array section not in
 * the spec is matched by position (its index is the key); object sections are compared field by field; top-level
 * leaves (the month, its bounds) are compared as one row of the section "report".
 * Order (stable whatever the key order of the stored JSON, which jsonb does not keep): the spec's sections in its
 * order, then the other sections by name, then "report"; rows in `after`'s order (then removed rows in `before`'s
 * order); fields by name.
 */
export function diffReports(before: Record<string, unknown>, after: Record<string, unknown>, spec: DiffSpec): ReportDiff {
  const rows: RowChange[] = [];
  const figures: FigureChange[] = [];
  const topBefore: Record<string, unknown> = {};
  const topAfter: Record<string, unknown> = {};
  const named = Object.keys(spec);
  const others = [...new Set([...Object.keys(after), ...Object.keys(before)])].filter((k) => !named.includes(k)).sort(byCodeUnit);
  const sections = [...named, ...others];
  for (const section of sections) {
    if (!(section in before) && !(section in after)) continue;
    const b = before[section];
    const a = after[section];
    if (Array.isArray(a) || Array.isArray(b)) {
      const s = spec[section] as SectionKey<Record<string, unknown>> | undefined;
      const keyOf = (r: unknown, i: number) => (s ? s.key(r as Record<string, unknown>) : String(i));
      const labelOf = (r: Record<string, unknown>): Record<string, Leaf> =>
        Object.fromEntries((s?.labels ?? []).map((l) => [l, (r[l] ?? null) as Leaf]));
      const bRows = new Map(((b ?? []) as Record<string, unknown>[]).map((r, i) => [keyOf(r, i), r]));
      const aRows = ((a ?? []) as Record<string, unknown>[]).map((r, i) => [keyOf(r, i), r] as const);
      const seen = new Set<string>();
      for (const [key, r] of aRows) {
        seen.add(key);
        const old = bRows.get(key);
        if (!old) rows.push({ section, key, row: labelOf(r), change: 'ADDED' });
        else compareRow(section, key, labelOf(r), old, r, figures);
      }
      for (const [key, r] of bRows) if (!seen.has(key)) rows.push({ section, key, row: labelOf(r), change: 'REMOVED' });
    } else if (isObject(a) || isObject(b)) {
      compareRow(section, null, {}, isObject(b) ? b : {}, isObject(a) ? a : {}, figures);
    } else {
      topBefore[section] = b;
      topAfter[section] = a;
    }
  }
  compareRow('report', null, {}, topBefore, topAfter, figures);
  return { rows, figures };
}

/** The monthly report's sections and their row keys. */
export const MONTHLY_DIFF_SPEC: DiffSpec = {
  districts: { key: (r: MonthlyReportData['districts'][number]) => r.districtId, labels: ['districtId', 'districtCode', 'districtName'] } as SectionKey<never>,
  banks: {
    key: (r: MonthlyReportData['banks'][number]) => r.agreementId,
    labels: ['districtId', 'districtCode', 'bankId', 'bankCode', 'agreementId', 'agreementNo'],
  } as SectionKey<never>,
  funds: { key: (r: MonthlyReportData['funds'][number]) => r.fundId, labels: ['fundId', 'fundName', 'villageName', 'districtId'] } as SectionKey<never>,
  ranking: { key: (r: MonthlyReportData['ranking'][number]) => r.districtId, labels: ['districtId', 'districtCode', 'districtName'] } as SectionKey<never>,
};

/** What changed in a monthly report from one stored version to the next. */
export function diffMonthly(before: MonthlyReportData, after: MonthlyReportData): ReportDiff {
  return diffReports(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>, MONTHLY_DIFF_SPEC);
}
