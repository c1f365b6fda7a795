import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { BenchmarkRateRow } from './rows.generated.js';

export interface RateListFilter {
  includeWithdrawn?: boolean;
  termMonths?: number;
  from?: string;
  to?: string;
}

function whereOf(filter: RateListFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (!filter.includeWithdrawn) where.push('withdrawn_at IS NULL');
  if (filter.termMonths !== undefined) {
    const p = params.push(filter.termMonths);
    where.push(`term_min_months <= $${p} AND term_max_months >= $${p}`);
  }
  if (filter.from) where.push(`effective_from >= $${params.push(filter.from)}::date`);
  if (filter.to) where.push(`effective_from <= $${params.push(filter.to)}::date`);
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** All SQL over `benchmark_rates` (effective-dated bands; a withdrawn row stays as history). */
@Injectable()
export class RatesStore {
  /** The band in force for a term on a date: the latest effective on or before it, not withdrawn. */
  inForce(m: EntityManager, termMonths: number, date: string): Promise<BenchmarkRateRow | undefined> {
    return queryOne<BenchmarkRateRow>(
      m,
      `SELECT * FROM benchmark_rates
        WHERE withdrawn_at IS NULL AND term_min_months <= $1 AND term_max_months >= $1 AND effective_from <= $2::date
        ORDER BY effective_from DESC LIMIT 1`,
      [termMonths, date],
    );
  }

  /** The first effective date of any band holding the term (null: no band holds it). */
  async firstEffective(m: EntityManager, termMonths: number): Promise<string | null> {
    const row = await queryOne<{ first: string | null }>(
      m,
      `SELECT min(effective_from)::text AS first FROM benchmark_rates
        WHERE withdrawn_at IS NULL AND term_min_months <= $1 AND term_max_months >= $1`,
      [termMonths],
    );
    return row?.first ?? null;
  }

  /** Bands effective the same day whose terms overlap [termMin, termMax]. */
  overlapping(
    m: EntityManager,
    effectiveFrom: string,
    termMin: number,
    termMax: number,
  ): Promise<{ id: string; term_min_months: number; term_max_months: number }[]> {
    return queryRows(
      m,
      `SELECT id, term_min_months, term_max_months FROM benchmark_rates
        WHERE withdrawn_at IS NULL AND effective_from = $1::date AND term_min_months <= $3 AND term_max_months >= $2
        ORDER BY term_min_months`,
      [effectiveFrom, termMin, termMax],
    );
  }

  async insert(
    m: EntityManager,
    r: {
      termMinMonths: number;
      termMaxMonths: number;
      ratePercent: string;
      effectiveFrom: string;
      note: string | null;
      createdBy: string;
    },
  ): Promise<BenchmarkRateRow> {
    const [row] = await queryRows<BenchmarkRateRow>(
      m,
      `INSERT INTO benchmark_rates (term_min_months, term_max_months, rate_percent, effective_from, note, created_by)
       VALUES ($1,$2,$3,$4,$5,$6) RETURNING *`,
      [r.termMinMonths, r.termMaxMonths, r.ratePercent, r.effectiveFrom, r.note, r.createdBy],
    );
    return row;
  }

  find(m: EntityManager, id: string, lock = false): Promise<BenchmarkRateRow | undefined> {
    return queryOne<BenchmarkRateRow>(
      m,
      `SELECT * FROM benchmark_rates WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
  }

  async withdraw(m: EntityManager, id: string, by: string, reason: string): Promise<BenchmarkRateRow> {
    const result = (await m.query(
      `UPDATE benchmark_rates SET withdrawn_at = now(), withdrawn_by = $2, withdrawal_reason = $3 WHERE id = $1 RETURNING *`,
      [id, by, reason],
    )) as [BenchmarkRateRow[], number] | BenchmarkRateRow[];
    // the driver answers an UPDATE … RETURNING with [rows, count]
    return ((Array.isArray(result[0]) ? result[0] : result) as BenchmarkRateRow[])[0];
  }

  async count(m: EntityManager, filter: RateListFilter): Promise<number> {
    const { clause, params } = whereOf(filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM benchmark_rates ${clause}`,
      params,
    );
    return total;
  }

  page(m: EntityManager, filter: RateListFilter, page: PageQuery): Promise<BenchmarkRateRow[]> {
    const { clause, params } = whereOf(filter);
    return queryRows<BenchmarkRateRow>(
      m,
      `SELECT * FROM benchmark_rates ${clause} ORDER BY effective_from DESC, term_min_months, id
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  /** Whether a band effective that day already covers part of [termMin, termMax] (for demo data). */
  async anyOverlapping(
    m: EntityManager,
    effectiveFrom: string,
    termMin: number,
    termMax: number,
  ): Promise<boolean> {
    return (await this.overlapping(m, effectiveFrom, termMin, termMax)).length > 0;
  }
}
