import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney } from '#libs/common';

/** The response bodies of the close of business: runs, portfolio snapshots and group-liability calls. */

export class CobCheckpointResponse {
  @ApiProperty({ enum: ['LOANS', 'COVERED', 'SNAPSHOTS'], example: 'LOANS' }) step!: string;
  @ApiProperty({ example: '1250', description: 'The last row id the step has done' }) lastId!: string;
  @ApiProperty({ example: 1 }) batches!: number;
  @ApiProperty({ example: 1250 }) rowsDone!: number;
  @ApiProperty({ example: true }) done!: boolean;
}

export class CobRunResponse {
  @ApiDate({ example: '2026-05-31' }) businessDate!: string;
  @ApiProperty({ enum: ['RUNNING', 'COMPLETED', 'FAILED'], example: 'COMPLETED' }) status!: string;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ example: 1250 }) loansProcessed!: number;
  @ApiProperty({ example: 1 }) batches!: number;
  @ApiProperty({ example: 320, description: 'BANK_COVERED loans examined by the covered step' }) coveredProcessed!: number;
  @ApiProperty({ example: 2 }) callsRaised!: number;
  @ApiProperty({ example: 1 }) callsCleared!: number;
  @ApiProperty({ example: 3 }) snapshots!: number;
  @ApiProperty({ example: 'scheduler' }) triggeredBy!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) lastError!: string | null;
  @ApiDateTime() startedAt!: string;
  @ApiDateTime({ nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: [CobCheckpointResponse] }) checkpoints!: CobCheckpointResponse[];
}

@ApiExtraModels(CobRunResponse)
export class CobRunStartResponse {
  @ApiDate({ example: '2026-05-31' }) businessDate!: string;
  @ApiProperty({ type: String, nullable: true, example: 'cob.2026-05-31', description: 'null when the date is already closed and no rerun was asked' })
  jobId!: string | null;
  @ApiProperty({ example: 'waiting', description: 'The worker job state (waiting, active, completed …)' }) jobState!: string;
  // a nullable reference written out: Nest would add `type: object` beside the allOf, which closes the object
  @ApiProperty({ nullable: true, allOf: [{ $ref: getSchemaPath(CobRunResponse) }], description: 'The run of that date so far, if any' })
  run!: CobRunResponse | null;
}

export class PortfolioBucketsResponse {
  @ApiMoney({ example: '150000.00' }) current!: string;
  @ApiMoney({ example: '7000.00' }) dpd1To30!: string;
  @ApiMoney({ example: '5000.00' }) dpd31To60!: string;
  @ApiMoney({ example: '0.00' }) dpd61To90!: string;
  @ApiMoney({ example: '0.00' }) dpd90Plus!: string;
}

export class PortfolioSnapshotResponse {
  @ApiId() fundId!: string;
  @ApiDate({ example: '2026-05-31' }) businessDate!: string;
  @ApiProperty({ example: 41 }) activeLoans!: number;
  @ApiMoney({ example: '162000.00' }) outstanding!: string;
  @ApiProperty({ type: PortfolioBucketsResponse, description: 'Outstanding principal by days overdue' }) byBucket!: PortfolioBucketsResponse;
  @ApiProperty({ example: 3 }) overdueLoans!: number;
  @ApiMoney({ example: '9000.00' }) overduePrincipal!: string;
  @ApiMoney({ example: '410.00' }) overdueInterest!: string;
  @ApiMoney({ example: '35.12' }) penaltyOutstanding!: string;
  @ApiProperty({ example: 0 }) nonPerformingLoans!: number;
  @ApiMoney({ example: '5000.00' }) par30!: string;
  @ApiDecimal({ nullable: true, example: '3.09', description: 'null when there is nothing outstanding' }) par30Percent!: string | null;
  @ApiMoney({ example: '12100.00', description: 'Principal and fee of the instalments due in the 30 days up to the date' }) dueLast30Days!: string;
  @ApiMoney({ example: '11159.00' }) paidLast30Days!: string;
  @ApiDecimal({ nullable: true, example: '92.22', description: 'paidLast30Days ÷ dueLast30Days; null when nothing fell due' })
  repaymentRatePercent!: string | null;
  @ApiMoney({ example: '0.00' }) writtenOff!: string;
  @ApiProperty({ example: 1 }) openLiabilityCalls!: number;
}

export class GroupLiabilityCallResponse {
  @ApiId({ example: '5' }) id!: string;
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'MA-2026-000042' }) loanNo!: string;
  @ApiId({ nullable: true, example: '1' }) fundId!: string | null;
  @ApiId({ example: '3' }) groupId!: string;
  @ApiId({ nullable: true, example: '17' }) borrowerHouseholdId!: string | null;
  @ApiDate({ example: '2026-05-31' }) raisedOn!: string;
  @ApiMoney({ example: '5115.62' }) amountDue!: string;
  @ApiProperty({ enum: ['OPEN', 'CLEARED'], example: 'OPEN' }) status!: 'OPEN' | 'CLEARED';
  @ApiDate({ nullable: true, example: null }) clearedOn!: string | null;
  @ApiProperty({ type: [String], example: ['18', '19'], description: 'Household ids of the co-obligors' }) coObligors!: string[];
}
