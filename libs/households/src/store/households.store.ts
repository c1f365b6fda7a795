import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, queryOne, queryRows } from '#libs/common';
import { countedEntitySql } from './entities.store.js';
import type { HouseholdRow } from './rows.generated.js';

/** A household row read with its village, town, district and group (the shape every read of the registry uses). */
export type HouseholdJoinedRow = Omit<HouseholdRow, 'birth_date'> & {
  birth_date: string | Date;
  village_code: string;
  village_name: string;
  town_id: string;
  district_id: string;
  group_id: string | null;
  /** The operating entity the household counts for, by its district's link-counting rule (null: not linked). */
  counted_entity_id: string | null;
};

/** The columns a registration or an edit writes. */
export interface HouseholdValues {
  villageId: string;
  headName: string;
  idNumber: string;
  birthDate: string;
  phone: string | null;
  memberCount: number;
  perCapitaIncomeFen: string;
  incomeYear: number;
  status: HouseholdRow['status'];
  graduatedYear: number | null;
  derivedStatus: HouseholdRow['derived_status'];
  statusOverrideReason: string | null;
}

export interface HouseholdListWhere {
  districtId?: string;
  townId?: string;
  villageId?: string;
  status?: HouseholdRow['status'];
  /** an ILIKE pattern */
  namePattern?: string;
  idNumber?: string;
}

const SELECT = `SELECT h.*, v.code AS village_code, v.name AS village_name, v.town_id, v.district_id, gm.group_id,
    ${countedEntitySql('h.id')} AS counted_entity_id
  FROM households h JOIN villages v ON v.id = h.village_id
  LEFT JOIN liability_group_members gm ON gm.household_id = h.id`;

const valuesOf = (v: HouseholdValues): unknown[] => [
  v.villageId,
  v.headName,
  v.idNumber,
  v.birthDate,
  v.phone,
  v.memberCount,
  v.perCapitaIncomeFen,
  v.incomeYear,
  v.status,
  v.graduatedYear,
  v.derivedStatus,
  v.statusOverrideReason,
];

/** All SQL over `households`, and the reads of other libraries' tables that a household's edit checks. */
@Injectable()
export class HouseholdsStore {
  find(m: EntityManager, id: string, lock = false): Promise<HouseholdJoinedRow | undefined> {
    return queryOne<HouseholdJoinedRow>(m, `${SELECT} WHERE h.id = $1${lock ? ' FOR UPDATE OF h' : ''}`, [
      id,
    ]);
  }

  findByIdNumber(m: EntityManager, idNumber: string): Promise<HouseholdJoinedRow | undefined> {
    return queryOne<HouseholdJoinedRow>(m, `${SELECT} WHERE h.id_number = $1`, [idNumber]);
  }

  getMany(m: EntityManager, ids: readonly string[]): Promise<HouseholdJoinedRow[]> {
    return queryRows<HouseholdJoinedRow>(m, `${SELECT} WHERE h.id = ANY($1::bigint[]) ORDER BY h.id`, [
      [...ids],
    ]);
  }

  /** The id of the household registered under the ID number, other than `exceptId`. */
  async idOfIdNumber(m: EntityManager, idNumber: string, exceptId?: string): Promise<string | undefined> {
    const row = exceptId
      ? await queryOne<{ id: string }>(m, `SELECT id FROM households WHERE id_number = $1 AND id <> $2`, [
          idNumber,
          exceptId,
        ])
      : await queryOne<{ id: string }>(m, `SELECT id FROM households WHERE id_number = $1`, [idNumber]);
    return row?.id;
  }

  /**
   * Inserts the household; undefined when the ID number is taken (ON CONFLICT keeps the transaction usable when a
   * concurrent registration of the same person wins the race).
   */
  async insert(m: EntityManager, v: HouseholdValues): Promise<string | undefined> {
    const rows = await queryRows<{ id: string }>(
      m,
      `INSERT INTO households (village_id, head_name, id_number, birth_date, phone, member_count, per_capita_income_fen,
                               income_year, status, graduated_year, derived_status, status_override_reason)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (id_number) DO NOTHING RETURNING id`,
      valuesOf(v),
    );
    return rows[0]?.id;
  }

  /** Rewrites the household's columns (a unique violation on the ID number propagates). */
  async update(m: EntityManager, id: string, v: HouseholdValues): Promise<void> {
    await m.query(
      `UPDATE households SET village_id = $2, head_name = $3, id_number = $4, birth_date = $5, phone = $6, member_count = $7,
              per_capita_income_fen = $8, income_year = $9, status = $10, graduated_year = $11, derived_status = $12,
              status_override_reason = $13, updated_at = now()
        WHERE id = $1`,
      [id, ...valuesOf(v)],
    );
  }

  async list(
    m: EntityManager,
    filter: HouseholdListWhere,
    limit: number,
    offset: number,
  ): Promise<{ total: number; rows: HouseholdJoinedRow[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.townId) where.push(`v.town_id = $${params.push(filter.townId)}`);
    if (filter.villageId) where.push(`h.village_id = $${params.push(filter.villageId)}`);
    if (filter.status) where.push(`h.status = $${params.push(filter.status)}`);
    if (filter.namePattern) where.push(`h.head_name ILIKE $${params.push(filter.namePattern)}`);
    if (filter.idNumber) where.push(`h.id_number = $${params.push(filter.idNumber)}`);
    where.push(areaCondition(params, { district: 'v.district_id', town: 'v.town_id', village: 'h.village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM households h JOIN villages v ON v.id = h.village_id ${clause}`,
      params,
    );
    const rows = await queryRows<HouseholdJoinedRow>(
      m,
      `${SELECT} ${clause} ORDER BY h.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { total, rows };
  }

  /** Whether the household has any loan at the bank (a bank officer sees only its own borrowers). */
  async hasLoanAtBank(
    m: EntityManager,
    householdId: string,
    bankId: number | string | null,
  ): Promise<boolean> {
    const row = await queryOne(m, `SELECT 1 FROM loans WHERE household_id = $1 AND bank_id = $2 LIMIT 1`, [
      householdId,
      bankId,
    ]);
    return row !== undefined;
  }

  /** An active fund membership of the household in a fund of another village than `villageId`. */
  async fundElsewhere(m: EntityManager, householdId: string, villageId: string): Promise<string | undefined> {
    const row = await queryOne<{ fund_id: string }>(
      m,
      `SELECT fm.fund_id FROM fund_members fm JOIN mutual_aid_funds f ON f.id = fm.fund_id
        WHERE fm.household_id = $1 AND fm.status = 'ACTIVE' AND f.village_id <> $2 LIMIT 1`,
      [householdId, villageId],
    );
    return row?.fund_id;
  }

  /** A loan of the household whose status is not one of `finished`. */
  async openLoan(
    m: EntityManager,
    householdId: string,
    finished: readonly string[],
  ): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(
      m,
      `SELECT id FROM loans WHERE household_id = $1 AND status <> ALL($2::text[]) LIMIT 1`,
      [householdId, [...finished]],
    );
    return row?.id;
  }

  /** An operating entity the household is linked to. */
  async linkedEntity(m: EntityManager, householdId: string): Promise<string | undefined> {
    const row = await queryOne<{ entity_id: string }>(
      m,
      `SELECT entity_id FROM entity_linked_households WHERE household_id = $1 LIMIT 1`,
      [householdId],
    );
    return row?.entity_id;
  }
}
