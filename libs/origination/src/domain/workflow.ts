import { addDays } from '#libs/schedules/domain';

/**
 * The application-to-loan state machine (SPEC §2.1): application → group endorsement → committee approval
 * (approver ≠ creator; a second, different approver above the fund's threshold) → public notice (公示; an
 * objection sends it back to review and clears the approvals) → disbursement. REJECTED and CANCELLED end it.
 * Pure: callers pass the facts (read under the loan's row lock) and the business date, this decides.
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

export const LOAN_STATUSES: readonly LoanStatus[] = [
  'DRAFT',
  'SUBMITTED',
  'GROUP_ENDORSED',
  'APPROVED',
  'IN_PUBLIC_NOTICE',
  'DISBURSED',
  'CLOSED',
  'WRITTEN_OFF',
  'REJECTED',
  'CANCELLED',
];

/** Statuses of an application on its way to money: each counts as the household's one active loan. */
export const PENDING_STATUSES: readonly LoanStatus[] = [
  'SUBMITTED',
  'GROUP_ENDORSED',
  'APPROVED',
  'IN_PUBLIC_NOTICE',
];
/** A household's active mutual-aid loan: pending or disbursed (the unique index of the origination migration). */
export const ACTIVE_STATUSES: readonly LoanStatus[] = [...PENDING_STATUSES, 'DISBURSED'];
/** Statuses a fund administrator reviews (approves or rejects). */
export const REVIEW_STATUSES: readonly LoanStatus[] = ['SUBMITTED', 'GROUP_ENDORSED'];

export type WorkflowAction = 'SUBMIT' | 'ENDORSE' | 'APPROVE' | 'OBJECT' | 'DISBURSE' | 'REJECT' | 'CANCEL';

export interface WorkflowFacts {
  status: LoanStatus;
  createdBy: string;
  /** The first approval given so far (kept while a second one is awaited), or null. */
  approvedBy: string | null;
  /** The application names a joint-liability group: it must endorse before approval. */
  needsGroupEndorsement: boolean;
  /** The amount is above the fund's second-approval threshold: two different approvers. */
  needsSecondApproval: boolean;
  /** The fund's public-notice days (0: no notice, approval makes it disbursable at once). */
  noticeDays: number;
  /** Last day of the public notice (inclusive), set while IN_PUBLIC_NOTICE. */
  noticeEndsOn: string | null;
}

export interface Transition {
  to: LoanStatus;
  /** Approval state to record (absent: unchanged). */
  approvedBy?: string;
  secondApprovedBy?: string;
  /** Business date of the approval that completed the decision. */
  approvedOn?: string;
  /** Set (a date) or cleared (null) with the transition; absent: unchanged. */
  noticeStartedOn?: string | null;
  noticeEndsOn?: string | null;
  /** Approvals given so far no longer count (after an objection). */
  clearApprovals?: boolean;
  /** Events for the loan history, in order. */
  events: string[];
}

export type RefusalCode = 'LOAN_INVALID_TRANSITION' | 'LOAN_MAKER_CHECKER' | 'LOAN_NOTICE_NOT_ENDED';
export interface WorkflowRefusal {
  code: RefusalCode;
  message: string;
}

/** Adds whole days to a YYYY-MM-DD date (the calendar helper of `#libs/schedules`, re-exported for this library). */
export { addDays };

/**
 * The public notice runs for `days` whole days after the approval day: approved on D with 3 days, the notice is
 * up D+1..D+3 (noticeEndsOn = D+3), objections are heard through D+3 and the loan may be paid out from D+4. The
 * approval day does not count, since a notice posted late in the day would otherwise lose most of a day.
 */
export function noticeEndsOn(approvedOn: string, days: number): string {
  return addDays(approvedOn, days);
}

/** The first business date a loan in public notice may be disbursed. */
export function disbursableFrom(noticeEnd: string): string {
  return addDays(noticeEnd, 1);
}

const invalid = (action: WorkflowAction, status: LoanStatus, why?: string): WorkflowRefusal => ({
  code: 'LOAN_INVALID_TRANSITION',
  message: why ?? `cannot ${action.toLowerCase()} a loan in status ${status}`,
});

export function decide(
  action: WorkflowAction,
  facts: WorkflowFacts,
  actor: string,
  today: string,
): Transition | WorkflowRefusal {
  const { status } = facts;
  switch (action) {
    case 'SUBMIT':
      return status === 'DRAFT' ? { to: 'SUBMITTED', events: ['SUBMITTED'] } : invalid(action, status);

    case 'ENDORSE':
      if (status !== 'SUBMITTED') return invalid(action, status);
      if (!facts.needsGroupEndorsement) {
        return invalid(
          action,
          status,
          'the application names no joint-liability group: there is nothing to endorse',
        );
      }
      return { to: 'GROUP_ENDORSED', events: ['GROUP_ENDORSED'] };

    case 'APPROVE': {
      const ready = facts.needsGroupEndorsement ? status === 'GROUP_ENDORSED' : status === 'SUBMITTED';
      if (!ready) {
        return status === 'SUBMITTED' && facts.needsGroupEndorsement
          ? invalid(action, status, 'the joint-liability group must endorse the application before approval')
          : invalid(action, status);
      }
      if (actor === facts.createdBy) {
        return {
          code: 'LOAN_MAKER_CHECKER',
          message: 'the officer who created an application may not approve it',
        };
      }
      let approval: Pick<Transition, 'approvedBy' | 'secondApprovedBy'>;
      if (facts.approvedBy === null) {
        if (facts.needsSecondApproval) {
          // First of two approvals: recorded, the status stays until a different approver confirms.
          return { to: status, approvedBy: actor, events: ['FIRST_APPROVAL'] };
        }
        approval = { approvedBy: actor };
      } else {
        // A first approval stands (even if the threshold has since moved): this is the confirming one.
        if (facts.approvedBy === actor) {
          return {
            code: 'LOAN_MAKER_CHECKER',
            message: 'the second approval must come from a different approver',
          };
        }
        approval = { approvedBy: facts.approvedBy, secondApprovedBy: actor };
      }
      if (facts.noticeDays > 0) {
        return {
          to: 'IN_PUBLIC_NOTICE',
          ...approval,
          approvedOn: today,
          noticeStartedOn: today,
          noticeEndsOn: noticeEndsOn(today, facts.noticeDays),
          events: ['APPROVED', 'PUBLIC_NOTICE_STARTED'],
        };
      }
      return {
        to: 'APPROVED',
        ...approval,
        approvedOn: today,
        noticeStartedOn: null,
        noticeEndsOn: null,
        events: ['APPROVED'],
      };
    }

    case 'OBJECT':
      // An objection during the notice puts the application back to review; approvals must be given again.
      if (status !== 'IN_PUBLIC_NOTICE') return invalid(action, status);
      if (facts.noticeEndsOn !== null && today > facts.noticeEndsOn) {
        return invalid(
          action,
          status,
          `the public notice ended on ${facts.noticeEndsOn}: reject or cancel the loan instead`,
        );
      }
      return {
        to: facts.needsGroupEndorsement ? 'GROUP_ENDORSED' : 'SUBMITTED',
        noticeStartedOn: null,
        noticeEndsOn: null,
        clearApprovals: true,
        events: ['OBJECTION_RAISED'],
      };

    case 'DISBURSE':
      if (status === 'APPROVED') return { to: 'DISBURSED', events: ['DISBURSED'] };
      if (status !== 'IN_PUBLIC_NOTICE') return invalid(action, status);
      if (facts.noticeEndsOn !== null && today <= facts.noticeEndsOn) {
        return {
          code: 'LOAN_NOTICE_NOT_ENDED',
          message: `the public notice runs until ${facts.noticeEndsOn}: the loan may be disbursed from ${disbursableFrom(facts.noticeEndsOn)}`,
        };
      }
      return { to: 'DISBURSED', events: ['PUBLIC_NOTICE_ENDED', 'DISBURSED'] };

    case 'REJECT':
      // A review decision: drafts are not reviewed (the officer cancels them).
      if (![...REVIEW_STATUSES, 'APPROVED', 'IN_PUBLIC_NOTICE'].includes(status))
        return invalid(action, status);
      return { to: 'REJECTED', events: ['REJECTED'] };

    case 'CANCEL':
      if (!['DRAFT', ...PENDING_STATUSES].includes(status)) return invalid(action, status);
      return { to: 'CANCELLED', events: ['CANCELLED'] };
  }
}

export const isRefusal = (r: Transition | WorkflowRefusal): r is WorkflowRefusal => 'code' in r;

export type NextStep =
  | 'SUBMISSION'
  | 'GROUP_ENDORSEMENT'
  | 'APPROVAL'
  | 'SECOND_APPROVAL'
  | 'PUBLIC_NOTICE'
  | 'DISBURSEMENT'
  | null;

/** What an application waits for, for the review queue and the loan view. */
export function nextStep(facts: WorkflowFacts, today: string): NextStep {
  switch (facts.status) {
    case 'DRAFT':
      return 'SUBMISSION';
    case 'SUBMITTED':
      if (facts.needsGroupEndorsement) return 'GROUP_ENDORSEMENT';
      return facts.approvedBy ? 'SECOND_APPROVAL' : 'APPROVAL';
    case 'GROUP_ENDORSED':
      return facts.approvedBy ? 'SECOND_APPROVAL' : 'APPROVAL';
    case 'IN_PUBLIC_NOTICE':
      return facts.noticeEndsOn !== null && today <= facts.noticeEndsOn ? 'PUBLIC_NOTICE' : 'DISBURSEMENT';
    case 'APPROVED':
      return 'DISBURSEMENT';
    default:
      return null;
  }
}
