import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ID_PATTERN } from '#libs/common';

export const SPEC_EXAMPLE = {
  horizonMonths: 36,
  runs: 200,
  seed: 7,
  behaviour: {
    MUTUAL_AID: { latePercent: 10, lateDays: { min: 3, max: 45 }, defaultPercent: 15 },
    HOUSEHOLD_MICROCREDIT: { latePercent: 5, lateDays: { min: 1, max: 20 }, defaultPercent: 3 },
  },
  newDemand: { applicationsPerVillagePerMonth: 2, amount: { min: '2000.00', max: '10000.00', step: '500.00' }, termMonths: [6, 12] },
  recoveries: { percentOfCompensation: 30, afterMonths: 6 },
  policies: [{ fromMonth: '2027-01', leverageMultiple: '8', topUps: [{ target: 'RISK_FUND', id: '1', amount: '2000000.00' }] }],
  coveredDemand: [
    { riskFundId: '1', fromMonth: '2027-01', loansPerMonth: 40, amount: { min: '20000.00', max: '100000.00', step: '1000.00' }, termMonths: [12, 24] },
  ],
};

export class IdParam {
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID_PATTERN, { message: 'id must be a positive integer id' })
  id!: string;
}

export class ScenarioDto {
  @ApiProperty({ example: '还款率降至85% (repayment falls to 85 %)' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ type: String, example: 'three years, 15 % of mutual-aid borrowers default', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: SPEC_EXAMPLE, description: 'The scenario (see docs/projection.md); omitted fields take their defaults' })
  @IsObject()
  spec!: Record<string, unknown>;
}

export class ScenarioPatchDto {
  @ApiPropertyOptional({ example: 'repayment 85 %, leverage 8×' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: SPEC_EXAMPLE, description: 'The whole new content (a new version)' })
  @IsOptional()
  @IsObject()
  spec?: Record<string, unknown>;
}

export class CreateProjectionDto {
  @ApiPropertyOptional({ example: '1', description: 'A saved scenario (its current version is run)' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: 'scenarioId must be a positive integer id' })
  scenarioId?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: SPEC_EXAMPLE, description: 'A scenario given inline instead of a saved one' })
  @IsOptional()
  @IsObject()
  spec?: Record<string, unknown>;
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], default: 'csv' })
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format?: 'csv' | 'xlsx';
}

export class ChartQuery {
  @ApiPropertyOptional({ example: 'riskFund:1:balance', description: 'The series to draw (default: the first risk fund balance)' })
  @IsOptional()
  @IsString()
  @Matches(/^(total|fund|riskFund|programme)(:[0-9]+)?:[A-Za-z0-9]+$/, { message: 'series must be a series key like riskFund:1:balance' })
  series?: string;
}
