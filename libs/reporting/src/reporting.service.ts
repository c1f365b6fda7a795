import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DEFAULT_MATCHING_RATIO, districtCompliance } from '#libs/funding';
import { AppConfig, canonicalJson, Clock, DomainError, offsetOf, queryOne, queryRows, RequestContext, sha256, type Page, type PageQuery } from '#libs/common';
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
import { readFigures } from './report.queries.js';

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

interface SnapshotRow {
  id: string;
  kind: string;
  period: string;
  version: number;
  generated_at: Date;
  generated_by: string;
  hash: string;
  supersedes: string | null;
  latest: boolean;
  data?: MonthlyReportData;
}

const SELECT_SNAPSHOT = `
  SELECT s.id::text, s.kind, s.period, s.version, s.generated_at, s.generated_by, s.hash, s.supersedes::text,
         NOT EXISTS (SELECT 1 FROM report_snapshots n WHERE n.supersedes = s.id) AS latest`;

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
      await m.query('SET TRANSACTION READ ONLY');
      return this.computeIn(m, month);
    });
  }

  async computeIn(m: EntityManager, month: string): Promise<MonthlyReportData> {
    const cur = monthBounds(month);
    const prevMonth = addMonths(month, -1);
    const prev = monthBounds(prevMonth);
    const current = assembleMonth(month, await readFigures(m, cur.start, cur.end), MATCHING_RULES);
    const previous = assembleMonth(prevMonth, await readFigures(m, prev.start, prev.end), MATCHING_RULES);
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
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('report_snapshots'), hashtext($1))`, [`${REPORT_KIND}:${month}`]);
      const latest = await queryOne<SnapshotRow>(
        m,
        `${SELECT_SNAPSHOT} FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 ORDER BY s.version DESC LIMIT 1`,
        [REPORT_KIND, month],
      );
      if (latest && latest.hash === hash) {
        return { action: 'UNCHANGED' as const, snapshot: { ...summary(latest), data } };
      }
      const [row] = await queryRows<SnapshotRow>(
        m,
        `INSERT INTO report_snapshots (kind, period, version, generated_by, data, hash, supersedes)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
         RETURNING id::text, kind, period, version, generated_at, generated_by, hash, supersedes::text, true AS latest`,
        [REPORT_KIND, month, (latest?.version ?? 0) + 1, by, JSON.stringify(data), hash, latest?.id ?? null],
      );
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
    const where = ['s.kind = $1'];
    const params: unknown[] = [REPORT_KIND];
    if (filter.from) where.push(`s.period >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`s.period <= $${params.push(filter.to)}`);
    if (filter.latestOnly) where.push('NOT EXISTS (SELECT 1 FROM report_snapshots n WHERE n.supersedes = s.id)');
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ n }] = await queryRows<{ n: number }>(m, `SELECT count(*)::int AS n FROM report_snapshots s WHERE ${clause}`, params);
    const rows = await queryRows<SnapshotRow>(
      m,
      `${SELECT_SNAPSHOT} FROM report_snapshots s WHERE ${clause} ORDER BY s.period DESC, s.version DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(summary), page: page.page, pageSize: page.pageSize, total: n };
  }

  /** Every stored version of a month, newest first. */
  async versions(month: string): Promise<SnapshotSummary[]> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const rows = await queryRows<SnapshotRow>(
      this.dataSource.manager,
      `${SELECT_SNAPSHOT} FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 ORDER BY s.version DESC`,
      [REPORT_KIND, month],
    );
    return rows.map(summary);
  }

  /** A stored report (the latest version unless one is asked for), scoped to the caller's bank. */
  async get(month: string, version?: number): Promise<SnapshotView> {
    if (!isMonth(month)) throw new DomainError('REPORT_MONTH_INVALID', 'month must be YYYY-MM', [{ field: 'month', code: 'FORMAT', message: 'month must be YYYY-MM' }]);
    const row = await queryOne<SnapshotRow>(
      this.dataSource.manager,
      `${SELECT_SNAPSHOT}, s.data FROM report_snapshots s WHERE s.kind = $1 AND s.period = $2 AND ($3::int IS NULL OR s.version = $3)
        ORDER BY s.version DESC LIMIT 1`,
      [REPORT_KIND, month, version ?? null],
    );
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
    const rows = await queryRows<{ district_id: string; code: string; name: string; cap: string | null; month_end: string; balance: string; covered: string }>(
      this.dataSource.manager,
      `WITH ends AS (SELECT unnest($1::date[]) AS month_end),
       acc AS (
         SELECT a.id, a.balance_fen, a.normal_side, rf.district_id,
                CASE WHEN a.code LIKE 'RF:%' THEN 'B' ELSE 'C' END AS what
           FROM risk_funds rf
           JOIN ledger_accounts a ON a.code = 'RF:' || rf.id || ':BALANCE'
                                  OR a.code IN (SELECT 'GA:' || ga.id || ':EXPOSURE:OUTSTANDING' FROM guarantee_agreements ga WHERE ga.risk_fund_id = rf.id)
       ), after AS (
         SELECT ends.month_end, acc.id,
                coalesce(sum(CASE WHEN p.side = acc.normal_side THEN p.amount_fen ELSE -p.amount_fen END), 0) AS after_fen
           FROM ends CROSS JOIN acc
           LEFT JOIN (ledger_postings p JOIN journal_entries e ON e.id = p.entry_id)
                  ON p.account_id = acc.id AND e.business_date > ends.month_end
          GROUP BY ends.month_end, acc.id
       )
       SELECT d.id::text AS district_id, d.code, d.name,
              (SELECT max(ga.leverage_multiple)::text FROM guarantee_agreements ga JOIN risk_funds r ON r.id = ga.risk_fund_id WHERE r.district_id = d.id) AS cap,
              to_char(af.month_end, 'YYYY-MM-DD') AS month_end,
              coalesce(sum(acc.balance_fen - af.after_fen) FILTER (WHERE acc.what = 'B'), 0)::text AS balance,
              coalesce(sum(acc.balance_fen - af.after_fen) FILTER (WHERE acc.what = 'C'), 0)::text AS covered
         FROM after af JOIN acc ON acc.id = af.id JOIN districts d ON d.id = acc.district_id
        GROUP BY d.id, af.month_end ORDER BY d.code, af.month_end`,
      [ends],
    );
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
