import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError, PageOf, Roles, type Actor, EVERY_ROLE_READERS } from '#libs/common';
import { CreateHouseholdDto, EXAMPLE_ID_NUMBER, fenOf, HouseholdListQuery, UpdateHouseholdDto } from './dto.js';
import { GroupsService } from './groups.service.js';
import { HouseholdImportService, IMPORT_OPTIONAL_COLUMNS, IMPORT_REQUIRED_COLUMNS } from './household-import.service.js';
import { HouseholdsService } from './households.service.js';
import { HouseholdImportResponse, HouseholdResponse, LiabilityGroupResponse } from './responses.js';
import { ParseIdPipe, Viewer } from './viewer.js';

const HOUSEHOLD_EXAMPLE = {
  id: '1', villageId: '1', villageCode: '370302106201', villageName: '东坪村', townId: '1', districtId: '1', headName: '王秀英',
  idNumber: EXAMPLE_ID_NUMBER, birthDate: '1985-03-15', age: 41, sex: 'F', phone: '13905331234', memberCount: 4,
  perCapitaIncome: '3200.00', incomeYear: 2016, status: 'POOR', graduatedYear: null, derivedStatus: 'POOR', statusOverridden: false,
  overrideReason: null, groupId: null, countedForEntityId: '3', personalDataMasked: false, createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z',
};
const MASKED_NOTE = 'AUDITOR and BANK_OFFICER receive idNumber and phone masked (3703**********0027) and no birthDate.';
const CSV_EXAMPLE =
  'villageCode,headName,idNumber,phone,memberCount,perCapitaIncome,incomeYear,status,graduatedYear,overrideReason\n' +
  `370302106201,王秀英,${EXAMPLE_ID_NUMBER},13905331234,4,3200.00,2016,,,\n` +
  '370302106201,李建国,37030219720708151X,,3,4100.00,2016,POOR,,disability confirmed by the civil affairs office\n';

const WRITERS = ['LOAN_OFFICER', 'FUND_ADMIN'] as const;

@ApiTags('households')
@ApiBearerAuth()
@Controller('api/v1/households')
export class HouseholdsController {
  constructor(
    private readonly households: HouseholdsService,
    private readonly importer: HouseholdImportService,
    private readonly groups: GroupsService,
  ) {}

  @Post()
  @Roles(...WRITERS)
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a household' })
  @ApiCreatedResponse({
    type: HouseholdResponse,
    description:
      'Registers a household; the status is derived from per-capita income and the poverty line of its district and ' +
      'income year (a different status needs overrideReason). 400 names invalid fields (idNumber check character…), ' +
      '409 CONFLICT when the ID number is registered, 422 POVERTY_LINE_MISSING.',
    example: HOUSEHOLD_EXAMPLE,
  })
  async registerHousehold(@Body() dto: CreateHouseholdDto, @Viewer() viewer: Actor) {
    return this.households.view(await this.households.create({ ...dto, perCapitaIncomeFen: fenOf(dto.perCapitaIncome) }), viewer);
  }

  @Post('import')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Import households from a CSV file' })
  @ApiConsumes('text/csv')
  @ApiBody({
    description:
      `UTF-8 CSV streamed as the request body (Content-Type: text/csv). Header line required; columns in any order. ` +
      `Required: ${IMPORT_REQUIRED_COLUMNS.join(', ')}. Optional: ${IMPORT_OPTIONAL_COLUMNS.join(', ')}. ` +
      'Each row is validated and registered in its own transaction; a bad header is a 400 and nothing is imported.',
    schema: { type: 'string', example: CSV_EXAMPLE },
  })
  @ApiOkResponse({
    description: 'Per-row outcome; line numbers count the header as line 1',
    type: HouseholdImportResponse,
    example: {
      imported: 1, failed: 1, errorsTruncated: false,
      errors: [{ line: 3, field: 'idNumber', code: 'DUPLICATE', message: 'a household with this ID number is already registered' }],
    },
  })
  importHouseholds(@Req() req: Request) {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'text/csv') {
      throw new DomainError('VALIDATION_FAILED', 'send the CSV file as the request body with Content-Type: text/csv', [
        { field: 'Content-Type', code: 'UNSUPPORTED_MEDIA_TYPE', message: 'must be text/csv' },
      ]);
    }
    return this.importer.importCsv(req);
  }

  @Get()
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({ summary: 'List households' })
  @ApiOkResponse({
    type: PageOf(HouseholdResponse),
    description: `Households filtered by district, town, village, status, name or exact idNumber; paginated. ${MASKED_NOTE} BANK_OFFICER must give idNumber.`,
    example: { items: [HOUSEHOLD_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listHouseholds(@Query() q: HouseholdListQuery, @Viewer() viewer: Actor) {
    return this.households.listFor(viewer, q, q);
  }

  @Get(':id')
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({ summary: 'Get a household' })
  @ApiOkResponse({ description: `${MASKED_NOTE} BANK_OFFICER sees only borrowers of its bank.`, type: HouseholdResponse, example: HOUSEHOLD_EXAMPLE })
  getHousehold(@Param('id', ParseIdPipe) id: string, @Viewer() viewer: Actor) {
    return this.households.getFor(viewer, id);
  }

  @Get(':id/group')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR')
  @ApiOperation({ summary: "Get a household's joint-liability group" })
  @ApiOkResponse({
    description: 'The joint-liability group of the household, or null',
    // the nullable reference written out (Nest's own form adds `type: object` beside the allOf)
    schema: {
      nullable: true,
      allOf: [{ $ref: getSchemaPath(LiabilityGroupResponse) }],
      example: {
        id: '1', villageId: '1', districtId: '1', name: '东坪村第一联保小组', status: 'ACTIVE', memberIds: ['1', '2', '3', '4'], size: 4,
        dissolvedAt: null, dissolutionReason: null, createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z',
      },
    },
  })
  @ApiExtraModels(LiabilityGroupResponse)
  async getHouseholdGroup(@Param('id', ParseIdPipe) id: string) {
    await this.households.get(id);
    return this.groups.groupOf(id);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Edit a household' })
  @ApiOkResponse({
    type: HouseholdResponse,
    description:
      'Edits a household under its row lock. The status is identified again when village, income, income year or the requested ' +
      'status change; a standing override stays until clearOverride. Moving village is refused (422) while bound to the old one.',
    example: HOUSEHOLD_EXAMPLE,
  })
  async updateHousehold(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateHouseholdDto, @Viewer() viewer: Actor) {
    const { perCapitaIncome, ...rest } = dto;
    return this.households.view(
      await this.households.update(id, { ...rest, ...(perCapitaIncome === undefined ? {} : { perCapitaIncomeFen: fenOf(perCapitaIncome) }) }),
      viewer,
    );
  }
}
