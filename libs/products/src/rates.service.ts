import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { BenchmarkRateRow } from './store/rows.generated.js';
import { RatesStore } from './store/rates.store.js';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  Clock,
  DomainError,
  RequestContext,
  SYSTEM_ACTOR,
  type FieldError,
  type Page,
  type PageQuery,
  ID_PATTERN as ID,
} from '#libs/common';
import { compareDecimal, parseDecimal } from '#libs/money';
import { MAX_RATE_DECIMALS, MAX_RATE_PERCENT, MAX_TERM_MONTHS } from './domain/definition.js';
import { normalizePercent } from './domain/percent.js';
import { isBusinessDate } from './domain/rate-bands.js';

export interface BenchmarkRateInput {
  termMinMonths: number;
  termMaxMonths: number;
  ratePercent: string;
  effectiveFrom: string;
  note?: string | null;
}

export interface BenchmarkRateView {
  id: string;
  termMinMonths: number;
  termMaxMonths: number;
  /** Percent per year, shortest exact form ("4.35"). */
  ratePercent: string;
  effectiveFrom: string;
  note: string | null;
  createdBy: string;
  createdAt: string;
  withdrawn: boolean;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawalReason: string | null;
}

export interface RateInForce {
  termMonths: number;
  date: string;
  ratePercent: string;
  rateId: string;
  termMinMonths: number;
  termMaxMonths: number;
  effectiveFrom: string;
}

export interface BenchmarkRateFilter {
  termMonths?: number;
  from?: string;
  to?: string;
  includeWithdrawn?: boolean;
}

type RateRow = BenchmarkRateRow;

const toView = (r: RateRow): BenchmarkRateView => ({
  id: r.id,
  termMinMonths: r.term_min_months,
  termMaxMonths: r.term_max_months,
  ratePercent: normalizePercent(r.rate_percent),
  effectiveFrom: r.effective_from,
  note: r.note,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  withdrawn: r.withdrawn_at !== null,
  withdrawnAt: r.withdrawn_at ? new Date(r.withdrawn_at).toISOString() : null,
  withdrawnBy: r.withdrawn_by,
  withdrawalReason: r.withdrawal_reason,
});

const isExclusionViolation = (e: unknown): boolean => {
  const err = e as { code?: string; driverError?: { code?: string } };
  return (err?.code ?? err?.driverError?.code) === '23P01';
};

/**
 * The effective-dated benchmark rate table (基准利率) by term band. Rows are history: a new rate is a new row from
 * its effective date; a row can only be withdrawn before it takes effect (a correction of an announcement), and
 * the database refuses any other change. For a term and a date, the rate in force is the latest row on or before
 * that date whose band holds the term; each band keeps its own history.
 */
@Injectable()
export class RatesService {
  private readonly timeZone: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Optional() config?: AppConfig,
    private readonly store: RatesStore = new RatesStore(),
  ) {
    this.timeZone = config?.BUSINESS_TIMEZONE ?? 'Asia/Shanghai';
  }

  today(): string {
    return this.clock.today(this.timeZone);
  }

  /** The benchmark rate (percent per year, exact decimal string) in force for a term on a date. */
  async rateFor(termMonths: number, date: string, manager?: EntityManager): Promise<string> {
    return (await this.inForce(termMonths, date, manager)).ratePercent;
  }

  /** The row in force for a term on a date, or BENCHMARK_RATE_NOT_IN_FORCE (no band holds the term, or none yet). */
  async inForce(termMonths: number, date: string, manager?: EntityManager): Promise<RateInForce> {
    const errors: FieldError[] = [];
    if (!Number.isInteger(termMonths) || termMonths < 1 || termMonths > MAX_TERM_MONTHS) {
      errors.push({
        field: 'termMonths',
        code: 'INVALID',
        message: `termMonths must be an integer from 1 to ${MAX_TERM_MONTHS}`,
      });
    }
    if (!isBusinessDate(date))
      errors.push({
        field: 'date',
        code: 'INVALID',
        message: 'date must be a calendar date written YYYY-MM-DD',
      });
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid benchmark rate lookup', errors);

    const m = manager ?? this.dataSource.manager;
    const row = await this.store.inForce(m, termMonths, date);
    if (!row) {
      const first = await this.store.firstEffective(m, termMonths);
      const detail = first
        ? `no benchmark rate for a ${termMonths}-month term was in force on ${date}; the first took effect on ${first}`
        : `no benchmark rate band holds a ${termMonths}-month term`;
      throw new DomainError('BENCHMARK_RATE_NOT_IN_FORCE', detail, [], { termMonths, date });
    }
    return {
      termMonths,
      date,
      ratePercent: normalizePercent(row.rate_percent),
      rateId: row.id,
      termMinMonths: row.term_min_months,
      termMaxMonths: row.term_max_months,
      effectiveFrom: row.effective_from,
    };
  }

  /**
   * Adds a rate from its effective date. Bands of one effective date may not overlap (checked here for a clear
   * answer, and by an exclusion constraint against concurrent inserts). A back-dated row changes what was in force
   * in the past, so it must say why (`note`); loans already made keep the rate they were contracted at.
   */
  async create(input: BenchmarkRateInput, manager?: EntityManager): Promise<BenchmarkRateView> {
    const errors = this.validate(input);
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid benchmark rate', errors);
    const work = async (m: EntityManager) => {
      const overlapping = await this.store.overlapping(
        m,
        input.effectiveFrom,
        input.termMinMonths,
        input.termMaxMonths,
      );
      if (overlapping.length) throw this.overlapError(input, overlapping);
      let row: RateRow;
      try {
        // a concurrent insert of an overlapping band passed the check above too: the constraint decides
        row = await this.store.insert(m, {
          termMinMonths: input.termMinMonths,
          termMaxMonths: input.termMaxMonths,
          ratePercent: input.ratePercent,
          effectiveFrom: input.effectiveFrom,
          note: input.note ?? null,
          createdBy: this.actor(),
        });
      } catch (e) {
        if (isExclusionViolation(e)) throw this.overlapError(input, []);
        throw e;
      }
      const view = toView(row);
      await this.audit.record(m, {
        action: 'BENCHMARK_RATE_CREATED',
        entityType: 'benchmark_rate',
        entityId: view.id,
        after: view,
      });
      return view;
    };
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  /** Withdraws a row that has not taken effect yet (once in force, a rate is history and a new row replaces it). */
  async withdraw(id: string, reason: string): Promise<BenchmarkRateView> {
    this.checkId(id);
    return this.dataSource.transaction(async (m) => {
      const row = await this.store.find(m, id, true);
      if (!row) throw new DomainError('NOT_FOUND', `benchmark rate ${id} not found`);
      if (row.withdrawn_at)
        throw new DomainError('BENCHMARK_RATE_WITHDRAWN', `benchmark rate ${id} is already withdrawn`);
      const today = this.today();
      if (row.effective_from <= today) {
        throw new DomainError(
          'BENCHMARK_RATE_ALREADY_EFFECTIVE',
          `benchmark rate ${id} took effect on ${row.effective_from}: it is history and cannot be withdrawn; add a new effective-dated row instead`,
        );
      }
      const before = toView(row);
      const after = toView(await this.store.withdraw(m, id, this.actor(), reason));
      await this.audit.record(m, {
        action: 'BENCHMARK_RATE_WITHDRAWN',
        entityType: 'benchmark_rate',
        entityId: id,
        before,
        after,
      });
      return after;
    });
  }

  async get(id: string): Promise<BenchmarkRateView> {
    this.checkId(id);
    const row = await this.store.find(this.dataSource.manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `benchmark rate ${id} not found`);
    return toView(row);
  }

  /** Newest effective date first, then by band. */
  async list(filter: BenchmarkRateFilter, page: PageQuery): Promise<Page<BenchmarkRateView>> {
    const m = this.dataSource.manager;
    const total = await this.store.count(m, filter);
    const rows = await this.store.page(m, filter, page);
    return { items: rows.map(toView), page: page.page, pageSize: page.pageSize, total };
  }

  private validate(input: BenchmarkRateInput): FieldError[] {
    const errors: FieldError[] = [];
    const term = (field: 'termMinMonths' | 'termMaxMonths') => {
      const v = input[field];
      const ok = Number.isInteger(v) && v >= 1 && v <= MAX_TERM_MONTHS;
      if (!ok)
        errors.push({
          field,
          code: 'INVALID',
          message: `${field} must be an integer from 1 to ${MAX_TERM_MONTHS}`,
        });
      return ok;
    };
    if (term('termMinMonths') && term('termMaxMonths') && input.termMaxMonths < input.termMinMonths) {
      errors.push({
        field: 'termMaxMonths',
        code: 'TERM_MAX_BELOW_MIN',
        message: 'termMaxMonths may not be below termMinMonths',
      });
    }
    const d = typeof input.ratePercent === 'string' ? parseDecimal(input.ratePercent) : null;
    if (
      !d ||
      d.units < 0n ||
      d.scale > MAX_RATE_DECIMALS ||
      compareDecimal(input.ratePercent, MAX_RATE_PERCENT) > 0
    ) {
      errors.push({
        field: 'ratePercent',
        code: 'INVALID',
        message: `ratePercent must be a decimal string of percent per year from 0 to ${MAX_RATE_PERCENT} with at most ${MAX_RATE_DECIMALS} decimals`,
      });
    }
    if (!isBusinessDate(input.effectiveFrom)) {
      errors.push({
        field: 'effectiveFrom',
        code: 'INVALID',
        message: 'effectiveFrom must be a calendar date written YYYY-MM-DD',
      });
    } else if (input.effectiveFrom < this.today() && !input.note?.trim()) {
      errors.push({
        field: 'note',
        code: 'BACKDATED_NEEDS_NOTE',
        message:
          'a back-dated rate (effectiveFrom before today) changes what was in force in the past: say why in note',
      });
    }
    return errors;
  }

  private overlapError(
    input: BenchmarkRateInput,
    rows: { id: string; term_min_months: number; term_max_months: number }[],
  ) {
    const bands = rows.map((r) => `${r.term_min_months}-${r.term_max_months} (id ${r.id})`).join(', ');
    const message = `overlaps ${bands || 'another band'} effective ${input.effectiveFrom}`;
    return new DomainError(
      'BENCHMARK_BAND_OVERLAP',
      `band ${input.termMinMonths}-${input.termMaxMonths} months ${message}: bands of one effective date may not overlap`,
      [
        { field: 'termMinMonths', code: 'BAND_OVERLAP', message },
        { field: 'termMaxMonths', code: 'BAND_OVERLAP', message },
      ],
      { conflictingRateIds: rows.map((r) => r.id) },
    );
  }

  private checkId(id: string): void {
    if (!ID.test(id))
      throw new DomainError('VALIDATION_FAILED', 'id must be a positive integer', [
        { field: 'id', code: 'INVALID', message: 'must be a positive integer' },
      ]);
  }

  private actor(): string {
    return (RequestContext.actor() ?? SYSTEM_ACTOR).username;
  }
}
