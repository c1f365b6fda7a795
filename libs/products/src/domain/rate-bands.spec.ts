import { bandsOverlap, isBusinessDate, pickInForce } from './rate-bands.js';

describe('bandsOverlap', () => {
  it.each([
    [1, 12, 13, 60, false],
    [1, 12, 12, 60, true],
    [1, 60, 13, 36, true],
    [13, 60, 1, 13, true],
    [61, 360, 1, 60, false],
  ])('%i-%i vs %i-%i → %s', (a1, a2, b1, b2, expected) =>
    expect(bandsOverlap({ termMinMonths: a1, termMaxMonths: a2 }, { termMinMonths: b1, termMaxMonths: b2 })).toBe(expected),
  );
});

describe('pickInForce', () => {
  const rows = [
    { id: 'a', termMinMonths: 1, termMaxMonths: 12, effectiveFrom: '2015-08-26' },
    { id: 'b', termMinMonths: 13, termMaxMonths: 60, effectiveFrom: '2015-08-26' },
    { id: 'c', termMinMonths: 1, termMaxMonths: 12, effectiveFrom: '2015-10-24' },
  ];
  it('takes the latest row on or before the date whose band holds the term', () => {
    expect(pickInForce(rows, 12, '2015-10-23')?.id).toBe('a');
    expect(pickInForce(rows, 12, '2015-10-24')?.id).toBe('c');
    expect(pickInForce(rows, 1, '2030-01-01')?.id).toBe('c');
  });
  it('keeps a band in force when another band changes', () => expect(pickInForce(rows, 24, '2030-01-01')?.id).toBe('b'));
  it('has nothing before the first row or outside every band', () => {
    expect(pickInForce(rows, 12, '2015-08-25')).toBeUndefined();
    expect(pickInForce(rows, 61, '2030-01-01')).toBeUndefined();
  });
});

describe('isBusinessDate', () => {
  it.each(['2024-02-29', '2015-10-24', '2026-12-31'])('accepts %s', (d) => expect(isBusinessDate(d)).toBe(true));
  it.each(['2023-02-29', '2026-13-01', '2026-04-31', '2026-1-1', '2026-01-01T00:00:00Z', '', 20260101, null])('refuses %s', (d) =>
    expect(isBusinessDate(d)).toBe(false),
  );
});
