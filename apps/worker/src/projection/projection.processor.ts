import { BullModule, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, Module } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '#libs/common';
import { ProjectionModule, ProjectionService, type ProjectionJobData } from '#libs/projection';
import { inJobContext } from '../job-context.js';

/**
 * The projections queue: one job per requested run. The run reads the books once, simulates in memory and stores
 * its bands and progress in projection_runs; a redelivered job of a finished run does nothing.
 */
@Processor(QUEUES.PROJECTIONS, { concurrency: 1 })
export class ProjectionProcessor extends WorkerHost {
  private readonly logger = new Logger(ProjectionProcessor.name);

  constructor(private readonly projections: ProjectionService) {
    super();
  }

  async process(job: Job<ProjectionJobData>): Promise<string> {
    return inJobContext(job, async () => {
      if (job.name !== JOBS.PROJECTION_RUN) throw new Error(`unknown job ${job.name} on queue ${QUEUES.PROJECTIONS}`);
      return this.projections.execute(job.data.runId);
    });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error({ queue: QUEUES.PROJECTIONS, job: job?.name, jobId: job?.id, err: error.message }, 'job failed');
  }
}

@Module({
  imports: [ProjectionModule, BullModule.registerQueue({ name: QUEUES.PROJECTIONS })],
  providers: [ProjectionProcessor],
  exports: [ProjectionProcessor],
})
export class ProjectionJobsModule {}
