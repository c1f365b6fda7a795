import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PageQuery, Roles, type Actor } from '#libs/common';
import { CreateEntityDto, EntityListQuery, EXAMPLE_CREDIT_CODE, LinkHouseholdsDto, UpdateEntityDto } from './dto.js';
import { EntitiesService } from './entities.service.js';
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
  constructor(private readonly entities: EntitiesService) {}

  @Post()
  @Roles(...WRITERS)
  @ApiCreatedResponse({ description: 'Registers an enterprise, cooperative or family farm; 400 names an invalid creditCode, 409 a registered one', schema: { example: ENTITY_EXAMPLE } })
  create(@Body() dto: CreateEntityDto) {
    return this.entities.create(dto);
  }

  @Get()
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER')
  @ApiOkResponse({
    description: 'Entities filtered by kind, district, village, name, exact creditCode, asset-income flag; BANK_OFFICER must give creditCode',
    schema: { example: { items: [ENTITY_EXAMPLE], page: 1, pageSize: 50, total: 1 } },
  })
  list(@Query() q: EntityListQuery, @Viewer() viewer: Actor) {
    return this.entities.listFor(viewer, q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER')
  @ApiOkResponse({ description: 'linkedPoorCount counts linked households whose status is POOR now and whose counted link is this entity (one line per household); linkedPoorCountedElsewhere those counted by another entity; BANK_OFFICER sees borrowers of its bank', schema: { example: ENTITY_EXAMPLE } })
  get(@Param('id', ParseIdPipe) id: string, @Viewer() viewer: Actor) {
    return this.entities.getFor(viewer, id);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  @ApiOkResponse({ description: 'Edits kind, name, credit code or village (the district is fixed; isAssetIncomeProject is not set here)', schema: { example: ENTITY_EXAMPLE } })
  update(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateEntityDto) {
    return this.entities.update(id, dto);
  }

  @Get(':id/linked-households')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR')
  @ApiOkResponse({
    description:
      'Linked households (masked for AUDITOR) with linkedAt, whether they count toward this entity’s line (POOR now and this is their counted link) ' +
      'and, for a poor household counted by another entity (linked there first, by the district’s entityLinkCounting rule), countedElsewhere and countedForEntityId',
    schema: {
      example: {
        items: [
          { id: '3', headName: '张桂兰', idNumber: '3703**********0244', status: 'POOR', countedForEntityId: '1', linkedAt: '2026-01-05T02:00:00.000Z', counts: true, countedElsewhere: false },
          { id: '4', headName: '李德福', idNumber: '3703**********0317', status: 'POOR', countedForEntityId: '2', linkedAt: '2026-02-10T02:00:00.000Z', counts: false, countedElsewhere: true },
        ],
        page: 1, pageSize: 50, total: 2,
      },
    },
  })
  linked(@Param('id', ParseIdPipe) id: string, @Query() q: PageQuery, @Viewer() viewer: Actor) {
    return this.entities.linkedHouseholds(viewer, id, q);
  }

  @Post(':id/linked-households')
  @Roles(...WRITERS)
  @HttpCode(200)
  @ApiOkResponse({ description: 'Links POOR households of the entity district (422 ENTITY_LINK_RULES_VIOLATED lists every refusal; already linked ones are kept)', schema: { example: ENTITY_EXAMPLE } })
  link(@Param('id', ParseIdPipe) id: string, @Body() dto: LinkHouseholdsDto) {
    return this.entities.link(id, dto.householdIds);
  }

  @Delete(':id/linked-households/:householdId')
  @Roles(...WRITERS)
  @ApiOkResponse({
    description: 'Unlinks a household; a poor household counted here now counts for its next active link (another entity’s line)',
    schema: { example: { ...ENTITY_EXAMPLE, linkedPoorCount: 2, linkedHouseholdCount: 3 } },
  })
  unlink(@Param('id', ParseIdPipe) id: string, @Param('householdId', ParseIdPipe) householdId: string) {
    return this.entities.unlink(id, householdId);
  }
}
