import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, sumFen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { assessNetAssets } from './domain/thresholds.js';
import { render, type ExportFile, type ReportTable } from './export.js';
import { ReportsStore } from './store/reports.store.js';
import { loadProject, otherClasses } from './store/project-records.store.js';

const y = (v: string | bigint) => formatYuan(BigInt(v));

/**
 * Reports of the scheme, per project and per district: capital, income, dividends by year, households and people
 * benefited, net assets against the threshold. JSON, or CSV/XLSX built from the same tables.
 */
@Injectable()
export class AssetIncomeReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: ReportsStore,
    private readonly ledger: LedgerService,
  ) {}

  async project(projectId: string) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, projectId);
    const names = await this.store.names(m, p.villageId, p.entityId, p.districtId);
    const classes = await otherClasses(m, projectId);
    const reg = await this.store.register(m, projectId);
    const results = await this.store.results(m, projectId);
    const runs = await this.store.paidRuns(m, [projectId]);
    const benefited = await this.store.benefited(m, [projectId]);
    const a = projectAccounts(projectId);
    const balances = await this.ledger.balances(m, [a.operatorOwes, a.dividendsPayable]);
    const liquidation = await this.store.liquidation(m, projectId);
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
      ? await this.store.district(m, districtId)
      : undefined;
    if (!district) throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const projects = await this.store.districtProjects(m, districtId);
    const ids = projects.map((p) => String(p.id));
    const results = await this.store.resultsOf(m, ids, fromYear, toYear);
    const runs = await this.store.paidRuns(m, ids, fromYear, toYear);
    const years = [...new Set([...results.map((r) => r.year), ...runs.map((r) => r.year)])].sort((a, b) => a - b);
    const benefited = await this.store.benefited(m, ids, fromYear, toYear);
    const perProject = await Promise.all(projects.map(async (p) => ({ id: String(p.id), b: await this.store.benefited(m, [String(p.id)], fromYear, toYear) })));
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
    const rows = await this.store.districtsWithProjects(m);
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
