import type { Redis } from 'ioredis';
import type { AppConfig } from './config/app-config.js';
import { redisTlsOptions } from './redis.js';

/**
 * Every BullMQ queue and job name of the engine, in one place, so the API (which enqueues) and the worker (which
 * processes) can never drift apart. Add a queue or a job here, then its processor in apps/worker.
 *
 * Queue names may not contain ':' (BullMQ uses it as the key separator); the deployment's QUEUE_PREFIX keeps
 * several deployments (and test files) apart in one Redis.
 */
export const QUEUES = {
  /** Housekeeping of the engine itself (heartbeat). */
  SYSTEM: 'system',
  /** Repayment reminders: the daily selection run (one job per business date). */
  REMINDERS: 'reminders',
  /** Repayment reminders: delivery jobs, one per batch of a selection run or one per outbox row (ids from the outbox). */
  REMINDER_DELIVERY: 'reminder-delivery',
  /** Daily close of business: one run job per business date (job id from the date). */
  COB: 'cob',
  /** Monthly leverage-ratio report: one generation job per month (job id from the month). */
  REPORTS: 'reports',
  /** Interest subsidy claims: one generation job per programme and settlement period (job id from both). */
  SUBSIDY_CLAIMS: 'subsidy-claims',
  /** Projections: one job per requested run (job id from the run id). */
  PROJECTIONS: 'projections',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  /** Every minute: the worker proves it is alive by recording a heartbeat in Redis (shown by the API's /health). */
  SYSTEM_HEARTBEAT: 'system.heartbeat',
  /** Daily (cron, business time zone): adds the selection job of today's business date. */
  REMINDERS_DAILY: 'reminders.daily',
  /** Selects the reminders of one business date into the outbox and enqueues their delivery. */
  REMINDERS_SELECT: 'reminders.select',
  /** Delivers one outbox reminder through its channel (retries, deferrals and the sweep use it). */
  REMINDER_DELIVER: 'reminder.deliver',
  /** Delivers a batch of a selection run's reminders, handing each that needs more over to a REMINDER_DELIVER job. */
  REMINDER_DELIVER_BATCH: 'reminder.deliver-batch',
  /** Daily (cron, business time zone): adds the run job of the business date that just ended. */
  COB_DAILY: 'cob.daily',
  /** Runs the close of business of one business date (resumes a crashed run from its checkpoint). */
  COB_RUN: 'cob.run',
  /** Monthly (cron on the 1st, business time zone): adds the generation job of the month that has just ended. */
  REPORT_MONTHLY_TICK: 'reports.monthly',
  /** Generates and stores the report snapshot of one month (a new version only when its data changed). */
  REPORT_MONTHLY_GENERATE: 'reports.generate',
  /** Daily (cron, business time zone): adds the claim generation job of every active programme's latest ended period. */
  SUBSIDY_CLAIMS_DAILY: 'subsidy-claims.daily',
  /** Generates one programme's claims of one settlement period (idempotent: an unchanged DRAFT is kept). */
  SUBSIDY_CLAIMS_GENERATE: 'subsidy-claims.generate',
  /** Runs one projection (reads the books once, simulates N runs in memory, stores bands and events). */
  PROJECTION_RUN: 'projection.run',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** Job scheduler ids (BullMQ upsertJobScheduler): one per repeatable job, so N workers upsert one schedule. */
export const SCHEDULERS = {
  SYSTEM_HEARTBEAT: 'system.heartbeat',
  REMINDERS_DAILY: 'reminders.daily',
  COB_DAILY: 'cob.daily',
  REPORTS_MONTHLY: 'reports.monthly',
  SUBSIDY_CLAIMS_DAILY: 'subsidy-claims.daily',
} as const;

export const HEARTBEAT_EVERY_MS = 60_000;

/** Redis hash of the worker's last heartbeat (fields of `WorkerHeartbeat`). */
export const heartbeatKey = (prefix: string): string => `${prefix}:worker:heartbeat`;
/** Marker that a heartbeat job id was already recorded (handlers are idempotent under redelivery). */
export const heartbeatDoneKey = (prefix: string, id: string): string => `${prefix}:worker:heartbeat:done:${id}`;

export interface WorkerHeartbeat {
  /** ISO instant the job ran. */
  at: string;
  jobId: string;
  /** host:pid of the worker process that ran it. */
  worker: string;
  /** Heartbeats recorded since the key was created; grows by one per distinct job id. */
  beats: number;
}

/** The last heartbeat the worker recorded, or null when no worker has run under this prefix yet. */
export async function readHeartbeat(redis: Redis, prefix: string): Promise<WorkerHeartbeat | null> {
  const h = await redis.hgetall(heartbeatKey(prefix));
  if (!h.at) return null;
  return { at: h.at, jobId: h.jobId, worker: h.worker, beats: Number(h.beats ?? 0) };
}

const ID_PART = /^[A-Za-z0-9_.-]+$/;

/**
 * A deterministic job id from business parts, e.g. `jobId('cob', '2026-01-15')` → `cob.2026-01-15`. BullMQ ignores
 * adding a job whose id already exists, so a re-run of a scheduler (or a second worker) never duplicates work.
 * Parts may not contain ':' (reserved by BullMQ) and the id may not be a bare integer (BullMQ refuses those).
 */
export function jobId(...parts: (string | number | bigint)[]): string {
  if (parts.length === 0) throw new RangeError('jobId needs at least one part');
  const text = parts.map(String);
  for (const p of text) if (!ID_PART.test(p)) throw new RangeError(`job id part "${p}" must match ${ID_PART}`);
  const id = text.join('.');
  if (/^\d+$/.test(id)) throw new RangeError(`job id ${id} may not be a bare integer`);
  return id;
}

/**
 * Connection and prefix for every BullMQ queue and worker of a deployment. BullMQ opens its own connections from
 * the URL (workers need blocking connections with maxRetriesPerRequest = null, which BullMQ sets itself).
 */
export function bullOptions(config: Pick<AppConfig, 'REDIS_URL' | 'QUEUE_PREFIX' | 'REDIS_TLS_CA'>) {
  return { connection: { url: config.REDIS_URL, ...redisTlsOptions(config) }, prefix: config.QUEUE_PREFIX };
}
