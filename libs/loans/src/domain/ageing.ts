/**
 * The arrears rule of every loan, both channels (SPEC §3): how many days a loan is overdue puts it in a bucket, and
 * beyond its non-performing line it is non-performing. The line is a parameter: a mutual-aid loan takes it from
 * its product version (`product_versions.npl_overdue_days`), a covered loan from its district's guarantee fund
 * (`risk_funds.npl_overdue_days`, the line the breaker and compensation use). The buckets are a parameter too; the
 * standard ones are those every report and snapshot is laid out in.
 *
 * The rule itself is defined once in libs/schedules (domain/ageing.ts, pure, importable by every library's
 * domain code); this library re-exports it. The set-based twin of these functions is `LoanAgeingStore` (the close
 * of business, a repayment's replay, covered ageing): it runs the same CASE with the same parameters, and
 * libs/loans/test/ageing.spec.ts holds both to the same answers.
 */
export {
  ARREARS_BUCKETS,
  STANDARD_BUCKET_LIMITS_DAYS,
  assertBucketLimits,
  bucketOf,
  isNonPerforming,
  ageingOf,
  ageingEvent,
  daysOverdueSince,
} from '#libs/schedules/domain';
export type {
  ArrearsBucket,
  BucketLimitsDays,
  AgeingPolicy,
  Ageing,
  AgeingEvent,
} from '#libs/schedules/domain';
