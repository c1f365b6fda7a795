import { isCalendarDate, isDecimalBetween, queryFlag } from './input-rules.js';

describe('input rules', () => {
  it('accept only calendar dates that exist', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-2-28')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('0000-01-01')).toBe(false);
    expect(isCalendarDate('99999-01-01')).toBe(false);
    expect(isCalendarDate(20260228)).toBe(false);
    expect(isCalendarDate(undefined)).toBe(false);
  });

  it('accept a decimal string within the bounds and the decimals, inclusive', () => {
    expect(isDecimalBetween('5', '1', '10', 2)).toBe(true);
    expect(isDecimalBetween('1', '1', '10', 2)).toBe(true);
    expect(isDecimalBetween('10.00', '1', '10', 2)).toBe(true);
    expect(isDecimalBetween('10.01', '1', '10', 2)).toBe(false);
    expect(isDecimalBetween('0.99', '1', '10', 2)).toBe(false);
    expect(isDecimalBetween('5.001', '1', '10', 2)).toBe(false);
    expect(isDecimalBetween('abc', '1', '10', 2)).toBe(false);
    expect(isDecimalBetween(5, '1', '10', 2)).toBe(false);
  });

  it('read query flags, leaving absent flags absent and anything else for the validator', () => {
    expect(queryFlag('true')).toBe(true);
    expect(queryFlag(true)).toBe(true);
    expect(queryFlag('false')).toBe(false);
    expect(queryFlag(false)).toBe(false);
    expect(queryFlag(undefined)).toBeUndefined();
    expect(queryFlag('yes')).toBe('yes');
    expect(queryFlag(1)).toBe(1);
  });
});
