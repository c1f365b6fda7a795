import type { INestApplicationContext } from '@nestjs/common';
import { BusinessDateService } from '#libs/calendar';
import { RequestContext, type Actor } from '#libs/common';
import { ContributionsService, FundsService } from '#libs/funds';
import { AgreementsService, BanksService, RiskFundsService } from '#libs/guarantee';
import { GeographyService, GroupsService, HouseholdsService, residentIdCheckChar } from '#libs/households';
import { yuan } from '#libs/money';
import { DEFAULT_PRODUCTS, ProductsService, seedProducts } from '#libs/products';
import { ReminderEndpointsService } from '#libs/reminders';
import { PoliciesService, ProgrammesService } from '#libs/subsidy';
import type { Random } from './prng.js';

/** Who does what in the simulated district (no user rows needed: services read the actor of the request context). */
export const ACTORS = {
  admin: { userId: null, username: 'sim.admin', role: 'ADMIN', bankId: null, via: 'system' },
  officer: { userId: null, username: 'sim.officer', role: 'LOAN_OFFICER', bankId: null, via: 'system' },
  fundAdmin: { userId: null, username: 'sim.fund-admin', role: 'FUND_ADMIN', bankId: null, via: 'system' },
  checker: { userId: null, username: 'sim.checker', role: 'FUND_ADMIN', bankId: null, via: 'system' },
} satisfies Record<string, Actor>;

let requestSeq = 0;
export const as = <T>(actor: Actor, fn: () => Promise<T>): Promise<T> =>
  RequestContext.run({ requestId: `sim:${++requestSeq}`, actor }, fn);

export type Profile = 'ON_TIME' | 'LATE' | 'DEFAULTER';

export interface SimHousehold {
  /** Position in the district (0-based): the stable name used in output and keys. */
  no: number;
  id: string;
  poor: boolean;
  groupId: string;
  profile: Profile;
  /** Days late of a LATE household's payments. */
  lateDays: number;
}

export interface World {
  districtId: string;
  villageId: string;
  fundId: string;
  bankId: string;
  bankActor: Actor;
  riskFundId: string;
  agreementId: string;
  programmeId: string;
  maProduct: string;
  households: SimHousehold[];
}

export interface WorldOptions {
  start: string;
  /** Whole years the simulation spans (budgets and poverty lines are set for each). */
  years: number[];
  households: number;
  lateRate: number;
  defaultRate: number;
  lateDays: [number, number];
}

export const SIM_DISTRICT = { code: '370399', name: '模拟区 (simulated district)', heavyTask: false };
export const MA_PRODUCT_CODE = 'SIM_MA_MONTHLY';

/**
 * The district the simulation runs in, built through the real services on the start date: geography, poverty lines,
 * households in joint-liability groups of four (about 60 % poor), the village mutual-aid fund with its fiscal capital
 * and a member share per household, a monthly mutual-aid product, the partner bank with its risk fund and a 10×
 * agreement, a PAY_BANK interest-subsidy programme with each year's budget (policy FULL_BENCHMARK on HH_MICRO_STD),
 * and LOG reminder endpoints for the fund and the bank (delivery through the log channel, in process).
 */
export async function buildWorld(app: INestApplicationContext, rnd: Random, o: WorldOptions): Promise<World> {
  const admin = <T>(fn: () => Promise<T>) => as(ACTORS.admin, fn);
  await app.get(BusinessDateService).start(o.start);

  await admin(() => seedProducts(app));
  const products = app.get(ProductsService, { strict: false });
  const base = DEFAULT_PRODUCTS.find((p) => p.code === 'MUTUAL_AID_STD')!;
  await admin(() =>
    products.create({
      ...base,
      code: MA_PRODUCT_CODE,
      name: 'Village mutual-aid loan, monthly instalments (simulation)',
      method: 'EQUAL_PRINCIPAL',
      frequency: 'MONTHLY',
    }),
  );

  const geo = app.get(GeographyService, { strict: false });
  const district = await admin(() => geo.createDistrict(SIM_DISTRICT));
  const town = await admin(() =>
    geo.createTown({ districtId: district.id, code: '370399101', name: '模拟镇' }),
  );
  const village = await admin(() =>
    geo.createVillage({ townId: town.id, code: '370399101201', name: '模拟村', isPilot: true }),
  );
  const lineYears = new Set([o.years[0] - 1, ...o.years]);
  for (const year of [...lineYears].sort()) {
    await admin(() =>
      geo.createPovertyLine({ districtId: null, year, lineFen: yuan('3560.00'), note: 'simulation' }),
    );
  }

  const hh = app.get(HouseholdsService, { strict: false });
  const groups = app.get(GroupsService, { strict: false });
  const households: SimHousehold[] = [];
  const groupCount = Math.max(1, Math.ceil(o.households / 4));
  for (let g = 0; g < groupCount; g++) {
    const ids: { id: string; poor: boolean }[] = [];
    for (let k = 0; k < 4 && g * 4 + k < o.households; k++) {
      const no = g * 4 + k;
      const poor = rnd.chance(0.6);
      const birth = `19${70 + rnd.int(0, 25)}${String(rnd.int(1, 12)).padStart(2, '0')}${String(rnd.int(1, 28)).padStart(2, '0')}`;
      const first17 = `${SIM_DISTRICT.code}${birth}${String(100 + no).padStart(3, '0')}`;
      const rec = await admin(() =>
        hh.create({
          villageId: village.id,
          headName: `模拟户${String(no + 1).padStart(3, '0')}`,
          idNumber: first17 + residentIdCheckChar(first17),
          phone: `139${String(10_000_000 + no).padStart(8, '0')}`,
          memberCount: rnd.int(2, 6),
          perCapitaIncomeFen: poor ? yuan(`${rnd.int(2400, 3400)}.00`) : yuan(`${rnd.int(5000, 12000)}.00`),
          incomeYear: o.years[0] - 1,
        }),
      );
      ids.push({ id: rec.id, poor });
    }
    const group = await admin(() =>
      groups.create({
        villageId: village.id,
        name: `模拟联保小组${g + 1}`,
        householdIds: ids.map((x) => x.id),
      }),
    );
    for (const x of ids) {
      const r = rnd.next();
      const profile: Profile =
        r < o.defaultRate ? 'DEFAULTER' : r < o.defaultRate + o.lateRate ? 'LATE' : 'ON_TIME';
      households.push({
        no: households.length,
        id: x.id,
        poor: x.poor,
        groupId: group.id,
        profile,
        lateDays: rnd.int(o.lateDays[0], o.lateDays[1]),
      });
    }
  }

  const funds = app.get(FundsService, { strict: false });
  const contributions = app.get(ContributionsService, { strict: false });
  const fund = await admin(() => funds.create({ villageId: village.id, rules: { publicNoticeDays: 3 } }));
  const year = o.years[0];
  await admin(() =>
    contributions.contribute(
      fund.id,
      { source: 'CITY', amountFen: yuan('60000'), receivedOn: o.start, year, documentRef: 'sim-city' },
      'sim-maf-city',
    ),
  );
  await admin(() =>
    contributions.contribute(
      fund.id,
      {
        source: 'DISTRICT',
        amountFen: yuan('90000'),
        receivedOn: o.start,
        year,
        documentRef: 'sim-district',
      },
      'sim-maf-district',
    ),
  );
  for (const h of households) {
    await admin(() =>
      contributions.contribute(
        fund.id,
        { source: 'MEMBER', amountFen: yuan('300'), householdId: h.id, receivedOn: o.start, year },
        `sim-maf-member-${h.no}`,
      ),
    );
  }

  const bank = await admin(() =>
    app.get(BanksService, { strict: false }).create({ code: 'SIMBANK', name: '模拟农商银行' }),
  );
  const riskFunds = app.get(RiskFundsService, { strict: false });
  const rf = await admin(() => riskFunds.create({ districtId: district.id }));
  await admin(() =>
    riskFunds.deposit(
      rf.id,
      { source: 'CITY', amount: '300000.00', receivedOn: o.start, documentRef: 'simulation' },
      'sim-rf-city',
    ),
  );
  await admin(() =>
    riskFunds.deposit(
      rf.id,
      { source: 'DISTRICT', amount: '200000.00', receivedOn: o.start, documentRef: 'simulation' },
      'sim-rf-district',
    ),
  );
  const agreement = await admin(() =>
    app.get(AgreementsService, { strict: false }).create({
      agreementNo: 'SIMBANK-370399-SIM',
      riskFundId: rf.id,
      bankId: bank.id,
      leverageMultiple: '10',
      fundSharePercent: '80',
      bankSharePercent: '20',
      compensationMode: 'ADVANCE',
      triggerDays: 90,
      validFrom: `${year}-01-01`,
      validTo: `${o.years[o.years.length - 1] + 2}-12-31`,
    }),
  );

  const programmes = app.get(ProgrammesService, { strict: false });
  const programme = await admin(() =>
    programmes.create({
      code: 'SIM-SUBSIDY',
      name: '模拟贴息 (simulated interest subsidy)',
      settlementMode: 'PAY_BANK',
    }),
  );
  for (const y of o.years) {
    await admin(() =>
      programmes.contribute(
        programme.id,
        { source: 'CITY', amountFen: yuan('50000'), year: y, documentRef: `sim-${y}` },
        `sim-sub-city-${y}`,
      ),
    );
    await admin(() =>
      programmes.setBudget(
        programme.id,
        { year: y, budgetFen: yuan('50000'), reason: `simulated budget ${y}` },
        `sim-sub-budget-${y}`,
      ),
    );
  }
  await admin(() =>
    app
      .get(PoliciesService, { strict: false })
      .setProductPolicy('HH_MICRO_STD', { type: 'FULL_BENCHMARK', programmeId: programme.id }),
  );

  const endpoints = app.get(ReminderEndpointsService, { strict: false });
  await admin(() =>
    endpoints.create({ scope: 'FUND', fundId: fund.id, channel: 'LOG', name: 'simulated fund reminders' }),
  );
  await admin(() =>
    endpoints.create({ scope: 'BANK', bankId: bank.id, channel: 'LOG', name: 'simulated bank reminders' }),
  );

  return {
    districtId: district.id,
    villageId: village.id,
    fundId: fund.id,
    bankId: bank.id,
    bankActor: {
      userId: null,
      username: 'sim.bank',
      role: 'BANK_OFFICER',
      bankId: Number(bank.id),
      via: 'system',
    },
    riskFundId: rf.id,
    agreementId: agreement.id,
    programmeId: programme.id,
    maProduct: MA_PRODUCT_CODE,
    households,
  };
}
