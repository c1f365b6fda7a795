import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DEFAULT_MATCHING_RATIO, districtCompliance } from '#libs/funding';
import { AppConfig, canonicalJson, Clock, currentArea, DomainError, RequestContext, sha256, type Page, type PageQuery } from '#libs/common';
import { formatYuan } from '#libs/money';
import { addMonths, isMonth, monthBounds, monthOf, monthsEnding } from './domain/month.js';
import {
  assembleMonth,
  buildReport,
  DEFAULT_LEVERAGE_MULTIPLE,
  type MatchingRules,
  reportTotals,
  type MonthlyReportData,
} from './domain/report.js';
import { diffMonthly, type ReportDiff } from './domain/diff.js';
import type { RankedDistrict } from './domain/ranking.js';
import { fraction, ratioText } from './domain/ratios.js';
import { ReportStore, type LateEntryRow, type LateLoanFactRow, type SnapshotRow } from './store/report.store.js';

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

/** A journal entry dated in or before the month and recorded after the previous version was generated. */
export interface LateEntry {
  id: string;
  code: string;
  /** The entry's business date: the value date of the money movement. */
  valueDate: string;
  /** When it was recorded (journal_entries.created_at). */
  recordedAt: string;
  memo: string | null;
  /** The ledger accounts it posted to. */
  accounts: string[];
}

/** A covered loan's fact recorded after the previous version and dated in or before the month (not a ledger read). */
export interface LateLoanFact {
  kind: 'BANK_REPAYMENT_REPORT' | 'COVERED_LOAN_REGISTRATION';
  /** The report's id (covered_loan_reports) or, for a registration, the loan's. */
  id: string;
  loanId: string;
  loanNo: string;
  bankId: string | null;
  /** The repayment's as-of date, or the loan's disbursement date. */
  date: string;
  principal: string;
  interest: string;
  /** The ledger entry it caused, when there is one (also listed in lateEntries when in the window). */
  entryId: string | null;
  recordedAt: string;
}

/** What a version changed against the one before it, and what was recorded in between that caused it. */
export interface VersionChanges {
  version: number;
  /** null for the first version of a month (nothing to compare with). */
  previousVersion: number | null;
  /** Figures that differ from the previous version (null for the first version). */
  changes: ReportDiff | null;
  lateEntries: LateEntry[];
  /** How many late entries there are (the list holds at most LATE_ENTRY_CAP, oldest first). */
  lateEntriesTotal: number;
  lateLoanFacts: LateLoanFact[];
}

export type VersionWithChanges = SnapshotSummary & Omit<VersionChanges, 'version'>;

/** At most this many late entries are listed per version. */
export const LATE_ENTRY_CAP = 500;

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

function lateEntry(r: LateEntryRow): LateEntry {
  return { id: r.id, code: r.code, valueDate: r.value_date, recordedAt: new Date(r.recorded_at).toISOString(), memo: r.memo, accounts: r.accounts };
}

function lateLoanFact(r: LateLoanFactRow): LateLoanFact {
  return {
    kind: r.kind,
    id: r.id,
    loanId: r.loan_id,
    loanNo: r.loan_no,
    bankId: r.bank_id,
    date: r.fact_date,
    principal: formatYuan(BigInt(r.principal_fen)),
    interest: formatYuan(BigInt(r.interest_fen)),
    entryId: r.entry_id,
    recordedAt: new Date(r.recorded_at).toISOString(),
  };
}

const byVersion = <T extends { version: number }>(rows: T[]): Map<number, T[]> => {
  const out = new Map<number, T[]>();
  for (const r of rows) out.set(r.version, [...(out.get(r.version) ?? []), r]);
  return out;
};

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
export function scopeReport(data: MonthlyReportData, bankId: string | null, area: ReportArea | null = null): MonthlyReportData {
  if (area) return areaReport(data, area);
  if (bankId === null) return data;
  const banks = data.banks.filter((b) => b.bankId === bankId);
  return { ...data, districts: [], funds: [], ranking: [], banks, totals: { ...data.totals, ...Object.fromEntries(Object.keys(data.totals).map((k) => [k, null])) } as MonthlyReportData['totals'] };
}

/** A reader's area as the report needs it: a district, or the villages of a town or a village. */
export type ReportArea = { districtId: string } | { villageIds: Set<string> };

/**
 * A district's staff see their district: its row, its banks' rows, its funds, its own line of the ranking (its rank
 * among all districts is the city's published order) and totals summed over that one row, so every figure still
 * adds up. A town's or village's staff see their funds only: the district and bank figures are district-wide.
 */
export function areaReport(data: MonthlyReportData, area: ReportArea): MonthlyReportData {
  if ('districtId' in area) {
    const districts = data.districts.filter((d) => d.districtId === area.districtId);
    return {
      ...data,
      districts,
      banks: data.banks.filter((b) => b.districtId === area.districtId),
      funds: data.funds.filter((f) => f.districtId === area.districtId),
      ranking: data.ranking.filter((r) => r.districtId === area.districtId),
      totals: reportTotals(districts),
    };
  }
  return {
    ...data,
    districts: [],
    banks: [],
    ranking: [],
    funds: data.funds.filter((f) => area.villageIds.has(f.villageId)),
    totals: Object.fromEntries(Object.keys(data.totals).map((k) => [k, null])) as unknown as MonthlyReportData['totals'],
  };
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

  /**
   * Every stored version of a month, newest first, each with what changed against the version before it and the
   * late facts recorded between the two (see versionChanges).
   */
  async versions(month: string): Promise<VersionWithChanges[]> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const bank = scopedBank();
    const m = this.dataSource.manager;
    const rows = await this.store.versionsWithData(m, REPORT_KIND, month);
    if (rows.length === 0) return [];
    const end = monthBounds(month).end;
    const entries = byVersion(await this.store.lateEntries(m, REPORT_KIND, month, end, null, bank, LATE_ENTRY_CAP));
    const facts = byVersion(await this.store.lateLoanFacts(m, REPORT_KIND, month, end, null, bank));
    return rows
      .map((row, i) => {
        const c = this.changesOf(row, i > 0 ? rows[i - 1] : null, entries.get(row.version) ?? [], facts.get(row.version) ?? [], bank);
        return { ...summary(row), previousVersion: c.previousVersion, changes: c.changes, lateEntries: c.lateEntries, lateEntriesTotal: c.lateEntriesTotal, lateLoanFacts: c.lateLoanFacts };
      })
      .reverse();
  }

  /**
   * What one stored version changed against the previous one (null for version 1): the figures that differ and the
   * late facts recorded in between (entries dated on or before the month end recorded after the previous version was
   * generated and by this one; likewise covered loans' repayment reports and registrations). A BANK_OFFICER sees the
   * changes of its own rows and the entries that touched its agreements.
   *
   * The diff is computed on read from the two stored snapshots rather than stored at generation: the snapshots are
   * immutable, so the diff is a pure function of stored facts and always the same; report_snapshots stays
   * append-only with one shape, the scoping for a bank applies to the diff as it does to the data, and a better diff
   * later needs no backfill.
   */
  async versionChanges(month: string, version: number): Promise<VersionChanges> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const bank = scopedBank();
    const m = this.dataSource.manager;
    const row = await this.store.withData(m, REPORT_KIND, month, version);
    if (!row) throw new DomainError('NOT_FOUND', `report ${month} version ${version} not found`);
    const prev = version > 1 ? await this.store.withData(m, REPORT_KIND, month, version - 1) : undefined;
    const end = monthBounds(month).end;
    const entries = version > 1 ? await this.store.lateEntries(m, REPORT_KIND, month, end, version, bank, LATE_ENTRY_CAP) : [];
    const facts = version > 1 ? await this.store.lateLoanFacts(m, REPORT_KIND, month, end, version, bank) : [];
    return this.changesOf(row, prev ?? null, entries, facts, bank);
  }

  private changesOf(row: SnapshotRow, prev: SnapshotRow | null, entries: LateEntryRow[], facts: LateLoanFactRow[], bank: string | null): VersionChanges {
    return {
      version: row.version,
      previousVersion: prev?.version ?? null,
      changes: prev ? diffMonthly(scopeReport(prev.data!, bank), scopeReport(row.data!, bank)) : null,
      lateEntries: entries.map(lateEntry),
      lateEntriesTotal: entries[0]?.total ?? 0,
      lateLoanFacts: facts.map(lateLoanFact),
    };
  }

  /** A stored report (the latest version unless one is asked for), scoped to the caller's bank. */
  async get(month: string, version?: number): Promise<SnapshotView> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const row = await this.store.withData(this.dataSource.manager, REPORT_KIND, month, version ?? null);
    if (!row) throw new DomainError('NOT_FOUND', version ? `report ${month} version ${version} not found` : `no report stored for ${month}: generate it first`);
    return { ...summary(row), data: scopeReport(row.data!, scopedBank(), await this.readerArea()) };
  }

  /** The caller's area as the report filters by it (null: the whole city). */
  private async readerArea(): Promise<ReportArea | null> {
    const area = currentArea();
    if (!area) return null;
    if (area.kind === 'DISTRICT') return { districtId: area.districtId };
    if (area.kind === 'VILLAGE') return { villageIds: new Set([area.id]) };
    return { villageIds: new Set(await this.store.villagesOfTown(this.dataSource.manager, area.id)) };
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
