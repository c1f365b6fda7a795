import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiId, ApiMoney } from '#libs/common';

/** The response bodies of the ledger's read side: accounts, statements, entries and the integrity check. */

const ACCOUNT_TYPES = ['ASSET', 'LIABILITY', 'EQUITY', 'INCOME', 'EXPENSE'];
const LEDGERS = ['MONEY', 'EXPOSURE'];
const SIDES = ['DEBIT', 'CREDIT'];
/** The integrity check reports raw sums in fen (integers as strings), as the database holds them. */
const FEN = { type: String, pattern: '^-?[0-9]+$', description: 'fen' } as const;

export class LedgerAccountResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'MAF:1:CASH' }) code!: string;
  @ApiProperty({ example: 'Mutual-aid fund 1 cash' }) name!: string;
  @ApiProperty({ enum: ACCOUNT_TYPES, example: 'ASSET' }) type!: string;
  @ApiProperty({ enum: SIDES, example: 'DEBIT' }) normalSide!: string;
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: LEDGERS, example: 'MONEY' }) ledger!: string;
  @ApiProperty({ type: String, nullable: true, example: 'MUTUAL_AID_FUND' }) ownerType!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '1' }) ownerId!: string | null;
  @ApiProperty({ example: true, description: 'The account may not go below zero on its normal side' }) noNegative!: boolean;
  @ApiMoney() debits!: string;
  @ApiMoney() credits!: string;
  @ApiMoney({ description: 'On the normal side' }) balance!: string;
}

export class LedgerStatementAccountResponse {
  @ApiProperty({ example: 'MAF:1:CASH' }) code!: string;
  @ApiProperty({ example: 'Mutual-aid fund 1 cash' }) name!: string;
  @ApiProperty({ enum: ACCOUNT_TYPES, example: 'ASSET' }) type!: string;
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: LEDGERS, example: 'MONEY' }) ledger!: string;
  @ApiMoney() balance!: string;
}

export class LedgerStatementLineResponse {
  @ApiId() postingId!: string;
  @ApiId() entryId!: string;
  @ApiProperty({ example: 'LOAN_DISBURSEMENT', description: 'Why the money moved (journal entry code)' }) code!: string;
  @ApiDate({ description: 'The value date of the entry' }) businessDate!: string;
  @ApiProperty({ type: String, nullable: true }) memo!: string | null;
  @ApiProperty({ enum: SIDES, example: 'CREDIT' }) side!: string;
  @ApiMoney() amount!: string;
  @ApiMoney({ description: 'Running balance on the normal side after this posting' }) balanceAfter!: string;
  @ApiDateTime({ description: 'When the entry was recorded' }) postedAt!: string;
}

export class LedgerStatementResponse {
  @ApiProperty({ type: LedgerStatementAccountResponse }) account!: LedgerStatementAccountResponse;
  @ApiProperty({ type: [LedgerStatementLineResponse] }) items!: LedgerStatementLineResponse[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 50 }) pageSize!: number;
  @ApiProperty({ example: 1 }) total!: number;
}

export class JournalEntryPostingResponse {
  @ApiProperty({ example: 'MAF:1:CASH', description: 'Account code' }) account!: string;
  @ApiProperty({ enum: SIDES, example: 'CREDIT' }) side!: string;
  @ApiMoney() amount!: string;
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: LEDGERS, example: 'MONEY' }) ledger!: string;
}

export class JournalEntryResponse {
  @ApiId() id!: string;
  @ApiProperty({ example: 'disburse:loan:42' }) idempotencyKey!: string;
  @ApiProperty({ example: 'LOAN_DISBURSEMENT' }) code!: string;
  @ApiDate({ description: 'The value date' }) businessDate!: string;
  @ApiProperty({ example: 'officer.wang' }) actor!: string;
  @ApiProperty({ type: String, nullable: true }) memo!: string | null;
  @ApiId({ nullable: true, example: null, description: 'The entry this one reverses' }) reversalOf!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiDateTime() createdAt!: string;
  @ApiProperty({ type: [JournalEntryPostingResponse] }) postings!: JournalEntryPostingResponse[];
}

export class LedgerBalanceMismatchResponse {
  @ApiProperty({ example: 'MAF:1:CASH' }) code!: string;
  @ApiProperty(FEN) storedDebits!: string;
  @ApiProperty(FEN) storedCredits!: string;
  @ApiProperty(FEN) replayDebits!: string;
  @ApiProperty(FEN) replayCredits!: string;
}

export class LedgerRunningBalanceMismatchResponse {
  @ApiProperty({ example: 'MAF:1:CASH' }) code!: string;
  @ApiProperty(FEN) balance!: string;
  @ApiProperty(FEN) lastBalanceAfter!: string;
}

export class LedgerUnbalancedEntryResponse {
  @ApiId() entryId!: string;
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: LEDGERS }) ledger!: string;
  @ApiProperty({ ...FEN, nullable: true }) debits!: string | null;
  @ApiProperty({ ...FEN, nullable: true }) credits!: string | null;
}

export class LedgerTotalResponse {
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: LEDGERS, example: 'MONEY' }) ledger!: string;
  @ApiProperty({ ...FEN, example: '100000' }) debits!: string;
  @ApiProperty({ ...FEN, example: '100000' }) credits!: string;
  @ApiProperty({ ...FEN, example: '0' }) net!: string;
}

export class LedgerVerifyResponse {
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiDateTime() checkedAt!: string;
  @ApiProperty({ example: 12 }) accounts!: number;
  @ApiProperty({ example: 40 }) entries!: number;
  @ApiProperty({ example: 96 }) postings!: number;
  @ApiProperty({ type: [LedgerBalanceMismatchResponse], description: 'First 100' }) balanceMismatches!: LedgerBalanceMismatchResponse[];
  @ApiProperty({ type: [LedgerRunningBalanceMismatchResponse], description: 'First 100' })
  runningBalanceMismatches!: LedgerRunningBalanceMismatchResponse[];
  @ApiProperty({ type: [LedgerUnbalancedEntryResponse], description: 'First 100' }) unbalancedEntries!: LedgerUnbalancedEntryResponse[];
  @ApiProperty({ type: [LedgerTotalResponse] }) totals!: LedgerTotalResponse[];
}
