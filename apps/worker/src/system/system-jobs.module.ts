import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUES } from '#libs/common';
import { HeartbeatService } from './heartbeat.js';
import { SystemProcessor } from './system.processor.js';
import { SystemScheduler } from './system-scheduler.js';

@Module({
  imports: [BullModule.registerQueue({ name: QUEUES.SYSTEM })],
  providers: [HeartbeatService, SystemProcessor, SystemScheduler],
  exports: [HeartbeatService],
})
export class SystemJobsModule {}
