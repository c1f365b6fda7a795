import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { csvCell, isXlsx, readSheetRecords } from '#libs/common';
import { CsvReader } from './reader/csv.js';
import { StatementDecoder } from './reader/decoder.js';
import { JsonReader } from './reader/json.js';
import type { StatementFormat, StatementItem, StatementOptions } from './reader/types.js';

export { splitCsvLine } from './reader/csv.js';
export {
  ENCODING_NAMES,
  MAX_LINE_CHARS,
  MAX_RECORD_CHARS,
  StatementFileError,
  statementEncoding,
  type StatementEncoding,
  type StatementFormat,
  type StatementItem,
  type StatementOptions,
} from './reader/types.js';

/**
 * Reads a statement file (see readStatementStream); a CSV or JSON file is read in chunks, never whole. An XLSX
 * workbook (a bank's export saved from Excel; told by its bytes) is read by the uploads' one sheet reader and its
 * first sheet fed to the CSV reader row by row, so row numbers are the spreadsheet's.
 */
export async function* readStatement(
  path: string,
  format: StatementFormat,
  asOfDate: string,
  options: StatementOptions = {},
): AsyncGenerator<StatementItem> {
  const head = Buffer.alloc(4);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (format === 'CSV' && isXlsx(head)) {
    const { records } = await readSheetRecords(await readFile(path));
    const lines: string[] = [];
    for (const r of records) {
      while (lines.length < r.rowNo - 1) lines.push('');
      lines.push(r.cells.map(csvCell).join(','));
    }
    const text = Buffer.from(lines.join('\n') + '\n', 'utf8');
    yield* readStatementStream(
      (async function* () {
        yield text;
      })(),
      'CSV',
      asOfDate,
      { encoding: 'UTF-8' },
    );
    return;
  }
  yield* readStatementStream(createReadStream(path), format, asOfDate, options);
}

/**
 * Reads a statement from a stream of bytes and yields every data record as a valid row or a malformed one with
 * the line it starts on: nothing is held beyond the current chunk and record, and no record can vanish.
 *
 * Bytes are decoded as they arrive (TextDecoder with `stream: true`, so a character split between chunks is
 * joined); CSV follows RFC 4180 (quoted fields may hold commas, doubled quotes and line breaks); JSON is JSON Lines
 * or one top-level array read element by element. Malformed records never stop the run; a file that cannot be
 * read at all throws StatementFileError.
 */
export async function* readStatementStream(
  source: AsyncIterable<Uint8Array | string>,
  format: StatementFormat,
  asOfDate: string,
  options: StatementOptions = {},
): AsyncGenerator<StatementItem> {
  const out: StatementItem[] = [];
  const decoder = new StatementDecoder(options.encoding);
  const reader = format === 'CSV' ? new CsvReader(asOfDate, out) : new JsonReader(asOfDate, out);
  let first = true;
  const feed = (text: string) => {
    if (!text) return;
    if (first) {
      first = false;
      // a UTF-8 BOM is consumed by the decoder; a GB18030 one (84 31 95 33) decodes to U+FEFF
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (!reader.damaged && text.includes('\uFFFD')) reader.damaged = decoder.name();
    reader.push(text);
  };
  for await (const chunk of source) {
    feed(decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    if (out.length) {
      for (const item of out) yield item;
      out.length = 0;
    }
  }
  feed(decoder.end());
  reader.end();
  for (const item of out) yield item;
}
