import {
  Controller,
  Get,
  Header,
  Injectable,
  Logger,
  type NestMiddleware,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type GaugeConfiguration,
} from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { CobMetricsStore } from '#libs/cob';
import {
  AppConfig,
  bullOptions,
  Clock,
  InjectRedis,
  Public,
  QUEUES,
  queriesSent,
  readHeartbeat,
  roundTripsTaken,
  readOnlyTransaction,
  type QueueName,
} from '#libs/common';
import { SkipThrottle } from '#libs/auth';
import { PENDING_REMINDER_STATES, ReminderMetricsStore } from '#libs/reminders';
import { ReportMetricsStore } from '#libs/reporting';

/** Process metrics and request durations: one registry per process, filled as requests come. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'mae_' });

const httpDuration = new Histogram({
  name: 'mae_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** SQL statements this process sent since it started (counted only when DB_QUERY_COUNT is on; 0 otherwise). */
new Gauge({
  name: 'mae_db_queries_sent',
  help: 'SQL statements sent by this process since it started (DB_QUERY_COUNT=true)',
  registers: [registry],
  collect() {
    this.set(queriesSent());
  },
});

/** The round trips those statements took: a statement sent while none of its connection's was unanswered. */
new Gauge({
  name: 'mae_db_round_trips',
  help: 'Round trips to PostgreSQL those statements took (DB_QUERY_COUNT=true)',
  registers: [registry],
  collect() {
    this.set(roundTripsTaken());
  },
});

@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      // The route pattern, not the URL, keeps label cardinality bounded (no ids in labels).
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      end({ method: req.method, route: req.baseUrl + route, status: String(res.statusCode) });
    });
    next();
  }
}

/** The job states counted per queue (BullMQ's names). */
export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
type JobState = (typeof QUEUE_JOB_STATES)[number];
/**
 * State of the latest close of business: RUNNING holds the COB lock now; INTERRUPTED is RUNNING in the table while no
 * process holds the lock (the run crashed; the next run of that date resumes it from its checkpoint).
 */
const COB_STATES = ['COMPLETED', 'RUNNING', 'INTERRUPTED', 'FAILED'] as const;
/** What a scrape reads, each source on its own: one that fails leaves its gauges out and counts an error. */
export const METRIC_SOURCES = ['queues', 'heartbeat', 'reminders', 'cob', 'reports'] as const;
export type MetricSource = (typeof METRIC_SOURCES)[number];
/** Longest a source may take within a scrape (Prometheus' default scrape timeout is 10 s). */
export const SOURCE_TIMEOUT_MS = 2500;

interface Snapshot {
  /** Only the queues that answered. */
  queues: Map<QueueName, Record<JobState, number>>;
  /** Seconds since the worker's last heartbeat; NaN when no worker ever beat under this prefix. */
  heartbeatAgeSeconds?: number;
  reminders?: {
    pending: Record<(typeof PENDING_REMINDER_STATES)[number], number>;
    failed24h: number;
    unfinishedRuns: number;
    lastRun: { businessDate: string; finishedAt: Date } | null;
  };
  cob?: {
    lastCompleted: string | null;
    latest: { businessDate: string; state: (typeof COB_STATES)[number] } | null;
  };
  reports?: { latestMonth: string | null };
}

type GaugeValue<L extends string> = Awaited<ReturnType<Gauge<L>['get']>>['values'][number];

/**
 * A gauge whose series are computed at scrape time and may be absent: a plain Gauge without labels always reports a
 * value (0 after reset), which would show a source that failed as a real 0.
 */
class SnapshotGauge<L extends string> extends Gauge<L> {
  constructor(
    configuration: GaugeConfiguration<L>,
    private readonly compute: () => Promise<GaugeValue<L>[]>,
  ) {
    super(configuration);
  }

  override async get() {
    return { ...(await super.get()), values: await this.compute() };
  }
}

/** The one series of a gauge without labels, or none when the value is unknown. */
const one = (value: number | null | undefined): GaugeValue<never>[] =>
  value === undefined || value === null ? [] : [{ labels: {}, value }];

/** 00:00 UTC of a business date (YYYY-MM-DD) or of the first day of a month (YYYY-MM), in unix seconds. */
const dateSeconds = (date: string): number =>
  Date.parse(`${date.length === 7 ? `${date}-01` : date}T00:00:00Z`) / 1000;

/**
 * The background machinery as Prometheus gauges, computed when /metrics is scraped: BullMQ job counts, the worker's
 * heartbeat, the reminder outbox and selection runs, the close of business and the monthly report. One scrape reads
 * every source once (all gauges await one shared snapshot), each with a few Redis calls or small indexed queries,
 * never a scan of a large table:
 * - queues: one pipelined count per queue (5 Redis calls in all);
 * - heartbeat: one HGETALL;
 * - reminders: pending rows through the partial index `reminder_outbox_pending` (so only rows not yet settled are
 *   read, never the history of sent ones; right after a large selection run that is everything in flight), failures
 *   of the last 24 h through `reminder_outbox_failed_at`, runs through `reminder_runs_date`/`reminder_runs_unfinished`;
 * - cob: `cob_runs` (one row per business date) by its primary key, and the COB advisory lock in `pg_locks`;
 * - reports: `report_snapshots_period`.
 * A source that fails or takes longer than SOURCE_TIMEOUT_MS (Redis or PostgreSQL down) leaves its gauges out of the
 * scrape and adds one to `mae_metrics_collect_errors_total{source}`; /metrics still answers. Labels are queue names
 * and states only, never ids.
 */
@Injectable()
export class BackgroundMetrics implements OnApplicationShutdown {
  /** The gauges of this application (a registry of its own, merged with the process registry at each scrape). */
  readonly registry = new Registry();
  /** One BullMQ handle per queue of libs/common/src/queues.ts, under the deployment's prefix. */
  readonly queues: Map<QueueName, Queue>;
  private readonly logger = new Logger('Metrics');
  private readonly errors: Counter<'source'>;
  private inflight: Promise<Snapshot> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectRedis() private readonly redis: Redis,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.queues = new Map(
      Object.values(QUEUES).map((name) => {
        const q = new Queue(name, bullOptions(config));
        // Connection errors surface as failed counts at scrape time; an unhandled 'error' event would end the process.
        q.on('error', () => undefined);
        return [name, q];
      }),
    );

    this.errors = new Counter({
      name: 'mae_metrics_collect_errors_total',
      help: 'Sources of the /metrics gauges that failed or timed out during a scrape (their gauges were left out)',
      labelNames: ['source'],
      registers: [this.registry],
      // Counted after this scrape's sources ran, so the scrape that lost a gauge also shows why.
      collect: async () => {
        await this.snapshot();
      },
    });
    for (const source of METRIC_SOURCES) this.errors.inc({ source }, 0);

    this.gauge('mae_queue_jobs', 'BullMQ jobs by queue and state', ['queue', 'state'], (s) =>
      Object.values(QUEUES).flatMap((queue) => {
        const counts = s.queues.get(queue);
        return counts
          ? QUEUE_JOB_STATES.map((state) => ({ labels: { queue, state }, value: counts[state] }))
          : [];
      }),
    );
    this.gauge(
      'mae_worker_heartbeat_age_seconds',
      'Seconds since a worker last recorded its heartbeat (every minute); NaN when no worker ever did',
      [],
      (s) => one(s.heartbeatAgeSeconds),
    );
    this.gauge(
      'mae_reminder_outbox_pending',
      'Reminders not yet settled, by outbox state (QUEUED, SENDING, DEFERRED)',
      ['state'],
      (s) =>
        s.reminders
          ? PENDING_REMINDER_STATES.map((state) => ({
              labels: { state },
              value: s.reminders!.pending[state],
            }))
          : [],
    );
    this.gauge(
      'mae_reminder_outbox_failed_24h',
      'Reminders that failed for good in the last 24 hours',
      [],
      (s) => one(s.reminders?.failed24h),
    );
    this.gauge(
      'mae_reminder_runs_unfinished',
      'Reminder selection runs started whose reminders are not all handed to the delivery queue yet',
      [],
      (s) => one(s.reminders?.unfinishedRuns),
    );
    this.gauge(
      'mae_reminder_last_run_business_date_seconds',
      'Business date of the latest finished reminder selection run (00:00 UTC of that date, unix seconds)',
      [],
      (s) => one(s.reminders?.lastRun && dateSeconds(s.reminders.lastRun.businessDate)),
    );
    this.gauge(
      'mae_reminder_last_run_finished_seconds',
      'When the latest finished reminder selection run had handed all its reminders to the delivery queue (unix seconds)',
      [],
      (s) => one(s.reminders?.lastRun && s.reminders.lastRun.finishedAt.getTime() / 1000),
    );
    this.gauge(
      'mae_cob_last_completed_business_date_seconds',
      'Latest business date whose close of business completed (00:00 UTC of that date, unix seconds)',
      [],
      (s) => one(s.cob?.lastCompleted ? dateSeconds(s.cob.lastCompleted) : undefined),
    );
    this.gauge(
      'mae_cob_latest_run_business_date_seconds',
      'Business date of the latest close-of-business run, whatever its state (00:00 UTC, unix seconds)',
      [],
      (s) => one(s.cob?.latest ? dateSeconds(s.cob.latest.businessDate) : undefined),
    );
    this.gauge(
      'mae_cob_latest_run_state',
      'State of the latest close-of-business run, 1 for its state: COMPLETED, RUNNING (holds the COB lock), ' +
        'INTERRUPTED (RUNNING but no process holds the lock: crashed, resumes on the next run) or FAILED',
      ['state'],
      (s) =>
        s.cob
          ? COB_STATES.map((state) => ({ labels: { state }, value: s.cob!.latest?.state === state ? 1 : 0 }))
          : [],
    );
    this.gauge(
      'mae_report_latest_month_seconds',
      'Month of the latest stored monthly report snapshot (00:00 UTC on its first day, unix seconds)',
      [],
      (s) => one(s.reports?.latestMonth ? dateSeconds(s.reports.latestMonth) : undefined),
    );
  }

  /** The Prometheus text of the process metrics and of these gauges. */
  metrics(): Promise<string> {
    return Registry.merge([registry, this.registry]).metrics();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
  }

  /** A gauge whose series are computed from the scrape's snapshot: a source that failed gives none. */
  private gauge<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    values: (s: Snapshot) => GaugeValue<L>[],
  ): void {
    new SnapshotGauge<L>({ name, help, labelNames, registers: [this.registry] }, async () =>
      values(await this.snapshot()),
    );
  }

  /** Every gauge of one scrape awaits the same reading of the sources (and concurrent scrapes share it). */
  private snapshot(): Promise<Snapshot> {
    this.inflight ??= this.read().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async read(): Promise<Snapshot> {
    const queues = new Map<QueueName, Record<JobState, number>>();
    const [heartbeatAgeSeconds, reminders, cob, reports] = await Promise.all([
      this.source('heartbeat', () => this.heartbeatAge()),
      this.source('reminders', () => this.onDb((m) => this.readReminders(m))),
      this.source('cob', () => this.onDb((m) => this.readCob(m))),
      this.source('reports', () => this.onDb((m) => this.readReports(m))),
      ...[...this.queues].map(([name, q]) =>
        this.source('queues', async () => {
          queues.set(name, (await q.getJobCounts(...QUEUE_JOB_STATES)) as Record<JobState, number>);
        }),
      ),
    ]);
    return { queues, heartbeatAgeSeconds, reminders, cob, reports };
  }

  /** Runs one source, bounded in time; a failure is counted and logged, and gives undefined. */
  private async source<T>(source: MetricSource, work: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${SOURCE_TIMEOUT_MS} ms`)),
        SOURCE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([work(), timeout]);
    } catch (e) {
      this.errors.inc({ source });
      this.logger.warn(`metrics source ${source} failed: ${(e as Error).message}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A short read-only transaction whose statements PostgreSQL itself stops after the source timeout. */
  private onDb<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return readOnlyTransaction(this.dataSource, SOURCE_TIMEOUT_MS, work);
  }

  private async heartbeatAge(): Promise<number> {
    const beat = await readHeartbeat(this.redis, this.config.QUEUE_PREFIX);
    if (!beat) return NaN;
    return Math.max(0, (this.clock.now().getTime() - Date.parse(beat.at)) / 1000);
  }

  private async readReminders(m: EntityManager): Promise<Snapshot['reminders']> {
    return ReminderMetricsStore.backlog(m);
  }

  private async readCob(m: EntityManager): Promise<Snapshot['cob']> {
    return CobMetricsStore.progress(m);
  }

  private async readReports(m: EntityManager): Promise<Snapshot['reports']> {
    return { latestMonth: await ReportMetricsStore.latestMonth(m) };
  }
}

@ApiExcludeController()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly background: BackgroundMetrics) {}

  @Get()
  @Public()
  @Header('Content-Type', registry.contentType)
  metrics(): Promise<string> {
    return this.background.metrics();
  }
}
