import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  IdempotencyKey,
  PageQuery,
  requireSheetContentType,
  Roles,
  SheetImportResponse,
  XLSX_CONTENT_TYPE,
  type IdempotentResult,
} from '#libs/common';
import { CoveredLoanImport } from './covered-import.service.js';
import { yuan } from '#libs/money';
import { BreakerService } from './breaker.service.js';
import { CompensationService } from './compensation.service.js';
import {
  BulkReportDto,
  CancelCoveredLoanDto,
  ClaimListQuery,
  CoveredLoanListQuery,
  FileClaimDto,
  RecoveryDto,
  RegisterCoveredLoanDto,
  PayClaimDto,
  RejectClaimDto,
  RepaymentReportDto,
  StatusReportDto,
} from './covered-dto.js';
import { CoveredLoansService } from './covered-loans.service.js';
import { IdParam } from './dto.js';
import {
  BankDistrictBreakerResponse,
  CompensationClaimDetailResponse,
  CompensationClaimPage,
  CompensationClaimResponse,
  CompensationClaimWithRecoveryResponse,
  CoveredLoanDetailResponse,
  CoveredLoanPage,
  CoveredLoanResponse,
  CoveredReportBulkResponse,
  DistrictBreakerResponse,
} from './responses.js';

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: true,
  description:
    'Client-chosen key (8-128 of [A-Za-z0-9._:-]); a retry with the same key and body returns the first response (header Idempotent-Replayed: true), with another body 409',
  example: 'zb-2026-000123-reg',
});

/** The response of an idempotent operation (a replay's header is sent by IdempotentReplayInterceptor). */
function reply<T>(out: IdempotentResult<T>): T {
  return out.result;
}

const page = (item: unknown) => ({ items: [item], page: 1, pageSize: 50, total: 1 });

const LOAN_EXAMPLE = {
  id: '42',
  loanNo: 'CL-1-ZB2026-000123',
  bankId: '1',
  bankLoanRef: 'ZB2026-000123',
  agreementId: '1',
  productVersionId: '2',
  borrowerType: 'HOUSEHOLD',
  householdId: '17',
  entityId: null,
  districtId: '3',
  principal: '30000.00',
  termMonths: 12,
  annualRatePercent: '4.35',
  purpose: 'BREEDING',
  status: 'DISBURSED',
  disbursementDate: '2026-03-01',
  maturityDate: '2027-03-01',
  outstandingPrincipal: '30000.00',
  daysOverdue: 0,
  arrearsBucket: 'CURRENT',
  nonPerforming: false,
  lastStatusReport: null,
  recoveryExhausted: false,
  compensated: false,
  closedOn: null,
  statusReason: null,
  createdBy: 'apikey:zbrcb-core',
  createdAt: '2026-03-01T02:00:00.000Z',
  updatedAt: '2026-03-01T02:00:00.000Z',
  version: 1,
};
const PROBLEM_EXAMPLE = {
  type: 'about:blank',
  title: 'Unprocessable Entity',
  status: 422,
  code: 'FUND_CAPACITY_EXCEEDED',
  detail: 'loan ZB2026-000124 cannot be covered: FUND_CAPACITY_EXCEEDED, AGE_OUT_OF_RANGE',
  errors: [
    {
      field: 'amount',
      code: 'FUND_CAPACITY_EXCEEDED',
      message: 'capacity left at multiple 10 is 20000.00, less than 30000.00',
    },
    {
      field: 'householdId',
      code: 'AGE_OUT_OF_RANGE',
      message: 'the borrower is 67; the product lends to ages 18-65',
    },
  ],
};
const CLAIM_EXAMPLE = {
  id: '5',
  claimNo: 'CC-2026-000005',
  loanId: '42',
  agreementId: '1',
  riskFundId: '1',
  bankId: '1',
  mode: 'ADVANCE',
  daysOverdue: 95,
  principal: '27500.00',
  interest: '297.92',
  claimed: '27797.92',
  fundSharePercent: '80',
  bankSharePercent: '20',
  fundAmount: '22238.34',
  bankAmount: '5559.58',
  status: 'PAID',
  filedOn: '2026-07-05',
  filedBy: 'apikey:zbrcb-core',
  decidedBy: 'fund.admin',
  decidedAt: '2026-07-08T03:00:00.000Z',
  decisionReason: null,
  paidOn: '2026-07-08',
  entryId: '311',
  coverEntryId: '312',
  recovered: '0.00',
  fundRecovered: '0.00',
  version: 2,
};

@ApiTags('covered bank loans')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/covered-loans')
export class CoveredLoansController {
  constructor(
    private readonly loans: CoveredLoansService,
    private readonly compensation: CompensationService,
    private readonly importer: CoveredLoanImport,
  ) {}

  @Post('import')
  @Roles('BANK_OFFICER')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Register covered loans from the XLSX template or a CSV file (dry run first)',
    description:
      'The filled-in template (XLSX, GET /api/v1/import-templates/covered-loans) or a CSV in UTF-8 or GBK/GB18030 as the ' +
      'request body; one row per loan, the borrower by its ID number (household) or credit code (entity). All or ' +
      'nothing: every row by every rule of POST /covered-loans, in one transaction. A reference the bank registered ' +
      'already is skipped, so the same file twice registers nothing twice.',
  })
  @ApiConsumes('text/csv', XLSX_CONTENT_TYPE)
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean, description: 'check every row by every rule and write nothing' })
  @ApiBody({
    schema: {
      type: 'string',
      example:
        '银行贷款编号,借款人类型,借款人证件号码,产品代码,贷款金额,期限（月）,年利率,借款用途,放款日期\n' +
        'ZB2026-000123,农户,370302198503150027,HH_MICRO_STD,30000.00,12,,BREEDING,2026-03-01\n',
    },
  })
  @ApiOkResponse({ description: 'Per-row outcome; rows numbered as the spreadsheet shows them', type: SheetImportResponse })
  importCoveredLoans(@Req() req: Request, @Query('dryRun') dryRun?: string) {
    requireSheetContentType(req.headers['content-type'], XLSX_CONTENT_TYPE);
    return this.importer.importFile(req, { dryRun: dryRun === 'true' || dryRun === '1' });
  }

  @Post()
  @Roles('BANK_OFFICER')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Register a covered loan',
    description:
      'A bank registers a loan under the district guarantee fund: every borrower and guarantee rule is checked at once; DISBURSED when the disbursement date is today or past, else APPROVED with the cover reserved',
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: CoveredLoanResponse, example: LOAN_EXAMPLE })
  @ApiUnprocessableEntityResponse({ schema: { example: PROBLEM_EXAMPLE } })
  @ApiConflictResponse({ description: 'BANK_LOAN_REF_TAKEN: the bank already registered this reference' })
  async registerCoveredLoan(@Body() dto: RegisterCoveredLoanDto, @IdempotencyKey() key: string) {
    return reply(await this.loans.register(dto, key));
  }

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'List covered loans',
    description: 'Covered loans (a bank sees only its own), filtered by status, district, reference, NPL',
  })
  @ApiOkResponse({ type: CoveredLoanPage, example: page(LOAN_EXAMPLE) })
  listCoveredLoans(@Query() q: CoveredLoanListQuery) {
    return this.loans.list(q, q);
  }

  @Post('reports')
  @Roles('BANK_OFFICER')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Report repayments and statuses in bulk',
    description:
      'Bulk repayments and overdue status by bank loan reference: one transaction per row, a result per row; a retry with the same key applies only rows that did not commit',
  })
  @ApiOkResponse({
    type: CoveredReportBulkResponse,
    example: {
      results: [
        { row: 1, bankLoanRef: 'ZB2026-000123', kind: 'REPAYMENT', outcome: 'APPLIED', loan: LOAN_EXAMPLE },
        {
          row: 2,
          bankLoanRef: 'ZB2026-999999',
          kind: 'STATUS',
          outcome: 'FAILED',
          error: { code: 'NOT_FOUND', status: 404, detail: 'loan ZB2026-999999 not found', errors: [] },
        },
      ],
      applied: 1,
      replayed: 0,
      failed: 1,
    },
  })
  reportCoveredLoansBulk(@Body() dto: BulkReportDto, @IdempotencyKey() key: string) {
    return this.loans.reportBulk(dto.items, key);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Get a covered loan',
    description: 'A covered loan with its cover and frozen schedule',
  })
  @ApiOkResponse({
    type: CoveredLoanDetailResponse,
    example: {
      ...LOAN_EXAMPLE,
      cover: {
        status: 'ACTIVE',
        multiple: '10',
        pending: '0.00',
        outstanding: '30000.00',
        coverUsed: '3000.00',
        released: '0.00',
      },
      installments: [],
    },
  })
  @ApiNotFoundResponse({ description: "not found, or another bank's loan" })
  getCoveredLoan(@Param() p: IdParam) {
    return this.loans.get(p.id);
  }

  @Post(':id/disbursement')
  @Roles('BANK_OFFICER')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: "Confirm a covered loan's disbursement",
    description: 'The bank confirms the payout of an APPROVED loan: the reservation becomes exposure',
  })
  @ApiOkResponse({ type: CoveredLoanResponse, example: LOAN_EXAMPLE })
  async confirmCoveredLoanDisbursement(@Param() p: IdParam, @IdempotencyKey() key: string) {
    return reply(await this.loans.confirmDisbursement(p.id, key));
  }

  @Post(':id/cancel')
  @Roles('BANK_OFFICER')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Cancel an approved covered loan',
    description: 'Cancel an APPROVED loan before its payout: the reservation is voided',
  })
  @ApiOkResponse({
    type: CoveredLoanResponse,
    example: { ...LOAN_EXAMPLE, status: 'CANCELLED', statusReason: 'borrower withdrew' },
  })
  async cancelCoveredLoan(
    @Param() p: IdParam,
    @Body() dto: CancelCoveredLoanDto,
    @IdempotencyKey() key: string,
  ) {
    return reply(await this.loans.cancel(p.id, dto.reason, key));
  }

  @Post(':id/repayments')
  @Roles('BANK_OFFICER')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Report a covered-loan repayment',
    description: 'A repayment the bank received: outstanding principal and exposure go down by the principal',
  })
  @ApiOkResponse({
    type: CoveredLoanResponse,
    example: { ...LOAN_EXAMPLE, outstandingPrincipal: '27500.00' },
  })
  async reportCoveredLoanRepayment(
    @Param() p: IdParam,
    @Body() dto: RepaymentReportDto,
    @IdempotencyKey() key: string,
  ) {
    const report = {
      paidOn: dto.paidOn,
      principalFen: yuan(dto.principal),
      interestFen: dto.interest ? yuan(dto.interest) : 0n,
    };
    return reply(await this.loans.reportRepayment(p.id, report, key));
  }

  @Post(':id/status')
  @Roles('BANK_OFFICER')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: "Report a covered loan's overdue status",
    description:
      "Overdue status as the bank sees it: days overdue (non-performing beyond 90), recovery exhausted; re-decides the district's circuit breaker. " +
      'The latest report by as-of date is authoritative as of that date; the daily close of business ages the loan from it ' +
      'between reports (libs/guarantee/README.md). A report for a date before the latest one is recorded but changes nothing.',
  })
  @ApiOkResponse({
    type: CoveredLoanResponse,
    example: {
      ...LOAN_EXAMPLE,
      daysOverdue: 95,
      arrearsBucket: 'DPD_90_PLUS',
      nonPerforming: true,
      lastStatusReport: { asOf: '2026-05-31', daysOverdue: 95 },
    },
  })
  async reportCoveredLoanStatus(
    @Param() p: IdParam,
    @Body() dto: StatusReportDto,
    @IdempotencyKey() key: string,
  ) {
    return reply(await this.loans.reportStatus(p.id, dto, key));
  }

  @Post(':id/claims')
  @Roles('BANK_OFFICER')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'File a compensation claim',
    description:
      "File a compensation claim (ADVANCE: at the agreement's trigger days overdue; FINAL_LOSS: from the trigger days too, once recovery is exhausted); every failed condition at once",
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: CompensationClaimResponse,
    example: { ...CLAIM_EXAMPLE, status: 'FILED', decidedBy: null, paidOn: null },
  })
  @ApiUnprocessableEntityResponse({
    schema: {
      example: {
        status: 422,
        code: 'CLAIM_NOT_ELIGIBLE',
        errors: [
          {
            field: 'loanId',
            code: 'OVERDUE_BELOW_TRIGGER',
            message: 'the loan is 30 days overdue; the agreement compensates in advance at 90',
          },
        ],
      },
    },
  })
  async fileCompensationClaim(@Param() p: IdParam, @Body() dto: FileClaimDto, @IdempotencyKey() key: string) {
    return reply(await this.compensation.file(p.id, dto.memo, key));
  }
}

@ApiTags('covered bank loans')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/compensation-claims')
export class CompensationClaimsController {
  constructor(private readonly compensation: CompensationService) {}

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'List compensation claims',
    description: 'Compensation claims (a bank sees only its own)',
  })
  @ApiOkResponse({ type: CompensationClaimPage, example: page(CLAIM_EXAMPLE) })
  listCompensationClaims(@Query() q: ClaimListQuery) {
    return this.compensation.list(q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOkResponse({ type: CompensationClaimDetailResponse, example: { ...CLAIM_EXAMPLE, recoveries: [] } })
  @ApiOperation({ summary: 'Get a compensation claim' })
  getCompensationClaim(@Param() p: IdParam) {
    return this.compensation.get(p.id);
  }

  @Post(':id/approve')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Approve and pay a compensation claim',
    description:
      "Approve and pay the fund's share: exposure released, fund balance down, cover shortfall when the freed backing is not enough; pays once",
  })
  @ApiOkResponse({ type: CompensationClaimResponse, example: CLAIM_EXAMPLE })
  @ApiConflictResponse({ description: 'CLAIM_STATE_CONFLICT: already paid or rejected' })
  @ApiForbiddenResponse({ description: 'CLAIM_SAME_SIDE: the filer may not decide' })
  async approveCompensationClaim(
    @Param() p: IdParam,
    @Body() dto: PayClaimDto,
    @IdempotencyKey() key: string,
  ) {
    return reply(await this.compensation.approve(p.id, key, { paidOn: dto?.paidOn }));
  }

  @Post(':id/reject')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reject a compensation claim',
    description: 'Reject a filed claim with a reason (the bank may refile later)',
  })
  @ApiOkResponse({
    type: CompensationClaimResponse,
    example: { ...CLAIM_EXAMPLE, status: 'REJECTED', paidOn: null, decisionReason: 'restructured' },
  })
  rejectCompensationClaim(@Param() p: IdParam, @Body() dto: RejectClaimDto) {
    return this.compensation.reject(p.id, dto.reason);
  }

  @Post(':id/recoveries')
  @Roles('BANK_OFFICER')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Record a recovery on a compensated claim',
    description: "A recovery after compensation: the fund's loss share of it comes back to the fund",
  })
  @HttpCode(200)
  @ApiOkResponse({
    type: CompensationClaimWithRecoveryResponse,
    example: {
      ...CLAIM_EXAMPLE,
      recovered: '5000.00',
      fundRecovered: '4000.00',
      recovery: { amount: '5000.00', fundPart: '4000.00', bankPart: '1000.00' },
    },
  })
  async recordCompensationRecovery(
    @Param() p: IdParam,
    @Body() dto: RecoveryDto,
    @IdempotencyKey() key: string,
  ) {
    return reply(await this.compensation.recover(p.id, dto, key));
  }
}

@ApiTags('covered bank loans')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/districts')
export class DistrictBreakerController {
  constructor(private readonly breaker: BreakerService) {}

  @Get(':id/breaker')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: "Get a district's circuit breaker",
    description: "The district's NPL circuit breaker: state, ratio, threshold and every change of state",
  })
  @ApiExtraModels(DistrictBreakerResponse, BankDistrictBreakerResponse)
  @ApiOkResponse({
    description: 'The full view for oversight roles; a bank sees its own figures only (scope OWN_BANK)',
    schema: {
      anyOf: [
        { $ref: getSchemaPath(DistrictBreakerResponse) },
        { $ref: getSchemaPath(BankDistrictBreakerResponse) },
      ],
      example: {
        districtId: '3',
        districtCode: '370323',
        districtName: 'Yiyuan County',
        hasRiskFund: true,
        state: 'SUSPENDED',
        changedAt: '2026-07-01T02:00:00.000Z',
        evaluatedAt: '2026-07-01T02:00:00.000Z',
        live: {
          state: 'SUSPENDED',
          coveredOutstanding: '1000000.00',
          nonPerforming: '60000.00',
          nplOverdueDays: 90,
          ratioPercent: '6.0000',
          thresholdPercent: '5',
        },
        history: page({
          id: '1',
          from: 'NORMAL',
          to: 'SUSPENDED',
          nonPerforming: '60000.00',
          coveredOutstanding: '1000000.00',
          ratioPercent: '6.0000',
          thresholdPercent: '5',
          cause: 'status report on loan 42',
          actor: 'apikey:zbrcb-core',
          at: '2026-07-01T02:00:00.000Z',
        }),
      },
    },
  })
  getDistrictBreaker(@Param() p: IdParam, @Query() q: PageQuery) {
    return this.breaker.view(p.id, q);
  }
}
