import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageOf, RequestContext, Roles, EVERY_ROLE_READERS } from '#libs/common';
import { HistoryQuery, LoanIdParam, LoanListQuery } from './dto.js';
import { DISBURSED_EXAMPLE, LOAN_EXAMPLE } from './examples.js';
import { OriginationService } from './origination.service.js';
import { LoanDetailResponse, LoanEventResponse, LoanResponse } from './responses.js';

/** Everyone who reads loans; a BANK_OFFICER only its bank's, with personal data masked. */

@ApiTags('loans')
@ApiBearerAuth()
@Controller('api/v1/loans')
export class LoansController {
  constructor(private readonly origination: OriginationService) {}

  @Get()
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({
    summary: 'List loans',
    description:
      'Loans by district, village, fund, household, status, channel and a date range, newest first. ' +
      'ID numbers and phones are masked for AUDITOR and BANK_OFFICER; a BANK_OFFICER sees its own bank’s loans only.',
  })
  @ApiOkResponse({ type: PageOf(LoanResponse), example: { items: [LOAN_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listLoans(@Query() q: LoanListQuery) {
    return this.origination.list(q, q, RequestContext.actor());
  }

  @Get(':id')
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({ summary: 'Get a loan', description: 'One loan with its frozen instalments and its history.' })
  @ApiOkResponse({ type: LoanDetailResponse, example: DISBURSED_EXAMPLE })
  @ApiNotFoundResponse({ description: 'no such loan (or another bank’s)' })
  getLoan(@Param() p: LoanIdParam) {
    return this.origination.detail(p.id, RequestContext.actor());
  }

  @Get(':id/history')
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({
    summary: 'List the events of a loan',
    description: 'The loan’s events in order (append-only): who moved it, from what to what, and why.',
  })
  @ApiOkResponse({ type: PageOf(LoanEventResponse), example: { items: DISBURSED_EXAMPLE.events, page: 1, pageSize: 50, total: 2 } })
  listLoanEvents(@Param() p: LoanIdParam, @Query() q: HistoryQuery) {
    return this.origination.history(p.id, RequestContext.actor(), q);
  }
}
