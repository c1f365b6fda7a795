import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  domainFieldErrors,
  runSheetImport,
  splitList,
  type ColumnSpec,
  type FieldError,
  type SheetImportOptions,
  type SheetImportResult,
  type SheetRowOutcome,
} from '#libs/common';
import { GeographyService, type VillageRecord } from './geography.service.js';
import { GroupsService } from './groups.service.js';
import { HouseholdsService } from './households.service.js';

type GroupColumn = 'villageCode' | 'name' | 'memberIdNumbers';

/** The columns of a joint-liability group import: one row per group, its members by ID number in one cell. */
export const GROUP_COLUMNS: readonly ColumnSpec<GroupColumn>[] = [
  { key: 'villageCode', zh: '村代码', en: 'Village code', required: true, aliases: ['行政村代码', '村编码'], example: '370302106201', note: '12 位行政区划代码，须已在系统中登记' },
  { key: 'name', zh: '小组名称', en: 'Group name', required: true, aliases: ['联保小组名称', '联保小组', '组名'], example: '东坪村第一联保小组' },
  {
    key: 'memberIdNumbers',
    zh: '成员身份证号码',
    en: 'Member ID numbers',
    required: true,
    aliases: ['成员身份证号', '组员身份证号码', 'members'],
    example: '370302198503150027、37030219720708151X、370302196911020013',
    note: '本村已登记农户的户主身份证号码，以顿号、逗号、分号或空格分隔；人数须符合本村互助资金章程（默认 3 至 5 户）',
  },
];

interface GroupImportState {
  villages: Map<string, VillageRecord | null>;
  names: Map<string, number>;
  households: Map<string, number>;
}

/**
 * Bulk formation of joint-liability groups from the template or a CSV (UTF-8 or GBK): each row through
 * GroupsService.create inside the import's one transaction, so a dry run checks every rule a real run would. A row
 * whose group already exists (same village, name and members) is skipped: the same file twice forms nothing twice.
 */
@Injectable()
export class GroupImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly groups: GroupsService,
    private readonly households: HouseholdsService,
    private readonly geography: GeographyService,
    private readonly audit: AuditService,
  ) {}

  importFile(source: Readable | Uint8Array, opts: SheetImportOptions = {}): Promise<SheetImportResult> {
    return runSheetImport<GroupColumn, GroupImportState>(
      source,
      {
        columns: GROUP_COLUMNS,
        transaction: (fn) => this.dataSource.transaction(fn),
        start: () => ({ villages: new Map(), names: new Map(), households: new Map() }),
        row: (m, values, rowNo, state) => this.row(m, values, rowNo, state),
        finish: (m, result, sha256) =>
          this.audit.record(m, {
            action: 'GROUPS_IMPORTED',
            entityType: 'liability_group_import',
            after: { imported: result.imported, skipped: result.skipped, rows: result.rows, sha256 },
          }),
      },
      opts,
    );
  }

  private async row(m: EntityManager, raw: Record<GroupColumn, string>, rowNo: number, state: GroupImportState): Promise<SheetRowOutcome> {
    const errors: FieldError[] = [];
    for (const c of GROUP_COLUMNS)
      if (c.required && !raw[c.key]) errors.push({ field: c.key, code: 'REQUIRED', message: `${c.key} is required` });
    if (raw.name.length > 100)
      errors.push({ field: 'name', code: 'maxLength', message: 'name must be shorter than or equal to 100 characters', params: { max: 100 } });
    let village: VillageRecord | null | undefined;
    if (raw.villageCode) {
      village = state.villages.get(raw.villageCode);
      if (village === undefined) {
        village = (await this.geography.findVillageByCode(raw.villageCode, m)) ?? null;
        state.villages.set(raw.villageCode, village);
      }
      if (!village) errors.push({ field: 'villageCode', code: 'UNKNOWN_VILLAGE', message: 'no village has this code' });
    }
    if (village && raw.name) {
      const key = `${village.id}\u0000${raw.name}`;
      const first = state.names.get(key);
      if (first !== undefined)
        errors.push({ field: 'name', code: 'DUPLICATE', message: `the same group as row ${first}`, params: { row: first } });
      else state.names.set(key, rowNo);
    }
    const householdIds: string[] = [];
    for (const idNumber of splitList(raw.memberIdNumbers)) {
      const h = await this.households.findByIdNumber(idNumber, m);
      if (!h) {
        errors.push({ field: 'memberIdNumbers', code: 'HOUSEHOLD_NOT_FOUND', message: `no household is registered with ID number ${idNumber}` });
        continue;
      }
      const first = state.households.get(h.id);
      if (first !== undefined && first !== rowNo)
        errors.push({ field: 'memberIdNumbers', code: 'DUPLICATE', message: `${idNumber} is a member in row ${first} too`, params: { row: first } });
      state.households.set(h.id, rowNo);
      householdIds.push(h.id);
    }
    if (errors.length || !village) return errors;
    const existing = householdIds.length ? await this.groups.groupOf(householdIds[0], m) : null;
    if (
      existing &&
      existing.villageId === village.id &&
      existing.name === raw.name &&
      existing.memberIds.length === new Set(householdIds).size &&
      householdIds.every((id) => existing.memberIds.includes(id))
    )
      return 'skipped';
    try {
      const villageId = village.id;
      await m.transaction((inner) => this.groups.create({ villageId, name: raw.name, householdIds }, { manager: inner }));
      return [];
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return domainFieldErrors(e, (f) => (f === 'villageId' ? 'villageCode' : f.startsWith('householdId') ? 'memberIdNumbers' : f));
    }
  }
}
