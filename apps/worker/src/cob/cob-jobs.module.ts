import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUES } from '#libs/common';
import { CobModule } from '#libs/cob';
import { CobProcessor } from './cob.processor.js';
import { CobScheduler } from './cob-scheduler.js';

/** Close-of-business jobs of the worker: the daily tick and the run of a business date. */
@Module({
  imports: [CobModule, BullModule.registerQueue({ name: QUEUES.COB })],
  providers: [CobProcessor, CobScheduler],
  exports: [CobProcessor],
})
export class CobJobsModule {}
