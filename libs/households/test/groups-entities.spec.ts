import { DomainError } from '#libs/common';
import { creditCodeCheckChar, EntitiesStore } from '#libs/households';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { cityLines, household, openGroupLoan, place, registry, type Place, type Registry } from './fixtures.js';

let db: TestDatabase;
let r: Registry;
let p: Place;

beforeAll(async () => {
  db = await createTestDatabase(40);
  r = registry(db);
  await cityLines(r);
  p = await place(r, 2);
});
afterAll(async () => db.drop());

const err = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as DomainError);
async function households(n: number, villageId = p.villageIds[0], income = 300_000n) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await r.households.create(household(villageId, { perCapitaIncomeFen: income }))).id);
  return out;
}
const memberRows = async () => Number((await db.dataSource.query(`SELECT count(*) AS n FROM liability_group_members`))[0].n);

describe('joint-liability groups', () => {
  it('forms groups of 3 to 5 households of one village and answers groupOf / membersOf', async () => {
    for (const n of [3, 4, 5]) {
      const ids = await households(n);
      const g = await r.groups.create({ villageId: p.villageIds[0], name: `组${n}`, householdIds: ids });
      expect(g).toMatchObject({ status: 'ACTIVE', size: n, villageId: p.villageIds[0], districtId: p.districtId });
      expect(g.memberIds).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
      expect((await r.groups.groupOf(ids[0]))?.id).toBe(g.id);
      expect((await r.groups.membersOf(g.id)).map((h) => h.id)).toEqual(g.memberIds);
      expect((await r.households.get(ids[1])).groupId).toBe(g.id);
    }
    expect(await r.groups.groupOf((await households(1))[0])).toBeNull();
  });

  it('refuses 2 and 6 members and returns every failed rule at once, writing nothing', async () => {
    const before = await memberRows();
    expect(await err(r.groups.create({ villageId: p.villageIds[0], name: 'x', householdIds: await households(2) }))).toMatchObject({
      code: 'GROUP_RULES_VIOLATED',
      errors: [{ field: 'householdIds', code: 'GROUP_TOO_SMALL' }],
    });
    expect((await err(r.groups.create({ villageId: p.villageIds[0], name: 'x', householdIds: await households(6) })))?.errors[0].code).toBe(
      'GROUP_TOO_LARGE',
    );
    const [a, b, c] = await households(3);
    const [other] = await households(1, p.villageIds[1]);
    const taken = await households(3);
    await r.groups.create({ villageId: p.villageIds[0], name: 'taken', householdIds: taken });
    const e = await err(r.groups.create({ villageId: p.villageIds[0], name: 'x', householdIds: [a, b, other, taken[0], '999999', a, c] }));
    expect(e?.code).toBe('GROUP_RULES_VIOLATED');
    expect(e?.errors.map((x) => [x.field, x.code])).toEqual([
      ['householdIds[2]', 'HOUSEHOLD_OTHER_VILLAGE'],
      ['householdIds[3]', 'HOUSEHOLD_IN_GROUP'],
      ['householdIds[4]', 'HOUSEHOLD_NOT_FOUND'],
      ['householdIds[5]', 'HOUSEHOLD_DUPLICATE'],
      ['householdIds', 'GROUP_TOO_LARGE'],
    ]);
    expect(await memberRows()).toBe(before + 3); // only the 'taken' group
  });

  it('answers 409 HOUSEHOLD_IN_GROUP when the only problem is membership of another group', async () => {
    const first = await households(3);
    await r.groups.create({ villageId: p.villageIds[0], name: 'a', householdIds: first });
    const e = await err(r.groups.create({ villageId: p.villageIds[0], name: 'b', householdIds: [first[0], ...(await households(2))] }));
    expect(e).toMatchObject({ code: 'HOUSEHOLD_IN_GROUP', errors: [{ field: 'householdIds[0]', code: 'HOUSEHOLD_IN_GROUP' }] });
  });

  it('takes its size bounds from the village fund rules, or from the caller', async () => {
    const q = await place(r, 1);
    await db.dataSource.query(`INSERT INTO mutual_aid_funds (village_id, name, group_min_size, group_max_size) VALUES ($1, 'f', 2, 6)`, [q.villageIds[0]]);
    expect(await r.groups.sizeBounds(q.villageIds[0])).toEqual({ minSize: 2, maxSize: 6 });
    expect((await r.groups.create({ villageId: q.villageIds[0], name: 'pair', householdIds: await households(2, q.villageIds[0]) })).size).toBe(2);
    const six = await households(6, p.villageIds[1]);
    expect(await err(r.groups.create({ villageId: p.villageIds[1], name: 'six', householdIds: six }))).toMatchObject({ code: 'GROUP_RULES_VIOLATED' });
    expect((await r.groups.create({ villageId: p.villageIds[1], name: 'six', householdIds: six }, { bounds: { minSize: 3, maxSize: 6 } })).size).toBe(6);
  });

  it('keeps a household in one group when many requests race for it (exactly one wins, the rest get 409)', async () => {
    const contested = (await households(1))[0];
    const attempts = [];
    for (let i = 0; i < 8; i++) {
      const others = await households(2);
      attempts.push(() => r.groups.create({ villageId: p.villageIds[0], name: `race${i}`, householdIds: [others[0], contested, others[1]] }));
    }
    const results = await Promise.allSettled(attempts.map((f) => f()));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    for (const x of results) if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'HOUSEHOLD_IN_GROUP' });
    const rows = await db.dataSource.query(`SELECT count(*)::int AS n FROM liability_group_members WHERE household_id = $1`, [contested]);
    expect(rows[0].n).toBe(1);
    // losers left no empty group behind
    const empty = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM liability_groups g WHERE g.status = 'ACTIVE' AND NOT EXISTS (SELECT 1 FROM liability_group_members m WHERE m.group_id = g.id)`,
    );
    expect(empty[0].n).toBe(0);

    // the same race through addMember into different groups
    const target = (await households(1))[0];
    const groups = [];
    for (let i = 0; i < 5; i++) groups.push(await r.groups.create({ villageId: p.villageIds[0], name: `g${i}`, householdIds: await households(3) }));
    const adds = await Promise.allSettled(groups.map((g) => r.groups.addMember(g.id, target)));
    expect(adds.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    for (const x of adds) if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'HOUSEHOLD_IN_GROUP' });
  });

  it('never lets concurrent additions push a group past its maximum', async () => {
    const g = await r.groups.create({ villageId: p.villageIds[0], name: 'grow', householdIds: await households(3) });
    const candidates = await households(6);
    const adds = await Promise.allSettled(candidates.map((h) => r.groups.addMember(g.id, h)));
    expect(adds.filter((x) => x.status === 'fulfilled')).toHaveLength(2);
    for (const x of adds) if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'GROUP_RULES_VIOLATED', errors: [{ code: 'GROUP_TOO_LARGE' }] });
    expect((await r.groups.get(g.id)).size).toBe(5);
  });

  it('removes members down to the minimum, audits it, and refuses below', async () => {
    const ids = await households(4);
    const g = await r.groups.create({ villageId: p.villageIds[0], name: 'shrink', householdIds: ids });
    expect(await err(r.groups.addMember(g.id, ids[0]))).toMatchObject({ errors: [{ code: 'HOUSEHOLD_ALREADY_MEMBER' }] });
    const after = await r.groups.removeMember(g.id, ids[0]);
    expect(after.size).toBe(3);
    expect(await r.groups.groupOf(ids[0])).toBeNull();
    expect(await err(r.groups.removeMember(g.id, ids[1]))).toMatchObject({ code: 'GROUP_RULES_VIOLATED', errors: [{ code: 'GROUP_TOO_SMALL' }] });
    expect(await err(r.groups.removeMember(g.id, ids[0]))).toMatchObject({ code: 'NOT_FOUND' });
    const actions = await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_type = 'liability_group' AND entity_id = $1 ORDER BY id`, [g.id]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual(['GROUP_CREATED', 'GROUP_MEMBER_REMOVED']);
  });

  it('refuses additions from another village, and changes to a group whose endorsed loan is open', async () => {
    const ids = await households(4);
    const g = await r.groups.create({ villageId: p.villageIds[0], name: 'bound', householdIds: ids });
    const [stranger] = await households(1, p.villageIds[1]);
    expect(await err(r.groups.addMember(g.id, stranger))).toMatchObject({ code: 'GROUP_RULES_VIOLATED', errors: [{ code: 'HOUSEHOLD_OTHER_VILLAGE' }] });
    await openGroupLoan(db, { districtId: p.districtId, villageId: p.villageIds[0], householdId: ids[0], groupId: g.id });
    expect(await err(r.groups.removeMember(g.id, ids[3]))).toMatchObject({ code: 'GROUP_HAS_ACTIVE_LOANS' });
    expect(await err(r.groups.dissolve(g.id, 'moving'))).toMatchObject({ code: 'GROUP_HAS_ACTIVE_LOANS' });
    expect((await r.groups.get(g.id)).size).toBe(4);
    await db.dataSource.query(`UPDATE loans SET status = 'CLOSED' WHERE group_id = $1`, [g.id]);
    expect((await r.groups.removeMember(g.id, ids[3])).size).toBe(3);
  });

  it('dissolves a group with a reason, releasing its members to join another', async () => {
    const ids = await households(3);
    const g = await r.groups.create({ villageId: p.villageIds[0], name: 'old', householdIds: ids });
    expect(await err(r.groups.dissolve(g.id, '  '))).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'reason' }] });
    const d = await r.groups.dissolve(g.id, 'members moved to the town');
    expect(d).toMatchObject({ status: 'DISSOLVED', size: 0, dissolutionReason: 'members moved to the town' });
    expect(d.dissolvedAt).not.toBeNull();
    expect(await err(r.groups.addMember(g.id, ids[0]))).toMatchObject({ errors: [{ code: 'GROUP_DISSOLVED' }] });
    expect((await r.groups.create({ villageId: p.villageIds[0], name: 'new', householdIds: ids })).size).toBe(3);
    const audit = await db.dataSource.query(`SELECT before FROM audit_log WHERE action = 'GROUP_DISSOLVED' AND entity_id = $1`, [g.id]);
    expect(audit[0].before.memberIds).toEqual(g.memberIds);
    const listed = await r.groups.list({ villageId: p.villageIds[0], status: 'DISSOLVED' }, { page: 1, pageSize: 50 });
    expect(listed.items.map((x) => x.id)).toContain(g.id);
  });
});

describe('operating entities', () => {
  const code = '93370302MA3CQ8X17E';

  it('validates the credit code, the district and the village, naming each field', async () => {
    const q = await place(r, 1);
    const e = await err(
      r.entities.create({ kind: 'COOPERATIVE', name: '合作社', creditCode: '93370302MA3CQ8X17F', districtId: p.districtId, villageId: q.villageIds[0] }),
    );
    expect(e?.code).toBe('VALIDATION_FAILED');
    expect(e?.errors.map((x) => [x.field, x.code])).toEqual([
      ['creditCode', 'isCreditCode'],
      ['villageId', 'VILLAGE_OTHER_DISTRICT'],
    ]);
    const ok = await r.entities.create({ kind: 'COOPERATIVE', name: '合作社', creditCode: code.toLowerCase(), districtId: p.districtId, villageId: p.villageIds[0] });
    expect(ok).toMatchObject({ creditCode: code, linkedPoorCount: 0, isAssetIncomeProject: false });
    expect(await err(r.entities.create({ kind: 'ENTERPRISE', name: 'dup', creditCode: code, districtId: p.districtId }))).toMatchObject({
      code: 'CONFLICT',
      errors: [{ field: 'creditCode' }],
    });
  });

  it('links only POOR households of its district, lists every refusal, and counts those POOR now', async () => {
    const entity = await r.entities.create({ kind: 'ENTERPRISE', name: '企业', creditCode: '91110000802100433B', districtId: p.districtId });
    const poor = await households(3);
    const [rich] = await households(1, p.villageIds[0], 900_000n);
    const q = await place(r, 1);
    const [elsewhere] = await households(1, q.villageIds[0]);
    const e = await err(r.entities.link(entity.id, [poor[0], rich, elsewhere, '999999', poor[0]]));
    expect(e?.code).toBe('ENTITY_LINK_RULES_VIOLATED');
    expect(e?.errors.map((x) => [x.field, x.code])).toEqual([
      ['householdIds[1]', 'HOUSEHOLD_NOT_POOR'],
      ['householdIds[2]', 'HOUSEHOLD_OTHER_DISTRICT'],
      ['householdIds[3]', 'HOUSEHOLD_NOT_FOUND'],
      ['householdIds[4]', 'HOUSEHOLD_DUPLICATE'],
    ]);
    expect((await r.entities.get(entity.id)).linkedHouseholdCount).toBe(0);

    expect((await r.entities.link(entity.id, poor)).linkedPoorCount).toBe(3);
    expect((await r.entities.link(entity.id, poor.slice(0, 2))).linkedPoorCount).toBe(3);
    // a linked household graduates: it stays linked but no longer counts
    await r.households.update(poor[2], { perCapitaIncomeFen: 500_000n, incomeYear: 2017 });
    expect(await r.entities.get(entity.id)).toMatchObject({ linkedPoorCount: 2, linkedHouseholdCount: 3 });
    expect(await r.entities.linkedPoorCount(entity.id)).toBe(2);
    // re-sending the same links is harmless even though one of them no longer counts
    expect(await r.entities.link(entity.id, poor)).toMatchObject({ linkedPoorCount: 2, linkedHouseholdCount: 3 });
    const listed = await r.entities.linkedHouseholds({ userId: 1, username: 'a', role: 'AUDITOR', bankId: null, via: 'jwt' }, entity.id, { page: 1, pageSize: 50 });
    expect(listed.items.map((i) => i.counts)).toEqual([true, true, false]);
    expect(listed.items[0].idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);

    expect((await r.entities.unlink(entity.id, poor[0])).linkedPoorCount).toBe(1);
    expect(await err(r.entities.unlink(entity.id, poor[0]))).toMatchObject({ code: 'NOT_FOUND' });
    const actions = await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_type = 'operating_entity' AND entity_id = $1 ORDER BY id`, [entity.id]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual(['ENTITY_CREATED', 'ENTITY_HOUSEHOLDS_LINKED', 'ENTITY_HOUSEHOLD_UNLINKED']);
  });

  describe('a poor household linked to several entities counts toward one credit line at a time', () => {
    let seq = 0;
    const entity = async (districtId = p.districtId) => {
      const first17 = `9337030200${String(++seq).padStart(7, '0')}`;
      return r.entities.create({ kind: 'COOPERATIVE', name: `合作社${seq}`, creditCode: first17 + creditCodeCheckChar(first17), districtId });
    };
    const PER_HOUSEHOLD_FEN = 5_000_000n; // 50,000 yuan per counted poor household
    const line = async (id: string) => PER_HOUSEHOLD_FEN * BigInt(await r.entities.linkedPoorCount(id));
    const counts = async (id: string) => {
      const e = await r.entities.get(id);
      return [e.linkedPoorCount, e.linkedPoorCountedElsewhere, e.linkedHouseholdCount];
    };
    const viewer = { userId: 1, username: 'a', role: 'AUDITOR' as const, bankId: null, via: 'jwt' as const };

    it('by the earliest active link; unlinking hands the household to its next active link', async () => {
      const q = await place(r, 1);
      const own = () => households(1, q.villageIds[0]).then(([id]) => id);
      const [shared, onlyA, onlyB] = [await own(), await own(), await own()];
      const a = await entity(q.districtId);
      const b = await entity(q.districtId);
      await r.entities.link(a.id, [shared, onlyA]);
      await db.dataSource.query(`UPDATE entity_linked_households SET linked_at = linked_at - interval '1 day' WHERE entity_id = $1`, [a.id]);
      const linkedB = await r.entities.link(b.id, [shared, onlyB]);
      // the shared household backs A's line (linked there first), not B's as well
      expect(linkedB).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 1, linkedHouseholdCount: 2 });
      expect(await counts(a.id)).toEqual([2, 0, 2]);
      expect([await line(a.id), await line(b.id)]).toEqual([10_000_000n, 5_000_000n]);
      // three poor households back 150,000 in all, never more
      expect((await line(a.id)) + (await line(b.id))).toBe(3n * PER_HOUSEHOLD_FEN);
      // the set-based read gives the same counts
      expect(await new EntitiesStore().countedPoorCounts(db.dataSource.manager, [a.id, b.id])).toEqual(
        new Map([
          [a.id, 2],
          [b.id, 1],
        ]),
      );
      expect((await r.households.get(shared)).countedForEntityId).toBe(a.id);
      expect((await r.households.get(onlyB)).countedForEntityId).toBe(b.id);
      const ofB = await r.entities.linkedHouseholds(viewer, b.id, { page: 1, pageSize: 50 });
      expect(ofB.items.map((i) => [i.id, i.counts, i.countedElsewhere, i.countedForEntityId])).toEqual([
        [shared, false, true, a.id],
        [onlyB, true, false, b.id],
      ]);
      const ofA = await r.entities.linkedHouseholds(viewer, a.id, { page: 1, pageSize: 50 });
      expect(ofA.items.map((i) => [i.id, i.counts, i.countedElsewhere])).toEqual([
        [shared, true, false],
        [onlyA, true, false],
      ]);

      // A's link ends: the household now counts for B, its next active link
      expect(await r.entities.unlink(a.id, shared)).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 0, linkedHouseholdCount: 1 });
      expect(await counts(b.id)).toEqual([2, 0, 2]);
      expect((await r.households.get(shared)).countedForEntityId).toBe(b.id);
      expect([await line(a.id), await line(b.id)]).toEqual([5_000_000n, 10_000_000n]);
      // linked to A again, it stays B's: B's link is now the earlier one
      expect(await r.entities.link(a.id, [shared])).toMatchObject({ linkedPoorCount: 1, linkedPoorCountedElsewhere: 1 });
      expect((await r.households.get(shared)).countedForEntityId).toBe(b.id);

      // a household that graduates counts for nobody, wherever it is linked
      await r.households.update(onlyB, { perCapitaIncomeFen: 500_000n, incomeYear: 2017 });
      expect(await counts(b.id)).toEqual([1, 0, 2]);
      expect((await r.households.get(onlyB)).countedForEntityId).toBeNull();
    });

    it('by the latest link when the district says so; links of one instant go to the lowest entity id', async () => {
      const q = await place(r, 1);
      expect((await r.geo.getDistrict(q.districtId)).entityLinkCounting).toBe('EARLIEST_LINK');
      const [shared] = await households(1, q.villageIds[0]);
      const a = await entity(q.districtId);
      const b = await entity(q.districtId);
      await r.entities.link(a.id, [shared]);
      await r.entities.link(b.id, [shared]);
      const at = (entityId: string, ts: string) =>
        db.dataSource.query(`UPDATE entity_linked_households SET linked_at = $2 WHERE entity_id = $1`, [entityId, ts]);
      await at(a.id, '2026-01-05T02:00:00Z');
      await at(b.id, '2026-02-10T02:00:00Z');
      expect((await r.households.get(shared)).countedForEntityId).toBe(a.id);

      const changed = await r.geo.updateDistrict(q.districtId, { entityLinkCounting: 'LATEST_LINK' });
      expect(changed.entityLinkCounting).toBe('LATEST_LINK');
      expect((await r.households.get(shared)).countedForEntityId).toBe(b.id);
      expect([(await counts(a.id))[0], (await counts(b.id))[0]]).toEqual([0, 1]);
      // the district of another entity keeps its own rule
      expect((await r.geo.getDistrict(p.districtId)).entityLinkCounting).toBe('EARLIEST_LINK');

      await at(a.id, '2026-02-10T02:00:00Z');
      expect((await r.households.get(shared)).countedForEntityId).toBe(a.id);
      await r.geo.updateDistrict(q.districtId, { entityLinkCounting: 'EARLIEST_LINK' });
      expect((await r.households.get(shared)).countedForEntityId).toBe(a.id);
      expect([(await counts(a.id))[0], (await counts(b.id))[0]]).toEqual([1, 0]);
      const audited = await db.dataSource.query(`SELECT after->>'entityLinkCounting' AS rule FROM audit_log WHERE action = 'DISTRICT_UPDATED' AND entity_id = $1 ORDER BY id`, [q.districtId]);
      expect(audited.map((x: { rule: string }) => x.rule)).toEqual(['LATEST_LINK', 'EARLIEST_LINK']);
    });
  });

  it('shows the asset-income flag set elsewhere, and keeps the district fixed on update', async () => {
    const e = await r.entities.create({ kind: 'FAMILY_FARM', name: '家庭农场', creditCode: '91350100M000100Y43', districtId: p.districtId });
    await db.dataSource.query(`UPDATE operating_entities SET is_asset_income_project = true WHERE id = $1`, [e.id]);
    expect((await r.entities.get(e.id)).isAssetIncomeProject).toBe(true);
    const u = await r.entities.update(e.id, { name: '家庭农场（改）', villageId: p.villageIds[1] });
    expect(u).toMatchObject({ name: '家庭农场（改）', villageId: p.villageIds[1], districtId: p.districtId, isAssetIncomeProject: true });
    expect((await r.entities.list({ isAssetIncomeProject: true }, { page: 1, pageSize: 10 })).items.map((x) => x.id)).toEqual([e.id]);
  });
});
