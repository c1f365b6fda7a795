import { DEMO_BANK, DEMO_BANK_OFFICER, DEMO_RISK_FUND_DISTRICT_CODE, seedGuarantee } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('seedGuarantee', () => {
  it('creates nothing district-bound when the demo district is missing, and says so', async () => {
    const lines = await seedGuarantee(t.app);
    expect(lines.join('\n')).toContain(`no district ${DEMO_RISK_FUND_DISTRICT_CODE}`);
    expect(lines.filter((l) => /API key .*: mae_live_[a-z2-9]{12}_/.test(l))).toHaveLength(1);
    expect(await t.db.dataSource.query(`SELECT 1 FROM risk_funds`)).toHaveLength(0);
  });

  it('seeds the bank, its officer and key, the heavy-task fund with 5,500,000 and a 10× agreement, idempotently', async () => {
    await t.db.dataSource.query(
      `INSERT INTO districts (code, name, heavy_task) VALUES ($1, '淄川区', true)`,
      [DEMO_RISK_FUND_DISTRICT_CODE],
    );
    const first = await seedGuarantee(t.app);
    const second = await seedGuarantee(t.app);
    // the key was printed by the very first run (before the district existed); no run prints a second one
    expect([...first, ...second].some((l) => l.includes('mae_live_'))).toBe(false);
    expect(first.join('\n')).toMatch(
      /deposited 3000000.00 from CITY[\s\S]*deposited 2500000.00 from DISTRICT[\s\S]*created agreement/,
    );
    expect(second.filter((l) => /^(created|deposited)/.test(l))).toEqual([]);

    const [fund] = await t.db.dataSource.query(
      `SELECT rf.id FROM risk_funds rf JOIN districts d ON d.id = rf.district_id WHERE d.code = $1`,
      [DEMO_RISK_FUND_DISTRICT_CODE],
    );
    const login = await apiCall(
      t.api().POST('/api/v1/auth/login', {
        body: { username: DEMO_BANK_OFFICER.username, password: DEMO_BANK_OFFICER.password },
      }),
    );
    expect(login.status).toBe(200);
    const cap = (
      await apiCall(t.api('ADMIN').GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: fund.id } } }))
    ).body;
    expect(cap).toMatchObject({ balance: '5500000.00', heavyTask: true, belowMinimum: false });
    expect(cap.agreements).toEqual([
      expect.objectContaining({
        bankCode: DEMO_BANK.code,
        multiple: '10',
        capacity: '55000000.00',
        inForce: true,
      }),
    ]);
    const keys = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM bank_api_keys`);
    expect(keys[0].n).toBe(1);
    expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
  });

  it('prints the API key once, when it is created', async () => {
    await t.db.dataSource.query(`UPDATE bank_api_keys SET revoked_at = now(), revoked_by = 'test'`);
    const lines = await seedGuarantee(t.app);
    expect(lines.filter((l) => /mae_live_[a-z2-9]{12}_/.test(l))).toHaveLength(1);
    expect((await seedGuarantee(t.app)).filter((l) => l.includes('mae_live_'))).toHaveLength(0);
  });
});
