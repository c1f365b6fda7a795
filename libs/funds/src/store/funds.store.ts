import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  areaCondition,
  columnList,
  offsetOf,
  queryOne,
  queryPrepared,
  queryRows,
  type PageQuery,
} from '#libs/common';
import type { MutualAidFundRow } from './rows.generated.js';
import type { FundRow, FundStatus } from '../domain/fund.js';

/** Every column of the fund row, for the statement sent prepared (see columnList). */
const FUND_COLUMNS = columnList<MutualAidFundRow>()(
  [
    'id',
    'village_id',
    'name',
    'status',
    'lending_cap_percent',
    'max_loan_fen',
    'first_loan_max_fen',
    'max_term_months',
    'usage_fee_rate_percent',
    'group_required',
    'group_min_size',
    'group_max_size',
    'public_notice_days',
    'second_approval_threshold_fen',
    'share_lock_months',
    'fee_capital_percent',
    'fee_risk_reserve_percent',
    'fee_public_welfare_percent',
    'fee_administration_percent',
    'fee_dividend_percent',
    'created_at',
    'updated_at',
  ],
  'f',
);

const FUND_SELECT = `
  SELECT f.*, v.code AS village_code, v.name AS village_name, v.district_id::text AS district_id
    FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id`;

export interface FundListFilter {
  districtId?: string;
  villageId?: string;
  status?: FundStatus;
}

function whereOf(filter: FundListFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
  if (filter.villageId) where.push(`f.village_id = $${params.push(filter.villageId)}`);
  if (filter.status) where.push(`f.status = $${params.push(filter.status)}`);
  where.push(
    areaCondition(params, { district: 'v.district_id', town: 'v.town_id', village: 'f.village_id' }),
  );
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** All SQL over `mutual_aid_funds` (with the village read alongside) and the fund's member counts. */
@Injectable()
export class FundsStore {
  village(m: EntityManager, villageId: string): Promise<{ id: string; name: string } | undefined> {
    return queryOne<{ id: string; name: string }>(m, `SELECT id, name FROM villages WHERE id = $1`, [
      villageId,
    ]);
  }

  villageByCode(m: EntityManager, code: string): Promise<{ id: string; code: string } | undefined> {
    return queryOne<{ id: string; code: string }>(m, `SELECT id::text, code FROM villages WHERE code = $1`, [
      code,
    ]);
  }

  async fundIdOfVillage(m: EntityManager, villageId: string): Promise<string | undefined> {
    return (
      await queryOne<{ id: string }>(m, `SELECT id FROM mutual_aid_funds WHERE village_id = $1`, [villageId])
    )?.id;
  }

  async insert(m: EntityManager, villageId: string, name: string): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO mutual_aid_funds (village_id, name) VALUES ($1, $2) RETURNING id`,
      [villageId, name],
    );
    return row.id;
  }

  /** `lock`: true takes the fund row FOR UPDATE, 'share' FOR SHARE (see FundsService.shareFund). */
  find(m: EntityManager, fundId: string, lock: boolean | 'share' = false): Promise<FundRow | undefined> {
    const clause = lock === 'share' ? ' FOR SHARE OF f' : lock ? ' FOR UPDATE OF f' : '';
    return queryOne<FundRow>(m, `${FUND_SELECT} WHERE f.id = $1${clause}`, [fundId]);
  }

  /**
   * The fund of a mutual-aid loan, taken FOR SHARE, with the loan's number and channel: a repayment's first
   * statement (the loan row itself is read, not locked; the caller locks it next, after the fund).
   */
  async findShareOfLoan(
    m: EntityManager,
    loanId: string,
  ): Promise<(FundRow & { loan_loan_no: string; loan_channel: string }) | undefined> {
    const [row] = await queryPrepared<FundRow & { loan_loan_no: string; loan_channel: string }>(
      m,
      `SELECT ${FUND_COLUMNS}, v.code AS village_code, v.name AS village_name, v.district_id::text AS district_id,
              l.loan_no AS loan_loan_no, l.channel AS loan_channel
         FROM loans l JOIN mutual_aid_funds f ON f.id = l.fund_id JOIN villages v ON v.id = f.village_id
        WHERE l.id = $1 FOR SHARE OF f`,
      [loanId],
    );
    return row;
  }

  findByVillage(m: EntityManager, villageId: string): Promise<FundRow | undefined> {
    return queryOne<FundRow>(m, `${FUND_SELECT} WHERE f.village_id = $1`, [villageId]);
  }

  async count(m: EntityManager, filter: FundListFilter): Promise<number> {
    const { clause, params } = whereOf(filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id ${clause}`,
      params,
    );
    return total;
  }

  page(m: EntityManager, filter: FundListFilter, page: PageQuery): Promise<FundRow[]> {
    const { clause, params } = whereOf(filter);
    return queryRows<FundRow>(
      m,
      `${FUND_SELECT} ${clause} ORDER BY f.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  /** Writes the given rule columns (names from the domain's RULE_COLUMNS, never from input). */
  async updateRules(
    m: EntityManager,
    fundId: string,
    changes: [column: string, value: unknown][],
  ): Promise<void> {
    if (!changes.length) return;
    const params: unknown[] = [fundId];
    const sets = changes.map(([column, value]) => `${column} = $${params.push(value)}`);
    await m.query(`UPDATE mutual_aid_funds SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
  }

  async updateStatus(m: EntityManager, fundId: string, status: FundStatus): Promise<void> {
    await m.query(`UPDATE mutual_aid_funds SET status = $2, updated_at = now() WHERE id = $1`, [
      fundId,
      status,
    ]);
  }

  /** The ledger accounts of an owner that still hold money (the ledger's table, read only). */
  nonZeroAccounts(
    m: EntityManager,
    ownerType: string,
    ownerId: string,
  ): Promise<{ code: string; balance_fen: string }[]> {
    return queryRows(
      m,
      `SELECT code, balance_fen FROM ledger_accounts WHERE owner_type = $1 AND owner_id = $2 AND balance_fen <> 0 ORDER BY code`,
      [ownerType, ownerId],
    );
  }

  /** Active members of each fund, and how many of them are POOR households. */
  memberCounts(
    m: EntityManager,
    fundIds: string[],
  ): Promise<{ fund_id: string; all: number; poor: number }[]> {
    return queryRows(
      m,
      `SELECT fm.fund_id::text AS fund_id, count(*)::int AS all, (count(*) FILTER (WHERE h.status = 'POOR'))::int AS poor
         FROM fund_members fm JOIN households h ON h.id = fm.household_id
        WHERE fm.fund_id = ANY($1::bigint[]) AND fm.status = 'ACTIVE'
        GROUP BY fm.fund_id`,
      [fundIds],
    );
  }
}
