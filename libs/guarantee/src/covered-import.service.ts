import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  domainFieldErrors,
  enumValue,
  flattenValidationErrors,
  runSheetImport,
  type ColumnSpec,
  type FieldError,
  type SheetImportOptions,
  type SheetImportResult,
  type SheetRowOutcome,
} from '#libs/common';
import { EntitiesService, HouseholdsService } from '#libs/households';
import { RegisterCoveredLoanDto } from './covered-dto.js';
import { CoveredLoanRegistration, ownBank } from './covered-loans.registration.service.js';
import { CoveredLoansStore } from './store/covered-loans.store.js';

type CoveredColumn =
  | 'bankLoanRef'
  | 'borrowerType'
  | 'borrowerCode'
  | 'productCode'
  | 'amount'
  | 'termMonths'
  | 'annualRatePercent'
  | 'purpose'
  | 'disbursementDate';

/** The columns of a bank's covered-loan registration in bulk: one row per loan, the borrower by its ID or credit code. */
export const COVERED_LOAN_COLUMNS: readonly ColumnSpec<CoveredColumn>[] = [
  { key: 'bankLoanRef', zh: '银行贷款编号', en: 'Bank loan ref', required: true, aliases: ['贷款编号', '借据号', 'bank_loan_ref'], example: 'ZB2026-000123', note: '本行贷款编号，不可重复；已登记的编号将跳过' },
  {
    key: 'borrowerType',
    zh: '借款人类型',
    en: 'Borrower type',
    required: true,
    kind: 'enum',
    aliases: ['借款主体类型'],
    options: [
      { value: 'HOUSEHOLD', zh: '农户' },
      { value: 'ENTITY', zh: '经营主体' },
    ],
    example: '农户',
  },
  {
    key: 'borrowerCode',
    zh: '借款人证件号码',
    en: 'Borrower ID or credit code',
    required: true,
    aliases: ['身份证号码', '统一社会信用代码', '证件号码'],
    example: '370302198503150027',
    note: '农户填户主身份证号码，经营主体填统一社会信用代码；须已在系统中登记',
  },
  { key: 'productCode', zh: '产品代码', en: 'Product code', required: true, aliases: ['贷款产品代码', '产品'], example: 'HH_MICRO_STD' },
  { key: 'amount', zh: '贷款金额', en: 'Amount', required: true, kind: 'money', aliases: ['金额', '放款金额'], example: '30000.00', note: '单位：元' },
  { key: 'termMonths', zh: '期限（月）', en: 'Term months', required: true, kind: 'integer', aliases: ['贷款期限', '期限'], example: '12' },
  { key: 'annualRatePercent', zh: '年利率', en: 'Annual rate percent', kind: 'percent', aliases: ['执行利率', '利率'], example: '4.35', note: '百分数，如 4.35；留空则取产品在放款日适用的利率' },
  { key: 'purpose', zh: '借款用途', en: 'Purpose', required: true, aliases: ['用途'], example: 'BREEDING', note: '产品允许的生产性用途代码' },
  { key: 'disbursementDate', zh: '放款日期', en: 'Disbursement date', required: true, kind: 'date', aliases: ['发放日期'], example: '2026-03-01', note: '今天或以前：登记为已放款；以后（60 天内）：登记为已审批待放款' },
];
const BORROWER_TYPE = COVERED_LOAN_COLUMNS.find((c) => c.key === 'borrowerType')!;

/**
 * A bank's covered loans registered in bulk from the template or a CSV (UTF-8 or GBK): each row through the
 * guarantee's single registration (every borrower and cover rule) inside one transaction, all or nothing, with a
 * dry run. A reference the bank has registered already is skipped, so the same file twice registers nothing twice.
 */
@Injectable()
export class CoveredLoanImport {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registration: CoveredLoanRegistration,
    private readonly households: HouseholdsService,
    private readonly entities: EntitiesService,
    private readonly store: CoveredLoansStore,
    private readonly audit: AuditService,
  ) {}

  importFile(source: Readable | Uint8Array, opts: SheetImportOptions = {}): Promise<SheetImportResult> {
    const bankId = ownBank();
    return runSheetImport<CoveredColumn, Map<string, number>>(
      source,
      {
        columns: COVERED_LOAN_COLUMNS,
        transaction: (fn) => this.dataSource.transaction(fn),
        start: () => new Map(),
        row: (m, values, rowNo, seen) => this.row(m, bankId, values, rowNo, seen),
        finish: (m, result, sha256) =>
          this.audit.record(m, {
            action: 'COVERED_LOANS_IMPORTED',
            entityType: 'bank',
            entityId: bankId,
            after: { imported: result.imported, skipped: result.skipped, rows: result.rows, sha256 },
          }),
      },
      opts,
    );
  }

  private async row(
    m: EntityManager,
    bankId: string,
    raw: Record<CoveredColumn, string>,
    rowNo: number,
    seen: Map<string, number>,
  ): Promise<SheetRowOutcome> {
    const borrowerType = raw.borrowerType ? (enumValue(BORROWER_TYPE, raw.borrowerType) ?? raw.borrowerType) : undefined;
    let borrowerId: string | undefined;
    const errors: FieldError[] = [];
    if (!raw.borrowerCode) errors.push({ field: 'borrowerCode', code: 'REQUIRED', message: 'borrowerCode is required' });
    else if (borrowerType === 'HOUSEHOLD') {
      borrowerId = (await this.households.findByIdNumber(raw.borrowerCode, m))?.id;
      if (!borrowerId) errors.push({ field: 'borrowerCode', code: 'HOUSEHOLD_NOT_FOUND', message: `no household is registered with ID number ${raw.borrowerCode}` });
    } else if (borrowerType === 'ENTITY') {
      borrowerId = (await this.entities.findByCreditCode(raw.borrowerCode, m))?.id;
      if (!borrowerId) errors.push({ field: 'borrowerCode', code: 'UNKNOWN_ENTITY', message: `no operating entity is registered with credit code ${raw.borrowerCode}` });
    }
    const plain: Record<string, unknown> = {
      bankLoanRef: raw.bankLoanRef || undefined,
      borrowerType,
      productCode: raw.productCode || undefined,
      amount: raw.amount || undefined,
      termMonths: raw.termMonths ? (/^\d{1,9}$/.test(raw.termMonths) ? Number(raw.termMonths) : raw.termMonths) : undefined,
      purpose: raw.purpose || undefined,
      disbursementDate: raw.disbursementDate || undefined,
      ...(raw.annualRatePercent ? { annualRatePercent: raw.annualRatePercent } : {}),
      ...(borrowerType === 'HOUSEHOLD' ? { householdId: borrowerId ?? '1' } : {}),
      ...(borrowerType === 'ENTITY' ? { entityId: borrowerId ?? '1' } : {}),
    };
    const dto = plainToInstance(RegisterCoveredLoanDto, plain);
    errors.push(...flattenValidationErrors(await validate(dto, { whitelist: true })).filter((e) => e.field !== 'householdId' && e.field !== 'entityId'));
    if (dto.bankLoanRef && !errors.some((e) => e.field === 'bankLoanRef')) {
      const first = seen.get(dto.bankLoanRef);
      if (first !== undefined)
        errors.push({ field: 'bankLoanRef', code: 'DUPLICATE', message: `the same reference as row ${first}`, params: { row: first } });
      else seen.set(dto.bankLoanRef, rowNo);
    }
    if (errors.length) return errors;
    if (await this.store.bankRefTaken(m, bankId, dto.bankLoanRef)) return 'skipped';
    try {
      await m.transaction((inner) => this.registration.register(dto, `sheet-${dto.bankLoanRef}`, inner));
      return [];
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return domainFieldErrors(e, (f) => (f === 'householdId' || f === 'entityId' ? 'borrowerCode' : f));
    }
  }
}
