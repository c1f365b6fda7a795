import { seedAssetIncome } from '#libs/asset-income';
import { FixedClock } from '#libs/common';
import { DEMO_FUND_VILLAGE_CODE } from '#libs/funds';
import { seedRegistry } from '#libs/households';
import { formatYuan } from '#libs/money';
import { seedProducts } from '#libs/products';
import { disclosureTables, maskName, type DisclosureContent } from '#libs/reporting';
import { createTestApp, expectStatus, type TestApp } from '#libs/testing';

/**
 * Asset-income dividends in the public disclosure (阳光扶贫): a village's posting lists the dividend runs paid in its
 * period (the year up to its date) with date, project, totals and each household's amount under the head's masked
 * name, in JSON, CSV and the printable page, and none of it carries a name, ID number or phone of the village's people.
 */
const clock = new FixedClock(new Date('2026-06-30T04:00:00Z'));
let t: TestApp;
const VILLAGE = { scope: 'villages' as const, code: DEMO_FUND_VILLAGE_CODE };
const DISTRICT = { scope: 'districts' as const, code: DEMO_FUND_VILLAGE_CODE.slice(0, 6) };

/** Everything personal the registry holds about the village's people: none of it may appear in a public answer. */
let secrets: { names: string[]; ids: string[]; phones: string[] };
/** The 2025 run as the asset-income tables hold it, and its households' amounts by their heads' masked names. */
let run: {
  id: string;
  paid_now_fen: string;
  households_benefited: number;
  people_benefited: number;
  record_date: string;
};
let households: { head_name: string; entitled_fen: string; paid_fen: string }[];

beforeAll(async () => {
  t = await createTestApp({}, clock);
  await seedProducts(t.app);
  await seedRegistry(t.app);
  // the demo project: 2024's dividends paid 2025-01-25 (before this posting's year), 2025's on 2026-01-25
  await seedAssetIncome(t.app);
  const ds = t.db.dataSource;
  const people: { head_name: string; id_number: string; phone: string | null }[] = await ds.query(
    `SELECT h.head_name, h.id_number, h.phone FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code = $1`,
    [DEMO_FUND_VILLAGE_CODE],
  );
  secrets = {
    names: people.map((r) => r.head_name).filter((n) => [...n].length > 1),
    ids: people.map((r) => r.id_number),
    phones: people.map((r) => r.phone).filter((p): p is string => Boolean(p)),
  };
  [run] = await ds.query(
    `SELECT id::text, paid_now_fen::text, households_benefited, people_benefited, record_date::text
       FROM aip_distribution_runs WHERE year = 2025 AND status = 'PAID'`,
  );
  households = await ds.query(
    `SELECT h.head_name, sum(l.entitled_fen)::text AS entitled_fen, sum(l.paid_fen)::text AS paid_fen
       FROM aip_distribution_lines l JOIN households h ON h.id = l.household_id
      WHERE l.run_id = $1 AND l.holder_type = 'HOUSEHOLD' GROUP BY h.id, h.head_name ORDER BY min(l.id)`,
    [run.id],
  );
  expect(households.length).toBeGreaterThan(1);
  expect(secrets.ids.length).toBeGreaterThan(0);
}, 120_000);
afterAll(async () => t?.close());

function expectNothingPrivate(text: string) {
  for (const id of secrets.ids) {
    expect(text).not.toContain(id);
    expect(text).not.toContain(id.slice(0, 14));
  }
  for (const p of secrets.phones) expect(text).not.toContain(p);
  for (const n of secrets.names) expect(text).not.toContain(n);
  expect(text).not.toMatch(/"(householdId|idNumber|phone|birthDate|id_number|household_id|runId|run_id)"/);
}

const publish = (scope: 'VILLAGE' | 'DISTRICT', code: string) =>
  expectStatus(t.api('FUND_ADMIN').POST('/api/v1/disclosures', { body: { scope, code } }), 201);
const read = (place: typeof VILLAGE | typeof DISTRICT, format?: 'csv' | 'html') =>
  expectStatus(
    t.api().GET('/api/v1/public/disclosures/{scope}/{code}', {
      params: { path: place, query: format ? { format } : {} },
      ...(format ? { parseAs: 'text' as const } : {}),
    }),
    200,
  );

describe('asset-income dividends in the public disclosure', () => {
  it('lists the village’s dividend runs paid in the posting’s year, each household under its masked name', async () => {
    const posted = await publish('VILLAGE', DEMO_FUND_VILLAGE_CODE);
    expect(posted.body.asOf).toBe('2026-06-30');
    const json = await read(VILLAGE);
    const c = json.body.content as DisclosureContent;
    // 2024's run was paid 2025-01-25, more than a year before the posting: not in it
    expect(c.dividends).toEqual([
      {
        village: '东坪村',
        project: '东坪村乡村旅游资产收益项目',
        year: 2025,
        recordDate: run.record_date,
        paidOn: '2026-01-25',
        distributed: formatYuan(BigInt(run.paid_now_fen)),
        toHouseholds: formatYuan(households.reduce((s, h) => s + BigInt(h.paid_fen), 0n)),
        householdsBenefited: run.households_benefited,
        peopleBenefited: run.people_benefited,
        households: households.map((h) => ({
          household: maskName(h.head_name),
          entitled: formatYuan(BigInt(h.entitled_fen)),
          paid: formatYuan(BigInt(h.paid_fen)),
        })),
      },
    ]);
    for (const h of c.dividends![0].households)
      expect(h.household).toMatch(/^\p{Script=Han}\*+\p{Script=Han}?$/u);
    expectNothingPrivate(JSON.stringify(json.body));

    const dated = await expectStatus(
      t
        .api()
        .GET('/api/v1/public/disclosures/{scope}/{code}/{id}', {
          params: { path: { ...VILLAGE, id: String(posted.body.id) } },
        }),
      200,
    );
    expect(dated.body.content.dividends).toEqual(c.dividends);
    expectNothingPrivate(JSON.stringify(dated.body));
  });

  it('prints the runs and the households’ amounts in the CSV and on the A4 page, as private as the JSON', async () => {
    const csv = await read(VILLAGE, 'csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = (csv.body as string).replace(/^\uFEFF/, '').split('\r\n');
    const at = lines.indexOf('资产收益分红 (Asset-income dividends)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 2]).toBe(
      `东坪村,东坪村乡村旅游资产收益项目,2025,${run.record_date},2026-01-25,${formatYuan(BigInt(run.paid_now_fen))},` +
        `${formatYuan(households.reduce((s, h) => s + BigInt(h.paid_fen), 0n))},${run.households_benefited},${run.people_benefited}`,
    );
    const by = lines.indexOf('分红到户明细 (Dividends by household)');
    expect(lines.slice(by + 2, by + 2 + households.length)).toEqual(
      households.map(
        (h) =>
          `东坪村,东坪村乡村旅游资产收益项目,2025,2026-01-25,${maskName(h.head_name)},${formatYuan(BigInt(h.entitled_fen))},${formatYuan(BigInt(h.paid_fen))}`,
      ),
    );
    expectNothingPrivate(csv.body as string);

    const html = await read(VILLAGE, 'html');
    expect(html.headers['content-type']).toMatch(/text\/html/);
    const page = html.body as string;
    expect(page).toContain('<h2>资产收益分红</h2>');
    expect(page).toContain('<h2>分红到户明细</h2>');
    expect(page).toContain(`<td class="num">${formatYuan(BigInt(run.paid_now_fen))}</td>`);
    for (const h of households) expect(page).toContain(`<td>${maskName(h.head_name)}</td>`);
    expect(page).not.toMatch(/<script/i);
    expectNothingPrivate(page);
  });

  it('carries the village’s runs into its district’s posting, as private as the village’s', async () => {
    await publish('DISTRICT', DISTRICT.code);
    const json = await read(DISTRICT);
    const village = (await read(VILLAGE)).body.content as DisclosureContent;
    expect(json.body.content.dividends).toEqual(village.dividends);
    expectNothingPrivate(JSON.stringify(json.body));
    expectNothingPrivate((await read(DISTRICT, 'csv')).body as string);
    expectNothingPrivate((await read(DISTRICT, 'html')).body as string);
  });

  it('leaves a run out once its payment is more than a year before the posting, and shows older postings as they were', async () => {
    clock.set(new Date('2027-01-26T04:00:00Z'));
    try {
      const later = await publish('VILLAGE', DEMO_FUND_VILLAGE_CODE);
      expect(later.body).toMatchObject({ asOf: '2027-01-26', created: true });
      expect((await read(VILLAGE)).body.content.dividends).toEqual([]);
    } finally {
      clock.set(new Date('2026-06-30T04:00:00Z'));
    }
    // a posting from before dividends were disclosed has no such key: its tables are the ones it was shown with
    const old = { ...((await read(VILLAGE)).body.content as DisclosureContent), dividends: undefined };
    expect(disclosureTables(old).map((tb) => tb.name)).not.toContain('资产收益分红 (Asset-income dividends)');
  });
});
