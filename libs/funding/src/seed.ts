import type { INestApplicationContext } from '@nestjs/common';
import { RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { DEFAULT_MATCHING_RATIO, DEFAULT_SOE_PROFIT_PERCENT } from './domain/compliance.js';
import { FundingService } from './funding.service.js';

/** The matching rule of `year` (ratio 2.0, SOE 3 %), when none is recorded. Idempotent. */
export async function seedMatchingRule(app: INestApplicationContext, year: number): Promise<string[]> {
  const funding = app.get(FundingService, { strict: false });
  const existing = await funding.rule(year);
  if (!existing.isDefault)
    return [`kept the ${year} matching rule (ratio ${existing.ratio}, SOE ${existing.soeProfitPercent} %)`];
  await RequestContext.run({ requestId: 'seed-funding', actor: SYSTEM_ACTOR }, () =>
    funding.setRule(year, {
      ratio: DEFAULT_MATCHING_RATIO,
      soeProfitPercent: DEFAULT_SOE_PROFIT_PERCENT,
      note: 'SPEC §2.4 defaults (demo seed)',
    }),
  );
  return [
    `set the ${year} matching rule: ratio ${DEFAULT_MATCHING_RATIO}, SOE ${DEFAULT_SOE_PROFIT_PERCENT} %`,
  ];
}
