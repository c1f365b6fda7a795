import { ApiProperty, type ApiPropertyOptions, type SchemaObject } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney, PageOf } from '#libs/common';

/**
 * Response DTOs of the reporting API: each describes exactly the JSON its handler returns (domain/report.ts,
 * reporting.service.ts). Ratios and percents are exact decimal strings, null where the denominator is zero.
 */

/** A scalar figure as a report stores it: a decimal string, a label, a count, a flag or null. */
const LEAF: SchemaObject = {
  nullable: true,
  anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
};

export class ReportMatchingResponse {
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiMoney() cityAllocation!: string;
  @ApiMoney() districtMatch!: string;
  @ApiDecimal({ example: '2' }) requiredRatio!: string;
  @ApiDecimal({ nullable: true, example: '2.0000' }) actualRatio!: string | null;
  @ApiMoney() requiredMatch!: string;
  @ApiMoney() shortfall!: string;
  @ApiProperty() compliant!: boolean;
}

export class DistrictReportRowResponse {
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370302' }) districtCode!: string;
  @ApiProperty({ example: '淄川区' }) districtName!: string;
  @ApiProperty() heavyTask!: boolean;
  @ApiId({ nullable: true }) riskFundId!: string | null;
  @ApiMoney() fundBalance!: string;
  @ApiMoney() requiredMinimum!: string;
  @ApiMoney() minimumShortfall!: string;
  @ApiProperty() belowMinimum!: boolean;
  @ApiMoney() coveredOutstanding!: string;
  @ApiDecimal({
    nullable: true,
    example: '7.5000',
    description: 'Covered outstanding ÷ fund balance; null without fund money',
  })
  leverageRatio!: string | null;
  @ApiDecimal({ example: '10' }) leverageCap!: string;
  @ApiDecimal({ nullable: true, example: '75.0000' }) leverageUsePercent!: string | null;
  @ApiMoney() capacityLeft!: string;
  @ApiProperty({ example: 120 }) newCoveredLoans!: number;
  @ApiMoney() newCoveredAmount!: string;
  @ApiProperty({ example: 90 }) nplOverdueDays!: number;
  @ApiMoney() nplPrincipal!: string;
  @ApiDecimal({ nullable: true, example: '1.0000' }) nplRatioPercent!: string | null;
  @ApiMoney() compensationPaid!: string;
  @ApiMoney() recoveries!: string;
  @ApiMoney() subsidyPaid!: string;
  @ApiDecimal({ nullable: true, example: '98.5000' }) repaymentRatePercent!: string | null;
  @ApiMoney() mutualAidCapital!: string;
  @ApiMoney() mutualAidOutstanding!: string;
  @ApiDecimal({ nullable: true, example: '75.0000' }) utilisationPercent!: string | null;
  @ApiProperty({ type: () => ReportMatchingResponse }) matching!: ReportMatchingResponse;
}

export class BankReportRowResponse {
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370302' }) districtCode!: string;
  @ApiProperty({ example: '淄川区' }) districtName!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'ZBRCB' }) bankCode!: string;
  @ApiProperty({ example: 'Zibo Rural Commercial Bank' }) bankName!: string;
  @ApiId() agreementId!: string;
  @ApiProperty({ example: 'GA-2025-001' }) agreementNo!: string;
  @ApiMoney() fundBalance!: string;
  @ApiMoney() coveredOutstanding!: string;
  @ApiDecimal({ nullable: true, example: '7.5000' }) leverageRatio!: string | null;
  @ApiDecimal({ example: '10' }) leverageCap!: string;
  @ApiDecimal({ nullable: true, example: '75.0000' }) leverageUsePercent!: string | null;
  @ApiMoney() capacityLeft!: string;
  @ApiProperty({ example: 120 }) newCoveredLoans!: number;
  @ApiMoney() newCoveredAmount!: string;
  @ApiMoney() nplPrincipal!: string;
  @ApiDecimal({ nullable: true, example: '1.0000' }) nplRatioPercent!: string | null;
  @ApiMoney() subsidyPaid!: string;
  @ApiDecimal({ nullable: true, example: '98.5000' }) repaymentRatePercent!: string | null;
  @ApiMoney({ description: "The fund's share of this bank's claims paid in the month" })
  compensationPaid!: string;
  @ApiMoney({ description: "The fund's part of their recoveries" }) recoveries!: string;
}

export class FundReportRowResponse {
  @ApiId() fundId!: string;
  @ApiProperty({ example: '上小峰村互助资金' }) fundName!: string;
  @ApiId() villageId!: string;
  @ApiProperty({ example: '上小峰村' }) villageName!: string;
  @ApiId() districtId!: string;
  @ApiMoney() capital!: string;
  @ApiMoney() outstanding!: string;
  @ApiMoney() cash!: string;
  @ApiDecimal({ nullable: true, example: '75.0000' }) utilisationPercent!: string | null;
  @ApiMoney() par30Principal!: string;
  @ApiDecimal({ nullable: true, example: '1.2000' }) par30Percent!: string | null;
  @ApiDecimal({ nullable: true, example: '98.5000' }) repaymentRatePercent!: string | null;
  @ApiProperty({ example: 40 }) householdsServed!: number;
  @ApiProperty({ example: 25 }) poorHouseholdsServed!: number;
}

export class RankingComponentsResponse {
  @ApiDecimal({ example: '0.98500000' }) repaymentRate!: string;
  @ApiDecimal({ example: '0.90000000' }) npl!: string;
  @ApiDecimal({ example: '0.83333333' }) utilisation!: string;
  @ApiDecimal({ example: '0.75000000' }) leverageUse!: string;
}

export class RankedDistrictResponse {
  @ApiProperty({ example: 1 }) rank!: number;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370302' }) districtCode!: string;
  @ApiProperty({ example: '淄川区' }) districtName!: string;
  @ApiDecimal({ example: '84.4750' }) score!: string;
  @ApiProperty({ type: () => RankingComponentsResponse }) components!: RankingComponentsResponse;
  @ApiProperty({ type: Number, nullable: true, example: 2 }) previousRank!: number | null;
  @ApiDecimal({ nullable: true, example: '80.1000' }) previousScore!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 1,
    description: 'previousRank − rank: positive when the district moved up',
  })
  rankChange!: number | null;
  @ApiDecimal({ nullable: true, example: '4.3750' }) scoreChange!: string | null;
}

/** The report's totals: over the district rows shown; every figure null in a bank's and a town's or village's view. */
export class MonthlyReportTotalsResponse {
  @ApiMoney({ nullable: true }) fundBalance!: string | null;
  @ApiMoney({ nullable: true }) coveredOutstanding!: string | null;
  @ApiDecimal({ nullable: true, example: '7.5000' }) leverageRatio!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 120 }) newCoveredLoans!: number | null;
  @ApiMoney({ nullable: true }) newCoveredAmount!: string | null;
  @ApiMoney({ nullable: true }) nplPrincipal!: string | null;
  @ApiDecimal({ nullable: true, example: '1.0000' }) nplRatioPercent!: string | null;
  @ApiMoney({ nullable: true }) compensationPaid!: string | null;
  @ApiMoney({ nullable: true }) recoveries!: string | null;
  @ApiMoney({ nullable: true }) subsidyPaid!: string | null;
  @ApiMoney({ nullable: true }) mutualAidCapital!: string | null;
  @ApiMoney({ nullable: true }) mutualAidOutstanding!: string | null;
}

export class MonthlyReportDataResponse {
  @ApiProperty({ enum: ['MONTHLY'] }) kind!: string;
  @ApiProperty({ example: '2026-01' }) month!: string;
  @ApiDate() periodStart!: string;
  @ApiDate() periodEnd!: string;
  @ApiProperty({
    type: () => [DistrictReportRowResponse],
    description: 'Only its own district for district staff; empty for a bank and for town or village staff',
  })
  districts!: DistrictReportRowResponse[];
  @ApiProperty({
    type: () => [BankReportRowResponse],
    description:
      'Only its own rows for a bank, its district’s for district staff; empty for town or village staff',
  })
  banks!: BankReportRowResponse[];
  @ApiProperty({
    type: () => [FundReportRowResponse],
    description: 'Empty for a bank; only the funds of its area for area staff',
  })
  funds!: FundReportRowResponse[];
  @ApiProperty({
    type: () => [RankedDistrictResponse],
    description: 'Only its own line for district staff; empty for a bank and for town or village staff',
  })
  ranking!: RankedDistrictResponse[];
  @ApiProperty({ type: () => MonthlyReportTotalsResponse }) totals!: MonthlyReportTotalsResponse;
}

export class ReportSnapshotSummaryResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'MONTHLY' }) kind!: string;
  @ApiProperty({ example: '2026-01' }) month!: string;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiDateTime() generatedAt!: string;
  @ApiProperty({ example: 'system' }) generatedBy!: string;
  @ApiProperty({
    description: 'SHA-256 of the canonical JSON of the data',
    example: '5f0c8e1d9a0b4c2e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d',
  })
  hash!: string;
  @ApiId({ nullable: true, description: 'The snapshot this version replaces' }) supersedes!: string | null;
  @ApiProperty({ description: 'True for the newest version of its month' }) latest!: boolean;
}
export const ReportSnapshotSummaryPage = PageOf(ReportSnapshotSummaryResponse);

export class ReportSnapshotResponse extends ReportSnapshotSummaryResponse {
  @ApiProperty({ type: () => MonthlyReportDataResponse }) data!: MonthlyReportDataResponse;
}

export class GenerateReportResponse {
  @ApiProperty({
    enum: ['CREATED', 'VERSIONED', 'UNCHANGED'],
    description:
      "CREATED: the month's first report; VERSIONED: the month's data changed; UNCHANGED: same content, nothing stored",
  })
  action!: string;
  @ApiProperty({ type: () => ReportSnapshotResponse }) snapshot!: ReportSnapshotResponse;
}

export class ReportFigureChangeResponse {
  @ApiProperty({ example: 'districts' }) section!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2',
    description: "The row's key in its section; null for the totals",
  })
  key!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: LEAF,
    description: "The row's identifying labels",
    example: { districtId: '2', districtCode: '370302' },
  })
  row!: Record<string, string | number | boolean | null>;
  @ApiProperty({
    example: 'compensationPaid',
    description: 'Dotted for a nested figure (`matching.shortfall`)',
  })
  field!: string;
  @ApiProperty({ ...LEAF, example: '80000.00' } as ApiPropertyOptions) before!:
    string | number | boolean | null;
  @ApiProperty({ ...LEAF, example: '82000.00' } as ApiPropertyOptions) after!:
    string | number | boolean | null;
  @ApiDecimal({
    nullable: true,
    example: '2000.00',
    description: 'after − before, exact, for two decimals or two integers',
  })
  difference!: string | null;
}

export class ReportRowChangeResponse {
  @ApiProperty({ example: 'banks' }) section!: string;
  @ApiProperty({ example: '5' }) key!: string;
  @ApiProperty({ type: 'object', additionalProperties: LEAF, example: { bankCode: 'ZBRCB' } })
  row!: Record<string, string | number | boolean | null>;
  @ApiProperty({ enum: ['ADDED', 'REMOVED'] }) change!: string;
}

export class ReportDiffResponse {
  @ApiProperty({ type: () => [ReportRowChangeResponse], description: 'Rows present in one version only' })
  rows!: ReportRowChangeResponse[];
  @ApiProperty({
    type: () => [ReportFigureChangeResponse],
    description: 'Figures of a row in both versions that differ',
  })
  figures!: ReportFigureChangeResponse[];
}

export class ReportLateEntryResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'RISK_FUND_COMPENSATION' }) code!: string;
  @ApiDate({ description: 'The value date of the money movement' }) valueDate!: string;
  @ApiDateTime() recordedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'claim CC-2026-0007' }) memo!: string | null;
  @ApiProperty({ type: [String], example: ['RF:1:BALANCE'] }) accounts!: string[];
}

export class ReportLateLoanFactResponse {
  @ApiProperty({ enum: ['BANK_REPAYMENT_REPORT', 'COVERED_LOAN_REGISTRATION'] }) kind!: string;
  @ApiId({ description: "The report's id, or the loan's for a registration" }) id!: string;
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'CL-2025-000088' }) loanNo!: string;
  @ApiId({ nullable: true }) bankId!: string | null;
  @ApiDate({ description: "The repayment's as-of date, or the loan's disbursement date" }) date!: string;
  @ApiMoney() principal!: string;
  @ApiMoney() interest!: string;
  @ApiId({ nullable: true }) entryId!: string | null;
  @ApiDateTime() recordedAt!: string;
}

export class ReportVersionChangesResponse {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ type: Number, nullable: true, example: 1 }) previousVersion!: number | null;
  @ApiProperty({ type: () => ReportDiffResponse, nullable: true, description: 'Null for the first version' })
  changes!: ReportDiffResponse | null;
  @ApiProperty({ type: () => [ReportLateEntryResponse] }) lateEntries!: ReportLateEntryResponse[];
  @ApiProperty({ example: 1, description: 'How many late entries there are (the list holds at most 500)' })
  lateEntriesTotal!: number;
  @ApiProperty({ type: () => [ReportLateLoanFactResponse] }) lateLoanFacts!: ReportLateLoanFactResponse[];
}

export class ReportVersionResponse extends ReportSnapshotSummaryResponse {
  @ApiProperty({ type: Number, nullable: true, example: 1 }) previousVersion!: number | null;
  @ApiProperty({ type: () => ReportDiffResponse, nullable: true, description: 'Null for the first version' })
  changes!: ReportDiffResponse | null;
  @ApiProperty({ type: () => [ReportLateEntryResponse] }) lateEntries!: ReportLateEntryResponse[];
  @ApiProperty({ example: 1 }) lateEntriesTotal!: number;
  @ApiProperty({ type: () => [ReportLateLoanFactResponse] }) lateLoanFacts!: ReportLateLoanFactResponse[];
}

export class DistrictRankingResponse {
  @ApiProperty({ example: '2026-01' }) month!: string;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ type: () => [RankedDistrictResponse] }) ranking!: RankedDistrictResponse[];
}
