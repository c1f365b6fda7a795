/**
 * The arrears rule of every loan, both channels (SPEC §3): how many days a loan is overdue puts it in a bucket, and
 * beyond its non-performing line it is non-performing. The line is a parameter: a mutual-aid loan takes it from
 * its product version (`product_versions.npl_overdue_days`), a covered loan from its district's guarantee fund
 * (`risk_funds.npl_overdue_days`, the line the breaker and compensation use). The buckets are a parameter too; the
 * standard ones are those every report and snapshot is laid out in.
 *
 * Pure and defined once, here beside the schedules it ages, so that every library's domain code may use it:
 * libs/loans re-exports it and holds its set-based twin (`LoanAgeingStore`, the same CASE with the same
 * parameters; libs/loans/test holds both to the same answers), and libs/repayment's replay ages its state with it.
 */

export const ARREARS_BUCKETS = ['CURRENT', 'DPD_1_30', 'DPD_31_60', 'DPD_61_90', 'DPD_90_PLUS'] as const;
export type ArrearsBucket = (typeof ARREARS_BUCKETS)[number];

/**
 * The inclusive upper bounds, in days overdue, of the buckets after CURRENT: [end of DPD_1_30, end of DPD_31_60,
 * end of DPD_61_90]; anything beyond the last is DPD_90_PLUS. Strictly increasing and positive.
 */
export type BucketLimitsDays = readonly [number, number, number];

/** The buckets the bucket names describe (1–30, 31–60, 61–90, 90+), used by every product and agreement today. */
export const STANDARD_BUCKET_LIMITS_DAYS: BucketLimitsDays = [30, 60, 90];

export interface AgeingPolicy {
  bucketLimitsDays: BucketLimitsDays;
  /** Non-performing when MORE than this many days overdue (from the product or the guarantee fund). */
  nplOverdueDays: number;
}

export interface Ageing {
  daysOverdue: number;
  bucket: ArrearsBucket;
  nonPerforming: boolean;
}

/** The loan event an ageing change records, or null when neither the bucket nor the flag changed. */
export type AgeingEvent = 'NON_PERFORMING' | 'ARREARS_BUCKET_CHANGED';

export function assertBucketLimits(limits: BucketLimitsDays): void {
  const [a, b, c] = limits;
  if (!(Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(c) && 0 < a && a < b && b < c)) {
    throw new Error(`bucket limits must be increasing positive whole days, not [${limits.join(', ')}]`);
  }
}

export function bucketOf(daysOverdue: number, limits: BucketLimitsDays): ArrearsBucket {
  if (daysOverdue <= 0) return 'CURRENT';
  if (daysOverdue <= limits[0]) return 'DPD_1_30';
  if (daysOverdue <= limits[1]) return 'DPD_31_60';
  if (daysOverdue <= limits[2]) return 'DPD_61_90';
  return 'DPD_90_PLUS';
}

export function isNonPerforming(daysOverdue: number, nplOverdueDays: number): boolean {
  return daysOverdue > nplOverdueDays;
}

/** The figures of a loan `daysOverdue` days overdue under `policy`. */
export function ageingOf(daysOverdue: number, policy: AgeingPolicy): Ageing {
  const days = Math.max(0, daysOverdue);
  return {
    daysOverdue: days,
    bucket: bucketOf(days, policy.bucketLimitsDays),
    nonPerforming: isNonPerforming(days, policy.nplOverdueDays),
  };
}

/**
 * The event of moving from `before` to `after`: NON_PERFORMING when the loan becomes non-performing, else
 * ARREARS_BUCKET_CHANGED when the bucket or the flag changed, else none (a change of days alone is no event).
 */
export function ageingEvent(
  before: Omit<Ageing, 'daysOverdue'>,
  after: Omit<Ageing, 'daysOverdue'>,
): AgeingEvent | null {
  if (before.bucket === after.bucket && before.nonPerforming === after.nonPerforming) return null;
  return after.nonPerforming && !before.nonPerforming ? 'NON_PERFORMING' : 'ARREARS_BUCKET_CHANGED';
}

/**
 * Days overdue as of `date` of a loan whose oldest unpaid instalment fell due on `oldestDueDate` (null: nothing
 * overdue). Whole calendar days between two YYYY-MM-DD dates.
 */
export function daysOverdueSince(oldestDueDate: string | null, date: string): number {
  if (oldestDueDate === null) return 0;
  const ms = Date.parse(`${date}T00:00:00Z`) - Date.parse(`${oldestDueDate}T00:00:00Z`);
  return Math.max(0, Math.round(ms / 86_400_000));
}
