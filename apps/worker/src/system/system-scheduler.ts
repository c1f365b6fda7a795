import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { HEARTBEAT_EVERY_MS, JOBS, QUEUES, SCHEDULERS } from '#libs/common';
import { SchedulesKeeper } from './schedules-keeper.js';

/**
 * Registers the repeatable system jobs. upsertJobScheduler is idempotent by scheduler id, so every worker replica
 * can run this at boot and there is still one schedule; each run's job id is derived from its time slot.
 */
@Injectable()
export class SystemScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SystemScheduler.name);

  constructor(
    private readonly keeper: SchedulesKeeper,@InjectQueue(QUEUES.SYSTEM) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keeper.keep(
      this.queue,
      SCHEDULERS.SYSTEM_HEARTBEAT,
      { every: HEARTBEAT_EVERY_MS },
      // A missed heartbeat is simply superseded by the next one: no retries.
      { name: JOBS.SYSTEM_HEARTBEAT, data: {}, opts: { attempts: 1 } },
    );
    this.logger.log(`scheduled ${JOBS.SYSTEM_HEARTBEAT} every ${HEARTBEAT_EVERY_MS / 1000}s`);
  }
}
