import { csvCell, fieldMessage, type ExportCell, type ExportTable, type Lang } from '#libs/common';
import { formatYuan } from '#libs/money';
import { csvText } from './domain/statement.js';
import { RECON_ERROR_FIELD_ZH, reconLabel } from './labels.js';
import type { StatementFormat } from './statement-reader.js';
import type { LineRow, RunRow } from './store/reconciliation.store.js';

const y = (fen: string | undefined) => formatYuan(BigInt(fen ?? '0'));

export interface RunView {
  id: string;
  bankId: string;
  bankCode: string;
  asOfDate: string;
  format: StatementFormat;
  contentHash: string;
  byteSize: number;
  status: string;
  rows: { total: number; valid: number; malformed: number };
  summary: {
    matched: { count: number; outstanding: string; overduePrincipal: string };
    amountDifferences: {
      count: number;
      bankOutstanding: string;
      engineOutstanding: string;
      outstandingDifference: string;
      bankOverduePrincipal: string;
      engineOverduePrincipal: string;
      overduePrincipalDifference: string;
    };
    statusDifferences: { count: number; bankOutstanding: string; engineOutstanding: string };
    onlyInBank: { count: number; bankOutstanding: string; bankOverduePrincipal: string };
    onlyInEngine: { count: number; engineOutstanding: string; engineOverduePrincipal: string };
    malformed: { count: number };
  };
  createdBy: string;
  createdAt: string;
  completedAt: string | null;
  durationMs: number | null;
}

export function runView(r: RunRow): RunView {
  const t = r.totals ?? {};
  return {
    id: r.id,
    bankId: r.bank_id,
    bankCode: r.bank_code,
    asOfDate: r.as_of_date,
    format: r.format,
    contentHash: r.content_hash.trim(),
    byteSize: Number(r.byte_size),
    status: r.status,
    rows: { total: r.total_rows, valid: r.valid_rows, malformed: r.malformed_rows },
    summary: {
      matched: {
        count: r.matched,
        outstanding: y(t.matched_outstanding),
        overduePrincipal: y(t.matched_overdue),
      },
      amountDifferences: {
        count: r.amount_diffs,
        bankOutstanding: y(t.amount_bank_outstanding),
        engineOutstanding: y(t.amount_engine_outstanding),
        outstandingDifference: formatYuan(
          BigInt(t.amount_bank_outstanding ?? '0') - BigInt(t.amount_engine_outstanding ?? '0'),
        ),
        bankOverduePrincipal: y(t.amount_bank_overdue),
        engineOverduePrincipal: y(t.amount_engine_overdue),
        overduePrincipalDifference: formatYuan(
          BigInt(t.amount_bank_overdue ?? '0') - BigInt(t.amount_engine_overdue ?? '0'),
        ),
      },
      statusDifferences: {
        count: r.status_diffs,
        bankOutstanding: y(t.status_bank_outstanding),
        engineOutstanding: y(t.status_engine_outstanding),
      },
      onlyInBank: {
        count: r.only_in_bank,
        bankOutstanding: y(t.bank_only_outstanding),
        bankOverduePrincipal: y(t.bank_only_overdue),
      },
      onlyInEngine: {
        count: r.only_in_engine,
        engineOutstanding: y(t.engine_only_outstanding),
        engineOverduePrincipal: y(t.engine_only_overdue),
      },
      malformed: { count: r.malformed_rows },
    },
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    durationMs: r.duration_ms,
  };
}

const opt = (fen: string | null) => (fen === null ? null : formatYuan(BigInt(fen)));
const diff = (a: string | null, b: string | null) =>
  a === null || b === null ? null : formatYuan(BigInt(a) - BigInt(b));

/**
 * A line as the API answers it; a malformed line's error messages in the caller's language (Chinese from the message
 * catalogue by code with Accept-Language zh, the reader's own English sentence otherwise).
 */
export function lineView(r: LineRow, lang: Lang = 'en') {
  return {
    id: r.id,
    lineNo: r.line_no,
    category: r.category,
    amountDiffers: r.amount_differs,
    statusDiffers: r.status_differs,
    bankLoanRef: r.bank_loan_ref,
    loanId: r.loan_id,
    bank: {
      outstandingPrincipal: opt(r.bank_outstanding_fen),
      overduePrincipal: opt(r.bank_overdue_principal_fen),
      overdueDays: r.bank_overdue_days,
      status: r.bank_status,
    },
    engine: {
      outstandingPrincipal: opt(r.engine_outstanding_fen),
      overduePrincipal: opt(r.engine_overdue_principal_fen),
      overdueDays: r.engine_overdue_days,
      status: r.engine_status,
    },
    difference: {
      outstandingPrincipal: diff(r.bank_outstanding_fen, r.engine_outstanding_fen),
      overduePrincipal: diff(r.bank_overdue_principal_fen, r.engine_overdue_principal_fen),
      overdueDays:
        r.bank_overdue_days === null || r.engine_overdue_days === null
          ? null
          : r.bank_overdue_days - r.engine_overdue_days,
    },
    errors: r.errors && lang !== 'en' ? r.errors.map((e) => ({ ...e, message: fieldMessage(e.code, lang) ?? e.message })) : r.errors,
    raw: r.raw,
  };
}

/** The header of a run's CSV report (after the UTF-8 BOM). */
export const REPORT_HEADER =
  'line_no,category,amount_differs,status_differs,bank_loan_ref,loan_id,bank_outstanding_principal,engine_outstanding_principal,' +
  'outstanding_difference,bank_overdue_principal,engine_overdue_principal,overdue_principal_difference,bank_overdue_days,' +
  'engine_overdue_days,bank_status,engine_status,errors\r\n';

/** One line of a run's CSV report. */
export function reportLine(r: LineRow): string {
  const v = lineView(r);
  return (
    [
      r.line_no ?? '',
      r.category === 'DIFFERENT' ? (r.amount_differs ? 'AMOUNT_DIFF' : 'STATUS_DIFF') : r.category,
      r.amount_differs,
      r.status_differs,
      csvText(r.bank_loan_ref),
      r.loan_id ?? '',
      v.bank.outstandingPrincipal ?? '',
      v.engine.outstandingPrincipal ?? '',
      v.difference.outstandingPrincipal ?? '',
      v.bank.overduePrincipal ?? '',
      v.engine.overduePrincipal ?? '',
      v.difference.overduePrincipal ?? '',
      r.bank_overdue_days ?? '',
      r.engine_overdue_days ?? '',
      csvText(r.bank_status),
      csvText(r.engine_status),
      csvText(r.errors ? r.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : null),
    ].join(',') + '\r\n'
  );
}

/** The report's columns in Chinese (a bank's or fund office's spreadsheet); English is REPORT_HEADER's. */
export const REPORT_COLUMNS_ZH = [
  '行号',
  '核对结果',
  '金额不符',
  '状态不符',
  '银行贷款编号',
  '贷款编号',
  '银行贷款余额',
  '系统贷款余额',
  '余额差额',
  '银行逾期本金',
  '系统逾期本金',
  '逾期本金差额',
  '银行逾期天数',
  '系统逾期天数',
  '银行贷款状态',
  '系统贷款状态',
  '错误',
];
const REPORT_MONEY = [6, 7, 8, 9, 10, 11];

/** The report's columns in a language: Chinese, or the snake_case names the CSV always had (English). */
export function reportColumns(lang: Lang): string[] {
  return lang === 'en' ? REPORT_HEADER.trim().split(',') : REPORT_COLUMNS_ZH;
}

/** A malformed line's error in Chinese: the column's Chinese header and the code's sentence from the message catalogue. */
function errorZh(e: { field: string; code: string; message: string }): string {
  return `${RECON_ERROR_FIELD_ZH[e.field] ?? e.field}: ${fieldMessage(e.code, 'zh-CN') ?? e.message}`;
}

/** One line of the report as cells: codes as Chinese labels (the codes themselves in English), money as yuan. */
export function reportCells(r: LineRow, lang: Lang): ExportCell[] {
  const v = lineView(r);
  const zh = lang !== 'en';
  const category = r.category === 'DIFFERENT' ? (r.amount_differs ? 'AMOUNT_DIFF' : 'STATUS_DIFF') : r.category;
  const flag = (b: boolean) => (zh ? (b ? '是' : '否') : b);
  const status = (s: string | null) => (s === null ? null : zh ? reconLabel('loanStatus', s) : s);
  return [
    r.line_no ?? null,
    zh ? reconLabel('category', category) : category,
    flag(r.amount_differs),
    flag(r.status_differs),
    r.bank_loan_ref,
    r.loan_id ?? null,
    v.bank.outstandingPrincipal ?? null,
    v.engine.outstandingPrincipal ?? null,
    v.difference.outstandingPrincipal ?? null,
    v.bank.overduePrincipal ?? null,
    v.engine.overduePrincipal ?? null,
    v.difference.overduePrincipal ?? null,
    r.bank_overdue_days ?? null,
    r.engine_overdue_days ?? null,
    status(r.bank_status),
    status(r.engine_status),
    r.errors ? r.errors.map((e) => (zh ? errorZh(e) : `${e.field}: ${e.message}`)).join('; ') : null,
  ];
}

/** A line of the CSV report: English is byte for byte the report as it always was; Chinese is labelled. */
export function reportCsvLine(r: LineRow, lang: Lang): string {
  return lang === 'en' ? reportLine(r) : reportCells(r, lang).map(csvCell).join(',') + '\r\n';
}

/** The whole report as one table (the XLSX download): money as number cells. */
export function reportTable(rows: LineRow[], lang: Lang): ExportTable {
  const columns = reportColumns(lang);
  return {
    name: lang === 'en' ? 'Reconciliation' : '对账结果',
    columns,
    moneyColumns: REPORT_MONEY.map((i) => columns[i]),
    rows: rows.map((r) => reportCells(r, lang)),
  };
}
