import fc from 'fast-check';
import {
  addDays,
  decide,
  disbursableFrom,
  isRefusal,
  LOAN_STATUSES,
  nextStep,
  type LoanStatus,
  type Transition,
  type WorkflowAction,
  type WorkflowFacts,
} from './workflow.js';

const base: WorkflowFacts = {
  status: 'DRAFT',
  createdBy: 'officer',
  approvedBy: null,
  needsGroupEndorsement: true,
  needsSecondApproval: false,
  noticeDays: 3,
  noticeEndsOn: null,
};
const at = (over: Partial<WorkflowFacts>): WorkflowFacts => ({ ...base, ...over });
const TODAY = '2026-06-01';

function ok(r: ReturnType<typeof decide>): Transition {
  if (isRefusal(r)) throw new Error(`refused: ${r.code} ${r.message}`);
  return r;
}

describe('addDays', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2025-12-30', 3)).toBe('2026-01-02');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(() => addDays('2026-3-1', 1)).toThrow(RangeError);
  });
});

describe('the happy path', () => {
  it('draft → submitted → endorsed → in public notice → disbursed, with the events in order', () => {
    const submit = ok(decide('SUBMIT', at({}), 'officer', TODAY));
    expect(submit).toEqual({ to: 'SUBMITTED', events: ['SUBMITTED'] });
    const endorse = ok(decide('ENDORSE', at({ status: 'SUBMITTED' }), 'officer', TODAY));
    expect(endorse.to).toBe('GROUP_ENDORSED');
    const approve = ok(decide('APPROVE', at({ status: 'GROUP_ENDORSED' }), 'admin1', TODAY));
    expect(approve).toEqual({
      to: 'IN_PUBLIC_NOTICE',
      approvedBy: 'admin1',
      approvedOn: TODAY,
      noticeStartedOn: TODAY,
      noticeEndsOn: '2026-06-04',
      events: ['APPROVED', 'PUBLIC_NOTICE_STARTED'],
    });
    const disburse = ok(decide('DISBURSE', at({ status: 'IN_PUBLIC_NOTICE', noticeEndsOn: '2026-06-04' }), 'admin1', '2026-06-05'));
    expect(disburse).toEqual({ to: 'DISBURSED', events: ['PUBLIC_NOTICE_ENDED', 'DISBURSED'] });
  });

  it('goes straight to APPROVED when the fund has no notice, and without a group skips the endorsement', () => {
    const facts = at({ status: 'SUBMITTED', needsGroupEndorsement: false, noticeDays: 0 });
    const approve = ok(decide('APPROVE', facts, 'admin1', TODAY));
    expect(approve).toMatchObject({ to: 'APPROVED', approvedBy: 'admin1', noticeEndsOn: null, events: ['APPROVED'] });
    expect(ok(decide('DISBURSE', at({ status: 'APPROVED' }), 'admin1', TODAY)).to).toBe('DISBURSED');
    const endorse = decide('ENDORSE', facts, 'officer', TODAY);
    expect(isRefusal(endorse) && endorse.code).toBe('LOAN_INVALID_TRANSITION');
  });
});

describe('maker-checker', () => {
  it('refuses the creator as approver, first or second', () => {
    const r = decide('APPROVE', at({ status: 'GROUP_ENDORSED' }), 'officer', TODAY);
    expect(isRefusal(r) && r.code).toBe('LOAN_MAKER_CHECKER');
    const r2 = decide('APPROVE', at({ status: 'GROUP_ENDORSED', needsSecondApproval: true, approvedBy: 'admin1' }), 'officer', TODAY);
    expect(isRefusal(r2) && r2.code).toBe('LOAN_MAKER_CHECKER');
  });

  it('above the threshold records a first approval, then needs a different second approver', () => {
    const facts = at({ status: 'GROUP_ENDORSED', needsSecondApproval: true });
    const first = ok(decide('APPROVE', facts, 'admin1', TODAY));
    expect(first).toEqual({ to: 'GROUP_ENDORSED', approvedBy: 'admin1', events: ['FIRST_APPROVAL'] });
    const same = decide('APPROVE', { ...facts, approvedBy: 'admin1' }, 'admin1', TODAY);
    expect(isRefusal(same) && same.code).toBe('LOAN_MAKER_CHECKER');
    const second = ok(decide('APPROVE', { ...facts, approvedBy: 'admin1' }, 'admin2', TODAY));
    expect(second).toMatchObject({ to: 'IN_PUBLIC_NOTICE', approvedBy: 'admin1', secondApprovedBy: 'admin2' });
  });

  it('keeps a standing first approval when the threshold has since been raised', () => {
    const facts = at({ status: 'GROUP_ENDORSED', needsSecondApproval: false, approvedBy: 'admin1' });
    expect(ok(decide('APPROVE', facts, 'admin2', TODAY))).toMatchObject({ approvedBy: 'admin1', secondApprovedBy: 'admin2' });
  });

  it('refuses approval before the group endorsed', () => {
    const r = decide('APPROVE', at({ status: 'SUBMITTED' }), 'admin1', TODAY);
    expect(isRefusal(r) && r.message).toMatch(/endorse/);
  });
});

describe('public notice', () => {
  const inNotice = at({ status: 'IN_PUBLIC_NOTICE', noticeEndsOn: '2026-06-04', approvedBy: 'admin1' });

  it('refuses disbursement through the last day of the notice and allows it the day after', () => {
    for (const day of ['2026-06-01', '2026-06-04']) {
      const r = decide('DISBURSE', inNotice, 'admin1', day);
      expect(isRefusal(r) && r.code).toBe('LOAN_NOTICE_NOT_ENDED');
    }
    expect(disbursableFrom('2026-06-04')).toBe('2026-06-05');
    expect(isRefusal(decide('DISBURSE', inNotice, 'admin1', '2026-06-05'))).toBe(false);
  });

  it('an objection during the notice returns it to review and clears the approvals', () => {
    expect(ok(decide('OBJECT', inNotice, 'officer', '2026-06-04'))).toEqual({
      to: 'GROUP_ENDORSED',
      noticeStartedOn: null,
      noticeEndsOn: null,
      clearApprovals: true,
      events: ['OBJECTION_RAISED'],
    });
    expect(ok(decide('OBJECT', { ...inNotice, needsGroupEndorsement: false }, 'officer', TODAY)).to).toBe('SUBMITTED');
    const late = decide('OBJECT', inNotice, 'officer', '2026-06-05');
    expect(isRefusal(late) && late.code).toBe('LOAN_INVALID_TRANSITION');
  });
});

describe('every status and action', () => {
  const actions: WorkflowAction[] = ['SUBMIT', 'ENDORSE', 'APPROVE', 'OBJECT', 'DISBURSE', 'REJECT', 'CANCEL'];
  const FINAL: LoanStatus[] = ['DISBURSED', 'CLOSED', 'WRITTEN_OFF', 'REJECTED', 'CANCELLED'];

  it('nothing moves a loan out of a final status', () => {
    for (const status of FINAL) for (const a of actions) expect(isRefusal(decide(a, at({ status }), 'x', TODAY))).toBe(true);
  });

  it('rejects only reviewed applications and cancels anything not yet paid out', () => {
    expect(isRefusal(decide('REJECT', at({ status: 'DRAFT' }), 'admin1', TODAY))).toBe(true);
    for (const status of ['SUBMITTED', 'GROUP_ENDORSED', 'APPROVED', 'IN_PUBLIC_NOTICE'] as LoanStatus[]) {
      expect(ok(decide('REJECT', at({ status }), 'admin1', TODAY)).to).toBe('REJECTED');
    }
    for (const status of ['DRAFT', 'SUBMITTED', 'GROUP_ENDORSED', 'APPROVED', 'IN_PUBLIC_NOTICE'] as LoanStatus[]) {
      expect(ok(decide('CANCEL', at({ status }), 'officer', TODAY)).to).toBe('CANCELLED');
    }
  });

  it('never lets the creator approve, and never reaches DISBURSED without an approval status (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LOAN_STATUSES),
        fc.constantFrom(...actions),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.constantFrom('admin1', 'officer'), { nil: null }),
        fc.integer({ min: 0, max: 10 }),
        (status, action, group, second, approvedBy, noticeDays) => {
          const facts = at({ status, needsGroupEndorsement: group, needsSecondApproval: second, approvedBy, noticeDays, noticeEndsOn: null });
          const r = decide(action, facts, 'officer', TODAY);
          if (action === 'APPROVE' && !isRefusal(r)) return false;
          if (!isRefusal(r) && r.to === 'DISBURSED') return status === 'APPROVED' || status === 'IN_PUBLIC_NOTICE';
          return true;
        },
      ),
    );
  });
});

describe('nextStep', () => {
  it('says what an application waits for', () => {
    expect(nextStep(at({}), TODAY)).toBe('SUBMISSION');
    expect(nextStep(at({ status: 'SUBMITTED' }), TODAY)).toBe('GROUP_ENDORSEMENT');
    expect(nextStep(at({ status: 'SUBMITTED', needsGroupEndorsement: false }), TODAY)).toBe('APPROVAL');
    expect(nextStep(at({ status: 'GROUP_ENDORSED', approvedBy: 'a' }), TODAY)).toBe('SECOND_APPROVAL');
    expect(nextStep(at({ status: 'IN_PUBLIC_NOTICE', noticeEndsOn: TODAY }), TODAY)).toBe('PUBLIC_NOTICE');
    expect(nextStep(at({ status: 'IN_PUBLIC_NOTICE', noticeEndsOn: TODAY }), '2026-06-02')).toBe('DISBURSEMENT');
    expect(nextStep(at({ status: 'DISBURSED' }), TODAY)).toBeNull();
  });
});
