import { addDays, offsetFor } from './offsets.js';
import { dueDatesOf, earliestRunDate, runDateRefusal } from './selection.js';

describe('runDateRefusal', () => {
  const today = '2026-03-14';

  it('accepts today and every day back to the earliest window start', () => {
    expect(runDateRefusal(today, today)).toBeNull();
    expect(runDateRefusal(earliestRunDate(today), today)).toBeNull();
  });

  it('refuses a future day and a day before the earliest', () => {
    expect(runDateRefusal('2026-03-15', today)?.code).toBe('FUTURE_DATE');
    const old = addDays(earliestRunDate(today), -1);
    expect(runDateRefusal(old, today)).toEqual({
      earliest: earliestRunDate(today),
      code: 'TOO_OLD',
      message: `no reminder window reaching today starts before ${earliestRunDate(today)}`,
    });
  });
});

describe('dueDatesOf', () => {
  it('lists each due date once, ascending, with the offset the window rule gives it', () => {
    const dates = dueDatesOf('2026-03-14', '2026-03-14');
    expect(dates.length).toBeGreaterThan(0);
    expect(dates.length).toBeLessThanOrEqual(44);
    for (let k = 1; k < dates.length; k++) expect(dates[k].dueDate > dates[k - 1].dueDate).toBe(true);
    for (const d of dates) expect(offsetFor(d.dueDate, '2026-03-14', '2026-03-14')).toBe(d.offset);
    expect(dates).toContainEqual({ dueDate: '2026-03-21', offset: -7 });
    expect(dates).toContainEqual({ dueDate: '2026-03-14', offset: 0 });
  });

  it('selects on a past run date only the windows still open today', () => {
    for (const d of dueDatesOf('2026-03-10', '2026-03-14'))
      expect(offsetFor(d.dueDate, '2026-03-10', '2026-03-14')).toBe(d.offset);
  });
});
