import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import type { DistributionPercents, DistributionTarget } from '../domain/distribution.js';
import type { FeeDistributionRow as TableRow } from './rows.generated.js';

/** A distribution as stored, its percentages as written (the fund's five, by target). */
export type FeeDistributionRow = Omit<TableRow, 'idempotency_key' | 'percentages'> & {
  percentages: DistributionPercents;
};

export interface NewFeeDistribution {
  fundId: string;
  year: number;
  feeFen: Fen;
  penaltyFen: Fen;
  recoveryFen: Fen;
  distributableFen: Fen;
  shares: Record<DistributionTarget, Fen>;
  writeOffsFen: Fen;
  percents: DistributionPercents;
  entryId: string | null;
  idempotencyKey: string;
  createdBy: string;
}

const SELECT = `SELECT id::text, fund_id::text, year, fee_income_fen::text, penalty_income_fen::text, recovery_income_fen::text,
  distributable_fen::text, capital_fen::text, risk_reserve_fen::text, public_welfare_fen::text, administration_fen::text,
  dividends_fen::text, write_off_charged_fen::text, percentages, entry_id::text, created_by, created_at FROM fee_distributions`;

/** fee_distributions: every statement on it, and the year-end balances a distribution closes. */
@Injectable()
export class FeeDistributionStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async existing(m: EntityManager, fundId: string, year: number): Promise<string | null> {
    const row = await queryOne<{ id: string }>(
      m,
      `SELECT id::text FROM fee_distributions WHERE fund_id = $1 AND year = $2`,
      [fundId, year],
    );
    return row?.id ?? null;
  }

  /**
   * Normal-side balances of some accounts from the postings of entries dated up to `date` (the ledger's tables,
   * read; the ledger's balances are as of now, a distribution needs them as of 31 December).
   */
  async balancesAsOf(m: EntityManager, codes: string[], date: string): Promise<Map<string, Fen>> {
    const rows = await queryRows<{ code: string; balance: string }>(
      m,
      `SELECT a.code, coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END), 0)::text AS balance
         FROM ledger_accounts a
         LEFT JOIN ledger_postings p ON p.account_id = a.id
          AND p.entry_id IN (SELECT id FROM journal_entries WHERE business_date <= $2)
        WHERE a.code = ANY($1) GROUP BY a.code`,
      [codes, date],
    );
    return new Map(rows.map((r) => [r.code, BigInt(r.balance)]));
  }

  async insert(m: EntityManager, d: NewFeeDistribution): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO fee_distributions (fund_id, year, fee_income_fen, penalty_income_fen, recovery_income_fen, distributable_fen,
         capital_fen, risk_reserve_fen, public_welfare_fen, administration_fen, dividends_fen, write_off_charged_fen, percentages,
         entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::jsonb,$14,$15,$16) RETURNING id::text`,
      [
        d.fundId,
        d.year,
        d.feeFen.toString(),
        d.penaltyFen.toString(),
        d.recoveryFen.toString(),
        d.distributableFen.toString(),
        d.shares.CAPITAL.toString(),
        d.shares.RISK_RESERVE.toString(),
        d.shares.PUBLIC_WELFARE.toString(),
        d.shares.ADMINISTRATION.toString(),
        d.shares.DIVIDENDS.toString(),
        d.writeOffsFen.toString(),
        JSON.stringify(d.percents),
        d.entryId,
        d.idempotencyKey,
        d.createdBy,
      ],
    );
    return id;
  }

  get(id: string, manager?: EntityManager): Promise<FeeDistributionRow | undefined> {
    return queryOne<FeeDistributionRow>(manager ?? this.dataSource.manager, `${SELECT} WHERE id = $1`, [id]);
  }

  async list(
    fundId: string,
    filter: { fromYear?: number; toYear?: number },
    page: PageQuery,
  ): Promise<{ rows: FeeDistributionRow[]; total: number }> {
    const where = ['fund_id = $1'];
    const params: unknown[] = [fundId];
    if (filter.fromYear) where.push(`year >= $${params.push(filter.fromYear)}`);
    if (filter.toYear) where.push(`year <= $${params.push(filter.toYear)}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM fee_distributions ${clause}`,
      params,
    );
    const rows = await queryRows<FeeDistributionRow>(
      m,
      `${SELECT} ${clause} ORDER BY year DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
