import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNumberString, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { AREA_KINDS, PageQuery, ROLES, type AreaKind, type Role, ID_PATTERN } from '#libs/common';

export class LoginDto {
  @ApiProperty({ example: 'admin' }) @IsString() @MaxLength(64) username: string;
  @ApiProperty({ example: 'admin-demo-pass' }) @IsString() @MaxLength(256) password: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'officer.li' }) @Matches(/^[a-z0-9._-]{3,64}$/, { message: 'username must be 3-64 of [a-z0-9._-]' })
  username: string;
  @ApiProperty({ example: 'Li Wei' }) @IsString() @MinLength(1) @MaxLength(100) displayName: string;
  @ApiProperty({ example: 'a-long-password', minLength: 10 }) @IsString() @MinLength(10) @MaxLength(256) password: string;
  @ApiProperty({ enum: ROLES, example: 'LOAN_OFFICER' }) @IsIn(ROLES) role: Role;
  @ApiPropertyOptional({ example: '1', description: 'required for BANK_OFFICER' }) @IsOptional() @IsNumberString() bankId?: string;
  @ApiPropertyOptional({ enum: AREA_KINDS, default: 'CITY', description: 'FUND_ADMIN, LOAN_OFFICER and AUDITOR may be limited to one district, town or village' })
  @IsOptional() @IsIn(AREA_KINDS) areaKind?: AreaKind;
  @ApiPropertyOptional({ example: '1', description: 'the district, town or village id (with areaKind other than CITY)' })
  @IsOptional() @Matches(ID_PATTERN, { message: 'areaId must be a positive integer' }) areaId?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(100) displayName?: string;
  @ApiPropertyOptional({ enum: ROLES }) @IsOptional() @IsIn(ROLES) role?: Role;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ minLength: 10 }) @IsOptional() @IsString() @MinLength(10) @MaxLength(256) password?: string;
  @ApiPropertyOptional() @IsOptional() @IsNumberString() bankId?: string;
  @ApiPropertyOptional({ enum: AREA_KINDS, description: 'a new area (CITY, or DISTRICT/TOWN/VILLAGE with areaId); ends the user\'s tokens' })
  @IsOptional() @IsIn(AREA_KINDS) areaKind?: AreaKind;
  @ApiPropertyOptional({ example: '1', nullable: true }) @IsOptional() @Matches(ID_PATTERN, { message: 'areaId must be a positive integer' }) areaId?: string;
}

export class UserListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROLES }) @IsOptional() @IsIn(ROLES) role?: Role;
}

/** A user id in a path: a positive integer (anything else is a 400 naming `id`, never a database error). */
export class UserIdParam {
  @ApiProperty({ example: '2' }) @Matches(ID_PATTERN, { message: 'id must be a positive integer' }) id: string;
}
