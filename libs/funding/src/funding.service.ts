import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  offsetOf,
  RequestContext,
  type FieldError,
  type Page,
  type PageQuery,
  ID_PATTERN,
} from '#libs/common';
import { formatYuan } from '#libs/money';
import {
  DEFAULT_MATCHING_RATIO,
  DEFAULT_SOE_PROFIT_PERCENT,
  districtCompliance,
  matchingRuleErrors,
  soeCompliance,
  type DistrictFunding,
} from './domain/compliance.js';
import {
  CONTRIBUTION_SOURCES,
  CONTRIBUTION_TARGETS,
  ContributionsStore,
} from './store/contributions.store.js';
import { MatchingRulesStore } from './store/matching-rules.store.js';

export { CONTRIBUTION_SOURCES, CONTRIBUTION_TARGETS };

export interface ContributionFilter {
  targetType?: (typeof CONTRIBUTION_TARGETS)[number];
  targetId?: string;
  source?: (typeof CONTRIBUTION_SOURCES)[number];
  year?: number;
  districtId?: string;
  from?: string;
  to?: string;
  documentRef?: string;
  soeName?: string;
}

export interface FundingContributionView {
  id: string;
  targetType: string;
  targetId: string;
  targetName: string | null;
  districtId: string | null;
  districtName: string | null;
  source: string;
  amount: string;
  year: number;
  documentRef: string | null;
  receivedOn: string;
  householdId: string | null;
  fiscalFunded: boolean;
  soeName: string | null;
  soeProfitBase: string | null;
  entryId: string;
  createdBy: string;
  createdAt: string;
}

export interface MatchingRuleView {
  year: number;
  ratio: string;
  soeProfitPercent: string;
  isDefault: boolean;
  documentRef: string | null;
  note: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface ComplianceDistrictView {
  districtId: string;
  districtCode: string;
  districtName: string;
  cityAllocation: string;
  districtMatch: string;
  requiredRatio: string;
  actualRatio: string | null;
  requiredMatch: string;
  shortfall: string;
  compliant: boolean;
  soeContributions: string;
  soe: { name: string; amount: string }[];
}

export interface ComplianceReport {
  year: number;
  rule: MatchingRuleView;
  districts: ComplianceDistrictView[];
  soe: {
    name: string;
    profitBase: string | null;
    expected: string | null;
    actual: string;
    shortfall: string | null;
    compliant: boolean | null;
  }[];
  totals: {
    cityAllocation: string;
    districtMatch: string;
    requiredMatch: string;
    shortfall: string;
    compliantDistricts: number;
    districts: number;
  };
}

const trimDecimal = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
const ID = ID_PATTERN;

/**
 * Funding sources over every fund kind (the shared contributions register) and the yearly matching rule: each
 * district's DISTRICT contributions ≥ ratio × the CITY money allocated to its funds, and each SOE's contributions
 * against 3 % of the profit base it declared (SPEC §2.4).
 */
@Injectable()
export class FundingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly store: ContributionsStore = new ContributionsStore(),
    private readonly rulesStore: MatchingRulesStore = new MatchingRulesStore(),
  ) {}

  async contributions(
    filter: ContributionFilter,
    page: PageQuery,
  ): Promise<Page<FundingContributionView> & { totalAmount: string; bySource: Record<string, string> }> {
    const m = this.dataSource.manager;
    const sums = await this.store.sumsBySource(m, filter);
    const total = sums.reduce((s, r) => s + r.n, 0);
    const totalFen = sums.reduce((s, r) => s + BigInt(r.sum), 0n);
    const rows = await this.store.page(m, filter, page);
    return {
      items: rows.map((r) => ({
        id: r.id,
        targetType: r.target_type,
        targetId: r.target_id,
        targetName: r.target_name ?? null,
        districtId: r.district_id,
        districtName: r.district_name,
        source: r.source,
        amount: formatYuan(BigInt(r.amount_fen)),
        year: r.year,
        documentRef: r.document_ref,
        receivedOn: r.received_on,
        householdId: r.household_id,
        fiscalFunded: r.fiscal_funded,
        soeName: r.soe_name,
        soeProfitBase: r.soe_profit_base_fen === null ? null : formatYuan(BigInt(r.soe_profit_base_fen)),
        entryId: r.entry_id,
        createdBy: r.created_by,
        createdAt: new Date(r.created_at).toISOString(),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
      totalAmount: formatYuan(totalFen),
      bySource: Object.fromEntries(sums.map((s) => [s.source, formatYuan(BigInt(s.sum))])),
    };
  }

  async rule(year: number, m: EntityManager = this.dataSource.manager): Promise<MatchingRuleView> {
    const row = await this.rulesStore.find(m, year);
    if (!row) {
      return {
        year,
        ratio: DEFAULT_MATCHING_RATIO,
        soeProfitPercent: DEFAULT_SOE_PROFIT_PERCENT,
        isDefault: true,
        documentRef: null,
        note: null,
        updatedBy: null,
        updatedAt: null,
      };
    }
    return {
      year,
      ratio: trimDecimal(row.ratio),
      soeProfitPercent: trimDecimal(row.soe_profit_percent),
      isDefault: false,
      documentRef: row.document_ref,
      note: row.note,
      updatedBy: row.updated_by,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  async rules(page: PageQuery): Promise<Page<MatchingRuleView>> {
    const m = this.dataSource.manager;
    const total = await this.rulesStore.count(m);
    const years = await this.rulesStore.years(m, page.pageSize, offsetOf(page));
    const items: MatchingRuleView[] = [];
    for (const y of years) items.push(await this.rule(y, m));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Sets a year's matching ratio and SOE profit share (ADMIN/FUND_ADMIN); audited with before and after. */
  async setRule(
    year: number,
    input: { ratio: string; soeProfitPercent?: string; documentRef?: string | null; note?: string | null },
  ): Promise<MatchingRuleView> {
    const errors = matchingRuleErrors(input).map((e): FieldError => ({ ...e, code: 'INVALID' }));
    if (!Number.isInteger(year) || year < 2000 || year > 2100)
      errors.push({ field: 'year', code: 'RANGE', message: 'year must be 2000-2100' });
    if (errors.length)
      throw new DomainError(
        'FUNDING_MATCHING_RULE_INVALID',
        `invalid matching rule: ${errors.map((e) => e.field).join(', ')}`,
        errors,
      );
    const actor = RequestContext.actor()?.username ?? 'system';
    return this.dataSource.transaction(async (m) => {
      const before = await this.rule(year, m);
      await this.rulesStore.upsert(m, {
        year,
        ratio: input.ratio,
        soeProfitPercent: input.soeProfitPercent ?? DEFAULT_SOE_PROFIT_PERCENT,
        documentRef: input.documentRef ?? null,
        note: input.note ?? null,
        updatedBy: actor,
      });
      const after = await this.rule(year, m);
      await this.audit.record(m, {
        action: 'FUNDING_MATCHING_RULE_SET',
        entityType: 'funding_matching_rule',
        entityId: year,
        before,
        after,
      });
      return after;
    });
  }

  /**
   * Per district for a year: the CITY money allocated to its funds (mutual-aid funds, risk fund, district subsidy
   * programmes: contributions of source CITY recorded with that district), its own DISTRICT contributions, the
   * required match (ratio × allocation, rounded up), the shortfall; and each SOE's contributions against its
   * profit share. All sums in SQL over bigint fen; the rule arithmetic is exact.
   */
  async compliance(year: number, districtId?: string): Promise<ComplianceReport> {
    if (districtId !== undefined && !ID.test(districtId))
      throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const m = this.dataSource.manager;
    const rule = await this.rule(year, m);
    const rows = await this.store.districtSums(m, year, districtId ?? null);
    if (districtId !== undefined && !rows.length)
      throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const soeByDistrict = await this.store.soeSumsByDistrict(m, year, districtId ?? null);
    const soeMap = new Map<string, { name: string; actualFen: bigint }[]>();
    for (const s of soeByDistrict) {
      const list = soeMap.get(s.district_id) ?? [];
      list.push({ name: s.soe_name, actualFen: BigInt(s.sum) });
      soeMap.set(s.district_id, list);
    }
    const ratio = {
      year,
      ratio: rule.ratio,
      soeProfitPercent: rule.soeProfitPercent,
      isDefault: rule.isDefault,
    };
    const districts = rows.map((r) => {
      const f: DistrictFunding = {
        districtId: r.id,
        districtCode: r.code,
        districtName: r.name,
        cityAllocationFen: BigInt(r.city),
        districtMatchFen: BigInt(r.district),
        soe: soeMap.get(r.id) ?? [],
      };
      return districtCompliance(f, ratio);
    });
    // enterprises over every fund (city-wide ones too), or only those that gave to the district asked for
    const enterprises = await this.store.soeSums(m, year, districtId ?? null);
    const y = (v: bigint | null) => (v === null ? null : formatYuan(v));
    const sum = (f: (x: (typeof districts)[number]) => bigint) =>
      formatYuan(districts.reduce((s, x) => s + f(x), 0n));
    return {
      year,
      rule,
      districts: districts.map((x) => ({
        districtId: x.districtId,
        districtCode: x.districtCode,
        districtName: x.districtName,
        cityAllocation: formatYuan(x.cityAllocationFen),
        districtMatch: formatYuan(x.districtMatchFen),
        requiredRatio: x.requiredRatio,
        actualRatio: x.actualRatio,
        requiredMatch: formatYuan(x.requiredMatchFen),
        shortfall: formatYuan(x.shortfallFen),
        compliant: x.compliant,
        soeContributions: formatYuan(x.soeActualFen),
        soe: x.soe.map((s) => ({ name: s.name, amount: formatYuan(s.actualFen) })),
      })),
      soe: enterprises.map((e) => {
        const s = soeCompliance(
          e.soe_name,
          e.base === null ? null : BigInt(e.base),
          BigInt(e.sum),
          rule.soeProfitPercent,
        );
        return {
          name: s.name,
          profitBase: y(s.profitBaseFen),
          expected: y(s.expectedFen),
          actual: formatYuan(s.actualFen),
          shortfall: y(s.shortfallFen),
          compliant: s.compliant,
        };
      }),
      totals: {
        cityAllocation: sum((x) => x.cityAllocationFen),
        districtMatch: sum((x) => x.districtMatchFen),
        requiredMatch: sum((x) => x.requiredMatchFen),
        shortfall: sum((x) => x.shortfallFen),
        compliantDistricts: districts.filter((x) => x.compliant).length,
        districts: districts.length,
      },
    };
  }
}
