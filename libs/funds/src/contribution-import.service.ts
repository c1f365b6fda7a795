import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  domainFieldErrors,
  flattenValidationErrors,
  runSheetImport,
  type ColumnSpec,
  type FieldError,
  type SheetImportOptions,
  type SheetImportResult,
  type SheetRowOutcome,
} from '#libs/common';
import { ContributionsService } from './contributions.service.js';
import { ContributionDto } from './dto.js';
import { MembersStore } from './store/members.store.js';

type ContributionColumn = 'idNumber' | 'headName' | 'amount' | 'receivedOn' | 'year';

/** The columns of a fund's member-contribution import: one row per share paid (入股). */
export const CONTRIBUTION_COLUMNS: readonly ColumnSpec<ContributionColumn>[] = [
  { key: 'idNumber', zh: '身份证号码', en: 'ID number', required: true, aliases: ['户主身份证号码', '身份证号', '社员身份证号码'], example: '370302198503150027', note: '本村已登记农户的户主身份证号码，请将单元格设为文本格式' },
  { key: 'headName', zh: '户主姓名', en: 'Head of household', aliases: ['姓名', '社员姓名'], example: '王秀英', note: '仅供核对，不导入' },
  { key: 'amount', zh: '入股金额', en: 'Amount', required: true, kind: 'money', aliases: ['缴款金额', '金额', '股金'], example: '1000.00', note: '单位：元，最多两位小数' },
  { key: 'receivedOn', zh: '缴款日期', en: 'Received on', required: true, kind: 'date', aliases: ['入股日期', '日期'], example: '2026-03-01', note: '不得晚于今天' },
  { key: 'year', zh: '年度', en: 'Year', kind: 'integer', aliases: ['预算年度'], example: '2026', note: '留空则取缴款日期所在年度' },
];

/**
 * A mutual-aid fund's member shares (入股) in bulk, from the template or a CSV (UTF-8 or GBK): every row through
 * ContributionsService inside one transaction (all or nothing, dry run). Each row is keyed by the fund, the member,
 * the date and the amount, so a row already recorded (the same file again, by anyone) is skipped, not paid in twice.
 */
@Injectable()
export class ContributionImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly contributions: ContributionsService,
    private readonly members: MembersStore,
    private readonly audit: AuditService,
  ) {}

  importFile(fundId: string, source: Readable | Uint8Array, opts: SheetImportOptions = {}): Promise<SheetImportResult> {
    return runSheetImport<ContributionColumn, Map<string, number>>(
      source,
      {
        columns: CONTRIBUTION_COLUMNS,
        transaction: (fn) => this.dataSource.transaction(fn),
        start: () => new Map(),
        row: (m, values, rowNo, seen) => this.row(m, fundId, values, rowNo, seen),
        finish: (m, result, sha256) =>
          this.audit.record(m, {
            action: 'FUND_CONTRIBUTIONS_IMPORTED',
            entityType: 'mutual_aid_fund',
            entityId: fundId,
            after: { imported: result.imported, skipped: result.skipped, rows: result.rows, sha256 },
          }),
      },
      opts,
    );
  }

  private async row(
    m: EntityManager,
    fundId: string,
    raw: Record<ContributionColumn, string>,
    rowNo: number,
    seen: Map<string, number>,
  ): Promise<SheetRowOutcome> {
    const dto = plainToInstance(ContributionDto, {
      source: 'MEMBER',
      amount: raw.amount || undefined,
      receivedOn: raw.receivedOn || undefined,
      ...(raw.year ? { year: /^\d{1,9}$/.test(raw.year) ? Number(raw.year) : raw.year } : {}),
    });
    const errors: FieldError[] = flattenValidationErrors(await validate(dto, { whitelist: true }));
    if (!raw.receivedOn && !errors.some((e) => e.field === 'receivedOn'))
      errors.push({ field: 'receivedOn', code: 'REQUIRED', message: 'receivedOn is required' });
    let householdId: string | undefined;
    if (!raw.idNumber) errors.push({ field: 'idNumber', code: 'REQUIRED', message: 'idNumber is required' });
    else {
      householdId = (await this.members.householdByIdNumber(m, raw.idNumber))?.id;
      if (!householdId) errors.push({ field: 'idNumber', code: 'HOUSEHOLD_NOT_FOUND', message: `no household is registered with ID number ${raw.idNumber}` });
    }
    if (errors.length || !householdId) return errors;
    const input = { ...dto.toInput(), householdId };
    const rowKey = [fundId, householdId, input.receivedOn, String(input.amountFen), input.year ?? ''].join('|');
    const first = seen.get(rowKey);
    if (first !== undefined)
      return [{ field: 'amount', code: 'DUPLICATE', message: `the same share as row ${first}`, params: { row: first } }];
    seen.set(rowKey, rowNo);
    const key = `sheet-${createHash('sha256').update(rowKey).digest('hex').slice(0, 40)}`;
    if (await this.members.importedShare(m, fundId, householdId, key)) return 'skipped';
    try {
      const { replayed } = await m.transaction((inner) => this.contributions.contributeIn(inner, fundId, input, key));
      return replayed ? 'skipped' : [];
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      if (e.code === 'NOT_FOUND' || e.code === 'FORBIDDEN') throw e;
      return domainFieldErrors(e, (f) => (f === 'householdId' ? 'idNumber' : f === 'amountFen' ? 'amount' : f));
    }
  }
}
