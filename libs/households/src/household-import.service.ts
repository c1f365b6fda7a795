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
  enumValue,
  flattenValidationErrors,
  localizeRowErrors,
  readSheet,
  RequestContext,
  rowErrors,
  SheetFileError,
  type ColumnSpec,
  type FieldError,
  type SheetEncoding,
  type SheetFormat,
  type SheetRowError,
} from '#libs/common';
import { fenOf, HouseholdImportRow } from './dto.js';
import { GeographyService, type VillageRecord } from './geography.service.js';
import { HouseholdsService } from './households.service.js';

type HouseholdColumn =
  | 'villageCode'
  | 'headName'
  | 'idNumber'
  | 'phone'
  | 'memberCount'
  | 'perCapitaIncome'
  | 'incomeYear'
  | 'status'
  | 'graduatedYear'
  | 'overrideReason';

/**
 * The columns of a household import, Chinese header first: the template's, and every spelling the one header
 * mapper accepts (the camelCase keys of the API too). Columns in any order; optional ones may be absent or empty.
 */
export const HOUSEHOLD_COLUMNS: readonly ColumnSpec<HouseholdColumn>[] = [
  { key: 'villageCode', zh: '村代码', en: 'Village code', required: true, aliases: ['行政村代码', '村编码'], example: '370302106201', note: '12 位行政区划代码，须已在系统中登记' },
  { key: 'headName', zh: '户主姓名', en: 'Head of household', required: true, aliases: ['户主', '姓名'], example: '王秀英' },
  { key: 'idNumber', zh: '身份证号码', en: 'ID number', required: true, aliases: ['身份证号', '户主身份证号', '公民身份号码'], example: '370302198503150027', note: '18 位居民身份证号码，请将单元格设为文本格式以免末位变为 0' },
  { key: 'phone', zh: '联系电话', en: 'Phone', aliases: ['电话', '手机号', '手机号码'], example: '13905331234' },
  { key: 'memberCount', zh: '家庭人口数', en: 'Members', required: true, kind: 'integer', aliases: ['家庭人口', '人口数', '家庭人数'], example: '4', note: '1 至 50 的整数' },
  { key: 'perCapitaIncome', zh: '人均纯收入', en: 'Per-capita income', required: true, kind: 'money', aliases: ['人均收入'], example: '3200.00', note: '单位：元，最多两位小数' },
  { key: 'incomeYear', zh: '收入年度', en: 'Income year', required: true, kind: 'integer', aliases: ['年度'], example: '2016' },
  {
    key: 'status',
    zh: '贫困状态',
    en: 'Status',
    kind: 'enum',
    aliases: ['贫困户属性', '状态'],
    options: [
      { value: 'POOR', zh: '贫困户' },
      { value: 'GRADUATED', zh: '已脱贫' },
      { value: 'NON_POOR', zh: '非贫困户' },
    ],
    note: '留空则按人均纯收入与贫困线认定；填写与认定结果不同的状态须填写例外原因',
  },
  { key: 'graduatedYear', zh: '脱贫年度', en: 'Graduation year', kind: 'integer', aliases: ['脱贫年份'], note: '仅已脱贫户填写' },
  { key: 'overrideReason', zh: '例外原因', en: 'Override reason', aliases: ['状态例外原因'], note: '贫困状态与认定结果不同时必填' },
];

/** The required and optional columns' keys (named in the API description). */
export const IMPORT_REQUIRED_COLUMNS = HOUSEHOLD_COLUMNS.filter((c) => c.required).map((c) => c.key);
export const IMPORT_OPTIONAL_COLUMNS = HOUSEHOLD_COLUMNS.filter((c) => !c.required).map((c) => c.key);
const INTEGER_COLUMNS = new Set(HOUSEHOLD_COLUMNS.filter((c) => c.kind === 'integer').map((c) => c.key));
const STATUS = HOUSEHOLD_COLUMNS.find((c) => c.key === 'status')!;

export type ImportError = SheetRowError;

export interface ImportResult {
  /** a dry run checks every row against every rule, as a real run would, and writes nothing */
  dryRun: boolean;
  format: SheetFormat;
  encoding: SheetEncoding;
  /** data rows read */
  rows: number;
  /** rows that pass every rule (and would be registered by a real run) */
  valid: number;
  /** rows registered: all the valid ones when the whole file is valid and it was not a dry run, else 0 */
  imported: number;
  /** rows whose ID number is already registered: left as they are, so the same file twice registers nothing twice */
  skipped: number;
  /** rows with at least one error */
  failed: number;
  errors: ImportError[];
  /** More errors than `errors` lists (the list is capped). */
  errorsTruncated: boolean;
}

export interface ImportOptions {
  dryRun?: boolean;
  maxReportedErrors?: number;
  maxRows?: number;
  maxBytes?: number;
  encoding?: SheetEncoding;
}

/** Thrown inside the import's transaction to roll it back (a dry run, or a file with an error). */
class RollBack extends Error {}

async function bytesOf(source: Readable | Uint8Array, maxBytes: number): Promise<Buffer> {
  if (source instanceof Uint8Array) return Buffer.from(source);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    n += b.length;
    if (n > maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `an import file holds at most ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Bulk registration from the template (XLSX) or a CSV in UTF-8 (with or without BOM) or GBK/GB18030, with Chinese or
 * English headers (the uploads' one reader and header mapper, #libs/common). All or nothing: every row is checked by
 * every rule HouseholdsService.create applies, inside one transaction; the rows are kept only when none failed and
 * it is not a dry run. Every bad row is reported with its row number (as the spreadsheet shows it), the column as
 * the file names it and the reason in the caller's language. A row whose ID number is already registered is skipped,
 * so importing the same file again registers nothing twice.
 */
@Injectable()
export class HouseholdImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly households: HouseholdsService,
    private readonly geography: GeographyService,
    private readonly audit: AuditService,
  ) {}

  /** The upload (any of the accepted formats; the name is kept from when only CSV was). */
  async importCsv(source: Readable | Uint8Array, opts: ImportOptions = {}): Promise<ImportResult> {
    const maxErrors = opts.maxReportedErrors ?? 1000;
    const bytes = await bytesOf(source, opts.maxBytes ?? 20 * 1024 * 1024);
    let table;
    try {
      table = await readSheet(bytes, HOUSEHOLD_COLUMNS, { maxRows: opts.maxRows ?? 50_000, encoding: opts.encoding });
    } catch (e) {
      if (e instanceof SheetFileError) throw new DomainError('VALIDATION_FAILED', e.detail, e.errors);
      throw e;
    }
    const result: ImportResult = {
      dryRun: Boolean(opts.dryRun),
      format: table.format,
      encoding: table.encoding,
      rows: table.rows.length,
      valid: 0,
      imported: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      errorsTruncated: false,
    };
    if (!table.rows.length)
      throw new DomainError('VALIDATION_FAILED', 'the file holds a header but no rows', [
        { field: 'file', code: 'CSV_EMPTY', message: 'the file holds no rows' },
      ]);
    const fail = (rowNo: number, errors: FieldError[]) => {
      result.failed++;
      for (const e of rowErrors(rowNo, errors, table, HOUSEHOLD_COLUMNS)) {
        if (result.errors.length < maxErrors) result.errors.push(e);
        else result.errorsTruncated = true;
      }
    };
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    try {
      await this.dataSource.transaction(async (m) => {
        const villages = new Map<string, VillageRecord | null>();
        const seen = new Map<string, number>();
        for (const { rowNo, values } of table.rows) {
          const errors = await this.checkRow(m, values, villages, seen, rowNo);
          if (errors === 'skipped') result.skipped++;
          else if (errors.length) fail(rowNo, errors);
          else result.valid++;
        }
        if (result.failed || result.dryRun) throw new RollBack();
        result.imported = result.valid;
        await this.audit.record(m, {
          action: 'HOUSEHOLDS_IMPORTED',
          entityType: 'household_import',
          after: { imported: result.imported, skipped: result.skipped, rows: result.rows, sha256 },
        });
      });
    } catch (e) {
      if (!(e instanceof RollBack)) throw e;
    }
    result.errors = localizeRowErrors(result.errors, RequestContext.lang());
    return result;
  }

  /** Checks one row and registers it in the import's transaction (a savepoint, so a refusal undoes only the row). */
  private async checkRow(
    m: EntityManager,
    raw: Record<HouseholdColumn, string>,
    villages: Map<string, VillageRecord | null>,
    seen: Map<string, number>,
    rowNo: number,
  ): Promise<FieldError[] | 'skipped'> {
    const plain: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(raw) as [HouseholdColumn, string][]) {
      if (t === '') continue;
      if (k === 'status') plain[k] = enumValue(STATUS, t) ?? t;
      else plain[k] = INTEGER_COLUMNS.has(k) && /^\d{1,9}$/.test(t) ? Number(t) : t;
    }
    const row = plainToInstance(HouseholdImportRow, plain);
    const errors = flattenValidationErrors(await validate(row, { whitelist: true, forbidNonWhitelisted: true }));
    if (!errors.some((e) => e.field === 'idNumber')) {
      const first = seen.get(row.idNumber);
      if (first !== undefined)
        errors.push({ field: 'idNumber', code: 'DUPLICATE', message: `the same ID number as row ${first}`, params: { row: first } });
      else seen.set(row.idNumber, rowNo);
      if (first === undefined && (await this.households.findByIdNumber(row.idNumber, m))) return 'skipped';
    }
    let village: VillageRecord | null | undefined;
    if (!errors.some((e) => e.field === 'villageCode')) {
      village = villages.get(row.villageCode);
      if (village === undefined) {
        village = (await this.geography.findVillageByCode(row.villageCode)) ?? null;
        if (villages.size < 10_000) villages.set(row.villageCode, village);
      }
      if (!village) errors.push({ field: 'villageCode', code: 'UNKNOWN_VILLAGE', message: 'no village has this code' });
    }
    if (errors.length || !village) return errors;
    try {
      await m.transaction((inner) =>
        this.households.create(
          {
            villageId: village.id,
            headName: row.headName,
            idNumber: row.idNumber,
            phone: row.phone ?? null,
            memberCount: row.memberCount,
            perCapitaIncomeFen: fenOf(row.perCapitaIncome),
            incomeYear: row.incomeYear,
            status: row.status,
            graduatedYear: row.graduatedYear ?? null,
            overrideReason: row.overrideReason ?? null,
          },
          inner,
        ),
      );
      return [];
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const fieldErrors = e.errors.length ? e.errors : [{ field: '', code: e.code, message: e.detail }];
      return fieldErrors.map((f) => ({ ...f, field: f.field === 'villageId' ? 'villageCode' : f.field, code: f.code ?? e.code }));
    }
  }
}
