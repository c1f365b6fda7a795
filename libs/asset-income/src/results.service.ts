import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, readSheet, SheetFileError, type Actor, type ColumnSpec, type FieldError, type Page, type PageQuery } from '#libs/common';
import { formatYuan, parseYuan, type Fen } from '#libs/money';
import { assessNetAssets, type NetAssetsAssessment } from './domain/thresholds.js';
import type { AlertsQuery, RecordResultDto, ResultsQuery } from './dto.js';
import { ResultsStore, type ResultRow } from './store/results.store.js';
import { actorName, requireStatus, yearOf, type ProjectRecord } from './project.js';
import { loadProject } from './store/project-records.store.js';
import { isBusinessDate } from '#libs/schedules';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

export interface ResultView {
  projectId: string;
  year: number;
  revenue: string;
  netProfit: string;
  netAssets: string;
  reportedOn: string;
  version: number;
  source: 'MANUAL' | 'CSV';
  enteredBy: string;
  updatedAt: string;
}

export interface RecordedResult extends ResultView {
  /** Net assets against the liquidation threshold: OK, NEAR_THRESHOLD (alert) or LIQUIDATION_REQUIRED (flagged). */
  assessment: NetAssetsAssessment;
  projectStatus: string;
}

interface ResultInput {
  year: number;
  revenueFen: Fen;
  netProfitFen: Fen;
  netAssetsFen: Fen;
  reportedOn: string;
}

const resultView = (r: ResultRow): ResultView => ({
  projectId: String(r.project_id),
  year: r.year,
  revenue: formatYuan(BigInt(r.revenue_fen)),
  netProfit: formatYuan(BigInt(r.net_profit_fen)),
  netAssets: formatYuan(BigInt(r.net_assets_fen)),
  reportedOn: r.reported_on,
  version: r.version,
  source: r.source,
  enteredBy: r.entered_by,
  updatedAt: new Date(r.updated_at).toISOString(),
});

const MAX_CSV_ROWS = 200;
const isCalendarDate = (s: string) => isBusinessDate(s);

/**
 * The operating entity's yearly results (revenue, net profit, net assets), entered or imported by the fund
 * administrator. Recording a result applies the liquidation lock: net assets at or below the threshold flag the
 * project for forced liquidation; within the margin above it, an alert is raised. Both are audited.
 */
@Injectable()
export class AssetIncomeResultsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: ResultsStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async record(projectId: string, dto: RecordResultDto, actor?: Actor): Promise<RecordedResult> {
    const input: ResultInput = {
      year: dto.year,
      revenueFen: fen(dto.revenue),
      netProfitFen: fen(dto.netProfit),
      netAssetsFen: fen(dto.netAssets),
      reportedOn: dto.reportedOn,
    };
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'recording results');
      const errors = await this.check(m, p, input, '');
      if (errors.length) throw refusal(errors);
      return this.apply(m, p, input, 'MANUAL', actor);
    });
  }

  /**
   * Imports a CSV of results (header year,revenue,netProfit,netAssets,reportedOn). Every row is checked first and
   * every problem reported with its row; nothing is written unless all rows pass. Rows are applied in year order so
   * the liquidation flag falls on the first year that reaches the threshold.
   */
  async importCsv(projectId: string, csv: string | Uint8Array, actor?: Actor): Promise<{ imported: number; results: RecordedResult[] }> {
    const { rows, errors } = await parseResultsCsv(csv);
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'importing results');
      for (const [i, row] of rows.entries()) if (row) errors.push(...(await this.check(m, p, row, `rows[${i}].`)));
      if (errors.length) throw refusal(errors);
      const ordered = (rows as ResultInput[]).slice().sort((a, b) => a.year - b.year);
      const results: RecordedResult[] = [];
      for (const row of ordered) {
        const fresh = await loadProject(m, projectId); // the previous row may have flagged it
        results.push(await this.apply(m, fresh, row, 'CSV', actor));
      }
      return { imported: results.length, results };
    });
  }

  private async check(m: EntityManager, p: ProjectRecord, r: ResultInput, prefix: string): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    const today = this.clock.today();
    if (p.quantifiedOn && r.year < yearOf(p.quantifiedOn)) {
      errors.push({ field: `${prefix}year`, code: 'YEAR_BEFORE_PROJECT', message: `the project's shares date from ${p.quantifiedOn}` });
    }
    if (r.year > yearOf(today)) errors.push({ field: `${prefix}year`, code: 'YEAR_IN_FUTURE', message: 'the year has not started' });
    if (p.liquidationFlaggedYear !== null && r.year > p.liquidationFlaggedYear) {
      errors.push({
        field: `${prefix}year`,
        code: 'YEAR_AFTER_LIQUIDATION_FLAG',
        message: `the project was flagged for forced liquidation on its ${p.liquidationFlaggedYear} results`,
      });
    }
    if (r.reportedOn > today) errors.push({ field: `${prefix}reportedOn`, code: 'DATE_IN_FUTURE', message: 'may not be after today' });
    if (r.reportedOn < `${r.year}-01-01`) {
      errors.push({ field: `${prefix}reportedOn`, code: 'REPORTED_BEFORE_YEAR', message: 'a year cannot be reported before it starts' });
    }
    const run = await this.store.lockingRun(m, p.id, r.year);
    if (run) {
      errors.push({
        field: `${prefix}year`,
        code: 'ASSET_INCOME_RESULT_LOCKED',
        message: `the ${r.year} dividends are ${run.status}: the result they were computed from can no longer change`,
      });
    }
    return errors;
  }

  private async apply(m: EntityManager, p: ProjectRecord, r: ResultInput, source: 'MANUAL' | 'CSV', actor?: Actor): Promise<RecordedResult> {
    const by = actorName(actor);
    const before = await this.store.find(m, p.id, r.year);
    const row = await this.store.upsert(m, p.id, {
      year: r.year,
      revenueFen: r.revenueFen.toString(),
      netProfitFen: r.netProfitFen.toString(),
      netAssetsFen: r.netAssetsFen.toString(),
      reportedOn: r.reportedOn,
      source,
      enteredBy: by,
    });
    const view = resultView(row);
    await this.audit.record(m, {
      action: before ? 'ASSET_INCOME_RESULT_CORRECTED' : 'ASSET_INCOME_RESULT_RECORDED',
      entityType: 'asset_income_project',
      entityId: p.id,
      before: before ? resultView(before) : null,
      after: view,
    });

    const assessment = assessNetAssets(r.netAssetsFen, p.liquidationThresholdFen, p.alertMarginFen);
    let status = p.status;
    if (assessment !== 'OK') {
      const raised = await this.store.raiseAlert(
        m,
        p.id,
        r.year,
        assessment,
        r.netAssetsFen.toString(),
        p.liquidationThresholdFen.toString(),
        p.alertMarginFen.toString(),
      );
      const facts = {
        year: r.year,
        netAssets: formatYuan(r.netAssetsFen),
        threshold: formatYuan(p.liquidationThresholdFen),
        margin: formatYuan(p.alertMarginFen),
      };
      if (assessment === 'LIQUIDATION_REQUIRED' && p.status === 'ACTIVE') {
        await this.store.flagLiquidation(m, p.id, r.year);
        status = 'LIQUIDATION_REQUIRED';
        await this.audit.record(m, {
          action: 'ASSET_INCOME_LIQUIDATION_FLAGGED',
          entityType: 'asset_income_project',
          entityId: p.id,
          before: { status: p.status },
          after: { status, ...facts },
        });
      } else if (assessment === 'NEAR_THRESHOLD' && raised) {
        await this.audit.record(m, { action: 'ASSET_INCOME_NET_ASSETS_ALERT', entityType: 'asset_income_project', entityId: p.id, after: facts });
      }
    }
    return { ...view, assessment, projectStatus: status };
  }

  async list(projectId: string, q: Filter<ResultsQuery>, page: PageQuery): Promise<Page<ResultView>> {
    const m = this.dataSource.manager;
    await loadProject(m, projectId);
    const { rows, total } = await this.store.page(projectId, q, page);
    return { items: rows.map(resultView), page: page.page, pageSize: page.pageSize, total };
  }

  /** Near-threshold and liquidation alerts, newest first. */
  async alerts(q: Filter<AlertsQuery>, page: PageQuery) {
    const { rows, total } = await this.store.pageAlerts(q, page);
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        projectId: String(r.project_id),
        projectName: r.name,
        districtId: String(r.district_id),
        villageId: String(r.village_id),
        year: r.year,
        kind: r.kind,
        netAssets: formatYuan(BigInt(r.net_assets_fen)),
        threshold: formatYuan(BigInt(r.threshold_fen)),
        margin: formatYuan(BigInt(r.margin_fen)),
        headroom: formatYuan(BigInt(r.net_assets_fen) - BigInt(r.threshold_fen)),
        createdAt: new Date(r.created_at).toISOString(),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }
}

function fen(text: string): Fen {
  const r = parseYuan(text, { allowNegative: true });
  if (!r.ok) throw new RangeError(`validated amount did not parse: ${text}`);
  return r.fen;
}

function refusal(errors: FieldError[]): DomainError {
  if (errors.every((e) => e.code === 'ASSET_INCOME_RESULT_LOCKED')) {
    return new DomainError('ASSET_INCOME_RESULT_LOCKED', errors[0].message, errors);
  }
  return new DomainError('ASSET_INCOME_RESULTS_INVALID', `the results break ${errors.length} rule(s)`, errors);
}

/**
 * The results columns with their Chinese headers (the template's); the one header mapper (#libs/common) accepts
 * either, in any order.
 */
export const RESULT_COLUMNS: readonly ColumnSpec<ResultColumn>[] = [
  { key: 'year', zh: '年度', en: 'Year', required: true, kind: 'integer', aliases: ['会计年度'], example: '2023', note: '2000 至今的四位年份' },
  { key: 'revenue', zh: '营业收入', en: 'Revenue', required: true, kind: 'money', aliases: ['收入'], example: '2600000.00', note: '单位：元，不得为负' },
  { key: 'netProfit', zh: '净利润', en: 'Net profit', required: true, kind: 'money', aliases: ['利润'], example: '420000.00', note: '单位：元，亏损填负数' },
  { key: 'netAssets', zh: '净资产', en: 'Net assets', required: true, kind: 'money', aliases: ['所有者权益'], example: '2420000.00', note: '单位：元' },
  { key: 'reportedOn', zh: '报送日期', en: 'Reported on', required: true, kind: 'date', aliases: ['报告日期'], example: '2024-01-18', note: '格式 YYYY-MM-DD，在年度结束之后' },
];
type ResultColumn = 'year' | 'revenue' | 'netProfit' | 'netAssets' | 'reportedOn';

/**
 * Reads the results file (CSV in UTF-8 or GBK, or the XLSX template; Chinese or English headers) through the
 * uploads' one reader, and checks the format of every row; returns the rows that parsed and every problem found
 * (`rows[i].field`, i counting data rows from 0, the message naming the spreadsheet's row).
 */
export async function parseResultsCsv(file: string | Uint8Array): Promise<{ rows: (ResultInput | null)[]; errors: FieldError[] }> {
  let table;
  try {
    table = await readSheet(typeof file === 'string' ? Buffer.from(file, 'utf8') : file, RESULT_COLUMNS, { maxRows: MAX_CSV_ROWS });
  } catch (e) {
    if (e instanceof SheetFileError) throw new DomainError('ASSET_INCOME_RESULTS_INVALID', e.detail, e.errors);
    throw e;
  }
  const errors: FieldError[] = [];
  if (table.rows.length === 0) errors.push({ field: 'csv', code: 'CSV_EMPTY', message: 'no data rows' });
  if (errors.length) return { rows: [], errors };
  const seen = new Map<number, number>();
  const rows = table.rows.map(({ rowNo, values: rec }, i): ResultInput | null => {
    const at = (f: string) => `rows[${i}].${f}`;
    const before = errors.length;
    const year = /^\d{4}$/.test(rec.year) ? Number(rec.year) : NaN;
    if (!(year >= 2000 && year <= 2100)) errors.push({ field: at('year'), code: 'FORMAT', message: `row ${rowNo}: must be a year between 2000 and 2100` });
    else if (seen.has(year)) errors.push({ field: at('year'), code: 'DUPLICATE_YEAR', message: `row ${rowNo}: year ${year} is also on row ${seen.get(year)}` });
    else seen.set(year, rowNo);
    const money = (f: 'revenue' | 'netProfit' | 'netAssets', allowNegative: boolean): Fen => {
      const r = parseYuan(rec[f], { allowNegative });
      if (!r.ok) errors.push({ field: at(f), code: r.error, message: `row ${rowNo}: must be an amount in yuan with at most 2 decimals${allowNegative ? '' : ', not negative'}` });
      return r.ok ? r.fen : 0n;
    };
    const revenueFen = money('revenue', false);
    const netProfitFen = money('netProfit', true);
    const netAssetsFen = money('netAssets', true);
    if (!isCalendarDate(rec.reportedOn)) errors.push({ field: at('reportedOn'), code: 'FORMAT', message: `row ${rowNo}: must be a date YYYY-MM-DD` });
    return errors.length > before ? null : { year, revenueFen, netProfitFen, netAssetsFen, reportedOn: rec.reportedOn };
  });
  return { rows, errors };
}
