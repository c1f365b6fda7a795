import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiId, ApiMoney, PageOf } from '#libs/common';
import { RECON_RUN_STATUSES, RECON_FORMATS, RECON_STORED_CATEGORIES } from './labels.js';

/** Response DTOs of the reconciliation API: each describes exactly the JSON its handler returns (views.ts). */

export class ReconRunRowCountsResponse {
  @ApiProperty({ example: 100000 }) total!: number;
  @ApiProperty({ example: 99990 }) valid!: number;
  @ApiProperty({ example: 10 }) malformed!: number;
}

export class ReconMatchedSummaryResponse {
  @ApiProperty({ example: 99800 }) count!: number;
  @ApiMoney() outstanding!: string;
  @ApiMoney() overduePrincipal!: string;
}

export class ReconAmountDifferencesSummaryResponse {
  @ApiProperty({ example: 120 }) count!: number;
  @ApiMoney() bankOutstanding!: string;
  @ApiMoney() engineOutstanding!: string;
  @ApiMoney({ description: 'bank − engine' }) outstandingDifference!: string;
  @ApiMoney() bankOverduePrincipal!: string;
  @ApiMoney() engineOverduePrincipal!: string;
  @ApiMoney({ description: 'bank − engine' }) overduePrincipalDifference!: string;
}

export class ReconStatusDifferencesSummaryResponse {
  @ApiProperty({ example: 40 }) count!: number;
  @ApiMoney() bankOutstanding!: string;
  @ApiMoney() engineOutstanding!: string;
}

export class ReconOnlyInBankSummaryResponse {
  @ApiProperty({ example: 30 }) count!: number;
  @ApiMoney() bankOutstanding!: string;
  @ApiMoney() bankOverduePrincipal!: string;
}

export class ReconOnlyInEngineSummaryResponse {
  @ApiProperty({ example: 5 }) count!: number;
  @ApiMoney() engineOutstanding!: string;
  @ApiMoney() engineOverduePrincipal!: string;
}

export class ReconMalformedSummaryResponse {
  @ApiProperty({ example: 10 }) count!: number;
}

export class ReconRunSummaryResponse {
  @ApiProperty({ type: () => ReconMatchedSummaryResponse }) matched!: ReconMatchedSummaryResponse;
  @ApiProperty({ type: () => ReconAmountDifferencesSummaryResponse })
  amountDifferences!: ReconAmountDifferencesSummaryResponse;
  @ApiProperty({ type: () => ReconStatusDifferencesSummaryResponse })
  statusDifferences!: ReconStatusDifferencesSummaryResponse;
  @ApiProperty({ type: () => ReconOnlyInBankSummaryResponse }) onlyInBank!: ReconOnlyInBankSummaryResponse;
  @ApiProperty({ type: () => ReconOnlyInEngineSummaryResponse })
  onlyInEngine!: ReconOnlyInEngineSummaryResponse;
  @ApiProperty({ type: () => ReconMalformedSummaryResponse }) malformed!: ReconMalformedSummaryResponse;
}

export class ReconRunResponse {
  @ApiId() id!: string;
  @ApiId() bankId!: string;
  @ApiProperty({ example: 'ZBRCB' }) bankCode!: string;
  @ApiDate() asOfDate!: string;
  @ApiProperty({ enum: [...RECON_FORMATS] }) format!: string;
  @ApiProperty({
    description: 'SHA-256 of the file, hex',
    example: '9f2c5d0e4b8a1f3c7d6e5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706',
  })
  contentHash!: string;
  @ApiProperty({ example: 6281044 }) byteSize!: number;
  @ApiProperty({ enum: [...RECON_RUN_STATUSES] }) status!: string;
  @ApiProperty({ type: () => ReconRunRowCountsResponse }) rows!: ReconRunRowCountsResponse;
  @ApiProperty({ type: () => ReconRunSummaryResponse }) summary!: ReconRunSummaryResponse;
  @ApiProperty({ example: 'bank-key:k7m2p9x4c3vq' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime({ nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 5900 }) durationMs!: number | null;
}
export const ReconRunPage = PageOf(ReconRunResponse);

export class ReconLineSideResponse {
  @ApiMoney({ nullable: true }) outstandingPrincipal!: string | null;
  @ApiMoney({ nullable: true }) overduePrincipal!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0 }) overdueDays!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'NORMAL' }) status!: string | null;
}

export class ReconLineDifferenceResponse {
  @ApiMoney({ nullable: true, description: 'bank − engine' }) outstandingPrincipal!: string | null;
  @ApiMoney({ nullable: true, description: 'bank − engine' }) overduePrincipal!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0, description: 'bank − engine' }) overdueDays!:
    number | null;
}

export class ReconLineErrorResponse {
  @ApiProperty({ example: 'outstanding_principal' }) field!: string;
  @ApiProperty({ example: 'INVALID' }) code!: string;
  @ApiProperty({ example: 'not an amount in yuan' }) message!: string;
}

export class ReconLineResponse {
  @ApiId() id!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 57,
    description: 'Null for a loan only the engine has',
  })
  lineNo!: number | null;
  @ApiProperty({ enum: [...RECON_STORED_CATEGORIES] })
  category!: string;
  @ApiProperty() amountDiffers!: boolean;
  @ApiProperty() statusDiffers!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'ZB2026000123' }) bankLoanRef!: string | null;
  @ApiId({ nullable: true }) loanId!: string | null;
  @ApiProperty({ type: () => ReconLineSideResponse }) bank!: ReconLineSideResponse;
  @ApiProperty({ type: () => ReconLineSideResponse }) engine!: ReconLineSideResponse;
  @ApiProperty({ type: () => ReconLineDifferenceResponse }) difference!: ReconLineDifferenceResponse;
  @ApiProperty({
    type: () => [ReconLineErrorResponse],
    nullable: true,
    description: 'Why a malformed line was refused',
  })
  errors!: ReconLineErrorResponse[] | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'The malformed line as read' })
  raw!: string | null;
}
export const ReconLinePage = PageOf(ReconLineResponse);
