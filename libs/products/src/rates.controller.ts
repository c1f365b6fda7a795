import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { PageOf, Roles, ROLES } from '#libs/common';
import { BenchmarkRateQuery, CreateBenchmarkRateDto, InForceQuery, WithdrawBenchmarkRateDto } from './dto.js';
import { RatesService } from './rates.service.js';
import { BenchmarkRateInForceResponse, BenchmarkRateResponse } from './responses.js';

const RATE_EXAMPLE = {
  id: '1',
  termMinMonths: 1,
  termMaxMonths: 12,
  ratePercent: '4.35',
  effectiveFrom: '2015-10-24',
  note: 'PBOC benchmark lending rate of 2015-10-24',
  createdBy: 'admin',
  createdAt: '2026-01-05T02:00:00.000Z',
  withdrawn: false,
  withdrawnAt: null,
  withdrawnBy: null,
  withdrawalReason: null,
};

@ApiTags('benchmark-rates')
@ApiBearerAuth()
@Controller('api/v1/benchmark-rates')
export class RatesController {
  constructor(private readonly rates: RatesService) {}

  @Get()
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List benchmark rates' })
  @ApiOkResponse({
    description: 'The effective-dated benchmark table, newest effective date first; filter by term, date range',
    type: PageOf(BenchmarkRateResponse),
    example: { items: [RATE_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listBenchmarkRates(@Query() q: BenchmarkRateQuery) {
    return this.rates.list(q, q);
  }

  @Get('in-force')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get the benchmark rate in force for a term' })
  @ApiOkResponse({
    description: 'The benchmark rate in force for a term on a date (default today)',
    type: BenchmarkRateInForceResponse,
    example: { termMonths: 12, date: '2020-06-01', ratePercent: '4.35', rateId: '1', termMinMonths: 1, termMaxMonths: 12, effectiveFrom: '2015-10-24' },
  })
  @ApiUnprocessableEntityResponse({ description: 'BENCHMARK_RATE_NOT_IN_FORCE: no band holds the term, or none in force yet' })
  getBenchmarkRateInForce(@Query() q: InForceQuery) {
    return this.rates.inForce(q.termMonths, q.date ?? this.rates.today());
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get a benchmark rate' })
  @ApiOkResponse({ type: BenchmarkRateResponse, example: RATE_EXAMPLE })
  getBenchmarkRate(@Param('id') id: string) {
    return this.rates.get(id);
  }

  @Post()
  @Roles('ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a benchmark rate' })
  @ApiCreatedResponse({ description: 'A new effective-dated row (history is never edited)', type: BenchmarkRateResponse, example: RATE_EXAMPLE })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED naming the fields (band, rate, date; a back-dated row needs a note)' })
  @ApiConflictResponse({ description: 'BENCHMARK_BAND_OVERLAP: the band overlaps another of the same effective date' })
  @ApiForbiddenResponse({ description: 'only ADMIN manages benchmark rates' })
  createBenchmarkRate(@Body() dto: CreateBenchmarkRateDto) {
    return this.rates.create(dto);
  }

  @Post(':id/withdraw')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Withdraw a benchmark rate not yet in effect' })
  @HttpCode(200)
  @ApiOkResponse({
    description: 'Withdraws a row that has not taken effect yet',
    type: BenchmarkRateResponse,
    example: { ...RATE_EXAMPLE, effectiveFrom: '2027-01-01', withdrawn: true, withdrawnAt: '2026-12-20T02:00:00.000Z', withdrawnBy: 'admin', withdrawalReason: 'announced by mistake' },
  })
  @ApiUnprocessableEntityResponse({ description: 'BENCHMARK_RATE_ALREADY_EFFECTIVE: a rate in force is history' })
  withdrawBenchmarkRate(@Param('id') id: string, @Body() dto: WithdrawBenchmarkRateDto) {
    return this.rates.withdraw(id, dto.reason);
  }
}
