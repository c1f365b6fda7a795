import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { parse, type CsvError } from 'csv-parse';
import { pipeline, type Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, validatorCode, type FieldError } from '#libs/common';
import { fenOf, HouseholdImportRow } from './dto.js';
import { GeographyService, type VillageRecord } from './geography.service.js';
import { HouseholdsService } from './households.service.js';

/**
 * The CSV columns of a household import (UTF-8, comma-separated, first line = header, any order):
 * villageCode, headName, idNumber, memberCount, perCapitaIncome, incomeYear are required;
 * phone, status, graduatedYear, overrideReason are optional (the column may be absent or the cell empty).
 */
export const IMPORT_REQUIRED_COLUMNS = ['villageCode', 'headName', 'idNumber', 'memberCount', 'perCapitaIncome', 'incomeYear'] as const;
export const IMPORT_OPTIONAL_COLUMNS = ['phone', 'status', 'graduatedYear', 'overrideReason'] as const;
const KNOWN = new Set<string>([...IMPORT_REQUIRED_COLUMNS, ...IMPORT_OPTIONAL_COLUMNS]);
const INTEGER_COLUMNS = new Set(['memberCount', 'incomeYear', 'graduatedYear']);

export interface ImportError {
  /** 1-based line of the file (the header is line 1). */
  line: number;
  field: string;
  code: string;
  message: string;
}

export interface ImportResult {
  imported: number;
  failed: number;
  errors: ImportError[];
  /** More rows failed than `errors` lists (the list is capped). */
  errorsTruncated: boolean;
}

export interface ImportOptions {
  maxReportedErrors?: number;
  maxRows?: number;
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) {
      out.push({ field, code: validatorCode(rule), message });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * Bulk registration from CSV, streamed: the parser reads the request as it arrives and hands over one record at a
 * time (backpressure through async iteration), so a large file never sits in memory as rows. Each row is validated
 * on its own and registered in its own transaction through HouseholdsService.create, so a row is either fully
 * written (household + audit row) or not at all, and one bad row never stops the others. A re-run of the same file
 * reports the already registered rows as duplicates and writes nothing twice.
 */
@Injectable()
export class HouseholdImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly households: HouseholdsService,
    private readonly geography: GeographyService,
    private readonly audit: AuditService,
  ) {}

  async importCsv(source: Readable, opts: ImportOptions = {}): Promise<ImportResult> {
    const maxErrors = opts.maxReportedErrors ?? 1000;
    const maxRows = opts.maxRows ?? 50_000;
    const result: ImportResult = { imported: 0, failed: 0, errors: [], errorsTruncated: false };
    const fail = (errors: ImportError[]) => {
      result.failed++;
      for (const e of errors) {
        if (result.errors.length < maxErrors) result.errors.push(e);
        else result.errorsTruncated = true;
      }
    };

    const parser = parse({
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // a malformed record (stray quote) is reported on its line and the rest of the file still imports
      skip_records_with_error: true,
      record_delimiter: ['\r\n', '\n'],
    });
    // pipeline propagates a broken upload (client gone) into the parser, ending the loop below with an error
    pipeline(source, parser, () => undefined);
    parser.on('skip', (err: CsvError & { lines?: number }) =>
      fail([{ line: err.lines ?? 0, field: '', code: 'CSV_MALFORMED', message: err.message }]),
    );

    let header: string[] | undefined;
    let rows = 0;
    const villages = new Map<string, VillageRecord | null>();
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = this.checkHeader(record);
        continue;
      }
      const line = info.lines;
      if (record.every((v) => v.trim() === '')) continue;
      if (++rows > maxRows) {
        fail([{ line, field: '', code: 'IMPORT_TOO_LARGE', message: `an import holds at most ${maxRows} rows; the rest was not read` }]);
        parser.destroy();
        break;
      }
      if (record.length !== header.length) {
        fail([{ line, field: '', code: 'CSV_FIELD_COUNT', message: `expected ${header.length} fields, found ${record.length}` }]);
        continue;
      }
      const raw: Record<string, string> = {};
      header.forEach((h, i) => (raw[h] = record[i]));
      const errors = await this.importRow(raw, villages);
      if (errors.length) fail(errors.map((e) => ({ line, field: e.field, code: e.code ?? 'INVALID', message: e.message })));
      else result.imported++;
    }
    if (!header) {
      throw new DomainError('VALIDATION_FAILED', 'the CSV file is empty: a header line is required', [
        { field: 'header', code: 'CSV_EMPTY', message: `expected the columns ${[...KNOWN].join(', ')}` },
      ]);
    }
    result.errors.sort((a, b) => a.line - b.line);
    await this.dataSource.transaction((m) =>
      this.audit.record(m, {
        action: 'HOUSEHOLDS_IMPORTED',
        entityType: 'household_import',
        after: { imported: result.imported, failed: result.failed },
      }),
    );
    return result;
  }

  private checkHeader(record: string[]): string[] {
    const header = record.map((h) => h.trim());
    const errors: FieldError[] = [];
    const seen = new Set<string>();
    for (const h of header) {
      if (!KNOWN.has(h)) errors.push({ field: 'header', code: 'CSV_UNKNOWN_COLUMN', message: `unknown column "${h}"` });
      else if (seen.has(h)) errors.push({ field: 'header', code: 'CSV_DUPLICATE_COLUMN', message: `column "${h}" appears twice` });
      seen.add(h);
    }
    for (const r of IMPORT_REQUIRED_COLUMNS) {
      if (!seen.has(r)) errors.push({ field: 'header', code: 'CSV_MISSING_COLUMN', message: `required column "${r}" is missing` });
    }
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'the CSV header is not the documented one; nothing was imported', errors);
    return header;
  }

  /** Validates and registers one row; returns its errors (empty when it was registered). */
  private async importRow(raw: Record<string, string>, villages: Map<string, VillageRecord | null>): Promise<FieldError[]> {
    // Spreadsheets in China often save CSV as GBK: decoded as UTF-8 its bytes become U+FFFD. Refuse the row rather
    // than register a garbled name.
    const garbled = Object.entries(raw).filter(([, v]) => v.includes('\uFFFD'));
    if (garbled.length) {
      return garbled.map(([field]) => ({ field, code: 'CSV_NOT_UTF8', message: 'the file must be UTF-8 (save it as "CSV UTF-8")' }));
    }
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      const t = v.trim();
      if (t === '') continue;
      plain[k] = INTEGER_COLUMNS.has(k) && /^\d{1,9}$/.test(t) ? Number(t) : t;
    }
    const row = plainToInstance(HouseholdImportRow, plain);
    const errors = flatten(await validate(row, { whitelist: true, forbidNonWhitelisted: true }));
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
      await this.households.create({
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
      });
      return [];
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const fieldErrors = e.errors.length ? e.errors : [{ field: '', code: e.code, message: e.detail }];
      return fieldErrors.map((f) => ({
        field: f.field === 'villageId' ? 'villageCode' : f.field,
        code: f.code ?? e.code,
        message: f.message,
      }));
    }
  }
}
