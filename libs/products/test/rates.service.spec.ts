import { AuditService } from '#libs/audit';
import { DomainError, FixedClock } from '#libs/common';
import { RatesService, seedBenchmarkRates } from '#libs/products';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

let db: TestDatabase;
let rates: RatesService;
const clock = new FixedClock(new Date('2026-03-10T04:00:00Z'));

beforeAll(async () => {
  db = await createTestDatabase(30);
  rates = new RatesService(db.dataSource, new AuditService(db.dataSource), clock);
  await seedBenchmarkRates(db.dataSource);
});
afterAll(async () => db.drop());

const count = async (sql: string, params: unknown[] = []) => ((await db.dataSource.query(sql, params)) as { n: number }[])[0].n;
const rateRows = () => count(`SELECT count(*)::int AS n FROM benchmark_rates`);
const auditRows = () => count(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'benchmark_rate'`);
const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as DomainError,
  );

describe('the seeded defaults', () => {
  it('are the 2015-10-24 benchmark: ≤ 12 months 4.35, 13-60 months 4.75', async () => {
    expect(await rates.rateFor(1, '2020-01-01')).toBe('4.35');
    expect(await rates.rateFor(12, '2015-10-24')).toBe('4.35');
    expect(await rates.rateFor(13, '2015-10-24')).toBe('4.75');
    expect(await rates.rateFor(60, '2026-03-10')).toBe('4.75');
  });

  it('seeding again adds nothing', async () => {
    const before = await rateRows();
    const lines = await seedBenchmarkRates(db.dataSource);
    expect(lines.every((l) => l.startsWith('kept existing'))).toBe(true);
    expect(await rateRows()).toBe(before);
  });

  it('no band beyond 60 months, nothing before 2015-10-24: BENCHMARK_RATE_NOT_IN_FORCE', async () => {
    const beyond = await fail(rates.rateFor(61, '2020-01-01'));
    expect(beyond.code).toBe('BENCHMARK_RATE_NOT_IN_FORCE');
    expect(beyond.detail).toMatch(/no benchmark rate band holds a 61-month term/);
    const before = await fail(rates.rateFor(12, '2015-10-23'));
    expect(before.code).toBe('BENCHMARK_RATE_NOT_IN_FORCE');
    expect(before.detail).toMatch(/first took effect on 2015-10-24/);
  });

  it('refuses a malformed lookup naming the fields', async () => {
    const e = await fail(rates.rateFor(0, '2020-02-30'));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.errors.map((x) => x.field)).toEqual(['termMonths', 'date']);
  });
});

describe('a rate change mid-history', () => {
  it('applies from its effective date for its band only, and the old rate stays in force before it', async () => {
    // a cut of the ≤ 12 months band from 2026-05-01 (future), and a 61-120 band from 2016-01-01 (back-dated)
    const cut = await rates.create({ termMinMonths: 1, termMaxMonths: 12, ratePercent: '3.85', effectiveFrom: '2026-05-01' });
    expect(cut).toMatchObject({ ratePercent: '3.85', effectiveFrom: '2026-05-01', createdBy: 'system', withdrawn: false });
    await rates.create({ termMinMonths: 61, termMaxMonths: 120, ratePercent: '4.9', effectiveFrom: '2016-01-01', note: 'five years and more' });

    expect(await rates.rateFor(12, '2026-04-30')).toBe('4.35');
    expect(await rates.rateFor(12, '2026-05-01')).toBe('3.85');
    expect(await rates.rateFor(6, '2030-01-01')).toBe('3.85');
    expect(await rates.rateFor(13, '2026-05-01')).toBe('4.75');
    expect(await rates.rateFor(61, '2015-12-31').catch((e: DomainError) => e.code)).toBe('BENCHMARK_RATE_NOT_IN_FORCE');
    expect(await rates.rateFor(120, '2016-01-01')).toBe('4.9');
    const inForce = await rates.inForce(12, '2026-06-01');
    expect(inForce).toMatchObject({ rateId: cut.id, termMinMonths: 1, termMaxMonths: 12, effectiveFrom: '2026-05-01' });
  });

  it('a band re-cut on a new date (1-6 and 7-12) takes over only the terms it holds', async () => {
    await rates.create({ termMinMonths: 1, termMaxMonths: 6, ratePercent: '3.6', effectiveFrom: '2026-09-01' });
    expect(await rates.rateFor(6, '2026-09-01')).toBe('3.6');
    expect(await rates.rateFor(7, '2026-09-01')).toBe('3.85');
  });
});

describe('creating rates', () => {
  it('refuses a band overlapping another of the same date and writes nothing', async () => {
    const [before, audits] = [await rateRows(), await auditRows()];
    const e = await fail(rates.create({ termMinMonths: 10, termMaxMonths: 24, ratePercent: '4.5', effectiveFrom: '2015-10-24', note: 'x' }));
    expect(e.code).toBe('BENCHMARK_BAND_OVERLAP');
    expect(e.errors.map((x) => x.field)).toEqual(['termMinMonths', 'termMaxMonths']);
    expect((e.extra.conflictingRateIds as string[]).length).toBe(2);
    expect(await rateRows()).toBe(before);
    expect(await auditRows()).toBe(audits);
  });

  it('allows the same band on another date (a new rate)', async () => {
    const r = await rates.create({ termMinMonths: 13, termMaxMonths: 60, ratePercent: '4.75', effectiveFrom: '2027-01-01' });
    expect(r.ratePercent).toBe('4.75');
  });

  it('needs a note for a back-dated row, and validates every field at once', async () => {
    const before = await rateRows();
    const back = await fail(rates.create({ termMinMonths: 121, termMaxMonths: 360, ratePercent: '4.9', effectiveFrom: '2020-01-01' }));
    expect(back.errors.map((x) => `${x.field}:${x.code}`)).toEqual(['note:BACKDATED_NEEDS_NOTE']);
    const all = await fail(rates.create({ termMinMonths: 20, termMaxMonths: 10, ratePercent: '-1', effectiveFrom: '2026-02-30' }));
    expect(all.code).toBe('VALIDATION_FAILED');
    expect(all.errors.map((x) => x.field)).toEqual(['termMaxMonths', 'ratePercent', 'effectiveFrom']);
    const big = await fail(rates.create({ termMinMonths: 1, termMaxMonths: 361, ratePercent: '36.000001', effectiveFrom: '2026-12-01' }));
    expect(big.errors.map((x) => x.field)).toEqual(['termMaxMonths', 'ratePercent']);
    expect(await rateRows()).toBe(before);
  });

  it('audits each new row with its actor', async () => {
    const r = await rates.create({ termMinMonths: 121, termMaxMonths: 360, ratePercent: '4.9', effectiveFrom: '2028-01-01' });
    const [audit] = await db.dataSource.query(`SELECT action, actor, after FROM audit_log WHERE entity_type = 'benchmark_rate' AND entity_id = $1`, [r.id]);
    expect(audit).toMatchObject({ action: 'BENCHMARK_RATE_CREATED', actor: 'system' });
    expect(audit.after).toMatchObject({ ratePercent: '4.9', effectiveFrom: '2028-01-01', termMinMonths: 121 });
  });

  it('concurrent overlapping inserts for one date: exactly one wins, the rest get BENCHMARK_BAND_OVERLAP', async () => {
    const before = await rateRows();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        rates.create({ termMinMonths: 1 + i, termMaxMonths: 24 + i, ratePercent: '4.0', effectiveFrom: '2029-01-01' }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    for (const l of lost) expect((l.reason as DomainError).code).toBe('BENCHMARK_BAND_OVERLAP');
    expect(await rateRows()).toBe(before + 1);
    expect(await count(`SELECT count(*)::int AS n FROM benchmark_rates WHERE effective_from = '2029-01-01'`)).toBe(1);
  });
});

describe('history', () => {
  it('withdraws a row not yet in force, never one in force', async () => {
    const future = await rates.create({ termMinMonths: 1, termMaxMonths: 12, ratePercent: '3.5', effectiveFrom: '2026-04-01' });
    expect(await rates.rateFor(12, '2026-04-15')).toBe('3.5');
    const w = await rates.withdraw(future.id, 'announced by mistake');
    expect(w).toMatchObject({ withdrawn: true, withdrawnBy: 'system', withdrawalReason: 'announced by mistake' });
    expect(await rates.rateFor(12, '2026-04-15')).toBe('4.35');
    expect((await fail(rates.withdraw(future.id, 'again'))).code).toBe('BENCHMARK_RATE_WITHDRAWN');
    // a correction of the withdrawn row may reuse its band and date
    const corrected = await rates.create({ termMinMonths: 1, termMaxMonths: 12, ratePercent: '3.55', effectiveFrom: '2026-04-01' });
    expect(await rates.rateFor(12, '2026-04-15')).toBe('3.55');

    clock.set(new Date('2026-04-01T01:00:00Z')); // 09:00 in Shanghai: the row is in force today
    try {
      const e = await fail(rates.withdraw(corrected.id, 'too late'));
      expect(e.code).toBe('BENCHMARK_RATE_ALREADY_EFFECTIVE');
    } finally {
      clock.set(new Date('2026-03-10T04:00:00Z'));
    }
    const [{ action }] = await db.dataSource.query(`SELECT action FROM audit_log WHERE entity_id = $1 AND entity_type = 'benchmark_rate' ORDER BY id DESC LIMIT 1`, [future.id]);
    expect(action).toBe('BENCHMARK_RATE_WITHDRAWN');
  });

  it('the database refuses to edit or delete a rate', async () => {
    const [row] = await db.dataSource.query(`SELECT id FROM benchmark_rates ORDER BY id LIMIT 1`);
    await expect(db.dataSource.query(`UPDATE benchmark_rates SET rate_percent = 1 WHERE id = $1`, [row.id])).rejects.toThrow(/history/);
    await expect(db.dataSource.query(`DELETE FROM benchmark_rates WHERE id = $1`, [row.id])).rejects.toThrow(/history/);
    await expect(
      db.dataSource.query(`UPDATE benchmark_rates SET withdrawn_at = now(), withdrawn_by = 'x', withdrawal_reason = 'y', rate_percent = 1 WHERE id = $1`, [row.id]),
    ).rejects.toThrow(/history/);
  });

  it('the database refuses overlapping live bands even without the service', async () => {
    await expect(
      db.dataSource.query(
        `INSERT INTO benchmark_rates (term_min_months, term_max_months, rate_percent, effective_from, created_by) VALUES (5, 8, 4, '2015-10-24', 'x')`,
      ),
    ).rejects.toThrow(/benchmark_rates_no_overlap/);
  });
});

describe('listing', () => {
  it('filters by term, date range and withdrawn, newest first, paginated', async () => {
    const all = await rates.list({ includeWithdrawn: true }, { page: 1, pageSize: 500 });
    const live = await rates.list({}, { page: 1, pageSize: 500 });
    expect(all.total).toBe(live.total + 1);
    const dates = live.items.map((r) => r.effectiveFrom);
    expect([...dates].sort().reverse()).toEqual(dates);

    const twelve = await rates.list({ termMonths: 12, to: '2026-12-31' }, { page: 1, pageSize: 50 });
    expect(twelve.items.every((r) => r.termMinMonths <= 12 && r.termMaxMonths >= 12 && r.effectiveFrom <= '2026-12-31')).toBe(true);
    // the 1-6 band does not hold 12 months, the withdrawn row is left out, 2029 is after the range
    expect(twelve.items.map((r) => `${r.effectiveFrom} ${r.ratePercent}`)).toEqual(['2026-05-01 3.85', '2026-04-01 3.55', '2015-10-24 4.35']);

    const page2 = await rates.list({}, { page: 2, pageSize: 2 });
    expect(page2.items.map((r) => r.id)).toEqual(live.items.slice(2, 4).map((r) => r.id));
    const ranged = await rates.list({ from: '2016-01-01', to: '2016-12-31' }, { page: 1, pageSize: 50 });
    expect(ranged.items.map((r) => r.effectiveFrom)).toEqual(['2016-01-01']);
  });
});
