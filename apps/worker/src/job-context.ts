import type { Job } from 'bullmq';
import { RequestContext, SYSTEM_ACTOR, type Clock } from '#libs/common';

let jobClock: Clock | undefined;
/** The worker's clock, re-read before every job so a job sees the business date the API moved. */
export function useJobClock(clock: Clock): void {
  jobClock = clock;
}

/**
 * Runs a job's work with the job id as the request id and the system as the actor, so audit rows and journal
 * entries written by a job say which job wrote them (as an HTTP request's do).
 */
export async function inJobContext<T>(job: Pick<Job, 'id' | 'name'>, work: () => Promise<T>): Promise<T> {
  await jobClock?.refresh();
  return RequestContext.run({ requestId: `job:${job.name}:${job.id ?? 'unknown'}`, actor: SYSTEM_ACTOR }, work);
}
