import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One bad cell of an import, as the spreadsheet shows it. */
export class SheetImportErrorResponse {
  @ApiProperty({ example: 3, description: 'the row as the spreadsheet shows it (the header is row 1)' }) row!: number;
  @ApiProperty({ example: '*成员身份证号码', description: "the column's header as written in the file" }) column!: string;
  @ApiProperty({ example: 'memberIdNumbers' }) field!: string;
  @ApiProperty({ example: 'HOUSEHOLD_NOT_FOUND' }) code!: string;
  @ApiProperty({ example: '农户不存在', description: "in the caller's language (Accept-Language)" }) message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'the figures the message names' })
  params?: Record<string, string | number>;
}

/** The outcome of an all-or-nothing bulk import (runSheetImport). */
export class SheetImportResponse {
  @ApiProperty({ example: false, description: 'a dry run checks every row by every rule and writes nothing' }) dryRun!: boolean;
  @ApiProperty({ enum: ['CSV', 'XLSX'], example: 'XLSX' }) format!: 'CSV' | 'XLSX';
  @ApiProperty({ enum: ['UTF-8', 'GB18030'], example: 'UTF-8' }) encoding!: 'UTF-8' | 'GB18030';
  @ApiProperty({ example: 2, description: 'data rows read' }) rows!: number;
  @ApiProperty({ example: 2, description: 'rows that pass every rule' }) valid!: number;
  @ApiProperty({ example: 2, description: 'rows written (0 unless every row passes and it is not a dry run)' }) imported!: number;
  @ApiProperty({ example: 0, description: 'rows already imported (the same file again): left as they are' }) skipped!: number;
  @ApiProperty({ example: 0 }) failed!: number;
  @ApiProperty({ type: [SheetImportErrorResponse] }) errors!: SheetImportErrorResponse[];
  @ApiProperty({ example: false, description: 'More errors than `errors` lists (the list is capped)' }) errorsTruncated!: boolean;
}
