import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsCalendarDate } from '#libs/schedules';
import { PageQuery, Roles, ID_PATTERN } from '#libs/common';
import { formatYuan } from '#libs/money';
import { LedgerService } from './ledger.service.js';

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
  @ApiOkResponse({
    description: 'Every balance equals the replay of its postings; every entry balances; the ledger nets to zero',
    schema: { example: { ok: true, accounts: 12, entries: 40, postings: 96, balanceMismatches: [], runningBalanceMismatches: [], unbalancedEntries: [], totals: [{ currency: 'CNY', ledger: 'MONEY', debits: '100000', credits: '100000', net: '0' }] } },
  })
  verify() {
    return this.ledger.verify();
  }

  @Get('accounts')
  @Roles('ADMIN', 'AUDITOR', 'FUND_ADMIN')
  async accounts(@Query() q: AccountsQuery) {
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
  @ApiOkResponse({ description: 'Postings with the running balance after each, oldest first, paginated' })
  statement(@Param('code') code: string, @Query() q: StatementQuery) {
    return this.ledger.statement(code, q, q.from, q.to);
  }

  @Get('entries/:id')
  @Roles('ADMIN', 'AUDITOR', 'FUND_ADMIN')
  entry(@Param() p: EntryIdParam) {
    return this.ledger.entry(p.id);
  }
}
