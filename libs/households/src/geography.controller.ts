import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, PageOf, ROLES, Roles } from '#libs/common';
import {
  CreateDistrictDto,
  CreatePovertyLineDto,
  CreateTownDto,
  CreateVillageDto,
  DistrictListQuery,
  EffectiveLineQuery,
  fenOf,
  PovertyLineListQuery,
  TownListQuery,
  UpdateDistrictDto,
  UpdatePovertyLineDto,
  UpdateTownDto,
  UpdateVillageDto,
  VillageListQuery,
} from './dto.js';
import { GeographyService, povertyLineView } from './geography.service.js';
import { DistrictResponse, PovertyLineResponse, TownResponse, VillageResponse } from './responses.js';
import { ParseIdPipe } from './viewer.js';

const DISTRICT_EXAMPLE = { id: '1', code: '370302', name: '淄川区', heavyTask: true, entityLinkCounting: 'EARLIEST_LINK', createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z' };
const TOWN_EXAMPLE = { id: '1', districtId: '1', code: '370302106', name: '岭子镇', createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z' };
const VILLAGE_EXAMPLE = {
  id: '1', townId: '1', districtId: '1', code: '370302106201', name: '东坪村', isPilot: true, townName: '岭子镇', districtName: '淄川区',
  createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z',
};
const LINE_EXAMPLE = {
  id: '1', districtId: null, scope: 'CITY', year: 2016, line: '3560.00', note: 'Zibo 2016 line (source case)',
  createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-05T02:00:00.000Z',
};
const page = (item: object) => ({ items: [item], page: 1, pageSize: 50, total: 1 });

/** Geography is reference data: every role reads it; only ADMIN changes it. */
@ApiTags('geography')
@ApiBearerAuth()
@Controller('api/v1')
export class GeographyController {
  constructor(private readonly geo: GeographyService) {}

  @Post('districts')
  @Roles('ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a district' })
  @ApiCreatedResponse({ description: 'District created (409 CONFLICT when the code exists)', type: DistrictResponse, example: DISTRICT_EXAMPLE })
  createDistrict(@Body() dto: CreateDistrictDto) {
    return this.geo.createDistrict(dto);
  }

  @Get('districts')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List districts' })
  @ApiOkResponse({ description: 'Districts, filterable by heavy-task flag and name/code', type: PageOf(DistrictResponse), example: page(DISTRICT_EXAMPLE) })
  listDistricts(@Query() q: DistrictListQuery) {
    return this.geo.listDistricts(q, q);
  }

  @Get('districts/:id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get a district' })
  @ApiOkResponse({ type: DistrictResponse, example: DISTRICT_EXAMPLE })
  getDistrict(@Param('id', ParseIdPipe) id: string) {
    return this.geo.getDistrict(id);
  }

  @Patch('districts/:id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Edit a district' })
  @ApiOkResponse({
    description: 'Name, heavy-task flag or entityLinkCounting (which link of a poor household counts toward a credit line) changed; the code is fixed',
    type: DistrictResponse, example: DISTRICT_EXAMPLE,
  })
  updateDistrict(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateDistrictDto) {
    return this.geo.updateDistrict(id, dto);
  }

  @Post('towns')
  @Roles('ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a town' })
  @ApiCreatedResponse({ description: 'Town created; its code starts with the district code', type: TownResponse, example: TOWN_EXAMPLE })
  createTown(@Body() dto: CreateTownDto) {
    return this.geo.createTown(dto);
  }

  @Get('towns')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List towns' })
  @ApiOkResponse({ type: PageOf(TownResponse), example: page(TOWN_EXAMPLE) })
  listTowns(@Query() q: TownListQuery) {
    return this.geo.listTowns(q, q);
  }

  @Get('towns/:id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get a town' })
  @ApiOkResponse({ type: TownResponse, example: TOWN_EXAMPLE })
  getTown(@Param('id', ParseIdPipe) id: string) {
    return this.geo.getTown(id);
  }

  @Patch('towns/:id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Edit a town' })
  @ApiOkResponse({ type: TownResponse, example: TOWN_EXAMPLE })
  updateTown(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateTownDto) {
    return this.geo.updateTown(id, dto);
  }

  @Post('villages')
  @Roles('ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a village' })
  @ApiCreatedResponse({ description: 'Village created in the town (and its district); code starts with the town code', type: VillageResponse, example: VILLAGE_EXAMPLE })
  createVillage(@Body() dto: CreateVillageDto) {
    return this.geo.createVillage(dto);
  }

  @Get('villages')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List villages' })
  @ApiOkResponse({ description: 'Villages, filterable by district, town, pilot flag and name/code', type: PageOf(VillageResponse), example: page(VILLAGE_EXAMPLE) })
  listVillages(@Query() q: VillageListQuery) {
    return this.geo.listVillages(q, q);
  }

  @Get('villages/:id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get a village' })
  @ApiOkResponse({ type: VillageResponse, example: VILLAGE_EXAMPLE })
  getVillage(@Param('id', ParseIdPipe) id: string) {
    return this.geo.getVillage(id);
  }

  @Patch('villages/:id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Edit a village' })
  @ApiOkResponse({ description: 'Name or pilot flag changed (code and town are fixed)', type: VillageResponse, example: VILLAGE_EXAMPLE })
  updateVillage(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateVillageDto) {
    return this.geo.updateVillage(id, dto);
  }

  @Post('poverty-lines')
  @Roles('ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a poverty line' })
  @ApiCreatedResponse({ description: 'A line for a district (or city-wide with no districtId) and year; 409 when one exists', type: PovertyLineResponse, example: LINE_EXAMPLE })
  async createPovertyLine(@Body() dto: CreatePovertyLineDto) {
    return povertyLineView(await this.geo.createPovertyLine({ districtId: dto.districtId, year: dto.year, lineFen: fenOf(dto.line), note: dto.note }));
  }

  @Get('poverty-lines')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List poverty lines' })
  @ApiOkResponse({ description: 'Lines, newest year first, city-wide before district lines', type: PageOf(PovertyLineResponse), example: page(LINE_EXAMPLE) })
  async listPovertyLines(@Query() q: PovertyLineListQuery) {
    const p = await this.geo.listPovertyLines(q, q);
    return { ...p, items: p.items.map(povertyLineView) };
  }

  @Get('poverty-lines/effective')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get the poverty line that applies to a district and year' })
  @ApiOkResponse({ description: "The line that applies to a district and year: the district's own, else the city-wide one", type: PovertyLineResponse, example: LINE_EXAMPLE })
  async getEffectivePovertyLine(@Query() q: EffectiveLineQuery) {
    const line = await this.geo.effectiveLine(q.districtId, q.year);
    if (!line) throw new DomainError('POVERTY_LINE_MISSING', `no poverty line for ${q.year} in district ${q.districtId} nor city-wide`);
    return povertyLineView(line);
  }

  @Get('poverty-lines/:id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get a poverty line' })
  @ApiOkResponse({ type: PovertyLineResponse, example: LINE_EXAMPLE })
  async getPovertyLine(@Param('id', ParseIdPipe) id: string) {
    return povertyLineView(await this.geo.getPovertyLine(id));
  }

  @Patch('poverty-lines/:id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Correct a poverty line' })
  @ApiOkResponse({ description: 'Corrects a line; households keep their identification until next updated', type: PovertyLineResponse, example: LINE_EXAMPLE })
  async updatePovertyLine(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdatePovertyLineDto) {
    return povertyLineView(await this.geo.updatePovertyLine(id, { lineFen: dto.line === undefined ? undefined : fenOf(dto.line), note: dto.note }));
  }
}
