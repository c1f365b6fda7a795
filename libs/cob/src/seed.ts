import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock, queryOne, RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { addDays } from '#libs/repayment';
import { CobService } from './cob.service.js';

/**
 * Closes yesterday's business date once, so the demo has its arrears ageing and a portfolio snapshot before the
 * worker's first nightly run. Idempotent: skipped when yesterday (or a later date) is already closed.
 */
export async function seedCob(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource, { strict: false });
  const config = app.get(AppConfig, { strict: false });
  const yesterday = addDays(app.get(Clock, { strict: false }).today(config.BUSINESS_TIMEZONE), -1);
  const latest = await queryOne<{ d: string | null }>(
    ds.manager,
    `SELECT max(business_date) AS d FROM cob_runs WHERE status = 'COMPLETED'`,
  );
  if (latest?.d && latest.d >= yesterday) return [`kept the close of business of ${latest.d}`];
  const run = await RequestContext.run({ requestId: 'seed-cob', actor: SYSTEM_ACTOR }, () =>
    app.get(CobService, { strict: false }).run(yesterday, { triggeredBy: 'seed' }),
  );
  return [
    `closed business date ${run.businessDate}: ${run.loansProcessed} loans, ${run.snapshots} fund snapshots`,
  ];
}
