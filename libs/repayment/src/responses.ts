import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney } from '#libs/common';
import { ARREARS_BUCKETS } from '#libs/schedules';
import { REPAYMENT_CHANNELS, REPAYMENT_KINDS, REPAYMENT_STATUSES } from './views.js';

/** Response bodies of the repayment endpoints, exactly as the services return them (views.ts, domain/statement.ts). */

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
] as const;
const INSTALLMENT_STATUSES = ['OPEN', 'OVERDUE', 'PAID', 'WRITTEN_OFF'] as const;

export class RepaymentAllocationResponse {
  @ApiMoney({ example: '1000.00' }) principal!: string;
  @ApiMoney({ example: '60.00' }) interest!: string;
  @ApiMoney({ example: '0.00' }) penalty!: string;
  @ApiMoney({ example: '0.00', description: 'Recovery income (a payment on a written-off loan)' })
  recovery!: string;
}

export class RepaymentReversalResponse {
  @ApiDate({ example: '2026-05-21' }) reversedOn!: string;
  @ApiProperty({ example: 'fund.admin' }) reversedBy!: string;
  @ApiProperty({ example: 'receipt entered twice by mistake' }) reason!: string;
  @ApiId({ example: '318' }) entryId!: string;
}

export class RepaymentResponse {
  @ApiId({ example: '7' }) id!: string;
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'MA-2026-000042' }) loanNo!: string;
  @ApiId({ example: '1' }) fundId!: string;
  @ApiProperty({ enum: REPAYMENT_KINDS, example: 'REPAYMENT' }) kind!: string;
  @ApiMoney({ example: '1060.00' }) amount!: string;
  @ApiDate({ example: '2026-05-20' }) valueDate!: string;
  @ApiProperty({ enum: REPAYMENT_CHANNELS, example: 'CASH' }) channel!: string;
  @ApiProperty({ type: String, nullable: true, example: '收据 2026-0113' }) reference!: string | null;
  @ApiId({ nullable: true, example: null }) payerHouseholdId!: string | null;
  @ApiProperty({
    type: () => RepaymentAllocationResponse,
    description:
      'The split in force: as first applied, plus the corrections later backdated repayments or reversals caused',
  })
  allocation!: RepaymentAllocationResponse;
  @ApiProperty({
    type: () => RepaymentAllocationResponse,
    description: "The split as first applied (what the repayment's own journal entry posted)",
  })
  originalAllocation!: RepaymentAllocationResponse;
  @ApiMoney({ example: '0.00' }) prepaidPrincipal!: string;
  @ApiProperty({ example: false }) payoff!: boolean;
  @ApiProperty({ example: false }) backdated!: boolean;
  @ApiProperty({ enum: REPAYMENT_STATUSES, example: 'POSTED' }) status!: string;
  @ApiId({ example: '311' }) entryId!: string;
  @ApiProperty({ type: () => RepaymentReversalResponse, nullable: true })
  reversal!: RepaymentReversalResponse | null;
  @ApiProperty({ example: 'loan.officer' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}

export class RepaymentLoanAfterResponse {
  @ApiId() id!: string;
  @ApiProperty({ enum: LOAN_STATUSES, example: 'DISBURSED' }) status!: string;
  @ApiMoney({ example: '4000.00' }) outstandingPrincipal!: string;
  @ApiProperty({ example: 0 }) daysOverdue!: number;
  @ApiProperty({ enum: ARREARS_BUCKETS, example: 'CURRENT' }) arrearsBucket!: string;
  @ApiProperty({ example: false }) nonPerforming!: boolean;
  @ApiDate({ nullable: true, example: null }) closedOn!: string | null;
}

export class RepaymentInstallmentSplitResponse {
  @ApiProperty({ example: 3 }) number!: number;
  @ApiMoney({ example: '1000.00' }) principal!: string;
  @ApiMoney({ example: '60.00' }) interest!: string;
  @ApiMoney({ example: '0.00' }) penalty!: string;
}

export class RepaymentCorrectionRefResponse {
  @ApiId({ example: '4' }) adjustmentId!: string;
  @ApiId({ nullable: true, example: '318' }) entryId!: string | null;
}

/** A recorded (or reversed) repayment with its effect on the loan. */
export class RepaymentResultResponse extends RepaymentResponse {
  @ApiProperty({ type: () => RepaymentLoanAfterResponse, description: 'The loan as the operation leaves it' })
  loan!: RepaymentLoanAfterResponse;
  @ApiProperty({
    type: () => [RepaymentInstallmentSplitResponse],
    description: 'What this payment paid per instalment',
  })
  installments!: RepaymentInstallmentSplitResponse[];
  @ApiProperty({
    type: () => [RepaymentCorrectionRefResponse],
    description: "Corrections this operation caused in earlier repayments' splits",
  })
  corrections!: RepaymentCorrectionRefResponse[];
}

export class PayoffQuoteResponse {
  @ApiId() loanId!: string;
  @ApiDate({ example: '2026-06-01' }) valueDate!: string;
  @ApiMoney({ example: '4000.00' }) principal!: string;
  @ApiMoney({ example: '0.00' }) interestDue!: string;
  @ApiMoney({ example: '3.23', description: "The current period's usage fee the payoff charges" })
  interestAccrued!: string;
  @ApiMoney({ example: '0.00' }) penalty!: string;
  @ApiMoney({ example: '4003.23' }) total!: string;
}

export class StatementLoanResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'MA-2026-000042' }) loanNo!: string;
  @ApiProperty({ enum: ['MUTUAL_AID', 'BANK_COVERED'], example: 'MUTUAL_AID' }) channel!: string;
  @ApiProperty({ enum: LOAN_STATUSES, example: 'DISBURSED' }) status!: string;
  @ApiId({ nullable: true, example: '1' }) fundId!: string | null;
  @ApiId({ nullable: true, example: '9' }) householdId!: string | null;
  @ApiMoney() principal!: string;
  @ApiDecimal({ nullable: true, example: '6' }) annualRatePercent!: string | null;
  @ApiDecimal({ nullable: true, example: '9' }) penaltyRatePercent!: string | null;
  @ApiProperty({ example: 'EQUAL_INSTALLMENT' }) method!: string;
  @ApiDate({ nullable: true, example: '2026-01-15' }) disbursementDate!: string | null;
  @ApiDate({ nullable: true, example: '2026-06-15' }) maturityDate!: string | null;
  @ApiDate({ nullable: true, example: null }) closedOn!: string | null;
}

export class StatementScheduledResponse {
  @ApiMoney({ example: '1000.00' }) principal!: string;
  @ApiMoney({ example: '25.00' }) interest!: string;
  @ApiMoney({ example: '25.00', description: 'The usage fee frozen at disbursement' })
  originalInterest!: string;
  @ApiMoney({ example: '0.00' }) penalty!: string;
  @ApiMoney({ example: '1025.00' }) total!: string;
}

export class StatementAmountsResponse {
  @ApiMoney({ example: '1000.00' }) principal!: string;
  @ApiMoney({ example: '25.00' }) interest!: string;
  @ApiMoney({ example: '0.00' }) penalty!: string;
  @ApiMoney({ example: '1025.00' }) total!: string;
}

export class StatementInstallmentResponse {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiDate({ example: '2026-01-15' }) periodStart!: string;
  @ApiDate({ example: '2026-02-15' }) dueDate!: string;
  @ApiProperty({ enum: INSTALLMENT_STATUSES, example: 'PAID' }) status!: string;
  @ApiProperty({ type: () => StatementScheduledResponse }) scheduled!: StatementScheduledResponse;
  @ApiProperty({ type: () => StatementAmountsResponse }) paid!: StatementAmountsResponse;
  @ApiProperty({ type: () => StatementAmountsResponse }) outstanding!: StatementAmountsResponse;
  @ApiProperty({ example: 0 }) daysOverdue!: number;
  @ApiDate({ nullable: true, example: null }) overdueSince!: string | null;
  @ApiDate({ nullable: true, example: '2026-02-14' }) paidOn!: string | null;
  @ApiDate({ nullable: true, example: '2026-02-14' }) interestPaidOn!: string | null;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    example: true,
    description: 'Paid in full on or before due date + grace days (null while unpaid and not yet late)',
  })
  paidOnTime!: boolean | null;
}

export class StatementBalancesResponse {
  @ApiMoney({ example: '4000.00' }) principalOutstanding!: string;
  @ApiMoney({ example: '0.00' }) interestDue!: string;
  @ApiMoney({ example: '0.00' }) penaltyDue!: string;
  @ApiMoney({ example: '0.00' }) overdueTotal!: string;
  @ApiMoney({ example: '1000.00' }) paidPrincipal!: string;
  @ApiMoney({ example: '25.00' }) paidInterest!: string;
  @ApiMoney({ example: '0.00' }) paidPenalty!: string;
  @ApiMoney({
    example: '4060.00',
    description: 'Principal, interest and penalty still scheduled or charged and not paid',
  })
  remainingScheduled!: string;
}

export class StatementCorrectionResponse {
  @ApiId({ example: '4' }) id!: string;
  @ApiProperty({ enum: ['BACKDATED_REPAYMENT', 'REVERSAL'], example: 'REVERSAL' }) cause!: string;
  @ApiId({ example: '7' }) causeRepaymentId!: string;
  @ApiId({ nullable: true, example: '318' }) entryId!: string | null;
  @ApiDate({ example: '2026-05-21' }) businessDate!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
}

export class StatementWriteOffResponse {
  @ApiDate({ example: '2026-06-01' }) writtenOffOn!: string;
  @ApiMoney() principal!: string;
  @ApiMoney({ example: '0.00' }) recovered!: string;
  @ApiProperty({ example: 'borrower moved away; the group could not pay' }) reason!: string;
}

export class LoanStatementResponse {
  @ApiProperty({ type: () => StatementLoanResponse }) loan!: StatementLoanResponse;
  @ApiDate({ example: '2026-06-01' }) asOf!: string;
  @ApiProperty({ type: () => [StatementInstallmentResponse] }) installments!: StatementInstallmentResponse[];
  @ApiProperty({ type: () => StatementBalancesResponse }) balances!: StatementBalancesResponse;
  @ApiProperty({ example: 0 }) daysOverdue!: number;
  @ApiProperty({ enum: ARREARS_BUCKETS, example: 'CURRENT' }) arrearsBucket!: string;
  @ApiProperty({
    type: () => PayoffQuoteResponse,
    nullable: true,
    description: 'What closes the loan today (null once it is closed or written off)',
  })
  payoffToday!: PayoffQuoteResponse | null;
  @ApiProperty({ type: () => [RepaymentResponse] }) transactions!: RepaymentResponse[];
  @ApiProperty({ type: () => [StatementCorrectionResponse] }) corrections!: StatementCorrectionResponse[];
  @ApiId({ nullable: true, example: '120' }) disbursementEntryId!: string | null;
  @ApiProperty({ type: () => StatementWriteOffResponse, nullable: true })
  writeOff!: StatementWriteOffResponse | null;
}

export class WriteOffResponse {
  @ApiId({ example: '3' }) id!: string;
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'MA-2025-000042' }) loanNo!: string;
  @ApiId({ example: '1' }) fundId!: string;
  @ApiDate({ example: '2026-06-01' }) writtenOffOn!: string;
  @ApiProperty({ example: 197 }) daysOverdue!: number;
  @ApiMoney() principal!: string;
  @ApiMoney({ example: '300.00' }) interest!: string;
  @ApiMoney({ example: '245.71' }) penalty!: string;
  @ApiMoney({ example: '0.00' }) recovered!: string;
  @ApiMoney({
    example: '5545.71',
    description: 'Still owed by the borrower: what a recovery may bring in at most',
  })
  claimOutstanding!: string;
  @ApiProperty({ example: 'borrower moved away; the group could not pay' }) reason!: string;
  @ApiId({ example: '512' }) entryId!: string;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}

export class FeeDistributionIncomeResponse {
  @ApiMoney({ example: '12000.00' }) usageFee!: string;
  @ApiMoney({ example: '81.33' }) penalty!: string;
  @ApiMoney({ example: '0.00' }) recovery!: string;
}

export class FeeDistributionSharesResponse {
  @ApiMoney({ example: '4832.54' }) capital!: string;
  @ApiMoney({ example: '2416.27' }) riskReserve!: string;
  @ApiMoney({ example: '1208.13' }) publicWelfare!: string;
  @ApiMoney({ example: '3624.39' }) administration!: string;
  @ApiMoney({ example: '0.00' }) dividends!: string;
}

export class FeeDistributionPercentagesResponse {
  @ApiDecimal({ example: '40' }) CAPITAL!: string;
  @ApiDecimal({ example: '20' }) RISK_RESERVE!: string;
  @ApiDecimal({ example: '10' }) PUBLIC_WELFARE!: string;
  @ApiDecimal({ example: '30' }) ADMINISTRATION!: string;
  @ApiDecimal({ example: '0' }) DIVIDENDS!: string;
}

export class FeeDistributionResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiId({ example: '1' }) fundId!: string;
  @ApiProperty({ example: 2025 }) year!: number;
  @ApiProperty({ type: () => FeeDistributionIncomeResponse }) income!: FeeDistributionIncomeResponse;
  @ApiMoney({ example: '12081.33' }) distributable!: string;
  @ApiProperty({ type: () => FeeDistributionSharesResponse }) shares!: FeeDistributionSharesResponse;
  @ApiProperty({ type: () => FeeDistributionPercentagesResponse })
  percentages!: FeeDistributionPercentagesResponse;
  @ApiMoney({ example: '5000.00', description: "The year's write-off expense charged to the risk reserve" })
  writeOffsCharged!: string;
  @ApiId({ nullable: true, example: '640' }) entryId!: string | null;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}
