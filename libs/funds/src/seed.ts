import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock, RequestContext, SYSTEM_ACTOR } from '#libs/common';
import { formatYuan, yuan } from '#libs/money';
import { ContributionsService, type ContributeInput } from './contributions.service.js';
import { FundsService } from './funds.service.js';
import { FundsStore } from './store/funds.store.js';
import { MembersStore } from './store/members.store.js';

/** The registry seed's first demo village (东坪村, a pilot village): the fund's home in the demo. */
export const DEMO_FUND_VILLAGE_CODE = '370302106201';

export interface SeedFundsOptions {
  /** Defaults to DEMO_FUND_VILLAGE_CODE. */
  villageCode?: string;
  log?: (message: string) => void;
}

export interface SeedFundsResult {
  fundId: string;
  villageCode: string;
  contributions: number;
  members: number;
}

/**
 * How long before the business date the demo fund received its capital: the start of the demo history. Every demo
 * loan is paid out after it (the loans seed goes back at most a year), so the fund's cash never goes negative at any
 * date. The date is the first of its month, so runs within a month agree even before anything is stored.
 */
export const DEMO_CAPITAL_MONTHS_AGO = 14;

/** The first day of the month `months` months before `today` (YYYY-MM-DD). */
export function demoHistoryStart(today: string, months = DEMO_CAPITAL_MONTHS_AGO): string {
  const i = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1 - months;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}-01`;
}

/** The CITY contribution's document: how a later run finds the date the capital was received on. */
const CITY_DOCUMENT = '淄财农〔2024〕8号';

/**
 * Demo data: a fund for the demo village with CITY 200,000, DISTRICT 300,000 and DONATION 20,000, fiscal-funded
 * base shares (配股) for up to two poor households and member shares for a few others, all received on the first day
 * of the month DEMO_CAPITAL_MONTHS_AGO months back (before any demo loan). Idempotent: the fund is found by village,
 * every contribution has a deterministic Idempotency-Key, and a later run reuses the date the first run recorded.
 * Skips (returns null) when the village is not there yet.
 */
export async function seedFunds(
  app: INestApplicationContext,
  opts: SeedFundsOptions = {},
): Promise<SeedFundsResult | null> {
  const log = opts.log ?? ((msg: string) => console.log(msg));
  const ds = app.get(DataSource);
  const funds = app.get(FundsService);
  const contributions = app.get(ContributionsService);
  const villageCode = opts.villageCode ?? DEMO_FUND_VILLAGE_CODE;
  const village = await new FundsStore().villageByCode(ds.manager, villageCode);
  if (!village) {
    log(`seedFunds: village ${villageCode} not found; seed the registry first. Skipped.`);
    return null;
  }
  return RequestContext.run({ requestId: 'seed-funds', actor: SYSTEM_ACTOR }, async () => {
    const fund = (await funds.fundForVillage(village.id)) ?? (await funds.create({ villageId: village.id }));
    // The capital arrived at the start of the demo history; a later run (another day, another month) finds the date
    // the first run used, so every contribution replays with the body it was recorded with.
    const first = await contributions.list(fund.id, { source: 'CITY' }, { page: 1, pageSize: 100 });
    const receivedOn =
      first.items.find((c) => c.documentRef === CITY_DOCUMENT)?.receivedOn ??
      demoHistoryStart(app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE));
    let count = 0;
    const give = async (key: string, input: ContributeInput) => {
      await contributions.contribute(fund.id, { receivedOn, ...input }, `seed-maf-${fund.id}-${key}`);
      count++;
    };
    await give('city', { source: 'CITY', amountFen: yuan('200000'), documentRef: CITY_DOCUMENT });
    await give('district', {
      source: 'DISTRICT',
      amountFen: yuan('300000'),
      documentRef: '区财预〔2024〕21号',
    });
    await give('donation', {
      source: 'DONATION',
      amountFen: yuan('20000'),
      documentRef: '捐赠协议 2024-007',
    });

    const households = await new MembersStore().householdsOfVillage(ds.manager, village.id, 50);
    const poor = households.filter((h) => h.status === 'POOR').slice(0, 2);
    const others = households.filter((h) => h.status !== 'POOR').slice(0, 3);
    for (const h of poor) {
      await give(`fiscal-share-${h.id}`, {
        source: 'DISTRICT',
        amountFen: yuan('1000'),
        householdId: h.id,
        fiscalFunded: true,
        documentRef: '区扶贫办〔2024〕配股 3号',
      });
    }
    // One poor household also pays a small share of its own: the only part it could ever withdraw.
    if (poor[0])
      await give(`member-share-${poor[0].id}`, {
        source: 'MEMBER',
        amountFen: yuan('300'),
        householdId: poor[0].id,
      });
    for (const h of others) {
      await give(`member-share-${h.id}`, {
        source: 'MEMBER',
        amountFen: yuan('500'),
        householdId: h.id,
        documentRef: `收据 ${h.id}`,
      });
    }
    if (!households.length)
      log(`seedFunds: village ${village.code} has no households yet; fund seeded without members.`);
    const position = await funds.position(null, fund.id);
    log(
      `seedFunds: fund ${fund.id} of village ${village.code}: capital ${formatYuan(position.capitalFen)}, ${position.memberCount} members`,
    );
    return {
      fundId: fund.id,
      villageCode: village.code,
      contributions: count,
      members: position.memberCount,
    };
  });
}
