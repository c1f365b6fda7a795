import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';

export interface MatchingRuleRow {
  ratio: string;
  soe_profit_percent: string;
  document_ref: string | null;
  note: string | null;
  updated_by: string;
  updated_at: Date;
}

/** All SQL over `funding_matching_rules` (one row per year). */
@Injectable()
export class MatchingRulesStore {
  find(m: EntityManager, year: number): Promise<MatchingRuleRow | undefined> {
    return queryOne<MatchingRuleRow>(
      m,
      `SELECT ratio::text, soe_profit_percent::text, document_ref, note, updated_by, updated_at FROM funding_matching_rules WHERE year = $1`,
      [year],
    );
  }

  async count(m: EntityManager): Promise<number> {
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM funding_matching_rules`,
    );
    return total;
  }

  async years(m: EntityManager, limit: number, offset: number): Promise<number[]> {
    const rows = await queryRows<{ year: number }>(
      m,
      `SELECT year FROM funding_matching_rules ORDER BY year DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows.map((r) => r.year);
  }

  async upsert(
    m: EntityManager,
    r: {
      year: number;
      ratio: string;
      soeProfitPercent: string;
      documentRef: string | null;
      note: string | null;
      updatedBy: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO funding_matching_rules (year, ratio, soe_profit_percent, document_ref, note, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (year) DO UPDATE SET ratio = EXCLUDED.ratio, soe_profit_percent = EXCLUDED.soe_profit_percent,
         document_ref = EXCLUDED.document_ref, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now(),
         version = funding_matching_rules.version + 1`,
      [r.year, r.ratio, r.soeProfitPercent, r.documentRef, r.note, r.updatedBy],
    );
  }
}
