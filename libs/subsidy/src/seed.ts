import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { callerKey, Clock, RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { ContributionRegister, seedMatchingRule } from '#libs/funding';
import { ProductsService } from '#libs/products';
import { parsePolicy } from './domain/policy.js';
import { PoliciesService } from './policies.service.js';
import { CONTRIBUTION_SCOPE, ProgrammesService } from './programmes.service.js';
import { ProgrammesStore } from './store/programmes.store.js';

export const DEMO_PROGRAMME_CODE = 'ZIBO-CITY-SUBSIDY';
/** The demo city programme's yearly budget and CITY funding: 2,000,000 yuan. */
const DEMO_BUDGET_FEN = 200_000_000n;

/**
 * Demo data of the interest subsidy: a city-wide PAY_BANK programme with the current year's budget funded by the
 * CITY, the HH_MICRO_STD product's policy set to FULL_BENCHMARK under it (a new product version), and the
 * current year's matching rule (ratio 2.0, SOE 3 %). Idempotent: what exists is kept.
 */
export async function seedSubsidy(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource);
  const store = new ProgrammesStore();
  const programmes = app.get(ProgrammesService, { strict: false });
  const policies = app.get(PoliciesService, { strict: false });
  const products = app.get(ProductsService, { strict: false });
  const year = Number(app.get(Clock, { strict: false }).today().slice(0, 4));
  const out: string[] = [];
  await RequestContext.run({ requestId: 'seed-subsidy', actor: SYSTEM_ACTOR }, async () => {
    let programmeId = await store.idByCode(ds.manager, DEMO_PROGRAMME_CODE);
    if (programmeId) out.push(`kept existing subsidy programme ${DEMO_PROGRAMME_CODE} (${programmeId})`);
    else {
      try {
        programmeId = (
          await programmes.create({
            code: DEMO_PROGRAMME_CODE,
            name: '淄博市扶贫小额信贷贴息 (Zibo city microcredit interest subsidy)',
            settlementMode: 'PAY_BANK',
          })
        ).id;
        out.push(
          `created subsidy programme ${DEMO_PROGRAMME_CODE} (${programmeId}), PAY_BANK, quarterly to the 20th`,
        );
      } catch (e) {
        // a seed running at the same time created it first
        if ((e as { code?: string }).code !== 'SUBSIDY_PROGRAMME_CODE_TAKEN') throw e;
        programmeId = (await store.idByCode(ds.manager, DEMO_PROGRAMME_CODE))!;
        out.push(`kept existing subsidy programme ${DEMO_PROGRAMME_CODE} (${programmeId})`);
      }
    }

    const key = `seed-subsidy-city-${year}`;
    // a database seeded before keys were per caller holds the key without the caller
    const funded =
      (await new ContributionRegister().find(ds.manager, `${CONTRIBUTION_SCOPE}:${callerKey(key)}`)) ??
      (await new ContributionRegister().find(ds.manager, `${CONTRIBUTION_SCOPE}:${key}`));
    if (funded) out.push(`kept the ${year} CITY funding of ${DEMO_PROGRAMME_CODE}`);
    else {
      await programmes.contribute(
        programmeId,
        { source: 'CITY', amountFen: DEMO_BUDGET_FEN, year, documentRef: `淄财农〔${year}〕1号` },
        key,
      );
      out.push(`funded ${DEMO_PROGRAMME_CODE} with 2000000.00 from CITY for ${year}`);
    }
    const budgeted = await store.hasBudget(ds.manager, programmeId!, year);
    if (budgeted) out.push(`kept the ${year} budget of ${DEMO_PROGRAMME_CODE}`);
    else {
      await programmes.setBudget(
        programmeId,
        {
          year,
          budgetFen: DEMO_BUDGET_FEN,
          reason: `${year} city budget for microcredit interest subsidy (demo)`,
          documentRef: `淄财预〔${year}〕1号`,
        },
        `seed-subsidy-budget-${year}`,
      );
      out.push(`set the ${year} budget of ${DEMO_PROGRAMME_CODE} to 2000000.00`);
    }

    let current: Awaited<ReturnType<ProductsService['currentVersion']>> | null = null;
    try {
      current = await products.currentVersion('HH_MICRO_STD');
    } catch {
      out.push(
        'skipped the HH_MICRO_STD subsidy policy: the product does not exist (seed the products first)',
      );
    }
    if (current) {
      const parsed = current.subsidyPolicy ? parsePolicy(current.subsidyPolicy) : null;
      if (
        parsed?.ok &&
        parsed.policy.programmeId === programmeId &&
        parsed.policy.type === 'FULL_BENCHMARK'
      ) {
        out.push('kept the FULL_BENCHMARK subsidy policy of HH_MICRO_STD');
      } else {
        const v = await policies.setProductPolicy('HH_MICRO_STD', { type: 'FULL_BENCHMARK', programmeId });
        out.push(
          `set HH_MICRO_STD's subsidy policy to FULL_BENCHMARK under ${DEMO_PROGRAMME_CODE} (product version ${v.currentVersion})`,
        );
      }
    }
  });
  out.push(...(await seedMatchingRule(app, year)));
  return out;
}
