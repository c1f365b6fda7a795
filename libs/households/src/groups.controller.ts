import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { PageOf, requireSheetContentType, Roles, SheetImportResponse, type Actor, STAFF_READERS, XLSX_CONTENT_TYPE } from '#libs/common';
import { GroupImportService } from './group-import.service.js';
import { AddMemberDto, CreateGroupDto, DissolveGroupDto, GroupListQuery } from './dto.js';
import { GroupsService } from './groups.service.js';
import { LiabilityGroupDetailResponse, LiabilityGroupResponse } from './responses.js';
import { ParseIdPipe, Viewer } from './viewer.js';

const GROUP_EXAMPLE = {
  id: '1', villageId: '1', districtId: '1', name: '东坪村第一联保小组', status: 'ACTIVE', memberIds: ['1', '2', '3', '4'], size: 4,
  dissolvedAt: null, dissolutionReason: null, createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z',
  members: [{ householdId: '1', headName: '王秀英', idNumber: '370302198503150027', status: 'POOR', joinedAt: '2026-01-05T02:00:00.000Z' }],
};
const { members: _members, ...GROUP_LIST_EXAMPLE } = GROUP_EXAMPLE;
const WRITERS = ['LOAN_OFFICER', 'FUND_ADMIN'] as const;

@ApiTags('joint-liability groups')
@ApiBearerAuth()
@Controller('api/v1/groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly importer: GroupImportService,
  ) {}

  @Post('import')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Form joint-liability groups from the XLSX template or a CSV file (dry run first)' })
  @ApiConsumes('text/csv', XLSX_CONTENT_TYPE)
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean, description: 'check every row by every rule and write nothing' })
  @ApiBody({
    description:
      'The filled-in template (XLSX, GET /api/v1/import-templates/groups) or a CSV in UTF-8 or GBK/GB18030 as the request ' +
      'body; one row per group: villageCode, name, memberIdNumbers (the members\' ID numbers in one cell, separated by ' +
      '、 , ; or spaces). All or nothing: groups are formed only when every row passes every rule of POST /groups; a ' +
      'row whose group exists with the same village, name and members is skipped.',
    schema: { type: 'string', example: '村代码,小组名称,成员身份证号码\n370302106201,东坪村第一联保小组,370302198503150027、37030219720708151X、370302196911020013\n' },
  })
  @ApiOkResponse({ description: 'Per-row outcome; rows numbered as the spreadsheet shows them', type: SheetImportResponse })
  importGroups(@Req() req: Request, @Query('dryRun') dryRun?: string) {
    requireSheetContentType(req.headers['content-type'], XLSX_CONTENT_TYPE);
    return this.importer.importFile(req, { dryRun: dryRun === 'true' || dryRun === '1' });
  }

  @Post()
  @Roles(...WRITERS)
  @HttpCode(201)
  @ApiOperation({ summary: 'Form a joint-liability group' })
  @ApiCreatedResponse({
    description:
      'Forms a group of households of one village (3-5 unless the village fund rules say otherwise). 422 GROUP_RULES_VIOLATED lists ' +
      'every failed rule; 409 HOUSEHOLD_IN_GROUP when the only problem is a household already in a group.',
    type: LiabilityGroupDetailResponse,
    example: GROUP_EXAMPLE,
  })
  async formGroup(@Body() dto: CreateGroupDto, @Viewer() viewer: Actor) {
    return this.groups.view(viewer, await this.groups.create(dto));
  }

  @Get()
  @Roles(...STAFF_READERS)
  @ApiOperation({ summary: 'List joint-liability groups' })
  @ApiOkResponse({ description: 'Groups filtered by village, district, status and name', type: PageOf(LiabilityGroupResponse), example: { items: [GROUP_LIST_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listGroups(@Query() q: GroupListQuery) {
    return this.groups.list(q, q);
  }

  @Get(':id')
  @Roles(...STAFF_READERS)
  @ApiOperation({ summary: 'Get a joint-liability group with its members' })
  @ApiOkResponse({ description: 'A group with its members (ID numbers masked for AUDITOR)', type: LiabilityGroupDetailResponse, example: GROUP_EXAMPLE })
  async getGroup(@Param('id', ParseIdPipe) id: string, @Viewer() viewer: Actor) {
    return this.groups.view(viewer, await this.groups.get(id));
  }

  @Post(':id/members')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Add a household to a group' })
  @HttpCode(200)
  @ApiOkResponse({ description: 'Adds a household of the group village (409 when it is in another group)', type: LiabilityGroupDetailResponse, example: GROUP_EXAMPLE })
  async addGroupMember(@Param('id', ParseIdPipe) id: string, @Body() dto: AddMemberDto, @Viewer() viewer: Actor) {
    return this.groups.view(viewer, await this.groups.addMember(id, dto.householdId));
  }

  @Delete(':id/members/:householdId')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Remove a household from a group' })
  @ApiOkResponse({ description: 'Removes a member unless the group would fall below its minimum or has open loans', type: LiabilityGroupDetailResponse, example: GROUP_EXAMPLE })
  async removeGroupMember(@Param('id', ParseIdPipe) id: string, @Param('householdId', ParseIdPipe) householdId: string, @Viewer() viewer: Actor) {
    return this.groups.view(viewer, await this.groups.removeMember(id, householdId));
  }

  @Post(':id/dissolve')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Dissolve a group' })
  @HttpCode(200)
  @ApiOkResponse({ description: 'Dissolves the group (members are released) unless it endorsed open loans', type: LiabilityGroupDetailResponse, example: { ...GROUP_EXAMPLE, status: 'DISSOLVED', memberIds: [], size: 0, members: [] } })
  async dissolveGroup(@Param('id', ParseIdPipe) id: string, @Body() dto: DissolveGroupDto, @Viewer() viewer: Actor) {
    return this.groups.view(viewer, await this.groups.dissolve(id, dto.reason));
  }
}
