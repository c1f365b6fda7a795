import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';

export const CONTRIBUTION_TARGETS = ['MUTUAL_AID_FUND', 'RISK_FUND', 'SUBSIDY_PROGRAMME'] as const;
export const CONTRIBUTION_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER'] as const;
export type ContributionTarget = (typeof CONTRIBUTION_TARGETS)[number];
export type ContributionSource = (typeof CONTRIBUTION_SOURCES)[number];

/** A `contributions` row as read back (ids and fen as text, `received_on` as 'YYYY-MM-DD'). */
export interface ContributionRow {
  id: string;
  target_type: ContributionTarget;
  target_id: string;
  district_id: string | null;
  source: ContributionSource;
  amount_fen: string;
  year: number;
  document_ref: string | null;
  received_on: string;
  household_id: string | null;
  fiscal_funded: boolean;
  soe_name: string | null;
  soe_profit_base_fen: string | null;
  entry_id: string;
  idempotency_key: string;
  created_by: string;
  created_at: Date;
}

/** The columns of a new contribution row; `id` when the caller reserved it (see `nextId`). */
export interface ContributionInsert {
  id?: string;
  targetType: ContributionTarget;
  targetId: string;
  districtId: string | null;
  source: ContributionSource;
  amountFen: bigint;
  year: number;
  documentRef: string | null;
  receivedOn: string;
  householdId: string | null;
  fiscalFunded: boolean;
  soeName: string | null;
  soeProfitBaseFen: bigint | null;
  entryId: string;
  idempotencyKey: string;
  createdBy: string;
}

/** Filter of the register over every fund kind (the funding API's contributions list). */
export interface ContributionRegisterFilter {
  targetType?: ContributionTarget;
  targetId?: string;
  source?: ContributionSource;
  year?: number;
  districtId?: string;
  from?: string;
  to?: string;
  documentRef?: string;
  soeName?: string;
  householdId?: string;
  fiscalFunded?: boolean;
}

/** A register row with the names of its target and district. */
export interface ContributionListRow extends ContributionRow {
  district_name: string | null;
  target_name: string | null;
}

const ROW = `c.id::text, c.target_type, c.target_id::text, c.district_id::text, c.source, c.amount_fen::text, c.year,
  c.document_ref, c.received_on, c.household_id::text, c.fiscal_funded, c.soe_name, c.soe_profit_base_fen::text,
  c.entry_id::text, c.idempotency_key, c.created_by, c.created_at`;

const like = (s: string) => `%${s.replace(/[%_\\]/g, '\\$&')}%`;

function whereOf(filter: ContributionRegisterFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.targetType) where.push(`c.target_type = $${params.push(filter.targetType)}`);
  if (filter.targetId) where.push(`c.target_id = $${params.push(filter.targetId)}`);
  if (filter.source) where.push(`c.source = $${params.push(filter.source)}`);
  if (filter.year !== undefined) where.push(`c.year = $${params.push(filter.year)}`);
  if (filter.districtId) where.push(`c.district_id = $${params.push(filter.districtId)}`);
  if (filter.householdId) where.push(`c.household_id = $${params.push(filter.householdId)}`);
  if (filter.fiscalFunded !== undefined) where.push(`c.fiscal_funded = $${params.push(filter.fiscalFunded)}`);
  if (filter.from) where.push(`c.received_on >= $${params.push(filter.from)}`);
  if (filter.to) where.push(`c.received_on <= $${params.push(filter.to)}`);
  if (filter.documentRef) where.push(`c.document_ref ILIKE $${params.push(like(filter.documentRef))}`);
  if (filter.soeName) where.push(`c.soe_name ILIKE $${params.push(like(filter.soeName))}`);
  where.push(
    areaCondition(params, {
      district: 'c.district_id',
      village: `(SELECT f.village_id FROM mutual_aid_funds f WHERE c.target_type = 'MUTUAL_AID_FUND' AND f.id = c.target_id)`,
    }),
  );
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** All SQL over `contributions`, the register of money paid into every fund kind (owned by this library). */
@Injectable()
export class ContributionsStore {
  /** Reserves the next id, for callers whose ledger idempotency key names the contribution before it is written. */
  async nextId(m: EntityManager): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('contributions', 'id'))::text AS id`,
    );
    return id;
  }

  async insert(m: EntityManager, c: ContributionInsert): Promise<ContributionRow> {
    const [row] = await queryRows<ContributionRow>(
      m,
      `INSERT INTO contributions (id, target_type, target_id, district_id, source, amount_fen, year, document_ref, received_on,
                                  household_id, fiscal_funded, soe_name, soe_profit_base_fen, entry_id, idempotency_key, created_by)
       VALUES (coalesce($1::bigint, nextval(pg_get_serial_sequence('contributions', 'id'))),
               $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       RETURNING ${ROW.replace(/c\./g, '')}`,
      [
        c.id ?? null,
        c.targetType,
        c.targetId,
        c.districtId,
        c.source,
        c.amountFen.toString(),
        c.year,
        c.documentRef,
        c.receivedOn,
        c.householdId,
        c.fiscalFunded,
        c.soeName,
        c.soeProfitBaseFen === null ? null : c.soeProfitBaseFen.toString(),
        c.entryId,
        c.idempotencyKey,
        c.createdBy,
      ],
    );
    return row;
  }

  async findByIdempotencyKey(m: EntityManager, key: string): Promise<ContributionRow | undefined> {
    return queryOne<ContributionRow>(m, `SELECT ${ROW} FROM contributions c WHERE c.idempotency_key = $1`, [
      key,
    ]);
  }

  /** Count and fen sum per source of the contributions matching `filter`. */
  async sumsBySource(
    m: EntityManager,
    filter: ContributionRegisterFilter,
  ): Promise<{ source: ContributionSource; n: number; sum: string }[]> {
    const { clause, params } = whereOf(filter);
    return queryRows(
      m,
      `SELECT c.source, count(*)::int AS n, sum(c.amount_fen)::text AS sum FROM contributions c ${clause} GROUP BY c.source ORDER BY c.source`,
      params,
    );
  }

  /** A page of the register, newest document date first, with the target's and district's names. */
  async page(
    m: EntityManager,
    filter: ContributionRegisterFilter,
    page: PageQuery,
  ): Promise<ContributionListRow[]> {
    const { clause, params } = whereOf(filter);
    return queryRows<ContributionListRow>(
      m,
      `SELECT ${ROW}, d.name AS district_name,
              CASE c.target_type WHEN 'MUTUAL_AID_FUND' THEN (SELECT name FROM mutual_aid_funds WHERE id = c.target_id)
                                 WHEN 'RISK_FUND' THEN (SELECT name FROM risk_funds WHERE id = c.target_id)
                                 ELSE (SELECT name FROM subsidy_programmes WHERE id = c.target_id) END AS target_name
         FROM contributions c LEFT JOIN districts d ON d.id = c.district_id
        ${clause} ORDER BY c.received_on DESC, c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  /** Count and fen sum of the contributions matching `filter`. */
  async total(m: EntityManager, filter: ContributionRegisterFilter): Promise<{ total: number; sum: string }> {
    const { clause, params } = whereOf(filter);
    const [row] = await queryRows<{ total: number; sum: string }>(
      m,
      `SELECT count(*)::int AS total, coalesce(sum(c.amount_fen), 0)::text AS sum FROM contributions c ${clause}`,
      params,
    );
    return row;
  }

  /** A page of one target's contributions, newest first (by id: the order they were recorded). */
  async pageByRecording(
    m: EntityManager,
    filter: ContributionRegisterFilter,
    page: PageQuery,
  ): Promise<ContributionRow[]> {
    const { clause, params } = whereOf(filter);
    return queryRows<ContributionRow>(
      m,
      `SELECT ${ROW} FROM contributions c ${clause}
        ORDER BY c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  /** Per district (one, or all by code): CITY and DISTRICT contribution sums of a year. */
  async districtSums(
    m: EntityManager,
    year: number,
    districtId: string | null,
  ): Promise<{ id: string; code: string; name: string; city: string; district: string }[]> {
    return queryRows(
      m,
      `SELECT d.id::text, d.code, d.name,
              coalesce(sum(c.amount_fen) FILTER (WHERE c.source = 'CITY'), 0)::text AS city,
              coalesce(sum(c.amount_fen) FILTER (WHERE c.source = 'DISTRICT'), 0)::text AS district
         FROM districts d LEFT JOIN contributions c ON c.district_id = d.id AND c.year = $1
        WHERE ($2::bigint IS NULL OR d.id = $2)
        GROUP BY d.id ORDER BY d.code`,
      [year, districtId],
    );
  }

  /** SOE contribution sums of a year per district and enterprise (district-bound contributions only). */
  async soeSumsByDistrict(
    m: EntityManager,
    year: number,
    districtId: string | null,
  ): Promise<{ district_id: string; soe_name: string; sum: string }[]> {
    return queryRows(
      m,
      `SELECT district_id::text, soe_name, sum(amount_fen)::text AS sum FROM contributions
        WHERE year = $1 AND source = 'SOE' AND district_id IS NOT NULL AND ($2::bigint IS NULL OR district_id = $2)
        GROUP BY district_id, soe_name ORDER BY district_id, soe_name`,
      [year, districtId],
    );
  }

  /** SOE contribution sums of a year per enterprise, with the latest profit base it declared. */
  async soeSums(
    m: EntityManager,
    year: number,
    districtId: string | null,
  ): Promise<{ soe_name: string; sum: string; base: string | null }[]> {
    return queryRows(
      m,
      `SELECT soe_name, sum(amount_fen)::text AS sum,
              (array_agg(soe_profit_base_fen::text ORDER BY received_on DESC, id DESC) FILTER (WHERE soe_profit_base_fen IS NOT NULL))[1] AS base
         FROM contributions WHERE year = $1 AND source = 'SOE' AND ($2::bigint IS NULL OR district_id = $2)
        GROUP BY soe_name ORDER BY soe_name`,
      [year, districtId],
    );
  }
}
