import type { Queue } from 'bullmq';
import { jobId, JOBS } from '#libs/common';

export interface ProjectionJobData {
  runId: string;
}

/** The job id of a run: `projection.run.42`; adding it again while it exists is a no-op. */
export const projectionJobId = (runId: string): string => jobId('projection', 'run', runId);

/** Adds a run's job (one attempt per run id; a failed run is marked FAILED by the job itself). */
export async function enqueueProjection(queue: Queue, runId: string): Promise<string> {
  const id = projectionJobId(runId);
  await queue.add(JOBS.PROJECTION_RUN, { runId } satisfies ProjectionJobData, {
    jobId: id,
    attempts: 2,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
  return id;
}
