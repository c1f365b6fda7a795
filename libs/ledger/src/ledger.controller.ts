import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsCalendarDate } from '#libs/schedules';
import { PageOf, PageQuery, Roles, ID_PATTERN } from '#libs/common';
import { formatYuan } from '#libs/money';
import { LedgerService } from './ledger.service.js';
import { JournalEntryResponse, LedgerAccountResponse, LedgerStatementResponse, LedgerVerifyResponse } from './responses.js';

class AccountsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'MUTUAL_AID_FUND' }) @IsOptional() @IsString() ownerType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() ownerId?: string;
  @ApiPropertyOptional({ enum: ['MONEY', 'EXPOSURE'] }) @IsOptional() @IsIn(['MONEY', 'EXPOSURE']) ledger?: 'MONEY' | 'EXPOSURE';
  @ApiPropertyOptional({ example: 'MAF:1:' }) @IsOptional() @IsString() codePrefix?: string;
}

/** A journal entry id in a path: a positive integer (anything else is a 400 naming `id`, never a database error). */
class EntryIdParam {
  @ApiProperty({ example: '42' }) @Matches(ID_PATTERN, { message: 'id must be a positive integer' }) id: string;
}

class StatementQuery extends PageQuery {
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('api/v1/ledger')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('verify')
  @Roles('ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'Verify the ledger' })
  @ApiOkResponse({
    description: 'Every balance equals the replay of its postings; every entry balances; the ledger nets to zero',
    type: LedgerVerifyResponse,
    example: { ok: true, checkedAt: '2026-03-15T08:30:00.000Z', accounts: 12, entries: 40, postings: 96, balanceMismatches: [], runningBalanceMismatches: [], unbalancedEntries: [], totals: [{ currency: 'CNY', ledger: 'MONEY', debits: '100000', credits: '100000', net: '0' }] },
  })
  verifyLedger() {
    return this.ledger.verify();
  }

  @Get('accounts')
  @Roles('ADMIN', 'AUDITOR', 'FUND_ADMIN')
  @ApiOperation({ summary: 'List ledger accounts' })
  @ApiOkResponse({ description: 'Accounts with their totals and balance, filterable by owner, ledger and code prefix', type: PageOf(LedgerAccountResponse) })
  async listLedgerAccounts(@Query() q: AccountsQuery) {
    const page = await this.ledger.listAccounts(q, q);
    return {
      ...page,
      items: page.items.map((a) => ({
        ...a,
        debits: formatYuan(a.debitsFen),
        credits: formatYuan(a.creditsFen),
        balance: formatYuan(a.balanceFen),
        debitsFen: undefined,
        creditsFen: undefined,
        balanceFen: undefined,
      })),
    };
  }

  @Get('accounts/:code/statement')
  @Roles('ADMIN', 'AUDITOR', 'FUND_ADMIN')
  @ApiOperation({ summary: 'Get the statement of a ledger account' })
  @ApiOkResponse({ description: 'Postings with the running balance after each, oldest first, paginated', type: LedgerStatementResponse })
  getAccountStatement(@Param('code') code: string, @Query() q: StatementQuery) {
    return this.ledger.statement(code, q, q.from, q.to);
  }

  @Get('entries/:id')
  @Roles('ADMIN', 'AUDITOR', 'FUND_ADMIN')
  @ApiOperation({ summary: 'Get a journal entry' })
  @ApiOkResponse({ description: 'A journal entry with its postings', type: JournalEntryResponse })
  getJournalEntry(@Param() p: EntryIdParam) {
    return this.ledger.entry(p.id);
  }
}
