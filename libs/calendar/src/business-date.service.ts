import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { CobService } from '#libs/cob';
import { AppConfig, BusinessClock, BusinessClockStore, Clock, DomainError, RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { ReminderDeliveryService, ReminderSelectionService } from '#libs/reminders';
import { ReportingService } from '#libs/reporting';
import { addDays, isBusinessDate } from '#libs/schedules';
import { ClaimJobsService } from '#libs/subsidy';
import { advanceRefusal, daysBetween, DELIVERY_HOUR, instantAt, planOf, type DayStep } from './domain/days.js';
import { BusinessDaysStore } from './store/business-days.store.js';
import type { BusinessDayRow } from './store/rows.generated.js';

export interface BusinessDateView {
  /** The business date every decision of the API and the worker reads. */
  businessDate: string;
  /** The calendar date in the business time zone (what the business date is when nobody moved it). */
  calendarDate: string;
  timeZone: string;
  /** Whether this deployment lets an ADMIN move the date (BUSINESS_DATE_MOVABLE; never in production by default). */
  movable: boolean;
  /** Whether the date was moved (a stored date), and by whom and when. */
  moved: boolean;
  movedBy: string | null;
  movedAt: Date | null;
  /** The latest business days the clock ran, newest first. */
  recentDays: BusinessDayView[];
}

export interface BusinessDayView {
  businessDate: string;
  status: 'RUNNING' | 'DONE';
  steps: Record<string, unknown>;
  advancedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface AdvanceResult {
  from: string;
  to: string;
  /** The days run, in order: each one's close of business, reminders, subsidy periods ended and monthly report. */
  days: BusinessDayView[];
}

const dayView = (r: BusinessDayRow): BusinessDayView => ({
  businessDate: r.business_date,
  status: r.status,
  steps: r.steps as Record<string, unknown>,
  advancedBy: r.advanced_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/**
 * The business date (SPEC §2.7), Fineract's business-date model: in production the calendar date in the business
 * time zone; where configuration allows it, an ADMIN moves it forward and every day passed runs, in order and
 * idempotently, what the scheduled jobs of that night would have run:
 *   1. the close of business of the day that has just ended (ageing, penalties, calls, portfolio snapshots);
 *   2. the reminder selection of the new day and its delivery round (at the day's 10:00);
 *   3. claim generation of every subsidy programme period that ended the day before;
 *   4. on the 1st, the monthly report of the month that has just ended.
 * Each step records its result on the day's row; a day cut off half-way (a step refused, the process stopped) is
 * finished first by the next advance, skipping the steps already done. One advance at a time (an advisory lock).
 */
@Injectable()
export class BusinessDateService {
  private readonly logger = new Logger(BusinessDateService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly cob: CobService,
    private readonly selection: ReminderSelectionService,
    private readonly delivery: ReminderDeliveryService,
    private readonly claimJobs: ClaimJobsService,
    private readonly reports: ReportingService,
    private readonly days: BusinessDaysStore,
  ) {}

  private get businessClock(): BusinessClock | null {
    return this.clock instanceof BusinessClock ? this.clock : null;
  }

  get movable(): boolean {
    return this.businessClock?.isMovable ?? false;
  }

  async current(): Promise<BusinessDateView> {
    await this.clock.refresh();
    const m = this.dataSource.manager;
    const stored = this.movable ? await BusinessClockStore.read(m) : undefined;
    return {
      businessDate: this.clock.today(this.config.BUSINESS_TIMEZONE),
      calendarDate: this.businessClock?.calendarDate() ?? this.clock.today(this.config.BUSINESS_TIMEZONE),
      timeZone: this.config.BUSINESS_TIMEZONE,
      movable: this.movable,
      moved: stored !== undefined,
      movedBy: stored?.moved_by ?? null,
      movedAt: stored?.moved_at ?? null,
      recentDays: (await this.days.recent(m, 7)).map(dayView),
    };
  }

  private assertMovable(): BusinessClock {
    const clock = this.businessClock;
    if (!clock || !clock.isMovable) {
      throw new DomainError(
        'BUSINESS_DATE_NOT_MOVABLE',
        'the business date of this deployment is the calendar date and cannot be moved (BUSINESS_DATE_MOVABLE is off)',
      );
    }
    return clock;
  }

  /**
   * Starts the clock of a fresh sandbox at a date of its choosing (a rehearsal of a past or coming year): allowed only
   * while the books hold no journal entry; nothing is run for the days before it.
   */
  async start(date: string): Promise<BusinessDateView> {
    const clock = this.assertMovable();
    await this.withAdvanceLock(async () => {
      await this.dataSource.transaction(async (m) => {
        if (!(await this.days.ledgerEmpty(m))) {
          throw new DomainError('BUSINESS_DATE_INVALID', 'the books already hold entries: the business date can only be advanced', [
            { field: 'businessDate', code: 'BUSINESS_DATE_LEDGER_NOT_EMPTY', message: 'the ledger is not empty; use advance' },
          ]);
        }
        if (!isBusinessDate(date)) {
          throw new DomainError('BUSINESS_DATE_INVALID', `business date ${date} is not a calendar date`, [
            { field: 'businessDate', code: 'isCalendarDate', message: 'must be a calendar date YYYY-MM-DD' },
          ]);
        }
        const before = clock.today();
        await clock.moveTo(m, date, this.actorName());
        await this.audit.record(m, {
          action: 'BUSINESS_DATE_STARTED',
          entityType: 'business_clock',
          entityId: null,
          before: { businessDate: before },
          after: { businessDate: date },
        });
      });
      await clock.refresh();
    });
    return this.current();
  }

  /** Moves the business date forward to `to` (or by `days`), running every day passed. */
  async advance(input: { to?: string; days?: number }): Promise<AdvanceResult> {
    const clock = this.assertMovable();
    return this.withAdvanceLock(async () => {
      await clock.refresh();
      const from = clock.today();
      if (input.to !== undefined && input.days !== undefined) {
        throw new DomainError('BUSINESS_DATE_INVALID', 'give either `to` or `days`, not both', [
          { field: 'days', code: 'BUSINESS_DATE_TOO_FAR', message: 'give either to or days' },
        ]);
      }
      const to = input.to ?? addDays(from, input.days ?? 1);
      const refusal = advanceRefusal(from, to);
      if (refusal) {
        throw new DomainError('BUSINESS_DATE_INVALID', `cannot advance the business date from ${from} to ${to}`, [
          { field: input.to !== undefined ? 'to' : 'days', code: refusal.code, message: refusal.message },
        ]);
      }
      const ran: BusinessDayView[] = [];
      // A day cut off half-way is finished first (its date is already the business date).
      const unfinished = await this.days.unfinished(this.dataSource.manager);
      if (unfinished && unfinished.business_date <= from) ran.push(await this.runDay(unfinished.business_date));
      for (const day of daysBetween(from, to)) {
        await this.dataSource.transaction(async (m) => {
          await clock.moveTo(m, day, this.actorName());
          await this.days.begin(m, day, this.actorName());
        });
        await clock.refresh();
        ran.push(await this.runDay(day));
      }
      await this.dataSource.transaction(async (m) => {
        await this.audit.record(m, {
          action: 'BUSINESS_DATE_ADVANCED',
          entityType: 'business_clock',
          entityId: null,
          before: { businessDate: from },
          after: { businessDate: clock.today(), days: ran.length },
        });
      });
      return { from, to: clock.today(), days: ran };
    });
  }

  /** Runs the steps of one business day not yet done, in order; a step that fails stops the advance there. */
  private async runDay(day: string): Promise<BusinessDayView> {
    const plan = planOf(day);
    const row = (await this.days.get(this.dataSource.manager, day))!;
    const done = row.steps as Record<string, unknown>;
    const steps: [DayStep, () => Promise<unknown>][] = [
      ['COB', () => this.closeOfBusiness(plan.cobDate)],
      ['REMINDERS', () => this.reminders(day)],
      ['SUBSIDY', () => this.subsidyPeriods(day)],
    ];
    if (plan.reportMonth) steps.push(['REPORT', () => this.monthlyReport(plan.reportMonth!)]);
    for (const [step, work] of steps) {
      if (step in done) continue;
      let result: unknown;
      try {
        result = await RequestContext.run(
          { requestId: RequestContext.requestId() ?? `business-date:${day}`, actor: RequestContext.actor() ?? SYSTEM_ACTOR },
          work,
        );
      } catch (e) {
        this.logger.error({ day, step, err: (e as Error).message }, 'business day step failed');
        throw new DomainError(
          'BUSINESS_DAY_FAILED',
          `business date ${day}: step ${step} failed (${(e as Error).message}); advance again to finish the day`,
        );
      }
      await this.days.stepDone(this.dataSource.manager, day, step, result);
    }
    await this.days.finish(this.dataSource.manager, day);
    return dayView((await this.days.get(this.dataSource.manager, day))!);
  }

  /** The close of business of `date`; a run the worker holds at that moment (its nightly tick) is waited for. */
  private async closeOfBusiness(date: string): Promise<unknown> {
    let run: Awaited<ReturnType<CobService['run']>> | undefined;
    for (let attempt = 0; !run; attempt++) {
      try {
        run = await this.cob.run(date, { triggeredBy: 'business-date' });
      } catch (e) {
        if (!(e instanceof DomainError && e.code === 'COB_ALREADY_RUNNING') || attempt >= 60) throw e;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return { businessDate: run.businessDate, status: run.status, loansProcessed: run.loansProcessed, callsRaised: run.callsRaised };
  }

  /**
   * The day's reminder selection, then its delivery round at the day's 10:00: a passed day's reminders go out on that
   * day, as the worker would have sent them, instead of reaching the worker after their window closed. The worker's jobs
   * for the same reminders find them settled (exactly once in the outbox).
   */
  private async reminders(day: string): Promise<unknown> {
    const r = await this.selection.run({ businessDate: day, trigger: 'SCHEDULE' });
    const delivered = await this.delivery.deliverWaiting(day, instantAt(day, DELIVERY_HOUR, this.config.BUSINESS_TIMEZONE));
    return { runId: r.runId, selected: r.selected, ...delivered };
  }

  /** Claims of the programme periods that ended the day before (what the 03:00 tick of `day` generates). */
  private async subsidyPeriods(day: string): Promise<unknown> {
    const ended = addDays(day, -1);
    const out: unknown[] = [];
    for (const p of await this.claimJobs.duePeriods(day)) {
      if (p.periodEnd !== ended) continue;
      out.push(await this.claimJobs.generate({ ...p, triggeredBy: 'business-date' }));
    }
    return out;
  }

  private async monthlyReport(month: string): Promise<unknown> {
    const r = await this.reports.generate(month, 'business-date');
    return { month, action: r.action, version: r.snapshot.version };
  }

  private actorName(): string {
    return (RequestContext.actor() ?? SYSTEM_ACTOR).username;
  }

  private async withAdvanceLock<T>(work: () => Promise<T>): Promise<T> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      if (!(await this.days.tryLock(qr.manager))) {
        throw new DomainError('BUSINESS_DATE_ADVANCING', 'the business date is being moved by another request; try again when it has finished');
      }
      try {
        return await work();
      } finally {
        await this.days.unlock(qr.manager);
      }
    } finally {
      await qr.release();
    }
  }
}
