import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryPrepared, queryRows } from '#libs/common';
import { assertBucketLimits, type BucketLimitsDays } from '../domain/ageing.js';

/** What an ageing pass wrote: loans whose figures changed, and the loan events recorded (bucket or flag changes). */
export interface AgeingWritten {
  changed: number;
  events: number;
}

export interface AgeingRun {
  /** The business date the figures are as of (YYYY-MM-DD). */
  date: string;
  /** The loan_events actor ('cob', or the user whose operation aged the loan). */
  actor: string;
  bucketLimitsDays: BucketLimitsDays;
  /** Whether the events' data carries `nonPerforming` (the covered channel's events do). */
  eventWithNonPerforming?: boolean;
}

/** Which channel's loans an ageing batch locks; each has its own test of "something to age". */
export type AgeingBatchChannel = 'MUTUAL_AID' | 'BANK_COVERED';

export interface AgeingBatch {
  channel: AgeingBatchChannel;
  /** The business date (YYYY-MM-DD). */
  date: string;
  /** The batch is the loans with afterId < id ≤ upToId. */
  afterId: string;
  upToId: string;
}

/**
 * Per channel, the conditions of `lockBatchForAgeing` besides the id range and status ($1 afterId,
 * $2 upToId, $3 date). Mutual aid: not replayed past the date by a repayment (aged_as_of), and an open
 * group-liability call also counts as something to do. Covered: the bank's status basis not later than the date,
 * and a reported arrears basis also counts.
 */
const BATCH_CONDITIONS: Record<AgeingBatchChannel, { channel: string; ahead: string; more: string }> = {
  MUTUAL_AID: {
    channel: `l.channel = 'MUTUAL_AID'`,
    ahead: `(l.aged_as_of IS NULL OR l.aged_as_of <= $3)`,
    more: `OR l.id IN (SELECT c.loan_id FROM group_liability_calls c WHERE c.status = 'OPEN' AND c.loan_id > $1 AND c.loan_id <= $2)`,
  },
  BANK_COVERED: {
    channel: `l.channel = 'BANK_COVERED'`,
    ahead: `(l.status_reported_on IS NULL OR l.status_reported_on <= $3)`,
    more: `OR l.arrears_bucket <> 'CURRENT' OR l.status_reported_days > 0`,
  },
};

/** A loan's figures computed by its channel's basis rule: days overdue as of the date, and its non-performing line. */
export interface AgeingFigures {
  loanId: string;
  daysOverdue: number;
  nplOverdueDays: number;
}

/**
 * The set-based form of the ageing rule of domain/ageing.ts (`ageingOf`, `ageingEvent`): from a relation
 * d(id, old_bucket, old_npl, old_days, days, npl_days) of DISBURSED loans, the bucket CASE and the non-performing line
 * (days > npl_days), an UPDATE of only the loans whose figures change, and one loan event per loan whose bucket or
 * flag changed. Parameters $1 date, $2 actor, $3–$5 the bucket limits, $6 whether events carry nonPerforming.
 */
function ageingStatement(basis: string): string {
  return `WITH ${basis},
     n AS (
       SELECT d.*, CASE WHEN d.days <= 0 THEN 'CURRENT' WHEN d.days <= $3::int THEN 'DPD_1_30'
                        WHEN d.days <= $4::int THEN 'DPD_31_60' WHEN d.days <= $5::int THEN 'DPD_61_90'
                        ELSE 'DPD_90_PLUS' END AS bucket,
              d.days > d.npl_days AS npl
         FROM d
     ), u AS (
       UPDATE loans l SET days_overdue = n.days, arrears_bucket = n.bucket, non_performing = n.npl
         FROM n
        WHERE l.id = n.id AND (n.old_days, n.old_bucket, n.old_npl) IS DISTINCT FROM (n.days, n.bucket, n.npl)
       RETURNING l.id
     ), ev AS (
       INSERT INTO loan_events (loan_id, event, actor, data)
       SELECT n.id, CASE WHEN n.npl AND NOT n.old_npl THEN 'NON_PERFORMING' ELSE 'ARREARS_BUCKET_CHANGED' END, $2,
              jsonb_build_object('businessDate', $1::date, 'from', n.old_bucket, 'to', n.bucket, 'daysOverdue', n.days)
                || CASE WHEN $6::boolean THEN jsonb_build_object('nonPerforming', n.npl) ELSE '{}'::jsonb END
         FROM n JOIN u ON u.id = n.id
        WHERE n.old_bucket <> n.bucket OR n.old_npl <> n.npl
       RETURNING 1)
     SELECT (SELECT count(*) FROM u)::int AS changed, (SELECT count(*) FROM ev)::int AS events`;
}

function common(run: AgeingRun): unknown[] {
  assertBucketLimits(run.bucketLimitsDays);
  return [run.date, run.actor, ...run.bucketLimitsDays, run.eventWithNonPerforming ?? false];
}

/**
 * Ageing of loans: the one place `loans.days_overdue`, `arrears_bucket` and `non_performing` are derived and written
 * (besides a write-off and a bank's status report, which set them to given figures through LoanStore.update with
 * `ageingOf`). Only DISBURSED loans are aged; a loan whose figures do not change is not written, so a second run for
 * a date writes nothing. Callers lock the loans first (FOR UPDATE, in id order) in the same transaction.
 */
@Injectable()
export class LoanAgeingStore {
  /**
   * Locks (FOR UPDATE, in loan id order, so batches and single-loan operations cannot deadlock) the DISBURSED loans
   * of a channel with afterId < id ≤ upToId that have something to age on the date: ageing figures that are not zero,
   * an unpaid instalment past its due date, or the channel's own reason (see BATCH_CONDITIONS). A loan whose basis is
   * later than the date is ahead and not locked; the condition is re-checked on the locked row. Only loan rows are
   * locked. Returns the locked ids in id order.
   */
  async lockBatchForAgeing(m: EntityManager, batch: AgeingBatch): Promise<string[]> {
    const c = BATCH_CONDITIONS[batch.channel];
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT l.id::text AS id FROM loans l
        WHERE l.id > $1 AND l.id <= $2 AND l.status = 'DISBURSED' AND ${c.channel}
          AND ${c.ahead}
          AND (l.days_overdue <> 0 OR l.non_performing ${c.more}
               OR l.id IN (SELECT i.loan_id FROM loan_installments i
                            WHERE i.loan_id > $1 AND i.loan_id <= $2 AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $3))
        ORDER BY l.id FOR UPDATE OF l`,
      [batch.afterId, batch.upToId, batch.date],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The mutual-aid basis: days overdue from the due date of the loan's oldest OVERDUE instalment (0 when none), the
   * non-performing line from the loan's product version. What the close of business runs per batch and a repayment
   * runs for its loan after replaying it.
   */
  async ageByOverdueInstallments(
    m: EntityManager,
    run: AgeingRun,
    loanIds: readonly string[],
  ): Promise<AgeingWritten> {
    if (!loanIds.length) return { changed: 0, events: 0 };
    // One loan (a repayment's) is named by a scalar and sent prepared: its plan is the same for every loan, so
    // PostgreSQL keeps one plan per connection instead of planning the statement (about 1 ms) on every repayment. A
    // close-of-business batch is planned for its size.
    const one = loanIds.length === 1;
    const ids = (column: string) => (one ? `${column} = $7::bigint` : `${column} = ANY($7::bigint[])`);
    const [r] = await (one ? queryPrepared : queryRows)<AgeingWritten>(
      m,
      ageingStatement(`o AS (
       SELECT loan_id, min(due_date) AS oldest FROM loan_installments
        WHERE ${ids('loan_id')} AND status = 'OVERDUE' GROUP BY loan_id
     ), d AS (
       SELECT l.id, l.arrears_bucket AS old_bucket, l.non_performing AS old_npl, l.days_overdue AS old_days,
              coalesce($1::date - o.oldest, 0) AS days, pv.npl_overdue_days AS npl_days
         FROM loans l
         JOIN product_versions pv ON pv.id = l.product_version_id
         LEFT JOIN o ON o.loan_id = l.id
        WHERE ${ids('l.id')} AND l.status = 'DISBURSED'
     )`),
      [...common(run), one ? loanIds[0] : loanIds],
    );
    return r;
  }

  /**
   * Ages loans to figures their channel computed (covered loans: the bank's latest status report, then the calendar
   * and the unpaid instalments): bucket and flag by the one rule, written where they change, events recorded.
   */
  async applyAgeing(
    m: EntityManager,
    run: AgeingRun,
    figures: readonly AgeingFigures[],
  ): Promise<AgeingWritten> {
    if (!figures.length) return { changed: 0, events: 0 };
    const [r] = await queryRows<AgeingWritten>(
      m,
      ageingStatement(`f AS (
       SELECT * FROM unnest($7::bigint[], $8::int[], $9::int[]) AS f(id, days, npl_days)
     ), d AS (
       SELECT l.id, l.arrears_bucket AS old_bucket, l.non_performing AS old_npl, l.days_overdue AS old_days,
              f.days, f.npl_days
         FROM loans l JOIN f ON f.id = l.id
        WHERE l.status = 'DISBURSED'
     )`),
      [
        ...common(run),
        figures.map((f) => f.loanId),
        figures.map((f) => f.daysOverdue),
        figures.map((f) => f.nplOverdueDays),
      ],
    );
    return r;
  }
}
