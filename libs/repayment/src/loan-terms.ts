import type { EntityManager } from 'typeorm';
import { DomainError } from '#libs/common';
import { penaltyRateFor, ProductsService, type ProductTerms } from '#libs/products';
import {
  isWaterfall,
  type EarlyRepaymentFee,
  type PrepaymentMode,
  type RepaymentTerms,
} from './domain/terms.js';
import type { LoanRow } from './store/loan.store.js';

type VersionRules = Pick<
  ProductTerms,
  'waterfall' | 'graceDays' | 'prepaymentMode' | 'earlyRepaymentFee' | 'penaltyBasis' | 'penaltyRatePercent'
>;

/**
 * The rules of a product version that the repayment engine reads, kept per database once read: product versions are
 * append-only (a trigger refuses UPDATE and DELETE), so they never change once written. Keyed by the DataSource, so
 * two databases in one process (the tests) never share an entry.
 */
const RULES = new WeakMap<object, Map<string, VersionRules>>();

async function versionRules(
  m: EntityManager,
  products: ProductsService,
  versionId: string,
): Promise<VersionRules> {
  let byId = RULES.get(m.connection);
  if (!byId) RULES.set(m.connection, (byId = new Map()));
  let rules = byId.get(versionId);
  if (!rules) {
    const p = await products.getVersion(versionId, m);
    rules = {
      waterfall: p.waterfall,
      graceDays: p.graceDays,
      prepaymentMode: p.prepaymentMode,
      earlyRepaymentFee: p.earlyRepaymentFee,
      penaltyBasis: p.penaltyBasis,
      penaltyRatePercent: p.penaltyRatePercent,
    };
    byId.set(versionId, rules);
  }
  return rules;
}

/**
 * The terms the engine applies to a loan: its contract (rate, method, rounding), the penalty rate fixed at
 * disbursement (or the product's for loans recorded without one), and the product version's grace days,
 * waterfall, prepayment mode and early-repayment fee rule.
 */
export async function termsOf(
  m: EntityManager,
  products: ProductsService,
  loan: LoanRow,
): Promise<RepaymentTerms> {
  const product = await versionRules(m, products, loan.product_version_id);
  if (loan.annual_rate_percent === null) {
    throw new DomainError('LOAN_NOT_REPAYABLE', `loan ${loan.id} has no contract rate`, [
      { field: 'loan', code: 'NO_CONTRACT_RATE', message: 'the loan carries no contract rate' },
    ]);
  }
  const waterfall = product.waterfall;
  if (!isWaterfall(waterfall))
    throw new Error(`product version ${loan.product_version_id} has an invalid waterfall`);
  return {
    principalFen: BigInt(loan.principal_fen),
    annualRatePercent: loan.annual_rate_percent,
    penaltyRatePercent: loan.penalty_rate_percent ?? penaltyRateFor(product, loan.annual_rate_percent),
    method: loan.method,
    frequency: loan.frequency,
    dayCount: loan.day_count,
    rounding: loan.rounding,
    graceDays: product.graceDays,
    waterfall,
    prepaymentMode: product.prepaymentMode as PrepaymentMode,
    earlyRepaymentFee: product.earlyRepaymentFee as EarlyRepaymentFee,
  };
}
