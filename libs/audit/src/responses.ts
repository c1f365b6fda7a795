import { ApiProperty } from '@nestjs/swagger';
import { ApiDateTime, ApiId } from '#libs/common';

/** One entry of the audit trail. */
export class AuditEntryResponse {
  @ApiId() id!: string;
  @ApiDateTime() at!: string;
  @ApiId({ nullable: true, example: '1', description: 'The user; null for a bank API key or the system' }) actorId!: string | null;
  @ApiProperty({ example: 'admin' }) actor!: string;
  @ApiProperty({ example: 'ADMIN' }) role!: string;
  @ApiProperty({ example: 'USER_CREATED' }) action!: string;
  @ApiProperty({ example: 'user' }) entityType!: string;
  @ApiProperty({ type: String, nullable: true, example: '7' }) entityId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: null, description: 'The entity before the change' })
  before!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: { id: '7', username: 'officer.wang', role: 'LOAN_OFFICER' } })
  after!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, example: 'b8d4c1e2-6f0a-4e55-9d7e-0c3f2a1b9e44' }) requestId!: string | null;
}
