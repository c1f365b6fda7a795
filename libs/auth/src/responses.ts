import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AREA_KINDS, ApiDateTime, ApiId, ROLES } from '#libs/common';

/** The response bodies of log-in and user administration. */

export class UserResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'officer.wang' }) username!: string;
  @ApiProperty({ example: '王晓东' }) displayName!: string;
  @ApiProperty({ enum: ROLES, example: 'LOAN_OFFICER' }) role!: string;
  @ApiId({ nullable: true, example: null, description: 'The bank of a BANK_OFFICER; null for other roles' }) bankId!: string | null;
  @ApiProperty({ enum: AREA_KINDS, example: 'CITY', description: 'CITY, or the kind of area a staff user is limited to' }) areaKind!: string;
  @ApiId({ nullable: true, example: null, description: 'The district, town or village (null for CITY)' }) areaId!: string | null;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiDateTime() createdAt!: string;
}

export class LoginResponse {
  @ApiProperty({ example: 'eyJ…', description: 'A short-lived bearer token' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ example: 900, description: 'Seconds until the token expires' }) expiresIn!: number;
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
}

/** The area a staff user is limited to, with the district (and town, village) it lies in. */
export class ActorAreaResponse {
  @ApiProperty({ enum: ['DISTRICT', 'TOWN', 'VILLAGE'], example: 'DISTRICT' }) kind!: string;
  @ApiId() id!: string;
  @ApiId() districtId!: string;
  @ApiId({ nullable: true, example: null }) townId!: string | null;
  @ApiId({ nullable: true, example: null }) villageId!: string | null;
}

/** Who the request acts as: a user (bearer token) or a bank through its API key. */
export class ActorResponse {
  @ApiProperty({ type: Number, nullable: true, example: 7, description: 'null for a bank API key' }) userId!: number | null;
  @ApiProperty({ example: 'officer.wang', description: 'bank-key:<publicId> for a bank API key' }) username!: string;
  @ApiProperty({ enum: ROLES, example: 'LOAN_OFFICER' }) role!: string;
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'The bank of a BANK_OFFICER or API key' }) bankId!: number | null;
  @ApiProperty({ enum: ['jwt', 'api-key', 'system'], example: 'jwt' }) via!: 'jwt' | 'api-key' | 'system';
  @ApiPropertyOptional({ type: ActorAreaResponse, description: 'Absent for the whole city' }) area?: ActorAreaResponse;
}
