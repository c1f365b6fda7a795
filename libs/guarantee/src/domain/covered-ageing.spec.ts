import {
  coveredAgeingFigures,
  coveredDaysOverdue,
  daysBetween,
  reportedArrearsStand,
  type CoveredAgeingFacts,
} from './covered-ageing.js';

const never: CoveredAgeingFacts = {
  loanId: '1',
  reportedOn: null,
  reportedDays: null,
  owingFromBeforeReport: false,
  repaidSinceReport: false,
  oldestUnpaidDueAfterReport: null,
  nplOverdueDays: 90,
};

describe('covered ageing inputs', () => {
  it('counts calendar days', () => {
    expect(daysBetween('2026-02-28', '2026-03-01')).toBe(1);
    expect(daysBetween('2026-03-01', '2026-03-01')).toBe(0);
    expect(daysBetween('2025-12-31', '2026-12-31')).toBe(365);
  });

  it('ages a loan never reported from its oldest unpaid instalment', () => {
    expect(coveredDaysOverdue(never, '2026-03-01')).toBe(0);
    expect(coveredDaysOverdue({ ...never, oldestUnpaidDueAfterReport: '2026-02-01' }, '2026-03-01')).toBe(28);
  });

  it('keeps growing a reported arrears while it stands', () => {
    const reported = { ...never, reportedOn: '2026-02-01', reportedDays: 30 };
    expect(reportedArrearsStand(reported)).toBe(true);
    expect(coveredDaysOverdue(reported, '2026-03-01')).toBe(58);
    // a repayment since the report that leaves nothing owing from before it ends the reported arrears
    expect(coveredDaysOverdue({ ...reported, repaidSinceReport: true }, '2026-03-01')).toBe(0);
    // ... unless something due before the report still owes
    expect(
      coveredDaysOverdue({ ...reported, repaidSinceReport: true, owingFromBeforeReport: true }, '2026-03-01'),
    ).toBe(58);
    // a report "current" does not age
    expect(coveredDaysOverdue({ ...reported, reportedDays: 0 }, '2026-03-01')).toBe(0);
  });

  it('takes the larger of the reported and the scheduled basis', () => {
    const both = {
      ...never,
      reportedOn: '2026-02-20',
      reportedDays: 2,
      oldestUnpaidDueAfterReport: '2026-02-21',
    };
    expect(coveredDaysOverdue(both, '2026-03-01')).toBe(11);
    expect(coveredAgeingFigures([both], '2026-03-01')).toEqual([
      { loanId: '1', daysOverdue: 11, nplOverdueDays: 90 },
    ]);
  });
});
