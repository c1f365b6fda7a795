import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { DomainError, jobId, JOBS, ID_PATTERN } from '#libs/common';
import { isBusinessDate } from '#libs/schedules';
import { ClaimsService, type GenerationAction } from './claims.service.js';
import { lastEndedPeriod } from './domain/calendar.js';
import { calendarOf } from './domain/programme-view.js';
import { ProgrammesStore } from './store/programmes.store.js';

export interface ClaimGenerationJobData {
  programmeId: string;
  /** End date of the settlement period, YYYY-MM-DD. */
  periodEnd: string;
  triggeredBy: string;
}

/** What a generation job did, kept as the job's return value (visible on the queue dashboard). */
export interface ClaimGenerationJobResult {
  programmeId: string;
  period: string;
  asOf?: string;
  /** Per payee: the action, and the claim with its total when there is one. */
  claims?: { payee: string; action: GenerationAction; claimId: string | null; total: string | null }[];
  /** The programme was closed after the job was added: nothing generated. */
  skipped?: 'PROGRAMME_CLOSED';
}

/** Completed generation jobs are kept longer than any settlement period (12 months at most), so their id dedupes. */
export const CLAIM_JOB_KEEP_SECONDS = 400 * 24 * 3600;

/** The job id of a programme's period: `subsidy.claims.3.2026-03-20`. Adding it again while it exists is a no-op. */
export const claimGenerationJobId = (programmeId: string, periodEnd: string): string => {
  if (!ID_PATTERN.test(programmeId)) throw new RangeError(`not a programme id: ${programmeId}`);
  if (!isBusinessDate(periodEnd)) throw new RangeError(`not a date: ${periodEnd}`);
  return jobId('subsidy', 'claims', programmeId, periodEnd);
};

/**
 * Adds the claim generation job of a programme's period with its deterministic id: BullMQ ignores an add whose id
 * exists, so the tick firing twice, several workers, the catch-up at start or a retry never queue a period twice.
 * Bounded retries with exponential backoff; finished jobs are kept so the id keeps deduplicating.
 */
export async function enqueueClaimGeneration(
  queue: Queue,
  programmeId: string,
  periodEnd: string,
  triggeredBy: string,
): Promise<string> {
  const id = claimGenerationJobId(programmeId, periodEnd);
  await queue.add(
    JOBS.SUBSIDY_CLAIMS_GENERATE,
    { programmeId, periodEnd, triggeredBy } satisfies ClaimGenerationJobData,
    {
      jobId: id,
      attempts: 5,
      backoff: { type: 'exponential', delay: 60_000 },
      removeOnComplete: { age: CLAIM_JOB_KEEP_SECONDS },
      removeOnFail: false,
    },
  );
  return id;
}

/**
 * The scheduled side of claim generation (SPEC §2.3, §3): which programme periods are due, adding their jobs, and
 * running one (generation itself is `ClaimsService.generate`, idempotent: an unchanged DRAFT is kept).
 */
@Injectable()
export class ClaimJobsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly claims: ClaimsService,
    private readonly store: ProgrammesStore = new ProgrammesStore(),
  ) {}

  /**
   * Every ACTIVE programme with the end of its latest ended period on `today` (its own calendar): on the day after
   * a period end that is the period just ended, on the other days the same period again (whose job id then exists).
   */
  async duePeriods(today: string): Promise<{ programmeId: string; periodEnd: string }[]> {
    if (!isBusinessDate(today)) throw new RangeError(`not a date: ${today}`);
    const rows = await this.store.activeCalendars(this.dataSource.manager);
    return rows.map((p) => ({ programmeId: p.id, periodEnd: lastEndedPeriod(today, calendarOf(p)).end }));
  }

  /** Adds the generation job of every due programme period (deterministic ids); returns the job ids. */
  async enqueueDue(queue: Queue, today: string, triggeredBy: string): Promise<string[]> {
    const ids: string[] = [];
    for (const d of await this.duePeriods(today))
      ids.push(await enqueueClaimGeneration(queue, d.programmeId, d.periodEnd, triggeredBy));
    return ids;
  }

  /** Runs one generation job: the period's claims as of today; a programme closed meanwhile is skipped. */
  async generate(data: ClaimGenerationJobData): Promise<ClaimGenerationJobResult> {
    try {
      const r = await this.claims.generate(data.programmeId, { periodEnd: data.periodEnd });
      return {
        programmeId: r.programmeId,
        period: r.period.label,
        asOf: r.asOf,
        claims: r.claims.map((c) => ({
          payee: `${c.payee.type}:${c.payee.id}`,
          action: c.action,
          claimId: c.claim?.id ?? null,
          total: c.claim ? c.claim.total : null,
        })),
      };
    } catch (e) {
      if (e instanceof DomainError && e.code === 'SUBSIDY_PROGRAMME_CLOSED')
        return { programmeId: data.programmeId, period: data.periodEnd, skipped: 'PROGRAMME_CLOSED' };
      throw e;
    }
  }
}
