import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiId, PageOf } from '#libs/common';
import { SPEC_EXAMPLE } from './dto.js';

/**
 * Response shapes of the projection endpoints. Band figures are strings in the series' unit: `fen` series print
 * yuan ("5000.00"), `count` series integers, `decimal4` series a ratio or percent with four decimals, `flag` 0 or 1.
 */

export class ScenarioResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'repayment falls to 85 %' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) description!: string | null;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ example: false }) archived!: boolean;
  @ApiProperty({ type: Object, example: SPEC_EXAMPLE }) spec!: Record<string, unknown>;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export const ScenarioPage = PageOf(ScenarioResponse);

export class ScenarioVersionResponse {
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: Object, example: SPEC_EXAMPLE }) spec!: Record<string, unknown>;
  @ApiProperty({ example: 'fund.admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}

export class ProgressResponse {
  @ApiProperty({ example: 120 }) runsDone!: number;
  @ApiProperty({ example: 200 }) runsTotal!: number;
}

export class BandResponse {
  @ApiProperty({ example: '2027-01' }) month!: string;
  @ApiProperty({ example: '4812000.00' }) p10!: string;
  @ApiProperty({ example: '5021000.00' }) p50!: string;
  @ApiProperty({ example: '5160000.00' }) p90!: string;
}

export class SeriesResponse {
  @ApiProperty({ example: 'riskFund:1:balance' }) key!: string;
  @ApiProperty({ enum: ['total', 'fund', 'riskFund', 'programme'] }) scope!: string;
  @ApiProperty({ type: String, nullable: true, example: '1' }) id!: string | null;
  @ApiProperty({ example: 'balance' }) figure!: string;
  @ApiProperty({ enum: ['fen', 'count', 'decimal4', 'flag'] }) unit!: string;
  @ApiProperty({ type: String, nullable: true, example: '5000000.00', description: 'reference line: the minimum' }) minimum!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'reference line: the leverage cap' }) cap!: string | null;
  @ApiProperty({ type: [BandResponse] }) bands!: BandResponse[];
}

export class EventMonthsResponse {
  @ApiProperty({ example: '2027-03' }) p10!: string;
  @ApiProperty({ example: '2027-08' }) p50!: string;
  @ApiProperty({ example: '2028-01' }) p90!: string;
}

export class EventResponse {
  @ApiProperty({ example: 'RISK_FUND_BELOW_MINIMUM:riskFund:1' }) key!: string;
  @ApiProperty({ enum: ['RISK_FUND_BELOW_MINIMUM', 'BREAKER_TRIPS', 'FUND_OUT_OF_ROOM', 'SUBSIDY_BUDGET_EXHAUSTED'] }) event!: string;
  @ApiProperty({ enum: ['total', 'fund', 'riskFund', 'programme'] }) scope!: string;
  @ApiProperty({ example: '1' }) id!: string;
  @ApiProperty({ example: '42.50', description: 'share of runs in which it happened, percent' }) probabilityPercent!: string;
  @ApiProperty({ example: 85 }) runs!: number;
  @ApiProperty({ type: EventMonthsResponse, nullable: true }) firstMonth!: EventMonthsResponse | null;
}

export class ResultResponse {
  @ApiDate() asOf!: string;
  @ApiProperty({ type: [String], example: ['2027-01', '2027-02'] }) months!: string[];
  @ApiProperty({ example: 200 }) runs!: number;
  @ApiProperty({ type: [SeriesResponse] }) series!: SeriesResponse[];
  @ApiProperty({ type: [EventResponse] }) events!: EventResponse[];
}

export class ProjectionResponse {
  @ApiId() id!: string;
  @ApiProperty({ type: String, nullable: true, example: '1' }) scenarioId!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 2 }) scenarioVersion!: number | null;
  @ApiDate() asOf!: string;
  @ApiProperty({ enum: ['QUEUED', 'RUNNING', 'DONE', 'FAILED'] }) status!: string;
  @ApiProperty({ type: ProgressResponse }) progress!: ProgressResponse;
  @ApiProperty({ type: Object, example: SPEC_EXAMPLE }) spec!: Record<string, unknown>;
  @ApiProperty({ example: 'fund.admin' }) requestedBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime({ nullable: true }) startedAt!: string | null;
  @ApiDateTime({ nullable: true }) finishedAt!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: ResultResponse, nullable: true, description: 'bands and events once DONE' }) result!: ResultResponse | null;
}

export const ProjectionPage = PageOf(ProjectionResponse);
