import type { DataSource } from 'typeorm';
import { FixedClock, RequestContext } from '#libs/common';
import { BreakerService, RiskFundsService } from '#libs/guarantee';
import { createTestApp, type TestApp } from '#libs/testing';
import { createBank, createCoveredLoan, createDistrict } from '../../../test/guarantee/fixtures.js';

/**
 * The district breaker re-decided outside a loan operation: by the close of business (`reevaluateAll`, one fund at
 * a time under its lock) and when a fund's npl_overdue_days changes.
 */
let t: TestApp;
let ds: DataSource;
let breaker: BreakerService;
let funds: RiskFundsService;

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date('2026-03-01T04:00:00Z')));
  ds = t.db.dataSource;
  breaker = t.app.get(BreakerService);
  funds = t.app.get(RiskFundsService);
}, 60_000);
afterAll(async () => t.close());

const asFundAdmin = <T>(fn: () => Promise<T>) =>
  RequestContext.run(
    {
      requestId: `req-${Math.random()}`,
      actor: { userId: null, username: 'fund.admin', role: 'FUND_ADMIN', bankId: null, via: 'jwt' },
    },
    fn,
  );

async function districtWithFund() {
  const district = await createDistrict(ds);
  const bankId = await createBank(ds);
  const fund = await asFundAdmin(() => funds.create({ districtId: district.districtId }));
  return { district, bankId, fundId: fund.id as string };
}

const recorded = (districtId: string) => breaker.state(null, districtId);

describe('district breaker', () => {
  it('reevaluateAll waits for the fund lock, so a change committed meanwhile is never overwritten by a stale state', async () => {
    const { district, bankId, fundId } = await districtWithFund();
    await createCoveredLoan(ds, { district, bankId, principalFen: 9_000_000n });
    const { id: turning } = await createCoveredLoan(ds, { district, bankId, principalFen: 1_000_000n });
    await breaker.reevaluateAll('before');
    expect(await recorded(district.districtId)).toBe('NORMAL');

    // A loan operation in flight: fund locked, the loan turned non-performing, the breaker evaluated, not committed.
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let settled = false;
    let reevaluation: Promise<unknown> | undefined;
    try {
      await runner.query(`SELECT id FROM risk_funds WHERE id = $1 FOR UPDATE`, [fundId]);
      await runner.query(`UPDATE loans SET days_overdue = 200 WHERE id = $1`, [turning]);
      const inFlight = await breaker.evaluate(runner.manager, [district.districtId], 'loan operation');
      expect(inFlight.map((c) => c.state)).toEqual(['SUSPENDED']);

      reevaluation = breaker.reevaluateAll('close of business test').finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 400));
      // blocked on the fund row, before reading the district's figures
      expect(settled).toBe(false);
      await runner.commitTransaction();
    } catch (e) {
      await runner.rollbackTransaction();
      throw e;
    } finally {
      await runner.release();
    }
    await reevaluation;
    // 10 % of the book is non-performing: the committed state stands (a stale read would have reset it to NORMAL)
    expect(await recorded(district.districtId)).toBe('SUSPENDED');
    const events = await ds.query(
      `SELECT from_state, to_state, cause FROM district_breaker_events WHERE district_id = $1 ORDER BY id`,
      [district.districtId],
    );
    expect(events).toEqual([{ from_state: 'NORMAL', to_state: 'SUSPENDED', cause: 'loan operation' }]);

    // with the loan current again, the next re-evaluation resets it, once
    await ds.query(`UPDATE loans SET days_overdue = 0 WHERE id = $1`, [turning]);
    const changes = await breaker.reevaluateAll('close of business test');
    expect(changes.filter((c) => c.districtId === district.districtId).map((c) => [c.from, c.state])).toEqual(
      [['SUSPENDED', 'NORMAL']],
    );
    expect(await breaker.reevaluateAll('again')).toEqual([]);
  });

  it("changing a fund's npl overdue days re-decides its district in the same transaction", async () => {
    const { district, bankId, fundId } = await districtWithFund();
    await createCoveredLoan(ds, { district, bankId, principalFen: 9_000_000n });
    await createCoveredLoan(ds, { district, bankId, principalFen: 1_000_000n, daysOverdue: 60 });
    await breaker.reevaluateAll('before');
    expect(await recorded(district.districtId)).toBe('NORMAL');

    // 60 days overdue is beyond a 30-day line: 10 % of the book is non-performing
    await asFundAdmin(() => funds.update(fundId, { nplOverdueDays: 30 }));
    expect(await recorded(district.districtId)).toBe('SUSPENDED');
    // the same days again: nothing to re-decide, no event
    await asFundAdmin(() => funds.update(fundId, { nplOverdueDays: 30, name: 'renamed' }));
    await asFundAdmin(() => funds.update(fundId, { nplOverdueDays: 90 }));
    expect(await recorded(district.districtId)).toBe('NORMAL');
    const events = await ds.query(
      `SELECT from_state, to_state, cause, actor FROM district_breaker_events WHERE district_id = $1 ORDER BY id`,
      [district.districtId],
    );
    expect(events).toEqual([
      {
        from_state: 'NORMAL',
        to_state: 'SUSPENDED',
        cause: `risk fund ${fundId}: npl overdue days 90 → 30`,
        actor: 'fund.admin',
      },
      {
        from_state: 'SUSPENDED',
        to_state: 'NORMAL',
        cause: `risk fund ${fundId}: npl overdue days 30 → 90`,
        actor: 'fund.admin',
      },
    ]);
  });
});
