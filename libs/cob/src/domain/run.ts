import { isBusinessDate } from '#libs/schedules/domain';

/**
 * The rules of a close-of-business run that need no database: which dates may run, the order of its steps, and the
 * run as the API shows it.
 */

export type CobStep = 'LOANS' | 'COVERED' | 'SNAPSHOTS';

/** The steps of a run, in the order they run (each resumes from its own checkpoint). */
export const COB_STEPS: readonly CobStep[] = ['LOANS', 'COVERED', 'SNAPSHOTS'];
export type CobRunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** Why a date may not run: the error's code, its field error and the detail line. */
export interface DateRefusal {
  detail: string;
  field: 'businessDate';
  code: 'isCalendarDate' | 'COB_DATE_IN_FUTURE' | 'COB_DATE_CLOSED';
  message: string;
}

/** A calendar date, not after today. */
export function dateRefusal(businessDate: string, today: string): DateRefusal | null {
  if (!isBusinessDate(businessDate)) {
    return {
      detail: `business date ${businessDate} is not a calendar date YYYY-MM-DD`,
      field: 'businessDate',
      code: 'isCalendarDate',
      message: 'must be a calendar date YYYY-MM-DD',
    };
  }
  if (businessDate > today) {
    return {
      detail: `business date ${businessDate} has not come yet (today is ${today})`,
      field: 'businessDate',
      code: 'COB_DATE_IN_FUTURE',
      message: `after today (${today})`,
    };
  }
  return null;
}

/** Dates only move forward: a date before the latest closed one is refused (ageing never goes back). */
export function closedRefusal(latestClosed: string | null, businessDate: string): DateRefusal | null {
  if (!latestClosed || businessDate >= latestClosed) return null;
  return {
    detail: `business date ${latestClosed} is already closed: a close of business never goes back to ${businessDate}`,
    field: 'businessDate',
    code: 'COB_DATE_CLOSED',
    message: `before the latest closed date ${latestClosed}`,
  };
}

export interface CobRunView {
  businessDate: string;
  status: CobRunStatus;
  attempts: number;
  loansProcessed: number;
  batches: number;
  /** BANK_COVERED loans examined by the covered step (their batches are in its checkpoint) */
  coveredProcessed: number;
  callsRaised: number;
  callsCleared: number;
  snapshots: number;
  triggeredBy: string;
  lastError: string | null;
  startedAt: string;
  finishedAt: string | null;
  checkpoints: { step: CobStep; lastId: string; batches: number; rowsDone: number; done: boolean }[];
}

/** The columns of a run and of its checkpoints the view shows. */
export interface RunFacts {
  business_date: string;
  status: CobRunStatus;
  attempts: number;
  loans_processed: number;
  batches: number;
  covered_processed: number;
  calls_raised: number;
  calls_cleared: number;
  snapshots: number;
  triggered_by: string;
  last_error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export interface CheckpointFacts {
  step: CobStep;
  last_id: string;
  batches: number;
  rows_done: number;
  done: boolean;
}

export function runView(r: RunFacts, cps: readonly CheckpointFacts[]): CobRunView {
  return {
    businessDate: r.business_date,
    status: r.status,
    attempts: r.attempts,
    loansProcessed: r.loans_processed,
    batches: r.batches,
    coveredProcessed: r.covered_processed,
    callsRaised: r.calls_raised,
    callsCleared: r.calls_cleared,
    snapshots: r.snapshots,
    triggeredBy: r.triggered_by,
    lastError: r.last_error,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    checkpoints: cps.map((c) => ({
      step: c.step,
      lastId: c.last_id,
      batches: c.batches,
      rowsDone: c.rows_done,
      done: c.done,
    })),
  };
}
