import type { Queue } from 'bullmq';
import { jobId, JOBS } from '#libs/common';
import { addMonths, isMonth, monthOf } from './domain/month.js';

export interface ReportJobData {
  month: string;
  triggeredBy: string;
}

/** The job id of a month's report: `report.monthly.2026-01`. Adding it again while it exists is a no-op. */
export const reportJobId = (month: string): string => {
  if (!isMonth(month)) throw new RangeError(`not a month: ${month}`);
  return jobId('report', 'monthly', month);
};

/** The month a tick on `today` (YYYY-MM-DD, business time zone) reports on: the one that has just ended. */
export const previousMonthOf = (today: string): string => addMonths(monthOf(today), -1);

/**
 * Adds the generation job of a month with its deterministic id: BullMQ ignores an add whose id exists, so the
 * scheduler firing twice, two workers, or a retry of the tick never queue a month twice. Bounded retries with
 * exponential backoff; finished jobs are kept a while so the id keeps deduplicating.
 */
export async function enqueueMonthlyReport(queue: Queue, month: string, triggeredBy: string): Promise<string> {
  const id = reportJobId(month);
  await queue.add(JOBS.REPORT_MONTHLY_GENERATE, { month, triggeredBy } satisfies ReportJobData, {
    jobId: id,
    attempts: 5,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { age: 90 * 24 * 3600 },
    removeOnFail: false,
  });
  return id;
}
