import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsOmittable, PageQuery } from '#libs/common';
import { IsYuan, parseYuan } from '#libs/money';
import { normalizeCreditCode } from './domain/credit-code.js';
import { ENTITY_LINK_COUNTING_RULES, type EntityLinkCounting } from './domain/entity-links.js';
import { POVERTY_STATUSES, type PovertyStatus } from './domain/poverty-status.js';
import { normalizeResidentId } from './domain/resident-id.js';
import { ID_PATTERN } from './viewer.js';
import { IsCreditCode, IsResidentId, PHONE_PATTERN } from './validators.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;
const ID_MESSAGE = { message: '$property must be a positive integer id' };

export const ENTITY_KINDS = ['ENTERPRISE', 'COOPERATIVE', 'FAMILY_FARM'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
export const GROUP_STATUSES = ['ACTIVE', 'DISSOLVED'] as const;

/** Example values: a valid GB 11643 number (born 1985-03-15 in region 370302) and a GB 32100 cooperative code. */
export const EXAMPLE_ID_NUMBER = '370302198503150027';
export const EXAMPLE_CREDIT_CODE = '93370302MA3CQ8X17E';

// ─── geography ───────────────────────────────────────────────────────────────────────────────────────────────

export class CreateDistrictDto {
  @ApiProperty({ example: '370302', description: '6-digit GB/T 2260 administrative division code' })
  @Transform(trim) @Matches(/^\d{6}$/, { message: 'code must be the 6-digit division code' })
  code: string;

  @ApiProperty({ example: '淄川区' }) @Transform(trim) @IsString() @Length(1, 50) name: string;

  @ApiPropertyOptional({ example: true, default: false, description: '脱贫任务重: must hold the minimum risk fund' })
  @IsOptional() @IsBoolean() heavyTask?: boolean;

  @ApiPropertyOptional({
    enum: ENTITY_LINK_COUNTING_RULES,
    example: 'EARLIEST_LINK',
    description:
      'a poor household linked to several operating entities counts toward one credit line (50,000 × linked poor households): ' +
      'EARLIEST_LINK (default: its first active link) or LATEST_LINK (its most recent one); when that link ends, the next one counts',
  })
  @IsOptional() @IsIn(ENTITY_LINK_COUNTING_RULES) entityLinkCounting?: EntityLinkCounting;
}

export class UpdateDistrictDto {
  @ApiPropertyOptional({ example: '淄川区' }) @IsOptional() @Transform(trim) @IsString() @Length(1, 50) name?: string;
  @ApiPropertyOptional({ example: false }) @IsOptional() @IsBoolean() heavyTask?: boolean;
  @ApiPropertyOptional({
    enum: ENTITY_LINK_COUNTING_RULES,
    example: 'EARLIEST_LINK',
    description:
      'a poor household linked to several operating entities counts toward one credit line (50,000 × linked poor households): ' +
      'EARLIEST_LINK (default: its first active link) or LATEST_LINK (its most recent one); when that link ends, the next one counts',
  })
  @IsOptional() @IsIn(ENTITY_LINK_COUNTING_RULES) entityLinkCounting?: EntityLinkCounting;
}

export class DistrictListQuery extends PageQuery {
  @ApiPropertyOptional({ example: true }) @IsOptional() @Transform(toBool) @IsBoolean() heavyTask?: boolean;
  @ApiPropertyOptional({ example: '淄川', description: 'part of the name or code' }) @IsOptional() @IsString() @MaxLength(50) q?: string;
}

export class CreateTownDto {
  @ApiProperty({ example: '1' }) @Matches(ID_PATTERN, ID_MESSAGE) districtId: string;
  @ApiProperty({ example: '370302106', description: '9-digit code starting with the district code' })
  @Transform(trim) @Matches(/^\d{9}$/, { message: 'code must be the 9-digit town code' })
  code: string;
  @ApiProperty({ example: '岭子镇' }) @Transform(trim) @IsString() @Length(1, 50) name: string;
}

export class UpdateTownDto {
  @ApiProperty({ example: '岭子镇' }) @Transform(trim) @IsString() @Length(1, 50) name: string;
}

export class TownListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ example: '岭子' }) @IsOptional() @IsString() @MaxLength(50) q?: string;
}

export class CreateVillageDto {
  @ApiProperty({ example: '1' }) @Matches(ID_PATTERN, ID_MESSAGE) townId: string;
  @ApiProperty({ example: '370302106201', description: '12-digit code starting with the town code' })
  @Transform(trim) @Matches(/^\d{12}$/, { message: 'code must be the 12-digit village code' })
  code: string;
  @ApiProperty({ example: '东坪村' }) @Transform(trim) @IsString() @Length(1, 50) name: string;
  @ApiPropertyOptional({ example: true, default: false, description: 'asset-income pilot village (资产收益试点)' })
  @IsOptional() @IsBoolean() isPilot?: boolean;
}

export class UpdateVillageDto {
  @ApiPropertyOptional({ example: '东坪村' }) @IsOptional() @Transform(trim) @IsString() @Length(1, 50) name?: string;
  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() isPilot?: boolean;
}

export class VillageListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) townId?: string;
  @ApiPropertyOptional({ example: true }) @IsOptional() @Transform(toBool) @IsBoolean() isPilot?: boolean;
  @ApiPropertyOptional({ example: '东坪' }) @IsOptional() @IsString() @MaxLength(50) q?: string;
}

export class CreatePovertyLineDto {
  @ApiPropertyOptional({ type: String, example: null, nullable: true, description: 'omit or null for the city-wide line' })
  @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string | null;
  @ApiProperty({ example: 2016 }) @IsInt() @Min(2000) @Max(2100) year: number;
  @ApiProperty({ example: '3560.00', description: 'yuan per person per year' }) @IsYuan() line: string;
  @ApiPropertyOptional({ example: 'Zibo 2016 line (source case)' }) @IsOptional() @IsString() @MaxLength(200) note?: string;
}

export class UpdatePovertyLineDto {
  @ApiPropertyOptional({ example: '3600.00' }) @IsOmittable() @IsYuan() line?: string;
  @ApiPropertyOptional({ example: 'corrected from the 2017 notice' }) @IsOptional() @IsString() @MaxLength(200) note?: string;
}

export class PovertyLineListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1', description: 'lines of this district (not the city-wide ones)' })
  @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ enum: ['CITY', 'DISTRICT'] }) @IsOptional() @IsIn(['CITY', 'DISTRICT']) scope?: 'CITY' | 'DISTRICT';
  @ApiPropertyOptional({ example: 2016 }) @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year?: number;
}

export class EffectiveLineQuery {
  @ApiProperty({ example: '1' }) @Matches(ID_PATTERN, ID_MESSAGE) districtId: string;
  @ApiProperty({ example: 2016 }) @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year: number;
}

// ─── households ──────────────────────────────────────────────────────────────────────────────────────────────

/** The fields of a household shared by the API body and an import row. */
export class HouseholdFieldsDto {
  @ApiProperty({ example: '王秀英', description: "head of household's name" })
  @Transform(trim) @IsString() @Length(1, 50)
  headName: string;

  @ApiProperty({ example: EXAMPLE_ID_NUMBER, description: '18-character GB 11643 resident ID number of the head' })
  @Transform(({ value }) => (typeof value === 'string' ? normalizeResidentId(value) : value))
  @IsResidentId()
  idNumber: string;

  @ApiPropertyOptional({ type: String, example: '13905331234', nullable: true })
  @IsOptional() @Transform(trim) @Matches(PHONE_PATTERN, { message: 'phone must be a mobile (13905331234) or landline (0533-1234567) number' })
  phone?: string | null;

  @ApiProperty({ example: 4, minimum: 1, maximum: 50 }) @IsInt() @Min(1) @Max(50) memberCount: number;

  @ApiProperty({ example: '3200.00', description: 'per-capita net income in yuan for incomeYear' })
  @IsYuan({ allowZero: true })
  perCapitaIncome: string;

  @ApiProperty({ example: 2016 }) @IsInt() @Min(2000) @Max(2100) incomeYear: number;

  @ApiPropertyOptional({ enum: POVERTY_STATUSES, description: 'omit to take the derived status; a different one needs overrideReason' })
  @IsOptional() @IsIn(POVERTY_STATUSES)
  status?: PovertyStatus;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 2018, description: 'with GRADUATED; on registration it records an earlier graduation' })
  @IsOptional() @IsInt() @Min(2000) @Max(2100)
  graduatedYear?: number | null;

  @ApiPropertyOptional({ example: 'serious illness in 2016, confirmed by the village committee' })
  @IsOptional() @IsString() @MaxLength(500)
  overrideReason?: string;
}

export class CreateHouseholdDto extends HouseholdFieldsDto {
  @ApiProperty({ example: '1' }) @Matches(ID_PATTERN, ID_MESSAGE) villageId: string;
}

/** One row of the CSV import: the village by its code instead of its id. */
export class HouseholdImportRow extends HouseholdFieldsDto {
  @Transform(trim) @Matches(/^\d{12}$/, { message: 'villageCode must be the 12-digit village code' }) villageCode: string;
}

export class UpdateHouseholdDto {
  @ApiPropertyOptional({ example: '2' }) @IsOmittable() @Matches(ID_PATTERN, ID_MESSAGE) villageId?: string;
  @ApiPropertyOptional({ example: '王秀英' }) @IsOmittable() @Transform(trim) @IsString() @Length(1, 50) headName?: string;
  @ApiPropertyOptional({ example: EXAMPLE_ID_NUMBER, description: 'corrects a mistyped number; audited' })
  @IsOmittable()
  @Transform(({ value }) => (typeof value === 'string' ? normalizeResidentId(value) : value))
  @IsResidentId()
  idNumber?: string;
  @ApiPropertyOptional({ type: String, example: '13905331234', nullable: true, description: 'null clears it' })
  @IsOptional() @Transform(trim) @Matches(PHONE_PATTERN, { message: 'phone must be a mobile (13905331234) or landline (0533-1234567) number' })
  phone?: string | null;
  @ApiPropertyOptional({ example: 5 }) @IsOmittable() @IsInt() @Min(1) @Max(50) memberCount?: number;
  @ApiPropertyOptional({ example: '3800.00' }) @IsOmittable() @IsYuan({ allowZero: true }) perCapitaIncome?: string;
  @ApiPropertyOptional({ example: 2017 }) @IsOmittable() @IsInt() @Min(2000) @Max(2100) incomeYear?: number;
  @ApiPropertyOptional({ enum: POVERTY_STATUSES }) @IsOmittable() @IsIn(POVERTY_STATUSES) status?: PovertyStatus;
  @ApiPropertyOptional({ type: Number, example: 2017, nullable: true }) @IsOptional() @IsInt() @Min(2000) @Max(2100) graduatedYear?: number | null;
  @ApiPropertyOptional({ example: 'disability confirmed by the civil affairs office' })
  @IsOmittable() @IsString() @MaxLength(500) overrideReason?: string;
  @ApiPropertyOptional({ example: false, description: 'drop a standing status override and take the derived status' })
  @IsOmittable() @IsBoolean() clearOverride?: boolean;
}

export class HouseholdListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) townId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) villageId?: string;
  @ApiPropertyOptional({ enum: POVERTY_STATUSES }) @IsOptional() @IsIn(POVERTY_STATUSES) status?: PovertyStatus;
  @ApiPropertyOptional({ example: '王', description: 'part of the head name' }) @IsOptional() @IsString() @MaxLength(50) name?: string;
  @ApiPropertyOptional({ example: EXAMPLE_ID_NUMBER, description: 'exact ID number (required for BANK_OFFICER)' })
  @IsOptional() @Transform(upper) @Matches(/^\d{17}[\dX]$/, { message: 'idNumber must be 18 characters' })
  idNumber?: string;
}

// ─── operating entities ──────────────────────────────────────────────────────────────────────────────────────

export class CreateEntityDto {
  @ApiProperty({ enum: ENTITY_KINDS, example: 'COOPERATIVE' }) @IsIn(ENTITY_KINDS) kind: EntityKind;
  @ApiProperty({ example: '淄川区东坪果蔬专业合作社' }) @Transform(trim) @IsString() @Length(1, 100) name: string;
  @ApiProperty({ example: EXAMPLE_CREDIT_CODE, description: '18-character GB 32100 unified social credit code' })
  @Transform(({ value }) => (typeof value === 'string' ? normalizeCreditCode(value) : value))
  @IsCreditCode()
  creditCode: string;
  @ApiProperty({ example: '1' }) @Matches(ID_PATTERN, ID_MESSAGE) districtId: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '1', description: 'a village of that district, when the entity is village-based' })
  @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) villageId?: string | null;
}

export class UpdateEntityDto {
  @ApiPropertyOptional({ enum: ENTITY_KINDS }) @IsOptional() @IsIn(ENTITY_KINDS) kind?: EntityKind;
  @ApiPropertyOptional({ example: '淄川区东坪果蔬专业合作社' }) @IsOptional() @Transform(trim) @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ example: EXAMPLE_CREDIT_CODE, description: 'corrects a mistyped code; audited' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? normalizeCreditCode(value) : value))
  @IsCreditCode()
  creditCode?: string;
  @ApiPropertyOptional({ type: String, example: '1', nullable: true, description: 'null detaches it from a village' })
  @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) villageId?: string | null;
}

export class EntityListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ENTITY_KINDS }) @IsOptional() @IsIn(ENTITY_KINDS) kind?: EntityKind;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) villageId?: string;
  @ApiPropertyOptional({ example: '合作社' }) @IsOptional() @IsString() @MaxLength(100) name?: string;
  @ApiPropertyOptional({ example: EXAMPLE_CREDIT_CODE, description: 'exact code (required for BANK_OFFICER)' })
  @IsOptional() @Transform(upper) @Matches(/^[0-9A-Z]{18}$/, { message: 'creditCode must be 18 characters' })
  creditCode?: string;
  @ApiPropertyOptional({ example: false }) @IsOptional() @Transform(toBool) @IsBoolean() isAssetIncomeProject?: boolean;
}

export class LinkHouseholdsDto {
  @ApiProperty({ example: ['3', '4', '5'], description: 'POOR households of the entity district' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @Matches(ID_PATTERN, { each: true, message: 'each householdId must be a positive integer id' })
  householdIds: string[];
}

// ─── joint-liability groups ──────────────────────────────────────────────────────────────────────────────────

export class CreateGroupDto {
  @ApiProperty({ example: '1' }) @Matches(ID_PATTERN, ID_MESSAGE) villageId: string;
  @ApiProperty({ example: '东坪村第一联保小组' }) @Transform(trim) @IsString() @Length(1, 100) name: string;
  @ApiProperty({ example: ['1', '2', '3', '4'], description: 'households of the village, 3-5 by default (the fund rules may differ)' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @Matches(ID_PATTERN, { each: true, message: 'each householdId must be a positive integer id' })
  householdIds: string[];
}

export class AddMemberDto {
  @ApiProperty({ example: '5' }) @Matches(ID_PATTERN, ID_MESSAGE) householdId: string;
}

export class DissolveGroupDto {
  @ApiProperty({ example: 'members moved away; remaining households join group 3' })
  @Transform(trim) @IsString() @Length(1, 500)
  reason: string;
}

export class GroupListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) villageId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID_PATTERN, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ enum: GROUP_STATUSES }) @IsOptional() @IsIn(GROUP_STATUSES) status?: (typeof GROUP_STATUSES)[number];
  @ApiPropertyOptional({ example: '联保' }) @IsOptional() @IsString() @MaxLength(100) name?: string;
}

/** Yuan strings that passed @IsYuan, as fen. */
export function fenOf(yuanText: string): bigint {
  const r = parseYuan(yuanText, { allowZero: true });
  if (!r.ok) throw new RangeError(`not a validated amount: ${r.error}`);
  return r.fen;
}
