import {
  addMonthsClamped,
  daysBetween,
  epochDay,
  formatDate,
  isBusinessDate,
  parseDate,
  requireDate,
  addDays,
  daysFrom,
} from './dates.js';

const d = (s: string) => requireDate(s);
const plus = (s: string, months: number) => formatDate(addMonthsClamped(d(s), months));

describe('calendar dates', () => {
  it('parses real days only', () => {
    expect(parseDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    for (const bad of [
      '2023-02-29',
      '1900-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-1-05',
      '20240105',
      ' 2024-01-05',
      42,
      null,
    ]) {
      expect(parseDate(bad)).toBeNull();
    }
    expect(parseDate('2000-02-29')).not.toBeNull(); // divisible by 400: leap
  });

  it('accepts request dates in 1900-2199 only', () => {
    expect(isBusinessDate('1900-01-01')).toBe(true);
    expect(isBusinessDate('2199-12-31')).toBe(true);
    expect(isBusinessDate('1899-12-31')).toBe(false);
    expect(isBusinessDate('2200-01-01')).toBe(false);
    expect(isBusinessDate('0202-01-01')).toBe(false);
  });

  it('counts days with no time zone involved', () => {
    expect(epochDay(d('1970-01-01'))).toBe(0);
    expect(epochDay(d('2000-03-01'))).toBe(11017);
    expect(daysBetween(d('2024-02-01'), d('2024-03-01'))).toBe(29);
    expect(daysBetween(d('2023-02-01'), d('2023-03-01'))).toBe(28);
    expect(daysBetween(d('2024-01-01'), d('2025-01-01'))).toBe(366);
    expect(daysBetween(d('2016-05-05'), d('2017-03-05'))).toBe(304); // the mutual-aid bullet vector
    expect(daysBetween(d('2024-03-01'), d('2024-02-01'))).toBe(-29);
  });

  it('moves by months from the anchor, clamping to the month end (Jan 31 → Feb 28/29 → Mar 31)', () => {
    expect([1, 2, 3, 4].map((k) => plus('2023-01-31', k))).toEqual([
      '2023-02-28',
      '2023-03-31',
      '2023-04-30',
      '2023-05-31',
    ]);
    expect([1, 2].map((k) => plus('2024-01-31', k))).toEqual(['2024-02-29', '2024-03-31']);
    expect([1, 2, 3].map((k) => plus('2024-01-30', k))).toEqual(['2024-02-29', '2024-03-30', '2024-04-30']);
    // quarterly from Aug 31: Nov 30, then Feb 28 (2023) / Feb 29 (2024), then May 31
    expect([3, 6, 9].map((k) => plus('2022-08-31', k))).toEqual(['2022-11-30', '2023-02-28', '2023-05-31']);
    expect([3, 6, 9].map((k) => plus('2023-08-31', k))).toEqual(['2023-11-30', '2024-02-29', '2024-05-31']);
    // a leap day anchor: Feb 28 in common years, Feb 29 again in leap years
    expect([12, 48, 1200].map((k) => plus('2024-02-29', k))).toEqual([
      '2025-02-28',
      '2028-02-29',
      '2124-02-29',
    ]);
    expect(plus('1900-01-31', 1)).toBe('1900-02-28'); // 1900 is not a leap year
    expect(plus('2099-12-15', 1)).toBe('2100-01-15');
  });

  it('formats with zero padding', () => {
    expect(formatDate({ year: 2024, month: 3, day: 5 })).toBe('2024-03-05');
    expect(() => requireDate('2024-02-30')).toThrow(RangeError);
  });
});

describe('business-date arithmetic on YYYY-MM-DD labels', () => {
  it('adds and subtracts days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01');
    expect(addDays('2026-03-15', 0)).toBe('2026-03-15');
  });

  it('counts days between labels, signed, as the inverse of addDays', () => {
    expect(daysFrom('2026-02-20', '2026-03-01')).toBe(9);
    expect(daysFrom('2026-03-01', '2026-02-20')).toBe(-9);
    for (const [d, n] of [
      ['2024-02-29', 366],
      ['1999-12-31', 10_000],
      ['2026-07-01', -45],
    ] as const)
      expect(daysFrom(d, addDays(d, n))).toBe(n);
  });

  it('refuses a label that is not a calendar date', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2026-3-1', 1)).toThrow(RangeError);
    expect(() => daysFrom('2026-01-01', 'tomorrow')).toThrow(RangeError);
  });
});
