import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney, MONEY_PATTERN } from '#libs/common';
import { CONTRIBUTION_SOURCES, CONTRIBUTION_TARGETS } from './store/contributions.store.js';

/** The response bodies of funding: the contributions register, the matching rules and the compliance report. */

export class FundingContributionResponse {
  @ApiId({ example: '31' }) id!: string;
  @ApiProperty({ enum: CONTRIBUTION_TARGETS, example: 'SUBSIDY_PROGRAMME' }) targetType!: string;
  @ApiId({ example: '1' }) targetId!: string;
  @ApiProperty({ type: String, nullable: true, example: '淄博市扶贫小额信贷贴息' }) targetName!: string | null;
  @ApiId({ nullable: true, example: null }) districtId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) districtName!: string | null;
  @ApiProperty({ enum: CONTRIBUTION_SOURCES, example: 'CITY' }) source!: string;
  @ApiMoney({ example: '2000000.00' }) amount!: string;
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty({ type: String, nullable: true, example: '淄财农〔2026〕1号' }) documentRef!: string | null;
  @ApiDate({ example: '2026-01-15' }) receivedOn!: string;
  @ApiId({ nullable: true, example: null, description: 'The member household of a MEMBER contribution' }) householdId!: string | null;
  @ApiProperty({ example: false }) fiscalFunded!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null }) soeName!: string | null;
  @ApiMoney({ nullable: true, example: null, description: 'The profit base an SOE declared' }) soeProfitBase!: string | null;
  @ApiId({ example: '120', description: 'The journal entry' }) entryId!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}

/** A page of contributions with the sums of every matching contribution (not only this page's). */
export class FundingContributionsResponse {
  @ApiProperty({ type: [FundingContributionResponse] }) items!: FundingContributionResponse[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 1 }) total!: number;
  @ApiMoney({ example: '2000000.00' }) totalAmount!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', pattern: MONEY_PATTERN },
    example: { CITY: '2000000.00' },
    description: 'The sum per source (only sources with contributions)',
  })
  bySource!: Record<string, string>;
}

export class MatchingRuleResponse {
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiDecimal({ example: '2', description: 'District match required per yuan of city allocation' }) ratio!: string;
  @ApiDecimal({ example: '3', description: 'Percent of the profit base an SOE is expected to contribute' }) soeProfitPercent!: string;
  @ApiProperty({ example: false, description: 'No rule was set for the year: the defaults apply' }) isDefault!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '淄政办〔2026〕5号' }) documentRef!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) note!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'fund.admin' }) updatedBy!: string | null;
  @ApiDateTime({ nullable: true }) updatedAt!: string | null;
}

export class ComplianceSoeAmountResponse {
  @ApiProperty({ example: '淄博矿业集团' }) name!: string;
  @ApiMoney({ example: '30000.00' }) amount!: string;
}

export class ComplianceDistrictResponse {
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370303' }) districtCode!: string;
  @ApiProperty({ example: '张店区' }) districtName!: string;
  @ApiMoney({ example: '1000000.00' }) cityAllocation!: string;
  @ApiMoney({ example: '1500000.00' }) districtMatch!: string;
  @ApiDecimal({ example: '2' }) requiredRatio!: string;
  @ApiDecimal({ nullable: true, example: '1.5000', description: 'null when the city allocated nothing' }) actualRatio!: string | null;
  @ApiMoney({ example: '2000000.00' }) requiredMatch!: string;
  @ApiMoney({ example: '500000.00' }) shortfall!: string;
  @ApiProperty({ example: false }) compliant!: boolean;
  @ApiMoney({ example: '30000.00' }) soeContributions!: string;
  @ApiProperty({ type: [ComplianceSoeAmountResponse] }) soe!: ComplianceSoeAmountResponse[];
}

export class ComplianceSoeResponse {
  @ApiProperty({ example: '淄博矿业集团' }) name!: string;
  @ApiMoney({ nullable: true, example: '1000000.00', description: 'null when the SOE declared no profit base' }) profitBase!: string | null;
  @ApiMoney({ nullable: true, example: '30000.00' }) expected!: string | null;
  @ApiMoney({ example: '30000.00' }) actual!: string;
  @ApiMoney({ nullable: true, example: '0.00' }) shortfall!: string | null;
  @ApiProperty({ type: Boolean, nullable: true, example: true }) compliant!: boolean | null;
}

export class ComplianceTotalsResponse {
  @ApiMoney({ example: '1000000.00' }) cityAllocation!: string;
  @ApiMoney({ example: '1500000.00' }) districtMatch!: string;
  @ApiMoney({ example: '2000000.00' }) requiredMatch!: string;
  @ApiMoney({ example: '500000.00' }) shortfall!: string;
  @ApiProperty({ example: 0 }) compliantDistricts!: number;
  @ApiProperty({ example: 1 }) districts!: number;
}

export class ComplianceReportResponse {
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty({ type: MatchingRuleResponse }) rule!: MatchingRuleResponse;
  @ApiProperty({ type: [ComplianceDistrictResponse] }) districts!: ComplianceDistrictResponse[];
  @ApiProperty({ type: [ComplianceSoeResponse] }) soe!: ComplianceSoeResponse[];
  @ApiProperty({ type: ComplianceTotalsResponse }) totals!: ComplianceTotalsResponse;
}
