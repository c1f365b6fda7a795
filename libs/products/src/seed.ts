import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { RequestContext, SYSTEM_ACTOR, SystemClock } from '#libs/common';
import { PRODUCTIVE_PURPOSES } from './domain/purposes.js';
import { ProductsService, type NewProductInput } from './products.service.js';
import { RatesService, type BenchmarkRateInput } from './rates.service.js';
import { ProductsStore } from './store/products.store.js';
import { RatesStore } from './store/rates.store.js';

/**
 * The benchmark lending rates (贷款基准利率) the People's Bank of China set from 2015-10-24, in the two bands SPEC §2.2
 * uses: up to one year 4.35 %, one to five years 4.75 %. Terms beyond 60 months have no default band: a
 * benchmark product longer than that needs the ADMIN to add one.
 */
export const DEFAULT_BENCHMARK_RATES: readonly BenchmarkRateInput[] = [
  {
    termMinMonths: 1,
    termMaxMonths: 12,
    ratePercent: '4.35',
    effectiveFrom: '2015-10-24',
    note: 'PBOC benchmark lending rate from 2015-10-24 (≤ 1 year)',
  },
  {
    termMinMonths: 13,
    termMaxMonths: 60,
    ratePercent: '4.75',
    effectiveFrom: '2015-10-24',
    note: 'PBOC benchmark lending rate from 2015-10-24 (1-5 years)',
  },
];

const WATERFALL = [
  'OVERDUE_PENALTY',
  'OVERDUE_INTEREST',
  'OVERDUE_PRINCIPAL',
  'CURRENT_INTEREST',
  'CURRENT_PRINCIPAL',
  'FUTURE',
];

/**
 * The default products of the three kinds, with SPEC §2 limits. Choices the spec leaves open:
 * - HH_MICRO_STD repays EQUAL_INSTALLMENT MONTHLY: a 36-month loan repaid in one bullet is a large balloon for a
 *   poor household, monthly instalments keep arrears visible early, and each month is a subsidy period.
 * - Penalty (罚息) on overdue principal is a 50 % surcharge on the contract rate (SURCHARGE_ON_CONTRACT "50": the
 *   upper end of the PBOC's 30-50 % rule), so a 4.35 % loan pays 6.525 % a year on overdue principal, and a
 *   benchmark product's penalty follows its contract rate.
 * - ENTITY_STD pays interest monthly and principal at maturity (按月付息到期还本), the usual shape of an operating
 *   loan; its credit is also capped at 50,000 per linked poor household (SPEC §2.2).
 * - Grace days 0: a payment after its due date is late (the conservative reading; funds may relax it).
 */
export const DEFAULT_PRODUCTS: readonly NewProductInput[] = [
  {
    code: 'MUTUAL_AID_STD',
    kind: 'MUTUAL_AID',
    name: 'Village mutual-aid loan (standard)',
    minPrincipal: '100.00',
    maxPrincipal: '10000.00',
    firstLoanMax: '5000.00',
    minTermMonths: 1,
    maxTermMonths: 12,
    method: 'BULLET',
    frequency: 'AT_MATURITY',
    dayCount: 'PERIOD',
    rounding: 'HALF_UP',
    installmentMultiple: '0.01',
    rateSource: 'FIXED',
    fixedRatePercent: '6',
    markupPercent: '0',
    penaltyRatePercent: '50',
    penaltyBasis: 'SURCHARGE_ON_CONTRACT',
    graceDays: 0,
    allowedPurposes: [...PRODUCTIVE_PURPOSES],
    eligibleStatuses: ['POOR', 'GRADUATED', 'NON_POOR'],
    minAge: 18,
    maxAge: 65,
    subsidyPolicy: null,
    requiresGuaranteeFund: false,
    requiresGroup: true,
    prepaymentMode: 'SHORTEN_TERM',
    waterfall: WATERFALL,
  },
  {
    code: 'HH_MICRO_STD',
    kind: 'HOUSEHOLD_MICROCREDIT',
    name: 'Household poverty microcredit (standard)',
    minPrincipal: '1000.00',
    maxPrincipal: '50000.00',
    minTermMonths: 1,
    maxTermMonths: 36,
    method: 'EQUAL_INSTALLMENT',
    frequency: 'MONTHLY',
    dayCount: 'PERIOD',
    rounding: 'HALF_UP',
    installmentMultiple: '0.01',
    rateSource: 'BENCHMARK',
    markupPercent: '0',
    penaltyRatePercent: '50',
    penaltyBasis: 'SURCHARGE_ON_CONTRACT',
    graceDays: 0,
    allowedPurposes: [...PRODUCTIVE_PURPOSES],
    eligibleStatuses: ['POOR', 'GRADUATED'],
    minAge: 18,
    maxAge: 65,
    subsidyPolicy: null,
    requiresGuaranteeFund: true,
    requiresGroup: false,
    prepaymentMode: 'SHORTEN_TERM',
    waterfall: WATERFALL,
  },
  {
    code: 'ENTITY_STD',
    kind: 'ENTITY_LOAN',
    name: 'Operating-entity poverty loan (standard)',
    minPrincipal: '10000.00',
    maxPrincipal: '3000000.00',
    minTermMonths: 1,
    maxTermMonths: 36,
    method: 'INTEREST_ONLY',
    frequency: 'MONTHLY',
    dayCount: 'PERIOD',
    rounding: 'HALF_UP',
    installmentMultiple: '0.01',
    rateSource: 'BENCHMARK',
    markupPercent: '0',
    penaltyRatePercent: '50',
    penaltyBasis: 'SURCHARGE_ON_CONTRACT',
    graceDays: 0,
    allowedPurposes: [...PRODUCTIVE_PURPOSES],
    eligibleStatuses: [],
    subsidyPolicy: null,
    requiresGuaranteeFund: true,
    requiresGroup: false,
    prepaymentMode: 'SHORTEN_TERM',
    waterfall: WATERFALL,
    maxPerLinkedHousehold: '50000.00',
  },
];

function services(target: INestApplicationContext | DataSource): {
  ds: DataSource;
  rates: RatesService;
  products: ProductsService;
} {
  if (target instanceof DataSource) {
    const audit = new AuditService(target);
    const rates = new RatesService(target, audit, new SystemClock());
    return { ds: target, rates, products: new ProductsService(target, audit, rates) };
  }
  return {
    ds: target.get(DataSource),
    rates: target.get(RatesService, { strict: false }),
    products: target.get(ProductsService, { strict: false }),
  };
}

/** Seeds the default benchmark rates. Idempotent: a band already live on that date (whatever its rate) is kept. */
export async function seedBenchmarkRates(target: INestApplicationContext | DataSource): Promise<string[]> {
  const { ds, rates } = services(target);
  return RequestContext.run({ requestId: 'seed-benchmark-rates', actor: SYSTEM_ACTOR }, async () => {
    const out: string[] = [];
    for (const r of DEFAULT_BENCHMARK_RATES) {
      const label = `benchmark ${r.termMinMonths}-${r.termMaxMonths} months ${r.ratePercent} % from ${r.effectiveFrom}`;
      if (
        await new RatesStore().anyOverlapping(ds.manager, r.effectiveFrom, r.termMinMonths, r.termMaxMonths)
      ) {
        out.push(`kept existing ${label}`);
        continue;
      }
      try {
        await rates.create(r);
        out.push(`created ${label}`);
      } catch (e) {
        // a seed running concurrently created it first
        if ((e as { code?: string }).code !== 'BENCHMARK_BAND_OVERLAP') throw e;
        out.push(`kept existing ${label}`);
      }
    }
    return out;
  });
}

/**
 * Seeds the default benchmark rates and the three default products (MUTUAL_AID_STD, HH_MICRO_STD, ENTITY_STD).
 * Idempotent: products are found by code and never re-versioned by the seed.
 */
export async function seedProducts(target: INestApplicationContext | DataSource): Promise<string[]> {
  const out = await seedBenchmarkRates(target);
  const { ds, products } = services(target);
  await RequestContext.run({ requestId: 'seed-products', actor: SYSTEM_ACTOR }, async () => {
    for (const p of DEFAULT_PRODUCTS) {
      if (await new ProductsStore().product(ds.manager, { column: 'code', value: p.code })) {
        out.push(`kept existing product ${p.code}`);
        continue;
      }
      try {
        await products.create(p);
        out.push(`created product ${p.code} (${p.kind})`);
      } catch (e) {
        // a seed running concurrently created it first: that is the state we want
        if ((e as { code?: string }).code !== 'PRODUCT_CODE_TAKEN') throw e;
        out.push(`kept existing product ${p.code}`);
      }
    }
  });
  return out;
}
