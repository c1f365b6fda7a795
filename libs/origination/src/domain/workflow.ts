/**
 * The application-to-loan state machine (SPEC §2.1): application → group endorsement → committee approval
 * (approver ≠ creator; a second approver above the threshold) → public notice (公示; an objection sends it back
 * to review) → disbursement. Pure: callers pass the facts, this decides.
 */
export type LoanStatus =
  | 'DRAFT'
  | 'SUBMITTED'
  | 'GROUP_ENDORSED'
  | 'APPROVED'
  | 'IN_PUBLIC_NOTICE'
  | 'DISBURSED'
  | 'CLOSED'
  | 'WRITTEN_OFF'
  | 'REJECTED'
  | 'CANCELLED';

export type WorkflowAction =
  | 'SUBMIT'
  | 'ENDORSE'
  | 'APPROVE'
  | 'OBJECT'
  | 'DISBURSE'
  | 'REJECT'
  | 'CANCEL';

export interface WorkflowFacts {
  status: LoanStatus;
  createdBy: string;
  approvedBy: string | null;
  /** Mutual-aid loans with a joint-liability group need its endorsement before approval. */
  needsGroupEndorsement: boolean;
  /** Above the fund's threshold two different approvers are needed. */
  needsSecondApproval: boolean;
  noticeDays: number;
  noticeEndsOn: string | null;
}

export interface Transition {
  to: LoanStatus;
  /** Extra state to record with the transition. */
  approvedBy?: string;
  secondApprovedBy?: string;
  noticeEndsOn?: string | null;
  /** Approvals given so far no longer count (after an objection). */
  clearApprovals?: boolean;
  /** Events for the loan history, in order. */
  events: string[];
}

export type WorkflowRefusal = { code: 'INVALID_TRANSITION' | 'MAKER_CHECKER' | 'NOTICE_NOT_ENDED'; message: string };

const REVIEWABLE: LoanStatus[] = ['SUBMITTED', 'GROUP_ENDORSED'];

/** Adds whole days to a YYYY-MM-DD date (pure calendar arithmetic, no time zone). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = Date.UTC(y, m - 1, d) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export function decide(
  action: WorkflowAction,
  facts: WorkflowFacts,
  actor: string,
  today: string,
): Transition | WorkflowRefusal {
  const invalid = (): WorkflowRefusal => ({
    code: 'INVALID_TRANSITION',
    message: `cannot ${action.toLowerCase()} a loan in status ${facts.status}`,
  });
  switch (action) {
    case 'SUBMIT':
      return facts.status === 'DRAFT' ? { to: 'SUBMITTED', events: ['SUBMITTED'] } : invalid();
    case 'ENDORSE':
      if (facts.status !== 'SUBMITTED' || !facts.needsGroupEndorsement) return invalid();
      return { to: 'GROUP_ENDORSED', events: ['GROUP_ENDORSED'] };
    case 'APPROVE': {
      const ready = facts.needsGroupEndorsement ? facts.status === 'GROUP_ENDORSED' : REVIEWABLE.includes(facts.status);
      if (!ready) {
        return facts.status === 'SUBMITTED' && facts.needsGroupEndorsement
          ? { code: 'INVALID_TRANSITION', message: 'the joint-liability group must endorse the application before approval' }
          : invalid();
      }
      if (actor === facts.createdBy) {
        return { code: 'MAKER_CHECKER', message: 'the officer who created an application may not approve it' };
      }
      if (facts.needsSecondApproval && facts.approvedBy === null) {
        // First of two approvals: recorded, status unchanged until a different approver confirms.
        return { to: facts.status, approvedBy: actor, events: ['FIRST_APPROVAL'] };
      }
      if (facts.needsSecondApproval && facts.approvedBy === actor) {
        return { code: 'MAKER_CHECKER', message: 'the second approval must come from a different approver' };
      }
      const approval = facts.needsSecondApproval
        ? { approvedBy: facts.approvedBy!, secondApprovedBy: actor }
        : { approvedBy: actor };
      if (facts.noticeDays > 0) {
        return {
          to: 'IN_PUBLIC_NOTICE',
          ...approval,
          noticeEndsOn: addDays(today, facts.noticeDays),
          events: ['APPROVED', 'PUBLIC_NOTICE_STARTED'],
        };
      }
      return { to: 'APPROVED', ...approval, noticeEndsOn: null, events: ['APPROVED'] };
    }
    case 'OBJECT':
      // An objection during the notice puts the application back to review; approvals must be given again.
      if (facts.status !== 'IN_PUBLIC_NOTICE') return invalid();
      return {
        to: facts.needsGroupEndorsement ? 'GROUP_ENDORSED' : 'SUBMITTED',
        noticeEndsOn: null,
        clearApprovals: true,
        events: ['OBJECTION_RAISED'],
      };
    case 'DISBURSE':
      if (facts.status === 'APPROVED') return { to: 'DISBURSED', events: ['DISBURSED'] };
      if (facts.status !== 'IN_PUBLIC_NOTICE') return invalid();
      if (facts.noticeEndsOn && today < facts.noticeEndsOn) {
        return { code: 'NOTICE_NOT_ENDED', message: `the public notice runs until ${facts.noticeEndsOn}` };
      }
      return { to: 'DISBURSED', events: ['PUBLIC_NOTICE_ENDED', 'DISBURSED'] };
    case 'REJECT':
      if (![...REVIEWABLE, 'DRAFT', 'IN_PUBLIC_NOTICE', 'APPROVED'].includes(facts.status)) return invalid();
      return { to: 'REJECTED', events: ['REJECTED'] };
    case 'CANCEL':
      if (!['DRAFT', ...REVIEWABLE, 'APPROVED', 'IN_PUBLIC_NOTICE'].includes(facts.status)) return invalid();
      return { to: 'CANCELLED', events: ['CANCELLED'] };
  }
}

export const isRefusal = (r: Transition | WorkflowRefusal): r is WorkflowRefusal => 'code' in r;
