import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DEFAULT_MATCHING_RATIO, districtCompliance } from '#libs/funding';
import { AppConfig, canonicalJson, Clock, DomainError, RequestContext, sha256, type Page, type PageQuery } from '#libs/common';
import { addMonths, isMonth, monthBounds, monthOf, monthsEnding } from './domain/month.js';
import {
  assembleMonth,
  buildReport,
  DEFAULT_LEVERAGE_MULTIPLE,
  type MatchingRules,
  type MonthlyReportData,
} from './domain/report.js';
import type { RankedDistrict } from './domain/ranking.js';
import { fraction, ratioText } from './domain/ratios.js';
import { ReportStore, type SnapshotRow } from './store/report.store.js';

const MATCHING_RULES: MatchingRules = { districtCompliance, defaultMatchingRatio: DEFAULT_MATCHING_RATIO };

export const REPORT_KIND = 'MONTHLY';

export interface SnapshotSummary {
  id: string;
  kind: string;
  month: string;
  version: number;
  generatedAt: string;
  generatedBy: string;
  hash: string;
  supersedes: string | null;
  /** True for the newest version of its month. */
  latest: boolean;
}

export interface SnapshotView extends SnapshotSummary {
  data: MonthlyReportData;
}

export interface GenerateResult {
  /** CREATED: first report of the month; VERSIONED: the month's data changed; UNCHANGED: same content, nothing stored. */
  action: 'CREATED' | 'VERSIONED' | 'UNCHANGED';
  snapshot: SnapshotView;
}

export interface LeverageSeries {
  months: string[];
  districts: { districtId: string; districtCode: string; districtName: string; cap: string; ratios: (string | null)[] }[];
}


function summary(r: SnapshotRow): SnapshotSummary {
  return {
    id: r.id,
    kind: r.kind,
    month: r.period,
    version: r.version,
    generatedAt: new Date(r.generated_at).toISOString(),
    generatedBy: r.generated_by,
    hash: r.hash,
    supersedes: r.supersedes,
    latest: r.latest,
  };
}

/** The bank a BANK_OFFICER (or bank API key) is bound to; null for every other role. */
function scopedBank(): string | null {
  const actor = RequestContext.actor();
  if (actor?.role !== 'BANK_OFFICER') return null;
  if (actor.bankId === null || actor.bankId === undefined) throw new DomainError('FORBIDDEN', 'this bank officer is bound to no bank');
  return String(actor.bankId);
}

/**
 * A bank sees only its own rows: the bank section filtered to it. District, fund and ranking figures mix every bank's
 * business, so they are left out for a bank rather than shown in part.
 */
export function scopeReport(data: MonthlyReportData, bankId: string | null): MonthlyReportData {
  if (bankId === null) return data;
  const banks = data.banks.filter((b) => b.bankId === bankId);
  return { ...data, districts: [], funds: [], ranking: [], banks, totals: { ...data.totals, ...Object.fromEntries(Object.keys(data.totals).map((k) => [k, null])) } as MonthlyReportData['totals'] };
}

/**
 * The monthly leverage-ratio report (SPEC §3, issue 8): computed from ledger facts and the loan book with set-based
 * SQL, stored as append-only versioned snapshots, and read back per role.
 */
@Injectable()
export class ReportingService {
  /** Stateless: the service keeps its own (tests and benches construct the service by hand). */
  private readonly store = new ReportStore();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** The current business month; a month is reportable once it has ended. */
  private currentMonth(): string {
    return monthOf(this.clock.today(this.config.BUSINESS_TIMEZONE));
  }

  private assertReportable(month: unknown): asserts month is string {
    if (!isMonth(month)) {
      throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be a calendar month YYYY-MM' }]);
    }
    const current = this.currentMonth();
    if (month >= current) {
      throw new DomainError('REPORT_MONTH_INVALID', `the report of ${month} is made once the month has ended (current month ${current})`, [
        { field: 'month', code: 'NOT_ENDED', message: `month must be before ${current}` },
      ]);
    }
  }

  /**
   * Computes a month's report without storing it: one REPEATABLE READ, read-only transaction, so every query sees
   * the same committed state; the previous month is computed in the same view for the ranking's month-on-month change.
   */
  async compute(month: string): Promise<MonthlyReportData> {
    if (!isMonth(month)) throw new RangeError(`not a month: ${month}`);
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      await this.store.readOnly(m);
      return this.computeIn(m, month);
    });
  }

  async computeIn(m: EntityManager, month: string): Promise<MonthlyReportData> {
    const cur = monthBounds(month);
    const prevMonth = addMonths(month, -1);
    const prev = monthBounds(prevMonth);
    const current = assembleMonth(month, await this.store.figures(m, cur.start, cur.end), MATCHING_RULES);
    const previous = assembleMonth(prevMonth, await this.store.figures(m, prev.start, prev.end), MATCHING_RULES);
    return buildReport(current, previous);
  }

  /**
   * Generates and stores a month's report. Equal content (the same hash) keeps the stored version; changed content
   * (the month's data was corrected) stores a new version beside the old one. The store runs under a per-month
   * advisory lock, so two generators at once (two workers, a worker and an administrator) store at most one version.
   */
  async generate(month: string, generatedBy?: string): Promise<GenerateResult> {
    this.assertReportable(month);
    const data = await this.compute(month);
    const hash = sha256(canonicalJson(data));
    const by = generatedBy ?? RequestContext.actor()?.username ?? 'system';
    return this.dataSource.transaction(async (m) => {
      await this.store.lockPeriod(m, REPORT_KIND, month);
      const latest = await this.store.latestVersion(m, REPORT_KIND, month);
      if (latest && latest.hash === hash) {
        return { action: 'UNCHANGED' as const, snapshot: { ...summary(latest), data } };
      }
      const row = await this.store.insert(m, {
        kind: REPORT_KIND,
        period: month,
        version: (latest?.version ?? 0) + 1,
        generatedBy: by,
        data,
        hash,
        supersedes: latest?.id ?? null,
      });
      await this.audit.record(m, {
        action: latest ? 'REPORT_VERSIONED' : 'REPORT_GENERATED',
        entityType: 'report_snapshot',
        entityId: row.id,
        before: latest ? { id: latest.id, version: latest.version, hash: latest.hash } : null,
        after: { kind: REPORT_KIND, month, version: row.version, hash },
      });
      return { action: latest ? ('VERSIONED' as const) : ('CREATED' as const), snapshot: { ...summary(row), data } };
    });
  }

  /** Stored snapshots, newest month and version first; filters by month range and latest versions only. */
  async list(filter: { from?: string; to?: string; latestOnly?: boolean }, page: PageQuery): Promise<Page<SnapshotSummary>> {
    const rows = await this.store.page(this.dataSource.manager, REPORT_KIND, filter, page);
    return { ...rows, items: rows.items.map(summary) };
  }

  /** Every stored version of a month, newest first. */
  async versions(month: string): Promise<SnapshotSummary[]> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    return (await this.store.versions(this.dataSource.manager, REPORT_KIND, month)).map(summary);
  }

  /** A stored report (the latest version unless one is asked for), scoped to the caller's bank. */
  async get(month: string, version?: number): Promise<SnapshotView> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const row = await this.store.withData(this.dataSource.manager, REPORT_KIND, month, version ?? null);
    if (!row) throw new DomainError('NOT_FOUND', version ? `report ${month} version ${version} not found` : `no report stored for ${month}: generate it first`);
    return { ...summary(row), data: scopeReport(row.data!, scopedBank()) };
  }

  /** The district ranking of a stored month (latest version unless one is asked for). */
  async ranking(month: string, version?: number): Promise<{ month: string; version: number; ranking: RankedDistrict[] }> {
    const s = await this.get(month, version);
    return { month, version: s.version, ranking: s.data.ranking };
  }

  /**
   * Leverage ratio per district at each of the `count` month ends up to `month` (for the chart): one set-based
   * query over the month ends, balances replayed from the postings (balance now − postings after each month end).
   */
  async leverageSeries(month: string, count = 12): Promise<LeverageSeries> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const months = monthsEnding(month, count);
    const ends = months.map((x) => monthBounds(x).end);
    const rows = await this.store.leverageAtMonthEnds(this.dataSource.manager, ends);
    const byDistrict = new Map<string, LeverageSeries['districts'][number]>();
    for (const r of rows) {
      let d = byDistrict.get(r.district_id);
      if (!d) {
        const cap = r.cap ? r.cap.replace(/\.?0+$/, '') : DEFAULT_LEVERAGE_MULTIPLE;
        d = { districtId: r.district_id, districtCode: r.code, districtName: r.name, cap, ratios: months.map(() => null) };
        byDistrict.set(r.district_id, d);
      }
      d.ratios[ends.indexOf(r.month_end)] = ratioText(fraction(BigInt(r.covered), BigInt(r.balance)));
    }
    return { months, districts: [...byDistrict.values()] };
  }
}
