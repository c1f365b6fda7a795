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

export interface CsvOptions {
  /** A first line of its own (a report title), followed by an empty line. */
  title?: string;
  /** Whether each table starts with its name on a line of its own (default true). */
  tableNames?: boolean;
}

/** Tables one after another, each as its name (unless turned off), its header and its rows, an empty line between. */
export function tablesToCsv(tables: ExportTable[], options: CsvOptions = {}): Buffer {
  const out: string[] = options.title === undefined ? [] : [csvCell(options.title)];
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
}

const MONEY = /^-?\d+\.\d{2}$/;

/** One worksheet per table (name cut to Excel's 31 characters, forbidden characters as spaces), bold header. */
export async function tablesToXlsx(tables: ExportTable[], options: XlsxOptions): Promise<Buffer> {
  // loaded on first use: everything imports this library (migrations, scripts), few callers write workbooks
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'mutual-aid-engine';
  for (const t of tables) {
    const ws = wb.addWorksheet(t.name.slice(0, 31).replace(/[[\]*?/\\:]/g, ' '));
    ws.addRow(t.columns).font = { bold: true };
    const money = new Set((t.moneyColumns ?? []).map((c) => t.columns.indexOf(c)));
    for (const r of t.rows) {
      // An XLSX number is an IEEE double by the file format's definition: the exact yuan string becomes one only
      // here, for display and spreadsheet sums; every figure was computed in bigint fen.
      ws.addRow(r.map((v, i) => (money.has(i) && typeof v === 'string' && MONEY.test(v) ? Number(v) : v)));
    }
    for (const i of money) ws.getColumn(i + 1).numFmt = '#,##0.00';
    ws.columns.forEach((c) => (c.width = options.columnWidth));
    if (options.freezeHeader) ws.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
