import type { Job } from 'bullmq';
import { RequestContext, SYSTEM_ACTOR } from '#libs/common';

/**
 * Runs a job's work with the job id as the request id and the system as the actor, so audit rows and journal
 * entries written by a job say which job wrote them (as an HTTP request's do).
 */
export function inJobContext<T>(job: Pick<Job, 'id' | 'name'>, work: () => Promise<T>): Promise<T> {
  return RequestContext.run({ requestId: `job:${job.name}:${job.id ?? 'unknown'}`, actor: SYSTEM_ACTOR }, work);
}
