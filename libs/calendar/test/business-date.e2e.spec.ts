import { BusinessClock, Clock } from '#libs/common';
import { addDays } from '#libs/schedules';
import { apiCall, createTestApp, expectStatus, type TestApp } from '#libs/testing';

/** The business date over HTTP: reading it, moving it (ADMIN, outside production), and the days it runs. */
let t: TestApp;
const auth = async (role: Parameters<TestApp['tokenFor']>[0]) => `Bearer ${await t.tokenFor(role)}`;
const q = <T = Record<string, unknown>>(sql: string, p: unknown[] = []) => t.db.dataSource.query(sql, p) as Promise<T[]>;

beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(async () => t.close());

describe('business date', () => {
  it('is the calendar date until someone moves it, and every role can read it', async () => {
    const res = await expectStatus(t.api('AUDITOR').GET('/api/v1/business-date'), 200);
    expect(res.body).toMatchObject({ movable: true, moved: false, timeZone: 'Asia/Shanghai', recentDays: [] });
    expect(res.body.businessDate).toBe(res.body.calendarDate);
    await expectStatus(t.api().GET('/api/v1/business-date'), 401);
  });

  it('is moved by an ADMIN only, never backwards or too far, and bad input writes nothing', async () => {
    const officer = await auth('FUND_ADMIN');
    await expectStatus(t.api(officer).POST('/api/v1/business-date/advance', { body: { days: 1 } }), 403);
    const admin = await auth('ADMIN');
    const now = (await apiCall(t.api(admin).GET('/api/v1/business-date'))).body.businessDate as string;
    const back = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { to: addDays(now, -1) } }), 422);
    expect(back.body).toMatchObject({ code: 'BUSINESS_DATE_INVALID', errors: [{ field: 'to', code: 'BUSINESS_DATE_BACKWARDS' }] });
    const far = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { to: addDays(now, 367) } }), 422);
    expect(far.body.errors).toEqual([expect.objectContaining({ field: 'to', code: 'BUSINESS_DATE_TOO_FAR' })]);
    const zero = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { days: 0 } }), 400);
    expect(zero.body.errors).toEqual([expect.objectContaining({ field: 'days' })]);
    const junk = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { to: '2026-02-30' } }), 400);
    expect(junk.body.errors).toEqual([expect.objectContaining({ field: 'to' })]);
    expect(await q(`SELECT * FROM business_clock`)).toEqual([]);
    expect(await q(`SELECT * FROM business_days`)).toEqual([]);
  });

  it('a fresh sandbox starts its clock at a chosen date; advancing runs every day passed, once', async () => {
    const admin = await auth('ADMIN');
    const started = await expectStatus(t.api(admin).PUT('/api/v1/business-date', { body: { businessDate: '2026-01-30' } }), 200);
    expect(started.body).toMatchObject({ businessDate: '2026-01-30', moved: true, movedBy: 'admin' });

    const adv = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { to: '2026-02-02' } }), 200);
    expect(adv.body.from).toBe('2026-01-30');
    expect(adv.body.to).toBe('2026-02-02');
    expect(adv.body.days.map((d: { businessDate: string }) => d.businessDate)).toEqual(['2026-01-31', '2026-02-01', '2026-02-02']);
    for (const d of adv.body.days) expect(d.status).toBe('DONE');
    // the close of business of each day passed, the reminder run of each new day, the January report on the 1st
    const cob = await q<{ business_date: string; status: string }>(`SELECT business_date, status FROM cob_runs ORDER BY business_date`);
    expect(cob).toEqual([
      { business_date: '2026-01-30', status: 'COMPLETED' },
      { business_date: '2026-01-31', status: 'COMPLETED' },
      { business_date: '2026-02-01', status: 'COMPLETED' },
    ]);
    const runs = await q<{ business_date: string }>(`SELECT business_date FROM reminder_runs ORDER BY business_date`);
    expect(runs.map((r) => r.business_date)).toEqual(['2026-01-31', '2026-02-01', '2026-02-02']);
    expect(adv.body.days[1].steps.REPORT).toMatchObject({ month: '2026-01', action: 'CREATED', version: 1 });
    expect(await q(`SELECT period FROM report_snapshots`)).toEqual([{ period: '2026-01' }]);

    // every decision now reads the moved date: the report of February is refused until March begins
    const early = await expectStatus(t.api(admin).POST('/api/v1/reports/monthly', { body: { month: '2026-02' } }), 422);
    expect(early.body.errors).toEqual([expect.objectContaining({ field: 'month', code: 'NOT_ENDED' })]);
    const cobFuture = await expectStatus(t.api(admin).POST('/api/v1/cob/runs', { body: { businessDate: '2026-02-03' } }), 422);
    expect(cobFuture.body.errors).toEqual([expect.objectContaining({ code: 'COB_DATE_IN_FUTURE' })]);

    const view = await expectStatus(t.api(admin).GET('/api/v1/business-date'), 200);
    expect(view.body).toMatchObject({ businessDate: '2026-02-02', moved: true });
    expect(view.body.recentDays.map((d: { businessDate: string }) => d.businessDate)).toEqual(['2026-02-02', '2026-02-01', '2026-01-31']);

    // advancing to where it is runs nothing again
    const same = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { to: '2026-02-02' } }), 200);
    expect(same.body.days).toEqual([]);
    expect(await q(`SELECT count(*)::int AS n FROM cob_runs`)).toEqual([{ n: 3 }]);
    const audit = await q<{ action: string }>(`SELECT action FROM audit_log WHERE entity_type = 'business_clock' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['BUSINESS_DATE_STARTED', 'BUSINESS_DATE_ADVANCED', 'BUSINESS_DATE_ADVANCED']);
  });

  it('a day cut off half-way is finished by the next advance, skipping the steps already done', async () => {
    const admin = await auth('ADMIN');
    // 2026-02-03 begins and its close of business runs, then the process stops before the reminders
    await q(`UPDATE business_clock SET business_date = '2026-02-03'`);
    await q(`INSERT INTO business_days (business_date, status, steps, advanced_by) VALUES ('2026-02-03', 'RUNNING', '{"COB": {"businessDate": "2026-02-02", "status": "COMPLETED", "loansProcessed": 7, "callsRaised": 0}}', 'admin')`);
    const adv = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { days: 1 } }), 200);
    expect(adv.body.days.map((d: { businessDate: string; status: string }) => [d.businessDate, d.status])).toEqual([
      ['2026-02-03', 'DONE'],
      ['2026-02-04', 'DONE'],
    ]);
    // the step's recorded result is kept: it is not run again (no loan exists here, a new run would process 0)
    expect(adv.body.days[0].steps.COB).toEqual({ businessDate: '2026-02-02', status: 'COMPLETED', loansProcessed: 7, callsRaised: 0 });
    const cob = await q<{ business_date: string }>(`SELECT business_date FROM cob_runs ORDER BY business_date DESC LIMIT 1`);
    expect(cob[0].business_date).toBe('2026-02-03');
  });

  it('cannot be started again once the books hold entries', async () => {
    const admin = await auth('ADMIN');
    await q(`INSERT INTO journal_entries (idempotency_key, content_hash, code, business_date, actor) VALUES ('x', 'x', 'FUND_CONTRIBUTION', '2026-02-04', 'test')`);
    const res = await expectStatus(t.api(admin).PUT('/api/v1/business-date', { body: { businessDate: '2025-01-01' } }), 422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'businessDate', code: 'BUSINESS_DATE_LEDGER_NOT_EMPTY' })]);
  });

  it('a read of the clock that answers after a later move does not set the date back', async () => {
    // Every request re-reads the date; one whose read began before an advance committed can answer after the
    // advance's own refresh. A transaction whose snapshot predates the move is such a late read.
    const clock = t.app.get(Clock) as BusinessClock;
    const admin = await auth('ADMIN');
    const before = clock.today();
    const late = t.db.dataSource.createQueryRunner();
    await late.connect();
    try {
      await late.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await late.query('SELECT business_date FROM business_clock');
      const adv = await expectStatus(t.api(admin).POST('/api/v1/business-date/advance', { body: { days: 1 } }), 200);
      expect(adv.body.to).toBe(addDays(before, 1));
      expect(clock.today()).toBe(addDays(before, 1));
      await clock.refresh(late.manager); // reads the date before the move
      expect(clock.today()).toBe(addDays(before, 1));
      await late.query('COMMIT');
      await clock.refresh();
      expect(clock.today()).toBe(addDays(before, 1));
    } finally {
      await late.release();
    }
  });
});

describe('business date in production', () => {
  let p: TestApp;
  beforeAll(async () => {
    p = await createTestApp({ BUSINESS_DATE_MOVABLE: 'false' });
  }, 60_000);
  afterAll(async () => p.close());

  it('is the calendar date and cannot be moved', async () => {
    const admin = `Bearer ${await p.tokenFor('ADMIN')}`;
    const res = await expectStatus(p.api(admin).POST('/api/v1/business-date/advance', { body: { days: 1 } }), 409);
    expect(res.body.code).toBe('BUSINESS_DATE_NOT_MOVABLE');
    await expectStatus(p.api(admin).PUT('/api/v1/business-date', { body: { businessDate: '2026-01-01' } }), 409);
    const view = await expectStatus(p.api(admin).GET('/api/v1/business-date'), 200);
    expect(view.body).toMatchObject({ movable: false, moved: false });
    expect(view.body.businessDate).toBe(view.body.calendarDate);
  });
});
