import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryRows, type PageQuery } from '#libs/common';

export interface WithdrawalRow {
  id: string;
  fund_id: string;
  household_id: string;
  amount_fen: string;
  withdrawn_on: string;
  reason: string | null;
  entry_id: string;
  created_by: string;
  created_at: Date;
}

export interface WithdrawalListFilter {
  householdId?: string;
  from?: string;
  to?: string;
}

function whereOf(fundId: string, filter: WithdrawalListFilter): { clause: string; params: unknown[] } {
  const where = ['fund_id = $1'];
  const params: unknown[] = [fundId];
  if (filter.householdId) where.push(`household_id = $${params.push(filter.householdId)}`);
  if (filter.from) where.push(`withdrawn_on >= $${params.push(filter.from)}`);
  if (filter.to) where.push(`withdrawn_on <= $${params.push(filter.to)}`);
  return { clause: where.join(' AND '), params };
}

/** All SQL over `share_withdrawals`. */
@Injectable()
export class WithdrawalsStore {
  async nextId(m: EntityManager): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('share_withdrawals', 'id'))::text AS id`,
    );
    return id;
  }

  async insert(
    m: EntityManager,
    w: {
      id: string;
      fundId: string;
      memberId: string;
      householdId: string;
      amountFen: bigint;
      withdrawnOn: string;
      reason: string | null;
      entryId: string;
      idempotencyKey: string;
      createdBy: string;
    },
  ): Promise<WithdrawalRow> {
    const [row] = await queryRows<WithdrawalRow>(
      m,
      `INSERT INTO share_withdrawals (id, fund_id, member_id, household_id, amount_fen, withdrawn_on, reason, entry_id, idempotency_key, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        w.id,
        w.fundId,
        w.memberId,
        w.householdId,
        w.amountFen.toString(),
        w.withdrawnOn,
        w.reason,
        w.entryId,
        w.idempotencyKey,
        w.createdBy,
      ],
    );
    return row;
  }

  async count(m: EntityManager, fundId: string, filter: WithdrawalListFilter): Promise<number> {
    const { clause, params } = whereOf(fundId, filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM share_withdrawals WHERE ${clause}`,
      params,
    );
    return total;
  }

  page(
    m: EntityManager,
    fundId: string,
    filter: WithdrawalListFilter,
    page: PageQuery,
  ): Promise<WithdrawalRow[]> {
    const { clause, params } = whereOf(fundId, filter);
    return queryRows<WithdrawalRow>(
      m,
      `SELECT * FROM share_withdrawals WHERE ${clause} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }
}
