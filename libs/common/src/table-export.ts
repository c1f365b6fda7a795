/**
 * The one CSV/XLSX writer of the report and claim exports: tables of already formatted cells (money as yuan
 * strings, nothing is computed here) written as CSV (RFC 4180, CRLF, UTF-8 BOM) or as an XLSX workbook.
 */

export type ExportCell = string | number | boolean | null;

/** A named table of already formatted cells. */
export interface ExportTable {
  name: string;
  columns: string[];
  /** Columns holding yuan amounts: written as numbers in XLSX so a spreadsheet can sum them. */
  moneyColumns?: string[];
  /**
   * Columns holding other exact decimals (ratios, percents, caps, scores): number cells in XLSX with as many fixed
   * decimals as the column's values carry, so "12.50" stays 12.50 and sorts and filters as a number.
   */
  numberColumns?: string[];
  /**
   * A table whose rows hold figures of different kinds (a projection's money, household counts and ratios side by
   * side): the Excel number format of each row's money and number cells, overriding the column's ('#,##0.00' for
   * yuan, '0' for counts, '0.0000' for ratios); undefined keeps the column's.
   */
  rowNumberFormats?: (string | undefined)[];
  rows: ExportCell[][];
}

export interface ExportFile {
  contentType: string;
  filename: string;
  body: Buffer;
}

/** Spreadsheet programs run cells starting with these as formulas (CSV injection): such text is prefixed with '. */
const FORMULA_START = /^[=+@\t\r]|^-(?!\d)/;

/** One RFC 4180 cell: null is empty, text that would run as a formula gets a leading ', quoted when it must be. */
export function csvCell(v: ExportCell): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Lines joined with CRLF (and one at the end), UTF-8 with a BOM: Excel opens UTF-8 (Chinese names) correctly only with it. */
export function csvFile(lines: string[]): Buffer {
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

/** What a report file says about itself: which date its figures are as of, and which version of the report it is. */
export interface ReportMeta {
  asOfDate?: string;
  version?: string | number;
  /** Further lines of what the file is (label, value), after the as-of date and version: a scenario, a seed. */
  more?: readonly (readonly [string, string])[];
}

/** The meta lines of a report file, Chinese with English in brackets. */
function metaLines(meta: ReportMeta | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (meta?.asOfDate) out.push(['截至日期 (As of)', meta.asOfDate]);
  if (meta?.version !== undefined && meta.version !== null)
    out.push(['版本 (Version)', String(meta.version)]);
  for (const [k, v] of meta?.more ?? []) out.push([k, v]);
  return out;
}

export interface CsvOptions {
  /** A first line of its own (a report title), followed by an empty line. */
  title?: string;
  /** as-of date and version, one line each after the title */
  meta?: ReportMeta;
  /** Whether each table starts with its name on a line of its own (default true). */
  tableNames?: boolean;
}

/** Tables one after another, each as its name (unless turned off), its header and its rows, an empty line between. */
export function tablesToCsv(tables: ExportTable[], options: CsvOptions = {}): Buffer {
  const out: string[] = options.title === undefined ? [] : [csvCell(options.title)];
  for (const [k, v] of metaLines(options.meta)) out.push(`${csvCell(k)},${csvCell(v)}`);
  for (const t of tables) {
    if (out.length) out.push('');
    if (options.tableNames ?? true) out.push(csvCell(t.name));
    out.push(t.columns.map(csvCell).join(','));
    for (const r of t.rows) out.push(r.map(csvCell).join(','));
  }
  return csvFile(out);
}

export interface XlsxOptions {
  /** Width of every column, in characters. */
  columnWidth: number;
  /** Keep the header row in view while scrolling. */
  freezeHeader: boolean;
  /** A filter button on every header cell (default true). */
  autoFilter?: boolean;
  /** The report's title, as-of date and version: workbook properties and a last sheet 报表信息 (About). */
  title?: string;
  meta?: ReportMeta;
}

const MONEY = /^-?\d+\.\d{2}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The fixed decimals of a column: the most any of its values carries. */
function decimalsOf(rows: ExportCell[][], i: number): number {
  let d = 0;
  for (const r of rows) {
    const v = r[i];
    if (typeof v === 'string' && DECIMAL.test(v))
      d = Math.max(d, v.includes('.') ? v.length - v.indexOf('.') - 1 : 0);
  }
  return Math.min(d, 10);
}

/** One worksheet per table (name cut to Excel's 31 characters, forbidden characters as spaces), bold header. */
export async function tablesToXlsx(tables: ExportTable[], options: XlsxOptions): Promise<Buffer> {
  // loaded on first use: everything imports this library (migrations, scripts), few callers write workbooks
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'mutual-aid-engine';
  const meta = metaLines(options.meta);
  if (options.title) wb.title = options.title;
  if (options.meta?.version !== undefined) wb.keywords = `version ${options.meta.version}`;
  for (const t of tables) {
    const ws = wb.addWorksheet(t.name.slice(0, 31).replace(/[[\]*?/\\:]/g, ' '));
    ws.addRow(t.columns).font = { bold: true };
    const money = new Set((t.moneyColumns ?? []).map((c) => t.columns.indexOf(c)));
    const numbers = new Set(
      (t.numberColumns ?? []).map((c) => t.columns.indexOf(c)).filter((i) => i >= 0 && !money.has(i)),
    );
    for (const r of t.rows) {
      // An XLSX number is an IEEE double by the file format's definition: the exact yuan string becomes one only
      // here, for display and spreadsheet sums; every figure was computed in bigint fen.
      ws.addRow(
        r.map((v, i) =>
          (money.has(i) && typeof v === 'string' && MONEY.test(v)) ||
          (numbers.has(i) && typeof v === 'string' && DECIMAL.test(v))
            ? Number(v)
            : v,
        ),
      );
    }
    for (const i of money) ws.getColumn(i + 1).numFmt = '#,##0.00';
    for (const i of numbers) {
      const d = decimalsOf(t.rows, i);
      ws.getColumn(i + 1).numFmt = d ? `0.${'0'.repeat(d)}` : '0';
    }
    // after the columns' formats, which a column writes into every cell it has
    for (const [k, fmt] of (t.rowNumberFormats ?? []).entries()) {
      if (!fmt) continue;
      const row = ws.getRow(k + 2);
      for (const i of [...money, ...numbers])
        if (i >= 0 && typeof row.getCell(i + 1).value === 'number') row.getCell(i + 1).numFmt = fmt;
    }
    ws.columns.forEach((c) => (c.width = options.columnWidth));
    if (options.freezeHeader) ws.views = [{ state: 'frozen', ySplit: 1 }];
    if ((options.autoFilter ?? true) && t.columns.length)
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: t.columns.length } };
  }
  // last, so the report's own sheets keep their positions
  if (options.title || meta.length) {
    const about = wb.addWorksheet('报表信息 (About)');
    if (options.title) about.addRow([options.title]).font = { bold: true };
    for (const line of meta) about.addRow(line);
    about.getColumn(1).width = 24;
    about.getColumn(2).width = 24;
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
