import { formatDate, formatDateTime, formatMoney, formatPercent, maskName, sumMoney, YUAN_INPUT } from './format.js';

describe('console formatting', () => {
  it('formats decimal yuan strings as ¥1,234.56 without floats', () => {
    expect(formatMoney('1234.56')).toBe('¥1,234.56');
    expect(formatMoney('1234.5')).toBe('¥1,234.50');
    expect(formatMoney('0')).toBe('¥0.00');
    expect(formatMoney('-80.00')).toBe('-¥80.00');
    expect(formatMoney('54822487.90')).toBe('¥54,822,487.90');
    // beyond a double's exact integers: still exact
    expect(formatMoney('90071992547409931.07')).toBe('¥90,071,992,547,409,931.07');
    expect(formatMoney(null)).toBe('—');
  });

  it('rounds percentages by strings, half up', () => {
    expect(formatPercent('2.3557')).toBe('2.36%');
    expect(formatPercent('0.0323', 2)).toBe('0.03%');
    expect(formatPercent('5')).toBe('5.00%');
    expect(formatPercent('0.004')).toBe('0.00%');
  });

  it('sums money exactly', () => {
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30');
    expect(sumMoney(['100.00', '-100.01'])).toBe('-0.01');
  });

  it('shows dates as YYYY-MM-DD in the business time zone', () => {
    expect(formatDate('2026-12-07')).toBe('2026-12-07');
    // 17:30 UTC is already the next day in Shanghai
    expect(formatDate('2026-12-06T17:30:00.000Z')).toBe('2026-12-07');
    expect(formatDateTime('2026-12-06T17:30:00.000Z')).toBe('2026-12-07 01:30');
  });

  it('accepts amounts as the API does', () => {
    expect(YUAN_INPUT.test('5000.00')).toBe(true);
    expect(YUAN_INPUT.test('5000.001')).toBe(false);
    expect(YUAN_INPUT.test('01')).toBe(false);
  });

  it('masks a name for a public posting: the first character kept, every other one a star', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李四')).toBe('李*');
    expect(maskName('王')).toBe('王*');
    expect(maskName(null)).toBe('—');
  });
});
