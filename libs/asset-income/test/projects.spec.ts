import { ConfigError, DomainError } from '#libs/common';
import { assertNotAssetIncomeEntity, assetIncomeLockViolation, loadAssetIncomeConfig, projectAccounts } from '#libs/asset-income';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import {
  activeProject,
  as,
  CHECKER,
  count,
  createEntity,
  createHouseholds,
  createVillage,
  expectLedgerOk,
  graduate,
  MAKER,
  payYear,
  services,
  type Services,
} from './fixtures.js';

let db: TestDatabase;
let s: Services;

beforeAll(async () => {
  db = await createTestDatabase(30);
  s = services(db.dataSource);
});
afterAll(async () => db.drop());
afterEach(async () => expectLedgerOk(s.ledger));

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as DomainError);

describe('configuration', () => {
  it('holds the SPEC defaults and names every bad variable', () => {
    const c = loadAssetIncomeConfig({});
    expect(c.specialFundFen).toBe(100_000_000n);
    expect([c.collectivePercent, c.floorRatePercent, c.payoutPercent]).toEqual(['30', '10', '100']);
    expect(c.floorRecipients).toBe('POOR_HOUSEHOLDS');
    expect(() => loadAssetIncomeConfig({ ASSET_INCOME_FLOOR_RECIPIENTS: 'EVERYONE' })).toThrow(/ASSET_INCOME_FLOOR_RECIPIENTS/);
    expect(c.liquidationThresholdFen).toBe(150_000_000n);
    expect(() => loadAssetIncomeConfig({ ASSET_INCOME_SPECIAL_FUND: '-1', ASSET_INCOME_FLOOR_RATE_PERCENT: '101', ASSET_INCOME_RIGHT_RULE: 'SELL' })).toThrow(
      ConfigError,
    );
    try {
      loadAssetIncomeConfig({ ASSET_INCOME_SPECIAL_FUND: '-1', ASSET_INCOME_FLOOR_RATE_PERCENT: '101', ASSET_INCOME_RIGHT_RULE: 'SELL' });
    } catch (e) {
      expect((e as Error).message).toMatch(/ASSET_INCOME_SPECIAL_FUND[\s\S]*ASSET_INCOME_FLOOR_RATE_PERCENT[\s\S]*ASSET_INCOME_RIGHT_RULE/);
    }
  });
});

describe('creating a project', () => {
  it('refuses every broken rule at once and writes nothing', async () => {
    const plain = await createVillage(db.dataSource, { pilot: false });
    const elsewhere = await createVillage(db.dataSource);
    const farm = await createEntity(db.dataSource, elsewhere, 'FAMILY_FARM');
    const before = await count(db.dataSource, 'SELECT 1 FROM aip_projects');
    const err = await fail(
      s.projects.create(
        {
          name: 'x',
          villageId: plain.villageId,
          entityId: farm,
          businessType: 'LOGISTICS',
          otherCapital: [
            { kind: 'PRIVATE_CAPITAL', amount: '1.00' },
            { kind: 'PRIVATE_CAPITAL', amount: '2.00' },
          ],
        },
        MAKER,
      ),
    );
    expect(err.code).toBe('ASSET_INCOME_PROJECT_INVALID');
    expect(err.errors.map((e) => `${e.field}:${e.code}`)).toEqual([
      'villageId:VILLAGE_NOT_PILOT',
      'entityId:ENTITY_KIND',
      'entityId:ENTITY_NOT_OF_VILLAGE',
      'otherCapital[1].kind:DUPLICATE_CLASS',
    ]);
    expect(await count(db.dataSource, 'SELECT 1 FROM aip_projects')).toBe(before);
    const [e] = await db.dataSource.query(`SELECT is_asset_income_project FROM operating_entities WHERE id = $1`, [farm]);
    expect(e.is_asset_income_project).toBe(false);
    const unknown = await fail(s.projects.create({ name: 'x', villageId: '999999', entityId: '999999', businessType: 'OTHER' }, MAKER));
    expect(unknown.errors.map((x) => x.code)).toEqual(['UNKNOWN_VILLAGE', 'UNKNOWN_ENTITY']);
  });

  it('takes the configured defaults, flags the entity, opens the AIP accounts and audits', async () => {
    const place = await createVillage(db.dataSource);
    const entity = await createEntity(db.dataSource, place);
    const p = await as(MAKER, () =>
      s.projects.create(
        { name: 'orchard', villageId: place.villageId, entityId: entity, businessType: 'FRUIT_TREE_ADOPTION', otherCapital: [{ kind: 'FARMER_ASSETS', amount: '250000.50' }] },
        MAKER,
      ),
    );
    expect(p).toMatchObject({
      status: 'DRAFT',
      specialFund: '1000000.00',
      collectivePercent: '30',
      floorRatePercent: '10',
      floorRecipients: 'POOR_HOUSEHOLDS',
      payoutPercent: '100',
      liquidationThreshold: '1500000.00',
      alertMargin: '300000.00',
      householdWeighting: 'EQUAL',
      rightRule: 'KEEP',
      totalCapital: '1250000.50',
    });
    const [flag] = await db.dataSource.query(`SELECT is_asset_income_project FROM operating_entities WHERE id = $1`, [entity]);
    expect(flag.is_asset_income_project).toBe(true);
    const a = projectAccounts(p.id);
    const codes = (await db.dataSource.query(`SELECT code FROM ledger_accounts WHERE owner_type = 'ASSET_INCOME_PROJECT' AND owner_id = $1`, [p.id])).map(
      (r: { code: string }) => r.code,
    );
    expect(codes).toEqual(expect.arrayContaining([a.operatorCapital, a.specialInjected, a.specialCollective, a.specialHouseholds, a.operatorOwes, a.dividendsPayable]));
    expect(await count(db.dataSource, `SELECT 1 FROM audit_log WHERE action IN ('ASSET_INCOME_PROJECT_CREATED','ASSET_INCOME_ENTITY_LOCKED') AND actor = 'maker'`)).toBe(2);

    // one live project per village, and an entity runs one project
    const again = await fail(s.projects.create({ name: 'y', villageId: place.villageId, entityId: entity, businessType: 'OTHER' }, MAKER));
    expect(again.errors.map((e) => e.code)).toEqual(['VILLAGE_HAS_PROJECT', 'ENTITY_ALREADY_LOCKED']);
  });

  it('lets a deployment and a project override the defaults', async () => {
    const custom = services(db.dataSource, { ASSET_INCOME_SPECIAL_FUND: '800000.00', ASSET_INCOME_FLOOR_RATE_PERCENT: '8', ASSET_INCOME_FLOOR_RECIPIENTS: 'ALL_SHARES' });
    const place = await createVillage(db.dataSource);
    const entity = await createEntity(db.dataSource, place, 'ENTERPRISE');
    const p = await custom.projects.create(
      { name: 'z', villageId: place.villageId, entityId: entity, businessType: 'PROCESSING', collectivePercent: '25.5', liquidationThreshold: '1200000.00' },
      MAKER,
    );
    expect(p).toMatchObject({ specialFund: '800000.00', floorRatePercent: '8', floorRecipients: 'ALL_SHARES', collectivePercent: '25.5', liquidationThreshold: '1200000.00' });
    // a project's own setting wins over the deployment's
    const place2 = await createVillage(db.dataSource);
    const p2 = await custom.projects.create(
      { name: 'w', villageId: place2.villageId, entityId: await createEntity(db.dataSource, place2), businessType: 'PROCESSING', floorRecipients: 'POOR_HOUSEHOLDS' },
      MAKER,
    );
    expect(p2.floorRecipients).toBe('POOR_HOUSEHOLDS');
  });
});

describe('the insurance lock (保险锁)', () => {
  it('refuses a project entity as guarantor or covered borrower; lets other entities through', async () => {
    const { entityId, place } = await activeProject(db.dataSource, s, { households: 2 });
    const other = await createEntity(db.dataSource, place);
    await db.dataSource.transaction(async (m) => {
      const err = await fail(assertNotAssetIncomeEntity(m, entityId, 'guarantorEntityId'));
      expect(err).toBeInstanceOf(DomainError);
      expect(err.code).toBe('ASSET_INCOME_ENTITY_LOCKED');
      expect(err.errors).toEqual([expect.objectContaining({ field: 'guarantorEntityId', code: 'ASSET_INCOME_ENTITY_LOCKED' })]);
      await expect(assertNotAssetIncomeEntity(m, other)).resolves.toBeUndefined();
      expect(await assetIncomeLockViolation(m, other)).toBeNull();
      expect(await assetIncomeLockViolation(m, '99999999')).toBeNull();
    });
  });

  it('is backed by a trigger on loans that refuses a covered loan to a flagged entity', async () => {
    const { entityId, place } = await activeProject(db.dataSource, s, { households: 2 });
    const free = await createEntity(db.dataSource, place);
    const [t] = await db.dataSource.query(
      `SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'loans'::regclass AND tgname = 'loans_asset_income_lock'`,
    );
    expect(t).toBeDefined();
    // the trigger function on a stand-in table with the columns it reads, so this test does not depend on every
    // NOT NULL column the loans table grows
    await db.dataSource.transaction(async (m) => {
      await m.query(`CREATE TEMP TABLE loans_probe (entity_id bigint, channel text) ON COMMIT DROP`);
      await m.query(`CREATE TRIGGER probe_lock BEFORE INSERT ON loans_probe FOR EACH ROW EXECUTE FUNCTION refuse_asset_income_borrower()`);
      await m.query(`INSERT INTO loans_probe VALUES ($1, 'BANK_COVERED'), ($2, 'MUTUAL_AID')`, [free, entityId]);
      await m.query('SAVEPOINT s');
      await expect(m.query(`INSERT INTO loans_probe VALUES ($1, 'BANK_COVERED')`, [entityId])).rejects.toThrow(/ASSET_INCOME_ENTITY_LOCKED/);
      await m.query('ROLLBACK TO SAVEPOINT s');
    });
  });
});

describe('quantification (折股量化)', () => {
  it('splits 1,000,000 among the collective and 137 households exactly, leftover fen to the lowest ids', async () => {
    const { projectId, households } = await activeProject(db.dataSource, s, { households: 137 });
    const rows = (await db.dataSource.query(
      `SELECT holder_type, household_id::text, amount_fen::text FROM aip_share_rights WHERE project_id = $1 ORDER BY holder_type, household_id`,
      [projectId],
    )) as { holder_type: string; household_id: string | null; amount_fen: string }[];
    const collective = rows.filter((r) => r.holder_type === 'COLLECTIVE');
    const hh = rows.filter((r) => r.holder_type === 'HOUSEHOLD').sort((a, b) => Number(a.household_id) - Number(b.household_id));
    expect(collective.map((r) => r.amount_fen)).toEqual(['30000000']);
    expect(hh.map((r) => r.household_id)).toEqual(households);
    expect(hh.reduce((a, r) => a + BigInt(r.amount_fen), 0n)).toBe(70_000_000n);
    // 70,000,000 = 137 × 510,948 + 124
    expect(hh.slice(0, 124).every((r) => r.amount_fen === '510949')).toBe(true);
    expect(hh.slice(124).every((r) => r.amount_fen === '510948')).toBe(true);
    const a = projectAccounts(projectId);
    const b = await s.ledger.balances(null, [a.specialInjected, a.specialCollective, a.specialHouseholds, a.operatorCapital]);
    expect([b.get(a.specialInjected), b.get(a.specialCollective), b.get(a.specialHouseholds), b.get(a.operatorCapital)]).toEqual([
      0n,
      30_000_000n,
      70_000_000n,
      100_000_000n,
    ]);
    const view = await s.projects.get(projectId);
    expect(view.register).toEqual({ collective: '300000.00', households: '700000.00', householdHolders: 137 });
    expect(view.status).toBe('ACTIVE');
  });

  it('weights by household size when the project says so', async () => {
    const { projectId } = await activeProject(db.dataSource, s, { households: 3, members: (i) => [1, 2, 4][i], project: { householdWeighting: 'MEMBER_COUNT' } });
    const page = await s.projects.rights(projectId, { holderType: 'HOUSEHOLD' }, { page: 1, pageSize: 10 });
    expect(page.items.map((r) => [r.memberCount, r.amount, r.weight])).toEqual([
      [1, '100000.00', 1],
      [2, '200000.00', 2],
      [4, '400000.00', 4],
    ]);
  });

  it('refuses a village without poor households and writes nothing', async () => {
    const place = await createVillage(db.dataSource);
    await createHouseholds(db.dataSource, place.villageId, 2, { status: 'NON_POOR' });
    const entity = await createEntity(db.dataSource, place);
    const p = await s.projects.create({ name: 'n', villageId: place.villageId, entityId: entity, businessType: 'OTHER' }, MAKER);
    await s.projects.inject(p.id, { injectedOn: '2023-01-10' }, `inject-${p.id}-nopoor`, MAKER);
    const err = await fail(s.projects.quantify(p.id, { asOf: '2023-02-01' }, `quantify-${p.id}-nopoor`, MAKER));
    expect(err.code).toBe('ASSET_INCOME_NO_POOR_HOUSEHOLDS');
    expect(await count(db.dataSource, 'SELECT 1 FROM aip_share_rights WHERE project_id = $1', [p.id])).toBe(0);
    expect((await s.projects.get(p.id)).status).toBe('INJECTED');
  });
});

describe('injection', () => {
  it('posts once under concurrent requests; a replayed key returns the first answer', async () => {
    const place = await createVillage(db.dataSource);
    const entity = await createEntity(db.dataSource, place);
    const p = await s.projects.create(
      { name: 'c', villageId: place.villageId, entityId: entity, businessType: 'OTHER', otherCapital: [{ kind: 'PRIVATE_CAPITAL', amount: '300000.00' }] },
      MAKER,
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s.projects.inject(p.id, { injectedOn: '2023-03-01' }, `inject-race-${p.id}-${i}`, MAKER)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('ASSET_INCOME_STATE_CONFLICT');
    }
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    const replay = await s.projects.inject(p.id, { injectedOn: '2023-03-01' }, `inject-race-${p.id}-${winner}`, MAKER);
    expect(replay).toEqual((ok[0] as PromiseFulfilledResult<unknown>).value);
    const reused = await fail(s.projects.inject(p.id, { injectedOn: '2023-03-02' }, `inject-race-${p.id}-${winner}`, MAKER));
    expect(reused.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count(db.dataSource, `SELECT 1 FROM journal_entries WHERE idempotency_key = $1`, [`aip:inject:${p.id}`])).toBe(1);
    const a = projectAccounts(p.id);
    expect(await s.ledger.balanceOf(null, a.operatorCapital)).toBe(130_000_000n);
    expect(await s.ledger.balanceOf(null, a.specialInjected)).toBe(100_000_000n);
    expect(await s.ledger.balanceOf(null, a.capital.PRIVATE_CAPITAL)).toBe(30_000_000n);
  });
});

describe('moving rights (share register history)', () => {
  it('passes a graduated household’s right to another poor household (TRANSFER), keeping history', async () => {
    const { projectId, households, place } = await activeProject(db.dataSource, s, { households: 5, project: { rightRule: 'TRANSFER' } });
    await payYear(s, projectId, 2023, { netProfit: '400000.00', netAssets: '2400000.00' });
    const [newcomer] = await createHouseholds(db.dataSource, place.villageId, 1); // identified after the quantification
    const [elsewhere] = await createHouseholds(db.dataSource, (await createVillage(db.dataSource)).villageId, 1);
    const leaver = households[0];
    await graduate(db.dataSource, leaver, 2024);
    const pending = await s.projects.pendingMoves(projectId);
    expect(pending.items.map((r) => r.householdId)).toEqual([leaver]);
    const rightId = pending.items[0].id;

    // the 2024 dividends wait for the move: the holder is no longer poor in 2024
    await s.results.record(projectId, { year: 2024, revenue: '1.00', netProfit: '100000.00', netAssets: '2300000.00', reportedOn: '2025-01-20' }, MAKER);
    const blocked = await fail(s.distributions.preview(projectId, 2024, {}, MAKER));
    expect(blocked.code).toBe('ASSET_INCOME_RIGHTS_PENDING');
    expect(blocked.errors).toEqual([expect.objectContaining({ field: `rights[${rightId}]`, code: 'RIGHT_HOLDER_NOT_POOR' })]);

    // every broken rule at once: a recipient from another village and a date inside the paid year
    const refused = await fail(
      s.projects.moveRight(projectId, rightId, { effectiveDate: '2023-12-31', toHouseholdId: elsewhere, reason: 'graduated' }, `move-bad-${rightId}`, MAKER),
    );
    expect(refused.code).toBe('ASSET_INCOME_RIGHT_MOVE_REFUSED');
    expect(refused.errors.map((e) => e.code)).toEqual(['BEFORE_PAID_DISTRIBUTION', 'RECIPIENT_NOT_OF_VILLAGE']);
    const stillPoor = await s.projects.rights(projectId, { householdId: households[1] }, { page: 1, pageSize: 1 });
    const holder = await fail(
      s.projects.moveRight(projectId, stillPoor.items[0].id, { effectiveDate: '2024-07-01', toHouseholdId: newcomer, reason: 'x y z' }, `move-poor-${rightId}`, MAKER),
    );
    expect(holder.errors.map((e) => e.code)).toEqual(['HOLDER_STILL_POOR']);
    const taken = await fail(
      s.projects.moveRight(projectId, rightId, { effectiveDate: '2024-07-01', toHouseholdId: households[2], reason: 'x y z' }, `move-taken-${rightId}`, MAKER),
    );
    expect(taken.errors.map((e) => e.code)).toEqual(['RECIPIENT_HOLDS_RIGHT']);

    const moved = await as(MAKER, () =>
      s.projects.moveRight(projectId, rightId, { effectiveDate: '2024-07-01', toHouseholdId: newcomer, reason: 'graduated in 2024; right to a new poor household' }, `move-${rightId}`, MAKER),
    );
    expect(moved.closed).toMatchObject({ householdId: leaver, validTo: '2024-07-01' });
    expect(moved.opened).toMatchObject({ householdId: newcomer, validFrom: '2024-07-01', origin: 'TRANSFER', predecessorId: rightId, amount: moved.closed.amount });
    const before = await s.projects.rights(projectId, { asOf: '2024-06-30', householdId: leaver }, { page: 1, pageSize: 5 });
    const after = await s.projects.rights(projectId, { asOf: '2024-07-01', householdId: newcomer }, { page: 1, pageSize: 5 });
    expect(before.total).toBe(1);
    expect(after.total).toBe(1);
    const history = await s.projects.rights(projectId, { history: true, holderType: 'HOUSEHOLD' }, { page: 1, pageSize: 50 });
    expect(history.total).toBe(6);
    expect((await s.projects.rights(projectId, { holderType: 'HOUSEHOLD' }, { page: 1, pageSize: 50 })).total).toBe(5);

    await as(MAKER, () => s.distributions.preview(projectId, 2024, {}, MAKER));
    await as(CHECKER, () => s.distributions.approve(projectId, 2024, CHECKER));
    await as(MAKER, () => s.distributions.pay(projectId, 2024, { paidOn: '2025-01-25' }, `pay-2024-${projectId}`, MAKER));
    const leaverStatement = await s.distributions.householdStatement(leaver, {}, { page: 1, pageSize: 10 });
    const newcomerStatement = await s.distributions.householdStatement(newcomer, {}, { page: 1, pageSize: 10 });
    expect(leaverStatement.items.map((i) => i.year)).toEqual([2023]);
    expect(newcomerStatement.items.map((i) => [i.year, i.quantifiedAmount])).toEqual([[2024, moved.opened.amount]]);
    expect(await count(db.dataSource, `SELECT 1 FROM audit_log WHERE action = 'ASSET_INCOME_RIGHT_MOVED' AND entity_id = $1`, [projectId])).toBe(1);
  });

  it('returns a right to the collective (RETURN_TO_COLLECTIVE), moving the amount between the special-fund accounts', async () => {
    const { projectId, households } = await activeProject(db.dataSource, s, { households: 4, project: { rightRule: 'RETURN_TO_COLLECTIVE', floorRecipients: 'ALL_SHARES' } });
    await graduate(db.dataSource, households[3], 2024);
    const [right] = (await s.projects.pendingMoves(projectId)).items;
    const bad = await fail(s.projects.moveRight(projectId, right.id, { effectiveDate: '2024-03-01', toHouseholdId: households[0], reason: 'x y z' }, `ret-bad-${right.id}`, MAKER));
    expect(bad.errors.map((e) => e.code)).toEqual(['RECIPIENT_NOT_ALLOWED']);
    const moved = await s.projects.moveRight(projectId, right.id, { effectiveDate: '2024-03-01', reason: 'graduated; back to the collective' }, `ret-${right.id}`, MAKER);
    expect(moved.opened).toMatchObject({ holderType: 'COLLECTIVE', origin: 'RETURN_TO_COLLECTIVE', amount: '175000.00' });
    const a = projectAccounts(projectId);
    expect(await s.ledger.balanceOf(null, a.specialCollective)).toBe(30_000_000n + 17_500_000n);
    expect(await s.ledger.balanceOf(null, a.specialHouseholds)).toBe(70_000_000n - 17_500_000n);
    // the collective is paid on both its rows: floor (ALL_SHARES) 10 % of 475,000
    const run = await payYear(s, projectId, 2024, { netProfit: '-1.00', netAssets: '2000000.00' }, '1000000.00');
    expect(run.byClass.find((c) => c.classKind === 'SPECIAL_COLLECTIVE')).toMatchObject({ basis: '475000.00', entitled: '47500.00' });
    expect(run.householdsBenefited).toBe(3);
  });

  it('a graduation recorded after approval holds the payment until the right is moved after the record date', async () => {
    const { projectId, households, place } = await activeProject(db.dataSource, s, { households: 3, project: { rightRule: 'TRANSFER' } });
    const [recipient] = await createHouseholds(db.dataSource, place.villageId, 1);
    await s.results.record(projectId, { year: 2024, revenue: '1.00', netProfit: '500000.00', netAssets: '2500000.00', reportedOn: '2025-01-10' }, MAKER);
    await s.distributions.preview(projectId, 2024, {}, MAKER);
    await s.distributions.approve(projectId, 2024, CHECKER);
    await graduate(db.dataSource, households[2], 2024);
    const held = await fail(s.distributions.pay(projectId, 2024, { paidOn: '2025-01-25' }, `late-grad-pay-1-${projectId}`, MAKER));
    expect(held.code).toBe('ASSET_INCOME_RIGHTS_PENDING');
    const [right] = (await s.projects.pendingMoves(projectId)).items;
    await s.projects.moveRight(projectId, right.id, { effectiveDate: '2025-01-01', toHouseholdId: recipient, reason: 'graduated in 2024' }, `late-grad-move-${projectId}`, MAKER);
    const paid = await s.distributions.pay(projectId, 2024, { paidOn: '2025-01-25' }, `late-grad-pay-2-${projectId}`, MAKER);
    expect(paid.status).toBe('PAID');
    // the graduate held the right on the record date: its 2024 dividend is paid to it
    const st = await s.distributions.householdStatement(households[2], {}, { page: 1, pageSize: 5 });
    expect(st.items.map((i) => i.year)).toEqual([2024]);
  });

  it('moves a right once when two administrators move it at the same time', async () => {
    const { projectId, households, place } = await activeProject(db.dataSource, s, { households: 3, project: { rightRule: 'TRANSFER' } });
    const recipients = await createHouseholds(db.dataSource, place.villageId, 4);
    await graduate(db.dataSource, households[1], 2024);
    const [right] = (await s.projects.pendingMoves(projectId)).items;
    const results = await Promise.allSettled(
      recipients.map((to, i) =>
        s.projects.moveRight(projectId, right.id, { effectiveDate: '2024-05-01', toHouseholdId: to, reason: 'graduated in 2024' }, `race-move-${right.id}-${i}`, MAKER),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).errors.map((e) => e.code)).toContain('RIGHT_NOT_CURRENT');
    }
    const current = await s.projects.rights(projectId, { holderType: 'HOUSEHOLD' }, { page: 1, pageSize: 10 });
    expect(current.total).toBe(3);
    expect(current.items.reduce((a, r) => a + BigInt(r.amount.replace('.', '')), 0n)).toBe(70_000_000n);
  });

  it('refuses moves when the project keeps rights with their households', async () => {
    const { projectId, households } = await activeProject(db.dataSource, s, { households: 2 });
    await graduate(db.dataSource, households[0], 2024);
    expect((await s.projects.pendingMoves(projectId)).items).toEqual([]);
    const rights = await s.projects.rights(projectId, { householdId: households[0] }, { page: 1, pageSize: 1 });
    const err = await fail(s.projects.moveRight(projectId, rights.items[0].id, { effectiveDate: '2024-03-01', reason: 'x y z' }, `keep-${projectId}`, MAKER));
    expect(err.errors.map((e) => e.code)).toEqual(['RIGHT_RULE_KEEP']);
  });
});
