import { BANK_STATUSES } from './domain/statement.js';
import { STATEMENT_COLUMNS } from './reader/header.js';
import { LINE_CATEGORIES } from './store/reconciliation.store.js';

/**
 * Every code of the reconciliation that reaches the API or a report, and its Chinese label: the one catalogue the
 * report, the XLSX and the messages read. A value added to one of these lists without a label does not compile, and
 * the catalogue test compares the lists with the database's CHECK constraints, so a status added there fails too.
 */

/** A run's status (`recon_runs.status`): a run is written in one transaction, so it exists complete or not at all. */
export const RECON_RUN_STATUSES = ['COMPLETED'] as const;
export type ReconRunStatus = (typeof RECON_RUN_STATUSES)[number];

/** The formats a statement is uploaded in (`recon_runs.format`). */
export const RECON_FORMATS = ['CSV', 'JSONL'] as const;
export type ReconFormat = (typeof RECON_FORMATS)[number];

/** A line's category as stored and answered by the API (`recon_lines.category`). */
export const RECON_STORED_CATEGORIES = [
  'MATCHED',
  'DIFFERENT',
  'ONLY_IN_BANK',
  'ONLY_IN_ENGINE',
  'MALFORMED',
] as const;
export type ReconStoredCategory = (typeof RECON_STORED_CATEGORIES)[number];

/**
 * The loan statuses a line shows: the bank's (NORMAL, OVERDUE, CLOSED, WRITTEN_OFF) and the engine's, which is its
 * loan state mapped onto the same words (a disbursed loan is NORMAL or OVERDUE) or, for a loan in any other state,
 * that state itself (`loans.status` but DISBURSED).
 */
export const RECON_LOAN_STATUSES = [
  ...BANK_STATUSES,
  'DRAFT',
  'SUBMITTED',
  'GROUP_ENDORSED',
  'APPROVED',
  'IN_PUBLIC_NOTICE',
  'REJECTED',
  'CANCELLED',
] as const;
export type ReconLoanStatus = (typeof RECON_LOAN_STATUSES)[number];

type Category = ReconStoredCategory | (typeof LINE_CATEGORIES)[number];

export const RECON_RUN_STATUS_ZH: Record<ReconRunStatus, string> = { COMPLETED: '已完成' };

export const RECON_FORMAT_ZH: Record<ReconFormat, string> = {
  CSV: 'CSV 文件',
  JSONL: 'JSON Lines 文件',
};

export const RECON_CATEGORY_ZH: Record<Category, string> = {
  MATCHED: '一致',
  DIFFERENT: '不一致',
  AMOUNT_DIFF: '金额不符',
  STATUS_DIFF: '状态不符',
  ONLY_IN_BANK: '仅银行有',
  ONLY_IN_ENGINE: '仅系统有',
  MALFORMED: '格式错误',
};

export const RECON_LOAN_STATUS_ZH: Record<ReconLoanStatus, string> = {
  NORMAL: '正常',
  OVERDUE: '逾期',
  CLOSED: '结清',
  WRITTEN_OFF: '核销',
  DRAFT: '草稿',
  SUBMITTED: '已提交',
  GROUP_ENDORSED: '联保小组已同意',
  APPROVED: '已审批未放款',
  IN_PUBLIC_NOTICE: '公示中',
  REJECTED: '已拒绝',
  CANCELLED: '已取消',
};

/** The catalogue by kind of code, for the test and any reader that labels a code it is given. */
export const RECON_LABELS = {
  runStatus: RECON_RUN_STATUS_ZH,
  format: RECON_FORMAT_ZH,
  category: RECON_CATEGORY_ZH,
  loanStatus: RECON_LOAN_STATUS_ZH,
} as const;

/** A code's Chinese label (the code itself when it has none, which the catalogue test keeps from happening). */
export function reconLabel(kind: keyof typeof RECON_LABELS, code: string): string {
  return (RECON_LABELS[kind] as Record<string, string>)[code] ?? code;
}

/** The Chinese name of a field a malformed line's error names: the statement's own column headers, and the file's parts. */
export const RECON_ERROR_FIELD_ZH: Record<string, string> = {
  ...Object.fromEntries(STATEMENT_COLUMNS.map((c) => [c.en, c.zh])),
  header: '表头',
  body: '文件内容',
  line: '行',
};
