import request from 'supertest';
import { residentIdCheckChar, seedRegistry } from '#libs/households';
import { createTestApp, type TestApp } from '#libs/testing';

let t: TestApp;
const tokens: Record<string, string> = {};
let districtId: string;
let villageId: string;
let otherVillageId: string;
let villageCode: string;

let serial = 0;
const idNumber = (birth = '19800101') => {
  const first17 = `370302${birth}${String(++serial).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};
const api = () => request(t.http);
const as = (role: string) => ({ Authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  t = await createTestApp();
  const [bank] = await t.db.dataSource.query(`INSERT INTO banks (code, name) VALUES ('ZBRCB', 'demo bank') RETURNING id`);
  for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const) tokens[role] = await t.tokenFor(role);
  tokens.BANK_OFFICER = await t.tokenFor('BANK_OFFICER', { bankId: String(bank.id) });

  const d = await api().post('/api/v1/districts').set(as('ADMIN')).send({ code: '370302', name: '淄川区', heavyTask: true }).expect(201);
  districtId = d.body.id;
  const town = await api().post('/api/v1/towns').set(as('ADMIN')).send({ districtId, code: '370302106', name: '岭子镇' }).expect(201);
  const v = await api().post('/api/v1/villages').set(as('ADMIN')).send({ townId: town.body.id, code: '370302106201', name: '东坪村', isPilot: true }).expect(201);
  villageId = v.body.id;
  villageCode = v.body.code;
  const v2 = await api().post('/api/v1/villages').set(as('ADMIN')).send({ townId: town.body.id, code: '370302106202', name: '西坪村' }).expect(201);
  otherVillageId = v2.body.id;
  await api().post('/api/v1/poverty-lines').set(as('ADMIN')).send({ year: 2016, line: '3560.00', note: 'source case' }).expect(201);
});
afterAll(async () => t?.close());

const newHousehold = (over: Record<string, unknown> = {}) => ({
  villageId,
  headName: '王秀英',
  idNumber: idNumber(),
  phone: '13905331234',
  memberCount: 4,
  perCapitaIncome: '3200.00',
  incomeYear: 2016,
  ...over,
});

describe('registry API: roles', () => {
  it('needs a token (401) and the right role (403)', async () => {
    await api().get('/api/v1/households').expect(401);
    const forbidden = await api().post('/api/v1/households').set(as('AUDITOR')).send(newHousehold()).expect(403);
    expect(forbidden.headers['content-type']).toContain('application/problem+json');
    await api().post('/api/v1/districts').set(as('LOAN_OFFICER')).send({ code: '370303', name: 'x' }).expect(403);
    await api().post('/api/v1/poverty-lines').set(as('FUND_ADMIN')).send({ year: 2017, line: '3560.00' }).expect(403);
    await api().get('/api/v1/groups').set(as('BANK_OFFICER')).expect(403);
    await api().patch(`/api/v1/villages/${villageId}`).set(as('ADMIN')).send({ isPilot: true }).expect(200);
    await api().get('/api/v1/villages').set(as('BANK_OFFICER')).expect(200);
  });
});

describe('registry API: households', () => {
  it('registers a household with its derived status (201) and reads it back', async () => {
    const body = newHousehold();
    const res = await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(body).expect(201);
    expect(res.body).toMatchObject({
      idNumber: body.idNumber,
      phone: '13905331234',
      birthDate: '1980-01-01',
      perCapitaIncome: '3200.00',
      status: 'POOR',
      derivedStatus: 'POOR',
      statusOverridden: false,
      districtId,
      villageCode,
      personalDataMasked: false,
    });
    const back = await api().get(`/api/v1/households/${res.body.id}`).set(as('FUND_ADMIN')).expect(200);
    expect(back.body.idNumber).toBe(body.idNumber);
  });

  it('answers 400 naming idNumber for a bad check character, and writes nothing', async () => {
    const good = idNumber();
    const bad = good.slice(0, 17) + (good[17] === '5' ? '6' : '5');
    const [{ n: before }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM households`);
    const res = await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold({ idNumber: bad, memberCount: 0 })).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'idNumber', code: 'isResidentId' }),
        expect.objectContaining({ field: 'memberCount' }),
      ]),
    );
    expect(JSON.stringify(res.body)).not.toContain(bad);
    const [{ n: after }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM households`);
    expect(after).toBe(before);
    await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send({ ...newHousehold(), extra: 1 }).expect(400);
    await api().get('/api/v1/households/abc').set(as('LOAN_OFFICER')).expect(400);
    await api().get('/api/v1/households/987654').set(as('LOAN_OFFICER')).expect(404);
  });

  it('answers 409 CONFLICT naming idNumber for a second registration of the same person', async () => {
    const body = newHousehold();
    await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(body).expect(201);
    const res = await api().post('/api/v1/households').set(as('FUND_ADMIN')).send({ ...body, idNumber: body.idNumber.toLowerCase() }).expect(409);
    expect(res.body).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'idNumber', code: 'DUPLICATE' }] });
  });

  it('requires a reason to override the derived status, and shows the override', async () => {
    const above = newHousehold({ perCapitaIncome: '4000.00', status: 'POOR' });
    const res = await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(above).expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'overrideReason', code: 'OVERRIDE_REASON_REQUIRED' })]);
    const ok = await api()
      .post('/api/v1/households')
      .set(as('LOAN_OFFICER'))
      .send({ ...above, overrideReason: 'serious illness confirmed by the village committee' })
      .expect(201);
    expect(ok.body).toMatchObject({ status: 'POOR', derivedStatus: 'NON_POOR', statusOverridden: true });
    const graduated = await api().patch(`/api/v1/households/${ok.body.id}`).set(as('FUND_ADMIN')).send({ clearOverride: true }).expect(200);
    expect(graduated.body).toMatchObject({ status: 'GRADUATED', graduatedYear: 2016, statusOverridden: false });
    const missing = await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold({ incomeYear: 2010 })).expect(422);
    expect(missing.body.code).toBe('POVERTY_LINE_MISSING');
  });

  it('masks ID numbers and phones for AUDITOR and BANK_OFFICER, shows them to ADMIN and the fund side', async () => {
    const body = newHousehold({ headName: '掩码测试', phone: '13812345678' });
    const { body: h } = await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(body).expect(201);
    const masked = `${body.idNumber.slice(0, 4)}**********${body.idNumber.slice(-4)}`;
    for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER']) {
      const r = await api().get(`/api/v1/households/${h.id}`).set(as(role)).expect(200);
      expect([r.body.idNumber, r.body.phone, r.body.birthDate]).toEqual([body.idNumber, '13812345678', '1980-01-01']);
    }
    const audited = await api().get(`/api/v1/households/${h.id}`).set(as('AUDITOR')).expect(200);
    expect(audited.body).toMatchObject({ idNumber: masked, phone: '138****5678', birthDate: null, personalDataMasked: true });
    expect(audited.body.age).toBeGreaterThanOrEqual(45);

    // a bank looks a borrower up by the number it holds; it cannot browse, nor open households that are not its borrowers
    await api().get('/api/v1/households').set(as('BANK_OFFICER')).expect(403);
    const found = await api().get('/api/v1/households').query({ idNumber: body.idNumber }).set(as('BANK_OFFICER')).expect(200);
    expect(found.body.items).toEqual([expect.objectContaining({ id: h.id, idNumber: masked, phone: '138****5678', overrideReason: null })]);
    await api().get(`/api/v1/households/${h.id}`).set(as('BANK_OFFICER')).expect(404);

    // the audit trail holds masked values only
    const trail = await api().get('/api/v1/audit').query({ entityType: 'household', entityId: h.id }).set(as('AUDITOR')).expect(200);
    expect(JSON.stringify(trail.body)).not.toContain(body.idNumber);
    expect(JSON.stringify(trail.body)).not.toContain('13812345678');
    expect(trail.body.items[0].after.idNumber).toBe(masked);
  });

  it('filters by district, village, status and name, paginated', async () => {
    for (let i = 0; i < 3; i++) {
      await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold({ villageId: otherVillageId, headName: `分页${i}`, perCapitaIncome: i ? '9000.00' : '100.00' })).expect(201);
    }
    const page1 = await api().get('/api/v1/households').query({ villageId: otherVillageId, pageSize: 2 }).set(as('AUDITOR')).expect(200);
    expect(page1.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api().get('/api/v1/households').query({ villageId: otherVillageId, pageSize: 2, page: 2 }).set(as('AUDITOR')).expect(200);
    expect(page2.body.items).toHaveLength(1);
    const poor = await api().get('/api/v1/households').query({ villageId: otherVillageId, status: 'POOR' }).set(as('AUDITOR')).expect(200);
    expect(poor.body.items.map((x: { headName: string }) => x.headName)).toEqual(['分页0']);
    const named = await api().get('/api/v1/households').query({ districtId, name: '分页' }).set(as('AUDITOR')).expect(200);
    expect(named.body.total).toBe(3);
    const bad = await api().get('/api/v1/households').query({ pageSize: 1000, status: 'RICH' }).set(as('AUDITOR')).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['pageSize', 'status']);
  });

  it('imports a CSV body streamed as text/csv, reporting rows by line', async () => {
    const [a, b] = [idNumber('19900101'), idNumber('19900102')];
    const csv = [
      'villageCode,headName,idNumber,phone,memberCount,perCapitaIncome,incomeYear',
      `${villageCode},导入一,${a},13905330001,3,3000.00,2016`,
      `${villageCode},导入二,${a},,3,3000.00,2016`,
      `${villageCode},导入三,${b.slice(0, 17)}${b[17] === '0' ? '1' : '0'},,3,3000.00,2016`,
    ].join('\n');
    const res = await api().post('/api/v1/households/import').set(as('LOAN_OFFICER')).set('Content-Type', 'text/csv').send(csv).expect(200);
    expect(res.body).toEqual({
      imported: 1,
      failed: 2,
      errorsTruncated: false,
      errors: [
        expect.objectContaining({ line: 3, field: 'idNumber', code: 'DUPLICATE' }),
        expect.objectContaining({ line: 4, field: 'idNumber', code: 'isResidentId' }),
      ],
    });
    const wrongType = await api().post('/api/v1/households/import').set(as('LOAN_OFFICER')).send({ csv }).expect(400);
    expect(wrongType.body.errors[0].field).toBe('Content-Type');
    await api().post('/api/v1/households/import').set(as('AUDITOR')).set('Content-Type', 'text/csv').send(csv).expect(403);
    const header = await api().post('/api/v1/households/import').set(as('FUND_ADMIN')).set('Content-Type', 'text/csv').send('foo,bar\n1,2\n').expect(400);
    expect(header.body.errors.map((e: { code: string }) => e.code)).toContain('CSV_UNKNOWN_COLUMN');
  });
});

describe('registry API: groups and entities', () => {
  it('forms a group of 4 (201), refuses a household of another group (409) and a fifth village (422)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold()).expect(201)).body.id);
    const g = await api().post('/api/v1/groups').set(as('LOAN_OFFICER')).send({ villageId, name: '第一联保小组', householdIds: ids.slice(0, 4) }).expect(201);
    expect(g.body).toMatchObject({ size: 4, status: 'ACTIVE' });
    const conflict = await api().post('/api/v1/groups').set(as('LOAN_OFFICER')).send({ villageId, name: 'x', householdIds: [ids[0], ids[4], ids[4]] }).expect(422);
    expect(conflict.body.errors.map((e: { code: string }) => e.code)).toEqual(['HOUSEHOLD_IN_GROUP', 'HOUSEHOLD_DUPLICATE', 'GROUP_TOO_SMALL']);
    const other = (await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold({ villageId: otherVillageId })).expect(201)).body.id;
    const twoMore = [];
    for (let i = 0; i < 2; i++) twoMore.push((await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold()).expect(201)).body.id);
    await api().post('/api/v1/groups').set(as('LOAN_OFFICER')).send({ villageId, name: 'y', householdIds: [ids[1], ...twoMore] }).expect(409);
    await api().post(`/api/v1/groups/${g.body.id}/members`).set(as('FUND_ADMIN')).send({ householdId: other }).expect(422);
    const added = await api().post(`/api/v1/groups/${g.body.id}/members`).set(as('FUND_ADMIN')).send({ householdId: ids[4] }).expect(200);
    expect(added.body.size).toBe(5);
    const ofHousehold = await api().get(`/api/v1/households/${ids[4]}/group`).set(as('AUDITOR')).expect(200);
    expect(ofHousehold.body.id).toBe(g.body.id);
    const seen = await api().get(`/api/v1/groups/${g.body.id}`).set(as('AUDITOR')).expect(200);
    expect(seen.body.members.every((m: { idNumber: string }) => /\*{10}/.test(m.idNumber))).toBe(true);
    await api().delete(`/api/v1/groups/${g.body.id}/members/${ids[4]}`).set(as('LOAN_OFFICER')).expect(200);
    const dissolved = await api().post(`/api/v1/groups/${g.body.id}/dissolve`).set(as('LOAN_OFFICER')).send({ reason: 'test' }).expect(200);
    expect(dissolved.body).toMatchObject({ status: 'DISSOLVED', size: 0 });
  });

  it('registers an entity with a valid credit code only and sizes it by linked poor households', async () => {
    const bad = await api()
      .post('/api/v1/entities')
      .set(as('LOAN_OFFICER'))
      .send({ kind: 'COOPERATIVE', name: '合作社', creditCode: '93370302MA3CQ8X17A', districtId })
      .expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'creditCode', code: 'isCreditCode' })]);
    const e = await api()
      .post('/api/v1/entities')
      .set(as('LOAN_OFFICER'))
      .send({ kind: 'COOPERATIVE', name: '合作社', creditCode: '93370302MA3CQ8X17E', districtId, villageId })
      .expect(201);
    const poor = [];
    for (let i = 0; i < 2; i++) poor.push((await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold()).expect(201)).body.id);
    const rich = (await api().post('/api/v1/households').set(as('LOAN_OFFICER')).send(newHousehold({ perCapitaIncome: '8000.00' })).expect(201)).body.id;
    const refused = await api().post(`/api/v1/entities/${e.body.id}/linked-households`).set(as('LOAN_OFFICER')).send({ householdIds: [...poor, rich] }).expect(422);
    expect(refused.body).toMatchObject({ code: 'ENTITY_LINK_RULES_VIOLATED', errors: [{ field: 'householdIds[2]', code: 'HOUSEHOLD_NOT_POOR' }] });
    const linked = await api().post(`/api/v1/entities/${e.body.id}/linked-households`).set(as('LOAN_OFFICER')).send({ householdIds: poor }).expect(200);
    expect(linked.body).toMatchObject({ linkedPoorCount: 2, isAssetIncomeProject: false });
    await api().get('/api/v1/entities').set(as('BANK_OFFICER')).expect(403);
    const byCode = await api().get('/api/v1/entities').query({ creditCode: '93370302ma3cq8x17e' }).set(as('BANK_OFFICER')).expect(200);
    expect(byCode.body.items.map((x: { id: string }) => x.id)).toEqual([e.body.id]);
    await api().get(`/api/v1/entities/${e.body.id}/linked-households`).set(as('BANK_OFFICER')).expect(403);
    const list = await api().get(`/api/v1/entities/${e.body.id}/linked-households`).set(as('AUDITOR')).expect(200);
    expect(list.body.total).toBe(2);

    // a second entity linking one of them: the household keeps backing the first entity's line only
    const second = await api()
      .post('/api/v1/entities')
      .set(as('LOAN_OFFICER'))
      .send({ kind: 'ENTERPRISE', name: '企业', creditCode: '91110000802100433B', districtId })
      .expect(201);
    const both = await api().post(`/api/v1/entities/${second.body.id}/linked-households`).set(as('LOAN_OFFICER')).send({ householdIds: [poor[0]] }).expect(200);
    expect(both.body).toMatchObject({ linkedPoorCount: 0, linkedPoorCountedElsewhere: 1, linkedHouseholdCount: 1 });
    const shown = await api().get(`/api/v1/entities/${second.body.id}/linked-households`).set(as('AUDITOR')).expect(200);
    expect(shown.body.items).toEqual([expect.objectContaining({ id: poor[0], counts: false, countedElsewhere: true, countedForEntityId: e.body.id })]);
    expect((await api().get(`/api/v1/households/${poor[0]}`).set(as('AUDITOR')).expect(200)).body.countedForEntityId).toBe(e.body.id);
    const unlinked = await api().delete(`/api/v1/entities/${e.body.id}/linked-households/${poor[0]}`).set(as('LOAN_OFFICER')).expect(200);
    expect(unlinked.body).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 0 });
    expect((await api().get(`/api/v1/entities/${second.body.id}`).set(as('AUDITOR')).expect(200)).body.linkedPoorCount).toBe(1);
    expect((await api().get(`/api/v1/households/${poor[0]}`).set(as('AUDITOR')).expect(200)).body.countedForEntityId).toBe(second.body.id);

    // the rule is the district's, changed by an administrator only
    const badRule = await api().patch(`/api/v1/districts/${districtId}`).set(as('ADMIN')).send({ entityLinkCounting: 'FIRST' }).expect(400);
    expect(badRule.body.errors.map((x: { field: string }) => x.field)).toEqual(['entityLinkCounting']);
    await api().patch(`/api/v1/districts/${districtId}`).set(as('FUND_ADMIN')).send({ entityLinkCounting: 'LATEST_LINK' }).expect(403);
    const latest = await api().patch(`/api/v1/districts/${districtId}`).set(as('ADMIN')).send({ entityLinkCounting: 'LATEST_LINK' }).expect(200);
    expect(latest.body.entityLinkCounting).toBe('LATEST_LINK');
    await api().patch(`/api/v1/districts/${districtId}`).set(as('ADMIN')).send({ entityLinkCounting: 'EARLIEST_LINK' }).expect(200);
  });
});

describe('demo seed', () => {
  it('seeds the registry once, whatever the number of runs', async () => {
    const first = await seedRegistry(t.app);
    const second = await seedRegistry(t.app);
    expect(second.length).toBe(first.length);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code LIKE '370302106%'`);
    expect(n).toBeGreaterThanOrEqual(12);
    const coop = await api().get('/api/v1/entities').query({ creditCode: '93370302MA3CQ8X17E' }).set(as('AUDITOR')).expect(200);
    expect(coop.body.items[0].linkedPoorCount).toBeGreaterThanOrEqual(3);
    const farm = await api().get('/api/v1/entities').query({ kind: 'FAMILY_FARM', name: '东坪家庭农场' }).set(as('AUDITOR')).expect(200);
    // the farm shares one household with the cooperative, which linked it first: it counts there only
    expect(farm.body.items[0]).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 1, linkedHouseholdCount: 2 });
    const groups = await api().get('/api/v1/groups').query({ name: '东坪村第一联保小组', status: 'ACTIVE' }).set(as('AUDITOR')).expect(200);
    expect(groups.body.items.map((g: { size: number }) => g.size)).toEqual([4]);
    const statuses = await t.db.dataSource.query(`SELECT DISTINCT status FROM households ORDER BY status`);
    expect(statuses.map((s: { status: string }) => s.status)).toEqual(['GRADUATED', 'NON_POOR', 'POOR']);
    const lines = await api().get('/api/v1/poverty-lines/effective').query({ districtId, year: 2016 }).set(as('BANK_OFFICER')).expect(200);
    expect(lines.body).toMatchObject({ line: '3560.00', scope: 'CITY' });
  });
});
