import type { FieldError } from '#libs/common';
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

/** Chinese status words a bank writes, as the codes. */
const STATUS_WORDS: Record<string, BankStatus> = {
  正常: 'NORMAL',
  逾期: 'OVERDUE',
  结清: 'CLOSED',
  已结清: 'CLOSED',
  核销: 'WRITTEN_OFF',
  已核销: 'WRITTEN_OFF',
};

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
