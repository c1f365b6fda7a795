import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney } from '#libs/common';
import { ARREARS_BUCKETS } from '#libs/schedules';
import { LOAN_STATUSES } from './domain/workflow.js';

/** Response bodies of the loan application and loan endpoints, exactly as views.ts builds them. */

const NEXT_STEPS = [
  'SUBMISSION',
  'GROUP_ENDORSEMENT',
  'APPROVAL',
  'SECOND_APPROVAL',
  'PUBLIC_NOTICE',
  'DISBURSEMENT',
] as const;

export class LoanBorrowerResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '刘志强',
    description: "Household head's or entity's name",
  })
  headName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '370302197909110337',
    description: 'Masked for AUDITOR and BANK_OFFICER',
  })
  idNumber!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '13905331204',
    description: 'Masked for AUDITOR and BANK_OFFICER',
  })
  phone!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'POOR',
    description: "The household's status (null for an entity)",
  })
  status!: string | null;
  @ApiProperty({ example: false }) personalDataMasked!: boolean;
}

export class LoanResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'MA-2026-000042' }) loanNo!: string;
  @ApiProperty({ enum: ['MUTUAL_AID', 'BANK_COVERED'], example: 'MUTUAL_AID' }) channel!: string;
  @ApiProperty({ enum: LOAN_STATUSES, example: 'IN_PUBLIC_NOTICE' }) status!: string;
  @ApiProperty({
    enum: [...NEXT_STEPS, null],
    nullable: true,
    example: 'PUBLIC_NOTICE',
    description: 'What a mutual-aid application waits for (null once decided, and for bank-covered loans)',
  })
  nextStep!: string | null;
  @ApiProperty({ enum: ['HOUSEHOLD', 'ENTITY'], example: 'HOUSEHOLD' }) borrowerType!: string;
  @ApiId({ nullable: true, example: '17' }) householdId!: string | null;
  @ApiId({ nullable: true, example: null }) entityId!: string | null;
  @ApiProperty({ type: () => LoanBorrowerResponse }) borrower!: LoanBorrowerResponse;
  @ApiId({ example: '1' }) districtId!: string;
  @ApiId({ nullable: true, example: '1' }) villageId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '东坪村' }) villageName!: string | null;
  @ApiId({ nullable: true, example: '1' }) fundId!: string | null;
  @ApiId({ nullable: true, example: '3' }) groupId!: string | null;
  @ApiId({ nullable: true, example: null }) bankId!: string | null;
  @ApiId({ example: '1' }) productVersionId!: string;
  @ApiProperty({ example: 'MUTUAL_AID_STD' }) productCode!: string;
  @ApiProperty({ example: 1 }) productVersion!: number;
  @ApiMoney() principal!: string;
  @ApiProperty({ example: 12 }) termMonths!: number;
  @ApiProperty({ example: 'BREEDING' }) purpose!: string;
  @ApiProperty({ example: 'BULLET' }) method!: string;
  @ApiProperty({ example: 'AT_MATURITY' }) frequency!: string;
  @ApiProperty({ example: 'PERIOD' }) dayCount!: string;
  @ApiProperty({ example: 'HALF_UP' }) rounding!: string;
  @ApiMoney({ example: '0.01' }) installmentMultiple!: string;
  @ApiDecimal({
    nullable: true,
    example: null,
    description: 'The contract rate, fixed at disbursement (percent per year)',
  })
  annualRatePercent!: string | null;
  @ApiDecimal({ nullable: true, example: null }) benchmarkRatePercent!: string | null;
  @ApiDecimal({ nullable: true, example: null }) penaltyRatePercent!: string | null;
  @ApiProperty({
    example: 0,
    description: "0 for a poor household's application (reviewed first), 1 otherwise",
  })
  priority!: number;
  @ApiDate({ nullable: true, example: '2026-06-01' }) applicationDate!: string | null;
  @ApiDateTime({ nullable: true, example: '2026-06-01T02:10:00.000Z' }) submittedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'officer.li' }) endorsedBy!: string | null;
  @ApiDateTime({ nullable: true, example: '2026-06-01T03:00:00.000Z' }) endorsedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-06-01 小组会议：全体成员同意联保' })
  endorsementNote!: string | null;
  @ApiProperty({ example: 'officer.li' }) createdBy!: string;
  @ApiProperty({ type: String, nullable: true, example: 'admin.wang' }) approvedBy!: string | null;
  @ApiDateTime({ nullable: true, example: '2026-06-02T01:00:00.000Z' }) approvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) secondApprovedBy!: string | null;
  @ApiDateTime({ nullable: true, example: null }) secondApprovedAt!: string | null;
  @ApiDate({
    nullable: true,
    example: '2026-06-02',
    description: 'Business date of the approval that completed the decision',
  })
  approvedOn!: string | null;
  @ApiProperty({ example: false }) needsSecondApproval!: boolean;
  @ApiDate({ nullable: true, example: '2026-06-02' }) noticeStartedOn!: string | null;
  @ApiDate({
    nullable: true,
    example: '2026-06-05',
    description: 'Last day of the public notice (inclusive)',
  })
  noticeEndsOn!: string | null;
  @ApiDate({ nullable: true, example: null }) contractDate!: string | null;
  @ApiDate({ nullable: true, example: null }) disbursementDate!: string | null;
  @ApiDate({ nullable: true, example: null }) maturityDate!: string | null;
  @ApiMoney({ example: '0.00' }) outstandingPrincipal!: string;
  @ApiProperty({ example: 0 }) daysOverdue!: number;
  @ApiProperty({ enum: ARREARS_BUCKETS, example: 'CURRENT' }) arrearsBucket!: string;
  @ApiProperty({ example: false }) nonPerforming!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null }) statusReason!: string | null;
  @ApiId({ nullable: true, example: null }) disbursementEntryId!: string | null;
  @ApiProperty({
    example: 5,
    description: 'Send it back with a step to be refused (409) if the loan changed meanwhile',
  })
  version!: number;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class LoanInstallmentResponse {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiDate({ example: '2026-06-06' }) periodStart!: string;
  @ApiDate({ example: '2027-06-06' }) dueDate!: string;
  @ApiProperty({ example: 365 }) days!: number;
  @ApiMoney() principal!: string;
  @ApiMoney({ example: '300.00' }) interest!: string;
  @ApiMoney({ example: '0.00' }) penalty!: string;
  @ApiMoney({ example: '5300.00' }) total!: string;
  @ApiMoney({ example: '0.00' }) paidPrincipal!: string;
  @ApiMoney({ example: '0.00' }) paidInterest!: string;
  @ApiMoney({ example: '0.00' }) paidPenalty!: string;
  @ApiProperty({ enum: ['OPEN', 'OVERDUE', 'PAID', 'WRITTEN_OFF'], example: 'OPEN' }) status!: string;
  @ApiDate({ nullable: true, example: null }) overdueSince!: string | null;
  @ApiDate({ nullable: true, example: null }) paidOn!: string | null;
}

export class LoanEventResponse {
  @ApiId({ example: '91' }) id!: string;
  @ApiProperty({ example: 'DISBURSED' }) event!: string;
  @ApiProperty({ type: String, nullable: true, example: 'IN_PUBLIC_NOTICE' }) fromStatus!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'DISBURSED' }) toStatus!: string | null;
  @ApiProperty({ example: 'admin.wang' }) actor!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) reason!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { businessDate: '2026-06-06', entryId: '311', annualRatePercent: '6' },
    description: 'What the event recorded, by event',
  })
  data!: Record<string, unknown> | null;
  @ApiDateTime() at!: string;
}

/** A loan with its frozen instalments and its history. */
export class LoanDetailResponse extends LoanResponse {
  @ApiProperty({ type: () => [LoanInstallmentResponse] }) installments!: LoanInstallmentResponse[];
  @ApiProperty({ type: () => [LoanEventResponse] }) events!: LoanEventResponse[];
}

export class LoanEligibilityFailureResponse {
  @ApiProperty({ example: 'NOT_FUND_MEMBER' }) code!: string;
  @ApiProperty({ example: 'householdId' }) field!: string;
  @ApiProperty({ example: "the household is not a member of this village's fund" }) message!: string;
}

export class LoanEligibilityFundResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: 'ACTIVE' }) status!: string;
  @ApiMoney({ example: '465000.00' }) cash!: string;
  @ApiMoney({ example: '412500.00' }) capHeadroom!: string;
  @ApiMoney({ example: '412500.00' }) availableToLend!: string;
}

export class LoanEligibilityResponse {
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'MA-2026-000042' }) loanNo!: string;
  @ApiProperty({ enum: LOAN_STATUSES, example: 'DRAFT' }) status!: string;
  @ApiProperty({ example: false }) eligible!: boolean;
  @ApiDate({ example: '2026-06-01' }) checkedOn!: string;
  @ApiDate({ example: '2026-06-01' }) applicationDate!: string;
  @ApiProperty({
    type: () => [LoanEligibilityFailureResponse],
    description: 'Every rule the application fails now',
  })
  errors!: LoanEligibilityFailureResponse[];
  @ApiProperty({ type: () => LoanEligibilityFundResponse }) fund!: LoanEligibilityFundResponse;
}
