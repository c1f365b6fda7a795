import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  type Page,
  type PageQuery,
  ID_PATTERN as ID,
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

export const CONTRIBUTION_TARGETS = ['MUTUAL_AID_FUND', 'RISK_FUND', 'SUBSIDY_PROGRAMME'] as const;
export const CONTRIBUTION_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER'] as const;

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
  ) {}

  async contributions(
    filter: ContributionFilter,
    page: PageQuery,
  ): Promise<Page<FundingContributionView> & { totalAmount: string; bySource: Record<string, string> }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.targetType) where.push(`c.target_type = $${params.push(filter.targetType)}`);
    if (filter.targetId) where.push(`c.target_id = $${params.push(filter.targetId)}`);
    if (filter.source) where.push(`c.source = $${params.push(filter.source)}`);
    if (filter.year !== undefined) where.push(`c.year = $${params.push(filter.year)}`);
    if (filter.districtId) where.push(`c.district_id = $${params.push(filter.districtId)}`);
    if (filter.from) where.push(`c.received_on >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`c.received_on <= $${params.push(filter.to)}`);
    if (filter.documentRef)
      where.push(
        `c.document_ref ILIKE $${params.push(`%${filter.documentRef.replace(/[%_\\]/g, '\\$&')}%`)}`,
      );
    if (filter.soeName)
      where.push(`c.soe_name ILIKE $${params.push(`%${filter.soeName.replace(/[%_\\]/g, '\\$&')}%`)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const sums = await queryRows<{ source: string; n: number; sum: string }>(
      m,
      `SELECT c.source, count(*)::int AS n, sum(c.amount_fen)::text AS sum FROM contributions c ${clause} GROUP BY c.source ORDER BY c.source`,
      params,
    );
    const total = sums.reduce((s, r) => s + r.n, 0);
    const totalFen = sums.reduce((s, r) => s + BigInt(r.sum), 0n);
    const rows = await queryRows<Record<string, unknown>>(
      m,
      `SELECT c.id::text, c.target_type, c.target_id::text, c.district_id::text, d.name AS district_name, c.source, c.amount_fen::text,
              c.year, c.document_ref, c.received_on, c.household_id::text, c.fiscal_funded, c.soe_name, c.soe_profit_base_fen::text,
              c.entry_id::text, c.created_by, c.created_at,
              CASE c.target_type WHEN 'MUTUAL_AID_FUND' THEN (SELECT name FROM mutual_aid_funds WHERE id = c.target_id)
                                 WHEN 'RISK_FUND' THEN (SELECT name FROM risk_funds WHERE id = c.target_id)
                                 ELSE (SELECT name FROM subsidy_programmes WHERE id = c.target_id) END AS target_name
         FROM contributions c LEFT JOIN districts d ON d.id = c.district_id
        ${clause} ORDER BY c.received_on DESC, c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return {
      items: rows.map((r) => ({
        id: r.id as string,
        targetType: r.target_type as string,
        targetId: r.target_id as string,
        targetName: (r.target_name as string | null) ?? null,
        districtId: r.district_id as string | null,
        districtName: r.district_name as string | null,
        source: r.source as string,
        amount: formatYuan(BigInt(r.amount_fen as string)),
        year: r.year as number,
        documentRef: r.document_ref as string | null,
        receivedOn: r.received_on as string,
        householdId: r.household_id as string | null,
        fiscalFunded: r.fiscal_funded as boolean,
        soeName: r.soe_name as string | null,
        soeProfitBase:
          r.soe_profit_base_fen === null ? null : formatYuan(BigInt(r.soe_profit_base_fen as string)),
        entryId: r.entry_id as string,
        createdBy: r.created_by as string,
        createdAt: new Date(r.created_at as Date).toISOString(),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
      totalAmount: formatYuan(totalFen),
      bySource: Object.fromEntries(sums.map((s) => [s.source, formatYuan(BigInt(s.sum))])),
    };
  }

  async rule(year: number, m: EntityManager = this.dataSource.manager): Promise<MatchingRuleView> {
    const row = await queryOne<{
      ratio: string;
      soe_profit_percent: string;
      document_ref: string | null;
      note: string | null;
      updated_by: string;
      updated_at: Date;
    }>(
      m,
      `SELECT ratio::text, soe_profit_percent::text, document_ref, note, updated_by, updated_at FROM funding_matching_rules WHERE year = $1`,
      [year],
    );
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
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM funding_matching_rules`,
    );
    const years = await queryRows<{ year: number }>(
      m,
      `SELECT year FROM funding_matching_rules ORDER BY year DESC LIMIT $1 OFFSET $2`,
      [page.pageSize, offsetOf(page)],
    );
    const items: MatchingRuleView[] = [];
    for (const y of years) items.push(await this.rule(y.year, m));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Sets a year's matching ratio and SOE profit share (ADMIN/FUND_ADMIN); audited with before and after. */
  async setRule(
    year: number,
    input: { ratio: string; soeProfitPercent?: string; documentRef?: string | null; note?: string | null },
  ): Promise<MatchingRuleView> {
    const errors = matchingRuleErrors(input).map((e) => ({ ...e, code: 'INVALID' }));
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
      await m.query(
        `INSERT INTO funding_matching_rules (year, ratio, soe_profit_percent, document_ref, note, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (year) DO UPDATE SET ratio = EXCLUDED.ratio, soe_profit_percent = EXCLUDED.soe_profit_percent,
           document_ref = EXCLUDED.document_ref, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now(),
           version = funding_matching_rules.version + 1`,
        [
          year,
          input.ratio,
          input.soeProfitPercent ?? DEFAULT_SOE_PROFIT_PERCENT,
          input.documentRef ?? null,
          input.note ?? null,
          actor,
        ],
      );
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
    const rows = await queryRows<{ id: string; code: string; name: string; city: string; district: string }>(
      m,
      `SELECT d.id::text, d.code, d.name,
              coalesce(sum(c.amount_fen) FILTER (WHERE c.source = 'CITY'), 0)::text AS city,
              coalesce(sum(c.amount_fen) FILTER (WHERE c.source = 'DISTRICT'), 0)::text AS district
         FROM districts d LEFT JOIN contributions c ON c.district_id = d.id AND c.year = $1
        WHERE ($2::bigint IS NULL OR d.id = $2)
        GROUP BY d.id ORDER BY d.code`,
      [year, districtId ?? null],
    );
    if (districtId !== undefined && !rows.length)
      throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const soeByDistrict = await queryRows<{ district_id: string; soe_name: string; sum: string }>(
      m,
      `SELECT district_id::text, soe_name, sum(amount_fen)::text AS sum FROM contributions
        WHERE year = $1 AND source = 'SOE' AND district_id IS NOT NULL AND ($2::bigint IS NULL OR district_id = $2)
        GROUP BY district_id, soe_name ORDER BY district_id, soe_name`,
      [year, districtId ?? null],
    );
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
    const enterprises = await queryRows<{ soe_name: string; sum: string; base: string | null }>(
      m,
      `SELECT soe_name, sum(amount_fen)::text AS sum,
              (array_agg(soe_profit_base_fen::text ORDER BY received_on DESC, id DESC) FILTER (WHERE soe_profit_base_fen IS NOT NULL))[1] AS base
         FROM contributions WHERE year = $1 AND source = 'SOE' AND ($2::bigint IS NULL OR district_id = $2)
        GROUP BY soe_name ORDER BY soe_name`,
      [year, districtId ?? null],
    );
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
