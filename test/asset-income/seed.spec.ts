import { seedAssetIncome } from '#libs/asset-income';
import { LedgerService } from '#libs/ledger';
import { FixedClock } from '#libs/common';
import { createTestApp, type TestApp } from '#libs/testing';
import { createHouseholds, createVillage } from '../../libs/asset-income/test/fixtures.js';

/** The demo seed: skips without a pilot village, then builds one project with two years and both years' runs paid, once. */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date('2026-06-30T04:00:00Z')));
});
afterAll(async () => t.close());

describe('seedAssetIncome', () => {
  it('skips, saying why, when there is no pilot village or no poor household', async () => {
    expect(await seedAssetIncome(t.app)).toEqual([expect.stringMatching(/no pilot village/)]);
    await createVillage(t.db.dataSource);
    expect(await seedAssetIncome(t.app)).toEqual([expect.stringMatching(/no poor household/)]);
  });

  it('seeds one project with two years of results and both years’ distributions paid, idempotently', async () => {
    const ds = t.db.dataSource;
    const [{ id: villageId }] = await ds.query(`SELECT id FROM villages WHERE is_pilot ORDER BY id LIMIT 1`);
    await createHouseholds(ds, String(villageId), 6, { members: (i) => 1 + i });
    const out = await seedAssetIncome(t.app);
    expect(out.join('\n')).toMatch(/project \d+[\s\S]*quantified 300000.00 to the collective, 700000.00 to 6[\s\S]*2024 dividends paid 420000.00 to 6 households \(21 people\)[\s\S]*2025 dividends paid \d+\.\d{2} to 6 households/);
    expect(await seedAssetIncome(t.app)).toEqual([expect.stringMatching(/already seeded/)]);
    const [p] = await ds.query(`SELECT id, status FROM aip_projects`);
    expect(p.status).toBe('ACTIVE');
    const runs = await ds.query(`SELECT year, status, prepared_by, approved_by FROM aip_distribution_runs WHERE project_id = $1 ORDER BY year`, [p.id]);
    expect(runs).toEqual([
      { year: 2024, status: 'PAID', prepared_by: 'seed-fund-admin', approved_by: 'seed-fund-checker' },
      { year: 2025, status: 'PAID', prepared_by: 'seed-fund-admin', approved_by: 'seed-fund-checker' },
    ]);
    // the last year's run is paid in this January, within a year of today (a public disclosure's period)
    const paid = await ds.query(`SELECT paid_on::text FROM aip_distribution_runs WHERE project_id = $1 ORDER BY year`, [p.id]);
    expect(paid.map((r: { paid_on: string }) => r.paid_on)).toEqual(['2025-01-25', '2026-01-25']);
    expect((await ds.query(`SELECT year FROM aip_annual_results WHERE project_id = $1 ORDER BY year`, [p.id])).map((r: { year: number }) => r.year)).toEqual([2024, 2025]);
    expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
  });
});
