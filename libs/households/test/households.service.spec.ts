import { DomainError } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { cityLines, household, LINE_FEN, newIdNumber, place, registry, type Place, type Registry } from './fixtures.js';

let db: TestDatabase;
let r: Registry;
let p: Place;

beforeAll(async () => {
  db = await createTestDatabase(30);
  r = registry(db);
  await cityLines(r);
  p = await place(r);
});
afterAll(async () => db.drop());

const err = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as DomainError);
const count = async (table: string) => Number((await db.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

describe('geography', () => {
  it('nests codes, refuses a town code outside its district and duplicates, with the field named', async () => {
    const d = await r.geo.createDistrict({ code: '370399', name: '示例区' });
    const bad = await err(r.geo.createTown({ districtId: d.id, code: '370301100', name: 'x' }));
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'code', code: 'CODE_NOT_IN_PARENT' }] });
    const dup = await err(r.geo.createDistrict({ code: '370399', name: 'again' }));
    expect(dup).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'code' }] });
    const t = await r.geo.createTown({ districtId: d.id, code: '370399100', name: '镇' });
    const v = await r.geo.createVillage({ townId: t.id, code: '370399100201', name: '村', isPilot: true });
    expect(v).toMatchObject({ districtId: d.id, townId: t.id, isPilot: true, districtName: '示例区' });
    expect((await r.geo.districtOfVillage(v.id)).code).toBe('370399');
    const badVillage = await err(r.geo.createVillage({ townId: t.id, code: '370302100201', name: 'x' }));
    expect(badVillage?.errors[0]).toMatchObject({ field: 'code', code: 'CODE_NOT_IN_PARENT' });
  });

  it('lets a district line override the city-wide line of the same year', async () => {
    const q = await place(r, 1);
    expect((await r.geo.effectiveLine(q.districtId, 2016))?.scope).toBe('CITY');
    await r.geo.createPovertyLine({ districtId: q.districtId, year: 2016, lineFen: 400_000n, note: 'district top-up' });
    expect(await r.geo.effectiveLine(q.districtId, 2016)).toMatchObject({ scope: 'DISTRICT', lineFen: 400_000n });
    expect((await r.geo.effectiveLine(p.districtId, 2016))?.lineFen).toBe(LINE_FEN);
    expect(await r.geo.effectiveLine(q.districtId, 2001)).toBeUndefined();
    const dup = await err(r.geo.createPovertyLine({ districtId: null, year: 2016, lineFen: 1n }));
    expect(dup).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'year' }] });
    // a household of that district at 3,800 yuan is POOR under the district line, NON_POOR elsewhere
    const there = await r.households.create(household(q.villageIds[0], { perCapitaIncomeFen: 380_000n }));
    const here = await r.households.create(household(p.villageIds[0], { perCapitaIncomeFen: 380_000n }));
    expect([there.status, here.status]).toEqual(['POOR', 'NON_POOR']);
  });
});

describe('household registration', () => {
  it('derives POOR strictly below the line and NON_POOR at it, and reads the birth date from the ID', async () => {
    const id = newIdNumber('370302', '19850315');
    const poor = await r.households.create(household(p.villageIds[0], { idNumber: id, perCapitaIncomeFen: LINE_FEN - 1n }));
    expect(poor).toMatchObject({ status: 'POOR', derivedStatus: 'POOR', statusOverrideReason: null, birthDate: '1985-03-15', districtId: p.districtId });
    const atLine = await r.households.create(household(p.villageIds[0], { perCapitaIncomeFen: LINE_FEN }));
    expect(atLine).toMatchObject({ status: 'NON_POOR', graduatedYear: null });
    expect(await r.households.get(poor.id)).toEqual(poor);
  });

  it('records an earlier graduation given at registration', async () => {
    const h = await r.households.create(household(p.villageIds[0], { perCapitaIncomeFen: 500_000n, incomeYear: 2019, graduatedYear: 2018 }));
    expect(h).toMatchObject({ status: 'GRADUATED', graduatedYear: 2018, derivedStatus: 'GRADUATED' });
  });

  it('refuses an override without a reason and writes nothing; stores it with one', async () => {
    const before = await count('households');
    const input = household(p.villageIds[0], { perCapitaIncomeFen: 400_000n, status: 'POOR' as const });
    const e = await err(r.households.create(input));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'overrideReason', code: 'OVERRIDE_REASON_REQUIRED' }] });
    expect(await count('households')).toBe(before);
    const h = await r.households.create({ ...input, overrideReason: 'hospitalised head of household' });
    expect(h).toMatchObject({ status: 'POOR', derivedStatus: 'NON_POOR', statusOverrideReason: 'hospitalised head of household' });
    const audits = await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_type = 'household' AND entity_id = $1 ORDER BY id`, [h.id]);
    expect(audits.map((a: { action: string }) => a.action)).toEqual(['HOUSEHOLD_CREATED', 'HOUSEHOLD_STATUS_OVERRIDDEN']);
  });

  it('returns every invalid field at once, naming idNumber for a bad check character', async () => {
    const good = newIdNumber();
    const badCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const e = await err(
      r.households.create(
        household('999999', { idNumber: badCheck, memberCount: 0, phone: '12345', incomeYear: 2030, status: 'GRADUATED' as const }),
      ),
    );
    expect(e?.code).toBe('VALIDATION_FAILED');
    expect(e?.errors.map((x) => x.field).sort()).toEqual(['graduatedYear', 'idNumber', 'incomeYear', 'memberCount', 'phone', 'villageId']);
    expect(JSON.stringify(e)).not.toContain(badCheck);
  });

  it('refuses a birth date after the business date', async () => {
    const future = newIdNumber('370302', '20260303');
    const e = await err(r.households.create(household(p.villageIds[0], { idNumber: future })));
    expect(e?.errors).toEqual([expect.objectContaining({ field: 'idNumber', code: 'isResidentId' })]);
  });

  it('answers 422 POVERTY_LINE_MISSING for a year without a line', async () => {
    const e = await err(r.households.create(household(p.villageIds[0], { incomeYear: 2005 })));
    expect(e).toMatchObject({ code: 'POVERTY_LINE_MISSING', errors: [{ field: 'incomeYear' }] });
  });

  it('refuses a second registration of the same person with CONFLICT naming idNumber, also when concurrent', async () => {
    const first = await r.households.create(household(p.villageIds[0]));
    const dup = await err(r.households.create(household(p.villageIds[1], { idNumber: first.idNumber.toLowerCase() })));
    expect(dup).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'idNumber', code: 'DUPLICATE' }], extra: { existingHouseholdId: first.id } });

    const idNumber = newIdNumber();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => r.households.create(household(p.villageIds[0], { idNumber }))));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    for (const x of results.filter((x) => x.status === 'rejected')) {
      expect((x as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'idNumber' }] });
    }
    expect(Number((await db.dataSource.query(`SELECT count(*) AS n FROM households WHERE id_number = $1`, [idNumber]))[0].n)).toBe(1);
  });

  it('keeps personal data out of the audit log', async () => {
    const h = await r.households.create(household(p.villageIds[0], { phone: '13812345678' }));
    await r.households.update(h.id, { phone: '13987654321' });
    const rows = await db.dataSource.query(`SELECT before, after FROM audit_log WHERE entity_type = 'household' AND entity_id = $1`, [h.id]);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(h.idNumber);
    expect(text).not.toContain('13812345678');
    expect(text).not.toContain('13987654321');
    expect(text).not.toContain(h.birthDate);
    expect(rows[0].after.idNumber).toBe(`${h.idNumber.slice(0, 4)}**********${h.idNumber.slice(-4)}`);
  });
});

describe('household updates', () => {
  it('graduates a POOR household whose income reaches the line, in the income year, and keeps that year', async () => {
    const h = await r.households.create(household(p.villageIds[0], { perCapitaIncomeFen: 300_000n, incomeYear: 2016 }));
    const g = await r.households.update(h.id, { perCapitaIncomeFen: 420_000n, incomeYear: 2017 });
    expect(g).toMatchObject({ status: 'GRADUATED', graduatedYear: 2017, derivedStatus: 'GRADUATED' });
    const later = await r.households.update(h.id, { perCapitaIncomeFen: 600_000n, incomeYear: 2019 });
    expect(later).toMatchObject({ status: 'GRADUATED', graduatedYear: 2017 });
    const back = await r.households.update(h.id, { perCapitaIncomeFen: 200_000n, incomeYear: 2020 });
    expect(back).toMatchObject({ status: 'POOR', graduatedYear: null });
    expect(await err(r.households.update(h.id, { graduatedYear: 2018 }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'graduatedYear', code: 'GRADUATED_YEAR_NOT_ALLOWED' }],
    });
  });

  it('keeps a standing override across an income change until cleared', async () => {
    const h = await r.households.create(
      household(p.villageIds[0], { perCapitaIncomeFen: 400_000n, status: 'POOR', overrideReason: 'disability confirmed' }),
    );
    const u = await r.households.update(h.id, { perCapitaIncomeFen: 410_000n });
    expect(u).toMatchObject({ status: 'POOR', derivedStatus: 'GRADUATED', statusOverrideReason: 'disability confirmed' });
    const cleared = await r.households.update(h.id, { clearOverride: true });
    expect(cleared).toMatchObject({ status: 'GRADUATED', graduatedYear: 2016, statusOverrideReason: null });
    const actions = (await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_type = 'household' AND entity_id = $1 ORDER BY id`, [h.id])).map((a: { action: string }) => a.action);
    expect(actions).toContain('HOUSEHOLD_STATUS_OVERRIDE_CLEARED');
  });

  it('does not re-identify on an edit that does not touch the identification', async () => {
    const h = await r.households.create(household(p.villageIds[0], { perCapitaIncomeFen: 300_000n }));
    // an administrator corrects the line afterwards: the household keeps its identification until its income changes
    const q = await place(r, 1);
    const hh = await r.households.create(household(q.villageIds[0], { perCapitaIncomeFen: 300_000n }));
    const line = await r.geo.createPovertyLine({ districtId: q.districtId, year: 2016, lineFen: 250_000n });
    expect((await r.households.update(hh.id, { headName: '改名' })).status).toBe('POOR');
    expect((await r.households.update(hh.id, { perCapitaIncomeFen: 300_001n })).status).toBe('GRADUATED');
    expect(line.scope).toBe('DISTRICT');
    expect((await r.households.update(h.id, { memberCount: 6 })).memberCount).toBe(6);
  });

  it('refuses to move a household bound to its village, listing every reason', async () => {
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await r.households.create(household(p.villageIds[0])));
    const group = await r.groups.create({ villageId: p.villageIds[0], name: 'move test', householdIds: members.map((m) => m.id) });
    await r.entities.create({ kind: 'FAMILY_FARM', name: 'farm', creditCode: '91350100M000100Y43', districtId: p.districtId });
    const farm = await r.entities.findByCreditCode('91350100M000100Y43');
    await r.entities.link(farm!.id, [members[0].id]);
    const q = await place(r, 1);
    const e = await err(r.households.update(members[0].id, { villageId: q.villageIds[0] }));
    expect(e?.code).toBe('REGISTRY_RULES_VIOLATED');
    expect(e?.errors.map((x) => x.code).sort()).toEqual(['HOUSEHOLD_IN_GROUP', 'HOUSEHOLD_LINKED_TO_ENTITY']);
    expect((await r.households.get(members[0].id)).villageId).toBe(p.villageIds[0]);
    // within the same district and free of bonds, a move is fine and re-identifies against the new district's line
    const free = await r.households.create(household(p.villageIds[0]));
    expect((await r.households.update(free.id, { villageId: p.villageIds[1] })).villageId).toBe(p.villageIds[1]);
    expect(group.size).toBe(3);
  });

  it('refuses an ID number correction that collides with another household', async () => {
    const a = await r.households.create(household(p.villageIds[0]));
    const b = await r.households.create(household(p.villageIds[0]));
    expect(await err(r.households.update(b.id, { idNumber: a.idNumber }))).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'idNumber' }] });
    const fixed = newIdNumber('370302', '19991231');
    expect(await r.households.update(b.id, { idNumber: fixed })).toMatchObject({ idNumber: fixed, birthDate: '1999-12-31' });
  });
});

describe('household lists', () => {
  it('filters by district, village, status and name, paginated', async () => {
    const q = await place(r, 2);
    for (let i = 0; i < 5; i++) {
      await r.households.create(household(q.villageIds[i % 2], { headName: i < 2 ? `欧阳${i}` : `司马${i}`, perCapitaIncomeFen: i % 2 ? 900_000n : 100_000n }));
    }
    const all = await r.households.list({ districtId: q.districtId }, { page: 1, pageSize: 2 });
    expect(all.total).toBe(5);
    expect(all.items).toHaveLength(2);
    const page3 = await r.households.list({ districtId: q.districtId }, { page: 3, pageSize: 2 });
    expect(page3.items).toHaveLength(1);
    expect((await r.households.list({ villageId: q.villageIds[1] }, { page: 1, pageSize: 50 })).total).toBe(2);
    expect((await r.households.list({ districtId: q.districtId, status: 'POOR' }, { page: 1, pageSize: 50 })).total).toBe(3);
    expect((await r.households.list({ districtId: q.districtId, name: '欧阳' }, { page: 1, pageSize: 50 })).total).toBe(2);
    expect((await r.households.list({ name: '%' }, { page: 1, pageSize: 50 })).total).toBe(0);
  });
});
