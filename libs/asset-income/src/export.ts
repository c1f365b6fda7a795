import ExcelJS from 'exceljs';

/** A report section: a named table of already formatted cells (money as yuan strings, never computed here). */
export interface ReportTable {
  name: string;
  columns: string[];
  /** Columns holding yuan amounts: written as numbers in XLSX so a spreadsheet can sum them. */
  moneyColumns?: string[];
  rows: (string | number | null)[][];
}

export interface ExportFile {
  contentType: string;
  filename: string;
  body: Buffer;
}

/** Spreadsheet programs run cells that start with these as formulas (CSV injection); such text is quoted. */
const FORMULA_START = /^[=+@\t\r]|^-(?!\d)/;

function csvCell(v: string | number | null): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Sections one after another, each with its name and header, separated by a blank line (RFC 4180 cells, CRLF). */
export function toCsv(tables: ReportTable[]): Buffer {
  const out: string[] = [];
  for (const t of tables) {
    if (out.length) out.push('');
    out.push(csvCell(t.name));
    out.push(t.columns.map(csvCell).join(','));
    for (const r of t.rows) out.push(r.map(csvCell).join(','));
  }
  // BOM: Excel opens UTF-8 (Chinese names) correctly only with it
  return Buffer.from('\uFEFF' + out.join('\r\n') + '\r\n', 'utf8');
}

const MONEY = /^-?\d+\.\d{2}$/;

/** One worksheet per section. */
export async function toXlsx(tables: ReportTable[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'mutual-aid-engine';
  for (const t of tables) {
    const ws = wb.addWorksheet(t.name.slice(0, 31).replace(/[[\]*?/\\:]/g, ' '));
    ws.addRow(t.columns).font = { bold: true };
    const money = new Set((t.moneyColumns ?? []).map((c) => t.columns.indexOf(c)));
    for (const r of t.rows) {
      ws.addRow(
        r.map((v, i) =>
          // An XLSX number cell is an IEEE double by the file format's definition: the exact yuan string becomes
          // the nearest double only here, for display and spreadsheet sums; every figure was computed in bigint fen.
          money.has(i) && typeof v === 'string' && MONEY.test(v) ? Number(v) : v,
        ),
      );
    }
    for (const i of money) ws.getColumn(i + 1).numFmt = '#,##0.00';
    ws.columns.forEach((c) => (c.width = 18));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function render(tables: ReportTable[], format: 'csv' | 'xlsx', basename: string): Promise<ExportFile> {
  if (format === 'csv') return { contentType: 'text/csv; charset=utf-8', filename: `${basename}.csv`, body: toCsv(tables) };
  return {
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    filename: `${basename}.xlsx`,
    body: await toXlsx(tables),
  };
}
