import type { DynamicModule, Type } from '@nestjs/common';
import { CobJobsModule } from './cob/cob-jobs.module.js';
import { RemindersJobsModule } from './reminders/reminders-jobs.module.js';
import { ProjectionJobsModule } from './projection/projection.processor.js';
import { ReportsJobsModule } from './reports/reports.processor.js';
import { SubsidyClaimsJobsModule } from './subsidy/subsidy-claims.processor.js';

/**
 * The job modules the worker runs besides the system heartbeat. Each capability with background work (close of
 * business, reminders, reports, subsidy claims) adds its module here; queue and job names go in libs/common/src/queues.ts.
 */
export const WORKER_MODULES: (Type | DynamicModule)[] = [
  RemindersJobsModule,
  CobJobsModule,
  ReportsJobsModule,
  SubsidyClaimsJobsModule,
  ProjectionJobsModule,
];
