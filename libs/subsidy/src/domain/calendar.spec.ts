import {
  calendarErrors,
  DEFAULT_CALENDAR,
  lastEndedPeriod,
  periodContaining,
  periodEnding,
  periodsOfYear,
} from './calendar.js';

describe('settlement calendar', () => {
  it('runs quarterly periods to the 20th of Mar/Jun/Sep/Dec by default', () => {
    expect(periodsOfYear(2026, DEFAULT_CALENDAR).map((p) => [p.label, p.start, p.end])).toEqual([
      ['2026-P1', '2025-12-21', '2026-03-20'],
      ['2026-P2', '2026-03-21', '2026-06-20'],
      ['2026-P3', '2026-06-21', '2026-09-20'],
      ['2026-P4', '2026-09-21', '2026-12-20'],
    ]);
  });

  it('finds the period of a date and of an end date', () => {
    expect(periodContaining('2025-12-25', DEFAULT_CALENDAR).label).toBe('2026-P1');
    expect(periodContaining('2026-03-20', DEFAULT_CALENDAR).label).toBe('2026-P1');
    expect(periodContaining('2026-03-21', DEFAULT_CALENDAR).label).toBe('2026-P2');
    expect(periodContaining('2026-12-21', DEFAULT_CALENDAR).label).toBe('2027-P1');
    expect(periodEnding('2026-06-20', DEFAULT_CALENDAR)).toMatchObject({
      start: '2026-03-21',
      year: 2026,
      number: 2,
    });
    expect(periodEnding('2026-06-21', DEFAULT_CALENDAR)).toBeNull();
    expect(periodEnding('2026-05-20', DEFAULT_CALENDAR)).toBeNull();
  });

  it('handles a monthly calendar ending on the 28th across February', () => {
    const c = { endMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], endDay: 28 };
    expect(periodEnding('2026-03-28', c)).toMatchObject({ start: '2026-03-01', end: '2026-03-28' });
    expect(periodEnding('2024-03-28', c)).toMatchObject({ start: '2024-02-29' });
    expect(periodEnding('2026-01-28', c)).toMatchObject({ start: '2025-12-29', year: 2026, number: 1 });
  });

  it('names every broken rule of a calendar', () => {
    expect(calendarErrors({ endMonths: [3, 3, 13], endDay: 31 }).map((e) => e.field)).toEqual([
      'periodEndMonths',
      'periodEndDay',
    ]);
    expect(calendarErrors({ endMonths: [6, 12], endDay: 20 })).toEqual([]);
  });

  it('names the latest period ended by a date (what the daily claim tick generates)', () => {
    const end = (d: string, c = DEFAULT_CALENDAR) => lastEndedPeriod(d, c).end;
    expect(end('2026-03-21')).toBe('2026-03-20');
    expect(end('2026-03-20')).toBe('2025-12-20');
    expect(end('2026-06-20')).toBe('2026-03-20');
    expect(end('2026-06-21')).toBe('2026-06-20');
    expect(end('2026-01-05')).toBe('2025-12-20');
    expect(end('2025-12-21')).toBe('2025-12-20');
    expect(lastEndedPeriod('2026-01-05', DEFAULT_CALENDAR)).toMatchObject({
      label: '2025-P4',
      start: '2025-09-21',
    });
    // a programme settling twice a year on the 28th (February's last day in 2026)
    const half = { endMonths: [8, 2], endDay: 28 };
    expect(end('2026-03-01', half)).toBe('2026-02-28');
    expect(end('2026-02-28', half)).toBe('2025-08-28');
    expect(end('2026-09-15', half)).toBe('2026-08-28');
    expect(lastEndedPeriod('2026-03-01', half)).toMatchObject({ label: '2026-P1', start: '2025-08-29' });
  });
});
