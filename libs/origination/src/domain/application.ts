import { formatYuan } from '#libs/money';
import type { LoanRecord } from './loan-record.js';
import type { WorkflowAction } from './workflow.js';

/** The audit action of each workflow step. */
export const AUDIT_ACTION: Record<WorkflowAction, string> = {
  SUBMIT: 'LOAN_SUBMITTED',
  ENDORSE: 'LOAN_GROUP_ENDORSED',
  APPROVE: 'LOAN_APPROVED',
  OBJECT: 'LOAN_OBJECTION_RAISED',
  DISBURSE: 'LOAN_DISBURSED',
  REJECT: 'LOAN_REJECTED',
  CANCEL: 'LOAN_CANCELLED',
};

/** Poor households' applications are reviewed first (priority 0). */
export const priorityOf = (h: { status: string }): number => (h.status === 'POOR' ? 0 : 1);

/** What the audit log keeps of a loan at each step (no personal data: the household is referenced by id). */
export function snapshot(l: LoanRecord) {
  return {
    loanNo: l.loanNo,
    status: l.status,
    version: l.version,
    householdId: l.householdId,
    fundId: l.fundId,
    groupId: l.groupId,
    productVersionId: l.productVersionId,
    principal: formatYuan(l.principalFen),
    termMonths: l.termMonths,
    purpose: l.purpose,
    priority: l.priority,
    approvedBy: l.approvedBy,
    secondApprovedBy: l.secondApprovedBy,
    noticeEndsOn: l.noticeEndsOn,
  };
}

/** What an edit of a draft changed, field by field (the version aside). */
export function changes(before: LoanRecord, after: LoanRecord): Record<string, unknown> {
  const a = snapshot(before) as Record<string, unknown>;
  const b = snapshot(after) as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(b)
      .filter((k) => k !== 'version' && a[k] !== b[k])
      .map((k) => [k, { from: a[k], to: b[k] }]),
  );
}
