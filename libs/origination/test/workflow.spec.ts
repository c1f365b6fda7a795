import { yuan } from '#libs/money';
import {
  admin1,
  admin2,
  application,
  footprint,
  harness,
  officer,
  refused,
  setToday,
  submitted,
  world,
  type Harness,
} from './harness.js';

/**
 * The approval workflow against the real database: numbering and priority, draft edits, the group endorsement,
 * maker-checker with a second approver above the threshold, the public notice and objections, rejection and
 * cancellation with reasons, the review queue, and concurrent steps on one loan (the row lock decides).
 */
let h: Harness;
const TODAY = '2026-06-01';

beforeAll(async () => {
  h = await harness(20, TODAY);
});
afterAll(async () => h.db.drop());
beforeEach(() => setToday(h, TODAY));

const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
const events = async (loanId: string) =>
  ((await q(`SELECT event, from_status, to_status, actor, reason FROM loan_events WHERE loan_id = $1 ORDER BY id`, [loanId])) as {
    event: string;
    from_status: string | null;
    to_status: string | null;
    actor: string;
    reason: string | null;
  }[]);
const audits = async (loanId: string) =>
  ((await q(`SELECT action, actor FROM audit_log WHERE entity_type = 'loan' AND entity_id = $1 ORDER BY id`, [loanId])) as {
    action: string;
    actor: string;
  }[]).map((a) => `${a.action}:${a.actor}`);

describe('applications', () => {
  it('takes a draft numbered MA-{year}-{seq}, poor households at priority 0, with its event and audit row', async () => {
    const w = await world(h);
    const poor = await officer(() => h.applications.create(application(w, 0)));
    const other = await officer(() => h.applications.create(application(w, 1)));
    expect(poor).toMatchObject({
      status: 'DRAFT',
      nextStep: 'SUBMISSION',
      priority: 0,
      principal: '3000.00',
      fundId: w.fundId,
      villageId: w.villageId,
      groupId: w.groupId,
      productCode: 'MUTUAL_AID_STD',
      method: 'BULLET',
      frequency: 'AT_MATURITY',
      applicationDate: TODAY,
      createdBy: 'officer.li',
      version: 1,
      borrower: { status: 'POOR', personalDataMasked: false },
    });
    expect(poor.loanNo).toMatch(/^MA-2026-\d{6}$/);
    expect(other.priority).toBe(1);
    expect(Number(other.loanNo.slice(-6))).toBeGreaterThan(Number(poor.loanNo.slice(-6)));
    expect(await events(poor.id)).toEqual([{ event: 'CREATED', from_status: null, to_status: 'DRAFT', actor: 'officer.li', reason: null }]);
    expect(await audits(poor.id)).toEqual(['LOAN_APPLICATION_CREATED:officer.li']);
  });

  it('edits a draft (optimistic version checked) and refuses edits once submitted', async () => {
    const w = await world(h);
    const draft = await officer(() => h.applications.create(application(w, 0)));
    const stale = await refused(officer(() => h.applications.update(draft.id, { termMonths: 6 }, 7)));
    expect(stale.code).toBe('LOAN_VERSION_CONFLICT');
    const edited = await officer(() => h.applications.update(draft.id, { amountFen: yuan('2500'), purpose: 'PLANTING' }, 1));
    expect(edited).toMatchObject({ principal: '2500.00', purpose: 'PLANTING', version: 2 });
    // another household of the group: the fund, village and priority follow it
    const moved = await officer(() => h.applications.update(draft.id, { householdId: w.households[1] }));
    expect(moved).toMatchObject({ householdId: w.households[1], priority: 1, groupId: w.groupId });
    expect((await events(draft.id)).map((e) => e.event)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);
    await officer(() => h.applications.submit(draft.id));
    const late = await refused(officer(() => h.applications.update(draft.id, { termMonths: 6 })));
    expect(late.code).toBe('LOAN_INVALID_TRANSITION');
  });
});

describe('the workflow', () => {
  it('draft → submitted → endorsed → public notice, every step an event and an audit row in one transaction', async () => {
    const w = await world(h);
    const draft = await officer(() => h.applications.create(application(w, 0)));
    const sub = await officer(() => h.applications.submit(draft.id, { version: 1 }));
    expect(sub).toMatchObject({ status: 'SUBMITTED', nextStep: 'GROUP_ENDORSEMENT', version: 2 });
    expect(sub.submittedAt).not.toBeNull();
    const early = await refused(admin1(() => h.applications.approve(draft.id)));
    expect(early.code).toBe('LOAN_INVALID_TRANSITION');
    const noNote = await refused(officer(() => h.applications.endorse(draft.id, { note: '  ' })));
    expect(noNote).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'note' }] });
    const end = await officer(() => h.applications.endorse(draft.id, { note: '小组会议：全体同意' }));
    expect(end).toMatchObject({ status: 'GROUP_ENDORSED', nextStep: 'APPROVAL', endorsedBy: 'officer.li', endorsementNote: '小组会议：全体同意' });
    const appr = await admin1(() => h.applications.approve(draft.id, { comment: 'committee 2026-06-01' }));
    expect(appr).toMatchObject({
      status: 'IN_PUBLIC_NOTICE',
      nextStep: 'PUBLIC_NOTICE',
      approvedBy: 'admin.wang',
      noticeStartedOn: TODAY,
      noticeEndsOn: '2026-06-04',
      needsSecondApproval: false,
    });
    expect(await events(draft.id)).toEqual([
      { event: 'CREATED', from_status: null, to_status: 'DRAFT', actor: 'officer.li', reason: null },
      { event: 'SUBMITTED', from_status: 'DRAFT', to_status: 'SUBMITTED', actor: 'officer.li', reason: null },
      { event: 'GROUP_ENDORSED', from_status: 'SUBMITTED', to_status: 'GROUP_ENDORSED', actor: 'officer.li', reason: null },
      { event: 'APPROVED', from_status: 'GROUP_ENDORSED', to_status: 'IN_PUBLIC_NOTICE', actor: 'admin.wang', reason: null },
      { event: 'PUBLIC_NOTICE_STARTED', from_status: 'GROUP_ENDORSED', to_status: 'IN_PUBLIC_NOTICE', actor: 'admin.wang', reason: null },
    ]);
    expect(await audits(draft.id)).toEqual([
      'LOAN_APPLICATION_CREATED:officer.li',
      'LOAN_SUBMITTED:officer.li',
      'LOAN_GROUP_ENDORSED:officer.li',
      'LOAN_APPROVED:admin.wang',
    ]);
  });

  it('goes straight to APPROVED in a fund without public notice', async () => {
    const w = await world(h, { rules: { publicNoticeDays: 0 } });
    const loan = await submitted(h, application(w, 0));
    const appr = await admin1(() => h.applications.approve(loan.id));
    expect(appr).toMatchObject({ status: 'APPROVED', nextStep: 'DISBURSEMENT', noticeEndsOn: null });
  });

  it('loan events are append-only', async () => {
    const w = await world(h);
    const draft = await officer(() => h.applications.create(application(w, 0)));
    await expect(q(`UPDATE loan_events SET reason = 'edited' WHERE loan_id = $1`, [draft.id])).rejects.toThrow(/append-only/);
    await expect(q(`DELETE FROM loan_events WHERE loan_id = $1`, [draft.id])).rejects.toThrow(/append-only/);
  });
});

describe('maker-checker', () => {
  it('the one who took the application may not approve it; another administrator may', async () => {
    const w = await world(h);
    // a fund administrator who takes an application is its maker
    const draft = await admin1(() => h.applications.create(application(w, 0)));
    await admin1(() => h.applications.submit(draft.id));
    await officer(() => h.applications.endorse(draft.id, { note: 'agreed' }));
    const before = await footprint(h, draft.id);
    const self = await refused(admin1(() => h.applications.approve(draft.id)));
    expect(self.code).toBe('LOAN_MAKER_CHECKER');
    expect(await footprint(h, draft.id)).toEqual(before);
    expect((await admin2(() => h.applications.approve(draft.id))).approvedBy).toBe('admin.zhao');
  });

  it('above the threshold needs a second, different approver; the database refuses the same one too', async () => {
    const w = await world(h, { rules: { secondApprovalThresholdFen: yuan('2000') } });
    const loan = await submitted(h, application(w, 0, { amountFen: yuan('2000.01') }));
    const first = await admin1(() => h.applications.approve(loan.id));
    expect(first).toMatchObject({ status: 'GROUP_ENDORSED', nextStep: 'SECOND_APPROVAL', approvedBy: 'admin.wang', needsSecondApproval: true });
    const again = await refused(admin1(() => h.applications.approve(loan.id)));
    expect(again.code).toBe('LOAN_MAKER_CHECKER');
    const second = await admin2(() => h.applications.approve(loan.id));
    expect(second).toMatchObject({ status: 'IN_PUBLIC_NOTICE', approvedBy: 'admin.wang', secondApprovedBy: 'admin.zhao' });
    expect((await events(loan.id)).map((e) => e.event).slice(-3)).toEqual(['FIRST_APPROVAL', 'APPROVED', 'PUBLIC_NOTICE_STARTED']);
    expect((await audits(loan.id)).slice(-2)).toEqual(['LOAN_FIRST_APPROVAL:admin.wang', 'LOAN_APPROVED:admin.zhao']);
    await expect(q(`UPDATE loans SET second_approved_by = approved_by WHERE id = $1`, [loan.id])).rejects.toThrow(/loans_second_approver_differs/);

    // at the threshold exactly one approval is enough
    const atThreshold = await submitted(h, application(w, 1, { amountFen: yuan('2000') }));
    expect((await admin1(() => h.applications.approve(atThreshold.id))).status).toBe('IN_PUBLIC_NOTICE');
  });
});

describe('public notice', () => {
  it('an objection during the notice returns the loan to review and clears its approvals', async () => {
    const w = await world(h, { rules: { secondApprovalThresholdFen: yuan('2000') } });
    const loan = await submitted(h, application(w, 0));
    await admin1(() => h.applications.approve(loan.id));
    await admin2(() => h.applications.approve(loan.id));
    setToday(h, '2026-06-04');
    const noReason = await refused(officer(() => h.applications.object(loan.id, { reason: '' })));
    expect(noReason.code).toBe('VALIDATION_FAILED');
    const back = await officer(() => h.applications.object(loan.id, { reason: 'a villager says the cattle are already financed' }));
    expect(back).toMatchObject({
      status: 'GROUP_ENDORSED',
      nextStep: 'APPROVAL',
      approvedBy: null,
      secondApprovedBy: null,
      noticeEndsOn: null,
      statusReason: 'a villager says the cattle are already financed',
    });
    expect((await events(loan.id)).at(-1)).toMatchObject({ event: 'OBJECTION_RAISED', reason: 'a villager says the cattle are already financed' });
    const queue = await h.origination.reviewQueue({ fundId: w.fundId }, { page: 1, pageSize: 50 }, null);
    expect(queue.items.map((i) => i.id)).toContain(loan.id);
    // both approvals are needed again, and the notice starts over
    await admin2(() => h.applications.approve(loan.id));
    const again = await admin1(() => h.applications.approve(loan.id));
    expect(again).toMatchObject({ status: 'IN_PUBLIC_NOTICE', approvedBy: 'admin.zhao', secondApprovedBy: 'admin.wang', noticeEndsOn: '2026-06-07' });
  });

  it('hears no objection once the notice has ended', async () => {
    const w = await world(h);
    const loan = await submitted(h, application(w, 0));
    await admin1(() => h.applications.approve(loan.id));
    setToday(h, '2026-06-05');
    const late = await refused(officer(() => h.applications.object(loan.id, { reason: 'too late' })));
    expect(late.code).toBe('LOAN_INVALID_TRANSITION');
    expect(late.detail).toMatch(/ended on 2026-06-04/);
  });
});

describe('rejection and cancellation', () => {
  it('need a reason, end the workflow and free the household for a new application', async () => {
    const w = await world(h);
    const loan = await submitted(h, application(w, 0));
    const noReason = await refused(admin1(() => h.applications.reject(loan.id, { reason: ' ' })));
    expect(noReason).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'reason' }] });
    const rejected = await admin1(() => h.applications.reject(loan.id, { reason: 'purpose not verified' }));
    expect(rejected).toMatchObject({ status: 'REJECTED', nextStep: null, statusReason: 'purpose not verified' });
    expect((await refused(admin1(() => h.applications.approve(loan.id)))).code).toBe('LOAN_INVALID_TRANSITION');
    expect((await refused(officer(() => h.applications.cancel(loan.id, { reason: 'x' })))).code).toBe('LOAN_INVALID_TRANSITION');

    const next = await submitted(h, application(w, 0));
    const cancelled = await officer(() => h.applications.cancel(next.id, { reason: 'the household withdrew' }));
    expect(cancelled).toMatchObject({ status: 'CANCELLED', statusReason: 'the household withdrew' });
    expect(await audits(next.id)).toContain('LOAN_CANCELLED:officer.li');
  });
});

describe('concurrent steps on one loan', () => {
  it('two administrators approving at once: one approval, the other refused on the new status', async () => {
    const w = await world(h);
    const loan = await submitted(h, application(w, 0));
    const results = await Promise.allSettled([
      admin1(() => h.applications.approve(loan.id)),
      admin2(() => h.applications.approve(loan.id)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.map((r) => r.reason.code)).toEqual(['LOAN_INVALID_TRANSITION']);
    expect((await events(loan.id)).filter((e) => e.event === 'APPROVED')).toHaveLength(1);
  });

  it('two applications of one household submitted at once: exactly one passes', async () => {
    const w = await world(h);
    const a = await officer(() => h.applications.create(application(w, 0)));
    const b = await officer(() => h.applications.create(application(w, 0, { amountFen: yuan('2000') })));
    const results = await Promise.allSettled([officer(() => h.applications.submit(a.id)), officer(() => h.applications.submit(b.id))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const err = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    expect(err.code).toBe('LOAN_NOT_ELIGIBLE');
    expect(err.errors.map((e: { code: string }) => e.code)).toEqual(['ACTIVE_LOAN_EXISTS']);
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM loans WHERE household_id = $1 AND status = 'SUBMITTED'`, [w.households[0]]);
    expect(n).toBe(1);
  });

  it('many concurrent steps leave one consistent history', async () => {
    const w = await world(h);
    const loan = await submitted(h, application(w, 0), { endorse: false });
    const steps = [
      officer(() => h.applications.endorse(loan.id, { note: 'agreed' })),
      officer(() => h.applications.endorse(loan.id, { note: 'agreed twice' })),
      officer(() => h.applications.cancel(loan.id, { reason: 'withdrawn' })),
      admin1(() => h.applications.reject(loan.id, { reason: 'no' })),
    ];
    const results = await Promise.allSettled(steps);
    const after = await h.origination.getLoan(null, loan.id);
    const history = await events(loan.id);
    // each applied step moved the loan from the status the previous one left
    for (let i = 1; i < history.length; i++) expect(history[i].from_status).toBe(history[i - 1].to_status);
    expect(history.at(-1)!.to_status).toBe(after.status);
    expect(after.version).toBe(2 + results.filter((r) => r.status === 'fulfilled').length);
  });
});

describe('review queue', () => {
  it('poor households first, then by submission time; filtered by fund and status; paginated', async () => {
    const w = await world(h, { members: 5, groupSize: 5 });
    // household 1 and 3 are NON_POOR (priority 1), 0, 2 and 4 POOR (priority 0); submitted in this order
    const order = [1, 0, 3, 2, 4];
    const ids: Record<number, string> = {};
    for (const i of order) ids[i] = (await submitted(h, application(w, i, { amountFen: yuan('1000') }), { endorse: i !== 4 })).id;
    const queue = await h.origination.reviewQueue({ fundId: w.fundId }, { page: 1, pageSize: 50 }, null);
    expect(queue.items.map((l) => l.id)).toEqual([ids[0], ids[2], ids[4], ids[1], ids[3]]);
    expect(queue.items.map((l) => l.nextStep)).toEqual(['APPROVAL', 'APPROVAL', 'GROUP_ENDORSEMENT', 'APPROVAL', 'APPROVAL']);
    const endorsedOnly = await h.origination.reviewQueue({ fundId: w.fundId, status: 'SUBMITTED' }, { page: 1, pageSize: 50 }, null);
    expect(endorsedOnly.items.map((l) => l.id)).toEqual([ids[4]]);
    const page2 = await h.origination.reviewQueue({ fundId: w.fundId }, { page: 2, pageSize: 2 }, null);
    expect(page2).toMatchObject({ total: 5, page: 2, pageSize: 2 });
    expect(page2.items.map((l) => l.id)).toEqual([ids[4], ids[1]]);
    // an approved loan leaves the queue
    await admin1(() => h.applications.approve(ids[0]));
    const after = await h.origination.reviewQueue({ fundId: w.fundId }, { page: 1, pageSize: 50 }, null);
    expect(after.items.map((l) => l.id)).not.toContain(ids[0]);
  });

  it('masks ID numbers and phones for an auditor, never for a fund administrator', async () => {
    const w = await world(h);
    const loan = await submitted(h, application(w, 0));
    const auditor = { userId: null, username: 'auditor', role: 'AUDITOR', bankId: null, via: 'jwt' as const };
    const fundAdmin = { ...auditor, username: 'admin.wang', role: 'FUND_ADMIN' };
    const masked = await h.origination.view(null, loan.id, auditor);
    const clear = await h.origination.view(null, loan.id, fundAdmin);
    expect(clear.borrower.idNumber).toMatch(/^\d{17}[\dX]$/);
    expect(masked.borrower.idNumber).toBe(`${clear.borrower.idNumber!.slice(0, 4)}**********${clear.borrower.idNumber!.slice(-4)}`);
    expect(masked.borrower.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(masked.borrower.personalDataMasked).toBe(true);
    // a bank officer sees no mutual-aid loan at all
    const bank = { ...auditor, role: 'BANK_OFFICER', bankId: 1 };
    expect((await refused(h.origination.view(null, loan.id, bank))).code).toBe('NOT_FOUND');
    expect((await h.origination.list({ fundId: w.fundId }, { page: 1, pageSize: 10 }, bank)).total).toBe(0);
    expect((await h.origination.list({ fundId: w.fundId }, { page: 1, pageSize: 10 }, auditor)).total).toBe(1);
  });
});

describe('loans read API', () => {
  it('lists by fund, village, household, status and date range, and shows one loan with its history', async () => {
    const w = await world(h);
    const a = await submitted(h, application(w, 0));
    await officer(() => h.applications.create(application(w, 1)));
    const page = { page: 1, pageSize: 50 };
    expect((await h.origination.list({ fundId: w.fundId }, page, null)).total).toBe(2);
    expect((await h.origination.list({ villageId: w.villageId, status: 'DRAFT' }, page, null)).total).toBe(1);
    expect((await h.origination.list({ householdId: w.households[0] }, page, null)).items.map((l) => l.id)).toEqual([a.id]);
    expect((await h.origination.list({ districtId: w.districtId, from: TODAY, to: TODAY }, page, null)).total).toBe(2);
    expect((await h.origination.list({ districtId: w.districtId, from: '2026-06-02' }, page, null)).total).toBe(0);
    expect((await h.origination.list({ fundId: w.fundId, dateField: 'DISBURSEMENT', from: '2026-01-01' }, page, null)).total).toBe(0);
    const detail = await h.origination.detail(a.id, null);
    expect(detail.events.map((e) => e.event)).toEqual(['CREATED', 'SUBMITTED', 'GROUP_ENDORSED']);
    expect(detail.installments).toEqual([]);
    const history = await h.origination.history(a.id, null, { page: 1, pageSize: 2 });
    expect(history).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect((await refused(h.origination.detail('999999', null))).code).toBe('NOT_FOUND');
  });
});
