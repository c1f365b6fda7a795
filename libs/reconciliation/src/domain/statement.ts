import { headerKey, type ColumnSpec, type FieldError } from '#libs/common';
import { parseYuan, type Fen } from '#libs/money';

/**
 * A bank statement row: one covered loan as the bank holds it. Column names are accepted in snake_case or
 * camelCase (`bank_loan_ref` / `bankLoanRef`), case-insensitively; `as_of_date` is optional per row but, when
 * given, must be the statement's date.
 */
export const STATEMENT_FIELDS = {
  bankloanref: 'bank_loan_ref',
  outstandingprincipal: 'outstanding_principal',
  overdueprincipal: 'overdue_principal',
  overduedays: 'overdue_days',
  status: 'status',
  asofdate: 'as_of_date',
} as const;
export type FieldKey = keyof typeof STATEMENT_FIELDS;
export const REQUIRED_FIELDS: FieldKey[] = [
  'bankloanref',
  'outstandingprincipal',
  'overdueprincipal',
  'overduedays',
  'status',
];

/** The loan statuses a bank reports; the engine's loan state is mapped onto the same words. */
export const BANK_STATUSES = ['NORMAL', 'OVERDUE', 'CLOSED', 'WRITTEN_OFF'] as const;
export type BankStatus = (typeof BANK_STATUSES)[number];

export interface StatementRow {
  ref: string;
  outstandingFen: Fen;
  overduePrincipalFen: Fen;
  overdueDays: number;
  status: BankStatus;
}

/** 'Bank Loan Ref', 'bank_loan_ref', 'bankLoanRef' → 'bankloanref'. */
export const normaliseKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface HeaderMap {
  /** position of each known field in a CSV record */
  index: Partial<Record<FieldKey, number>>;
  columns: number;
}

/**
 * The statement's columns with their Chinese headers and the names banks' systems export: a header is matched by
 * the uploads' one header mapper's rules (headerKey: width, case, spaces, `_`, a trailing unit in brackets).
 */
export const STATEMENT_COLUMNS: readonly ColumnSpec<FieldKey>[] = [
  { key: 'bankloanref', zh: '银行贷款编号', en: 'bank_loan_ref', required: true, aliases: ['bankLoanRef', '贷款编号', '借据号', '借据编号', '贷款账号'], example: 'ZB2026-0001' },
  { key: 'outstandingprincipal', zh: '贷款余额', en: 'outstanding_principal', required: true, kind: 'money', aliases: ['outstandingPrincipal', '本金余额', '剩余本金'], example: '50000.00' },
  { key: 'overdueprincipal', zh: '逾期本金', en: 'overdue_principal', required: true, kind: 'money', aliases: ['overduePrincipal', '逾期本金余额'], example: '0.00' },
  { key: 'overduedays', zh: '逾期天数', en: 'overdue_days', required: true, kind: 'integer', aliases: ['overdueDays'], example: '0' },
  {
    key: 'status',
    zh: '贷款状态',
    en: 'status',
    required: true,
    kind: 'enum',
    aliases: ['状态'],
    options: [
      { value: 'NORMAL', zh: '正常' },
      { value: 'OVERDUE', zh: '逾期' },
      { value: 'CLOSED', zh: '结清' },
      { value: 'WRITTEN_OFF', zh: '核销' },
    ],
    example: '正常',
  },
  { key: 'asofdate', zh: '对账日期', en: 'as_of_date', kind: 'date', aliases: ['asOfDate', '数据日期', '统计日期'] },
];

const BY_HEADER = new Map<string, FieldKey>(
  STATEMENT_COLUMNS.flatMap((c) => [c.key, c.zh, c.en, ...(c.aliases ?? [])].map((n) => [headerKey(n), c.key] as const)),
);

/**
 * Whether a record is the template's English key row (every filled cell names a statement column), which sits
 * under the Chinese headers of a downloaded template and is not data.
 */
export function isStatementKeyRow(cells: readonly string[]): boolean {
  const filled = cells.map((c) => c.trim()).filter(Boolean);
  return filled.length > 0 && filled.every((c) => STATEMENT_COLUMNS.some((col) => col.en === c));
}

/** The statement template's columns: keyed by the snake_case names every bank file and JSON statement uses. */
export const STATEMENT_TEMPLATE_COLUMNS: readonly ColumnSpec[] = STATEMENT_COLUMNS.map((c) => ({ ...c, key: c.en }));

/** Chinese status words a bank writes, as the codes. */
const STATUS_WORDS: Record<string, BankStatus> = {
  正常: 'NORMAL',
  逾期: 'OVERDUE',
  结清: 'CLOSED',
  已结清: 'CLOSED',
  核销: 'WRITTEN_OFF',
  已核销: 'WRITTEN_OFF',
};

/**
 * Maps a CSV header (Chinese or English column names); every missing required column is named at once. Unknown
 * columns are ignored (a bank's export carries more than the statement needs).
 */
export function mapHeader(
  names: string[],
): { ok: true; header: HeaderMap } | { ok: false; errors: FieldError[] } {
  const index: Partial<Record<FieldKey, number>> = {};
  const errors: FieldError[] = [];
  names.forEach((raw, i) => {
    const k = BY_HEADER.get(headerKey(raw));
    if (!k) return;
    if (index[k] !== undefined)
      errors.push({
        field: STATEMENT_FIELDS[k],
        code: 'DUPLICATE_COLUMN',
        message: `column ${raw} appears twice`,
        params: { column: raw },
      });
    else index[k] = i;
  });
  for (const k of REQUIRED_FIELDS) {
    if (index[k] === undefined) {
      const zh = STATEMENT_COLUMNS.find((c) => c.key === k)!.zh;
      errors.push({
        field: STATEMENT_FIELDS[k],
        code: 'MISSING_COLUMN',
        message: `the header has no ${STATEMENT_FIELDS[k]} (${zh}) column`,
        params: { column: `${zh}（${STATEMENT_FIELDS[k]}）` },
      });
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, header: { index, columns: names.length } };
}

const REF = /^[\x21-\x7E\u00A0-\uFFFF][\x20-\x7E\u00A0-\uFFFF]{0,63}$/;
const DAYS = /^\d{1,5}$/;

function money(field: FieldKey, value: unknown, errors: FieldError[]): Fen {
  if (typeof value !== 'string') {
    errors.push({
      field: STATEMENT_FIELDS[field],
      code: 'FORMAT',
      message:
        'must be a decimal string in yuan, e.g. "5000.00" (JSON numbers are refused: no binary floating point)',
    });
    return 0n;
  }
  const r = parseYuan(value.trim(), { allowZero: true });
  if (!r.ok) {
    errors.push({
      field: STATEMENT_FIELDS[field],
      code: r.error,
      message: `"${value.slice(0, 40)}" is not an amount in yuan with at most 2 decimals (${r.error})`,
    });
    return 0n;
  }
  return r.fen;
}

/**
 * Validates one row, given by field (CSV cells are strings; JSON values keep their JSON type). Returns the row or
 * every problem in it at once.
 */
export function validateRow(
  values: Partial<Record<FieldKey, unknown>>,
  asOfDate: string,
): { ok: true; row: StatementRow } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const refRaw = values.bankloanref;
  const ref =
    typeof refRaw === 'string'
      ? refRaw.trim()
      : refRaw === undefined || refRaw === null
        ? ''
        : String(refRaw);
  if (!ref || !REF.test(ref))
    errors.push({ field: 'bank_loan_ref', code: 'FORMAT', message: 'required, 1-64 printable characters' });
  const outstandingFen = money('outstandingprincipal', values.outstandingprincipal, errors);
  const overduePrincipalFen = money('overdueprincipal', values.overdueprincipal, errors);
  const daysRaw = values.overduedays;
  const daysText =
    typeof daysRaw === 'number' && Number.isSafeInteger(daysRaw)
      ? String(daysRaw)
      : typeof daysRaw === 'string'
        ? daysRaw.trim()
        : '';
  if (!DAYS.test(daysText))
    errors.push({
      field: 'overdue_days',
      code: 'FORMAT',
      message: 'must be a whole number of days, 0-99999',
    });
  const statusText = typeof values.status === 'string' ? values.status.trim() : '';
  const status = (STATUS_WORDS[statusText] ?? statusText.toUpperCase()) as BankStatus;
  if (!BANK_STATUSES.includes(status))
    errors.push({ field: 'status', code: 'FORMAT', message: `must be one of ${BANK_STATUSES.join(', ')}` });
  const date = values.asofdate;
  if (
    date !== undefined &&
    date !== null &&
    !(typeof date === 'string' && (date.trim() === '' || date.trim() === asOfDate))
  ) {
    errors.push({
      field: 'as_of_date',
      code: 'AS_OF_DATE_MISMATCH',
      message: `must be the statement date ${asOfDate}`,
    });
  }
  if (!errors.length && overduePrincipalFen > outstandingFen) {
    errors.push({
      field: 'overdue_principal',
      code: 'INCONSISTENT',
      message: 'overdue principal cannot exceed outstanding principal',
    });
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    row: { ref, outstandingFen, overduePrincipalFen, overdueDays: Number(daysText), status },
  };
}

/**
 * A text cell for a CSV report: quoted when needed, and neutralised when it starts like a spreadsheet formula
 * (a bank reference such as "=HYPERLINK(…)" must not execute when the report is opened).
 */
export function csvText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
