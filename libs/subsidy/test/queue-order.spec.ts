import * as fx from '../../../test/subsidy/fixtures.js';
import { as, key, subsidyHarness, type SubsidyHarness } from './helpers.js';

/**
 * The queue across budget years: the programme's money is one account, so when it runs short a claim of a later
 * settlement period waits for every older queued claim (oldest period first, then each one's place in the queue),
 * whatever year's budget either is charged to. Approving a new claim does not jump ahead of older queued claims.
 */
let h: SubsidyHarness;

beforeAll(async () => {
  h = await subsidyHarness(10);
  await fx.benchmarkRates(h.db.dataSource);
});
afterAll(async () => h.db.drop());
afterEach(async () => expect((await h.ledger.verify()).ok).toBe(true));

it('pays the older year first: a later year waits behind an earlier year short of budget, at approval and in the queue', async () => {
  const ds = h.db.dataSource;
  const g = await fx.geography(ds);
  const p = await as('admin', () =>
    h.programmes.create({
      code: `Q${Date.now().toString(36).toUpperCase()}`,
      name: 'Queue order',
      settlementMode: 'PAY_BANK',
    }),
  );
  const bankId = await fx.bank(ds);
  const pv = await fx.productVersion(ds, { policy: { type: 'FULL_BENCHMARK', programmeId: p.id } });
  // 50,000 interest-only at 4.35 %: 181.25 a month, 543.75 a quarterly settlement period
  const l = await fx.loan(ds, {
    productVersionId: pv,
    channel: 'BANK_COVERED',
    districtId: g.districtId,
    bankId,
    householdId: await fx.household(ds, g.villageIds[0]),
    principalFen: 5_000_000n,
    termMonths: 12,
    annualRatePercent: '4.35',
    benchmarkRatePercent: '4.35',
    disbursementDate: '2025-09-05',
  });
  for (let n = 1; n <= 6; n++) await fx.pay(ds, l.id, n, l.installments[n - 1].dueDate);

  // money 1,000.00; the 2025 budget only 300.00, the 2026 budget ample
  await as('treasurer', () =>
    h.programmes.contribute(
      p.id,
      { source: 'CITY', amountFen: 100_000n, year: 2025, documentRef: 'd' },
      key(),
    ),
  );
  for (const [year, budgetFen] of [
    [2025, 30_000n],
    [2026, 500_000n],
  ] as const)
    await as('treasurer', () => h.programmes.setBudget(p.id, { year, budgetFen, reason: 'budget' }, key()));

  const claimOf = async (periodEnd: string) =>
    (await as('maker', () => h.claims.generate(p.id, { periodEnd }))).claims[0].claim!;
  const a = await claimOf('2025-12-20');
  const aApproved = await as('checker', () => h.claims.approve(a.id, key()));
  expect(aApproved).toMatchObject({ budgetYear: 2025, total: '543.75', approved: '300.00' });
  const aRest = aApproved.remainder!;
  expect(aRest).toMatchObject({ status: 'QUEUED', total: '243.75' });

  // 700.00 of money is left, but the 2025 remainder is older: the 2026 claim is queued whole behind it
  const b = await claimOf('2026-03-20');
  const bApproved = await as('checker', () => h.claims.approve(b.id, key()));
  expect(bApproved).toMatchObject({ budgetYear: 2026, total: '543.75', approved: '0.00' });
  const bRest = bApproved.remainder!;
  expect(bRest).toMatchObject({ status: 'QUEUED', total: '543.75' });

  // money arriving while 2025 still has no budget pays nobody: 2026 does not go first
  const money = await as('treasurer', () =>
    h.programmes.contribute(p.id, { source: 'CITY', amountFen: 1_000n, year: 2026, documentRef: 'd' }, key()),
  );
  expect(money.queue).toEqual({ approved: [], stillQueued: 2 });

  // the 2025 budget raised: the queue runs across years, oldest period first, as far as the money (710.00) goes
  const raised = await as('treasurer', () =>
    h.programmes.setBudget(p.id, { year: 2025, budgetFen: 100_000n, reason: 'supplementary' }, key()),
  );
  expect(raised.queue.approved.map((x) => [x.claimId, x.amount, x.requeuedAs !== null])).toEqual([
    [aRest.id, '243.75', false],
    [bRest.id, '466.25', true],
  ]);
  expect(raised.queue.stillQueued).toBe(1);
});
