import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiFile, OVERSIGHT_READERS, PageQuery, RequestContext, Roles } from '#libs/common';
import { ChartQuery, CreateProjectionDto, ExportQuery, IdParam, ScenarioDto, ScenarioPatchDto } from './dto.js';
import { ProjectionService } from './projection.service.js';
import { ProjectionPage, ProjectionResponse, ScenarioPage, ScenarioResponse, ScenarioVersionResponse } from './responses.js';

const WRITERS = ['ADMIN', 'FUND_ADMIN'] as const;

@ApiTags('projections')
@ApiBearerAuth()
@Controller('api/v1/projections')
export class ProjectionController {
  constructor(private readonly projections: ProjectionService) {}

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Enqueue a projection run of a saved scenario or an inline one, from the books as of the business date' })
  @ApiCreatedResponse({ type: ProjectionResponse })
  createProjection(@Body() dto: CreateProjectionDto) {
    return this.projections.createProjection(dto);
  }

  @Get()
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'Projection runs, newest first (without their results)' })
  @ApiOkResponse({ type: ProjectionPage })
  listProjections(@Query() q: PageQuery) {
    return this.projections.listProjections(q.page, q.pageSize);
  }

  @Get(':id')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'A projection run: status, progress and, once done, P10/P50/P90 bands and events' })
  @ApiOkResponse({ type: ProjectionResponse })
  getProjection(@Param() p: IdParam) {
    return this.projections.getProjection(p.id);
  }

  @Get(':id/export')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'A finished projection as CSV or XLSX (bands and events)',
    description:
      'Chinese headers, figure and event names by default (English with Accept-Language: en); the as-of business date, ' +
      'scenario and version, seed and runs at the top (CSV) or in the 报表信息 sheet (XLSX). CSV figures are exact decimal ' +
      'strings; XLSX figures are number cells (yuan with 2 decimals, counts whole, ratios with 4), header frozen and filtered.',
  })
  @ApiFile('csv', 'xlsx')
  async exportProjection(@Param() p: IdParam, @Query() q: ExportQuery): Promise<StreamableFile> {
    if (q.format === 'xlsx') {
      const body = await this.projections.exportXlsx(p.id, RequestContext.exportLang());
      return new StreamableFile(body, {
        type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        disposition: `attachment; filename="projection-${p.id}.xlsx"`,
        length: body.length,
      });
    }
    const body = await this.projections.exportCsv(p.id, RequestContext.exportLang());
    return new StreamableFile(body, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="projection-${p.id}.csv"`, length: body.length });
  }

  @Get(':id/chart.svg')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'Fan chart of one projected series: median, P10–P90 band, minimum and cap lines' })
  @ApiFile('svg')
  async getProjectionChart(@Param() p: IdParam, @Query() q: ChartQuery): Promise<StreamableFile> {
    const svg = Buffer.from(await this.projections.chart(p.id, q.series), 'utf8');
    return new StreamableFile(svg, { type: 'image/svg+xml; charset=utf-8', disposition: `inline; filename="projection-${p.id}.svg"`, length: svg.length });
  }
}

@ApiTags('projections')
@ApiBearerAuth()
@Controller('api/v1/projection-scenarios')
export class ScenariosController {
  constructor(private readonly projections: ProjectionService) {}

  @Post()
  @HttpCode(201)
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Save a projection scenario (version 1)' })
  @ApiCreatedResponse({ type: ScenarioResponse })
  createScenario(@Body() dto: ScenarioDto) {
    return this.projections.createScenario(dto);
  }

  @Get()
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'Saved scenarios (not archived), newest first' })
  @ApiOkResponse({ type: ScenarioPage })
  listScenarios(@Query() q: PageQuery) {
    return this.projections.listScenarios(q.page, q.pageSize);
  }

  @Get(':id')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'A scenario at its current version' })
  @ApiOkResponse({ type: ScenarioResponse })
  getScenario(@Param() p: IdParam) {
    return this.projections.getScenario(p.id);
  }

  @Get(':id/versions')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'Every version of a scenario, oldest first' })
  @ApiOkResponse({ type: [ScenarioVersionResponse] })
  listScenarioVersions(@Param() p: IdParam) {
    return this.projections.scenarioVersions(p.id);
  }

  @Patch(':id')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Change a scenario: a new version (earlier versions and their runs stay as they were)' })
  @ApiOkResponse({ type: ScenarioResponse })
  updateScenario(@Param() p: IdParam, @Body() dto: ScenarioPatchDto) {
    return this.projections.updateScenario(p.id, dto);
  }

  @Post(':id/archive')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Archive a scenario (its versions and runs are kept)' })
  @ApiOkResponse({ type: ScenarioResponse })
  archiveScenario(@Param() p: IdParam) {
    return this.projections.archiveScenario(p.id);
  }
}
