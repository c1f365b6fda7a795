import type { INestApplicationContext } from '@nestjs/common';
import { AppConfig, Clock } from '#libs/common';
import { yuan } from '#libs/money';
import type { PovertyStatus } from './domain/poverty-status.js';
import { creditCodeCheckChar } from './domain/credit-code.js';
import { residentIdCheckChar } from './domain/resident-id.js';
import { EntitiesService } from './entities.service.js';
import { GeographyService } from './geography.service.js';
import { GroupsService } from './groups.service.js';
import { HouseholdsService } from './households.service.js';

/**
 * Demo registry (all names, codes and numbers are made up for the demo; ID numbers are generated with a valid GB
 * 11643 check character, the cooperative's code with a valid GB 32100 one). The 2016 city-wide line of 3,560
 * yuan/person/year is the source case's; later years repeat that figure as demo data, not as published lines.
 */
export const DEMO_DISTRICT = { code: '370302', name: '淄川区', heavyTask: true };
export const DEMO_TOWN = { code: '370302106', name: '岭子镇' };
export const DEMO_VILLAGES = [
  { code: '370302106201', name: '东坪村', isPilot: true },
  { code: '370302106202', name: '西坪村', isPilot: false },
];
export const DEMO_LINE_YUAN = '3560.00';
export const DEMO_COOPERATIVE = { kind: 'COOPERATIVE' as const, name: '淄川区东坪果蔬专业合作社', creditCode: '93370302MA3CQ8X17E' };
/**
 * A family farm linked after the cooperative to one of its households and one of its own: the shared household keeps
 * backing the cooperative's line (its earliest active link), so the farm's line counts one household.
 */
export const DEMO_FAMILY_FARM = {
  kind: 'FAMILY_FARM' as const,
  name: '淄川区东坪家庭农场',
  creditCode: `92370302MA3DP5W26${creditCodeCheckChar('92370302MA3DP5W26')}`,
};
export const DEMO_GROUP_NAME = '东坪村第一联保小组';

interface DemoHousehold {
  village: 0 | 1;
  headName: string;
  birth: string;
  seq: string;
  phone: string | null;
  members: number;
  income: string;
  year: number;
  graduatedYear?: number;
  status?: PovertyStatus;
  overrideReason?: string;
}

const HOUSEHOLDS: DemoHousehold[] = [
  { village: 0, headName: '王秀英', birth: '19850315', seq: '002', phone: '13905331201', members: 4, income: '2800.00', year: 2016 },
  { village: 0, headName: '李建国', birth: '19720708', seq: '151', phone: '13905331202', members: 3, income: '3100.00', year: 2016 },
  { village: 0, headName: '张桂兰', birth: '19680221', seq: '024', phone: null, members: 2, income: '2950.00', year: 2016 },
  { village: 0, headName: '刘志强', birth: '19790911', seq: '033', phone: '13905331204', members: 5, income: '3300.00', year: 2016 },
  { village: 0, headName: '陈玉梅', birth: '19900102', seq: '046', phone: '13905331205', members: 3, income: '3400.00', year: 2016 },
  { village: 0, headName: '杨德胜', birth: '19650530', seq: '057', phone: '13905331206', members: 4, income: '5200.00', year: 2019, graduatedYear: 2018 },
  { village: 0, headName: '赵淑珍', birth: '19750817', seq: '068', phone: null, members: 2, income: '9800.00', year: 2019 },
  {
    village: 0, headName: '黄国华', birth: '19601125', seq: '079', phone: '13905331208', members: 3, income: '3700.00', year: 2016,
    status: 'POOR', overrideReason: 'demo: serious illness of a member in 2016, confirmed by the village committee',
  },
  { village: 1, headName: '周丽娟', birth: '19880606', seq: '082', phone: '13905331209', members: 4, income: '3050.00', year: 2016 },
  { village: 1, headName: '吴海涛', birth: '19830414', seq: '091', phone: '13905331210', members: 5, income: '4600.00', year: 2019, graduatedYear: 2017 },
  { village: 1, headName: '孙凤英', birth: '19701229', seq: '104', phone: null, members: 1, income: '12000.00', year: 2019 },
  { village: 1, headName: '马长江', birth: '19770303', seq: '113', phone: '13905331212', members: 6, income: '2600.00', year: 2016 },
];

export const demoIdNumber = (h: Pick<DemoHousehold, 'birth' | 'seq'>) => {
  const first17 = `${DEMO_DISTRICT.code}${h.birth}${h.seq}`;
  return first17 + residentIdCheckChar(first17);
};

/**
 * Seeds the demo registry through the services (validation and audit included). Idempotent: every object is
 * looked up by its natural key (code, ID number, credit code, group name) and created only when missing.
 */
export async function seedRegistry(app: INestApplicationContext): Promise<string[]> {
  const geo = app.get(GeographyService);
  const households = app.get(HouseholdsService);
  const entities = app.get(EntitiesService);
  const groups = app.get(GroupsService);
  const thisYear = Number(app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE).slice(0, 4));
  const out: string[] = [];

  const district = (await geo.findDistrictByCode(DEMO_DISTRICT.code)) ?? (await geo.createDistrict(DEMO_DISTRICT));
  out.push(`district ${district.code} ${district.name} (heavy task) id ${district.id}`);
  const towns = await geo.listTowns({ districtId: district.id, q: DEMO_TOWN.code }, { page: 1, pageSize: 1 });
  const town = towns.items[0] ?? (await geo.createTown({ districtId: district.id, ...DEMO_TOWN }));
  const villages = [];
  for (const v of DEMO_VILLAGES) {
    villages.push((await geo.findVillageByCode(v.code)) ?? (await geo.createVillage({ townId: town.id, ...v })));
  }
  out.push(`town ${town.name}, villages ${villages.map((v) => `${v.name}${v.isPilot ? ' (pilot)' : ''} id ${v.id}`).join(', ')}`);

  let lines = 0;
  for (let year = 2016; year <= Math.max(2016, thisYear); year++) {
    const existing = await geo.listPovertyLines({ scope: 'CITY', year }, { page: 1, pageSize: 1 });
    if (existing.total) continue;
    await geo.createPovertyLine({
      districtId: null,
      year,
      lineFen: yuan(DEMO_LINE_YUAN),
      note: year === 2016 ? 'Zibo city-wide line of the source case' : 'demo data: the 2016 figure carried forward',
    });
    lines++;
  }
  out.push(`city-wide poverty lines ${DEMO_LINE_YUAN} yuan/person/year 2016-${thisYear} (${lines} added)`);

  const ids: string[] = [];
  let created = 0;
  for (const h of HOUSEHOLDS) {
    const idNumber = demoIdNumber(h);
    let rec = await households.findByIdNumber(idNumber);
    if (!rec) {
      rec = await households.create({
        villageId: villages[h.village].id,
        headName: h.headName,
        idNumber,
        phone: h.phone,
        memberCount: h.members,
        perCapitaIncomeFen: yuan(h.income),
        incomeYear: h.year,
        graduatedYear: h.graduatedYear ?? null,
        status: h.status,
        overrideReason: h.overrideReason ?? null,
      });
      created++;
    }
    ids.push(rec.id);
  }
  out.push(`${HOUSEHOLDS.length} households (${created} added): ids ${ids.join(', ')}`);

  const groupMembers = ids.slice(0, 4);
  const existingGroup = await groups.groupOf(groupMembers[0]);
  const group = existingGroup ?? (await groups.create({ villageId: villages[0].id, name: DEMO_GROUP_NAME, householdIds: groupMembers }));
  out.push(`joint-liability group ${group.name} id ${group.id} of ${group.size} households`);

  const coop =
    (await entities.findByCreditCode(DEMO_COOPERATIVE.creditCode)) ??
    (await entities.create({ ...DEMO_COOPERATIVE, districtId: district.id, villageId: villages[0].id }));
  // three POOR households of 东坪村 (the first three; linking is idempotent)
  const linked = await entities.link(coop.id, ids.slice(0, 3));
  out.push(`cooperative ${coop.name} id ${coop.id} with ${linked.linkedPoorCount} linked poor households`);

  const farm =
    (await entities.findByCreditCode(DEMO_FAMILY_FARM.creditCode)) ??
    (await entities.create({ ...DEMO_FAMILY_FARM, districtId: district.id, villageId: villages[0].id }));
  // 张桂兰's household is the cooperative's too (linked there first): it counts toward the cooperative's line only
  const farmLinked = await entities.link(farm.id, [ids[2], ids[3]]);
  out.push(
    `family farm ${farm.name} id ${farm.id}: ${farmLinked.linkedPoorCount} linked poor household(s) counted for its line, ` +
      `${farmLinked.linkedPoorCountedElsewhere} counted by another entity`,
  );
  return out;
}
