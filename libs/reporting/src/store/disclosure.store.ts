import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';
import type { DisclosureContent, DisclosureScope } from '../domain/disclosure.js';
import type { DisclosureSnapshotRow } from './rows.generated.js';

export type DisclosureRow = Omit<DisclosureSnapshotRow, 'content'> & { content: DisclosureContent };

/** The place a disclosure covers: a village (12-digit code) or a district (6-digit code). */
export interface ScopePlace {
  id: string;
  code: string;
  name: string;
  district: string;
}

export interface RawLoanLine {
  loan_no: string;
  village: string | null;
  head_name: string | null;
  entity_name: string | null;
  entity_kind: string | null;
  channel: string;
  principal_fen: string;
  term_months: number;
  purpose: string;
  notice_ends_on: string | null;
  disbursement_date: string | null;
  status: string;
}

/** Where a loan, fund or claim line lies: `$1` is the village or district id. */
const placeOf = (scope: DisclosureScope, alias: string) =>
  scope === 'VILLAGE' ? `${alias}.village_id = $1` : `${alias}.district_id = $1`;
/** The same for the villages table itself. */
const villageIn = (scope: DisclosureScope, alias: string) =>
  scope === 'VILLAGE' ? `${alias}.id = $1` : `${alias}.district_id = $1`;

/**
 * The disclosure's reads (loans, funds, fee distributions, subsidy claims, asset-income dividends of one village or
 * district, as the owners'
 * tables hold them) and the one write of its own table. Reads name no personal column but the head's name, which
 * the domain masks before anything is stored.
 */
@Injectable()
export class DisclosureStore {
  async place(m: EntityManager, scope: DisclosureScope, code: string): Promise<ScopePlace | undefined> {
    return scope === 'VILLAGE'
      ? queryOne<ScopePlace>(
          m,
          `SELECT v.id::text AS id, v.code, v.name, d.name AS district FROM villages v JOIN districts d ON d.id = v.district_id WHERE v.code = $1`,
          [code],
        )
      : queryOne<ScopePlace>(
          m,
          `SELECT d.id::text AS id, d.code, d.name, d.name AS district FROM districts d WHERE d.code = $1`,
          [code],
        );
  }

  /** Loans in public notice, and loans disbursed from a year before `asOf` up to it. */
  async loans(
    m: EntityManager,
    scope: DisclosureScope,
    placeId: string,
    asOf: string,
  ): Promise<RawLoanLine[]> {
    return queryRows<RawLoanLine>(
      m,
      `SELECT l.loan_no, v.name AS village, h.head_name, e.name AS entity_name, e.kind AS entity_kind, l.channel,
              l.principal_fen::text, l.term_months, l.purpose, l.notice_ends_on::text, l.disbursement_date::text, l.status
         FROM loans l
         LEFT JOIN villages v ON v.id = l.village_id
         LEFT JOIN households h ON h.id = l.household_id
         LEFT JOIN operating_entities e ON e.id = l.entity_id
        WHERE ${placeOf(scope, 'l')}
          AND (l.status = 'IN_PUBLIC_NOTICE'
               OR (l.disbursement_date IS NOT NULL AND l.disbursement_date <= $2::date
                   AND l.disbursement_date > ($2::date - interval '1 year')))
        ORDER BY l.status = 'IN_PUBLIC_NOTICE' DESC, l.disbursement_date DESC NULLS FIRST, l.loan_no`,
      [placeId, asOf],
    );
  }

  async funds(m: EntityManager, scope: DisclosureScope, placeId: string) {
    return queryRows<{
      fund: string;
      village: string;
      capital_fen: string;
      loans_fen: string;
      cash_fen: string;
    }>(
      m,
      `SELECT f.name AS fund, v.name AS village,
              COALESCE((SELECT sum(a.balance_fen) FROM ledger_accounts a WHERE a.code LIKE 'MAF:' || f.id || ':CAPITAL:%'), 0)::text AS capital_fen,
              COALESCE((SELECT sum(a.balance_fen) FROM ledger_accounts a WHERE a.code = 'MAF:' || f.id || ':LOANS'), 0)::text AS loans_fen,
              COALESCE((SELECT sum(a.balance_fen) FROM ledger_accounts a WHERE a.code = 'MAF:' || f.id || ':CASH'), 0)::text AS cash_fen
         FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id
        WHERE ${villageIn(scope, 'v')} ORDER BY v.code, f.id`,
      [placeId],
    );
  }

  async feeDistributions(m: EntityManager, scope: DisclosureScope, placeId: string) {
    return queryRows<{
      fund: string;
      year: number;
      distributable_fen: string;
      capital_fen: string;
      risk_reserve_fen: string;
      public_welfare_fen: string;
      administration_fen: string;
      dividends_fen: string;
    }>(
      m,
      `SELECT f.name AS fund, d.year, d.distributable_fen::text, d.capital_fen::text, d.risk_reserve_fen::text,
              d.public_welfare_fen::text, d.administration_fen::text, d.dividends_fen::text
         FROM fee_distributions d JOIN mutual_aid_funds f ON f.id = d.fund_id JOIN villages v ON v.id = f.village_id
        WHERE ${villageIn(scope, 'v')} ORDER BY d.year DESC, f.name`,
      [placeId],
    );
  }

  /** Interest subsidy paid on the place's loans, by budget year. */
  async subsidyPaid(m: EntityManager, scope: DisclosureScope, placeId: string) {
    return queryRows<{ year: number; loans: number; paid_fen: string }>(
      m,
      `SELECT c.budget_year AS year, count(DISTINCT cl.loan_id)::int AS loans, sum(cl.subsidy_fen)::text AS paid_fen
         FROM subsidy_claim_lines cl JOIN subsidy_claims c ON c.id = cl.claim_id JOIN loans l ON l.id = cl.loan_id
        WHERE c.status = 'PAID' AND ${placeOf(scope, 'l')}
        GROUP BY c.budget_year ORDER BY c.budget_year DESC`,
      [placeId],
    );
  }

  /**
   * Asset-income dividend runs of the place's projects paid from a year before `asOf` up to it, with their totals;
   * `run_id` only links a run to its household lines and is never published.
   */
  async dividendRuns(m: EntityManager, scope: DisclosureScope, placeId: string, asOf: string) {
    return queryRows<{
      run_id: string;
      village: string;
      project: string;
      year: number;
      record_date: string;
      paid_on: string;
      paid_fen: string;
      households_fen: string;
      households_benefited: number;
      people_benefited: number;
    }>(
      m,
      `SELECT r.id::text AS run_id, v.name AS village, p.name AS project, r.year, r.record_date::text, r.paid_on::text,
              r.paid_now_fen::text AS paid_fen,
              COALESCE((SELECT sum(l.paid_fen) FROM aip_distribution_lines l
                         WHERE l.run_id = r.id AND l.holder_type = 'HOUSEHOLD'), 0)::text AS households_fen,
              r.households_benefited, r.people_benefited
         FROM aip_distribution_runs r
         JOIN aip_projects p ON p.id = r.project_id
         JOIN villages v ON v.id = p.village_id
        WHERE ${placeOf(scope, 'p')} AND r.status = 'PAID'
          AND r.paid_on <= $2::date AND r.paid_on > ($2::date - interval '1 year')
        ORDER BY r.paid_on DESC, v.code, r.id`,
      [placeId, asOf],
    );
  }

  /**
   * Each household's dividend in the runs, summed over its share lines, named by its head only (masked by the
   * domain before anything is stored); in the order the run lists them.
   */
  async dividendHouseholds(m: EntityManager, runIds: string[]) {
    if (!runIds.length) return [];
    return queryRows<{ run_id: string; head_name: string; entitled_fen: string; paid_fen: string }>(
      m,
      `SELECT l.run_id::text, h.head_name, sum(l.entitled_fen)::text AS entitled_fen, sum(l.paid_fen)::text AS paid_fen
         FROM aip_distribution_lines l JOIN households h ON h.id = l.household_id
        WHERE l.run_id = ANY($1::bigint[]) AND l.holder_type = 'HOUSEHOLD'
        GROUP BY l.run_id, h.id, h.head_name
        ORDER BY l.run_id, min(l.id)`,
      [runIds],
    );
  }

  /** Stores a snapshot; the same content for the same scope and date again answers the stored one. */
  async insert(
    m: EntityManager,
    s: {
      scope: DisclosureScope;
      code: string;
      asOf: string;
      content: DisclosureContent;
      hash: string;
      by: string;
    },
  ): Promise<{ row: DisclosureRow; created: boolean }> {
    const inserted = await queryOne<DisclosureRow>(
      m,
      `INSERT INTO disclosure_snapshots (scope, scope_code, as_of, content, content_hash, published_by)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (scope, scope_code, as_of, content_hash) DO NOTHING
       RETURNING id::text, scope, scope_code, as_of::text, content, content_hash, published_by, published_at`,
      [s.scope, s.code, s.asOf, JSON.stringify(s.content), s.hash, s.by],
    );
    if (inserted) return { row: inserted, created: true };
    const existing = await queryOne<DisclosureRow>(
      m,
      `SELECT id::text, scope, scope_code, as_of::text, content, content_hash, published_by, published_at
         FROM disclosure_snapshots WHERE scope = $1 AND scope_code = $2 AND as_of = $3 AND content_hash = $4`,
      [s.scope, s.code, s.asOf, s.hash],
    );
    return { row: existing!, created: false };
  }

  /** One snapshot of the scope (the latest when no id is given). */
  async find(
    m: EntityManager,
    scope: DisclosureScope,
    code: string,
    id?: string,
  ): Promise<DisclosureRow | undefined> {
    return queryOne<DisclosureRow>(
      m,
      `SELECT id::text, scope, scope_code, as_of::text, content, content_hash, published_by, published_at
         FROM disclosure_snapshots
        WHERE scope = $1 AND scope_code = $2 AND ($3::bigint IS NULL OR id = $3::bigint)
        ORDER BY as_of DESC, id DESC LIMIT 1`,
      [scope, code, id ?? null],
    );
  }

  /** The scope's postings, newest first: dates and ids only. */
  async history(m: EntityManager, scope: DisclosureScope, code: string) {
    return queryRows<{ id: string; as_of: string; published_at: Date }>(
      m,
      `SELECT id::text, as_of::text, published_at FROM disclosure_snapshots
        WHERE scope = $1 AND scope_code = $2 ORDER BY as_of DESC, id DESC LIMIT 200`,
      [scope, code],
    );
  }
}
