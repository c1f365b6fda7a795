import {
  CSV_CONTENT_TYPE,
  tablesToCsv,
  tablesToXlsx,
  XLSX_CONTENT_TYPE,
  type ExportFile,
  type ExportTable,
} from '#libs/common';

/** A report section: a named table of already formatted cells (money as yuan strings, never computed here). */
export type ReportTable = ExportTable;
export type { ExportFile };

/** Sections one after another, each with its name and header, separated by a blank line (RFC 4180 cells, CRLF). */
export function toCsv(tables: ReportTable[]): Buffer {
  return tablesToCsv(tables);
}

/** One worksheet per section. */
export function toXlsx(tables: ReportTable[]): Promise<Buffer> {
  return tablesToXlsx(tables, { columnWidth: 18, freezeHeader: false });
}

export async function render(
  tables: ReportTable[],
  format: 'csv' | 'xlsx',
  basename: string,
): Promise<ExportFile> {
  if (format === 'csv') {
    return { contentType: CSV_CONTENT_TYPE, filename: `${basename}.csv`, body: toCsv(tables) };
  }
  return { contentType: XLSX_CONTENT_TYPE, filename: `${basename}.xlsx`, body: await toXlsx(tables) };
}
