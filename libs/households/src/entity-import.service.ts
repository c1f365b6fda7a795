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
  splitList,
  type ColumnSpec,
  type FieldError,
  type SheetImportOptions,
  type SheetImportResult,
  type SheetRowOutcome,
} from '#libs/common';
import { CreateEntityDto, type EntityKind } from './dto.js';
import { EntitiesService } from './entities.service.js';
import { GeographyService } from './geography.service.js';
import { HouseholdsService } from './households.service.js';

type EntityColumn = 'kind' | 'name' | 'creditCode' | 'districtCode' | 'villageCode' | 'linkedIdNumbers';

/** The columns of an operating-entity import: one row per entity, the households it links by ID number in one cell. */
export const ENTITY_COLUMNS: readonly ColumnSpec<EntityColumn>[] = [
  {
    key: 'kind',
    zh: '主体类型',
    en: 'Kind',
    required: true,
    kind: 'enum',
    aliases: ['经营主体类型', '类型'],
    options: [
      { value: 'ENTERPRISE', zh: '企业' },
      { value: 'COOPERATIVE', zh: '农民专业合作社' },
      { value: 'FAMILY_FARM', zh: '家庭农场' },
    ],
    example: '农民专业合作社',
  },
  { key: 'name', zh: '主体名称', en: 'Name', required: true, aliases: ['经营主体名称', '名称', '企业名称'], example: '淄川区东坪果蔬专业合作社' },
  {
    key: 'creditCode',
    zh: '统一社会信用代码',
    en: 'Credit code',
    required: true,
    aliases: ['信用代码', '社会信用代码'],
    example: '93370302MA3CQ8X17E',
    note: '18 位统一社会信用代码（GB 32100）；已登记的代码不再新建，只补充带动农户',
  },
  { key: 'districtCode', zh: '县区代码', en: 'District code', required: true, aliases: ['县（区）代码', '区县代码'], example: '370302', note: '6 位行政区划代码' },
  { key: 'villageCode', zh: '村代码', en: 'Village code', aliases: ['行政村代码', '所在村代码'], example: '370302106201', note: '以村为基地的主体填写；须属于上述县区' },
  {
    key: 'linkedIdNumbers',
    zh: '带动农户身份证号码',
    en: 'Linked ID numbers',
    aliases: ['带动农户', '带动贫困户身份证号码'],
    example: '370302198503150027、37030219720708151X',
    note: '本县区已登记贫困户的户主身份证号码，以顿号、逗号、分号或空格分隔',
  },
];
const KIND = ENTITY_COLUMNS.find((c) => c.key === 'kind')!;

interface EntityImportState {
  districts: Map<string, string | null>;
  codes: Map<string, number>;
}

/**
 * Bulk registration of operating entities and the households they link, from the template or a CSV (UTF-8 or GBK):
 * each row through EntitiesService.create and .link inside the import's one transaction (all or nothing, dry run).
 * An entity whose credit code is registered is not created again; its listed households are linked when they are not
 * yet, and a row that changes nothing is skipped, so the same file twice registers nothing twice.
 */
@Injectable()
export class EntityImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly entities: EntitiesService,
    private readonly households: HouseholdsService,
    private readonly geography: GeographyService,
    private readonly audit: AuditService,
  ) {}

  importFile(source: Readable | Uint8Array, opts: SheetImportOptions = {}): Promise<SheetImportResult> {
    return runSheetImport<EntityColumn, EntityImportState>(
      source,
      {
        columns: ENTITY_COLUMNS,
        transaction: (fn) => this.dataSource.transaction(fn),
        start: () => ({ districts: new Map(), codes: new Map() }),
        row: (m, values, rowNo, state) => this.row(m, values, rowNo, state),
        finish: (m, result, sha256) =>
          this.audit.record(m, {
            action: 'ENTITIES_IMPORTED',
            entityType: 'operating_entity_import',
            after: { imported: result.imported, skipped: result.skipped, rows: result.rows, sha256 },
          }),
      },
      opts,
    );
  }

  private async row(m: EntityManager, raw: Record<EntityColumn, string>, rowNo: number, state: EntityImportState): Promise<SheetRowOutcome> {
    let districtId: string | null | undefined;
    if (raw.districtCode) {
      districtId = state.districts.get(raw.districtCode);
      if (districtId === undefined) {
        districtId = (await this.geography.findDistrictByCode(raw.districtCode, m))?.id ?? null;
        state.districts.set(raw.districtCode, districtId);
      }
    }
    const village = raw.villageCode ? await this.geography.findVillageByCode(raw.villageCode, m) : undefined;
    const plain: Record<string, unknown> = {
      kind: raw.kind ? (enumValue(KIND, raw.kind) ?? raw.kind) : undefined,
      name: raw.name || undefined,
      creditCode: raw.creditCode || undefined,
      districtId: districtId ?? '1',
      ...(village ? { villageId: village.id } : {}),
    };
    const dto = plainToInstance(CreateEntityDto, plain);
    const errors: FieldError[] = flattenValidationErrors(await validate(dto, { whitelist: true }))
      .filter((e) => e.field !== 'districtId' && e.field !== 'villageId');
    if (!raw.districtCode) errors.push({ field: 'districtCode', code: 'REQUIRED', message: 'districtCode is required' });
    else if (!districtId) errors.push({ field: 'districtCode', code: 'UNKNOWN_DISTRICT', message: 'no district has this code' });
    if (raw.villageCode && !village) errors.push({ field: 'villageCode', code: 'UNKNOWN_VILLAGE', message: 'no village has this code' });
    if (!errors.some((e) => e.field === 'creditCode')) {
      const first = state.codes.get(dto.creditCode);
      if (first !== undefined)
        errors.push({ field: 'creditCode', code: 'DUPLICATE', message: `the same credit code as row ${first}`, params: { row: first } });
      else state.codes.set(dto.creditCode, rowNo);
    }
    const householdIds: string[] = [];
    for (const idNumber of splitList(raw.linkedIdNumbers)) {
      const h = await this.households.findByIdNumber(idNumber, m);
      if (h) householdIds.push(h.id);
      else errors.push({ field: 'linkedIdNumbers', code: 'HOUSEHOLD_NOT_FOUND', message: `no household is registered with ID number ${idNumber}` });
    }
    if (errors.length || !districtId) return errors;
    try {
      return await m.transaction(async (inner) => {
        const existing = await this.entities.findByCreditCode(dto.creditCode, inner);
        const entity =
          existing ??
          (await this.entities.create(
            { kind: dto.kind as EntityKind, name: dto.name, creditCode: dto.creditCode, districtId: districtId!, villageId: village?.id ?? null },
            inner,
          ));
        const after = householdIds.length ? await this.entities.link(entity.id, householdIds, inner) : entity;
        return existing && after.linkedHouseholdCount === existing.linkedHouseholdCount ? 'skipped' : [];
      });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return domainFieldErrors(e, (f) =>
        f === 'villageId' ? 'villageCode' : f === 'districtId' ? 'districtCode' : f.startsWith('householdId') ? 'linkedIdNumbers' : f,
      );
    }
  }
}
