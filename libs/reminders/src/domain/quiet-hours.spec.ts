import { isQuiet, quietUntil, zonedInstant } from './quiet-hours.js';

const q = { startHour: 21, endHour: 8, timeZone: 'Asia/Shanghai' };
// Shanghai is UTC+8 all year: 21:00 local = 13:00Z, 08:00 local = 00:00Z.
describe('SMS quiet hours (21:00-08:00 Asia/Shanghai)', () => {
  it('allows 08:00 to 20:59 local', () => {
    expect(quietUntil(new Date('2026-03-15T00:00:00Z'), q)).toBeNull(); // 08:00
    expect(quietUntil(new Date('2026-03-15T12:59:59Z'), q)).toBeNull(); // 20:59:59
  });

  it('defers an evening message to 08:00 the next morning', () => {
    expect(quietUntil(new Date('2026-03-15T13:00:00Z'), q)?.toISOString()).toBe('2026-03-16T00:00:00.000Z'); // 21:00
    expect(quietUntil(new Date('2026-03-15T15:59:00Z'), q)?.toISOString()).toBe('2026-03-16T00:00:00.000Z'); // 23:59
    // Month and year ends.
    expect(quietUntil(new Date('2026-12-31T14:00:00Z'), q)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('defers a night message to 08:00 the same local morning', () => {
    expect(quietUntil(new Date('2026-03-15T16:00:00Z'), q)?.toISOString()).toBe('2026-03-16T00:00:00.000Z'); // 00:00 on the 16th
    expect(quietUntil(new Date('2026-03-15T23:59:59Z'), q)?.toISOString()).toBe('2026-03-16T00:00:00.000Z'); // 07:59:59
  });

  it('finds local wall-clock times in zones with daylight saving too', () => {
    expect(zonedInstant(2026, 3, 29, 8, 'Europe/Berlin').toISOString()).toBe('2026-03-29T06:00:00.000Z'); // CEST
    expect(zonedInstant(2026, 3, 28, 8, 'Europe/Berlin').toISOString()).toBe('2026-03-28T07:00:00.000Z'); // CET
    expect(
      isQuiet(new Date('2026-07-01T20:30:00Z'), { startHour: 21, endHour: 8, timeZone: 'Europe/Berlin' }),
    ).toBe(true);
    // A quiet period that does not wrap midnight.
    expect(
      isQuiet(new Date('2026-03-15T05:00:00Z'), { startHour: 12, endHour: 14, timeZone: 'Asia/Shanghai' }),
    ).toBe(true);
    expect(
      quietUntil(new Date('2026-03-15T05:00:00Z'), {
        startHour: 12,
        endHour: 14,
        timeZone: 'Asia/Shanghai',
      })?.toISOString(),
    ).toBe('2026-03-15T06:00:00.000Z');
  });
});
