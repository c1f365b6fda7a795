import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IdempotencyKey, Roles } from '#libs/common';
import { AgreementsService } from './agreements.service.js';
import { ApiKeysService, BanksService } from './banks.service.js';
import {
  AgreementListQuery,
  ApiKeyListQuery,
  BankKeyParam,
  BankListQuery,
  CoverListQuery,
  CreateAgreementDto,
  CreateApiKeyDto,
  CreateBankDto,
  CreateRiskFundDto,
  DepositDto,
  IdParam,
  InterestDto,
  MovementQuery,
  RiskFundListQuery,
  TerminateAgreementDto,
  UpdateAgreementDto,
  UpdateRiskFundDto,
  RiskFundWithdrawalDto,
} from './dto.js';
import { GuaranteeService } from './guarantee.service.js';
import {
  BankApiKeyPage,
  BankApiKeyResponse,
  BankCapacityResponse,
  BankPage,
  BankResponse,
  CreatedBankApiKeyResponse,
  GuaranteeAgreementPage,
  GuaranteeAgreementResponse,
  GuaranteeCoverPage,
  RiskFundCapacityResponse,
  RiskFundMovementPage,
  RiskFundMovementResultResponse,
  RiskFundPage,
  RiskFundResponse,
} from './responses.js';
import { RiskFundsService } from './risk-funds.service.js';

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: true,
  description:
    'Client-chosen key (8-128 of [A-Za-z0-9._:-]); a retry with the same key and body returns the first response (header Idempotent-Replayed: true), with another body 409',
  example: 'rf-1-dep-2026-0001',
});

const BANK_EXAMPLE = {
  id: '1',
  code: 'ZBRCB',
  name: 'Zibo Rural Commercial Bank',
  createdAt: '2026-01-05T02:00:00.000Z',
};
const FUND_EXAMPLE = {
  id: '1',
  districtId: '3',
  districtCode: '370323',
  districtName: 'Yiyuan County',
  heavyTask: true,
  name: 'Yiyuan County risk compensation fund',
  status: 'ACTIVE',
  balance: '5500000.00',
  capital: { CENTRAL: '0.00', CITY: '3000000.00', DISTRICT: '2500000.00', SOE: '0.00' },
  interestIncome: '0.00',
  compensationPaid: '0.00',
  recoveries: '0.00',
  coverAvailable: '5400000.00',
  coverShortfall: '0.00',
  minimumFund: '5000000.00',
  minimumApplies: true,
  belowMinimum: false,
  minimumShortfall: '0.00',
  nplOverdueDays: 90,
  version: 1,
  createdBy: 'fund.admin',
  createdAt: '2026-01-05T02:00:00.000Z',
  updatedAt: '2026-01-05T02:00:00.000Z',
};
const MOVEMENT_EXAMPLE = {
  movement: {
    id: '1',
    riskFundId: '1',
    kind: 'DEPOSIT',
    source: 'CITY',
    amount: '3000000.00',
    businessDate: '2026-01-15',
    documentRef: 'ZCZ[2026]12',
    memo: null,
    contributionId: '7',
    entryId: '41',
    coverEntryId: '42',
    createdBy: 'fund.admin',
    createdAt: '2026-01-15T03:00:00.000Z',
  },
  fund: FUND_EXAMPLE,
};
const AGREEMENT_EXAMPLE = {
  id: '1',
  agreementNo: 'ZB-YY-2026-001',
  riskFundId: '1',
  districtId: '3',
  bankId: '1',
  bankCode: 'ZBRCB',
  leverageMultiple: '10',
  entityLeverageMultiple: '5',
  fundSharePercent: '80',
  bankSharePercent: '20',
  compensationMode: 'ADVANCE',
  triggerDays: 90,
  nplThresholdPercent: '5',
  validFrom: '2026-01-01',
  validTo: '2028-12-31',
  status: 'ACTIVE',
  terminatedOn: null,
  version: 1,
  createdBy: 'fund.admin',
  createdAt: '2026-01-05T02:00:00.000Z',
  updatedAt: '2026-01-05T02:00:00.000Z',
};
const AGREEMENT_CAPACITY_EXAMPLE = {
  agreementId: '1',
  agreementNo: 'ZB-YY-2026-001',
  riskFundId: '1',
  districtId: '3',
  bankId: '1',
  bankCode: 'ZBRCB',
  bankName: 'Zibo Rural Commercial Bank',
  multiple: '10',
  entityMultiple: '5',
  inForce: true,
  capacity: '54000000.00',
  entityCapacity: '27000000.00',
  exposurePending: '50000.00',
  exposureOutstanding: '950000.00',
  coverPending: '5000.00',
  coverUsed: '95000.00',
  nplThresholdPercent: '5',
  suspended: false,
  acceptsNewLoans: true,
};
const FUND_CAPACITY_EXAMPLE = {
  riskFundId: '1',
  name: 'Yiyuan County risk compensation fund',
  status: 'ACTIVE',
  districtId: '3',
  districtCode: '370323',
  districtName: 'Yiyuan County',
  heavyTask: true,
  asOf: '2026-03-31',
  balance: '5500000.00',
  minimum: '5000000.00',
  minimumApplies: true,
  belowMinimum: false,
  minimumShortfall: '0.00',
  cover: {
    limit: '5500000.00',
    available: '5400000.00',
    pending: '5000.00',
    used: '95000.00',
    shortfall: '0.00',
  },
  exposure: { pending: '50000.00', outstanding: '950000.00' },
  leverageRatio: '0.1727',
  npl: { overdueDays: 90, coveredOutstanding: '950000.00', nonPerforming: '0.00', ratioPercent: '0.0000' },
  agreements: [AGREEMENT_CAPACITY_EXAMPLE],
};
const page = (item: unknown) => ({ items: [item], page: 1, pageSize: 50, total: 1 });

/** The response body without the service's replay flag (IdempotentReplayInterceptor sends the replay header). */
const withoutReplayFlag = <T extends { replayed: boolean }>({ replayed: _replayed, ...body }: T) => body;

@ApiTags('banks')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/banks')
export class BanksController {
  constructor(
    private readonly banks: BanksService,
    private readonly keys: ApiKeysService,
    private readonly guarantee: GuaranteeService,
  ) {}

  @Post()
  @Roles('ADMIN')
  @ApiOperation({
    summary: 'Register a partner bank',
    description: 'Register a partner bank (its officers are users with role BANK_OFFICER and this bankId)',
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: BankResponse, example: BANK_EXAMPLE })
  registerBank(@Body() dto: CreateBankDto) {
    return this.banks.create(dto);
  }

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'List banks',
    description: 'Banks (a bank sees only itself)',
  })
  @ApiOkResponse({ type: BankPage, example: page(BANK_EXAMPLE) })
  listBanks(@Query() q: BankListQuery) {
    return this.banks.list(q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({ summary: 'Get a bank' })
  @ApiOkResponse({ type: BankResponse, example: BANK_EXAMPLE })
  @ApiNotFoundResponse({ description: 'No such bank, or another bank' })
  getBank(@Param() p: IdParam) {
    return this.banks.get(p.id);
  }

  @Get(':id/capacity')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: "Get a bank's covered-lending capacity",
    description: "The bank's remaining covered-lending capacity in every district it has an agreement with",
  })
  @ApiOkResponse({
    type: BankCapacityResponse,
    example: {
      bankId: '1',
      bankCode: 'ZBRCB',
      bankName: 'Zibo Rural Commercial Bank',
      asOf: '2026-03-31',
      agreements: [
        {
          ...AGREEMENT_CAPACITY_EXAMPLE,
          districtCode: '370323',
          fundAvailable: '5400000.00',
          belowMinimum: false,
        },
      ],
      totals: { capacity: '54000000.00', exposurePending: '50000.00', exposureOutstanding: '950000.00' },
    },
  })
  getBankCapacity(@Param() p: IdParam) {
    return this.guarantee.bankCapacity(p.id);
  }

  @Post(':id/api-keys')
  @Roles('ADMIN', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Create a bank API key',
    description:
      "Create an API key for the bank (signed-in ADMIN or the bank's own officer). The key is in this response only.",
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: CreatedBankApiKeyResponse,
    example: {
      id: '3',
      bankId: '1',
      publicId: 'k7m2p9x4c3vq',
      keyPreview: 'mae_live_k7m2p9x4c3vq_…',
      label: 'core banking nightly statement upload',
      createdBy: 'zbrcb.officer',
      createdAt: '2026-01-05T02:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
      active: true,
      key: 'mae_live_k7m2p9x4c3vq_7Jr0cX1s0kq3H3bVtQm9oYk6wX2f8sTgU1n5eZpLq4A',
      notice: 'Store this key now: it is shown only once and cannot be recovered.',
    },
  })
  createBankApiKey(@Param() p: IdParam, @Body() dto: CreateApiKeyDto) {
    return this.keys.create(p.id, dto);
  }

  @Get(':id/api-keys')
  @Roles('ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: "List a bank's API keys",
    description: "List a bank's API keys (never their secrets)",
  })
  @ApiOkResponse({
    type: BankApiKeyPage,
    example: page({
      id: '3',
      bankId: '1',
      publicId: 'k7m2p9x4c3vq',
      keyPreview: 'mae_live_k7m2p9x4c3vq_…',
      label: 'core banking',
      createdBy: 'zbrcb.officer',
      createdAt: '2026-01-05T02:00:00.000Z',
      lastUsedAt: '2026-03-31T16:02:11.000Z',
      revokedAt: null,
      revokedBy: null,
      active: true,
    }),
  })
  listBankApiKeys(@Param() p: IdParam, @Query() q: ApiKeyListQuery) {
    return this.keys.list(p.id, q, q);
  }

  @Delete(':id/api-keys/:keyId')
  @Roles('ADMIN', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Revoke a bank API key',
    description: 'Revoke an API key (effective on the next request; idempotent)',
  })
  @ApiOkResponse({ type: BankApiKeyResponse, description: 'The revoked key (without its secret)' })
  revokeBankApiKey(@Param() p: BankKeyParam) {
    return this.keys.revoke(p.id, p.keyId);
  }
}

@ApiTags('risk funds')
@ApiBearerAuth()
@Controller('api/v1/risk-funds')
export class RiskFundsController {
  constructor(
    private readonly funds: RiskFundsService,
    private readonly guarantee: GuaranteeService,
  ) {}

  @Post()
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Create a risk fund',
    description:
      "Create a district's risk fund (one per district); opens its MONEY and EXPOSURE ledger accounts",
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RiskFundResponse,
    example: {
      ...FUND_EXAMPLE,
      balance: '0.00',
      coverAvailable: '0.00',
      belowMinimum: true,
      minimumShortfall: '5000000.00',
    },
  })
  createRiskFund(@Body() dto: CreateRiskFundDto) {
    return this.funds.create(dto);
  }

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'List risk funds' })
  @ApiOkResponse({ type: RiskFundPage, example: page(FUND_EXAMPLE) })
  listRiskFunds(@Query() q: RiskFundListQuery) {
    return this.funds.list(q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Get a risk fund',
    description: 'Get a risk fund with its ledger balances',
  })
  @ApiOkResponse({ type: RiskFundResponse, example: FUND_EXAMPLE })
  getRiskFund(@Param() p: IdParam) {
    return this.funds.get(p.id);
  }

  @Patch(':id')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Update a risk fund',
    description: 'Rename, set the minimum (heavy-task districts), the NPL day count, or close an empty fund',
  })
  @ApiOkResponse({ type: RiskFundResponse, example: FUND_EXAMPLE })
  updateRiskFund(@Param() p: IdParam, @Body() dto: UpdateRiskFundDto) {
    return this.funds.update(p.id, dto);
  }

  @Post(':id/deposits')
  @Roles('ADMIN', 'FUND_ADMIN')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Deposit into a risk fund',
    description:
      'Deposit or top-up by source (CITY, DISTRICT, SOE, CENTRAL): ledger, contribution, cover pool',
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: RiskFundMovementResultResponse, example: MOVEMENT_EXAMPLE })
  async depositToRiskFund(@Param() p: IdParam, @Body() dto: DepositDto, @IdempotencyKey() key: string) {
    return withoutReplayFlag(await this.funds.deposit(p.id, dto, key));
  }

  @Post(':id/interest')
  @Roles('ADMIN', 'FUND_ADMIN')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Credit interest to a risk fund',
    description: 'Credit deposit interest to the fund',
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RiskFundMovementResultResponse,
    example: {
      ...MOVEMENT_EXAMPLE,
      movement: {
        ...MOVEMENT_EXAMPLE.movement,
        kind: 'INTEREST',
        source: null,
        amount: '13750.00',
        contributionId: null,
      },
    },
  })
  async creditRiskFundInterest(@Param() p: IdParam, @Body() dto: InterestDto, @IdempotencyKey() key: string) {
    return withoutReplayFlag(await this.funds.interest(p.id, dto, key));
  }

  @Post(':id/withdrawals')
  @Roles('ADMIN', 'FUND_ADMIN')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Withdraw from a risk fund',
    description:
      'Return money to a source; refused (every reason at once) if it breaks the cover or the minimum',
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RiskFundMovementResultResponse,
    example: {
      ...MOVEMENT_EXAMPLE,
      movement: {
        ...MOVEMENT_EXAMPLE.movement,
        kind: 'WITHDRAWAL',
        source: 'DISTRICT',
        amount: '200000.00',
        contributionId: null,
      },
    },
  })
  @ApiUnprocessableEntityResponse({
    schema: {
      example: {
        type: 'urn:problem:risk_fund_withdrawal_refused',
        title: 'Unprocessable Entity',
        status: 422,
        code: 'RISK_FUND_WITHDRAWAL_REFUSED',
        detail: 'withdrawal of 600000.00 refused: WITHDRAWAL_BREAKS_COVER, FUND_BELOW_MINIMUM',
        errors: [
          {
            field: 'amount',
            code: 'WITHDRAWAL_BREAKS_COVER',
            message: 'only 100000.00 of the fund backs no covered loan; …',
          },
          {
            field: 'amount',
            code: 'FUND_BELOW_MINIMUM',
            message: 'a heavy-task district must keep at least 5000000.00; …',
          },
        ],
      },
    },
  })
  async withdrawFromRiskFund(
    @Param() p: IdParam,
    @Body() dto: RiskFundWithdrawalDto,
    @IdempotencyKey() key: string,
  ) {
    return withoutReplayFlag(await this.funds.withdraw(p.id, dto, key));
  }

  @Get(':id/movements')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: "List a risk fund's movements" })
  @ApiOkResponse({ type: RiskFundMovementPage, example: page(MOVEMENT_EXAMPLE.movement) })
  listRiskFundMovements(@Param() p: IdParam, @Query() q: MovementQuery) {
    return this.funds.movements(p.id, q, q);
  }

  @Get(':id/capacity')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: "Get a risk fund's capacity",
    description:
      'Capacity = multiple × fund money not yet backing a loan, per agreement; balances from the ledgers',
  })
  @ApiOkResponse({ type: RiskFundCapacityResponse, example: FUND_CAPACITY_EXAMPLE })
  getRiskFundCapacity(@Param() p: IdParam) {
    return this.guarantee.fundCapacity(p.id);
  }
}

@ApiTags('risk funds')
@ApiBearerAuth()
@Controller('api/v1/districts')
export class DistrictCapacityController {
  constructor(private readonly guarantee: GuaranteeService) {}

  @Get(':id/capacity')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: "Get a district's risk-fund capacity",
    description: "The district's risk-fund capacity (the same figures as GET /risk-funds/:id/capacity)",
  })
  @ApiOkResponse({ type: RiskFundCapacityResponse, example: FUND_CAPACITY_EXAMPLE })
  getDistrictCapacity(@Param() p: IdParam) {
    return this.guarantee.districtCapacity(p.id);
  }
}

@ApiTags('guarantee agreements')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/guarantee-agreements')
export class AgreementsController {
  constructor(private readonly agreements: AgreementsService) {}

  @Post()
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Create a guarantee agreement',
    description:
      'Cooperation agreement between a risk fund and a bank (one per pair); opens its exposure accounts',
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: GuaranteeAgreementResponse, example: AGREEMENT_EXAMPLE })
  createGuaranteeAgreement(@Body() dto: CreateAgreementDto) {
    return this.agreements.create(dto);
  }

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'List guarantee agreements',
    description: 'List guarantee agreements (a bank sees only its own)',
  })
  @ApiOkResponse({ type: GuaranteeAgreementPage, example: page(AGREEMENT_EXAMPLE) })
  listGuaranteeAgreements(@Query() q: AgreementListQuery) {
    return this.agreements.list(q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({ summary: 'Get a guarantee agreement' })
  @ApiOkResponse({ type: GuaranteeAgreementResponse, example: AGREEMENT_EXAMPLE })
  getGuaranteeAgreement(@Param() p: IdParam) {
    return this.agreements.get(p.id);
  }

  @Patch(':id')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: "Change a guarantee agreement's terms",
    description: 'Change terms (apply to loans covered afterwards; existing covers keep their multiple)',
  })
  @ApiOkResponse({
    type: GuaranteeAgreementResponse,
    example: { ...AGREEMENT_EXAMPLE, leverageMultiple: '8', version: 2 },
  })
  updateGuaranteeAgreement(@Param() p: IdParam, @Body() dto: UpdateAgreementDto) {
    return this.agreements.update(p.id, dto);
  }

  @Post(':id/terminate')
  @Roles('ADMIN', 'FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Terminate a guarantee agreement',
    description: 'Terminate: no new loans are covered; covered loans run off; the record stays',
  })
  @ApiOkResponse({
    type: GuaranteeAgreementResponse,
    example: { ...AGREEMENT_EXAMPLE, status: 'TERMINATED', terminatedOn: '2026-06-30', version: 2 },
  })
  terminateGuaranteeAgreement(@Param() p: IdParam, @Body() dto: TerminateAgreementDto) {
    return this.agreements.terminate(p.id, dto.terminatedOn);
  }
}

@ApiTags('guarantee agreements')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/guarantee-covers')
export class CoversController {
  constructor(private readonly guarantee: GuaranteeService) {}

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({
    summary: 'List guarantee covers',
    description:
      'Covers (one per covered loan): reserved, pending, outstanding principal and the fund money backing it',
  })
  @ApiOkResponse({
    type: GuaranteeCoverPage,
    example: page({
      id: '1',
      loanId: '42',
      agreementId: '1',
      riskFundId: '1',
      bankId: '1',
      borrowerType: 'HOUSEHOLD',
      multiple: '10',
      reserved: '50000.00',
      pending: '0.00',
      outstanding: '45000.00',
      coverPending: '0.00',
      coverUsed: '4500.00',
      disbursed: '50000.00',
      released: '5000.00',
      status: 'ACTIVE',
      reservedOn: '2026-02-01',
      consumedOn: '2026-02-03',
      closedOn: null,
    }),
  })
  listGuaranteeCovers(@Query() q: CoverListQuery) {
    return this.guarantee.listCovers(q, q);
  }
}
