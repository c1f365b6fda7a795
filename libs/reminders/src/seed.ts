import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryOne } from '#libs/common';
import { DEMO_FUND_VILLAGE_CODE } from '#libs/funds';
import { ReminderEndpointsService } from './endpoints.service.js';

/**
 * Demo data: a LOG-channel reminder endpoint for the demo mutual-aid fund, so the demo's reminders show up in the
 * worker's log (phones masked) instead of leaving the machine. Idempotent: kept when the fund already has an active
 * endpoint; skipped when the demo fund is not there yet.
 */
export async function seedReminders(
  app: INestApplicationContext,
  opts: { villageCode?: string } = {},
): Promise<string> {
  const ds = app.get(DataSource);
  const endpoints = app.get(ReminderEndpointsService);
  const fund = await queryOne<{ id: string; name: string }>(
    ds.manager,
    `SELECT f.id::text, f.name FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id WHERE v.code = $1`,
    [opts.villageCode ?? DEMO_FUND_VILLAGE_CODE],
  );
  if (!fund) return 'demo fund not found (seed the funds first): no reminder endpoint';
  const existing = await queryOne<{ id: string; channel: string }>(
    ds.manager,
    `SELECT id::text, channel FROM reminder_endpoints WHERE scope = 'FUND' AND fund_id = $1 AND active`,
    [fund.id],
  );
  if (existing) return `kept reminder endpoint ${existing.id} (${existing.channel}) of fund ${fund.id}`;
  try {
    const created = await endpoints.create({
      scope: 'FUND',
      fundId: fund.id,
      channel: 'LOG',
      name: `${fund.name} 还款提醒 (日志)`,
    });
    return `created LOG reminder endpoint ${created.id} for fund ${fund.id}`;
  } catch (e) {
    // A concurrent seed created it first: the state we want.
    if ((e as { code?: string }).code === 'REMINDER_ENDPOINT_SCOPE_TAKEN')
      return `kept reminder endpoint of fund ${fund.id}`;
    throw e;
  }
}
