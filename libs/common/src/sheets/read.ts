import { fieldMessage, type Lang } from '../i18n/messages.js';
import type { FieldError } from '../errors/domain-error.js';
import { isKeyRow, mapColumns, type ColumnMap, type ColumnSpec, type MapColumnsOptions } from './columns.js';
import { decodeSheetText, SheetFileError, type SheetEncoding } from './decoder.js';

export type SheetFormat = 'CSV' | 'XLSX';

/** One record of a sheet, numbered as the spreadsheet program shows it (the header is row 1). */
export interface SheetRecord {
  rowNo: number;
  cells: string[];
}

/** One data row, by field key, every cell as trimmed text ('' when empty or absent). */
export interface SheetRow<K extends string = string> {
  rowNo: number;
  values: Record<K, string>;
}

export interface SheetTable<K extends string = string> {
  format: SheetFormat;
  /** the text encoding of a CSV (XLSX is always UTF-8 inside) */
  encoding: SheetEncoding;
  columns: ColumnMap<K>;
  rows: SheetRow<K>[];
}

export interface ReadSheetOptions extends MapColumnsOptions {
  /** given by the uploader: wins over detection */
  encoding?: SheetEncoding;
  /** the most data rows a file may hold */
  maxRows?: number;
  /** the worksheet to read in an XLSX (default: the first that is not the instructions sheet) */
  sheetName?: string;
}

/** An XLSX file is a ZIP archive: it starts with "PK\x03\x04". */
export const isXlsx = (bytes: Uint8Array) =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;

/** The worksheet names a template gives its instructions (never read as data). */
export const INSTRUCTION_SHEETS = ['填写说明', '说明', 'instructions', 'readme'];

function csvRecords(text: string, parse: (input: string, options: object) => unknown): SheetRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as typeof rows;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new SheetFileError(
      `the CSV cannot be read${line ? ` at line ${line}` : ''}: ${(e as Error).message}`,
      [
        {
          field: 'file',
          code: 'CSV_SYNTAX',
          message: (e as Error).message,
          ...(line ? { params: { line } } : {}),
        },
      ],
    );
  }
  // csv-parse's `lines` is the line a record ends on; a record with a quoted line break starts earlier
  return rows.map(({ record, info }) => ({
    rowNo: info.lines - Math.max(0, record.join(',').split(/\r\n|\r|\n/).length - 1),
    cells: record,
  }));
}

/** A cell of an XLSX as text: dates as YYYY-MM-DD, numbers as written, formulas by their result, rich text joined. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  // Excel keeps every number as a binary double (123.45 is stored as 123.4500000000000028…). Rounding to 10 decimals
  // gives back the decimal the user typed; no arithmetic happens here: the text goes to parseYuan / the validators,
  // which refuse more than two decimals for money.
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(10)));
  if (typeof value === 'object') {
    const v = value as {
      result?: unknown;
      richText?: { text: string }[];
      text?: string;
      hyperlink?: string;
      error?: string;
    };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result);
    if (typeof v.text === 'string') return v.text;
    if (v.error) return '';
  }
  return String(value as string | boolean);
}

async function xlsxRecords(bytes: Uint8Array, sheetName?: string): Promise<SheetRecord[]> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer,
    );
  } catch (e) {
    throw new SheetFileError(`the XLSX workbook cannot be read: ${(e as Error).message}`, [
      {
        field: 'file',
        code: 'CSV_UNREADABLE',
        message: 'not a readable XLSX workbook (save it again as .xlsx)',
      },
    ]);
  }
  const ws = sheetName
    ? wb.getWorksheet(sheetName)
    : wb.worksheets.find(
        (w) => !INSTRUCTION_SHEETS.includes(w.name.trim().toLowerCase()) && w.state !== 'hidden',
      );
  if (!ws)
    throw new SheetFileError('the workbook has no data sheet', [
      { field: 'file', code: 'CSV_EMPTY', message: 'no worksheet to read' },
    ]);
  const out: SheetRecord[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNo) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => (cells[col - 1] = cellText(cell.value)));
    out.push({ rowNo, cells: Array.from(cells, (c) => c ?? '') });
  });
  return out;
}

/** The records of a CSV (UTF-8 with or without BOM, GBK/GB18030) or XLSX upload, told apart by their bytes. */
export async function readSheetRecords(
  bytes: Uint8Array,
  options: Pick<ReadSheetOptions, 'encoding' | 'sheetName'> = {},
): Promise<{ format: SheetFormat; encoding: SheetEncoding; records: SheetRecord[] }> {
  if (isXlsx(bytes))
    return { format: 'XLSX', encoding: 'UTF-8', records: await xlsxRecords(bytes, options.sheetName) };
  const { text, encoding } = decodeSheetText(bytes, options.encoding);
  const { parse } = await import('csv-parse/sync');
  return {
    format: 'CSV',
    encoding,
    records: csvRecords(text, parse as (input: string, options: object) => unknown),
  };
}

/**
 * An upload as a table of fields: the first non-empty record is the header (Chinese or English names, mapped by
 * mapColumns), the template's English key row after it is skipped, blank rows are skipped, and every data row has a
 * value for every field. A file that cannot be read, an unusable header or too many rows throws SheetFileError.
 */
export async function readSheet<K extends string>(
  bytes: Uint8Array,
  specs: readonly ColumnSpec<K>[],
  options: ReadSheetOptions = {},
): Promise<SheetTable<K>> {
  const { format, encoding, records } = await readSheetRecords(bytes, options);
  const filled = records.filter((r) => r.cells.some((c) => c.trim() !== ''));
  if (!filled.length)
    throw new SheetFileError('the file is empty: a header row is required', [
      {
        field: 'header',
        code: 'CSV_EMPTY',
        message: `expected the columns ${specs.map((s) => s.zh).join(', ')}`,
      },
    ]);
  const [head, ...rest] = filled;
  const mapped = mapColumns(head.cells, specs, options);
  if (!mapped.ok)
    throw new SheetFileError(
      `row ${head.rowNo}: the header is not the template's; nothing was imported`,
      mapped.errors,
    );
  const data = rest.length && isKeyRow(rest[0].cells, specs) ? rest.slice(1) : rest;
  const maxRows = options.maxRows ?? 50_000;
  if (data.length > maxRows)
    throw new SheetFileError(`the file holds ${data.length} rows; an import holds at most ${maxRows}`, [
      { field: 'file', code: 'CSV_TOO_LONG', message: `at most ${maxRows} rows`, params: { max: maxRows } },
    ]);
  const rows = data.map(({ rowNo, cells }) => {
    const values = {} as Record<K, string>;
    for (const s of specs) {
      const i = mapped.map.index[s.key];
      const text = i === undefined ? '' : (cells[i] ?? '').trim();
      values[s.key] = s.kind === 'date' ? excelSerialDate(text) : text;
    }
    return { rowNo, values };
  });
  return { format, encoding, columns: mapped.map, rows };
}

/**
 * A date column's cell that Excel kept as its serial day number (a date typed or pasted into a cell formatted as
 * text or number: 46162 is 2026-05-20) as YYYY-MM-DD; any other text as it is.
 */
export function excelSerialDate(text: string): string {
  if (!/^\d{5}(\.\d+)?$/.test(text)) return text;
  const days = Math.floor(Number(text));
  if (days < 36526 || days > 73050) return text; // 2000-01-01 .. 2099-12-31
  return new Date(Date.UTC(1899, 11, 30) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A problem with one cell of an import: the row as the spreadsheet numbers it, the column as the file names it. */
export interface SheetRowError {
  row: number;
  column: string;
  field: string;
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

/** A row's field errors, each placed in its row and named by its column's header in the file. */
export function rowErrors<K extends string>(
  rowNo: number,
  errors: readonly FieldError[],
  table: Pick<SheetTable<K>, 'columns'>,
  specs: readonly ColumnSpec<K>[],
): SheetRowError[] {
  return errors.map((e) => {
    const spec = specs.find((s) => s.key === e.field);
    const column = (spec && (table.columns.label[spec.key] ?? spec.zh)) ?? e.field;
    return {
      row: rowNo,
      column,
      field: e.field,
      code: e.code ?? 'INVALID',
      message: e.message,
      ...(e.params ? { params: e.params } : {}),
    };
  });
}

/** Row errors in the caller's language (by code, as the problem filter does), params dropped. */
export function localizeRowErrors(errors: readonly SheetRowError[], lang: Lang): SheetRowError[] {
  return errors.map(({ params, ...e }) => {
    if (lang === 'en') return e;
    const message = fieldMessage(e.code, lang, params);
    return message ? { ...e, message } : e;
  });
}
