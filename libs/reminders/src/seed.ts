import type { INestApplicationContext } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DEMO_FUND_VILLAGE_CODE } from '#libs/funds';
import { ReminderEndpointsService } from './endpoints.service.js';
import { ReminderSelectionService } from './selection.service.js';
import { ReminderSeedStore } from './store/seed.store.js';

type Scope = { scope: 'FUND'; fundId: string } | { scope: 'BANK'; bankId: string };

/** Keeps the active endpoint of a scope, or creates a LOG one; a line saying which. */
async function ensureLogEndpoint(
  store: ReminderSeedStore,
  m: EntityManager,
  endpoints: ReminderEndpointsService,
  target: Scope,
  name: string,
): Promise<string> {
  const label = target.scope === 'FUND' ? `fund ${target.fundId}` : `bank ${target.bankId}`;
  const existing = await store.activeEndpoint(m, target);
  if (existing) return `kept reminder endpoint ${existing.id} (${existing.channel}) of ${label}`;
  try {
    const created = await endpoints.create({ ...target, channel: 'LOG', name });
    return `created LOG reminder endpoint ${created.id} for ${label}`;
  } catch (e) {
    // A concurrent seed created it first: the state we want.
    if ((e as { code?: string }).code === 'REMINDER_ENDPOINT_SCOPE_TAKEN')
      return `kept reminder endpoint of ${label}`;
    throw e;
  }
}

/**
 * Demo data: LOG-channel reminder endpoints for the demo mutual-aid fund and (when its code is given) the demo bank, so
 * the demo's reminders show up in the worker's log (phones masked) instead of leaving the machine; then today's
 * selection run, as the worker's 08:00 schedule would do it, so a newcomer finds reminders in the outbox at once (the
 * worker delivers them to the log; `GET /api/v1/reminders`). Idempotent: endpoints are kept when their scope already
 * has an active one, and a second selection of the same day selects nothing new.
 */
export async function seedReminders(
  app: INestApplicationContext,
  opts: { villageCode?: string; bankCode?: string } = {},
): Promise<string[]> {
  const ds = app.get(DataSource);
  const endpoints = app.get(ReminderEndpointsService);
  const store = new ReminderSeedStore();
  const out: string[] = [];
  const fund = await store.fundOfVillage(ds.manager, opts.villageCode ?? DEMO_FUND_VILLAGE_CODE);
  if (fund) {
    out.push(
      await ensureLogEndpoint(
        store,
        ds.manager,
        endpoints,
        { scope: 'FUND', fundId: fund.id },
        `${fund.name} 还款提醒 (日志)`,
      ),
    );
  } else out.push('demo fund not found (seed the funds first): no fund reminder endpoint');
  if (opts.bankCode) {
    const bank = await store.bankByCode(ds.manager, opts.bankCode);
    if (bank) {
      out.push(
        await ensureLogEndpoint(
          store,
          ds.manager,
          endpoints,
          { scope: 'BANK', bankId: bank.id },
          `${bank.name} 还款提醒 (日志)`,
        ),
      );
    } else out.push(`bank ${opts.bankCode} not found (seed the guarantee first): no bank reminder endpoint`);
  }
  const selection = app.get(ReminderSelectionService);
  const run = await selection.run({ businessDate: selection.today(), trigger: 'BOOT' });
  out.push(
    `selection run ${run.runId} for ${run.businessDate}: ${run.selected} new reminder(s) handed to the worker` +
      (run.selected ? '' : ' (none new today: a re-run, or nothing due within a reminder window)'),
  );
  return out;
}
