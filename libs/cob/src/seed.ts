import type { INestApplicationContext } from '@nestjs/common';
import { AppConfig, Clock, RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { addDays } from '#libs/repayment';
import { CobService } from './cob.service.js';
import { CobRunStore } from './store/cob-run.store.js';

/**
 * Closes yesterday's business date once, so the demo has its arrears ageing and a portfolio snapshot before the
 * worker's first nightly run. Idempotent: skipped when yesterday (or a later date) is already closed.
 */
export async function seedCob(app: INestApplicationContext): Promise<string[]> {
  const config = app.get(AppConfig, { strict: false });
  const yesterday = addDays(app.get(Clock, { strict: false }).today(config.BUSINESS_TIMEZONE), -1);
  const latest = await app.get(CobRunStore, { strict: false }).latestClosed();
  if (latest && latest >= yesterday) return [`kept the close of business of ${latest}`];
  const run = await RequestContext.run({ requestId: 'seed-cob', actor: SYSTEM_ACTOR }, () =>
    app.get(CobService, { strict: false }).run(yesterday, { triggeredBy: 'seed' }),
  );
  return [
    `closed business date ${run.businessDate}: ${run.loansProcessed} loans, ${run.snapshots} fund snapshots`,
  ];
}
