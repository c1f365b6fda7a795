import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { ProductKind } from '../domain/enums.js';
import type { ProductDefinition } from '../domain/terms.js';
import type { ProductRow, VersionRow } from '../domain/version.js';

export type { ProductRow, VersionRow };

const SELECT_VERSION = `SELECT pv.*, p.code, p.kind, p.active, p.current_version
  FROM product_versions pv JOIN products p ON p.id = pv.product_id`;

export interface ProductListFilter {
  kind?: ProductKind;
  active?: boolean;
  rateSource?: string;
  requiresGuaranteeFund?: boolean;
  purpose?: string;
  q?: string;
}

export type ProductListRow = VersionRow & { product_created_at: Date };

/** Product and version keys are validated by the caller: `column` is 'id' or 'code', never input. */
type ProductKey = { column: 'id' | 'code'; value: string };

const CURRENT = `FROM products p JOIN product_versions pv ON pv.product_id = p.id AND pv.version = p.current_version`;

function whereOf(filter: ProductListFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.kind) where.push(`p.kind = $${params.push(filter.kind)}`);
  if (filter.active !== undefined) where.push(`p.active = $${params.push(filter.active)}`);
  if (filter.rateSource) where.push(`pv.rate_source = $${params.push(filter.rateSource)}`);
  if (filter.requiresGuaranteeFund !== undefined)
    where.push(`pv.requires_guarantee_fund = $${params.push(filter.requiresGuaranteeFund)}`);
  if (filter.purpose) where.push(`$${params.push(filter.purpose)} = ANY (pv.allowed_purposes)`);
  if (filter.q) {
    const p = params.push(`%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
    where.push(`(p.code ILIKE $${p} OR pv.name ILIKE $${p})`);
  }
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** All SQL over `products` and `product_versions` (versions are append-only: the database refuses changes). */
@Injectable()
export class ProductsStore {
  version(m: EntityManager, versionId: string): Promise<VersionRow | undefined> {
    return queryOne<VersionRow>(m, `${SELECT_VERSION} WHERE pv.id = $1`, [versionId]);
  }

  currentVersion(m: EntityManager, key: ProductKey): Promise<VersionRow | undefined> {
    return queryOne<VersionRow>(
      m,
      `${SELECT_VERSION} WHERE p.${key.column} = $1 AND pv.version = p.current_version`,
      [key.value],
    );
  }

  product(m: EntityManager, key: ProductKey, lock = false): Promise<ProductRow | undefined> {
    return queryOne<ProductRow>(
      m,
      `SELECT * FROM products WHERE ${key.column} = $1${lock ? ' FOR UPDATE' : ''}`,
      [key.value],
    );
  }

  /** Inserts a product at version 1; undefined when its code is taken. */
  async insertProduct(
    m: EntityManager,
    code: string,
    kind: ProductKind,
    name: string,
  ): Promise<string | undefined> {
    const inserted = await queryRows<{ id: string }>(
      m,
      `INSERT INTO products (code, kind, name, current_version) VALUES ($1, $2, $3, 1)
       ON CONFLICT (code) DO NOTHING RETURNING id`,
      [code, kind, name],
    );
    return inserted[0]?.id;
  }

  async setCurrentVersion(m: EntityManager, productId: string, version: number, name: string): Promise<void> {
    await m.query(`UPDATE products SET current_version = $2, name = $3 WHERE id = $1`, [
      productId,
      version,
      name,
    ]);
  }

  async setActive(m: EntityManager, productId: string, active: boolean): Promise<void> {
    await m.query(`UPDATE products SET active = $2 WHERE id = $1`, [productId, active]);
  }

  async count(m: EntityManager, filter: ProductListFilter): Promise<number> {
    const { clause, params } = whereOf(filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total ${CURRENT} ${clause}`,
      params,
    );
    return total;
  }

  page(m: EntityManager, filter: ProductListFilter, page: PageQuery): Promise<ProductListRow[]> {
    const { clause, params } = whereOf(filter);
    return queryRows<ProductListRow>(
      m,
      `SELECT pv.*, p.code, p.kind, p.active, p.current_version, p.created_at AS product_created_at ${CURRENT} ${clause}
        ORDER BY p.code LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  async countVersions(m: EntityManager, productId: string): Promise<number> {
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM product_versions WHERE product_id = $1`,
      [productId],
    );
    return total;
  }

  versions(m: EntityManager, productId: string, page: PageQuery): Promise<VersionRow[]> {
    return queryRows<VersionRow>(
      m,
      `${SELECT_VERSION} WHERE pv.product_id = $1 ORDER BY pv.version DESC LIMIT $2 OFFSET $3`,
      [productId, page.pageSize, offsetOf(page)],
    );
  }

  async insertVersion(
    m: EntityManager,
    productId: string,
    version: number,
    d: ProductDefinition,
    createdBy: string,
  ): Promise<string> {
    const str = (v: bigint | null) => (v === null ? null : v.toString());
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO product_versions (
         product_id, version, name, currency, min_principal_fen, max_principal_fen, first_loan_max_fen,
         min_term_months, max_term_months, method, frequency, day_count, rounding, installment_multiple_fen,
         rate_source, fixed_rate_percent, markup_percent, penalty_rate_percent, penalty_basis, grace_days,
         allowed_purposes, eligible_statuses, min_age, max_age, subsidy_policy, requires_guarantee_fund,
         requires_group, prepayment_mode, waterfall, max_per_linked_household_fen, created_by, early_repayment_fee)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21::text[],$22::text[],$23,$24,
               $25::jsonb,$26,$27,$28,$29::text[],$30,$31,$32)
       RETURNING id`,
      [
        productId,
        version,
        d.name,
        d.currency,
        str(d.minPrincipalFen),
        str(d.maxPrincipalFen),
        str(d.firstLoanMaxFen),
        d.minTermMonths,
        d.maxTermMonths,
        d.method,
        d.frequency,
        d.dayCount,
        d.rounding,
        str(d.installmentMultipleFen),
        d.rateSource,
        d.fixedRatePercent,
        d.markupPercent,
        d.penaltyRatePercent,
        d.penaltyBasis,
        d.graceDays,
        d.allowedPurposes,
        d.eligibleStatuses,
        d.minAge,
        d.maxAge,
        d.subsidyPolicy === null ? null : JSON.stringify(d.subsidyPolicy),
        d.requiresGuaranteeFund,
        d.requiresGroup,
        d.prepaymentMode,
        d.waterfall,
        str(d.maxPerLinkedHouseholdFen),
        createdBy,
        d.earlyRepaymentFee,
      ],
    );
    return row.id;
  }
}
