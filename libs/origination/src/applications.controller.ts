import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IdempotencyKey, PageOf, RequestContext, Roles, STAFF_READERS } from '#libs/common';
import { ApplicationsService } from './applications.service.js';
import { DisbursementService } from './disbursement.service.js';
import {
  ApproveDto,
  CreateApplicationDto,
  DisburseDto,
  EndorseDto,
  LoanIdParam,
  ApplicationReasonDto,
  ReviewQueueQuery,
  UpdateApplicationDto,
  VersionDto,
} from './dto.js';
import { DISBURSED_EXAMPLE, ELIGIBILITY_EXAMPLE, IDEMPOTENCY_HEADER, LOAN_EXAMPLE, problem } from './examples.js';
import { OriginationService } from './origination.service.js';
import { LoanDetailResponse, LoanEligibilityResponse, LoanResponse } from './responses.js';

/** Who takes applications: loan officers, and the village fund administrators who also do (maker-checker then binds). */
const TAKERS = ['LOAN_OFFICER', 'FUND_ADMIN'] as const;

const NOT_ELIGIBLE = problem('LOAN_NOT_ELIGIBLE', 422, 'the application is not eligible on submission: NOT_FUND_MEMBER, GROUP_MEMBER_OVERDUE', [
  { code: 'NOT_FUND_MEMBER', field: 'householdId', message: "the household is not a member of this village's fund" },
  { code: 'GROUP_MEMBER_OVERDUE', field: 'groupId', message: 'while a group member is overdue no one in the group gets a new loan (1 member(s) overdue)' },
]);
const INVALID_TRANSITION = problem('LOAN_INVALID_TRANSITION', 409, 'cannot approve a loan in status DRAFT', [
  { field: 'status', code: 'LOAN_INVALID_TRANSITION', message: 'cannot approve a loan in status DRAFT' },
]);

@ApiTags('loan applications')
@ApiBearerAuth()
@Controller('api/v1/loan-applications')
export class ApplicationsController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly disbursements: DisbursementService,
    private readonly origination: OriginationService,
  ) {}

  // Declared before ':id' so the path is not read as an id.
  @Get('review-queue')
  @Roles('FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'List applications awaiting a decision',
    description:
      'Poor households first, then by the time they were submitted. ' +
      'Filters: fund, village, district, status (default SUBMITTED and GROUP_ENDORSED). `nextStep` says what each awaits.',
  })
  @ApiOkResponse({
    type: PageOf(LoanResponse),
    example: { items: [{ ...LOAN_EXAMPLE, status: 'GROUP_ENDORSED', nextStep: 'APPROVAL' }], page: 1, pageSize: 50, total: 1 },
  })
  listLoanReviewQueue(@Query() q: ReviewQueueQuery) {
    return this.origination.reviewQueue(q, q, RequestContext.actor());
  }

  @Post()
  @Roles(...TAKERS)
  @HttpCode(201)
  @ApiOperation({
    summary: 'Take a mutual-aid loan application',
    description: 'The application is a DRAFT loan, numbered MA-{year}-{seq}.',
  })
  @ApiCreatedResponse({ type: LoanResponse, example: { ...LOAN_EXAMPLE, status: 'DRAFT', nextStep: 'SUBMISSION', version: 1 } })
  @ApiUnprocessableEntityResponse(
    problem('LOAN_APPLICATION_INVALID', 422, 'the application names what cannot be lent under: productId, groupId', [
      { field: 'productId', code: 'PRODUCT_NOT_MUTUAL_AID', message: 'product HH_MICRO_STD is a HOUSEHOLD_MICROCREDIT product, not mutual aid' },
      { field: 'groupId', code: 'UNKNOWN_GROUP', message: 'joint-liability group 99 does not exist' },
    ]),
  )
  createLoanApplication(@Body() dto: CreateApplicationDto) {
    return this.applications.create(dto.toInput());
  }

  @Get(':id')
  @Roles(...STAFF_READERS)
  @ApiOperation({ summary: 'Get a loan application' })
  @ApiOkResponse({ type: LoanResponse, example: LOAN_EXAMPLE })
  getLoanApplication(@Param() p: LoanIdParam) {
    return this.origination.view(null, p.id, RequestContext.actor());
  }

  @Patch(':id')
  @Roles(...TAKERS)
  @ApiOperation({ summary: 'Edit a draft application' })
  @ApiOkResponse({ type: LoanResponse, example: { ...LOAN_EXAMPLE, status: 'DRAFT', nextStep: 'SUBMISSION', version: 2 } })
  @ApiConflictResponse(problem('LOAN_INVALID_TRANSITION', 409, 'only a draft can be edited; this application is SUBMITTED'))
  updateLoanApplication(@Param() p: LoanIdParam, @Body() dto: UpdateApplicationDto) {
    return this.applications.update(p.id, dto.toPatch(), dto.version);
  }

  @Get(':id/eligibility')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'Check the eligibility of an application',
    description: 'Dry run: every rule the application fails right now (nothing is written).',
  })
  @ApiOkResponse({ type: LoanEligibilityResponse, example: ELIGIBILITY_EXAMPLE })
  checkLoanEligibility(@Param() p: LoanIdParam) {
    return this.applications.checkEligibility(p.id);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @Roles(...TAKERS)
  @ApiOperation({
    summary: 'Submit an application',
    description: 'DRAFT → SUBMITTED; every eligibility rule is evaluated and every failure returned at once.',
  })
  @ApiOkResponse({ type: LoanResponse, example: { ...LOAN_EXAMPLE, status: 'SUBMITTED', nextStep: 'GROUP_ENDORSEMENT' } })
  @ApiUnprocessableEntityResponse(NOT_ELIGIBLE)
  @ApiConflictResponse(INVALID_TRANSITION)
  submitLoanApplication(@Param() p: LoanIdParam, @Body() dto: VersionDto) {
    return this.applications.submit(p.id, dto);
  }

  @Post(':id/endorse')
  @HttpCode(200)
  @Roles(...TAKERS)
  @ApiOperation({
    summary: 'Record the group endorsement of an application',
    description: "SUBMITTED → GROUP_ENDORSED: records the joint-liability group's consent.",
  })
  @ApiOkResponse({ type: LoanResponse, example: { ...LOAN_EXAMPLE, status: 'GROUP_ENDORSED', nextStep: 'APPROVAL' } })
  @ApiUnprocessableEntityResponse(NOT_ELIGIBLE)
  @ApiConflictResponse(INVALID_TRANSITION)
  endorseLoanApplication(@Param() p: LoanIdParam, @Body() dto: EndorseDto) {
    return this.applications.endorse(p.id, dto);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('FUND_ADMIN')
  @ApiOperation({
    summary: 'Approve an application',
    description:
      'Maker-checker: → IN_PUBLIC_NOTICE, or APPROVED when the fund has no notice days. ' +
      'The creator may not approve. Above the fund’s second_approval_threshold the first approval is recorded and a second, ' +
      'different FUND_ADMIN completes it. Eligibility is evaluated again.',
  })
  @ApiOkResponse({ type: LoanResponse, example: LOAN_EXAMPLE })
  @ApiForbiddenResponse(problem('LOAN_MAKER_CHECKER', 403, 'the officer who created an application may not approve it'))
  @ApiUnprocessableEntityResponse(NOT_ELIGIBLE)
  @ApiConflictResponse(INVALID_TRANSITION)
  approveLoanApplication(@Param() p: LoanIdParam, @Body() dto: ApproveDto) {
    return this.applications.approve(p.id, dto);
  }

  @Post(':id/object')
  @HttpCode(200)
  @Roles('LOAN_OFFICER', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Record an objection to an application',
    description: 'During the public notice: back to review, approvals cleared.',
  })
  @ApiOkResponse({
    type: LoanResponse,
    example: { ...LOAN_EXAMPLE, status: 'GROUP_ENDORSED', nextStep: 'APPROVAL', approvedBy: null, noticeEndsOn: null },
  })
  @ApiConflictResponse(INVALID_TRANSITION)
  objectToLoanApplication(@Param() p: LoanIdParam, @Body() dto: ApplicationReasonDto) {
    return this.applications.object(p.id, dto);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('FUND_ADMIN')
  @ApiOperation({ summary: 'Reject an application', description: 'An application under review, approved or in public notice → REJECTED, with a reason.' })
  @ApiOkResponse({ type: LoanResponse, example: { ...LOAN_EXAMPLE, status: 'REJECTED', nextStep: null, statusReason: 'purpose not verified' } })
  @ApiConflictResponse(INVALID_TRANSITION)
  rejectLoanApplication(@Param() p: LoanIdParam, @Body() dto: ApplicationReasonDto) {
    return this.applications.reject(p.id, dto);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('LOAN_OFFICER', 'FUND_ADMIN')
  @ApiOperation({ summary: 'Cancel an application', description: 'A draft or pending application → CANCELLED, with a reason.' })
  @ApiOkResponse({ type: LoanResponse, example: { ...LOAN_EXAMPLE, status: 'CANCELLED', nextStep: null, statusReason: 'the household withdrew' } })
  @ApiConflictResponse(INVALID_TRANSITION)
  cancelLoanApplication(@Param() p: LoanIdParam, @Body() dto: ApplicationReasonDto) {
    return this.applications.cancel(p.id, dto);
  }

  @Post(':id/disburse')
  @HttpCode(200)
  @Roles('FUND_ADMIN')
  @ApiOperation({
    summary: 'Disburse a mutual-aid loan',
    description:
      'Pays the loan out of its fund: LOANS ↑ / CASH ↓, schedule frozen, contract rate recorded. ' +
      'Locks the fund, then the loan; re-checks the notice, every eligibility rule, the lending cap and the cash. ' +
      'Refusals: FUND_INSUFFICIENT_CASH, FUND_CAP_EXCEEDED, LOAN_NOT_ELIGIBLE, LOAN_NOTICE_NOT_ENDED.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: LoanDetailResponse, example: DISBURSED_EXAMPLE })
  @ApiUnprocessableEntityResponse(
    problem('FUND_INSUFFICIENT_CASH', 422, 'disbursement of MA-2026-000042 refused: the fund has 3000.00 cash available', [
      { code: 'FUND_INSUFFICIENT_CASH', field: 'amount', message: 'the fund has 3000.00 cash available' },
    ]),
  )
  @ApiConflictResponse(problem('IDEMPOTENCY_KEY_REUSED', 409, 'Idempotency-Key disburse-MA-2026-000042 was already used for a different request'))
  disburseLoan(@Param() p: LoanIdParam, @Body() dto: DisburseDto, @IdempotencyKey() key: string) {
    return this.disbursements.disburse(p.id, dto, key);
  }
}
