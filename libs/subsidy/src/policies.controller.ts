import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Clock, Roles } from '#libs/common';
import { ProductResponse } from '#libs/products';
import { AsOfQuery, IdParam, ProductParam, ProductPolicyDto } from './dto.js';
import { EarningsService } from './earnings.service.js';
import { problem } from './examples.js';
import { PoliciesService } from './policies.service.js';
import { SubsidyLoanPreviewResponse } from './responses.js';

@ApiTags('subsidy')
@ApiBearerAuth()
@Controller('api/v1/subsidy')
export class PoliciesController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly earnings: EarningsService,
    private readonly clock: Clock,
  ) {}

  @Put('products/:product/policy')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: "Set a product's subsidy policy",
    description:
      'FULL_BENCHMARK, FIXED_RATE or CAPPED, written as a new product version; loans already made keep the version they were made under.',
  })
  @ApiOkResponse({
    description: 'The product with its new current version',
    type: ProductResponse,
    example: {
      id: '2',
      code: 'HH_MICRO_STD',
      currentVersion: 2,
      terms: {
        subsidyPolicy: {
          type: 'FULL_BENCHMARK',
          programmeId: '1',
          principalCapFen: '5000000',
          perLinkedHouseholdCapFen: '5000000',
        },
      },
    },
  })
  @ApiUnprocessableEntityResponse(
    problem('SUBSIDY_POLICY_INVALID', 422, 'invalid subsidy policy: ratePercent, programmeId', [
      {
        field: 'ratePercent',
        code: 'FORMAT',
        message: 'ratePercent must be a decimal string of percent per year, e.g. "2"',
      },
    ]),
  )
  setProductSubsidyPolicy(@Param() p: ProductParam, @Body() dto: ProductPolicyDto) {
    return this.policies.setProductPolicy(p.product, dto);
  }

  @Delete('products/:product/policy')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: "Remove a product's subsidy policy",
    description: 'Writes a new product version without one.',
  })
  @ApiOkResponse({
    description: 'The product with its new current version',
    type: ProductResponse,
    example: { id: '2', code: 'HH_MICRO_STD', currentVersion: 3, terms: { subsidyPolicy: null } },
  })
  removeProductSubsidyPolicy(@Param() p: ProductParam) {
    return this.policies.setProductPolicy(p.product, null);
  }

  @Get('loans/:id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR', 'LOAN_OFFICER')
  @ApiOperation({
    summary: "Preview a loan's subsidy",
    description:
      "A loan's subsidy period by period as of a date: earned, forfeited (with the reason) or pending. Nothing is written.",
  })
  @ApiOkResponse({
    type: SubsidyLoanPreviewResponse,
    example: {
      loanId: '42',
      loanNo: 'BK-2026-0042',
      programmeId: '1',
      policy: { type: 'FULL_BENCHMARK', ratePercent: '4.35', basisCap: '50000.00' },
      asOf: '2026-04-01',
      periods: [
        {
          number: 1,
          periodStart: '2026-01-05',
          dueDate: '2026-02-05',
          days: 31,
          balance: '50000.00',
          basis: '50000.00',
          yearShare: '1/12',
          interest: '181.25',
          interestPaid: '181.25',
          interestPaidOn: '2026-02-05',
          subsidy: '181.25',
          outcome: 'EARNED',
          forfeitReason: null,
        },
      ],
      totals: { earned: '181.25', forfeited: '0.00', pending: '0.00' },
    },
  })
  getLoanSubsidy(@Param() p: IdParam, @Query() q: AsOfQuery) {
    return this.earnings.loanPreview(p.id, q.asOf ?? this.clock.today());
  }
}
