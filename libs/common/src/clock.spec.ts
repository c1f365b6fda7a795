import { businessDate } from './clock.js';

describe('businessDate', () => {
  it("turns at the zone's midnight, to the second, with the answer of each second kept", () => {
    // 16:00:00 UTC is midnight in Shanghai (UTC+8); asked in order, around and within the kept second
    const at = (iso: string) => businessDate(new Date(iso), 'Asia/Shanghai');
    expect(at('2026-03-31T15:59:59.000Z')).toBe('2026-03-31');
    expect(at('2026-03-31T15:59:59.999Z')).toBe('2026-03-31');
    expect(at('2026-03-31T16:00:00.000Z')).toBe('2026-04-01');
    expect(at('2026-03-31T16:00:00.500Z')).toBe('2026-04-01');
    expect(at('2026-03-31T15:59:59.999Z')).toBe('2026-03-31');
    // another zone keeps its own answer for the same second
    expect(businessDate(new Date('2026-03-31T16:00:00.000Z'), 'UTC')).toBe('2026-03-31');
    expect(at('2026-03-31T16:00:00.000Z')).toBe('2026-04-01');
    // a zone whose offset is not whole hours
    expect(businessDate(new Date('2026-03-31T18:29:59.000Z'), 'Asia/Kolkata')).toBe('2026-03-31');
    expect(businessDate(new Date('2026-03-31T18:30:00.000Z'), 'Asia/Kolkata')).toBe('2026-04-01');
  });
});
