import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney } from '#libs/common';
import {
  ALERT_KINDS,
  BUSINESS_TYPES,
  CLASS_KINDS,
  FLOOR_RECIPIENTS,
  HOLDER_TYPES,
  HOUSEHOLD_WEIGHTINGS,
  OTHER_CLASS_KINDS,
  PROJECT_STATUSES,
  RIGHT_RULES,
  RUN_STATUSES,
} from './domain/model.js';

/** Response bodies of the asset-income endpoints, exactly as the services build them. */

const ASSESSMENTS = ['OK', 'NEAR_THRESHOLD', 'LIQUIDATION_REQUIRED'] as const;
const RIGHT_ORIGINS = ['QUANTIFICATION', 'TRANSFER', 'RETURN_TO_COLLECTIVE'] as const;
const LIQUIDATION_STATUSES = ['PREPARED', 'APPROVED', 'PAID'] as const;

// -- projects ---------------------------------------------------------------------------------------------------

export class AssetIncomeCapitalClassResponse {
  @ApiProperty({ enum: OTHER_CLASS_KINDS, example: 'COLLECTIVE_ASSETS' }) kind!: string;
  @ApiMoney({ example: '500000.00' }) amount!: string;
  @ApiProperty({ type: String, nullable: true, example: 'guesthouse' }) description!: string | null;
}

export class AssetIncomeProjectResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: 'Shangxiaofeng rural tourism cooperative' }) name!: string;
  @ApiId({ example: '1' }) villageId!: string;
  @ApiProperty({ example: '上小峰村' }) villageName!: string;
  @ApiId({ example: '1' }) districtId!: string;
  @ApiId({ example: '3' }) entityId!: string;
  @ApiProperty({ example: '上小峰旅游专业合作社' }) entityName!: string;
  @ApiProperty({ enum: BUSINESS_TYPES, example: 'RURAL_TOURISM' }) businessType!: string;
  @ApiProperty({ enum: PROJECT_STATUSES, example: 'ACTIVE' }) status!: string;
  @ApiMoney({ example: '1000000.00' }) specialFund!: string;
  @ApiDecimal({ example: '30' }) collectivePercent!: string;
  @ApiProperty({ enum: HOUSEHOLD_WEIGHTINGS, example: 'EQUAL' }) householdWeighting!: string;
  @ApiProperty({ enum: RIGHT_RULES, example: 'TRANSFER' }) rightRule!: string;
  @ApiDecimal({ example: '10' }) floorRatePercent!: string;
  @ApiProperty({
    enum: FLOOR_RECIPIENTS,
    example: 'POOR_HOUSEHOLDS',
    description: 'Whose shares the floor tops up',
  })
  floorRecipients!: string;
  @ApiDecimal({ example: '100' }) payoutPercent!: string;
  @ApiMoney({ example: '1500000.00' }) liquidationThreshold!: string;
  @ApiMoney({ example: '300000.00' }) alertMargin!: string;
  @ApiProperty({
    type: () => [AssetIncomeCapitalClassResponse],
    description: 'Capital bundled with the special fund',
  })
  capital!: AssetIncomeCapitalClassResponse[];
  @ApiMoney({ example: '1500000.00' }) totalCapital!: string;
  @ApiDate({ nullable: true, example: '2023-03-01' }) injectedOn!: string | null;
  @ApiDate({ nullable: true, example: '2023-03-15' }) quantifiedOn!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: null }) liquidationFlaggedYear!: number | null;
  @ApiDate({ nullable: true, example: null }) liquidatedOn!: string | null;
  @ApiProperty({ example: 'fund-admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}

export class AssetIncomeRegisterTotalsResponse {
  @ApiMoney({ example: '300000.00' }) collective!: string;
  @ApiMoney({ example: '700000.00' }) households!: string;
  @ApiProperty({ example: 137 }) householdHolders!: number;
}

export class AssetIncomeProjectLedgerResponse {
  @ApiMoney({ example: '1500000.00' }) operatorCapital!: string;
  @ApiMoney({ example: '0.00' }) specialFundUnquantified!: string;
  @ApiMoney({ example: '300000.00' }) specialFundCollective!: string;
  @ApiMoney({ example: '700000.00' }) specialFundHouseholds!: string;
  @ApiMoney({ example: '0.00' }) operatorOwes!: string;
  @ApiMoney({ example: '0.00' }) dividendsPayable!: string;
}

/** A project with its current register totals and its ledger balances. */
export class AssetIncomeProjectDetailResponse extends AssetIncomeProjectResponse {
  @ApiProperty({ type: () => AssetIncomeRegisterTotalsResponse })
  register!: AssetIncomeRegisterTotalsResponse;
  @ApiProperty({ type: () => AssetIncomeProjectLedgerResponse }) ledger!: AssetIncomeProjectLedgerResponse;
}

export class AssetIncomeQuantifiedRightResponse {
  @ApiId({ example: '12' }) householdId!: string;
  @ApiProperty({ example: '张三' }) headName!: string;
  @ApiProperty({ example: 3 }) memberCount!: number;
  @ApiProperty({ example: 1 }) weight!: number;
  @ApiMoney({ example: '5109.49' }) amount!: string;
  @ApiDecimal({ example: '0.5109', description: 'Percent of the special fund' }) sharePercent!: string;
}

export class AssetIncomeQuantificationResponse {
  @ApiId({ example: '1' }) projectId!: string;
  @ApiDate({ example: '2023-03-15' }) asOf!: string;
  @ApiMoney({ example: '1000000.00' }) specialFund!: string;
  @ApiDecimal({ example: '30' }) collectivePercent!: string;
  @ApiProperty({ enum: HOUSEHOLD_WEIGHTINGS, example: 'EQUAL' }) weighting!: string;
  @ApiMoney({ example: '300000.00' }) collective!: string;
  @ApiMoney({ example: '700000.00' }) households!: string;
  @ApiProperty({ example: 137 }) householdCount!: number;
  @ApiProperty({ example: 402 }) people!: number;
  @ApiProperty({ type: () => [AssetIncomeQuantifiedRightResponse] })
  rights!: AssetIncomeQuantifiedRightResponse[];
}

/** The quantification as written: the preview, the project's new status and the journal entry. */
export class AssetIncomeQuantifiedResponse extends AssetIncomeQuantificationResponse {
  @ApiProperty({ enum: ['ACTIVE'], example: 'ACTIVE' }) status!: string;
  @ApiId({ example: '212' }) entryId!: string;
}

export class AssetIncomeRightResponse {
  @ApiId({ example: '2' }) id!: string;
  @ApiProperty({ enum: ['COLLECTIVE', 'HOUSEHOLD'], example: 'HOUSEHOLD' }) holderType!: string;
  @ApiId({ nullable: true, example: '12' }) householdId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '张三' }) headName!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) memberCount!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'POOR' }) householdStatus!: string | null;
  @ApiMoney({ example: '5109.49' }) amount!: string;
  @ApiDecimal({ example: '0.5109', description: 'Percent of the special fund' }) sharePercent!: string;
  @ApiProperty({ example: 1 }) weight!: number;
  @ApiDate({ example: '2023-03-15' }) validFrom!: string;
  @ApiDate({ nullable: true, example: null }) validTo!: string | null;
  @ApiProperty({ enum: RIGHT_ORIGINS, example: 'QUANTIFICATION' }) origin!: string;
  @ApiId({ nullable: true, example: null }) predecessorId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) reason!: string | null;
}

export class AssetIncomePendingMoveResponse extends AssetIncomeRightResponse {
  @ApiProperty({ type: Number, nullable: true, example: 2024 }) graduatedYear!: number | null;
}

export class AssetIncomePendingMovesResponse {
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ enum: RIGHT_RULES, example: 'TRANSFER' }) rightRule!: string;
  @ApiProperty({ type: () => [AssetIncomePendingMoveResponse] }) items!: AssetIncomePendingMoveResponse[];
}

export class AssetIncomeRightMoveResponse {
  @ApiProperty({ type: () => AssetIncomeRightResponse, description: 'The right as it ended' })
  closed!: AssetIncomeRightResponse;
  @ApiProperty({
    type: () => AssetIncomeRightResponse,
    description: 'The new right, naming the old as predecessor',
  })
  opened!: AssetIncomeRightResponse;
}

// -- results and alerts -----------------------------------------------------------------------------------------

export class AssetIncomeResultResponse {
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ example: 2024 }) year!: number;
  @ApiMoney({ example: '2100000.00' }) revenue!: string;
  @ApiMoney({ example: '-80000.00' }) netProfit!: string;
  @ApiMoney({ example: '1650000.00' }) netAssets!: string;
  @ApiDate({ example: '2025-01-20' }) reportedOn!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ enum: ['MANUAL', 'CSV'], example: 'MANUAL' }) source!: string;
  @ApiProperty({ example: 'fund-admin' }) enteredBy!: string;
  @ApiDateTime() updatedAt!: string;
}

export class AssetIncomeRecordedResultResponse extends AssetIncomeResultResponse {
  @ApiProperty({
    enum: ASSESSMENTS,
    example: 'NEAR_THRESHOLD',
    description:
      'Net assets against the liquidation threshold: OK, NEAR_THRESHOLD (alert) or LIQUIDATION_REQUIRED (flagged)',
  })
  assessment!: string;
  @ApiProperty({ enum: PROJECT_STATUSES, example: 'ACTIVE' }) projectStatus!: string;
}

export class AssetIncomeResultImportResponse {
  @ApiProperty({ example: 2 }) imported!: number;
  @ApiProperty({ type: () => [AssetIncomeRecordedResultResponse] })
  results!: AssetIncomeRecordedResultResponse[];
}

export class AssetIncomeAlertResponse {
  @ApiId({ example: '3' }) id!: string;
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ example: 'Shangxiaofeng' }) projectName!: string;
  @ApiId({ example: '1' }) districtId!: string;
  @ApiId({ example: '1' }) villageId!: string;
  @ApiProperty({ example: 2024 }) year!: number;
  @ApiProperty({ enum: ALERT_KINDS, example: 'NEAR_THRESHOLD' }) kind!: string;
  @ApiMoney({ example: '1650000.00' }) netAssets!: string;
  @ApiMoney({ example: '1500000.00' }) threshold!: string;
  @ApiMoney({ example: '300000.00' }) margin!: string;
  @ApiMoney({ example: '150000.00' }) headroom!: string;
  @ApiDateTime() createdAt!: string;
}

// -- dividend runs ----------------------------------------------------------------------------------------------

export class AssetIncomeRunClassResponse {
  @ApiProperty({ enum: CLASS_KINDS, example: 'SPECIAL_HOUSEHOLDS' }) classKind!: string;
  @ApiProperty({ example: 137 }) holders!: number;
  @ApiMoney({ example: '700000.00' }) basis!: string;
  @ApiMoney({ example: '0.00' }) proRata!: string;
  @ApiMoney({ example: '70000.13' }) floor!: string;
  @ApiMoney({ example: '70000.13' }) entitled!: string;
  @ApiMoney({ example: '28000.05' }) paid!: string;
}

export class AssetIncomeRunResponse {
  @ApiId({ example: '7' }) id!: string;
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ example: 2024 }) year!: number;
  @ApiProperty({ enum: RUN_STATUSES, example: 'PAID' }) status!: string;
  @ApiDate({ example: '2024-12-31' }) recordDate!: string;
  @ApiProperty({ example: 1 }) resultVersion!: number;
  @ApiMoney({ example: '-80000.00' }) netProfit!: string;
  @ApiMoney({ example: '0.00' }) distributable!: string;
  @ApiDecimal({ example: '100' }) payoutPercent!: string;
  @ApiDecimal({ example: '10' }) floorRatePercent!: string;
  @ApiProperty({ enum: FLOOR_RECIPIENTS, example: 'POOR_HOUSEHOLDS' }) floorRecipients!: string;
  @ApiMoney({ example: '0.00' }) specialProRata!: string;
  @ApiMoney({ example: '100000.00' }) floorShortfall!: string;
  @ApiMoney({ example: '0.00' }) borneByOtherClasses!: string;
  @ApiMoney({ example: '40000.00' }) operatorTopUpAvailable!: string;
  @ApiMoney({ example: '40000.00' }) operatorTopUp!: string;
  @ApiMoney({ example: '60000.00' }) operatorOwes!: string;
  @ApiMoney({ example: '100000.00' }) entitled!: string;
  @ApiMoney({ example: '40000.00' }) paidNow!: string;
  @ApiProperty({ example: 137 }) householdsBenefited!: number;
  @ApiProperty({ example: 402 }) peopleBenefited!: number;
  @ApiProperty({ type: () => [AssetIncomeRunClassResponse] }) byClass!: AssetIncomeRunClassResponse[];
  @ApiProperty({ example: 'fund-admin' }) preparedBy!: string;
  @ApiDateTime() preparedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'fund-admin-2' }) approvedBy!: string | null;
  @ApiDateTime({ nullable: true }) approvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'fund-admin' }) paidBy!: string | null;
  @ApiDateTime({ nullable: true }) paidAt!: string | null;
  @ApiDate({ nullable: true, example: '2025-01-25' }) paidOn!: string | null;
  @ApiId({ nullable: true, example: '415' }) entryId!: string | null;
}

export class AssetIncomeRunLineResponse {
  @ApiId({ example: '88' }) id!: string;
  @ApiProperty({ enum: HOLDER_TYPES, example: 'HOUSEHOLD' }) holderType!: string;
  @ApiProperty({ enum: CLASS_KINDS, example: 'SPECIAL_HOUSEHOLDS' }) classKind!: string;
  @ApiId({ nullable: true, example: '12' }) householdId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '张三' }) headName!: string | null;
  @ApiId({ nullable: true, example: '2' }) rightId!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) memberCount!: number | null;
  @ApiMoney({ example: '5109.49' }) basis!: string;
  @ApiDecimal({
    nullable: true,
    example: '0.5109',
    description: 'Percent of the special fund (null for a class line)',
  })
  sharePercent!: string | null;
  @ApiMoney({ example: '0.00' }) proRata!: string;
  @ApiMoney({ example: '510.95' }) floor!: string;
  @ApiMoney({ example: '510.95' }) entitled!: string;
  @ApiMoney({ example: '204.38' }) paid!: string;
  @ApiMoney({ example: '306.57' }) outstanding!: string;
}

export class AssetIncomeRunLinesResponse {
  @ApiProperty({ enum: RUN_STATUSES, example: 'PAID' }) runStatus!: string;
  @ApiProperty({ type: () => [AssetIncomeRunLineResponse] }) items!: AssetIncomeRunLineResponse[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 138 }) total!: number;
}

export class AssetIncomeStatementHouseholdResponse {
  @ApiId({ example: '12' }) id!: string;
  @ApiProperty({ example: '张三' }) headName!: string;
  @ApiId({ example: '1' }) villageId!: string;
  @ApiProperty({ example: 3 }) memberCount!: number;
  @ApiProperty({ example: 'POOR' }) status!: string;
}

export class AssetIncomeStatementTotalsResponse {
  @ApiMoney({ example: '1532.85' }) entitled!: string;
  @ApiMoney({ example: '1226.28' }) paid!: string;
  @ApiMoney({ example: '306.57' }) outstanding!: string;
}

export class AssetIncomeStatementLineResponse {
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ example: 'Shangxiaofeng' }) projectName!: string;
  @ApiProperty({ example: 2024 }) year!: number;
  @ApiDate({ example: '2024-12-31' }) recordDate!: string;
  @ApiDate({ example: '2025-01-25' }) paidOn!: string;
  @ApiMoney({ example: '5109.49' }) quantifiedAmount!: string;
  @ApiDecimal({ example: '0.5109' }) sharePercent!: string;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) memberCount!: number | null;
  @ApiMoney({ example: '0.00' }) proRata!: string;
  @ApiMoney({ example: '510.95' }) floor!: string;
  @ApiMoney({ example: '510.95' }) amount!: string;
  @ApiMoney({ example: '204.38' }) paid!: string;
  @ApiMoney({ example: '306.57' }) outstanding!: string;
}

export class AssetIncomeDividendStatementResponse {
  @ApiProperty({ type: () => AssetIncomeStatementHouseholdResponse })
  household!: AssetIncomeStatementHouseholdResponse;
  @ApiProperty({ type: () => AssetIncomeStatementTotalsResponse })
  totals!: AssetIncomeStatementTotalsResponse;
  @ApiProperty({ type: () => [AssetIncomeStatementLineResponse] }) items!: AssetIncomeStatementLineResponse[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 3 }) total!: number;
}

export class AssetIncomeOperatorSettlementResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiId({ example: '1' }) projectId!: string;
  @ApiMoney({ example: '20000.00' }) amount!: string;
  @ApiDate({ example: '2025-06-30' }) settledOn!: string;
  @ApiId({ example: '430' }) entryId!: string;
  @ApiProperty({ example: 138 }) holdersPaid!: number;
  @ApiMoney({ example: '40000.00', description: 'What the operator still owes after this payment' })
  operatorOwes!: string;
}

// -- liquidation ------------------------------------------------------------------------------------------------

export class AssetIncomeLiquidationClassResponse {
  @ApiProperty({ enum: CLASS_KINDS, example: 'SPECIAL_HOUSEHOLDS' }) classKind!: string;
  @ApiProperty({ example: 137 }) holders!: number;
  @ApiMoney({ example: '700000.00' }) basis!: string;
  @ApiMoney({ example: '700000.00' }) amount!: string;
}

export class AssetIncomeLiquidationResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ enum: LIQUIDATION_STATUSES, example: 'PAID' }) status!: string;
  @ApiDate({ example: '2026-03-31' }) liquidationDate!: string;
  @ApiMoney({ example: '1320000.00' }) proceeds!: string;
  @ApiMoney({ example: '1000000.00' }) specialFund!: string;
  @ApiMoney({ example: '1000000.00' }) specialRepaid!: string;
  @ApiMoney({ example: '320000.00' }) others!: string;
  @ApiMoney({ example: '1500000.00' }) capital!: string;
  @ApiProperty({ type: () => [AssetIncomeLiquidationClassResponse] })
  byClass!: AssetIncomeLiquidationClassResponse[];
  @ApiProperty({ example: 'fund-admin' }) preparedBy!: string;
  @ApiDateTime() preparedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'fund-admin-2' }) approvedBy!: string | null;
  @ApiDateTime({ nullable: true }) approvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'fund-admin' }) paidBy!: string | null;
  @ApiDateTime({ nullable: true }) paidAt!: string | null;
  @ApiId({ nullable: true, example: '512' }) entryId!: string | null;
}

export class AssetIncomeLiquidationLineResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ enum: HOLDER_TYPES, example: 'COLLECTIVE' }) holderType!: string;
  @ApiProperty({ enum: CLASS_KINDS, example: 'SPECIAL_COLLECTIVE' }) classKind!: string;
  @ApiId({ nullable: true, example: null }) householdId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) headName!: string | null;
  @ApiId({ nullable: true, example: '1' }) rightId!: string | null;
  @ApiMoney({ example: '300000.00' }) basis!: string;
  @ApiDecimal({
    nullable: true,
    example: '30.0000',
    description: 'Percent of the special fund (null for a class line)',
  })
  sharePercent!: string | null;
  @ApiMoney({ example: '300000.00' }) amount!: string;
}

// -- reports ----------------------------------------------------------------------------------------------------

export class AssetIncomeReportProjectResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: 'Shangxiaofeng' }) name!: string;
  @ApiProperty({ example: '博山区' }) district!: string;
  @ApiProperty({ example: '上小峰村' }) village!: string;
  @ApiProperty({ example: '上小峰旅游专业合作社' }) entity!: string;
  @ApiProperty({ enum: BUSINESS_TYPES, example: 'RURAL_TOURISM' }) businessType!: string;
  @ApiProperty({ enum: PROJECT_STATUSES, example: 'ACTIVE' }) status!: string;
  @ApiMoney({ example: '1500000.00' }) liquidationThreshold!: string;
  @ApiMoney({ example: '300000.00' }) alertMargin!: string;
}

export class AssetIncomeReportClassResponse {
  @ApiProperty({ enum: CLASS_KINDS, example: 'SPECIAL_COLLECTIVE' }) classKind!: string;
  @ApiMoney({ example: '300000.00' }) amount!: string;
}

export class AssetIncomeReportCapitalResponse {
  @ApiProperty({ type: () => [AssetIncomeReportClassResponse] }) classes!: AssetIncomeReportClassResponse[];
  @ApiMoney({ example: '1000000.00' }) specialFund!: string;
  @ApiMoney({ example: '1500000.00' }) total!: string;
  @ApiProperty({ example: 137 }) householdHolders!: number;
  @ApiProperty({ example: 402 }) people!: number;
}

export class AssetIncomeReportResultResponse {
  @ApiProperty({ example: 2023 }) year!: number;
  @ApiMoney({ example: '2600000.00' }) revenue!: string;
  @ApiMoney({ example: '420000.00' }) netProfit!: string;
  @ApiMoney({ example: '2420000.00' }) netAssets!: string;
  @ApiMoney({ example: '1500000.00' }) threshold!: string;
  @ApiMoney({ example: '1800000.00' }) alertLine!: string;
  @ApiMoney({ example: '920000.00' }) headroom!: string;
  @ApiProperty({ enum: ASSESSMENTS, example: 'OK' }) assessment!: string;
}

export class AssetIncomeReportDividendResponse {
  @ApiProperty({ example: 2023 }) year!: number;
  @ApiDate({ example: '2023-12-31' }) recordDate!: string;
  @ApiDate({ nullable: true, example: '2024-01-25' }) paidOn!: string | null;
  @ApiMoney({ example: '420000.00' }) distributable!: string;
  @ApiMoney({ example: '420000.00' }) entitled!: string;
  @ApiMoney({ example: '300000.00' }) specialClasses!: string;
  @ApiMoney({ example: '120000.00' }) otherClasses!: string;
  @ApiMoney({ example: '420000.00' }) paidAtRun!: string;
  @ApiMoney({ example: '420000.00' }) paidToDate!: string;
  @ApiMoney({ example: '0.00' }) outstanding!: string;
  @ApiProperty({ example: 137 }) householdsBenefited!: number;
  @ApiProperty({ example: 402 }) peopleBenefited!: number;
}

export class AssetIncomeReportTotalsResponse {
  @ApiMoney({ example: '2600000.00' }) revenue!: string;
  @ApiMoney({ example: '420000.00' }) netProfit!: string;
  @ApiMoney({ example: '420000.00' }) dividendsEntitled!: string;
  @ApiMoney({ example: '420000.00' }) dividendsPaid!: string;
  @ApiProperty({ example: 137 }) householdsBenefited!: number;
  @ApiProperty({ example: 402 }) peopleBenefited!: number;
  @ApiMoney({ example: '0.00' }) operatorOwes!: string;
  @ApiMoney({ example: '0.00' }) dividendsPayable!: string;
}

export class AssetIncomeReportLiquidationResponse {
  @ApiProperty({ enum: LIQUIDATION_STATUSES, example: 'PAID' }) status!: string;
  @ApiDate({ example: '2026-03-31' }) liquidationDate!: string;
  @ApiMoney({ example: '1320000.00' }) proceeds!: string;
  @ApiMoney({ example: '1000000.00' }) specialRepaid!: string;
  @ApiMoney({ example: '320000.00' }) others!: string;
}

export class AssetIncomeProjectReportResponse {
  @ApiProperty({ type: () => AssetIncomeReportProjectResponse }) project!: AssetIncomeReportProjectResponse;
  @ApiProperty({ type: () => AssetIncomeReportCapitalResponse }) capital!: AssetIncomeReportCapitalResponse;
  @ApiProperty({ type: () => [AssetIncomeReportResultResponse] }) results!: AssetIncomeReportResultResponse[];
  @ApiProperty({ type: () => [AssetIncomeReportDividendResponse] })
  dividends!: AssetIncomeReportDividendResponse[];
  @ApiProperty({ type: () => AssetIncomeReportTotalsResponse }) totals!: AssetIncomeReportTotalsResponse;
  @ApiProperty({ type: () => AssetIncomeReportLiquidationResponse, nullable: true })
  liquidation!: AssetIncomeReportLiquidationResponse | null;
}

export class AssetIncomeDistrictSummaryResponse {
  @ApiId({ example: '1' }) districtId!: string;
  @ApiProperty({ example: '370304' }) code!: string;
  @ApiProperty({ example: '博山区' }) name!: string;
  @ApiProperty({ example: 7 }) projects!: number;
  @ApiProperty({ example: 0 }) flaggedForLiquidation!: number;
  @ApiMoney({ example: '7000000.00' }) specialFund!: string;
  @ApiMoney({ example: '9800000.00' }) capital!: string;
  @ApiMoney({ example: '18000000.00' }) revenue!: string;
  @ApiMoney({ example: '2900000.00' }) dividendsPaid!: string;
  @ApiProperty({ example: 610 }) householdsBenefited!: number;
  @ApiProperty({ example: 1832 }) peopleBenefited!: number;
}

export class AssetIncomeDistrictsReportResponse {
  @ApiProperty({ type: () => [AssetIncomeDistrictSummaryResponse] })
  items!: AssetIncomeDistrictSummaryResponse[];
}

export class AssetIncomeReportDistrictResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: '370304' }) code!: string;
  @ApiProperty({ example: '博山区' }) name!: string;
}

export class AssetIncomeReportPeriodResponse {
  @ApiProperty({ type: Number, nullable: true, example: null }) fromYear!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: null }) toYear!: number | null;
}

export class AssetIncomeDistrictProjectResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: 'Shangxiaofeng' }) name!: string;
  @ApiProperty({ example: '上小峰村' }) village!: string;
  @ApiProperty({ enum: BUSINESS_TYPES, example: 'RURAL_TOURISM' }) businessType!: string;
  @ApiProperty({ enum: PROJECT_STATUSES, example: 'ACTIVE' }) status!: string;
  @ApiMoney({ example: '1000000.00' }) specialFund!: string;
  @ApiMoney({ example: '1500000.00' }) capital!: string;
  @ApiMoney({ example: '2600000.00' }) revenue!: string;
  @ApiMoney({ example: '420000.00' }) netProfit!: string;
  @ApiProperty({ type: Number, nullable: true, example: 2023 }) latestYear!: number | null;
  @ApiMoney({ nullable: true, example: '2420000.00' }) latestNetAssets!: string | null;
  @ApiMoney({ example: '1500000.00' }) threshold!: string;
  @ApiMoney({ example: '420000.00' }) dividendsPaid!: string;
  @ApiProperty({ example: 137 }) householdsBenefited!: number;
  @ApiProperty({ example: 402 }) peopleBenefited!: number;
}

export class AssetIncomeDistrictYearResponse {
  @ApiProperty({ example: 2023 }) year!: number;
  @ApiProperty({ example: 1 }) projectsReporting!: number;
  @ApiMoney({ example: '2600000.00' }) revenue!: string;
  @ApiMoney({ example: '420000.00' }) netProfit!: string;
  @ApiMoney({ example: '420000.00' }) dividendsEntitled!: string;
  @ApiMoney({ example: '420000.00' }) dividendsPaid!: string;
  @ApiProperty({ example: 137 }) householdsBenefited!: number;
  @ApiProperty({ example: 402 }) peopleBenefited!: number;
}

export class AssetIncomeNetAssetPointResponse {
  @ApiId({ example: '1' }) projectId!: string;
  @ApiProperty({ example: 2023 }) year!: number;
  @ApiMoney({ example: '2420000.00' }) netAssets!: string;
  @ApiMoney({ example: '1500000.00' }) threshold!: string;
  @ApiMoney({ example: '920000.00' }) headroom!: string;
  @ApiProperty({ enum: ASSESSMENTS, example: 'OK' }) assessment!: string;
}

export class AssetIncomeDistrictTotalsResponse {
  @ApiProperty({ example: 1 }) projects!: number;
  @ApiMoney({ example: '1000000.00' }) specialFund!: string;
  @ApiMoney({ example: '1500000.00' }) capital!: string;
  @ApiMoney({ example: '2600000.00' }) revenue!: string;
  @ApiMoney({ example: '420000.00' }) dividendsPaid!: string;
  @ApiProperty({ example: 137 }) householdsBenefited!: number;
  @ApiProperty({ example: 402 }) peopleBenefited!: number;
  @ApiProperty({ example: 0 }) flaggedForLiquidation!: number;
}

export class AssetIncomeDistrictReportResponse {
  @ApiProperty({ type: () => AssetIncomeReportDistrictResponse })
  district!: AssetIncomeReportDistrictResponse;
  @ApiProperty({ type: () => AssetIncomeReportPeriodResponse }) period!: AssetIncomeReportPeriodResponse;
  @ApiProperty({ type: () => [AssetIncomeDistrictProjectResponse] })
  projects!: AssetIncomeDistrictProjectResponse[];
  @ApiProperty({ type: () => [AssetIncomeDistrictYearResponse] }) byYear!: AssetIncomeDistrictYearResponse[];
  @ApiProperty({ type: () => [AssetIncomeNetAssetPointResponse] })
  netAssetHistory!: AssetIncomeNetAssetPointResponse[];
  @ApiProperty({ type: () => AssetIncomeDistrictTotalsResponse }) totals!: AssetIncomeDistrictTotalsResponse;
}
