import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, queryOne, queryRows } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, sumFen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { assessNetAssets } from './domain/thresholds.js';
import { render, type ExportFile, type ReportTable } from './export.js';
import { loadProject, otherClasses } from './store.js';

const y = (v: string | bigint) => formatYuan(BigInt(v));

interface ResultRow {
  project_id: string;
  year: number;
  revenue_fen: string;
  net_profit_fen: string;
  net_assets_fen: string;
  reported_on: string;
}

interface RunAgg {
  project_id: string;
  year: number;
  status: string;
  record_date: string;
  paid_on: string | null;
  distributable_fen: string;
  entitled_fen: string;
  paid_now_fen: string;
  operator_owes_fen: string;
  households_benefited: number;
  people_benefited: number;
  special_entitled: string;
  others_entitled: string;
  paid_to_date: string;
}

/**
 * Reports of the scheme, per project and per district: capital, income, dividends by year, households and people
 * benefited, net assets against the threshold. JSON, or CSV/XLSX built from the same tables.
 */
@Injectable()
export class AssetIncomeReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  private async runs(m: EntityManager, projectIds: string[], fromYear?: number, toYear?: number): Promise<RunAgg[]> {
    return queryRows<RunAgg>(
      m,
      `SELECT r.project_id, r.year, r.status, r.record_date, r.paid_on, r.distributable_fen, r.entitled_fen, r.paid_now_fen,
              r.operator_owes_fen, r.households_benefited, r.people_benefited,
              coalesce(sum(l.entitled_fen) FILTER (WHERE l.holder_type <> 'CLASS'), 0)::text AS special_entitled,
              coalesce(sum(l.entitled_fen) FILTER (WHERE l.holder_type = 'CLASS'), 0)::text AS others_entitled,
              coalesce(sum(l.paid_fen), 0)::text AS paid_to_date
         FROM aip_distribution_runs r LEFT JOIN aip_distribution_lines l ON l.run_id = r.id
        WHERE r.project_id = ANY($1::bigint[]) AND r.status = 'PAID'
          AND ($2::int IS NULL OR r.year >= $2) AND ($3::int IS NULL OR r.year <= $3)
        GROUP BY r.id ORDER BY r.project_id, r.year`,
      [projectIds, fromYear ?? null, toYear ?? null],
    );
  }

  /** Distinct households with a paid dividend, and their people (member count on their latest paid line). */
  private async benefited(m: EntityManager, projectIds: string[], fromYear?: number, toYear?: number) {
    const [r] = await queryRows<{ households: number; people: number }>(
      m,
      `SELECT count(*)::int AS households, coalesce(sum(member_count), 0)::int AS people FROM (
         SELECT DISTINCT ON (l.household_id) l.household_id, l.member_count
           FROM aip_distribution_lines l JOIN aip_distribution_runs r ON r.id = l.run_id
          WHERE r.project_id = ANY($1::bigint[]) AND r.status = 'PAID' AND l.holder_type = 'HOUSEHOLD' AND l.entitled_fen > 0
            AND ($2::int IS NULL OR r.year >= $2) AND ($3::int IS NULL OR r.year <= $3)
          ORDER BY l.household_id, r.year DESC) x`,
      [projectIds, fromYear ?? null, toYear ?? null],
    );
    return r;
  }

  async project(projectId: string) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, projectId);
    const names = await queryOne<{ village: string; entity: string; district: string }>(
      m,
      `SELECT v.name AS village, e.name AS entity, d.name AS district FROM villages v, operating_entities e, districts d
        WHERE v.id = $1 AND e.id = $2 AND d.id = $3`,
      [p.villageId, p.entityId, p.districtId],
    );
    const classes = await otherClasses(m, projectId);
    const [reg] = await queryRows<{ collective: string; households: string; holders: number; people: number }>(
      m,
      `SELECT coalesce(sum(r.amount_fen) FILTER (WHERE r.holder_type = 'COLLECTIVE'), 0)::text AS collective,
              coalesce(sum(r.amount_fen) FILTER (WHERE r.holder_type = 'HOUSEHOLD'), 0)::text AS households,
              count(*) FILTER (WHERE r.holder_type = 'HOUSEHOLD')::int AS holders, coalesce(sum(h.member_count), 0)::int AS people
         FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
        WHERE r.project_id = $1 AND r.valid_to IS NULL`,
      [projectId],
    );
    const results = await queryRows<ResultRow>(m, `SELECT * FROM aip_annual_results WHERE project_id = $1 ORDER BY year`, [projectId]);
    const runs = await this.runs(m, [projectId]);
    const benefited = await this.benefited(m, [projectId]);
    const a = projectAccounts(projectId);
    const balances = await this.ledger.balances(m, [a.operatorOwes, a.dividendsPayable]);
    const liquidation = await queryOne<{ status: string; liquidation_date: string; proceeds_fen: string; special_repaid_fen: string; others_fen: string }>(
      m,
      `SELECT status, liquidation_date, proceeds_fen, special_repaid_fen, others_fen FROM aip_liquidations WHERE project_id = $1`,
      [projectId],
    );
    const totalCapital = p.specialFundFen + sumFen(classes.map((c) => c.capitalFen));
    return {
      project: {
        id: p.id,
        name: p.name,
        district: names?.district ?? '',
        village: names?.village ?? '',
        entity: names?.entity ?? '',
        businessType: p.businessType,
        status: p.status,
        liquidationThreshold: y(p.liquidationThresholdFen),
        alertMargin: y(p.alertMarginFen),
      },
      capital: {
        classes: [
          { classKind: 'SPECIAL_COLLECTIVE', amount: y(reg.collective) },
          { classKind: 'SPECIAL_HOUSEHOLDS', amount: y(reg.households) },
          ...classes.map((c) => ({ classKind: c.kind, amount: y(c.capitalFen) })),
        ],
        specialFund: y(p.specialFundFen),
        total: y(totalCapital),
        householdHolders: reg.holders,
        people: reg.people,
      },
      results: results.map((r) => ({
        year: r.year,
        revenue: y(r.revenue_fen),
        netProfit: y(r.net_profit_fen),
        netAssets: y(r.net_assets_fen),
        threshold: y(p.liquidationThresholdFen),
        alertLine: y(p.liquidationThresholdFen + p.alertMarginFen),
        headroom: y(BigInt(r.net_assets_fen) - p.liquidationThresholdFen),
        assessment: assessNetAssets(BigInt(r.net_assets_fen), p.liquidationThresholdFen, p.alertMarginFen),
      })),
      dividends: runs.map((r) => ({
        year: r.year,
        recordDate: r.record_date,
        paidOn: r.paid_on,
        distributable: y(r.distributable_fen),
        entitled: y(r.entitled_fen),
        specialClasses: y(r.special_entitled),
        otherClasses: y(r.others_entitled),
        paidAtRun: y(r.paid_now_fen),
        paidToDate: y(r.paid_to_date),
        outstanding: y(BigInt(r.entitled_fen) - BigInt(r.paid_to_date)),
        householdsBenefited: r.households_benefited,
        peopleBenefited: r.people_benefited,
      })),
      totals: {
        revenue: y(sumFen(results.map((r) => BigInt(r.revenue_fen)))),
        netProfit: y(sumFen(results.map((r) => BigInt(r.net_profit_fen)))),
        dividendsEntitled: y(sumFen(runs.map((r) => BigInt(r.entitled_fen)))),
        dividendsPaid: y(sumFen(runs.map((r) => BigInt(r.paid_to_date)))),
        householdsBenefited: benefited.households,
        peopleBenefited: benefited.people,
        operatorOwes: y(balances.get(a.operatorOwes) ?? 0n),
        dividendsPayable: y(balances.get(a.dividendsPayable) ?? 0n),
      },
      liquidation: liquidation
        ? {
            status: liquidation.status,
            liquidationDate: liquidation.liquidation_date,
            proceeds: y(liquidation.proceeds_fen),
            specialRepaid: y(liquidation.special_repaid_fen),
            others: y(liquidation.others_fen),
          }
        : null,
    };
  }

  async projectExport(projectId: string, format: 'csv' | 'xlsx'): Promise<ExportFile> {
    const r = await this.project(projectId);
    const tables: ReportTable[] = [
      {
        name: 'Project',
        columns: ['id', 'name', 'district', 'village', 'entity', 'businessType', 'status', 'liquidationThreshold', 'alertMargin'],
        moneyColumns: ['liquidationThreshold', 'alertMargin'],
        rows: [[r.project.id, r.project.name, r.project.district, r.project.village, r.project.entity, r.project.businessType, r.project.status, r.project.liquidationThreshold, r.project.alertMargin]],
      },
      { name: 'Capital', columns: ['classKind', 'amount'], moneyColumns: ['amount'], rows: [...r.capital.classes.map((c) => [c.classKind, c.amount]), ['TOTAL', r.capital.total]] },
      {
        name: 'Net assets vs threshold',
        columns: ['year', 'revenue', 'netProfit', 'netAssets', 'threshold', 'alertLine', 'headroom', 'assessment'],
        moneyColumns: ['revenue', 'netProfit', 'netAssets', 'threshold', 'alertLine', 'headroom'],
        rows: r.results.map((x) => [x.year, x.revenue, x.netProfit, x.netAssets, x.threshold, x.alertLine, x.headroom, x.assessment]),
      },
      {
        name: 'Dividends by year',
        columns: ['year', 'recordDate', 'paidOn', 'distributable', 'entitled', 'specialClasses', 'otherClasses', 'paidToDate', 'outstanding', 'households', 'people'],
        moneyColumns: ['distributable', 'entitled', 'specialClasses', 'otherClasses', 'paidToDate', 'outstanding'],
        rows: r.dividends.map((d) => [
          d.year,
          d.recordDate,
          d.paidOn,
          d.distributable,
          d.entitled,
          d.specialClasses,
          d.otherClasses,
          d.paidToDate,
          d.outstanding,
          d.householdsBenefited,
          d.peopleBenefited,
        ]),
      },
      {
        name: 'Totals',
        columns: ['revenue', 'netProfit', 'dividendsEntitled', 'dividendsPaid', 'operatorOwes', 'householdsBenefited', 'peopleBenefited'],
        moneyColumns: ['revenue', 'netProfit', 'dividendsEntitled', 'dividendsPaid', 'operatorOwes'],
        rows: [[r.totals.revenue, r.totals.netProfit, r.totals.dividendsEntitled, r.totals.dividendsPaid, r.totals.operatorOwes, r.totals.householdsBenefited, r.totals.peopleBenefited]],
      },
    ];
    return render(tables, format, `asset-income-project-${projectId}`);
  }

  /** Per district: its projects, year by year figures, and each project's net assets against its threshold. */
  async district(districtId: string, fromYear?: number, toYear?: number) {
    const m = this.dataSource.manager;
    const district = /^\d{1,18}$/.test(districtId)
      ? await queryOne<{ id: string; code: string; name: string }>(m, `SELECT id, code, name FROM districts WHERE id = $1`, [districtId])
      : undefined;
    if (!district) throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const projects = await queryRows<{
      id: string;
      name: string;
      village: string;
      business_type: string;
      status: string;
      special_fund_fen: string;
      other_fen: string;
      liquidation_threshold_fen: string;
      alert_margin_fen: string;
    }>(
      m,
      `SELECT p.id, p.name, v.name AS village, p.business_type, p.status, p.special_fund_fen, p.liquidation_threshold_fen, p.alert_margin_fen,
              coalesce((SELECT sum(capital_fen) FROM aip_capital_classes c WHERE c.project_id = p.id), 0)::text AS other_fen
         FROM aip_projects p JOIN villages v ON v.id = p.village_id WHERE p.district_id = $1 ORDER BY p.id`,
      [districtId],
    );
    const ids = projects.map((p) => String(p.id));
    const results = await queryRows<ResultRow>(
      m,
      `SELECT * FROM aip_annual_results WHERE project_id = ANY($1::bigint[])
          AND ($2::int IS NULL OR year >= $2) AND ($3::int IS NULL OR year <= $3) ORDER BY project_id, year`,
      [ids, fromYear ?? null, toYear ?? null],
    );
    const runs = await this.runs(m, ids, fromYear, toYear);
    const years = [...new Set([...results.map((r) => r.year), ...runs.map((r) => r.year)])].sort((a, b) => a - b);
    const benefited = await this.benefited(m, ids, fromYear, toYear);
    const perProject = await Promise.all(projects.map(async (p) => ({ id: String(p.id), b: await this.benefited(m, [String(p.id)], fromYear, toYear) })));
    const benefitedOf = new Map(perProject.map((x) => [x.id, x.b]));
    const byId = new Map(projects.map((p) => [String(p.id), p]));
    return {
      district: { id: String(district.id), code: district.code, name: district.name },
      period: { fromYear: fromYear ?? null, toYear: toYear ?? null },
      projects: projects.map((p) => {
        const mine = results.filter((r) => String(r.project_id) === String(p.id));
        const last = mine[mine.length - 1];
        const paid = runs.filter((r) => String(r.project_id) === String(p.id));
        return {
          id: String(p.id),
          name: p.name,
          village: p.village,
          businessType: p.business_type,
          status: p.status,
          specialFund: y(p.special_fund_fen),
          capital: y(BigInt(p.special_fund_fen) + BigInt(p.other_fen)),
          revenue: y(sumFen(mine.map((r) => BigInt(r.revenue_fen)))),
          netProfit: y(sumFen(mine.map((r) => BigInt(r.net_profit_fen)))),
          latestYear: last?.year ?? null,
          latestNetAssets: last ? y(last.net_assets_fen) : null,
          threshold: y(p.liquidation_threshold_fen),
          dividendsPaid: y(sumFen(paid.map((r) => BigInt(r.paid_to_date)))),
          householdsBenefited: benefitedOf.get(String(p.id))!.households,
          peopleBenefited: benefitedOf.get(String(p.id))!.people,
        };
      }),
      byYear: years.map((year) => {
        const rs = results.filter((r) => r.year === year);
        const ds = runs.filter((r) => r.year === year);
        return {
          year,
          projectsReporting: rs.length,
          revenue: y(sumFen(rs.map((r) => BigInt(r.revenue_fen)))),
          netProfit: y(sumFen(rs.map((r) => BigInt(r.net_profit_fen)))),
          dividendsEntitled: y(sumFen(ds.map((r) => BigInt(r.entitled_fen)))),
          dividendsPaid: y(sumFen(ds.map((r) => BigInt(r.paid_to_date)))),
          householdsBenefited: ds.reduce((n, r) => n + r.households_benefited, 0),
          peopleBenefited: ds.reduce((n, r) => n + r.people_benefited, 0),
        };
      }),
      netAssetHistory: results.map((r) => {
        const p = byId.get(String(r.project_id))!;
        const t = BigInt(p.liquidation_threshold_fen);
        return {
          projectId: String(r.project_id),
          year: r.year,
          netAssets: y(r.net_assets_fen),
          threshold: y(t),
          headroom: y(BigInt(r.net_assets_fen) - t),
          assessment: assessNetAssets(BigInt(r.net_assets_fen), t, BigInt(p.alert_margin_fen)),
        };
      }),
      totals: {
        projects: projects.length,
        specialFund: y(sumFen(projects.map((p) => BigInt(p.special_fund_fen)))),
        capital: y(sumFen(projects.map((p) => BigInt(p.special_fund_fen) + BigInt(p.other_fen)))),
        revenue: y(sumFen(results.map((r) => BigInt(r.revenue_fen)))),
        dividendsPaid: y(sumFen(runs.map((r) => BigInt(r.paid_to_date)))),
        householdsBenefited: benefited.households,
        peopleBenefited: benefited.people,
        flaggedForLiquidation: projects.filter((p) => p.status === 'LIQUIDATION_REQUIRED').length,
      },
    };
  }

  async districtExport(districtId: string, format: 'csv' | 'xlsx', fromYear?: number, toYear?: number): Promise<ExportFile> {
    const r = await this.district(districtId, fromYear, toYear);
    const tables: ReportTable[] = [
      {
        name: 'Projects',
        columns: ['id', 'name', 'village', 'businessType', 'status', 'specialFund', 'capital', 'revenue', 'netProfit', 'latestYear', 'latestNetAssets', 'threshold', 'dividendsPaid', 'households', 'people'],
        moneyColumns: ['specialFund', 'capital', 'revenue', 'netProfit', 'latestNetAssets', 'threshold', 'dividendsPaid'],
        rows: r.projects.map((p) => [
          p.id,
          p.name,
          p.village,
          p.businessType,
          p.status,
          p.specialFund,
          p.capital,
          p.revenue,
          p.netProfit,
          p.latestYear,
          p.latestNetAssets,
          p.threshold,
          p.dividendsPaid,
          p.householdsBenefited,
          p.peopleBenefited,
        ]),
      },
      {
        name: 'By year',
        columns: ['year', 'projectsReporting', 'revenue', 'netProfit', 'dividendsEntitled', 'dividendsPaid', 'households', 'people'],
        moneyColumns: ['revenue', 'netProfit', 'dividendsEntitled', 'dividendsPaid'],
        rows: r.byYear.map((b) => [b.year, b.projectsReporting, b.revenue, b.netProfit, b.dividendsEntitled, b.dividendsPaid, b.householdsBenefited, b.peopleBenefited]),
      },
      {
        name: 'Net assets vs threshold',
        columns: ['projectId', 'year', 'netAssets', 'threshold', 'headroom', 'assessment'],
        moneyColumns: ['netAssets', 'threshold', 'headroom'],
        rows: r.netAssetHistory.map((n) => [n.projectId, n.year, n.netAssets, n.threshold, n.headroom, n.assessment]),
      },
    ];
    return render(tables, format, `asset-income-district-${r.district.code}`);
  }

  /** Every district with projects, one row each. */
  async districts() {
    const m = this.dataSource.manager;
    const rows = await queryRows<{ id: string; code: string; name: string; projects: number; flagged: number; special_fen: string }>(
      m,
      `SELECT d.id, d.code, d.name, count(p.id)::int AS projects,
              count(p.id) FILTER (WHERE p.status = 'LIQUIDATION_REQUIRED')::int AS flagged, coalesce(sum(p.special_fund_fen), 0)::text AS special_fen
         FROM districts d JOIN aip_projects p ON p.district_id = d.id GROUP BY d.id ORDER BY d.code`,
    );
    const items = [];
    for (const d of rows) {
      const detail = await this.district(String(d.id));
      items.push({
        districtId: String(d.id),
        code: d.code,
        name: d.name,
        projects: d.projects,
        flaggedForLiquidation: d.flagged,
        specialFund: y(d.special_fen),
        capital: detail.totals.capital,
        revenue: detail.totals.revenue,
        dividendsPaid: detail.totals.dividendsPaid,
        householdsBenefited: detail.totals.householdsBenefited,
        peopleBenefited: detail.totals.peopleBenefited,
      });
    }
    return { items };
  }

  async districtsExport(format: 'csv' | 'xlsx'): Promise<ExportFile> {
    const { items } = await this.districts();
    return render(
      [
        {
          name: 'Districts',
          columns: ['districtId', 'code', 'name', 'projects', 'flaggedForLiquidation', 'specialFund', 'capital', 'revenue', 'dividendsPaid', 'households', 'people'],
          moneyColumns: ['specialFund', 'capital', 'revenue', 'dividendsPaid'],
          rows: items.map((d) => [
            d.districtId,
            d.code,
            d.name,
            d.projects,
            d.flaggedForLiquidation,
            d.specialFund,
            d.capital,
            d.revenue,
            d.dividendsPaid,
            d.householdsBenefited,
            d.peopleBenefited,
          ]),
        },
      ],
      format,
      'asset-income-districts',
    );
  }
}
