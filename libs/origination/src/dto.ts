import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsOmittable, PageQuery, ID_PATTERN as ID } from '#libs/common';
import { IsYuan, parseYuan, type Fen } from '#libs/money';
import { PURPOSES } from '#libs/products';
import { IsCalendarDate } from '#libs/schedules';
import type { ApplicationInput, ApplicationPatch } from './applications.service.js';
import { LOAN_STATUSES, PENDING_STATUSES, type LoanStatus } from './domain/workflow.js';

const ID_MESSAGE = { message: '$property must be a positive integer id' };
const PRODUCT_REF = /^([1-9]\d{0,17}|[A-Z][A-Z0-9_]{1,39})$/;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The validators ran first: a failure here is a programming error, not bad input. */
function fen(text: string): Fen {
  const r = parseYuan(text);
  if (!r.ok) throw new RangeError(`unvalidated amount ${text}`);
  return r.fen;
}

export class LoanIdParam {
  @ApiProperty({ example: '42' }) @Matches(ID, ID_MESSAGE) id: string;
}

export class CreateApplicationDto {
  @ApiProperty({ example: '17', description: 'the borrowing household (a member of its village fund)' })
  @Matches(ID, ID_MESSAGE)
  householdId: string;

  @ApiProperty({ example: 'MUTUAL_AID_STD', description: 'a MUTUAL_AID product, by id or code; its current version is taken' })
  @Matches(PRODUCT_REF, { message: 'productId must be a product id or code' })
  productId: string;

  @ApiProperty({ example: '5000.00', description: 'principal in yuan' }) @IsYuan() amount: string;

  @ApiProperty({ example: 12 }) @IsInt() @Min(1) @Max(360) termMonths: number;

  @ApiProperty({ enum: PURPOSES, example: 'BREEDING' }) @IsIn(PURPOSES) purpose: string;

  @ApiPropertyOptional({
    type: String,
    example: '3',
    nullable: true,
    description: "the endorsing joint-liability group; left out: the household's group; null: none",
  })
  @IsOptional()
  @Matches(ID, ID_MESSAGE)
  groupId?: string | null;

  toInput(): ApplicationInput {
    return {
      householdId: this.householdId,
      productId: this.productId,
      amountFen: fen(this.amount),
      termMonths: this.termMonths,
      purpose: this.purpose,
      groupId: this.groupId,
    };
  }
}

export class UpdateApplicationDto {
  @ApiPropertyOptional({ example: '17' }) @IsOmittable() @Matches(ID, ID_MESSAGE) householdId?: string;
  @ApiPropertyOptional({ example: 'MUTUAL_AID_STD' })
  @IsOmittable()
  @Matches(PRODUCT_REF, { message: 'productId must be a product id or code' })
  productId?: string;
  @ApiPropertyOptional({ example: '4000.00' }) @IsOmittable() @IsYuan() amount?: string;
  @ApiPropertyOptional({ example: 10 }) @IsOmittable() @IsInt() @Min(1) @Max(360) termMonths?: number;
  @ApiPropertyOptional({ enum: PURPOSES, example: 'PLANTING' }) @IsOmittable() @IsIn(PURPOSES) purpose?: string;
  @ApiPropertyOptional({ type: String, example: '3', nullable: true, description: 'null: no group' })
  @IsOptional()
  @Matches(ID, ID_MESSAGE)
  groupId?: string | null;
  @ApiPropertyOptional({ example: 1, description: 'the version you read: 409 if the draft changed since' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  version?: number;

  toPatch(): ApplicationPatch {
    return {
      householdId: this.householdId,
      productId: this.productId,
      amountFen: this.amount === undefined ? undefined : fen(this.amount),
      termMonths: this.termMonths,
      purpose: this.purpose,
      groupId: this.groupId,
    };
  }
}

export class VersionDto {
  @ApiPropertyOptional({ example: 2, description: 'the version you read: 409 LOAN_VERSION_CONFLICT if the loan changed since' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class EndorseDto extends VersionDto {
  @ApiProperty({
    example: '2026-06-01 小组会议：王秀英、李建国、张桂兰一致同意为刘志强提供联保',
    description: "the group members' consent, as recorded by the loan officer",
  })
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  note: string;
}

export class ApproveDto extends VersionDto {
  @ApiPropertyOptional({ example: 'committee meeting 2026-06-02' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  comment?: string;
}

export class ApplicationReasonDto extends VersionDto {
  @ApiProperty({ example: 'villager objection: the cattle are already financed by a relative' })
  @Transform(trim)
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class DisburseDto {
  @ApiPropertyOptional({
    example: '2026-06-05',
    description: "business date of the payout; defaults to today (Asia/Shanghai); never after today",
  })
  @IsOptional()
  @IsCalendarDate()
  businessDate?: string;
}

export class ReviewQueueQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, ID_MESSAGE) fundId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, ID_MESSAGE) villageId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ enum: PENDING_STATUSES, description: 'default: SUBMITTED and GROUP_ENDORSED' })
  @IsOptional()
  @IsIn(PENDING_STATUSES)
  status?: LoanStatus;
}

export class LoanListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, ID_MESSAGE) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, ID_MESSAGE) villageId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID, ID_MESSAGE) fundId?: string;
  @ApiPropertyOptional({ example: '17' }) @IsOptional() @Matches(ID, ID_MESSAGE) householdId?: string;
  @ApiPropertyOptional({ enum: LOAN_STATUSES }) @IsOptional() @IsIn(LOAN_STATUSES) status?: LoanStatus;
  @ApiPropertyOptional({ enum: ['MUTUAL_AID', 'BANK_COVERED'] })
  @IsOptional()
  @IsIn(['MUTUAL_AID', 'BANK_COVERED'])
  channel?: 'MUTUAL_AID' | 'BANK_COVERED';
  @ApiPropertyOptional({ enum: ['APPLICATION', 'DISBURSEMENT', 'MATURITY'], default: 'APPLICATION', description: 'the date from/to bound' })
  @IsOptional()
  @IsIn(['APPLICATION', 'DISBURSEMENT', 'MATURITY'])
  dateField?: 'APPLICATION' | 'DISBURSEMENT' | 'MATURITY';
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

export class HistoryQuery extends PageQuery {}
