import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  IdempotencyKey,
  problemExample as problem,
  requireSheetContentType,
  Roles,
  SheetImportResponse,
  STAFF_READERS,
  XLSX_CONTENT_TYPE,
} from '#libs/common';
import { ContributionImportService } from './contribution-import.service.js';
import { ContributionsService } from './contributions.service.js';
import {
  ContributionDto,
  ContributionListQuery,
  CreateFundDto,
  FundIdParam,
  FundListQuery,
  FundRulesDto,
  MemberListQuery,
  UpdateFundStatusDto,
  ShareWithdrawalDto,
  WithdrawalListQuery,
} from './dto.js';
import { FundsService } from './funds.service.js';
import {
  FundContributionPage,
  FundContributionResponse,
  FundMemberListItemPage,
  MutualAidFundPage,
  MutualAidFundPositionResponse,
  MutualAidFundResponse,
  RecordedShareWithdrawalResponse,
  ShareWithdrawalPage,
} from './responses.js';
import { SharesService } from './shares.service.js';

const POSITION_EXAMPLE = {
  capitalBySource: {
    CENTRAL: '0.00',
    CITY: '200000.00',
    DISTRICT: '302000.00',
    SOE: '0.00',
    DONATION: '20000.00',
    MEMBER: '3000.00',
    ACCUMULATED: '0.00',
  },
  capital: '525000.00',
  cash: '465000.00',
  loansOutstanding: '60000.00',
  interestReceivable: '0.00',
  lendingCapPercent: '90',
  lendingCap: '472500.00',
  capHeadroom: '412500.00',
  availableToLend: '412500.00',
  capUtilisationPercent: '12.70',
  memberCount: 5,
  poorMemberCount: 2,
};
const RULES_EXAMPLE = {
  lendingCapPercent: '90',
  maxLoan: '10000.00',
  firstLoanMax: '5000.00',
  maxTermMonths: 12,
  usageFeeRatePercent: '6',
  groupRequired: true,
  groupMinSize: 3,
  groupMaxSize: 5,
  publicNoticeDays: 3,
  secondApprovalThreshold: '8000.00',
  shareLockMonths: 12,
  feeCapitalPercent: '40',
  feeRiskReservePercent: '20',
  feePublicWelfarePercent: '10',
  feeAdministrationPercent: '30',
  feeDividendPercent: '0',
};
const FUND_EXAMPLE = {
  id: '1',
  villageId: '1',
  villageCode: '370304104201',
  villageName: '上小峰村',
  districtId: '1',
  name: '上小峰村互助资金',
  status: 'ACTIVE',
  rules: RULES_EXAMPLE,
  accounts: {
    cash: 'MAF:1:CASH',
    loans: 'MAF:1:LOANS',
    capital: { MEMBER: 'MAF:1:CAPITAL:MEMBER' },
    feeIncome: 'MAF:1:FEE_INCOME',
  },
  position: POSITION_EXAMPLE,
  createdAt: '2026-03-01T02:00:00.000Z',
  updatedAt: '2026-03-01T02:00:00.000Z',
};
const MEMBER_EXAMPLE = {
  id: '3',
  fundId: '1',
  householdId: '17',
  status: 'ACTIVE',
  joinedOn: '2025-03-01',
  leftOn: null,
  paidShare: '500.00',
  fiscalShare: '1000.00',
  totalShare: '1500.00',
  withdrawn: '0.00',
  withdrawableFrom: '2026-03-01',
};
const CONTRIBUTION_EXAMPLE = {
  id: '12',
  fundId: '1',
  source: 'DISTRICT',
  amount: '1000.00',
  year: 2026,
  documentRef: '博财预〔2026〕12号',
  receivedOn: '2026-03-01',
  householdId: '17',
  fiscalFunded: true,
  soeName: null,
  soeProfitBase: null,
  entryId: '40',
  createdBy: 'fund.admin',
  createdAt: '2026-03-01T02:00:00.000Z',
  member: MEMBER_EXAMPLE,
};
const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: true,
  description:
    'Client-chosen key (8-128 of [A-Za-z0-9._:-]): a retry returns the first response; the same key with another body is 409',
  example: 'contrib-2026-03-01-0001',
};

@ApiTags('mutual-aid-funds')
@ApiBearerAuth()
@Controller('api/v1/mutual-aid-funds')
export class FundsController {
  constructor(
    private readonly funds: FundsService,
    private readonly contributions: ContributionsService,
    private readonly importer: ContributionImportService,
    private readonly shares: SharesService,
  ) {}

  @Post()
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Create a mutual-aid fund',
    description: "Create a village's mutual-aid fund and open its ledger accounts",
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: MutualAidFundResponse, example: FUND_EXAMPLE })
  @ApiConflictResponse(
    problem(
      'FUND_VILLAGE_HAS_FUND',
      409,
      'village 1 already has a mutual-aid fund (1): one fund per village',
    ),
  )
  @ApiUnprocessableEntityResponse(
    problem('FUND_RULES_INVALID', 422, 'the fund rules are invalid: feeDistribution', [
      {
        field: 'feeDistribution',
        code: 'FEE_PERCENT_SUM',
        message: 'the fee distribution percentages must sum to 100; they sum to 95.00',
      },
    ]),
  )
  createMutualAidFund(@Body() dto: CreateFundDto) {
    return this.funds.create({ villageId: dto.villageId, name: dto.name, rules: dto.toRules() });
  }

  @Get()
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List mutual-aid funds',
    description: 'Funds by district, village and status, each with its position',
  })
  @ApiOkResponse({
    type: MutualAidFundPage,
    example: { items: [FUND_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listMutualAidFunds(@Query() q: FundListQuery) {
    return this.funds.list(q, q);
  }

  @Get(':id')
  @Roles(...STAFF_READERS)
  @ApiOkResponse({ type: MutualAidFundResponse, example: FUND_EXAMPLE })
  @ApiNotFoundResponse({ description: 'no such fund' })
  @ApiOperation({ summary: 'Get a mutual-aid fund' })
  getMutualAidFund(@Param() p: FundIdParam) {
    return this.funds.get(p.id);
  }

  @Get(':id/position')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: "Get a mutual-aid fund's position",
    description:
      'Capital by source, cash, loans, lending cap and what is available to lend, from ledger balances',
  })
  @ApiOkResponse({ type: MutualAidFundPositionResponse, example: POSITION_EXAMPLE })
  getMutualAidFundPosition(@Param() p: FundIdParam) {
    return this.funds.getPosition(p.id);
  }

  @Patch(':id/rules')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: "Change a mutual-aid fund's rules",
    description: 'Change some rules; the whole rule set is re-checked and the change audited (before/after)',
  })
  @ApiOkResponse({ type: MutualAidFundResponse, example: FUND_EXAMPLE })
  @ApiBadRequestResponse({ description: 'a field of the wrong type or format, or no rule given' })
  @ApiUnprocessableEntityResponse(
    problem('FUND_RULES_INVALID', 422, 'the fund rules are invalid: lendingCapPercent, groupMaxSize', [
      {
        field: 'lendingCapPercent',
        code: 'LENDING_CAP_RANGE',
        message: 'the lending cap must be a percent in (0, 100] with at most 2 decimals',
      },
      {
        field: 'groupMaxSize',
        code: 'GROUP_SIZE_ORDER',
        message: 'the largest group size may not be below the smallest',
      },
    ]),
  )
  updateMutualAidFundRules(@Param() p: FundIdParam, @Body() dto: FundRulesDto) {
    return this.funds.updateRules(p.id, dto.toRules());
  }

  @Patch(':id/status')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: "Change a mutual-aid fund's status",
    description: 'Suspend or reactivate lending; close a fund that holds no money',
  })
  @ApiOkResponse({ type: MutualAidFundResponse, example: { ...FUND_EXAMPLE, status: 'SUSPENDED' } })
  @ApiUnprocessableEntityResponse(
    problem('FUND_NOT_EMPTY', 422, 'fund 1 still holds money: settle every account before closing it'),
  )
  updateMutualAidFundStatus(@Param() p: FundIdParam, @Body() dto: UpdateFundStatusDto) {
    return this.funds.updateStatus(p.id, dto.status, dto.reason);
  }

  @Post(':id/contributions')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER')
  @ApiOperation({
    summary: 'Record a capital contribution',
    description:
      'Record capital from a source (CASH ↑ / CAPITAL:{source} ↑); member shares make the household a member. ' +
      'LOAN_OFFICER may record MEMBER shares only. A fiscal-funded share (配股) is source CENTRAL/CITY/DISTRICT with fiscalFunded and the poor household.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @HttpCode(201)
  @ApiCreatedResponse({ type: FundContributionResponse, example: CONTRIBUTION_EXAMPLE })
  @ApiConflictResponse(
    problem(
      'IDEMPOTENCY_KEY_REUSED',
      409,
      'Idempotency-Key contrib-2026-03-01-0001 was already used for a different request',
    ),
  )
  @ApiUnprocessableEntityResponse(
    problem(
      'FUND_MEMBER_NOT_OF_VILLAGE',
      422,
      'contribution refused: only households of 上小峰村 may hold shares in its fund',
      [
        {
          field: 'householdId',
          code: 'FUND_MEMBER_NOT_OF_VILLAGE',
          message: 'only households of 上小峰村 may hold shares in its fund',
        },
      ],
    ),
  )
  recordFundContribution(
    @Param() p: FundIdParam,
    @Body() dto: ContributionDto,
    @IdempotencyKey() key: string,
  ) {
    return this.contributions.contribute(p.id, dto.toInput(), key);
  }

  @Post(':id/contributions/import')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER')
  @HttpCode(200)
  @ApiOperation({
    summary: "Record members' shares from the XLSX template or a CSV file (dry run first)",
    description:
      'The filled-in template (XLSX, GET /api/v1/import-templates/fund-contributions) or a CSV in UTF-8 or GBK/GB18030 as ' +
      'the request body; one row per share paid (source MEMBER): idNumber, headName (not imported), amount, receivedOn, ' +
      'year. All or nothing, each row by the rules of POST /mutual-aid-funds/{id}/contributions. A row is keyed by the fund, the ' +
      'member, the date, the amount and the year: one already recorded (the same file again) is skipped.',
  })
  @ApiConsumes('text/csv', XLSX_CONTENT_TYPE)
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean, description: 'check every row by every rule and write nothing' })
  @ApiBody({
    schema: { type: 'string', example: '身份证号码,户主姓名,入股金额,缴款日期,年度\n370302198503150027,王秀英,1000.00,2026-03-01,2026\n' },
  })
  @ApiOkResponse({ description: 'Per-row outcome; rows numbered as the spreadsheet shows them', type: SheetImportResponse })
  importFundContributions(@Param() p: FundIdParam, @Req() req: Request, @Query('dryRun') dryRun?: string) {
    requireSheetContentType(req.headers['content-type'], XLSX_CONTENT_TYPE);
    return this.importer.importFile(p.id, req, { dryRun: dryRun === 'true' || dryRun === '1' });
  }

  @Get(':id/contributions')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: "List a fund's contributions",
    description:
      'Contributions by source, year, household, fiscal funding and date received; with the filtered total',
  })
  @ApiOkResponse({
    type: FundContributionPage,
    example: {
      items: [{ ...CONTRIBUTION_EXAMPLE, member: undefined }],
      page: 1,
      pageSize: 50,
      total: 1,
      totalAmount: '1000.00',
    },
  })
  listFundContributions(@Param() p: FundIdParam, @Query() q: ContributionListQuery) {
    return this.contributions.list(p.id, q, q);
  }

  @Get(':id/members')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: "List a fund's members",
    description: 'The member register: paid and fiscal-funded shares, join date, when the share unlocks',
  })
  @ApiOkResponse({
    type: FundMemberListItemPage,
    example: {
      items: [
        {
          ...MEMBER_EXAMPLE,
          household: { headName: '张三', idNumber: '3703**********1234', status: 'POOR' },
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
    },
  })
  listFundMembers(@Param() p: FundIdParam, @Query() q: MemberListQuery) {
    return this.shares.listMembers(p.id, q, q);
  }

  @Post(':id/withdrawals')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Pay back a member share',
    description:
      'Pay back part of a member-paid share (CAPITAL:MEMBER ↓ / CASH ↓). ' +
      'Only the member-paid share, only after the share lock, never while the household owes the fund, and never below what is lent out ' +
      '(cash ≥ 0 and outstanding ≤ cap % × capital afterwards). Fiscal-funded shares are public money and are not withdrawable.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RecordedShareWithdrawalResponse,
    example: {
      id: '4',
      fundId: '1',
      householdId: '17',
      amount: '500.00',
      withdrawnOn: '2026-04-02',
      reason: 'moving to the city',
      entryId: '51',
      createdBy: 'fund.admin',
      createdAt: '2026-04-02T02:00:00.000Z',
      member: { ...MEMBER_EXAMPLE, paidShare: '0.00', totalShare: '1000.00', withdrawn: '500.00' },
    },
  })
  @ApiUnprocessableEntityResponse(
    problem('SHARE_LOCKED', 422, 'share withdrawal refused: …', [
      {
        field: 'householdId',
        code: 'SHARE_LOCKED',
        message:
          'the share is locked for 12 months after joining on 2026-01-10: withdrawable from 2027-01-10',
      },
      { field: 'amount', code: 'FUND_INSUFFICIENT_CASH', message: 'the fund has 300.00 cash' },
    ]),
  )
  withdrawMemberShare(
    @Param() p: FundIdParam,
    @Body() dto: ShareWithdrawalDto,
    @IdempotencyKey() key: string,
  ) {
    return this.shares.withdraw(p.id, dto.toInput(), key);
  }

  @Get(':id/withdrawals')
  @Roles(...STAFF_READERS)
  @ApiOkResponse({
    type: ShareWithdrawalPage,
    description: 'Share withdrawals, newest first, by household and date',
  })
  @ApiOperation({ summary: 'List share withdrawals' })
  listShareWithdrawals(@Param() p: FundIdParam, @Query() q: WithdrawalListQuery) {
    return this.shares.listWithdrawals(p.id, q, q);
  }
}
