import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig, Clock, JOBS, QUEUES, SCHEDULERS } from '#libs/common';
import { ReminderSettings, zonedHour } from '#libs/reminders';
import { RemindersProcessor } from './reminders.processor.js';
import { SchedulesKeeper } from '../system/schedules-keeper.js';

/**
 * Registers the daily reminder tick (cron in the business time zone; upsert by scheduler id, so N replicas keep one
 * schedule) and, at start, catches up: when today's tick time has already passed, today's selection job is added
 * (deterministic id: a no-op if the tick or another replica already ran it). A worker down at 08:00 thus selects as
 * soon as it is back, and the catch-up rule sends what is still relevant.
 */
@Injectable()
export class RemindersScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RemindersScheduler.name);

  constructor(
    private readonly keeper: SchedulesKeeper,
    @InjectQueue(QUEUES.REMINDERS) private readonly queue: Queue,
    private readonly processor: RemindersProcessor,
    private readonly settings: ReminderSettings,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keeper.keep(
      this.queue,
      SCHEDULERS.REMINDERS_DAILY,
      { pattern: this.settings.dailyCron, tz: this.config.BUSINESS_TIMEZONE },
      {
        name: JOBS.REMINDERS_DAILY,
        data: {},
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } },
      },
    );
    this.logger.log(
      `scheduled ${JOBS.REMINDERS_DAILY} at "${this.settings.dailyCron}" ${this.config.BUSINESS_TIMEZONE}`,
    );
    const now = this.clock.now();
    if (zonedHour(now, this.config.BUSINESS_TIMEZONE) >= this.settings.dailyHour) {
      const added = await this.processor.addSelection(
        this.clock.today(this.config.BUSINESS_TIMEZONE),
        'BOOT',
      );
      this.logger.log(`catch-up: selection job ${added.jobId} added (ignored if it already ran)`);
    }
  }
}
