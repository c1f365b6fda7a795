import { residentIdCheckChar, seedRegistry } from '#libs/households';
import { createTestApp, expectStatus, fileBody, type TestApp } from '#libs/testing';

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
/** The generated client signed in as `role`. */
const as = (role: string) => t.api(tokens[role]);
const id = (value: string) => ({ params: { path: { id: value } } });

beforeAll(async () => {
  t = await createTestApp();
  const [bank] = await t.db.dataSource.query(`INSERT INTO banks (code, name) VALUES ('ZBRCB', 'demo bank') RETURNING id`);
  for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const) tokens[role] = await t.tokenFor(role);
  tokens.BANK_OFFICER = await t.tokenFor('BANK_OFFICER', { bankId: String(bank.id) });

  const d = await expectStatus(as('ADMIN').POST('/api/v1/districts', { body: { code: '370302', name: '淄川区', heavyTask: true } }), 201);
  districtId = d.body.id;
  const town = await expectStatus(as('ADMIN').POST('/api/v1/towns', { body: { districtId, code: '370302106', name: '岭子镇' } }), 201);
  const v = await expectStatus(
    as('ADMIN').POST('/api/v1/villages', { body: { townId: town.body.id, code: '370302106201', name: '东坪村', isPilot: true } }),
    201,
  );
  villageId = v.body.id;
  villageCode = v.body.code;
  const v2 = await expectStatus(as('ADMIN').POST('/api/v1/villages', { body: { townId: town.body.id, code: '370302106202', name: '西坪村' } }), 201);
  otherVillageId = v2.body.id;
  await expectStatus(as('ADMIN').POST('/api/v1/poverty-lines', { body: { year: 2016, line: '3560.00', note: 'source case' } }), 201);
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
// households with fields changed on purpose (some invalid on purpose): what matters is what the server answers
const register = (role: string, body: Record<string, unknown>, status: number) =>
  expectStatus(as(role).POST('/api/v1/households', { body: body as never }), status);

describe('registry API: roles', () => {
  it('needs a token (401) and the right role (403)', async () => {
    await expectStatus(t.api().GET('/api/v1/households'), 401);
    const forbidden = await register('AUDITOR', newHousehold(), 403);
    expect(forbidden.headers['content-type']).toContain('application/problem+json');
    await expectStatus(as('LOAN_OFFICER').POST('/api/v1/districts', { body: { code: '370303', name: 'x' } }), 403);
    await expectStatus(as('FUND_ADMIN').POST('/api/v1/poverty-lines', { body: { year: 2017, line: '3560.00' } }), 403);
    await expectStatus(as('BANK_OFFICER').GET('/api/v1/groups'), 403);
    await expectStatus(as('ADMIN').PATCH('/api/v1/villages/{id}', { ...id(villageId), body: { isPilot: true } }), 200);
    await expectStatus(as('BANK_OFFICER').GET('/api/v1/villages'), 200);
  });
});

describe('registry API: households', () => {
  it('registers a household with its derived status (201) and reads it back', async () => {
    const body = newHousehold();
    const res = await register('LOAN_OFFICER', body, 201);
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
    const back = await expectStatus(as('FUND_ADMIN').GET('/api/v1/households/{id}', id(res.body.id)), 200);
    expect(back.body.idNumber).toBe(body.idNumber);
  });

  it('answers 400 naming idNumber for a bad check character, and writes nothing', async () => {
    const good = idNumber();
    const bad = good.slice(0, 17) + (good[17] === '5' ? '6' : '5');
    const [{ n: before }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM households`);
    const res = await register('LOAN_OFFICER', newHousehold({ idNumber: bad, memberCount: 0 }), 400);
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
    await register('LOAN_OFFICER', { ...newHousehold(), extra: 1 }, 400);
    await expectStatus(as('LOAN_OFFICER').GET('/api/v1/households/{id}', id('abc')), 400);
    await expectStatus(as('LOAN_OFFICER').GET('/api/v1/households/{id}', id('987654')), 404);
  });

  it('answers 409 CONFLICT naming idNumber for a second registration of the same person', async () => {
    const body = newHousehold();
    await register('LOAN_OFFICER', body, 201);
    const res = await register('FUND_ADMIN', { ...body, idNumber: body.idNumber.toLowerCase() }, 409);
    expect(res.body).toMatchObject({ code: 'CONFLICT', errors: [{ field: 'idNumber', code: 'DUPLICATE' }] });
  });

  it('requires a reason to override the derived status, and shows the override', async () => {
    const above = newHousehold({ perCapitaIncome: '4000.00', status: 'POOR' });
    const res = await register('LOAN_OFFICER', above, 400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'overrideReason', code: 'OVERRIDE_REASON_REQUIRED' })]);
    const ok = await register('LOAN_OFFICER', { ...above, overrideReason: 'serious illness confirmed by the village committee' }, 201);
    expect(ok.body).toMatchObject({ status: 'POOR', derivedStatus: 'NON_POOR', statusOverridden: true });
    const graduated = await expectStatus(
      as('FUND_ADMIN').PATCH('/api/v1/households/{id}', { ...id(ok.body.id), body: { clearOverride: true } }),
      200,
    );
    expect(graduated.body).toMatchObject({ status: 'GRADUATED', graduatedYear: 2016, statusOverridden: false });
    const missing = await register('LOAN_OFFICER', newHousehold({ incomeYear: 2010 }), 422);
    expect(missing.body.code).toBe('POVERTY_LINE_MISSING');
  });

  it('masks ID numbers and phones for AUDITOR and BANK_OFFICER, shows them to ADMIN and the fund side', async () => {
    const body = newHousehold({ headName: '掩码测试', phone: '13812345678' });
    const { body: h } = await register('LOAN_OFFICER', body, 201);
    const masked = `${body.idNumber.slice(0, 4)}**********${body.idNumber.slice(-4)}`;
    for (const role of ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER']) {
      const r = await expectStatus(as(role).GET('/api/v1/households/{id}', id(h.id)), 200);
      expect([r.body.idNumber, r.body.phone, r.body.birthDate]).toEqual([body.idNumber, '13812345678', '1980-01-01']);
    }
    const audited = await expectStatus(as('AUDITOR').GET('/api/v1/households/{id}', id(h.id)), 200);
    expect(audited.body).toMatchObject({ idNumber: masked, phone: '138****5678', birthDate: null, personalDataMasked: true });
    expect(audited.body.age).toBeGreaterThanOrEqual(45);

    // a bank looks a borrower up by the number it holds; it cannot browse, nor open households that are not its borrowers
    await expectStatus(as('BANK_OFFICER').GET('/api/v1/households'), 403);
    const found = await expectStatus(
      as('BANK_OFFICER').GET('/api/v1/households', { params: { query: { idNumber: body.idNumber } } }),
      200,
    );
    expect(found.body.items).toEqual([expect.objectContaining({ id: h.id, idNumber: masked, phone: '138****5678', overrideReason: null })]);
    await expectStatus(as('BANK_OFFICER').GET('/api/v1/households/{id}', id(h.id)), 404);

    // the audit trail holds masked values only
    const trail = await expectStatus(
      as('AUDITOR').GET('/api/v1/audit', { params: { query: { entityType: 'household', entityId: h.id } } }),
      200,
    );
    expect(JSON.stringify(trail.body)).not.toContain(body.idNumber);
    expect(JSON.stringify(trail.body)).not.toContain('13812345678');
    expect(trail.body.items[0].after.idNumber).toBe(masked);
  });

  it('filters by district, village, status and name, paginated', async () => {
    for (let i = 0; i < 3; i++) {
      await register('LOAN_OFFICER', newHousehold({ villageId: otherVillageId, headName: `分页${i}`, perCapitaIncome: i ? '9000.00' : '100.00' }), 201);
    }
    const list = (query: Record<string, unknown>, status = 200) =>
      // some queries are invalid on purpose
      expectStatus(as('AUDITOR').GET('/api/v1/households', { params: { query: query as never } }), status);
    const page1 = await list({ villageId: otherVillageId, pageSize: 2 });
    expect(page1.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await list({ villageId: otherVillageId, pageSize: 2, page: 2 });
    expect(page2.body.items).toHaveLength(1);
    const poor = await list({ villageId: otherVillageId, status: 'POOR' });
    expect(poor.body.items.map((x: { headName: string }) => x.headName)).toEqual(['分页0']);
    const named = await list({ districtId, name: '分页' });
    expect(named.body.total).toBe(3);
    const bad = await list({ pageSize: 1000, status: 'RICH' }, 400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['pageSize', 'status']);
  });

  it('imports a CSV body streamed as text/csv: all or nothing, every bad row by row and column, in Chinese on request', async () => {
    const [a, b] = [idNumber('19900101'), idNumber('19900102')];
    const csv = [
      'villageCode,headName,idNumber,phone,memberCount,perCapitaIncome,incomeYear',
      `${villageCode},导入一,${a},13905330001,3,3000.00,2016`,
      `${villageCode},导入二,${a},,3,3000.00,2016`,
      `${villageCode},导入三,${b.slice(0, 17)}${b[17] === '0' ? '1' : '0'},,3,3000.00,2016`,
    ].join('\n');
    const importCsv = (role: string, body: string, status: number, opts: { dryRun?: boolean; lang?: string } = {}) =>
      expectStatus(
        as(role).POST('/api/v1/households/import', {
          params: { query: opts.dryRun ? { dryRun: true } : {} },
          ...fileBody(body, 'text/csv', opts.lang ? { 'Accept-Language': opts.lang } : {}),
        }),
        status,
      );
    const res = await importCsv('LOAN_OFFICER', csv, 200, { lang: 'zh-CN' });
    expect(res.body).toMatchObject({ dryRun: false, rows: 3, valid: 1, imported: 0, failed: 2, errorsTruncated: false });
    expect(res.body.errors).toEqual([
      { row: 3, column: 'idNumber', field: 'idNumber', code: 'DUPLICATE', message: '重复（与第 2 行相同）' },
      { row: 4, column: 'idNumber', field: 'idNumber', code: 'isResidentId', message: '必须是 18 位居民身份证号码' },
    ]);
    const none = await expectStatus(as('LOAN_OFFICER').GET('/api/v1/households', { params: { query: { idNumber: a } } }), 200);
    expect(none.body.total).toBe(0);
    const good = csv.split('\n').slice(0, 2).join('\n');
    const dry = await importCsv('LOAN_OFFICER', good, 200, { dryRun: true });
    expect(dry.body).toMatchObject({ dryRun: true, valid: 1, imported: 0, failed: 0 });
    const real = await importCsv('LOAN_OFFICER', good, 200);
    expect(real.body).toMatchObject({ dryRun: false, imported: 1, skipped: 0 });
    const again = await importCsv('LOAN_OFFICER', good, 200);
    expect(again.body).toMatchObject({ imported: 0, skipped: 1 });
    // a JSON body where a file is expected, on purpose
    const wrongType = await expectStatus(as('LOAN_OFFICER').POST('/api/v1/households/import', { body: { csv } as never }), 400);
    expect(wrongType.body.errors[0].field).toBe('Content-Type');
    await importCsv('AUDITOR', csv, 403);
    const header = await importCsv('FUND_ADMIN', 'foo,bar\n1,2\n', 400);
    expect(header.body.errors.map((e: { code: string }) => e.code)).toContain('CSV_UNKNOWN_COLUMN');
  });
});

describe('registry API: groups and entities', () => {
  it('forms a group of 4 (201), refuses a household of another group (409) and a fifth village (422)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await register('LOAN_OFFICER', newHousehold(), 201)).body.id);
    const form = (householdIds: string[], name: string, status: number) =>
      expectStatus(as('LOAN_OFFICER').POST('/api/v1/groups', { body: { villageId, name, householdIds } }), status);
    const g = await form(ids.slice(0, 4), '第一联保小组', 201);
    expect(g.body).toMatchObject({ size: 4, status: 'ACTIVE' });
    const conflict = await form([ids[0], ids[4], ids[4]], 'x', 422);
    expect(conflict.body.errors.map((e: { code: string }) => e.code)).toEqual(['HOUSEHOLD_IN_GROUP', 'HOUSEHOLD_DUPLICATE', 'GROUP_TOO_SMALL']);
    const other = (await register('LOAN_OFFICER', newHousehold({ villageId: otherVillageId }), 201)).body.id;
    const twoMore = [];
    for (let i = 0; i < 2; i++) twoMore.push((await register('LOAN_OFFICER', newHousehold(), 201)).body.id);
    await form([ids[1], ...twoMore], 'y', 409);
    await expectStatus(as('FUND_ADMIN').POST('/api/v1/groups/{id}/members', { ...id(g.body.id), body: { householdId: other } }), 422);
    const added = await expectStatus(
      as('FUND_ADMIN').POST('/api/v1/groups/{id}/members', { ...id(g.body.id), body: { householdId: ids[4] } }),
      200,
    );
    expect(added.body.size).toBe(5);
    const ofHousehold = await expectStatus(as('AUDITOR').GET('/api/v1/households/{id}/group', id(ids[4])), 200);
    expect(ofHousehold.body.id).toBe(g.body.id);
    const seen = await expectStatus(as('AUDITOR').GET('/api/v1/groups/{id}', id(g.body.id)), 200);
    expect(seen.body.members.every((m: { idNumber: string }) => /\*{10}/.test(m.idNumber))).toBe(true);
    await expectStatus(
      as('LOAN_OFFICER').DELETE('/api/v1/groups/{id}/members/{householdId}', {
        params: { path: { id: g.body.id, householdId: ids[4] } },
      }),
      200,
    );
    const dissolved = await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/groups/{id}/dissolve', { ...id(g.body.id), body: { reason: 'test' } }),
      200,
    );
    expect(dissolved.body).toMatchObject({ status: 'DISSOLVED', size: 0 });
  });

  it('registers an entity with a valid credit code only and sizes it by linked poor households', async () => {
    const bad = await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/entities', {
        body: { kind: 'COOPERATIVE', name: '合作社', creditCode: '93370302MA3CQ8X17A', districtId },
      }),
      400,
    );
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'creditCode', code: 'isCreditCode' })]);
    const e = await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/entities', {
        body: { kind: 'COOPERATIVE', name: '合作社', creditCode: '93370302MA3CQ8X17E', districtId, villageId },
      }),
      201,
    );
    const poor = [];
    for (let i = 0; i < 2; i++) poor.push((await register('LOAN_OFFICER', newHousehold(), 201)).body.id);
    const rich = (await register('LOAN_OFFICER', newHousehold({ perCapitaIncome: '8000.00' }), 201)).body.id;
    const link = (entityId: string, householdIds: string[], status: number) =>
      expectStatus(
        as('LOAN_OFFICER').POST('/api/v1/entities/{id}/linked-households', { ...id(entityId), body: { householdIds } }),
        status,
      );
    const linkedOf = (role: string, entityId: string, status = 200) =>
      expectStatus(as(role).GET('/api/v1/entities/{id}/linked-households', id(entityId)), status);
    const householdOf = async (householdId: string) =>
      (await expectStatus(as('AUDITOR').GET('/api/v1/households/{id}', id(householdId)), 200)).body;
    const refused = await link(e.body.id, [...poor, rich], 422);
    expect(refused.body).toMatchObject({ code: 'ENTITY_LINK_RULES_VIOLATED', errors: [{ field: 'householdIds[2]', code: 'HOUSEHOLD_NOT_POOR' }] });
    const linked = await link(e.body.id, poor, 200);
    expect(linked.body).toMatchObject({ linkedPoorCount: 2, isAssetIncomeProject: false });
    await expectStatus(as('BANK_OFFICER').GET('/api/v1/entities'), 403);
    const byCode = await expectStatus(
      as('BANK_OFFICER').GET('/api/v1/entities', { params: { query: { creditCode: '93370302ma3cq8x17e' } } }),
      200,
    );
    expect(byCode.body.items.map((x: { id: string }) => x.id)).toEqual([e.body.id]);
    await linkedOf('BANK_OFFICER', e.body.id, 403);
    const list = await linkedOf('AUDITOR', e.body.id);
    expect(list.body.total).toBe(2);

    // a second entity linking one of them: the household keeps backing the first entity's line only
    const second = await expectStatus(
      as('LOAN_OFFICER').POST('/api/v1/entities', {
        body: { kind: 'ENTERPRISE', name: '企业', creditCode: '91110000802100433B', districtId },
      }),
      201,
    );
    const both = await link(second.body.id, [poor[0]], 200);
    expect(both.body).toMatchObject({ linkedPoorCount: 0, linkedPoorCountedElsewhere: 1, linkedHouseholdCount: 1 });
    const shown = await linkedOf('AUDITOR', second.body.id);
    expect(shown.body.items).toEqual([expect.objectContaining({ id: poor[0], counts: false, countedElsewhere: true, countedForEntityId: e.body.id })]);
    expect((await householdOf(poor[0])).countedForEntityId).toBe(e.body.id);
    const unlinked = await expectStatus(
      as('LOAN_OFFICER').DELETE('/api/v1/entities/{id}/linked-households/{householdId}', {
        params: { path: { id: e.body.id, householdId: poor[0] } },
      }),
      200,
    );
    expect(unlinked.body).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 0 });
    expect((await expectStatus(as('AUDITOR').GET('/api/v1/entities/{id}', id(second.body.id)), 200)).body.linkedPoorCount).toBe(1);
    expect((await householdOf(poor[0])).countedForEntityId).toBe(second.body.id);

    // the rule is the district's, changed by an administrator only
    const rule = (role: string, entityLinkCounting: string, status: number) =>
      // FIRST is not a rule: sent on purpose
      expectStatus(as(role).PATCH('/api/v1/districts/{id}', { ...id(districtId), body: { entityLinkCounting } as never }), status);
    const badRule = await rule('ADMIN', 'FIRST', 400);
    expect(badRule.body.errors.map((x: { field: string }) => x.field)).toEqual(['entityLinkCounting']);
    await rule('FUND_ADMIN', 'LATEST_LINK', 403);
    const latest = await rule('ADMIN', 'LATEST_LINK', 200);
    expect(latest.body.entityLinkCounting).toBe('LATEST_LINK');
    await rule('ADMIN', 'EARLIEST_LINK', 200);
  });
});

describe('demo seed', () => {
  it('seeds the registry once, whatever the number of runs', async () => {
    const first = await seedRegistry(t.app);
    const second = await seedRegistry(t.app);
    expect(second.length).toBe(first.length);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code LIKE '370302106%'`);
    expect(n).toBeGreaterThanOrEqual(12);
    const coop = await expectStatus(as('AUDITOR').GET('/api/v1/entities', { params: { query: { creditCode: '93370302MA3CQ8X17E' } } }), 200);
    expect(coop.body.items[0].linkedPoorCount).toBeGreaterThanOrEqual(3);
    const farm = await expectStatus(
      as('AUDITOR').GET('/api/v1/entities', { params: { query: { kind: 'FAMILY_FARM', name: '东坪家庭农场' } } }),
      200,
    );
    // the farm shares one household with the cooperative, which linked it first: it counts there only
    expect(farm.body.items[0]).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 1, linkedHouseholdCount: 2 });
    const groups = await expectStatus(
      as('AUDITOR').GET('/api/v1/groups', { params: { query: { name: '东坪村第一联保小组', status: 'ACTIVE' } } }),
      200,
    );
    expect(groups.body.items.map((g: { size: number }) => g.size)).toEqual([4]);
    const statuses = await t.db.dataSource.query(`SELECT DISTINCT status FROM households ORDER BY status`);
    expect(statuses.map((s: { status: string }) => s.status)).toEqual(['GRADUATED', 'NON_POOR', 'POOR']);
    const lines = await expectStatus(
      as('BANK_OFFICER').GET('/api/v1/poverty-lines/effective', { params: { query: { districtId, year: 2016 } } }),
      200,
    );
    expect(lines.body).toMatchObject({ line: '3560.00', scope: 'CITY' });
  });
});
