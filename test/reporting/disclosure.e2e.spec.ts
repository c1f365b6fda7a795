import { seedFunds, DEMO_FUND_VILLAGE_CODE } from '#libs/funds';
import { seedRegistry } from '#libs/households';
import { seedOrigination } from '#libs/origination';
import { seedProducts } from '#libs/products';
import { maskName } from '#libs/reporting';
import { expectStatus, createTestApp, type TestApp } from '#libs/testing';

/** Public disclosure (阳光扶贫): published by staff as dated, immutable snapshots; read by anyone, leaking nothing private. */
let t: TestApp;
let fundAdmin: string;
/** The public feed of a place, read without a login: `query.format` json (default), csv or html (read as text). */
const feed = (
  format?: 'json' | 'csv' | 'html',
  scope: 'villages' | 'districts' = 'villages',
  code: string = DEMO_FUND_VILLAGE_CODE,
) =>
  t.api().GET('/api/v1/public/disclosures/{scope}/{code}', {
    params: { path: { scope, code }, query: format ? { format } : {} },
    ...(format === 'csv' || format === 'html' ? { parseAs: 'text' as const } : {}),
  });
const publish = (token: string | undefined, scope: 'VILLAGE' | 'DISTRICT', code: string) =>
  t.api(token).POST('/api/v1/disclosures', { body: { scope, code } });

/** Everything personal the registry holds about the village's people: none of it may appear in a public answer. */
let secrets: { names: string[]; ids: string[]; phones: string[]; householdIds: string[] };

beforeAll(async () => {
  t = await createTestApp();
  fundAdmin = await t.tokenFor('FUND_ADMIN');
  await seedProducts(t.app);
  await seedRegistry(t.app);
  await seedFunds(t.app);
  await seedOrigination(t.app);
  const rows: { id: string; head_name: string; id_number: string; phone: string | null }[] =
    await t.db.dataSource.query(
      `SELECT h.id::text, h.head_name, h.id_number, h.phone FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code = $1`,
      [DEMO_FUND_VILLAGE_CODE],
    );
  secrets = {
    names: rows.map((r) => r.head_name).filter((n) => [...n].length > 1),
    ids: rows.map((r) => r.id_number),
    phones: rows.map((r) => r.phone).filter((p): p is string => Boolean(p)),
    householdIds: rows.map((r) => r.id),
  };
  expect(secrets.ids.length).toBeGreaterThan(0);
});
afterAll(async () => t?.close());

function expectNothingPrivate(text: string) {
  for (const id of secrets.ids) {
    expect(text).not.toContain(id);
    expect(text).not.toContain(id.slice(0, 14));
  }
  for (const p of secrets.phones) expect(text).not.toContain(p);
  for (const n of secrets.names) expect(text).not.toContain(n);
  expect(text).not.toMatch(/"(householdId|idNumber|phone|birthDate|id_number|household_id)"/);
}

describe('public disclosure', () => {
  it('masks names as the rules require', () => {
    expect(maskName('张三明')).toBe('张*明');
    expect(maskName('欧阳小明')).toBe('欧**明');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张')).toBe('*');
  });

  it('is empty (404) until staff publish; only staff may publish', async () => {
    await expectStatus(feed(), 404);
    await expectStatus(publish(undefined, 'VILLAGE', DEMO_FUND_VILLAGE_CODE), 401);
    const auditor = await t.tokenFor('AUDITOR');
    await expectStatus(publish(auditor, 'VILLAGE', DEMO_FUND_VILLAGE_CODE), 403);
  });

  it('publishes a dated snapshot once per content, readable without login as JSON, CSV and a printable page', async () => {
    const first = await expectStatus(publish(fundAdmin, 'VILLAGE', DEMO_FUND_VILLAGE_CODE), 201);
    expect(first.body).toMatchObject({ scope: 'VILLAGE', code: DEMO_FUND_VILLAGE_CODE, created: true });
    const again = await expectStatus(publish(fundAdmin, 'VILLAGE', DEMO_FUND_VILLAGE_CODE), 201);
    expect(again.body).toMatchObject({ id: first.body.id, created: false });

    const json = await expectStatus(feed(), 200);
    expect(json.headers['cache-control']).toContain('public');
    const c = json.body.content;
    expect(c).toMatchObject({ scope: 'VILLAGE', code: DEMO_FUND_VILLAGE_CODE, asOf: first.body.asOf });
    expect(c.notices.length + c.disbursed.length).toBeGreaterThan(0);
    for (const l of [...c.notices, ...c.disbursed]) expect(l.borrower).toMatch(/\*/);
    for (const n of c.notices) expect(n.objectionDeadline).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(c.funds.length).toBe(1);
    expectNothingPrivate(JSON.stringify(json.body));

    const csv = await expectStatus(feed('csv'), 200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body).toContain('公示中的借款 (Loans under public notice)');
    expect(csv.body).toContain(`截至日期 (As of),${first.body.asOf}`);
    expectNothingPrivate(csv.body);

    const html = await expectStatus(feed('html'), 200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('@page { size: A4');
    expect(html.body).toContain('扶贫资金公示');
    expect(html.body).not.toMatch(/<script/i);
    expectNothingPrivate(html.body);

    const dated = await expectStatus(
      t.api().GET('/api/v1/public/disclosures/{scope}/{code}/{id}', {
        params: { path: { scope: 'villages', code: DEMO_FUND_VILLAGE_CODE, id: first.body.id } },
      }),
      200,
    );
    expect(dated.headers['cache-control']).toContain('immutable');
    expect(dated.body.content).toEqual(c);
    const history = await expectStatus(
      t.api().GET('/api/v1/public/disclosures/{scope}/{code}/history', {
        params: { path: { scope: 'villages', code: DEMO_FUND_VILLAGE_CODE } },
      }),
      200,
    );
    expect(history.body).toEqual([
      { id: first.body.id, asOf: first.body.asOf, publishedAt: first.body.publishedAt },
    ]);
  });

  it('publishes a district’s posting across its villages, as private as a village’s', async () => {
    const district = DEMO_FUND_VILLAGE_CODE.slice(0, 6);
    await expectStatus(publish(fundAdmin, 'DISTRICT', district), 201);
    const res = await expectStatus(feed(undefined, 'districts', district), 200);
    expect(res.body.content).toMatchObject({ scope: 'DISTRICT', code: district });
    expect(res.body.content.funds.length).toBeGreaterThan(0);
    expectNothingPrivate(JSON.stringify(res.body));
    expectNothingPrivate((await expectStatus(feed('html', 'districts', district), 200)).body);
  });

  it('keeps what was posted: a snapshot can be neither changed nor deleted', async () => {
    await expect(
      t.db.dataSource.query(`UPDATE disclosure_snapshots SET content = '{}'::jsonb`),
    ).rejects.toThrow(/immutable/);
    await expect(t.db.dataSource.query(`DELETE FROM disclosure_snapshots`)).rejects.toThrow(/immutable/);
  });

  it('offers no way to enumerate: bad codes and ids are refused, unknown places and other places’ ids are 404', async () => {
    await expectStatus(feed(undefined, 'households' as never, '370302106201'), 400);
    await expectStatus(feed(undefined, 'villages', 'abc'), 400);
    await expectStatus(feed(undefined, 'villages', '999999999999'), 404);
    const { body } = await expectStatus(feed(), 200);
    await expectStatus(
      t.api().GET('/api/v1/public/disclosures/{scope}/{code}/{id}', {
        params: { path: { scope: 'districts', code: '370302', id: body.id } },
      }),
      404,
    );
  });
});
