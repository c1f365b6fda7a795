import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { PageOf, PageQuery, requireSheetContentType, Roles, SheetImportResponse, type Actor, XLSX_CONTENT_TYPE } from '#libs/common';
import { EntityImportService } from './entity-import.service.js';
import { CreateEntityDto, EntityListQuery, EXAMPLE_CREDIT_CODE, LinkHouseholdsDto, UpdateEntityDto } from './dto.js';
import { EntitiesService } from './entities.service.js';
import { EntityLinkedHouseholdResponse, OperatingEntityResponse } from './responses.js';
import { ParseIdPipe, Viewer } from './viewer.js';

const ENTITY_EXAMPLE = {
  id: '1', kind: 'COOPERATIVE', name: '淄川区东坪果蔬专业合作社', creditCode: EXAMPLE_CREDIT_CODE, districtId: '1', villageId: '1',
  isAssetIncomeProject: false, linkedPoorCount: 3, linkedPoorCountedElsewhere: 1, linkedHouseholdCount: 4,
  createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z',
};
const WRITERS = ['LOAN_OFFICER', 'FUND_ADMIN'] as const;

@ApiTags('operating entities')
@ApiBearerAuth()
@Controller('api/v1/entities')
export class EntitiesController {
  constructor(
    private readonly entities: EntitiesService,
    private readonly importer: EntityImportService,
  ) {}

  @Post('import')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Register operating entities and their linked households from the XLSX template or a CSV file (dry run first)' })
  @ApiConsumes('text/csv', XLSX_CONTENT_TYPE)
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean, description: 'check every row by every rule and write nothing' })
  @ApiBody({
    description:
      'The filled-in template (XLSX, GET /api/v1/import-templates/entities) or a CSV in UTF-8 or GBK/GB18030 as the request ' +
      'body; one row per entity: kind, name, creditCode, districtCode, villageCode, linkedIdNumbers (ID numbers in one cell). ' +
      'All or nothing, by the rules of POST /entities and POST /entities/{id}/linked-households. An entity whose credit ' +
      'code is registered is not created again (its listed households are linked); a row that changes nothing is skipped.',
    schema: { type: 'string', example: '主体类型,主体名称,统一社会信用代码,县区代码,村代码,带动农户身份证号码\n农民专业合作社,淄川区东坪果蔬专业合作社,93370302MA3CQ8X17E,370302,370302106201,370302198503150027\n' },
  })
  @ApiOkResponse({ description: 'Per-row outcome; rows numbered as the spreadsheet shows them', type: SheetImportResponse })
  importEntities(@Req() req: Request, @Query('dryRun') dryRun?: string) {
    requireSheetContentType(req.headers['content-type'], XLSX_CONTENT_TYPE);
    return this.importer.importFile(req, { dryRun: dryRun === 'true' || dryRun === '1' });
  }

  @Post()
  @Roles(...WRITERS)
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an operating entity' })
  @ApiCreatedResponse({ description: 'Registers an enterprise, cooperative or family farm; 400 names an invalid creditCode, 409 a registered one', type: OperatingEntityResponse, example: ENTITY_EXAMPLE })
  registerEntity(@Body() dto: CreateEntityDto) {
    return this.entities.create(dto);
  }

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({ summary: 'List operating entities' })
  @ApiOkResponse({
    description: 'Entities filtered by kind, district, village, name, exact creditCode, asset-income flag; BANK_OFFICER must give creditCode',
    type: PageOf(OperatingEntityResponse),
    example: { items: [ENTITY_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listEntities(@Query() q: EntityListQuery, @Viewer() viewer: Actor) {
    return this.entities.listFor(viewer, q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER')
  @ApiOperation({ summary: 'Get an operating entity' })
  @ApiOkResponse({ description: 'linkedPoorCount counts linked households whose status is POOR now and whose counted link is this entity (one line per household); linkedPoorCountedElsewhere those counted by another entity; BANK_OFFICER sees borrowers of its bank', type: OperatingEntityResponse, example: ENTITY_EXAMPLE })
  getEntity(@Param('id', ParseIdPipe) id: string, @Viewer() viewer: Actor) {
    return this.entities.getFor(viewer, id);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Edit an operating entity' })
  @ApiOkResponse({ description: 'Edits kind, name, credit code or village (the district is fixed; isAssetIncomeProject is not set here)', type: OperatingEntityResponse, example: ENTITY_EXAMPLE })
  updateEntity(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateEntityDto) {
    return this.entities.update(id, dto);
  }

  @Get(':id/linked-households')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR')
  @ApiOperation({ summary: 'List an entity\'s linked households' })
  @ApiOkResponse({
    description:
      'Linked households (masked for AUDITOR) with linkedAt, whether they count toward this entity’s line (POOR now and this is their counted link) ' +
      'and, for a poor household counted by another entity (linked there first, by the district’s entityLinkCounting rule), countedElsewhere and countedForEntityId',
    type: PageOf(EntityLinkedHouseholdResponse),
    example: {
      items: [
        { id: '3', headName: '张桂兰', idNumber: '3703**********0244', status: 'POOR', countedForEntityId: '1', linkedAt: '2026-01-05T02:00:00.000Z', counts: true, countedElsewhere: false },
        { id: '4', headName: '李德福', idNumber: '3703**********0317', status: 'POOR', countedForEntityId: '2', linkedAt: '2026-02-10T02:00:00.000Z', counts: false, countedElsewhere: true },
      ],
      page: 1, pageSize: 50, total: 2,
    },
  })
  listEntityLinkedHouseholds(@Param('id', ParseIdPipe) id: string, @Query() q: PageQuery, @Viewer() viewer: Actor) {
    return this.entities.linkedHouseholds(viewer, id, q);
  }

  @Post(':id/linked-households')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Link poor households to an entity' })
  @HttpCode(200)
  @ApiOkResponse({ description: 'Links POOR households of the entity district (422 ENTITY_LINK_RULES_VIOLATED lists every refusal; already linked ones are kept)', type: OperatingEntityResponse, example: ENTITY_EXAMPLE })
  linkEntityHouseholds(@Param('id', ParseIdPipe) id: string, @Body() dto: LinkHouseholdsDto) {
    return this.entities.link(id, dto.householdIds);
  }

  @Delete(':id/linked-households/:householdId')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Unlink a household from an entity' })
  @ApiOkResponse({
    description: 'Unlinks a household; a poor household counted here now counts for its next active link (another entity’s line)',
    type: OperatingEntityResponse,
    example: { ...ENTITY_EXAMPLE, linkedPoorCount: 2, linkedHouseholdCount: 3 },
  })
  unlinkEntityHousehold(@Param('id', ParseIdPipe) id: string, @Param('householdId', ParseIdPipe) householdId: string) {
    return this.entities.unlink(id, householdId);
  }
}
