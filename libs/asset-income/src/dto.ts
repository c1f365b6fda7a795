import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate } from '#libs/schedules';
import { PageQuery, ID_PATTERN as ID } from '#libs/common';
import { IsPercent, IsYuan } from '#libs/money';
import {
  ALERT_KINDS,
  BUSINESS_TYPES,
  FLOOR_RECIPIENTS,
  HOLDER_TYPES,
  HOUSEHOLD_WEIGHTINGS,
  OTHER_CLASS_KINDS,
  PROJECT_STATUSES,
  RIGHT_RULES,
  RUN_STATUSES,
  type AlertKind,
  type BusinessType,
  type FloorRecipients,
  type HolderType,
  type HouseholdWeighting,
  type OtherClassKind,
  type ProjectStatus,
  type RightRule,
  type RunStatus,
} from './domain/model.js';

const ID_MESSAGE = 'must be a numeric id';
const IsBusinessDate = (): PropertyDecorator => (target, key) => IsCalendarDate()(target, key as string);
const toBool = ({ value }: { value: unknown }) => (value === undefined ? undefined : value === true || value === 'true' || value === '1');

export class CapitalClassDto {
  @ApiProperty({ enum: OTHER_CLASS_KINDS, example: 'COLLECTIVE_ASSETS' })
  @IsIn(OTHER_CLASS_KINDS)
  kind: OtherClassKind;

  @ApiProperty({ example: '500000.00', description: 'capital of this class, yuan' })
  @IsYuan()
  amount: string;

  @ApiPropertyOptional({ example: 'village guesthouse and 40 mu of orchard, valued by the town assessor' })
  @IsOptional() @IsString() @MaxLength(500)
  description?: string;
}

export class CreateProjectDto {
  @ApiProperty({ example: 'Shangxiaofeng rural tourism cooperative' })
  @IsString() @MinLength(1) @MaxLength(200)
  name: string;

  @ApiProperty({ example: '1', description: 'a pilot village (villages.is_pilot)' })
  @Matches(ID, { message: `villageId ${ID_MESSAGE}` })
  villageId: string;

  @ApiProperty({ example: '3', description: 'the operating entity (company or cooperative) registered in the registry' })
  @Matches(ID, { message: `entityId ${ID_MESSAGE}` })
  entityId: string;

  @ApiProperty({ enum: BUSINESS_TYPES, example: 'RURAL_TOURISM' })
  @IsIn(BUSINESS_TYPES)
  businessType: BusinessType;

  @ApiPropertyOptional({ example: '1000000.00', description: 'special fund injected; default from configuration (1,000,000)' })
  @IsOptional() @IsYuan()
  specialFund?: string;

  @ApiPropertyOptional({ example: '30', description: "the village collective's percent of the special fund; households get the rest" })
  @IsOptional() @IsPercent('0', '100')
  collectivePercent?: string;

  @ApiPropertyOptional({ enum: HOUSEHOLD_WEIGHTINGS, example: 'EQUAL' })
  @IsOptional() @IsIn(HOUSEHOLD_WEIGHTINGS)
  householdWeighting?: HouseholdWeighting;

  @ApiPropertyOptional({ enum: RIGHT_RULES, example: 'TRANSFER', description: 'what happens to a right when its household stops being poor' })
  @IsOptional() @IsIn(RIGHT_RULES)
  rightRule?: RightRule;

  @ApiPropertyOptional({ example: '10', description: 'guaranteed yearly floor, percent of the quantified amount' })
  @IsOptional() @IsPercent('0', '100')
  floorRatePercent?: string;

  @ApiPropertyOptional({
    enum: FLOOR_RECIPIENTS,
    example: 'POOR_HOUSEHOLDS',
    description:
      'whose special-fund shares the floor tops up: POOR_HOUSEHOLDS (the case: 贫困户折股量化资产…保底收益不低于所持量化资金的10%; the collective gets its pro-rata profit only) or ALL_SHARES (the collective too); default from configuration (POOR_HOUSEHOLDS)',
  })
  @IsOptional() @IsIn(FLOOR_RECIPIENTS)
  floorRecipients?: FloorRecipients;

  @ApiPropertyOptional({ example: '100', description: 'percent of a positive net profit paid out' })
  @IsOptional() @IsPercent('0.000001', '100')
  payoutPercent?: string;

  @ApiPropertyOptional({ example: '1500000.00', description: 'net assets at which liquidation is forced' })
  @IsOptional() @IsYuan({ allowZero: true })
  liquidationThreshold?: string;

  @ApiPropertyOptional({ example: '300000.00', description: 'alert when net assets are within this much above the threshold' })
  @IsOptional() @IsYuan({ allowZero: true })
  alertMargin?: string;

  @ApiPropertyOptional({ type: [CapitalClassDto], example: [{ kind: 'COLLECTIVE_ASSETS', amount: '500000.00' }, { kind: 'PRIVATE_CAPITAL', amount: '300000.00' }] })
  @IsOptional() @IsArray() @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => CapitalClassDto) @ArrayMaxSize(3)
  otherCapital?: CapitalClassDto[];
}

/** The settings of a project that may change while it runs. */
export class UpdateProjectSettingsDto {
  @ApiProperty({
    enum: FLOOR_RECIPIENTS,
    example: 'POOR_HOUSEHOLDS',
    description:
      'whose special-fund shares the floor tops up: POOR_HOUSEHOLDS (the case: 贫困户折股量化资产…保底收益不低于所持量化资金的10%; the collective gets its pro-rata profit only) or ALL_SHARES (the collective too); applies to dividend runs previewed from now on',
  })
  @IsIn(FLOOR_RECIPIENTS)
  floorRecipients: FloorRecipients;
}

export class ProjectListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `districtId ${ID_MESSAGE}` }) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `villageId ${ID_MESSAGE}` }) villageId?: string;
  @ApiPropertyOptional({ enum: PROJECT_STATUSES }) @IsOptional() @IsIn(PROJECT_STATUSES) status?: ProjectStatus;
  @ApiPropertyOptional({ enum: BUSINESS_TYPES }) @IsOptional() @IsIn(BUSINESS_TYPES) businessType?: BusinessType;
}

export class InjectDto {
  @ApiPropertyOptional({ example: '2023-03-01', description: 'business date of the injection; default today' })
  @IsOptional() @IsBusinessDate()
  injectedOn?: string;
}

export class QuantifyDto {
  @ApiPropertyOptional({ example: '2023-03-15', description: 'the rights are valid from this date; default today' })
  @IsOptional() @IsBusinessDate()
  asOf?: string;
}

export class RightsQuery extends PageQuery {
  @ApiPropertyOptional({ example: '2024-12-31', description: 'the register on this date (default: current rights)' })
  @IsOptional() @IsBusinessDate()
  asOf?: string;
  @ApiPropertyOptional({ enum: ['COLLECTIVE', 'HOUSEHOLD'] }) @IsOptional() @IsIn(['COLLECTIVE', 'HOUSEHOLD']) holderType?: 'COLLECTIVE' | 'HOUSEHOLD';
  @ApiPropertyOptional({ example: '12' }) @IsOptional() @Matches(ID, { message: `householdId ${ID_MESSAGE}` }) householdId?: string;
  @ApiPropertyOptional({ description: 'every row, closed ones included' }) @IsOptional() @Transform(toBool) @IsBoolean() history?: boolean;
}

export class MoveRightDto {
  @ApiProperty({ example: '2024-07-01', description: 'the right moves on this date (the old row is valid until the day before)' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiPropertyOptional({ example: '57', description: 'the poor household receiving the right (rule TRANSFER only)' })
  @IsOptional() @Matches(ID, { message: `toHouseholdId ${ID_MESSAGE}` })
  toHouseholdId?: string;

  @ApiProperty({ example: 'household graduated in 2024 (脱贫); right passed to a newly identified poor household' })
  @IsString() @MinLength(3) @MaxLength(500)
  reason: string;
}

export class RecordResultDto {
  @ApiProperty({ example: 2024 }) @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year: number;
  @ApiProperty({ example: '2800000.00' }) @IsYuan({ allowZero: true }) revenue: string;
  @ApiProperty({ example: '-120000.00', description: 'negative in a loss year' }) @IsYuan({ allowNegative: true, allowZero: true }) netProfit: string;
  @ApiProperty({ example: '1880000.00' }) @IsYuan({ allowNegative: true, allowZero: true }) netAssets: string;
  @ApiProperty({ example: '2025-01-20' }) @IsBusinessDate() reportedOn: string;
}

export class ImportResultsDto {
  @ApiProperty({
    example: 'year,revenue,netProfit,netAssets,reportedOn\n2023,2600000.00,420000.00,2420000.00,2024-01-18\n2024,2100000.00,-80000.00,1950000.00,2025-01-20',
    description: 'CSV with the header year,revenue,netProfit,netAssets,reportedOn; all rows are checked and either all are recorded or none',
  })
  @IsString() @MinLength(1) @MaxLength(100_000)
  csv: string;
}

export class ResultsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 2023 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) fromYear?: number;
  @ApiPropertyOptional({ example: 2025 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) toYear?: number;
}

export class AlertsQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `districtId ${ID_MESSAGE}` }) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `projectId ${ID_MESSAGE}` }) projectId?: string;
  @ApiPropertyOptional({ enum: ALERT_KINDS }) @IsOptional() @IsIn(ALERT_KINDS) kind?: AlertKind;
  @ApiPropertyOptional({ example: 2024 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year?: number;
}

export class PreviewDistributionDto {
  @ApiPropertyOptional({ example: '2024-12-31', description: 'holders of record on this date are paid; default December 31 of the year' })
  @IsOptional() @IsBusinessDate()
  recordDate?: string;

  @ApiPropertyOptional({ example: '40000.00', description: 'what the operator can pay from its own funds towards a floor the profit does not cover; default 0' })
  @IsOptional() @IsYuan({ allowZero: true })
  operatorTopUpAvailable?: string;
}

export class PayDto {
  @ApiPropertyOptional({ example: '2025-01-25', description: 'business date of the payment; default today' })
  @IsOptional() @IsBusinessDate()
  paidOn?: string;
}

export class RunsQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `projectId ${ID_MESSAGE}` }) projectId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `districtId ${ID_MESSAGE}` }) districtId?: string;
  @ApiPropertyOptional({ example: 2024 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year?: number;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
}

export class LinesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: HOLDER_TYPES }) @IsOptional() @IsIn(HOLDER_TYPES) holderType?: HolderType;
  @ApiPropertyOptional({ example: '12' }) @IsOptional() @Matches(ID, { message: `householdId ${ID_MESSAGE}` }) householdId?: string;
}

export class StatementQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, { message: `projectId ${ID_MESSAGE}` }) projectId?: string;
  @ApiPropertyOptional({ example: 2023 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) fromYear?: number;
  @ApiPropertyOptional({ example: 2025 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) toYear?: number;
}

export class SettlementDto {
  @ApiProperty({ example: '20000.00', description: 'what the operator pays now of the floor it owed' })
  @IsYuan()
  amount: string;

  @ApiPropertyOptional({ example: '2025-06-30', description: 'default today' })
  @IsOptional() @IsBusinessDate()
  settledOn?: string;
}

export class LiquidationPreviewDto {
  @ApiProperty({ example: '1320000.00', description: 'what the liquidation of the entity returned to the shareholders' })
  @IsYuan({ allowZero: true })
  proceeds: string;

  @ApiProperty({ example: '2026-03-31', description: 'the register on this date is paid' })
  @IsBusinessDate()
  liquidationDate: string;
}

export class ReportQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'xlsx'], default: 'json' })
  @IsOptional() @IsIn(['json', 'csv', 'xlsx'])
  format?: 'json' | 'csv' | 'xlsx';
}

export class DistrictReportQuery extends ReportQuery {
  @ApiPropertyOptional({ example: 2023 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) fromYear?: number;
  @ApiPropertyOptional({ example: 2025 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) toYear?: number;
}
