import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiId, ApiMoney } from '#libs/common';
import { ENTITY_LINK_COUNTING_RULES, type EntityLinkCounting } from './domain/entity-links.js';
import { POVERTY_STATUSES, type PovertyStatus } from './domain/poverty-status.js';
import { ENTITY_KINDS, EXAMPLE_CREDIT_CODE, EXAMPLE_ID_NUMBER, type EntityKind } from './dto.js';

/** The response bodies of the registry: households, geography, joint-liability groups and operating entities. */

export class HouseholdResponse {
  @ApiId() id!: string;
  @ApiId() villageId!: string;
  @ApiProperty({ example: '370302106201' }) villageCode!: string;
  @ApiProperty({ example: '东坪村' }) villageName!: string;
  @ApiId() townId!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '王秀英' }) headName!: string;
  @ApiProperty({ example: EXAMPLE_ID_NUMBER, description: 'Masked (3703**********0027) for AUDITOR and BANK_OFFICER' }) idNumber!: string;
  @ApiDate({ nullable: true, description: 'null for the roles that read masked data', example: '1985-03-15' }) birthDate!: string | null;
  @ApiProperty({ example: 41, description: 'Age of the head on the business date' }) age!: number;
  @ApiProperty({ enum: ['M', 'F'], example: 'F' }) sex!: 'M' | 'F';
  @ApiProperty({ type: String, nullable: true, example: '13905331234', description: 'Masked for AUDITOR and BANK_OFFICER' }) phone!: string | null;
  @ApiProperty({ example: 4 }) memberCount!: number;
  @ApiMoney({ example: '3200.00' }) perCapitaIncome!: string;
  @ApiProperty({ example: 2016 }) incomeYear!: number;
  @ApiProperty({ enum: POVERTY_STATUSES, example: 'POOR', description: 'The official status (derived, or overridden with a reason)' }) status!: PovertyStatus;
  @ApiProperty({ type: Number, nullable: true, example: null }) graduatedYear!: number | null;
  @ApiProperty({ enum: POVERTY_STATUSES, example: 'POOR', description: 'What income and the poverty line say' }) derivedStatus!: PovertyStatus;
  @ApiProperty({ example: false }) statusOverridden!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'null for BANK_OFFICER' }) overrideReason!: string | null;
  @ApiId({ nullable: true, example: null, description: 'The joint-liability group it belongs to' }) groupId!: string | null;
  @ApiId({ nullable: true, example: '3', description: 'The operating entity whose credit line its poverty status counts toward' })
  countedForEntityId!: string | null;
  @ApiProperty({ example: false }) personalDataMasked!: boolean;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class HouseholdImportErrorResponse {
  @ApiProperty({ example: 3, description: '1-based line of the file (the header is line 1)' }) line!: number;
  @ApiProperty({ example: 'idNumber' }) field!: string;
  @ApiProperty({ example: 'DUPLICATE' }) code!: string;
  @ApiProperty({ example: 'a household with this ID number is already registered' }) message!: string;
}

export class HouseholdImportResponse {
  @ApiProperty({ example: 1 }) imported!: number;
  @ApiProperty({ example: 1 }) failed!: number;
  @ApiProperty({ type: [HouseholdImportErrorResponse] }) errors!: HouseholdImportErrorResponse[];
  @ApiProperty({ example: false, description: 'More rows failed than `errors` lists (the list is capped)' }) errorsTruncated!: boolean;
}

export class DistrictResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: '370302' }) code!: string;
  @ApiProperty({ example: '淄川区' }) name!: string;
  @ApiProperty({ example: true, description: '脱贫任务重: the district must hold the minimum risk fund' }) heavyTask!: boolean;
  @ApiProperty({ enum: ENTITY_LINK_COUNTING_RULES, example: 'EARLIEST_LINK' }) entityLinkCounting!: EntityLinkCounting;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class TownResponse {
  @ApiId() id!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370302106' }) code!: string;
  @ApiProperty({ example: '岭子镇' }) name!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class VillageResponse {
  @ApiId() id!: string;
  @ApiId() townId!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '370302106201' }) code!: string;
  @ApiProperty({ example: '东坪村' }) name!: string;
  @ApiProperty({ example: true, description: 'Asset-income pilot village (资产收益试点)' }) isPilot!: boolean;
  @ApiProperty({ example: '岭子镇' }) townName!: string;
  @ApiProperty({ example: '淄川区' }) districtName!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class PovertyLineResponse {
  @ApiId() id!: string;
  @ApiId({ nullable: true, example: null, description: 'null: the city-wide line' }) districtId!: string | null;
  @ApiProperty({ enum: ['CITY', 'DISTRICT'], example: 'CITY' }) scope!: 'CITY' | 'DISTRICT';
  @ApiProperty({ example: 2016 }) year!: number;
  @ApiMoney({ example: '3560.00' }) line!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Zibo 2016 line (source case)' }) note!: string | null;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

/** A group as listed (and as a household's group): member ids, no member details. */
export class LiabilityGroupResponse {
  @ApiId() id!: string;
  @ApiId() villageId!: string;
  @ApiId() districtId!: string;
  @ApiProperty({ example: '东坪村第一联保小组' }) name!: string;
  @ApiProperty({ enum: ['ACTIVE', 'DISSOLVED'], example: 'ACTIVE' }) status!: 'ACTIVE' | 'DISSOLVED';
  @ApiProperty({ type: [String], example: ['1', '2', '3', '4'], description: 'Member household ids, ascending' }) memberIds!: string[];
  @ApiProperty({ example: 4 }) size!: number;
  @ApiDateTime({ nullable: true, example: null }) dissolvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) dissolutionReason!: string | null;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

export class LiabilityGroupMemberResponse {
  @ApiId() householdId!: string;
  @ApiProperty({ example: '王秀英' }) headName!: string;
  @ApiProperty({ example: EXAMPLE_ID_NUMBER, description: 'Masked for AUDITOR' }) idNumber!: string;
  @ApiProperty({ enum: POVERTY_STATUSES, example: 'POOR' }) status!: PovertyStatus;
  @ApiDateTime() joinedAt!: string;
}

/** A group with its members. */
export class LiabilityGroupDetailResponse extends LiabilityGroupResponse {
  @ApiProperty({ type: [LiabilityGroupMemberResponse] }) members!: LiabilityGroupMemberResponse[];
}

export class OperatingEntityResponse {
  @ApiId() id!: string;
  @ApiProperty({ enum: ENTITY_KINDS, example: 'COOPERATIVE' }) kind!: EntityKind;
  @ApiProperty({ example: '淄川区东坪果蔬专业合作社' }) name!: string;
  @ApiProperty({ example: EXAMPLE_CREDIT_CODE }) creditCode!: string;
  @ApiId() districtId!: string;
  @ApiId({ nullable: true }) villageId!: string | null;
  @ApiProperty({ example: false, description: 'Set by the asset-income scheme; read-only here' }) isAssetIncomeProject!: boolean;
  @ApiProperty({ example: 3, description: 'Linked households POOR now whose counted link is this entity (sizes its credit line)' })
  linkedPoorCount!: number;
  @ApiProperty({ example: 1, description: 'Linked households POOR now but counted toward another entity' }) linkedPoorCountedElsewhere!: number;
  @ApiProperty({ example: 4 }) linkedHouseholdCount!: number;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}

/** A household linked to an entity: the household view with the link. */
export class EntityLinkedHouseholdResponse extends HouseholdResponse {
  @ApiDateTime() linkedAt!: string;
  @ApiProperty({ example: true, description: 'POOR now and this entity is its counted link' }) counts!: boolean;
  @ApiProperty({ example: false, description: 'POOR now and counted toward another entity (see countedForEntityId)' }) countedElsewhere!: boolean;
}
