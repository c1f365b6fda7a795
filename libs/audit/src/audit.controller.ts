import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsCalendarDate } from '#libs/schedules';

import { PageOf, PageQuery, Roles } from '#libs/common';
import { AuditService } from './audit.service.js';
import { AuditEntryResponse } from './responses.js';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'user' }) @IsOptional() @IsString() entityType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() entityId?: string;
  @ApiPropertyOptional({ example: 'admin' }) @IsOptional() @IsString() actor?: string;
  @ApiPropertyOptional({ example: 'USER_CREATED' }) @IsOptional() @IsString() action?: string;
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'List the audit trail' })
  @ApiOkResponse({ description: 'Audit trail, newest first, filterable by entity, actor, action and date range', type: PageOf(AuditEntryResponse) })
  listAuditEntries(@Query() q: AuditQuery) {
    return this.audit.list(q, q);
  }
}
