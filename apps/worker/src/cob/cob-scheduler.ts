import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig, JOBS, QUEUES, SCHEDULERS } from '#libs/common';
import { SchedulesKeeper } from '../system/schedules-keeper.js';

/** When the daily close of business starts (cron, business time zone): 00:30, closing the day that just ended. */
export const COB_DAILY_CRON = process.env.COB_DAILY_CRON ?? '30 0 * * *';

/**
 * Registers the daily close-of-business tick. upsertJobScheduler is idempotent by scheduler id, so every worker
 * replica can run this at boot and there is still one schedule; the tick's run job has the date as its id.
 */
@Injectable()
export class CobScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(CobScheduler.name);

  constructor(
    private readonly keeper: SchedulesKeeper,
    @InjectQueue(QUEUES.COB) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keeper.keep(
      this.queue,
      SCHEDULERS.COB_DAILY,
      { pattern: COB_DAILY_CRON, tz: this.config.BUSINESS_TIMEZONE },
      {
        name: JOBS.COB_DAILY,
        data: {},
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } },
      },
    );
    this.logger.log(`scheduled ${JOBS.COB_DAILY} at "${COB_DAILY_CRON}" ${this.config.BUSINESS_TIMEZONE}`);
  }
}
