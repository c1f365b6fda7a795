import fc from 'fast-check';
import {
  addDays,
  daysBetween,
  offsetFor,
  OFFSET_WINDOWS,
  offsetLabel,
  REMINDER_OFFSETS,
  stillRelevant,
} from './offsets.js';

describe('reminder offsets and the catch-up rule', () => {
  const due = '2026-03-22';

  it('selects each offset exactly on its date when runs happen daily', () => {
    for (const o of REMINDER_OFFSETS) expect(offsetFor(due, addDays(due, o))).toBe(o);
    expect(offsetFor(due, addDays(due, -8))).toBeNull();
    expect(offsetFor(due, addDays(due, 37))).toBeNull();
  });

  it('catches up a missed day with the reminder that is still true, never a stale one', () => {
    // Worker down from T-7 to T-3: the T-7 reminder ("due on the 22nd") is still true and is sent.
    expect(offsetFor(due, addDays(due, -3))).toBe(-7);
    // Down over T0: on T+2 the instalment is overdue; "due today" would be false, T+1 ("overdue") is sent.
    expect(offsetFor(due, addDays(due, 2))).toBe(1);
    // T+30 is caught up for a week, then nothing more.
    expect(offsetFor(due, addDays(due, 36))).toBe(30);
    expect(offsetFor(due, addDays(due, 37))).toBeNull();
  });

  it('a run for a past date never adds what today would not (windows must still be open today)', () => {
    // Run for T-1 while today is already T+1: the T-1 window has closed.
    expect(offsetFor(due, addDays(due, -1), addDays(due, 1))).toBeNull();
    // Run for T-3 while today is T-2: T-7's window is still open.
    expect(offsetFor(due, addDays(due, -3), addDays(due, -2))).toBe(-7);
  });

  it('windows tile the days from T-7 to T+37 without gaps or overlaps (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -20, max: 60 }), (d) => {
        const hits = OFFSET_WINDOWS.filter((w) => w.from <= d && d < w.until);
        expect(hits.length).toBe(d >= -7 && d < 37 ? 1 : 0);
        const run = addDays(due, d);
        expect(offsetFor(due, run)).toBe(hits[0]?.offset ?? null);
        if (hits[0]) expect(stillRelevant(hits[0].offset, due, run)).toBe(true);
      }),
    );
  });

  it('counts calendar days across months and leap years', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-03-01', '2026-02-22')).toBe(-7);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(offsetLabel(-7)).toBe('T-7');
    expect(offsetLabel(0)).toBe('T0');
    expect(offsetLabel(30)).toBe('T+30');
  });
});
