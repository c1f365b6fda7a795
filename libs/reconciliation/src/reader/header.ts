import { headerKey, type ColumnSpec, type FieldError } from '#libs/common';
import { REQUIRED_FIELDS, STATEMENT_FIELDS, type FieldKey, type HeaderMap } from '../domain/statement.js';

/**
 * The statement's columns with their Chinese headers and the names banks' systems export: a header is matched by
 * the uploads' one header mapper's rules (headerKey: width, case, spaces, `_`, a trailing unit in brackets).
 */
export const STATEMENT_COLUMNS: readonly ColumnSpec<FieldKey>[] = [
  {
    key: 'bankloanref',
    zh: '银行贷款编号',
    en: 'bank_loan_ref',
    required: true,
    aliases: ['bankLoanRef', '贷款编号', '借据号', '借据编号', '贷款账号'],
    example: 'ZB2026-0001',
  },
  {
    key: 'outstandingprincipal',
    zh: '贷款余额',
    en: 'outstanding_principal',
    required: true,
    kind: 'money',
    aliases: ['outstandingPrincipal', '本金余额', '剩余本金'],
    example: '50000.00',
  },
  {
    key: 'overdueprincipal',
    zh: '逾期本金',
    en: 'overdue_principal',
    required: true,
    kind: 'money',
    aliases: ['overduePrincipal', '逾期本金余额'],
    example: '0.00',
  },
  {
    key: 'overduedays',
    zh: '逾期天数',
    en: 'overdue_days',
    required: true,
    kind: 'integer',
    aliases: ['overdueDays'],
    example: '0',
  },
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
  {
    key: 'asofdate',
    zh: '对账日期',
    en: 'as_of_date',
    kind: 'date',
    aliases: ['asOfDate', '数据日期', '统计日期'],
  },
];

const BY_HEADER = new Map<string, FieldKey>(
  STATEMENT_COLUMNS.flatMap((c) =>
    [c.key, c.zh, c.en, ...(c.aliases ?? [])].map((n) => [headerKey(n), c.key] as const),
  ),
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
export const STATEMENT_TEMPLATE_COLUMNS: readonly ColumnSpec[] = STATEMENT_COLUMNS.map((c) => ({
  ...c,
  key: c.en,
}));

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
