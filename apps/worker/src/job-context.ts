import type { Job } from 'bullmq';
import { RequestContext, SYSTEM_ACTOR, type Clock } from '#libs/common';

/** The clocks of the running workers of this process, the latest started last (one, outside tests). */
const clocks: Clock[] = [];
/** The worker's clock, re-read before every job so a job sees the business date the API moved. */
export function useJobClock(clock: Clock): void {
  clocks.push(clock);
}

/**
 * Forgets `clock` (its worker has shut down): a job run later in this process (another worker's, a test's processor)
 * must not re-read the date through a closed application's database.
 */
export function releaseJobClock(clock: Clock): void {
  const at = clocks.lastIndexOf(clock);
  if (at >= 0) clocks.splice(at, 1);
}

/**
 * Runs a job's work with the job id as the request id and the system as the actor, so audit rows and journal
 * entries written by a job say which job wrote them (as an HTTP request's do).
 */
export async function inJobContext<T>(job: Pick<Job, 'id' | 'name'>, work: () => Promise<T>): Promise<T> {
  await clocks.at(-1)?.refresh();
  return RequestContext.run({ requestId: `job:${job.name}:${job.id ?? 'unknown'}`, actor: SYSTEM_ACTOR }, work);
}
