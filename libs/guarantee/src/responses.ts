import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney, PageOf } from '#libs/common';

/**
 * Response DTOs of the guarantee API: each class describes exactly the JSON its handler returns (the views in
 * domain/*.ts). Multiples, loss shares and NPL ratios are exact decimal strings; money is yuan with two decimals.
 */

const LOAN_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'GROUP_ENDORSED',
  'APPROVED',
  'IN_PUBLIC_NOTICE',
  'DISBURSED',
  'CLOSED',
  'WRITTEN_OFF',
  'REJECTED',
  'CANCELLED',
];
const ARREARS_BUCKETS = ['CURRENT', 'DPD_1_30', 'DPD_31_60', 'DPD_61_90', 'DPD_90_PLUS'];
const BORROWER_TYPES = ['HOUSEHOLD', 'ENTITY'];
const COMPENSATION_MODES = ['ADVANCE', 'FINAL_LOSS'];
const BREAKER_STATES = ['NORMAL', 'SUSPENDED'];

// ─── banks and API keys ─────────────────────────────────────────────────────────────────────────────────────────

export class BankResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'ZBRCB' }) code!: string;
  @ApiProperty({ example: 'Zibo Rural Commercial Bank' }) name!: string;
  @ApiDateTime() createdAt!: string;
}
export const BankPage = PageOf(BankResponse);

export class BankApiKeyResponse {
  @ApiId() id!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'k7m2p9x4c3vq' }) publicId!: string;
  @ApiProperty({
    description: 'Prefix and public id only: the secret is never shown again',
    example: 'mae_live_k7m2p9x4c3vq_…',
  })
  keyPreview!: string;
  @ApiProperty({ example: 'core banking nightly statement upload' }) label!: string;
  @ApiProperty({ example: 'zbrcb.officer' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime({ nullable: true }) lastUsedAt!: string | null;
  @ApiDateTime({ nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) revokedBy!: string | null;
  @ApiProperty() active!: boolean;
}
export const BankApiKeyPage = PageOf(BankApiKeyResponse);

export class CreatedBankApiKeyResponse extends BankApiKeyResponse {
  @ApiProperty({
    description: 'The key itself: in this response only',
    example: 'mae_live_k7m2p9x4c3vq_7Jr0cX1s0kq3H3bVtQm9oYk6wX2f8sTgU1n5eZpLq4A',
  })
  key!: string;
  @ApiProperty({ example: 'Store this key now: it is shown only once and cannot be recovered.' })
  notice!: string;
}

// ─── risk funds ───────────────────────────────────────────────────────────────────────────────────────────────

export class RiskFundCapitalResponse {
  @ApiMoney() CENTRAL!: string;
  @ApiMoney() CITY!: string;
  @ApiMoney() DISTRICT!: string;
  @ApiMoney() SOE!: string;
}

export class RiskFundResponse {
  @ApiId() id!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370323' }) districtCode!: string;
  @ApiProperty({ example: 'Yiyuan County' }) districtName!: string;
  @ApiProperty() heavyTask!: boolean;
  @ApiProperty({ example: 'Yiyuan County risk compensation fund' }) name!: string;
  @ApiProperty({ enum: ['ACTIVE', 'CLOSED'] }) status!: string;
  @ApiMoney() balance!: string;
  @ApiProperty({ type: () => RiskFundCapitalResponse, description: 'Capital received, by source' })
  capital!: RiskFundCapitalResponse;
  @ApiMoney() interestIncome!: string;
  @ApiMoney() compensationPaid!: string;
  @ApiMoney() recoveries!: string;
  @ApiMoney() coverAvailable!: string;
  @ApiMoney() coverShortfall!: string;
  @ApiMoney() minimumFund!: string;
  @ApiProperty() minimumApplies!: boolean;
  @ApiProperty() belowMinimum!: boolean;
  @ApiMoney() minimumShortfall!: string;
  @ApiProperty({ example: 90 }) nplOverdueDays!: number;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}
export const RiskFundPage = PageOf(RiskFundResponse);

export class RiskFundMovementResponse {
  @ApiId() id!: string;
  @ApiId() riskFundId!: string;
  @ApiProperty({ enum: ['DEPOSIT', 'WITHDRAWAL', 'INTEREST', 'COMPENSATION', 'RECOVERY'] }) kind!: string;
  @ApiProperty({ type: String, enum: ['CENTRAL', 'CITY', 'DISTRICT', 'SOE'], nullable: true }) source!:
    string | null;
  @ApiMoney() amount!: string;
  @ApiDate() businessDate!: string;
  @ApiProperty({ type: String, nullable: true, example: 'ZCZ[2026]12' }) documentRef!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) memo!: string | null;
  @ApiId({ nullable: true }) contributionId!: string | null;
  @ApiId() entryId!: string;
  @ApiId() coverEntryId!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}
export const RiskFundMovementPage = PageOf(RiskFundMovementResponse);

/** A deposit, interest credit or withdrawal: the movement recorded and the fund after it. */
export class RiskFundMovementResultResponse {
  @ApiProperty({ type: () => RiskFundMovementResponse }) movement!: RiskFundMovementResponse;
  @ApiProperty({ type: () => RiskFundResponse }) fund!: RiskFundResponse;
}

// ─── capacity ─────────────────────────────────────────────────────────────────────────────────────────────────

export class AgreementCapacityResponse {
  @ApiId() agreementId!: string;
  @ApiProperty({ example: 'ZB-YY-2026-001' }) agreementNo!: string;
  @ApiId() riskFundId!: string;
  @ApiId() districtId!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'ZBRCB' }) bankCode!: string;
  @ApiProperty({ example: 'Zibo Rural Commercial Bank' }) bankName!: string;
  @ApiDecimal({ example: '10' }) multiple!: string;
  @ApiDecimal({ nullable: true, example: '5' }) entityMultiple!: string | null;
  @ApiProperty() inForce!: boolean;
  @ApiMoney({ description: 'Covered principal this bank can still register for households' })
  capacity!: string;
  @ApiMoney({ description: 'The same for operating-entity loans (at the entity multiple when there is one)' })
  entityCapacity!: string;
  @ApiMoney() exposurePending!: string;
  @ApiMoney() exposureOutstanding!: string;
  @ApiMoney() coverPending!: string;
  @ApiMoney() coverUsed!: string;
  @ApiDecimal({ example: '5' }) nplThresholdPercent!: string;
  @ApiProperty() suspended!: boolean;
  @ApiProperty() acceptsNewLoans!: boolean;
}

export class RiskFundCoverFiguresResponse {
  @ApiMoney() limit!: string;
  @ApiMoney() available!: string;
  @ApiMoney() pending!: string;
  @ApiMoney() used!: string;
  @ApiMoney() shortfall!: string;
}

export class RiskFundExposureFiguresResponse {
  @ApiMoney() pending!: string;
  @ApiMoney() outstanding!: string;
}

export class RiskFundNplFiguresResponse {
  @ApiProperty({ example: 90 }) overdueDays!: number;
  @ApiMoney() coveredOutstanding!: string;
  @ApiMoney() nonPerforming!: string;
  @ApiDecimal({ example: '0.0000' }) ratioPercent!: string;
}

export class RiskFundCapacityResponse {
  @ApiId() riskFundId!: string;
  @ApiProperty({ example: 'Yiyuan County risk compensation fund' }) name!: string;
  @ApiProperty({ enum: ['ACTIVE', 'CLOSED'] }) status!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370323' }) districtCode!: string;
  @ApiProperty({ example: 'Yiyuan County' }) districtName!: string;
  @ApiProperty() heavyTask!: boolean;
  @ApiDate() asOf!: string;
  @ApiMoney() balance!: string;
  @ApiMoney() minimum!: string;
  @ApiProperty() minimumApplies!: boolean;
  @ApiProperty() belowMinimum!: boolean;
  @ApiMoney() minimumShortfall!: string;
  @ApiProperty({
    type: () => RiskFundCoverFiguresResponse,
    description: 'Fund money: limit = available + pending + used − shortfall',
  })
  cover!: RiskFundCoverFiguresResponse;
  @ApiProperty({
    type: () => RiskFundExposureFiguresResponse,
    description: "Covered principal across the fund's banks",
  })
  exposure!: RiskFundExposureFiguresResponse;
  @ApiDecimal({ description: 'Covered outstanding / fund balance', example: '0.1727' })
  leverageRatio!: string;
  @ApiProperty({ type: () => RiskFundNplFiguresResponse }) npl!: RiskFundNplFiguresResponse;
  @ApiProperty({ type: () => [AgreementCapacityResponse] }) agreements!: AgreementCapacityResponse[];
}

export class BankAgreementCapacityResponse extends AgreementCapacityResponse {
  @ApiProperty({ example: '370323' }) districtCode!: string;
  @ApiMoney() fundAvailable!: string;
  @ApiProperty() belowMinimum!: boolean;
}

export class BankCapacityTotalsResponse {
  @ApiMoney() capacity!: string;
  @ApiMoney() exposurePending!: string;
  @ApiMoney() exposureOutstanding!: string;
}

export class BankCapacityResponse {
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'ZBRCB' }) bankCode!: string;
  @ApiProperty({ example: 'Zibo Rural Commercial Bank' }) bankName!: string;
  @ApiDate() asOf!: string;
  @ApiProperty({ type: () => [BankAgreementCapacityResponse] }) agreements!: BankAgreementCapacityResponse[];
  @ApiProperty({ type: () => BankCapacityTotalsResponse }) totals!: BankCapacityTotalsResponse;
}

// ─── agreements and covers ────────────────────────────────────────────────────────────────────────────────────

export class GuaranteeAgreementResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'ZB-YY-2026-001' }) agreementNo!: string;
  @ApiId() riskFundId!: string;
  @ApiId() districtId!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'ZBRCB' }) bankCode!: string;
  @ApiDecimal({ example: '10' }) leverageMultiple!: string;
  @ApiDecimal({ nullable: true, example: '5' }) entityLeverageMultiple!: string | null;
  @ApiDecimal({ example: '80' }) fundSharePercent!: string;
  @ApiDecimal({ example: '20' }) bankSharePercent!: string;
  @ApiProperty({ enum: COMPENSATION_MODES }) compensationMode!: string;
  @ApiProperty({ example: 90 }) triggerDays!: number;
  @ApiDecimal({ example: '5' }) nplThresholdPercent!: string;
  @ApiDate() validFrom!: string;
  @ApiDate({ nullable: true }) validTo!: string | null;
  @ApiProperty({ enum: ['ACTIVE', 'TERMINATED'] }) status!: string;
  @ApiDate({ nullable: true }) terminatedOn!: string | null;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}
export const GuaranteeAgreementPage = PageOf(GuaranteeAgreementResponse);

export class GuaranteeCoverResponse {
  @ApiId() id!: string;
  @ApiId() loanId!: string;
  @ApiId() agreementId!: string;
  @ApiId() riskFundId!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ enum: BORROWER_TYPES }) borrowerType!: string;
  @ApiDecimal({ example: '10' }) multiple!: string;
  @ApiMoney() reserved!: string;
  @ApiMoney() pending!: string;
  @ApiMoney() outstanding!: string;
  @ApiMoney() coverPending!: string;
  @ApiMoney() coverUsed!: string;
  @ApiMoney() disbursed!: string;
  @ApiMoney() released!: string;
  @ApiProperty({ enum: ['PENDING', 'ACTIVE', 'CLOSED', 'VOIDED'] }) status!: string;
  @ApiDate() reservedOn!: string;
  @ApiDate({ nullable: true }) consumedOn!: string | null;
  @ApiDate({ nullable: true }) closedOn!: string | null;
}
export const GuaranteeCoverPage = PageOf(GuaranteeCoverResponse);

// ─── covered loans ────────────────────────────────────────────────────────────────────────────────────────────

export class CoveredLoanStatusReportResponse {
  @ApiDate() asOf!: string;
  @ApiProperty({ type: Number, nullable: true, example: 95 }) daysOverdue!: number | null;
}

export class CoveredLoanResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'CL-1-ZB2026-000123' }) loanNo!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'ZB2026-000123' }) bankLoanRef!: string;
  @ApiId() agreementId!: string;
  @ApiId() productVersionId!: string;
  @ApiProperty({ enum: BORROWER_TYPES }) borrowerType!: string;
  @ApiId({ nullable: true }) householdId!: string | null;
  @ApiId({ nullable: true }) entityId!: string | null;
  @ApiId() districtId!: string;
  @ApiMoney() principal!: string;
  @ApiProperty({ example: 12 }) termMonths!: number;
  @ApiDecimal({ example: '4.35' }) annualRatePercent!: string;
  @ApiProperty({ example: 'BREEDING' }) purpose!: string;
  @ApiProperty({ enum: LOAN_STATUSES, example: 'DISBURSED' }) status!: string;
  @ApiDate() disbursementDate!: string;
  @ApiDate({ nullable: true }) maturityDate!: string | null;
  @ApiMoney() outstandingPrincipal!: string;
  @ApiProperty({ example: 0 }) daysOverdue!: number;
  @ApiProperty({ enum: ARREARS_BUCKETS }) arrearsBucket!: string;
  @ApiProperty() nonPerforming!: boolean;
  @ApiProperty({
    type: () => CoveredLoanStatusReportResponse,
    nullable: true,
    description:
      "The bank's latest status report (by as-of date), the basis the close of business ages the loan from",
  })
  lastStatusReport!: CoveredLoanStatusReportResponse | null;
  @ApiProperty() recoveryExhausted!: boolean;
  @ApiProperty() compensated!: boolean;
  @ApiDate({ nullable: true }) closedOn!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) statusReason!: string | null;
  @ApiProperty({ example: 'apikey:zbrcb-core' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
  @ApiProperty({ example: 1 }) version!: number;
}
export const CoveredLoanPage = PageOf(CoveredLoanResponse);

export class CoveredLoanCoverResponse {
  @ApiProperty({ enum: ['PENDING', 'ACTIVE', 'CLOSED', 'VOIDED'] }) status!: string;
  @ApiDecimal({ example: '10' }) multiple!: string;
  @ApiMoney() pending!: string;
  @ApiMoney() outstanding!: string;
  @ApiMoney() coverUsed!: string;
  @ApiMoney() released!: string;
}

export class CoveredLoanInstallmentResponse {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiDate() dueDate!: string;
  @ApiMoney() principal!: string;
  @ApiMoney() interest!: string;
  @ApiMoney() paidPrincipal!: string;
  @ApiMoney() paidInterest!: string;
  @ApiProperty({ enum: ['OPEN', 'OVERDUE', 'PAID', 'WRITTEN_OFF'] }) status!: string;
}

export class CoveredLoanDetailResponse extends CoveredLoanResponse {
  @ApiProperty({ type: () => CoveredLoanCoverResponse, nullable: true })
  cover!: CoveredLoanCoverResponse | null;
  @ApiProperty({ type: () => [CoveredLoanInstallmentResponse] })
  installments!: CoveredLoanInstallmentResponse[];
}

export class CoveredReportFieldErrorResponse {
  @ApiProperty({ example: 'principal' }) field!: string;
  @ApiPropertyOptional({ example: 'INVALID' }) code?: string;
  @ApiProperty({ example: 'more than the outstanding principal' }) message!: string;
}

export class CoveredReportErrorResponse {
  @ApiProperty({ example: 'NOT_FOUND' }) code!: string;
  @ApiProperty({ example: 404 }) status!: number;
  @ApiProperty({ example: 'loan ZB2026-999999 not found' }) detail!: string;
  @ApiPropertyOptional({ type: () => [CoveredReportFieldErrorResponse] })
  errors?: CoveredReportFieldErrorResponse[];
}

export class CoveredReportRowResultResponse {
  @ApiProperty({ example: 1 }) row!: number;
  @ApiProperty({ example: 'ZB2026-000123' }) bankLoanRef!: string;
  @ApiProperty({ enum: ['REPAYMENT', 'STATUS'] }) kind!: string;
  @ApiProperty({ enum: ['APPLIED', 'REPLAYED', 'FAILED'] }) outcome!: string;
  @ApiPropertyOptional({
    type: () => CoveredLoanResponse,
    description: 'The loan after the row (APPLIED, REPLAYED)',
  })
  loan?: CoveredLoanResponse;
  @ApiPropertyOptional({ type: () => CoveredReportErrorResponse, description: 'Why the row failed (FAILED)' })
  error?: CoveredReportErrorResponse;
}

export class CoveredReportBulkResponse {
  @ApiProperty({ type: () => [CoveredReportRowResultResponse] }) results!: CoveredReportRowResultResponse[];
  @ApiProperty({ example: 1 }) applied!: number;
  @ApiProperty({ example: 0 }) replayed!: number;
  @ApiProperty({ example: 1 }) failed!: number;
}

// ─── compensation claims ──────────────────────────────────────────────────────────────────────────────────────

export class CompensationClaimResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'CC-2026-000005' }) claimNo!: string;
  @ApiId() loanId!: string;
  @ApiId() agreementId!: string;
  @ApiId() riskFundId!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ enum: COMPENSATION_MODES }) mode!: string;
  @ApiProperty({ example: 95 }) daysOverdue!: number;
  @ApiMoney() principal!: string;
  @ApiMoney() interest!: string;
  @ApiMoney() claimed!: string;
  @ApiDecimal({ example: '80' }) fundSharePercent!: string;
  @ApiDecimal({ example: '20' }) bankSharePercent!: string;
  @ApiMoney() fundAmount!: string;
  @ApiMoney() bankAmount!: string;
  @ApiProperty({ enum: ['FILED', 'PAID', 'REJECTED'] }) status!: string;
  @ApiDate() filedOn!: string;
  @ApiProperty({ example: 'apikey:zbrcb-core' }) filedBy!: string;
  @ApiProperty({ type: String, nullable: true, example: 'fund.admin' }) decidedBy!: string | null;
  @ApiDateTime({ nullable: true }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) decisionReason!: string | null;
  @ApiDate({ nullable: true }) paidOn!: string | null;
  @ApiId({ nullable: true }) entryId!: string | null;
  @ApiId({ nullable: true }) coverEntryId!: string | null;
  @ApiMoney() recovered!: string;
  @ApiMoney() fundRecovered!: string;
  @ApiProperty({ example: 2 }) version!: number;
}
export const CompensationClaimPage = PageOf(CompensationClaimResponse);

export class CompensationRecoveryResponse {
  @ApiId() id!: string;
  @ApiMoney() amount!: string;
  @ApiMoney() fundPart!: string;
  @ApiMoney() bankPart!: string;
  @ApiDate() recoveredOn!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) memo!: string | null;
  @ApiId({ nullable: true }) entryId!: string | null;
}

export class CompensationClaimDetailResponse extends CompensationClaimResponse {
  @ApiProperty({ type: () => [CompensationRecoveryResponse] }) recoveries!: CompensationRecoveryResponse[];
}

export class RecoverySplitResponse {
  @ApiMoney() amount!: string;
  @ApiMoney() fundPart!: string;
  @ApiMoney() bankPart!: string;
}

export class CompensationClaimWithRecoveryResponse extends CompensationClaimResponse {
  @ApiProperty({ type: () => RecoverySplitResponse, description: 'How the recovery just recorded was split' })
  recovery!: RecoverySplitResponse;
}

// ─── district breaker ─────────────────────────────────────────────────────────────────────────────────────────

export class BreakerLiveResponse {
  @ApiProperty({ enum: BREAKER_STATES }) state!: string;
  @ApiMoney() coveredOutstanding!: string;
  @ApiMoney() nonPerforming!: string;
  @ApiProperty({ example: 90 }) nplOverdueDays!: number;
  @ApiDecimal({ example: '6.0000' }) ratioPercent!: string;
  @ApiDecimal({ example: '5' }) thresholdPercent!: string;
}

export class BreakerEventResponse {
  @ApiId() id!: string;
  @ApiProperty({ enum: BREAKER_STATES }) from!: string;
  @ApiProperty({ enum: BREAKER_STATES }) to!: string;
  @ApiMoney() nonPerforming!: string;
  @ApiMoney() coveredOutstanding!: string;
  @ApiDecimal({ example: '6.0000' }) ratioPercent!: string;
  @ApiDecimal({ example: '5' }) thresholdPercent!: string;
  @ApiProperty({ example: 'status report on loan 42' }) cause!: string;
  @ApiProperty({ example: 'apikey:zbrcb-core' }) actor!: string;
  @ApiDateTime() at!: string;
}
export const BreakerEventPage = PageOf(BreakerEventResponse);

/** The breaker as an oversight role sees it: the district's figures and full history. */
export class DistrictBreakerResponse {
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370323' }) districtCode!: string;
  @ApiProperty({ example: 'Yiyuan County' }) districtName!: string;
  @ApiProperty() hasRiskFund!: boolean;
  @ApiProperty({ enum: BREAKER_STATES }) state!: string;
  @ApiDateTime({ nullable: true }) changedAt!: string | null;
  @ApiDateTime({ nullable: true }) evaluatedAt!: string | null;
  @ApiProperty({
    type: () => BreakerLiveResponse,
    nullable: true,
    description: 'What the breaker would decide now (null without a risk fund)',
  })
  live!: BreakerLiveResponse | null;
  @ApiProperty({ type: () => BreakerEventPage, description: 'Changes of state, newest first' })
  history!: InstanceType<typeof BreakerEventPage>;
}

export class BankBreakerOwnFiguresResponse {
  @ApiMoney() coveredOutstanding!: string;
  @ApiMoney() nonPerforming!: string;
  @ApiDecimal({ example: '1.2000' }) ratioPercent!: string;
}

export class BankBreakerLiveResponse {
  @ApiProperty({ enum: BREAKER_STATES }) state!: string;
  @ApiDecimal({ example: '5' }) thresholdPercent!: string;
  @ApiProperty({ example: 90 }) nplOverdueDays!: number;
  @ApiProperty({
    type: () => BankBreakerOwnFiguresResponse,
    description: "The bank's own covered loans only",
  })
  ownBank!: BankBreakerOwnFiguresResponse;
}

export class BankBreakerEventResponse {
  @ApiId() id!: string;
  @ApiProperty({ enum: BREAKER_STATES }) from!: string;
  @ApiProperty({ enum: BREAKER_STATES }) to!: string;
  @ApiDecimal({ example: '5' }) thresholdPercent!: string;
  @ApiDateTime() at!: string;
}
export const BankBreakerEventPage = PageOf(BankBreakerEventResponse);

/** The breaker as a bank sees it: the district's decision, its own figures, the changes of state only. */
export class BankDistrictBreakerResponse {
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370323' }) districtCode!: string;
  @ApiProperty({ example: 'Yiyuan County' }) districtName!: string;
  @ApiProperty() hasRiskFund!: boolean;
  @ApiProperty({ enum: BREAKER_STATES }) state!: string;
  @ApiDateTime({ nullable: true }) changedAt!: string | null;
  @ApiDateTime({ nullable: true }) evaluatedAt!: string | null;
  @ApiProperty({ enum: ['OWN_BANK'] }) scope!: string;
  @ApiProperty({ type: () => BankBreakerLiveResponse, nullable: true }) live!: BankBreakerLiveResponse | null;
  @ApiProperty({ type: () => BankBreakerEventPage }) history!: InstanceType<typeof BankBreakerEventPage>;
}
