import type { FieldError } from '#libs/common';
import fc from 'fast-check';
import type { LoanRow } from '#libs/loans';
import {
  afterRepayment,
  allocateToInstallments,
  asCoveredLoan,
  bulkSummary,
  cancelRefusal,
  compensatedFlags,
  confirmRefusal,
  coveredLoanView,
  disbursementDateRefusal,
  guaranteeSideProblems,
  needsTodayCheck,
  newCoveredLoan,
  productKindProblem,
  registrationRefusal,
  repaymentAudit,
  repaymentEvent,
  repaymentRefusal,
  statusEffect,
  statusRecords,
  statusRefusal,
  type CoveredLoanRow,
} from './covered-loans.js';
import { coveredLoanRequestFacts, installmentDues, statusUpdate } from './covered-loans.js';

const loan: CoveredLoanRow = {
  id: '42',
  loan_no: 'CL-2-R1',
  bank_id: '2',
  bank_loan_ref: 'R1',
  agreement_id: '3',
  product_version_id: '5',
  borrower_type: 'HOUSEHOLD',
  household_id: '9',
  entity_id: null,
  district_id: '11',
  principal_fen: '1000000',
  term_months: 12,
  annual_rate_percent: '4.350000',
  purpose: 'cattle',
  status: 'DISBURSED',
  disbursement_date: '2026-01-10',
  maturity_date: '2027-01-10',
  outstanding_principal_fen: '600000',
  days_overdue: 0,
  arrears_bucket: 'CURRENT',
  non_performing: false,
  status_reported_on: null,
  status_reported_days: null,
  flags: [],
  closed_on: null,
  status_reason: null,
  created_by: 'bank',
  created_at: new Date('2026-01-10T00:00:00Z'),
  updated_at: new Date('2026-01-10T00:00:00Z'),
  version: 1,
};

describe('covered loans: registration rules', () => {
  it('registers up to 60 days ahead', () => {
    expect(disbursementDateRefusal('2026-04-30', '2026-03-01')).toBeNull();
    const r = disbursementDateRefusal('2026-05-01', '2026-03-01');
    expect(r?.errors?.[0]).toMatchObject({ field: 'disbursementDate', code: 'INVALID' });
  });

  it('checks the agreement as of today only for a later payout it does not already refuse', () => {
    const inactive: FieldError[] = [{ field: 'agreementId', code: 'AGREEMENT_NOT_ACTIVE', message: 'x' }];
    expect(needsTodayCheck([], '2026-03-01', '2026-03-10')).toBe(true);
    expect(needsTodayCheck([], '2026-03-01', '2026-03-01')).toBe(false);
    expect(needsTodayCheck(inactive, '2026-03-01', '2026-03-10')).toBe(false);
  });

  it('adds the recorded breaker only when the rules did not already suspend, and keeps today’s inactivity', () => {
    const base = { today: '2026-03-01', disbursementDate: '2026-03-10', districtCode: 'D01' };
    const tripped = guaranteeSideProblems({
      ...base,
      onDisbursement: [],
      onToday: null,
      breakerSuspended: true,
    });
    expect(tripped.map((p) => p.code)).toEqual(['DISTRICT_SUSPENDED']);
    const today = guaranteeSideProblems({
      ...base,
      onDisbursement: [],
      onToday: [
        { field: 'agreementId', code: 'AGREEMENT_NOT_ACTIVE', message: 'a' },
        { field: 'amount', code: 'FUND_CAPACITY_EXCEEDED', message: 'b' },
      ],
      breakerSuspended: false,
    });
    expect(today.map((p) => p.code)).toEqual(['AGREEMENT_NOT_ACTIVE']);
  });

  it('covers household microcredit and entity loans only', () => {
    expect(productKindProblem('HH', 'HOUSEHOLD_MICROCREDIT')).toBeNull();
    expect(productKindProblem('EL', 'ENTITY_LOAN')).toBeNull();
    expect(productKindProblem('MA', 'MUTUAL_AID')?.code).toBe('PRODUCT_NOT_COVERABLE');
  });

  it('names a refusal by its first problem when that is an error code, else by the product rules', () => {
    const isCode = (c: string): c is 'FUND_CAPACITY_EXCEEDED' => c === 'FUND_CAPACITY_EXCEEDED';
    expect(registrationRefusal('R1', [], isCode)).toBeNull();
    expect(
      registrationRefusal('R1', [{ field: 'amount', code: 'FUND_CAPACITY_EXCEEDED', message: 'm' }], isCode)
        ?.code,
    ).toBe('FUND_CAPACITY_EXCEEDED');
    const rules = registrationRefusal(
      'R1',
      [{ field: 'amount', code: 'AMOUNT_ABOVE_CAP', message: 'm' }],
      isCode,
    );
    expect(rules).toMatchObject({
      code: 'PRODUCT_RULES_NOT_MET',
      detail: 'loan R1 cannot be covered: AMOUNT_ABOVE_CAP',
    });
  });

  it('builds the loan row: disbursed now or approved for later', () => {
    const base = {
      bankId: '2',
      bankLoanRef: 'R1',
      agreementId: '3',
      terms: {
        versionId: '5',
        method: 'EQUAL_INSTALLMENT',
        frequency: 'MONTHLY',
        dayCount: 'ACT_365',
        rounding: 'HALF_UP',
        installmentMultipleFen: 1n,
      },
      borrowerType: 'HOUSEHOLD' as const,
      householdId: '9',
      entityId: null,
      districtId: '11',
      villageId: '12',
      principalFen: 1_000_000n,
      termMonths: 12,
      annualRatePercent: '4.35',
      purpose: 'cattle',
      schedule: [
        {
          number: 1,
          dueDate: '2026-04-01',
          periodStart: '2026-03-01',
          days: 31,
          principalFen: 500_000n,
          interestFen: 1n,
        },
        {
          number: 2,
          dueDate: '2026-05-01',
          periodStart: '2026-04-01',
          days: 30,
          principalFen: 500_000n,
          interestFen: 1n,
        },
      ],
      actor: 'bank',
    };
    const now = newCoveredLoan({ ...base, disbursementDate: '2026-03-01', today: '2026-03-01' });
    expect(now).toMatchObject({
      loan_no: 'CL-2-R1',
      channel: 'BANK_COVERED',
      status: 'DISBURSED',
      maturity_date: '2026-05-01',
    });
    expect(now.outstanding_principal_fen).toBe(1_000_000n);
    const later = newCoveredLoan({ ...base, disbursementDate: '2026-03-20', today: '2026-03-01' });
    expect(later).toMatchObject({
      status: 'APPROVED',
      outstanding_principal_fen: 0n,
      approved_on: '2026-03-01',
    });
  });
});

describe('covered loans: the bank confirms or cancels', () => {
  it('confirms an approved loan once its date has come', () => {
    const approved = { ...loan, status: 'APPROVED', disbursement_date: '2026-03-05' };
    expect(confirmRefusal(approved, '2026-03-05')).toBeNull();
    expect(confirmRefusal(approved, '2026-03-04')?.errors?.[0].field).toBe('disbursementDate');
    expect(confirmRefusal(loan, '2026-03-05')?.code).toBe('COVERED_LOAN_STATE_CONFLICT');
  });

  it('cancels an approved loan only', () => {
    expect(cancelRefusal({ ...loan, status: 'APPROVED' })).toBeNull();
    expect(cancelRefusal(loan)?.detail).toBe(
      'loan R1 is DISBURSED: a disbursed loan is closed by repayments, not cancelled',
    );
  });
});

describe('covered loans: what the bank reports', () => {
  it('refuses a repayment for every reason at once, named by the most specific', () => {
    const r = repaymentRefusal(
      loan,
      { paidOn: '2026-01-01', principalFen: 700_000n, interestFen: 0n },
      '2026-03-01',
    );
    expect(r?.code).toBe('COVERED_REPAYMENT_EXCEEDS_OUTSTANDING');
    expect(r?.errors?.map((e) => e.code)).toEqual(['INVALID', 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING']);
    expect(
      repaymentRefusal(
        { ...loan, status: 'CLOSED' },
        { paidOn: '2026-02-01', principalFen: 1n, interestFen: 0n },
        '2026-03-01',
      )?.code,
    ).toBe('COVERED_LOAN_STATE_CONFLICT');
    expect(
      repaymentRefusal(loan, { paidOn: '2026-02-01', principalFen: 0n, interestFen: 0n }, '2026-03-01')?.code,
    ).toBe('VALIDATION_FAILED');
    expect(
      repaymentRefusal(loan, { paidOn: '2026-02-01', principalFen: 1n, interestFen: 0n }, '2026-03-01'),
    ).toBeNull();
  });

  it('closes the loan when its principal is repaid in full', () => {
    const part = afterRepayment(loan, { paidOn: '2026-02-01', principalFen: 100_000n, interestFen: 0n });
    expect(part).toMatchObject({ outstandingFen: 500_000n, closed: false });
    const full = afterRepayment(loan, { paidOn: '2026-02-01', principalFen: 600_000n, interestFen: 0n });
    expect(full.patch).toMatchObject({
      status: 'CLOSED',
      closed_on: '2026-02-01',
      arrears_bucket: 'CURRENT',
    });
  });

  it('settles instalments oldest first, never more than reported or owed', () => {
    const open = fc.array(
      fc.record({
        principalDueFen: fc.bigInt({ min: 0n, max: 10_000n }),
        interestDueFen: fc.bigInt({ min: 0n, max: 1000n }),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(
        open,
        fc.bigInt({ min: 0n, max: 50_000n }),
        fc.bigInt({ min: 0n, max: 5000n }),
        (rows, p, i) => {
          const withIds = rows.map((r, n) => ({ ...r, id: String(n + 1) }));
          const paid = allocateToInstallments(withIds, { principalFen: p, interestFen: i });
          const sumP = paid.reduce((a, x) => a + x.principalFen, 0n);
          const sumI = paid.reduce((a, x) => a + x.interestFen, 0n);
          const owedP = rows.reduce((a, x) => a + x.principalDueFen, 0n);
          const owedI = rows.reduce((a, x) => a + x.interestDueFen, 0n);
          expect(sumP).toBe(p < owedP ? p : owedP);
          expect(sumI).toBe(i < owedI ? i : owedI);
          for (const x of paid) {
            const row = withIds.find((r) => r.id === x.installmentId)!;
            expect(x.principalFen <= row.principalDueFen && x.interestFen <= row.interestDueFen).toBe(true);
          }
        },
      ),
    );
  });

  it('refuses a status report dated after today or before the payout', () => {
    expect(statusRefusal(loan, { asOf: '2026-03-02', daysOverdue: 5 }, '2026-03-01')?.code).toBe(
      'VALIDATION_FAILED',
    );
    // a date after today is named as such (the console shows it beside the field, in Chinese)
    expect(statusRefusal(loan, { asOf: '2026-03-02', daysOverdue: 5 }, '2026-03-01')?.errors?.[0]).toMatchObject({
      field: 'asOf',
      code: 'DATE_IN_FUTURE',
    });
    expect(statusRefusal(loan, { asOf: '2026-01-09', daysOverdue: 5 }, '2026-03-01')?.errors?.[0].field).toBe(
      'asOf',
    );
    expect(statusRefusal(loan, { asOf: '2026-02-01', daysOverdue: 5 }, '2026-03-01')).toBeNull();
  });

  it('supersedes a late report and sets or clears recovery exhausted', () => {
    const reported = { ...loan, status_reported_on: '2026-02-10', flags: ['RECOVERY_EXHAUSTED'] };
    expect(statusEffect(reported, { asOf: '2026-02-09', daysOverdue: 1 }).superseded).toBe(true);
    expect(statusEffect(reported, { asOf: '2026-02-10', daysOverdue: 1 }).superseded).toBe(false);
    expect(
      statusEffect(reported, { asOf: '2026-02-11', daysOverdue: 1, recoveryExhausted: false }).flags,
    ).toEqual([]);
    expect(statusEffect(loan, { asOf: '2026-02-11', daysOverdue: 1, recoveryExhausted: true }).flags).toEqual(
      ['RECOVERY_EXHAUSTED'],
    );
  });

  it('marks a compensated loan once', () => {
    expect(compensatedFlags(['RECOVERY_EXHAUSTED', 'COMPENSATED'])).toEqual([
      'COMPENSATED',
      'RECOVERY_EXHAUSTED',
    ]);
  });

  it('counts a bulk report by outcome', () => {
    const s = bulkSummary([
      { row: 1, bankLoanRef: 'a', kind: 'STATUS', outcome: 'APPLIED' },
      { row: 2, bankLoanRef: 'b', kind: 'STATUS', outcome: 'FAILED' },
      { row: 3, bankLoanRef: 'c', kind: 'REPAYMENT', outcome: 'APPLIED' },
    ]);
    expect([s.applied, s.replayed, s.failed]).toEqual([2, 0, 1]);
  });
});

describe('covered loans: the row and its view', () => {
  it('narrows a loans row of the covered channel and refuses any other', () => {
    const row = { ...loan, channel: 'BANK_COVERED', village_id: null } as unknown as LoanRow;
    expect(asCoveredLoan(row).bank_loan_ref).toBe('R1');
    expect(() => asCoveredLoan({ ...row, channel: 'MUTUAL_AID' })).toThrow();
    expect(() => asCoveredLoan({ ...row, bank_id: null })).toThrow();
  });

  it('shows the rate as written and the last status report', () => {
    const v = coveredLoanView({ ...loan, status_reported_on: '2026-02-10', status_reported_days: 12 });
    expect(v.annualRatePercent).toBe('4.35');
    expect(v.lastStatusReport).toEqual({ asOf: '2026-02-10', daysOverdue: 12 });
    expect(v.outstandingPrincipal).toBe('6000.00');
  });
});

describe('covered loans: what a report records', () => {
  it('records a repayment, and a repayment in full as such', () => {
    const r = { paidOn: '2026-02-01', principalFen: 600_000n, interestFen: 150n };
    expect(repaymentEvent(r, true)).toEqual({
      event: 'REPAID_IN_FULL',
      data: { paidOn: '2026-02-01', principal: '6000.00', interest: '1.50' },
    });
    expect(repaymentEvent(r, false).event).toBe('REPAYMENT_REPORTED');
    const audit = repaymentAudit(loan, { ...loan, status: 'CLOSED' }, r, 0n);
    expect(audit).toEqual({
      before: { outstandingPrincipal: '6000.00', status: 'DISBURSED' },
      after: { outstandingPrincipal: '0.00', status: 'CLOSED', principal: '6000.00', interest: '1.50' },
    });
  });

  it('names the report that supersedes a late one', () => {
    const reported = { ...loan, status_reported_on: '2026-02-10' };
    const late = statusRecords(reported, reported, { asOf: '2026-02-09', daysOverdue: 3 }, true);
    expect(late.event).toMatchObject({ asOf: '2026-02-09', supersededBy: '2026-02-10' });
    expect(late.audit.after).toMatchObject({ supersededBy: '2026-02-10' });
    const now = statusRecords(
      reported,
      { ...reported, days_overdue: 3 },
      { asOf: '2026-02-11', daysOverdue: 3 },
      false,
    );
    expect(now.event).not.toHaveProperty('supersededBy');
    expect(now.audit).toMatchObject({
      before: { daysOverdue: 0 },
      after: { daysOverdue: 3, asOf: '2026-02-11' },
    });
  });
});

describe('covered loans: facts read for the rules', () => {
  it('give each unpaid instalment what it still has due', () => {
    expect(
      installmentDues([
        {
          id: '7',
          principal_fen: '10000',
          paid_principal_fen: '2500',
          interest_fen: '300',
          paid_interest_fen: '0',
        },
        {
          id: '8',
          principal_fen: '10000',
          paid_principal_fen: '0',
          interest_fen: '300',
          paid_interest_fen: '300',
        },
      ]),
    ).toEqual([
      { id: '7', principalDueFen: 7_500n, interestDueFen: 300n },
      { id: '8', principalDueFen: 10_000n, interestDueFen: 0n },
    ]);
  });

  it('set the reported days, their ageing, the flags and the basis of the close of business', () => {
    expect(
      statusUpdate({ asOf: '2026-03-31', daysOverdue: 95 }, { bucket: 'D91_180', nonPerforming: true }, [
        'X',
      ]),
    ).toEqual({
      days_overdue: 95,
      arrears_bucket: 'D91_180',
      non_performing: true,
      flags: ['X'],
      status_reported_on: '2026-03-31',
      status_reported_days: 95,
    });
  });

  it('judge a household by its status and age on the disbursement date, an entity by the poor it drives', () => {
    const input = { termMonths: 12, purpose: 'CROPS', disbursementDate: '2026-03-01' };
    const ages: string[] = [];
    const ageOn = (birthDate: string, on: string) => {
      ages.push(`${birthDate}@${on}`);
      return 41;
    };
    expect(
      coveredLoanRequestFacts(
        { ...input, borrowerType: 'HOUSEHOLD' },
        3_000_000n,
        { household: { status: 'MONITORED', birthDate: '1985-01-01' } },
        ageOn,
      ),
    ).toEqual({
      principalFen: 3_000_000n,
      termMonths: 12,
      purpose: 'CROPS',
      borrowerType: 'HOUSEHOLD',
      householdStatus: 'MONITORED',
      borrowerAge: 41,
      linkedPoorHouseholds: null,
      hasGuaranteeFund: true,
    });
    expect(ages).toEqual(['1985-01-01@2026-03-01']);
    expect(
      coveredLoanRequestFacts(
        { ...input, borrowerType: 'ENTITY' },
        1n,
        { entity: { linkedPoorCount: 6 } },
        ageOn,
      ),
    ).toMatchObject({
      householdStatus: null,
      borrowerAge: null,
      linkedPoorHouseholds: 6,
      hasGuaranteeFund: true,
    });
    expect(ages).toHaveLength(1);
  });
});
