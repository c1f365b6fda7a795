import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { MemberRow } from '../domain/members.js';

/**
 * Rows of an UPDATE … RETURNING: TypeORM's postgres driver answers `[rows, affected]` for UPDATE and DELETE but
 * plain rows for SELECT and INSERT.
 */
export function updatedRows<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (
    Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number' ? r[0] : r
  ) as T[];
}

export interface MemberListFilter {
  status?: 'ACTIVE' | 'LEFT';
  poor?: boolean;
  fiscalFunded?: boolean;
  householdId?: string;
}

export type MemberListRow = MemberRow & { head_name: string; id_number: string; household_status: string };

function whereOf(fundId: string, filter: MemberListFilter): { clause: string; params: unknown[] } {
  const where = ['fm.fund_id = $1'];
  const params: unknown[] = [fundId];
  if (filter.status) where.push(`fm.status = $${params.push(filter.status)}`);
  if (filter.poor !== undefined) where.push(filter.poor ? `h.status = 'POOR'` : `h.status <> 'POOR'`);
  if (filter.fiscalFunded !== undefined)
    where.push(filter.fiscalFunded ? `fm.fiscal_share_fen > 0` : `fm.fiscal_share_fen = 0`);
  if (filter.householdId) where.push(`fm.household_id = $${params.push(filter.householdId)}`);
  return { clause: where.join(' AND '), params };
}

/** All SQL over `fund_members`, with the households and loans it reads (owned elsewhere: read only). */
@Injectable()
export class MembersStore {
  household(
    m: EntityManager,
    householdId: string,
  ): Promise<{ village_id: string; status: string } | undefined> {
    return queryOne<{ village_id: string; status: string }>(
      m,
      `SELECT village_id::text, status FROM households WHERE id = $1`,
      [householdId],
    );
  }

  /** The household registered with an ID number (a bulk import names members by it). */
  householdByIdNumber(m: EntityManager, idNumber: string): Promise<{ id: string } | undefined> {
    return queryOne<{ id: string }>(m, `SELECT id::text FROM households WHERE id_number = $1`, [idNumber.toUpperCase()]);
  }

  /** Whether a bulk import's row key recorded a share already, by whichever caller (the register's key ends in it). */
  async importedShare(m: EntityManager, fundId: string, householdId: string, rowKey: string): Promise<boolean> {
    const row = await queryOne<{ ok: boolean }>(
      m,
      `SELECT true AS ok FROM contributions
        WHERE target_type = 'MUTUAL_AID_FUND' AND target_id = $1 AND household_id = $2 AND idempotency_key LIKE $3 LIMIT 1`,
      [fundId, householdId, `%:${rowKey}`],
    );
    return Boolean(row);
  }

  /** The first households of a village by id (for demo data). */
  householdsOfVillage(
    m: EntityManager,
    villageId: string,
    limit: number,
  ): Promise<{ id: string; status: string }[]> {
    return queryRows<{ id: string; status: string }>(
      m,
      `SELECT id::text, status FROM households WHERE village_id = $1 ORDER BY id LIMIT $2`,
      [villageId, limit],
    );
  }

  async isActiveMember(m: EntityManager, fundId: string, householdId: string): Promise<boolean> {
    const row = await queryOne<{ ok: boolean }>(
      m,
      `SELECT true AS ok FROM fund_members WHERE fund_id = $1 AND household_id = $2 AND status = 'ACTIVE'`,
      [fundId, householdId],
    );
    return Boolean(row);
  }

  lock(m: EntityManager, fundId: string, householdId: string): Promise<MemberRow | undefined> {
    return queryOne<MemberRow>(
      m,
      `SELECT * FROM fund_members WHERE fund_id = $1 AND household_id = $2 FOR UPDATE`,
      [fundId, householdId],
    );
  }

  async insert(
    m: EntityManager,
    fundId: string,
    householdId: string,
    joinedOn: string,
    paidFen: bigint,
    fiscalFen: bigint,
  ): Promise<MemberRow> {
    const [row] = await queryRows<MemberRow>(
      m,
      `INSERT INTO fund_members (fund_id, household_id, joined_on, paid_share_fen, fiscal_share_fen) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [fundId, householdId, joinedOn, paidFen.toString(), fiscalFen.toString()],
    );
    return row;
  }

  /**
   * Adds to a member's shares. A household that left and pays in again re-joins: its share lock starts over from
   * the new date. An active member keeps its earliest join date, even when a share is recorded late with an
   * earlier date.
   */
  async addShare(
    m: EntityManager,
    memberId: string,
    paidFen: bigint,
    fiscalFen: bigint,
    receivedOn: string,
  ): Promise<MemberRow> {
    const [row] = updatedRows<MemberRow>(
      await m.query(
        `UPDATE fund_members
          SET paid_share_fen = paid_share_fen + $2, fiscal_share_fen = fiscal_share_fen + $3,
              joined_on = CASE WHEN status = 'LEFT' THEN $4::date ELSE least(joined_on, $4::date) END,
              status = 'ACTIVE', left_on = NULL, updated_at = now()
          WHERE id = $1 RETURNING *`,
        [memberId, paidFen.toString(), fiscalFen.toString(), receivedOn],
      ),
    );
    return row;
  }

  /** Pays back part of the paid share; a household with no share left (paid nor fiscal) has left the fund. */
  async withdrawShare(
    m: EntityManager,
    memberId: string,
    amountFen: bigint,
    today: string,
  ): Promise<MemberRow> {
    const [row] = updatedRows<MemberRow>(
      await m.query(
        `UPDATE fund_members
          SET paid_share_fen = paid_share_fen - $2, withdrawn_fen = withdrawn_fen + $2,
              status = CASE WHEN paid_share_fen - $2 + fiscal_share_fen = 0 THEN 'LEFT' ELSE status END,
              left_on = CASE WHEN paid_share_fen - $2 + fiscal_share_fen = 0 THEN $3::date ELSE left_on END,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
        [memberId, amountFen.toString(), today],
      ),
    );
    return row;
  }

  /** The household's loans from the fund with principal outstanding (loans are read here, never written). */
  async outstandingLoans(m: EntityManager, fundId: string, householdId: string | null): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM loans WHERE fund_id = $1 AND household_id = $2 AND outstanding_principal_fen > 0`,
      [fundId, householdId],
    );
    return n;
  }

  async count(m: EntityManager, fundId: string, filter: MemberListFilter): Promise<number> {
    const { clause, params } = whereOf(fundId, filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM fund_members fm JOIN households h ON h.id = fm.household_id WHERE ${clause}`,
      params,
    );
    return total;
  }

  page(
    m: EntityManager,
    fundId: string,
    filter: MemberListFilter,
    page: PageQuery,
  ): Promise<MemberListRow[]> {
    const { clause, params } = whereOf(fundId, filter);
    return queryRows<MemberListRow>(
      m,
      `SELECT fm.*, h.head_name, h.id_number, h.status AS household_status
         FROM fund_members fm JOIN households h ON h.id = fm.household_id
        WHERE ${clause} ORDER BY fm.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }
}
