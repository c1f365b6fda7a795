import { SheetFileError, sheetEncoding, type FieldError, type SheetEncoding } from '#libs/common';
import type { StatementRow } from '../domain/statement.js';

/** CSV, or JSON: one object per line (JSON Lines) or one top-level array of objects, told apart by the first character. */
export type StatementFormat = 'CSV' | 'JSONL';

/** GBK and GB2312 are subsets of GB18030, so one decoder reads all three (the uploads' one decoder, libs/common). */
export type StatementEncoding = SheetEncoding;

export interface StatementOptions {
  /** Given by the uploader: wins over detection. Without it, a UTF-8 BOM means UTF-8, else the bytes decide. */
  encoding?: StatementEncoding;
}

export type StatementItem =
  | { kind: 'row'; lineNo: number; row: StatementRow }
  | { kind: 'malformed'; lineNo: number; raw: string; errors: FieldError[] };

/** A file that cannot be read as a statement at all (no header, missing columns, bad bytes): nothing is stored. */
export const StatementFileError = SheetFileError;
export type StatementFileError = SheetFileError;

/** The spellings accepted for the `encoding` upload parameter. */
export const ENCODING_NAMES = ['utf-8', 'utf8', 'gb18030', 'gbk', 'gb2312'] as const;

/** 'utf8' → 'UTF-8'; 'GBK', 'gb2312', 'gb18030' → 'GB18030'; anything else → undefined. */
export const statementEncoding = sheetEncoding;

export const RAW_KEEP = 500;
/** A physical line longer than this is not a statement line; refusing it keeps memory flat. */
export const MAX_LINE_CHARS = 1024 * 1024;
/**
 * A CSV record spanning lines (a quoted remark with line breaks), or one element of a JSON array, may hold this
 * many characters. Past it a quote is taken as never closed: the record's first line is reported and reading
 * resumes on the line after it, so one stray quote cannot swallow the rest of the file (nor hold it in memory).
 */
export const MAX_RECORD_CHARS = 64 * 1024;
export { SNIFF_BYTES } from '#libs/common';
