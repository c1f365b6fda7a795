import { ApiProperty } from '@nestjs/swagger';
import { ApiDateTime, ApiId, ROLES } from '#libs/common';

/** The response bodies of log-in and user administration. */

export class UserResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'officer.wang' }) username!: string;
  @ApiProperty({ example: '王晓东' }) displayName!: string;
  @ApiProperty({ enum: ROLES, example: 'LOAN_OFFICER' }) role!: string;
  @ApiId({ nullable: true, example: null, description: 'The bank of a BANK_OFFICER; null for other roles' }) bankId!: string | null;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiDateTime() createdAt!: string;
}

export class LoginResponse {
  @ApiProperty({ example: 'eyJ…', description: 'A short-lived bearer token' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ example: 900, description: 'Seconds until the token expires' }) expiresIn!: number;
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
}

/** Who the request acts as: a user (bearer token) or a bank through its API key. */
export class ActorResponse {
  @ApiProperty({ type: Number, nullable: true, example: 7, description: 'null for a bank API key' }) userId!: number | null;
  @ApiProperty({ example: 'officer.wang', description: 'bank-key:<publicId> for a bank API key' }) username!: string;
  @ApiProperty({ enum: ROLES, example: 'LOAN_OFFICER' }) role!: string;
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'The bank of a BANK_OFFICER or API key' }) bankId!: number | null;
  @ApiProperty({ enum: ['jwt', 'api-key', 'system'], example: 'jwt' }) via!: 'jwt' | 'api-key' | 'system';
}
