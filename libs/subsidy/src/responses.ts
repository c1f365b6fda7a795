import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney } from '#libs/common';
import { CLAIM_KINDS, CLAIM_STATUSES } from './domain/claims.js';
import { FORFEIT_REASONS } from './domain/earning.js';
import { POLICY_TYPES } from './domain/policy.js';
import { SETTLEMENT_MODES } from './domain/programme.js';
import { PROGRAMME_SOURCES } from './domain/accounts.js';

/** Response bodies of the subsidy endpoints, exactly as the services and domain/*-view.ts build them. */

const PAYEE_TYPES = ['BANK', 'FUND'] as const;

export class SubsidyProgrammeCalendarResponse {
  @ApiProperty({ type: [Number], example: [3, 6, 9, 12], description: 'Months a settlement period ends in' })
  periodEndMonths!: number[];
  @ApiProperty({ example: 20, description: 'Day of the month a settlement period ends on' })
  periodEndDay!: number;
}

export class SubsidyFundingAccountsResponse {
  @ApiProperty({ example: 'SUB:1:FUNDING:CENTRAL' }) CENTRAL!: string;
  @ApiProperty({ example: 'SUB:1:FUNDING:CITY' }) CITY!: string;
  @ApiProperty({ example: 'SUB:1:FUNDING:DISTRICT' }) DISTRICT!: string;
  @ApiProperty({ example: 'SUB:1:FUNDING:SOE' }) SOE!: string;
  @ApiProperty({ example: 'SUB:1:FUNDING:DONATION' }) DONATION!: string;
}

export class SubsidyProgrammeAccountsResponse {
  @ApiProperty({ example: 'SUB:1:BUDGET' }) budget!: string;
  @ApiProperty({ example: 'SUB:1:SETTLEMENT' }) settlement!: string;
  @ApiProperty({ type: () => SubsidyFundingAccountsResponse }) funding!: SubsidyFundingAccountsResponse;
  @ApiProperty({ example: 'SUB:1:EXPENSE' }) expense!: string;
  @ApiProperty({ example: 'SUB:1:PAYABLE:BANK' }) payableBank!: string;
  @ApiProperty({ example: 'SUB:1:PAYABLE:BORROWER' }) payableBorrower!: string;
}

export class SubsidyFundedBySourceResponse {
  @ApiMoney({ example: '0.00' }) CENTRAL!: string;
  @ApiMoney({ example: '2000000.00' }) CITY!: string;
  @ApiMoney({ example: '0.00' }) DISTRICT!: string;
  @ApiMoney({ example: '0.00' }) SOE!: string;
  @ApiMoney({ example: '0.00' }) DONATION!: string;
}

export class SubsidyProgrammePositionResponse {
  @ApiMoney({ example: '1999637.50', description: 'Cash not yet committed to a claim' }) available!: string;
  @ApiMoney({ example: '362.50', description: 'Cash set aside for approved claims not yet paid out' })
  setAside!: string;
  @ApiMoney({ example: '362.50' }) payableToBanks!: string;
  @ApiMoney({ example: '0.00' }) payableToBorrowers!: string;
  @ApiMoney({ example: '362.50' }) expense!: string;
  @ApiProperty({ type: () => SubsidyFundedBySourceResponse }) fundedBySource!: SubsidyFundedBySourceResponse;
}

export class SubsidyProgrammeResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: 'ZIBO-CITY-2026' }) code!: string;
  @ApiProperty({ example: '淄博市2026年扶贫小额信贷贴息' }) name!: string;
  @ApiId({ nullable: true, example: null }) districtId!: string | null;
  @ApiProperty({ enum: SETTLEMENT_MODES, example: 'PAY_BANK' }) settlementMode!: string;
  @ApiProperty({ type: () => SubsidyProgrammeCalendarResponse }) calendar!: SubsidyProgrammeCalendarResponse;
  @ApiProperty({ example: 10 }) graceDays!: number;
  @ApiProperty({ enum: ['ACTIVE', 'CLOSED'], example: 'ACTIVE' }) status!: string;
  @ApiProperty({ type: () => SubsidyProgrammeAccountsResponse }) accounts!: SubsidyProgrammeAccountsResponse;
  @ApiProperty({ type: () => SubsidyProgrammePositionResponse }) position!: SubsidyProgrammePositionResponse;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class SubsidyQueueApprovalResponse {
  @ApiId({ example: '13' }) claimId!: string;
  @ApiProperty({ example: 'SUB1-20260320-B2-V2' }) claimNo!: string;
  @ApiMoney({ example: '62.50', description: 'What the claim was approved for' }) amount!: string;
  @ApiId({ nullable: true, example: null, description: 'The new remainder claim, when only part fitted' })
  requeuedAs!: string | null;
}

export class SubsidyQueueRunResponse {
  @ApiProperty({
    type: () => [SubsidyQueueApprovalResponse],
    description: 'Queued claims approved by this run, in queue order',
  })
  approved!: SubsidyQueueApprovalResponse[];
  @ApiProperty({ example: 0, description: 'Claims still waiting after the run' }) stillQueued!: number;
}

export class SubsidyContributionResponse {
  @ApiId({ example: '31' }) id!: string;
  @ApiId({ example: '1' }) programmeId!: string;
  @ApiId({ nullable: true, example: null }) districtId!: string | null;
  @ApiProperty({ enum: PROGRAMME_SOURCES, example: 'CITY' }) source!: string;
  @ApiMoney({ example: '2000000.00' }) amount!: string;
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty({ type: String, nullable: true, example: '淄财农〔2026〕3号' }) documentRef!: string | null;
  @ApiDate({ example: '2026-01-15' }) receivedOn!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) soeName!: string | null;
  @ApiMoney({ nullable: true, example: null }) soeProfitBase!: string | null;
  @ApiId({ example: '120' }) entryId!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiProperty({ type: () => SubsidyQueueRunResponse, description: 'Queued claims the new money paid' })
  queue!: SubsidyQueueRunResponse;
}

export class SubsidyBudgetResponse {
  @ApiId({ example: '1' }) programmeId!: string;
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiMoney({ example: '3000000.00' }) budget!: string;
  @ApiMoney({ example: '362.50', description: 'Committed by approved claims' }) committed!: string;
  @ApiMoney({ example: '2999637.50' }) remaining!: string;
  @ApiMoney({ example: '0.00', description: "Approved claims' remainders waiting for budget or money" })
  queued!: string;
  @ApiProperty({ example: 0 }) queuedClaims!: number;
}

export class SubsidyBudgetSetResponse extends SubsidyBudgetResponse {
  @ApiProperty({ type: () => SubsidyQueueRunResponse }) queue!: SubsidyQueueRunResponse;
}

export class SubsidySettlementPeriodResponse {
  @ApiDate({ example: '2025-12-21', description: 'First day of the period' }) start!: string;
  @ApiDate({ example: '2026-03-20', description: 'Last day of the period' }) end!: string;
  @ApiProperty({ example: 2026, description: 'Budget year: the year of the end date' }) year!: number;
  @ApiProperty({ example: 1, description: '1-based position in its year' }) number!: number;
  @ApiProperty({ example: '2026-P1' }) label!: string;
}

export class SubsidyPeriodSummaryResponse extends SubsidySettlementPeriodResponse {
  @ApiProperty({ example: 2 }) claims!: number;
  @ApiMoney({ example: '362.50' }) total!: string;
  @ApiMoney({ example: '300.00' }) approved!: string;
  @ApiMoney({ example: '62.50' }) queued!: string;
}

export class SubsidyClaimPeriodResponse {
  @ApiDate({ example: '2025-12-21' }) start!: string;
  @ApiDate({ example: '2026-03-20' }) end!: string;
}

export class SubsidyClaimPayeeResponse {
  @ApiProperty({ enum: PAYEE_TYPES, example: 'BANK' }) type!: string;
  @ApiId({ nullable: true, example: '2' }) bankId!: string | null;
  @ApiId({ nullable: true, example: null }) fundId!: string | null;
}

export class SubsidyClaimResponse {
  @ApiId({ example: '12' }) id!: string;
  @ApiProperty({ example: 'SUB1-20260320-B2-V1' }) claimNo!: string;
  @ApiId({ example: '1' }) programmeId!: string;
  @ApiProperty({ type: () => SubsidyClaimPeriodResponse }) period!: SubsidyClaimPeriodResponse;
  @ApiProperty({ example: 2026 }) budgetYear!: number;
  @ApiProperty({ enum: SETTLEMENT_MODES, example: 'PAY_BANK' }) settlementMode!: string;
  @ApiProperty({ type: () => SubsidyClaimPayeeResponse }) payee!: SubsidyClaimPayeeResponse;
  @ApiProperty({ enum: CLAIM_KINDS, example: 'ORIGINAL' }) kind!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ enum: CLAIM_STATUSES, example: 'APPROVED' }) status!: string;
  @ApiId({ nullable: true, example: null }) parentClaimId!: string | null;
  @ApiId({ nullable: true, example: null }) supersededBy!: string | null;
  @ApiId({ nullable: true, example: null }) remainderClaimId!: string | null;
  @ApiProperty({ example: 2 }) lineCount!: number;
  @ApiMoney({ example: '725.00', description: 'Σ interest charged on the lines' }) interest!: string;
  @ApiMoney({ example: '0.00', description: 'Σ subsidy forfeited on the lines' }) forfeited!: string;
  @ApiMoney({ example: '362.50', description: 'Σ subsidy of the lines: what this claim asks for' })
  total!: string;
  @ApiMoney({
    nullable: true,
    example: '362.50',
    description: "The part approved against the year's budget (the rest is the remainder claim's)",
  })
  approved!: string | null;
  @ApiProperty({
    example: 0,
    description:
      'Instalments of the period still within their grace and unpaid: they enter a later generation',
  })
  pendingCount!: number;
  @ApiDate({ example: '2026-03-25' }) asOf!: string;
  @ApiProperty({
    example: '9f2c…',
    description: 'Fingerprint of the lines (an unchanged regeneration keeps the claim)',
  })
  contentHash!: string;
  @ApiProperty({ example: 'fund.admin' }) generatedBy!: string;
  @ApiDateTime() generatedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'fund.admin2' }) approvedBy!: string | null;
  @ApiDateTime({ nullable: true }) approvedAt!: string | null;
  @ApiId({ nullable: true, example: '312' }) approvalEntryId!: string | null;
  @ApiDate({ nullable: true, example: null }) paidOn!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) paymentRef!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) paidBy!: string | null;
  @ApiId({ nullable: true, example: null }) paymentEntryId!: string | null;
}

export class SubsidyClaimDetailResponse extends SubsidyClaimResponse {
  @ApiProperty({ example: 'ZIBO-CITY-2026' }) programmeCode!: string;
  @ApiProperty({ example: '淄博农商银行' }) payeeName!: string;
  @ApiProperty({
    type: () => SubsidyClaimResponse,
    nullable: true,
    description: 'The REMAINDER claim carrying what the budget could not pay yet, if any',
  })
  remainder!: SubsidyClaimResponse | null;
}

export class SubsidyClaimSettledResponse extends SubsidyClaimDetailResponse {
  @ApiProperty({
    type: () => SubsidyQueueRunResponse,
    nullable: true,
    description: 'The queue run a received clawback triggered (null for a payment out)',
  })
  queue!: SubsidyQueueRunResponse | null;
}

export class SubsidyClaimListResponse {
  @ApiProperty({ type: () => [SubsidyClaimResponse] }) items!: SubsidyClaimResponse[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 1 }) total!: number;
  @ApiMoney({ example: '362.50', description: 'Σ total of every claim matching the filter' })
  totalAmount!: string;
}

export class SubsidyClaimLineResponse {
  @ApiProperty({ example: 1 }) lineNo!: number;
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'BK-2026-0042' }) loanNo!: string;
  @ApiProperty({ type: String, nullable: true, example: 'ZB-LN-88123' }) bankLoanRef!: string | null;
  @ApiProperty({ example: '刘志强' }) borrower!: string;
  @ApiProperty({ example: 1 }) installmentNumber!: number;
  @ApiDate({ example: '2026-01-05' }) periodStart!: string;
  @ApiDate({ example: '2026-02-05' }) dueDate!: string;
  @ApiProperty({ example: 31 }) days!: number;
  @ApiProperty({ enum: POLICY_TYPES, example: 'FULL_BENCHMARK' }) policyType!: string;
  @ApiDecimal({ example: '4.35' }) ratePercent!: string;
  @ApiMoney({ example: '50000.00' }) balance!: string;
  @ApiMoney({ example: '50000.00' }) basis!: string;
  @ApiProperty({ example: '1/12', description: 'The share of a year the period counts for' })
  yearShare!: string;
  @ApiMoney({ example: '181.25' }) interest!: string;
  @ApiMoney({ example: '181.25' }) originalInterest!: string;
  @ApiMoney({ example: '181.25' }) interestPaid!: string;
  @ApiDate({ nullable: true, example: '2026-02-05' }) interestPaidOn!: string | null;
  @ApiMoney({ example: '181.25' }) computed!: string;
  @ApiProperty({ enum: ['EARNED', 'FORFEITED'], example: 'EARNED' }) outcome!: string;
  @ApiProperty({ enum: [...FORFEIT_REASONS, null], nullable: true, example: null }) forfeitReason!:
    string | null;
  @ApiMoney({ example: '181.25' }) earned!: string;
  @ApiMoney({ example: '0.00' }) forfeited!: string;
  @ApiMoney({ example: '0.00', description: 'What earlier claims already claimed for this period' })
  claimedBefore!: string;
  @ApiMoney({ example: '181.25' }) subsidy!: string;
}

export class SubsidyGeneratedPayeeResponse {
  @ApiProperty({ enum: PAYEE_TYPES, example: 'BANK' }) type!: string;
  @ApiId({ example: '2' }) id!: string;
}

export class SubsidyGeneratedClaimResponse {
  @ApiProperty({
    enum: ['CREATED', 'UNCHANGED', 'VERSIONED', 'ADJUSTMENT', 'NOTHING_TO_CLAIM'],
    example: 'CREATED',
  })
  action!: string;
  @ApiProperty({ type: () => SubsidyGeneratedPayeeResponse }) payee!: SubsidyGeneratedPayeeResponse;
  @ApiProperty({ type: () => SubsidyClaimResponse, nullable: true }) claim!: SubsidyClaimResponse | null;
}

export class SubsidyGenerationResponse {
  @ApiId({ example: '1' }) programmeId!: string;
  @ApiProperty({ type: () => SubsidySettlementPeriodResponse }) period!: SubsidySettlementPeriodResponse;
  @ApiDate({ example: '2026-03-25' }) asOf!: string;
  @ApiProperty({ type: () => [SubsidyGeneratedClaimResponse], description: 'One per bank or fund payee' })
  claims!: SubsidyGeneratedClaimResponse[];
}

export class SubsidyLoanPolicyResponse {
  @ApiProperty({ enum: POLICY_TYPES, example: 'FULL_BENCHMARK' }) type!: string;
  @ApiDecimal({ example: '4.35' }) ratePercent!: string;
  @ApiMoney({ example: '50000.00', description: 'The principal the subsidy is computed on at most' })
  basisCap!: string;
}

export class SubsidyLoanPeriodResponse {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiDate({ example: '2026-01-05' }) periodStart!: string;
  @ApiDate({ example: '2026-02-05' }) dueDate!: string;
  @ApiProperty({ example: 31 }) days!: number;
  @ApiMoney({ example: '50000.00' }) balance!: string;
  @ApiMoney({ example: '50000.00' }) basis!: string;
  @ApiProperty({ example: '1/12' }) yearShare!: string;
  @ApiMoney({ example: '181.25' }) interest!: string;
  @ApiMoney({ example: '181.25' }) interestPaid!: string;
  @ApiDate({ nullable: true, example: '2026-02-05' }) interestPaidOn!: string | null;
  @ApiMoney({ example: '181.25' }) subsidy!: string;
  @ApiProperty({ enum: ['EARNED', 'FORFEITED', 'PENDING'], example: 'EARNED' }) outcome!: string;
  @ApiProperty({ enum: [...FORFEIT_REASONS, null], nullable: true, example: null }) forfeitReason!:
    string | null;
}

export class SubsidyLoanTotalsResponse {
  @ApiMoney({ example: '181.25' }) earned!: string;
  @ApiMoney({ example: '0.00' }) forfeited!: string;
  @ApiMoney({ example: '0.00' }) pending!: string;
}

export class SubsidyLoanPreviewResponse {
  @ApiId() loanId!: string;
  @ApiPropertyOptional({ example: 'BK-2026-0042', description: 'Absent when the loan is under no programme' })
  loanNo?: string;
  @ApiId({ nullable: true, example: '1', description: 'Null when the loan is under no subsidy programme' })
  programmeId!: string | null;
  @ApiProperty({
    type: () => SubsidyLoanPolicyResponse,
    nullable: true,
    description: "Null when the loan's product has no subsidy policy",
  })
  policy!: SubsidyLoanPolicyResponse | null;
  @ApiDate({ optional: true, example: '2026-04-01', description: 'Absent when the loan is under no policy' })
  asOf?: string;
  @ApiProperty({ type: () => [SubsidyLoanPeriodResponse] }) periods!: SubsidyLoanPeriodResponse[];
  @ApiProperty({ type: () => SubsidyLoanTotalsResponse, nullable: true })
  totals!: SubsidyLoanTotalsResponse | null;
}
