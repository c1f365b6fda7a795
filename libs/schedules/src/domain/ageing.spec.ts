import {
  ageingEvent,
  ageingOf,
  assertBucketLimits,
  bucketOf,
  daysOverdueSince,
  STANDARD_BUCKET_LIMITS_DAYS,
  type AgeingPolicy,
} from './ageing.js';

const standard: AgeingPolicy = { bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS, nplOverdueDays: 90 };

describe('ageing rule', () => {
  it.each([
    [0, 'CURRENT', false],
    [-3, 'CURRENT', false],
    [1, 'DPD_1_30', false],
    [30, 'DPD_1_30', false],
    [31, 'DPD_31_60', false],
    [60, 'DPD_31_60', false],
    [61, 'DPD_61_90', false],
    [90, 'DPD_61_90', false],
    [91, 'DPD_90_PLUS', true],
    [400, 'DPD_90_PLUS', true],
  ])(
    '%i days overdue: %s, non-performing %s under the standard buckets and a 90-day line',
    (days, bucket, npl) => {
      expect(ageingOf(days, standard)).toEqual({
        daysOverdue: Math.max(0, days),
        bucket,
        nonPerforming: npl,
      });
    },
  );

  it('takes the non-performing line from the policy, independent of the buckets', () => {
    expect(ageingOf(61, { ...standard, nplOverdueDays: 60 })).toEqual({
      daysOverdue: 61,
      bucket: 'DPD_61_90',
      nonPerforming: true,
    });
    expect(ageingOf(120, { ...standard, nplOverdueDays: 180 }).nonPerforming).toBe(false);
  });

  it('takes the bucket limits from the policy', () => {
    expect([7, 8, 14, 15, 21, 22].map((d) => bucketOf(d, [7, 14, 21]))).toEqual([
      'DPD_1_30',
      'DPD_31_60',
      'DPD_31_60',
      'DPD_61_90',
      'DPD_61_90',
      'DPD_90_PLUS',
    ]);
  });

  it('refuses limits that are not increasing positive whole days', () => {
    expect(() => assertBucketLimits([30, 30, 90])).toThrow(/increasing/);
    expect(() => assertBucketLimits([0, 30, 90])).toThrow(/increasing/);
    expect(() => assertBucketLimits([30, 60.5, 90])).toThrow(/increasing/);
    expect(() => assertBucketLimits(STANDARD_BUCKET_LIMITS_DAYS)).not.toThrow();
  });

  it('records NON_PERFORMING when the flag turns on, ARREARS_BUCKET_CHANGED for other changes, nothing for days alone', () => {
    const at = (days: number, npl = 90) => ageingOf(days, { ...standard, nplOverdueDays: npl });
    expect(ageingEvent(at(80), at(91))).toBe('NON_PERFORMING');
    expect(ageingEvent(at(80, 60), at(85, 60))).toBe(null);
    expect(ageingEvent(at(10), at(31))).toBe('ARREARS_BUCKET_CHANGED');
    expect(ageingEvent(at(95), at(0))).toBe('ARREARS_BUCKET_CHANGED');
    // the line reached inside one bucket is still an event
    expect(ageingEvent(at(60, 60), at(61, 60))).toBe('NON_PERFORMING');
    expect(ageingEvent(at(3), at(4))).toBe(null);
  });

  it('counts calendar days from the oldest overdue due date', () => {
    expect(daysOverdueSince(null, '2026-03-01')).toBe(0);
    expect(daysOverdueSince('2026-02-15', '2026-03-01')).toBe(14);
    expect(daysOverdueSince('2025-12-31', '2026-03-31')).toBe(90);
    expect(daysOverdueSince('2026-03-02', '2026-03-01')).toBe(0);
  });
});
