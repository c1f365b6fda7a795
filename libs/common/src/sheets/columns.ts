import type { FieldError } from '../errors/domain-error.js';

/** How a column's cells read: decides the template's example, its validation and how an XLSX cell becomes text. */
export type ColumnKind = 'text' | 'integer' | 'money' | 'date' | 'percent' | 'enum';

/** One of an enumeration's values: the code the API speaks and the label a fund office writes. */
export interface EnumOption {
  value: string;
  zh: string;
}

/**
 * One column of an import: its field key (camelCase, the template's English key row), its Chinese header and every
 * other spelling accepted for it (snake_case, English label, older names).
 */
export interface ColumnSpec<K extends string = string> {
  key: K;
  zh: string;
  en: string;
  required?: boolean;
  kind?: ColumnKind;
  /** allowed values (kind 'enum'); a cell may hold the code or the Chinese label */
  options?: readonly EnumOption[];
  aliases?: readonly string[];
  /** a value for the template's example row */
  example?: string;
  /** one line for the template's instructions sheet (Chinese) */
  note?: string;
}

/**
 * A header cell as compared: width-folded (NFKC: full-width letters and brackets become ASCII), a required-marker
 * `*` and a bracketed unit — "人均纯收入（元）", "Amount (yuan)" — dropped, lower-cased, and spaces, `_`, `-` and `.`
 * removed, so `bank_loan_ref`, `Bank Loan Ref` and `bankLoanRef` are one name.
 */
export function headerKey(cell: string): string {
  return cell
    .normalize('NFKC')
    .replace(/^\uFEFF/, '')
    .replace(/[*＊]/g, '')
    .replace(/\([^)]*\)\s*$/, '')
    .replace(/\[[^\]]*\]\s*$/, '')
    .toLowerCase()
    .replace(/[\s_\-.:：]/g, '');
}

export interface ColumnMap<K extends string = string> {
  /** position of each field's column */
  index: Partial<Record<K, number>>;
  /** the header cell of each field as written in the file (for "column 户主姓名" in row errors) */
  label: Partial<Record<K, string>>;
  columns: number;
}

export interface MapColumnsOptions {
  /** columns that name no field: refused (the default, so a misspelt optional column is not silently lost) or ignored */
  unknown?: 'refuse' | 'ignore';
}

/** The spellings of a field's column, as headerKey compares them. */
export function spellings(spec: ColumnSpec): Set<string> {
  return new Set([spec.key, spec.zh, spec.en, ...(spec.aliases ?? [])].map(headerKey));
}

/**
 * The one header mapper of every import: Chinese or English headers, in any order, to field keys. Every problem is
 * reported at once (missing required columns, a column twice, unknown columns), each naming the column.
 */
export function mapColumns<K extends string>(
  cells: readonly string[],
  specs: readonly ColumnSpec<K>[],
  options: MapColumnsOptions = {},
): { ok: true; map: ColumnMap<K> } | { ok: false; errors: FieldError[] } {
  const byName = new Map<string, ColumnSpec<K>>();
  for (const s of specs) for (const n of spellings(s)) byName.set(n, s);
  const index: Partial<Record<K, number>> = {};
  const label: Partial<Record<K, string>> = {};
  const errors: FieldError[] = [];
  cells.forEach((raw, i) => {
    const cell = raw.trim();
    if (cell === '') return;
    const spec = byName.get(headerKey(cell));
    if (!spec) {
      if ((options.unknown ?? 'refuse') === 'refuse')
        errors.push({
          field: 'header',
          code: 'CSV_UNKNOWN_COLUMN',
          message: `unknown column "${cell}"`,
          params: { column: cell },
        });
      return;
    }
    if (index[spec.key] !== undefined) {
      errors.push({
        field: spec.key,
        code: 'CSV_DUPLICATE_COLUMN',
        message: `column "${cell}" appears twice`,
        params: { column: cell },
      });
      return;
    }
    index[spec.key] = i;
    label[spec.key] = cell;
  });
  for (const s of specs)
    if (s.required && index[s.key] === undefined)
      errors.push({
        field: s.key,
        code: 'CSV_MISSING_COLUMN',
        message: `required column "${s.zh}" (${s.key}) is missing`,
        params: { column: `${s.zh}（${s.key}）` },
      });
  return errors.length ? { ok: false, errors } : { ok: true, map: { index, label, columns: cells.length } };
}

/** Whether a row is the template's English key row (every filled cell is a field key), to be skipped. */
export function isKeyRow(cells: readonly string[], specs: readonly ColumnSpec[]): boolean {
  const keys = new Set(specs.map((s) => s.key));
  const filled = cells.map((c) => c.trim()).filter(Boolean);
  return filled.length > 0 && filled.every((c) => keys.has(c));
}

/** An enumeration cell as its code: the code itself (any case) or its Chinese label; undefined when neither. */
export function enumValue(spec: ColumnSpec, cell: string): string | undefined {
  const t = cell.trim();
  for (const o of spec.options ?? [])
    if (o.value.toLowerCase() === t.toLowerCase() || o.zh === t) return o.value;
  return undefined;
}
