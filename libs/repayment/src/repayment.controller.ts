import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IdempotencyKey, PageOf, problemExample as problem, Roles, STAFF_READERS } from '#libs/common';
import {
  CreateRepaymentDto,
  FeeDistributionDto,
  FeeDistributionListQuery,
  FundIdParam,
  LoanIdParam,
  LoanRepaymentListQuery,
  PayoffQuery,
  ReasonDto,
  RepaymentIdParam,
  RepaymentListQuery,
  WriteOffListQuery,
} from './dto.js';
import { FeeDistributionService } from './fee-distribution.service.js';
import {
  FeeDistributionResponse,
  LoanStatementResponse,
  PayoffQuoteResponse,
  RepaymentResponse,
  RepaymentResultResponse,
  WriteOffResponse,
} from './responses.js';
import { RepaymentService } from './repayment.service.js';
import { StatementService } from './statement.service.js';
import { WriteOffService } from './write-off.service.js';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: true,
  description:
    'Client-chosen key (8-128 of [A-Za-z0-9._:-]): a retry returns the first response; the same key with another body is 409',
  example: 'repay-2026-05-20-0001',
};

const REPAYMENT_EXAMPLE = {
  id: '7',
  loanId: '42',
  loanNo: 'MA-2026-000042',
  fundId: '1',
  kind: 'REPAYMENT',
  amount: '1060.00',
  valueDate: '2026-05-20',
  channel: 'CASH',
  reference: '收据 2026-0113',
  payerHouseholdId: null,
  allocation: { principal: '1000.00', interest: '60.00', penalty: '0.00', recovery: '0.00' },
  originalAllocation: { principal: '1000.00', interest: '60.00', penalty: '0.00', recovery: '0.00' },
  prepaidPrincipal: '0.00',
  payoff: false,
  backdated: false,
  status: 'POSTED',
  entryId: '311',
  reversal: null,
  createdBy: 'loan.officer',
  createdAt: '2026-05-20T03:12:00.000Z',
};
const RESULT_EXAMPLE = {
  ...REPAYMENT_EXAMPLE,
  loan: {
    id: '42',
    status: 'DISBURSED',
    outstandingPrincipal: '4000.00',
    daysOverdue: 0,
    arrearsBucket: 'CURRENT',
    nonPerforming: false,
    closedOn: null,
  },
  installments: [{ number: 3, principal: '1000.00', interest: '60.00', penalty: '0.00' }],
  corrections: [],
};
const STATEMENT_EXAMPLE = {
  loan: {
    id: '42',
    loanNo: 'MA-2026-000042',
    channel: 'MUTUAL_AID',
    status: 'DISBURSED',
    principal: '5000.00',
    annualRatePercent: '6',
    penaltyRatePercent: '9',
  },
  asOf: '2026-06-01',
  installments: [
    {
      number: 1,
      periodStart: '2026-01-15',
      dueDate: '2026-02-15',
      status: 'PAID',
      scheduled: {
        principal: '1000.00',
        interest: '25.00',
        originalInterest: '25.00',
        penalty: '0.00',
        total: '1025.00',
      },
      paid: { principal: '1000.00', interest: '25.00', penalty: '0.00', total: '1025.00' },
      outstanding: { principal: '0.00', interest: '0.00', penalty: '0.00', total: '0.00' },
      daysOverdue: 0,
      overdueSince: null,
      paidOn: '2026-02-14',
      interestPaidOn: '2026-02-14',
      paidOnTime: true,
    },
  ],
  balances: {
    principalOutstanding: '4000.00',
    interestDue: '0.00',
    penaltyDue: '0.00',
    overdueTotal: '0.00',
    paidPrincipal: '1000.00',
    paidInterest: '25.00',
    paidPenalty: '0.00',
    remainingScheduled: '4060.00',
  },
  daysOverdue: 0,
  arrearsBucket: 'CURRENT',
  payoffToday: {
    loanId: '42',
    valueDate: '2026-06-01',
    principal: '4000.00',
    interestDue: '0.00',
    interestAccrued: '3.23',
    penalty: '0.00',
    total: '4003.23',
  },
  transactions: [REPAYMENT_EXAMPLE],
  corrections: [],
  disbursementEntryId: '120',
  writeOff: null,
};
const WRITE_OFF_EXAMPLE = {
  id: '3',
  loanId: '42',
  loanNo: 'MA-2025-000042',
  fundId: '1',
  writtenOffOn: '2026-06-01',
  daysOverdue: 197,
  principal: '5000.00',
  interest: '300.00',
  penalty: '245.71',
  recovered: '0.00',
  claimOutstanding: '5545.71',
  reason: 'borrower moved away; the group could not pay',
  entryId: '512',
  createdBy: 'fund.admin',
  createdAt: '2026-06-01T02:00:00.000Z',
};
const DISTRIBUTION_EXAMPLE = {
  id: '1',
  fundId: '1',
  year: 2025,
  income: { usageFee: '12000.00', penalty: '81.33', recovery: '0.00' },
  distributable: '12081.33',
  shares: {
    capital: '4832.54',
    riskReserve: '2416.27',
    publicWelfare: '1208.13',
    administration: '3624.39',
    dividends: '0.00',
  },
  percentages: {
    CAPITAL: '40',
    RISK_RESERVE: '20',
    PUBLIC_WELFARE: '10',
    ADMINISTRATION: '30',
    DIVIDENDS: '0',
  },
  writeOffsCharged: '5000.00',
  entryId: '640',
  createdBy: 'fund.admin',
  createdAt: '2026-01-05T02:00:00.000Z',
};

@ApiTags('repayments')
@ApiBearerAuth()
@Controller('api/v1')
export class RepaymentController {
  constructor(
    private readonly repayments: RepaymentService,
    private readonly statements: StatementService,
    private readonly writeOffs: WriteOffService,
    private readonly distributions: FeeDistributionService,
  ) {}

  @Post('loans/:id/repayments')
  @Roles('LOAN_OFFICER', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Record a repayment',
    description:
      'A repayment of a mutual-aid loan (one entry CASH ↑ / LOANS ↓, FEE_INCOME ↑, PENALTY_INCOME ↑). ' +
      'Applied by the product waterfall (default overdue penalty → overdue interest → overdue principal → current interest → current principal → ' +
      'future instalments as a prepayment that shortens the term or lowers the instalment). Paying exactly the payoff closes the loan with the ' +
      'usage fee accrued to the value date; more than the payoff is refused with it. A value date up to REPAYMENT_BACKDATE_DAYS back is ' +
      'accepted: penalties and ageing are recomputed and changes to earlier repayments are posted as a correction entry. On a written-off ' +
      'loan the payment is a recovery (CASH ↑ / RECOVERY_INCOME ↑).',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @HttpCode(201)
  @ApiCreatedResponse({ type: RepaymentResultResponse, example: RESULT_EXAMPLE })
  @ApiNotFoundResponse(problem('NOT_FOUND', 404, 'loan 42 not found'))
  @ApiConflictResponse(
    problem(
      'IDEMPOTENCY_KEY_REUSED',
      409,
      'Idempotency-Key repay-2026-05-20-0001 was already used for a different request',
    ),
  )
  @ApiUnprocessableEntityResponse(
    problem(
      'OVERPAYMENT',
      422,
      'the payment of 6000.00 exceeds the payoff of 5012.33 on 2026-05-20: loan MA-2026-000042 is closed by paying 5012.33; nothing is kept as credit',
      [
        {
          field: 'amount',
          code: 'OVERPAYMENT',
          message: 'the payment of 6000.00 exceeds the payoff of 5012.33 on 2026-05-20',
        },
      ],
      { payoff: '5012.33', valueDate: '2026-05-20' },
    ),
  )
  recordRepayment(@Param() p: LoanIdParam, @Body() dto: CreateRepaymentDto, @IdempotencyKey() key: string) {
    return this.repayments.record(p.id, dto.toInput(), key);
  }

  @Get('loans/:id/repayments')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: "List a loan's repayments",
    description: "A loan's repayments, newest first, by status and value date.",
  })
  @ApiOkResponse({
    type: PageOf(RepaymentResponse),
    example: { items: [REPAYMENT_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listLoanRepayments(@Param() p: LoanIdParam, @Query() q: LoanRepaymentListQuery) {
    return this.statements.repaymentsOf(p.id, q, q);
  }

  @Get('loans/:id/statement')
  @Roles(...STAFF_READERS, 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Get a loan statement',
    description:
      'Schedule with paid and outstanding per instalment, transactions, balances, days overdue, payoff today.',
  })
  @ApiOkResponse({ type: LoanStatementResponse, example: STATEMENT_EXAMPLE })
  @ApiNotFoundResponse(problem('NOT_FOUND', 404, 'loan 42 not found'))
  getLoanStatement(@Param() p: LoanIdParam) {
    return this.statements.statement(p.id);
  }

  @Get('loans/:id/payoff')
  @Roles(...STAFF_READERS, 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Quote the payoff of a loan',
    description:
      'What closes the loan on a value date (default today): principal, due and accrued usage fee, penalty.',
  })
  @ApiOkResponse({ type: PayoffQuoteResponse, example: STATEMENT_EXAMPLE.payoffToday })
  getLoanPayoff(@Param() p: LoanIdParam, @Query() q: PayoffQuery) {
    return this.statements.payoff(p.id, q.valueDate);
  }

  @Post('loans/:id/write-off')
  @Roles('FUND_ADMIN')
  @ApiOperation({
    summary: 'Write off a loan',
    description:
      'A loan at least WRITE_OFF_MIN_DAYS_OVERDUE (default 180) days overdue (LOANS ↓ / WRITE_OFF_EXPENSE ↑). ' +
      'The risk reserve absorbs the expense at the year-end distribution; later payments on the loan are recoveries.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteOffResponse, example: WRITE_OFF_EXAMPLE })
  @ApiUnprocessableEntityResponse(
    problem('WRITE_OFF_NOT_ALLOWED', 422, 'loan MA-2026-000042 is 45 days overdue; a write-off needs 180', [
      { field: 'loanId', code: 'WRITE_OFF_TOO_EARLY', message: '45 days overdue, at least 180 needed' },
    ]),
  )
  writeOffLoan(@Param() p: LoanIdParam, @Body() dto: ReasonDto, @IdempotencyKey() key: string) {
    return this.writeOffs.writeOff(p.id, dto.reason, key);
  }

  @Get('repayments')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List repayments',
    description: 'Repayments by loan, fund, kind, status, channel and value date.',
  })
  @ApiOkResponse({
    type: PageOf(RepaymentResponse),
    example: { items: [REPAYMENT_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listRepayments(@Query() q: RepaymentListQuery) {
    return this.repayments.list(q, q);
  }

  @Get('repayments/:id')
  @Roles(...STAFF_READERS)
  @ApiOperation({ summary: 'Get a repayment with its split in force and any reversal' })
  @ApiOkResponse({ type: RepaymentResponse, example: REPAYMENT_EXAMPLE })
  @ApiNotFoundResponse(problem('NOT_FOUND', 404, 'repayment 7 not found'))
  getRepayment(@Param() p: RepaymentIdParam) {
    return this.repayments.get(p.id);
  }

  @Post('repayments/:id/reversal')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reverse a repayment',
    description:
      'Mirror entry, dues restored, a closed loan reopened; later splits corrected by a new entry. Returns the reversed repayment.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({
    type: RepaymentResultResponse,
    example: {
      ...RESULT_EXAMPLE,
      status: 'REVERSED',
      allocation: { principal: '0.00', interest: '0.00', penalty: '0.00', recovery: '0.00' },
      reversal: {
        reversedOn: '2026-05-21',
        reversedBy: 'fund.admin',
        reason: 'receipt entered twice by mistake',
        entryId: '318',
      },
      installments: [],
      corrections: [{ adjustmentId: '4', entryId: '318' }],
    },
  })
  @ApiConflictResponse(
    problem('REPAYMENT_ALREADY_REVERSED', 409, 'repayment 7 was already reversed (entry 318)'),
  )
  reverseRepayment(@Param() p: RepaymentIdParam, @Body() dto: ReasonDto, @IdempotencyKey() key: string) {
    return this.repayments.reverse(p.id, dto.reason, key);
  }

  @Get('write-offs')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List write-offs',
    description: 'Written-off loans by fund and date, with what has been recovered.',
  })
  @ApiOkResponse({
    type: PageOf(WriteOffResponse),
    example: { items: [WRITE_OFF_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listWriteOffs(@Query() q: WriteOffListQuery) {
    return this.writeOffs.list(q, q);
  }

  @Post('mutual-aid-funds/:id/fee-distributions')
  @Roles('FUND_ADMIN')
  @ApiOperation({
    summary: "Distribute a fund's year-end fee income",
    description:
      "Distributes an ended year's income by the fund's percentages, exact to the fen; the risk reserve absorbs the write-offs.",
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @HttpCode(201)
  @ApiCreatedResponse({ type: FeeDistributionResponse, example: DISTRIBUTION_EXAMPLE })
  @ApiConflictResponse(
    problem('FEE_DISTRIBUTION_EXISTS', 409, 'fund 1 already distributed its 2025 income (distribution 1)'),
  )
  @ApiUnprocessableEntityResponse(
    problem(
      'FEE_DISTRIBUTION_NOT_ALLOWED',
      422,
      'fee distribution refused: 2026 has not ended (today is 2026-06-01)',
      [
        {
          field: 'year',
          code: 'FEE_DISTRIBUTION_NOT_ALLOWED',
          message: '2026 has not ended (today is 2026-06-01)',
        },
      ],
    ),
  )
  distributeFeeIncome(
    @Param() p: FundIdParam,
    @Body() dto: FeeDistributionDto,
    @IdempotencyKey() key: string,
  ) {
    return this.distributions.distribute(p.id, dto.year, key);
  }

  @Get('mutual-aid-funds/:id/fee-distributions')
  @Roles(...STAFF_READERS)
  @ApiOperation({ summary: "List a fund's year-end fee distributions" })
  @ApiOkResponse({
    type: PageOf(FeeDistributionResponse),
    example: { items: [DISTRIBUTION_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listFeeDistributions(@Param() p: FundIdParam, @Query() q: FeeDistributionListQuery) {
    return this.distributions.list(p.id, q, q);
  }
}
