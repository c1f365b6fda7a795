import type { LoanRecord } from './loan-record.js';
import { AUDIT_ACTION, changes, priorityOf, snapshot } from './application.js';

const loan = (over: Partial<LoanRecord> = {}): LoanRecord =>
  ({
    loanNo: 'MA-2026-000001',
    status: 'DRAFT',
    version: 1,
    householdId: '7',
    fundId: '3',
    groupId: null,
    productVersionId: '1',
    principalFen: 300000n,
    termMonths: 12,
    purpose: 'BREEDING',
    priority: 1,
    approvedBy: null,
    secondApprovedBy: null,
    noticeEndsOn: null,
    ...over,
  }) as LoanRecord;

describe('application rules', () => {
  it('puts poor households first', () => {
    expect(priorityOf({ status: 'POOR' })).toBe(0);
    expect(priorityOf({ status: 'NORMAL' })).toBe(1);
  });

  it('audits a snapshot without personal data, money as yuan', () => {
    expect(snapshot(loan())).toEqual({
      loanNo: 'MA-2026-000001',
      status: 'DRAFT',
      version: 1,
      householdId: '7',
      fundId: '3',
      groupId: null,
      productVersionId: '1',
      principal: '3000.00',
      termMonths: 12,
      purpose: 'BREEDING',
      priority: 1,
      approvedBy: null,
      secondApprovedBy: null,
      noticeEndsOn: null,
    });
  });

  it('lists what an edit changed, not the version', () => {
    expect(changes(loan(), loan({ version: 2, principalFen: 250000n, termMonths: 6 }))).toEqual({
      principal: { from: '3000.00', to: '2500.00' },
      termMonths: { from: 12, to: 6 },
    });
    expect(changes(loan(), loan({ version: 5 }))).toEqual({});
  });

  it('names an audit action for every workflow step', () => {
    expect(Object.keys(AUDIT_ACTION).sort()).toEqual([
      'APPROVE',
      'CANCEL',
      'DISBURSE',
      'ENDORSE',
      'OBJECT',
      'REJECT',
      'SUBMIT',
    ]);
  });
});
