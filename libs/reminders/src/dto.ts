import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNumberString,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PageQuery } from '#libs/common';
import { IsCalendarDate } from '#libs/schedules';
import { CHANNEL_KINDS, type ChannelKind } from './channels/channel.js';
import { OUTBOX_STATES, type OutboxState } from './delivery.service.js';
import { ENDPOINT_SCOPES, type EndpointScope } from './endpoints.service.js';
import { RUN_TRIGGERS, type RunTrigger } from './selection.service.js';

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;
const ID = { no_symbols: true } as const;

export class IdParam {
  @ApiProperty({ example: '42' }) @IsNumberString(ID) @MaxLength(18) id: string;
}

export class RunDto {
  @ApiProperty({
    example: '2026-03-15',
    description: 'Business date (Asia/Shanghai) to select reminders for: today or up to 44 days back',
  })
  @IsCalendarDate()
  businessDate: string;
}

export class OutboxQuery extends PageQuery {
  @ApiPropertyOptional({ example: '42' }) @IsOptional() @IsNumberString(ID) @MaxLength(18) loanId?: string;
  @ApiPropertyOptional({ example: '17' })
  @IsOptional()
  @IsNumberString(ID)
  @MaxLength(18)
  householdId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @IsNumberString(ID) @MaxLength(18) fundId?: string;
  @ApiPropertyOptional({ example: '2' }) @IsOptional() @IsNumberString(ID) @MaxLength(18) bankId?: string;
  @ApiPropertyOptional({ enum: OUTBOX_STATES, example: 'SENT' })
  @IsOptional()
  @IsIn(OUTBOX_STATES)
  state?: OutboxState;
  @ApiPropertyOptional({
    example: '2026-03-01',
    description: 'reminder date (due date + offset) from, inclusive',
  })
  @IsOptional()
  @IsCalendarDate()
  from?: string;
  @ApiPropertyOptional({ example: '2026-03-31', description: 'reminder date to, inclusive' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class RunListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '2026-03-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-03-31' }) @IsOptional() @IsCalendarDate() to?: string;
  @ApiPropertyOptional({ enum: RUN_TRIGGERS }) @IsOptional() @IsIn(RUN_TRIGGERS) trigger?: RunTrigger;
}

const URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
  require_host: true,
};

export class CreateEndpointDto {
  @ApiProperty({
    enum: ENDPOINT_SCOPES,
    example: 'BANK',
    description: 'BANK (bankId), FUND (fundId) or DEFAULT (every other loan)',
  })
  @IsIn(ENDPOINT_SCOPES)
  scope: EndpointScope;

  @ApiPropertyOptional({ example: '2', description: 'for scope BANK' })
  @IsOptional()
  @IsNumberString(ID)
  @MaxLength(18)
  bankId?: string;

  @ApiPropertyOptional({ example: '1', description: 'for scope FUND' })
  @IsOptional()
  @IsNumberString(ID)
  @MaxLength(18)
  fundId?: string;

  @ApiProperty({ enum: CHANNEL_KINDS, example: 'WEBHOOK' })
  @IsIn(CHANNEL_KINDS)
  channel: ChannelKind;

  @ApiProperty({ example: '淄博农商银行 催收系统' }) @IsString() @MinLength(1) @MaxLength(100) name: string;

  @ApiPropertyOptional({
    example: 'https://reminders.bank.example/hooks/mae',
    description: 'WEBHOOK and SMS only',
  })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  @MaxLength(500)
  url?: string;

  @ApiPropertyOptional({ example: '互助资金', description: 'SMS only: the signature (短信签名)' })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(20)
  signName?: string;
}

export class UpdateEndpointDto {
  @ApiPropertyOptional({ example: '淄博农商银行 催收系统 (新)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'https://reminders.bank.example/hooks/mae-v2', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  @MaxLength(500)
  url?: string | null;

  @ApiPropertyOptional({ example: '互助资金', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(2)
  @MaxLength(20)
  signName?: string | null;

  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() active?: boolean;
}

export class EndpointListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ENDPOINT_SCOPES }) @IsOptional() @IsIn(ENDPOINT_SCOPES) scope?: EndpointScope;
  @ApiPropertyOptional({ example: '2' }) @IsOptional() @IsNumberString(ID) @MaxLength(18) bankId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @IsNumberString(ID) @MaxLength(18) fundId?: string;
  @ApiPropertyOptional({ enum: CHANNEL_KINDS }) @IsOptional() @IsIn(CHANNEL_KINDS) channel?: ChannelKind;
  @ApiPropertyOptional({ example: true }) @IsOptional() @Transform(toBool) @IsBoolean() active?: boolean;
}
