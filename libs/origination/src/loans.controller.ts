import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestContext, Roles, EVERY_ROLE_READERS } from '#libs/common';
import { HistoryQuery, LoanIdParam, LoanListQuery } from './dto.js';
import { DISBURSED_EXAMPLE, LOAN_EXAMPLE } from './examples.js';
import { OriginationService } from './origination.service.js';

/** Everyone who reads loans; a BANK_OFFICER only its bank's, with personal data masked. */

@ApiTags('loans')
@ApiBearerAuth()
@Controller('api/v1/loans')
export class LoansController {
  constructor(private readonly origination: OriginationService) {}

  @Get()
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({
    summary: 'Loans by district, village, fund, household, status, channel and a date range, newest first',
    description: 'ID numbers and phones are masked for AUDITOR and BANK_OFFICER; a BANK_OFFICER sees its own bank’s loans only.',
  })
  @ApiOkResponse({ schema: { example: { items: [LOAN_EXAMPLE], page: 1, pageSize: 50, total: 1 } } })
  list(@Query() q: LoanListQuery) {
    return this.origination.list(q, q, RequestContext.actor());
  }

  @Get(':id')
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({ summary: 'One loan with its frozen instalments and its history' })
  @ApiOkResponse({ schema: { example: DISBURSED_EXAMPLE } })
  @ApiNotFoundResponse({ description: 'no such loan (or another bank’s)' })
  get(@Param() p: LoanIdParam) {
    return this.origination.detail(p.id, RequestContext.actor());
  }

  @Get(':id/history')
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({ summary: 'The loan’s events in order (append-only): who moved it, from what to what, and why' })
  @ApiOkResponse({ schema: { example: { items: DISBURSED_EXAMPLE.events, page: 1, pageSize: 50, total: 2 } } })
  history(@Param() p: LoanIdParam, @Query() q: HistoryQuery) {
    return this.origination.history(p.id, RequestContext.actor(), q);
  }
}
