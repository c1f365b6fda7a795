import { Global, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { JobSchedulerTemplateOptions, Queue, RepeatOptions } from 'bullmq';

/** How often the worker checks that its repeatable jobs still exist in Redis (SCHEDULES_CHECK_MS, default 15 s). */
export const SCHEDULES_CHECK_MS = Number(process.env.SCHEDULES_CHECK_MS ?? 15_000);

interface Kept {
  queue: Queue;
  id: string;
  repeat: Omit<RepeatOptions, 'key'>;
  template: { name: string; data: unknown; opts?: JobSchedulerTemplateOptions };
}

/**
 * The worker's repeatable jobs (heartbeat, daily close of business, reminders, subsidy claims, monthly report) live in
 * Redis. A Redis restarted without its data, or flushed, forgets them; the keeper notices within SCHEDULES_CHECK_MS
 * and upserts what is missing (upsertJobScheduler is idempotent by scheduler id, so every replica may do it), so the
 * heartbeat and the daily jobs come back without anyone restarting the worker. A Redis that is down is retried at the
 * next check.
 */
@Injectable()
export class SchedulesKeeper implements OnApplicationShutdown {
  private readonly logger = new Logger(SchedulesKeeper.name);
  private readonly kept = new Map<string, Kept>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  /** Registers a repeatable job now and keeps it registered. */
  async keep(queue: Queue, id: string, repeat: Kept['repeat'], template: Kept['template']): Promise<void> {
    this.kept.set(`${queue.name}/${id}`, { queue, id, repeat, template });
    await queue.upsertJobScheduler(id, repeat, template as never);
    this.timer ??= setInterval(() => void this.check(), SCHEDULES_CHECK_MS).unref();
  }

  /** Re-creates every kept scheduler Redis no longer has; returns the ids re-created. */
  async check(): Promise<string[]> {
    if (this.checking) return [];
    this.checking = true;
    const restored: string[] = [];
    try {
      for (const k of this.kept.values()) {
        try {
          if (await k.queue.getJobScheduler(k.id)) continue;
          await k.queue.upsertJobScheduler(k.id, k.repeat, k.template as never);
          restored.push(k.id);
        } catch (e) {
          this.logger.warn({ scheduler: k.id, err: (e as Error).message }, 'repeatable job not checked (Redis unavailable?)');
        }
      }
      if (restored.length) this.logger.warn({ restored }, 'repeatable jobs were missing from Redis and were re-created');
      return restored;
    } finally {
      this.checking = false;
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

@Global()
@Module({ providers: [SchedulesKeeper], exports: [SchedulesKeeper] })
export class SchedulesKeeperModule {}
