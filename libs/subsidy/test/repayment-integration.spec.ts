import { formatYuan, yuan } from '#libs/money';
import { RepaymentService } from '#libs/repayment';
import {
  createFund,
  disburse,
  repaymentHarness,
  setToday as setRepaymentToday,
  type RepaymentHarness,
} from '../../../test/repayment/fixtures.js';
import * as fx from '../../../test/subsidy/fixtures.js';
import { as, key, subsidyServicesOn, type SubsidyHarness } from './helpers.js';

/**
 * The subsidy computed from what the real repayment service leaves on the instalments: on-time payments, a late
 * one, a payoff that cuts a period's interest to its accrual, and a reversal after the claim was approved.
 */
let r: RepaymentHarness;
let h: SubsidyHarness;
let repayments: RepaymentService;

beforeAll(async () => {
  r = await repaymentHarness({ poolSize: 20, today: '2026-01-01' });
  h = subsidyServicesOn(r.db, r.clock);
  repayments = r.repayments;
});
afterAll(async () => r.db.drop());
afterEach(async () => expect((await h.ledger.verify()).ok).toBe(true));

const due = async (loanId: string, n: number) => {
  const [i] = await r.ds.query(
    `SELECT (principal_fen + interest_fen)::text AS total FROM loan_installments WHERE loan_id = $1 AND number = $2`,
    [loanId, n],
  );
  return BigInt(i.total);
};
const pay = (loanId: string, amountFen: bigint, valueDate: string) => {
  setRepaymentToday(r.clock, valueDate);
  return as(
    'loan.officer',
    () => repayments.record(loanId, { amountFen, valueDate, channel: 'CASH' }, key('repay')),
    'LOAN_OFFICER',
  );
};

it('earns, forfeits and follows a payoff exactly as the repayment service recorded them, and adjusts after a reversal', async () => {
  const fund = await createFund(r, 100_000_000n, '2026-01-01');
  const R = (
    await as('admin', () =>
      h.programmes.create({
        code: 'MA-REAL',
        name: 'Mutual-aid subsidy',
        settlementMode: 'REIMBURSE_BORROWER',
      }),
    )
  ).id;
  await as('treasurer', () =>
    h.programmes.contribute(
      R,
      { source: 'DISTRICT', amountFen: 10_000_000n, year: 2026, documentRef: 'doc' },
      key(),
    ),
  );
  await as('treasurer', () =>
    h.programmes.setBudget(R, { year: 2026, budgetFen: 10_000_000n, reason: 'b' }, key()),
  );
  const pv = await fx.productVersion(r.ds, {
    kind: 'MUTUAL_AID',
    method: 'EQUAL_INSTALLMENT',
    fixedRatePercent: '6',
    policy: { type: 'CAPPED', capPercent: '5', programmeId: R },
  });
  // 10,000 at 6 %, 12 monthly instalments from Jan 5: interest 50.00, then on the falling balance
  const [x, y, z] = [
    await disburse(r, { fund, productVersionId: pv, principalFen: 1_000_000n, date: '2026-01-05' }),
    await disburse(r, { fund, productVersionId: pv, principalFen: 1_000_000n, date: '2026-01-05' }),
    await disburse(r, { fund, productVersionId: pv, principalFen: 1_000_000n, date: '2026-01-05' }),
  ];
  const first = await due(x, 1);
  await pay(x, first, '2026-02-05');
  const second = await pay(x, await due(x, 2), '2026-03-05');
  await pay(y, first + 500n, '2026-02-10'); // late, with a little extra for the penalty
  await pay(z, first, '2026-02-05');
  setRepaymentToday(r.clock, '2026-02-20');
  const quote = await r.statements.payoff(z, '2026-02-20');
  const off = await pay(z, yuan(quote.total), '2026-02-20');
  expect(off.payoff).toBe(true);

  r.clock.set(new Date('2026-03-25T04:00:00Z'));
  const gen = await as('maker', () => h.claims.generate(R, { periodEnd: '2026-03-20' }));
  const claim = gen.claims[0].claim!;
  const lines = (await h.claims.allLines(claim.id)).lines;
  const facts = await r.ds.query(
    `SELECT loan_id::text, number, interest_fen::text, original_interest_fen::text, interest_paid_on FROM loan_installments
      WHERE loan_id = ANY($1::bigint[]) AND number <= 2 ORDER BY loan_id, number`,
    [[x, y, z]],
  );
  const fact = (loan: string, n: number) =>
    facts.find((f: { loan_id: string; number: number }) => f.loan_id === loan && f.number === n);
  // CAPPED 5 % of a 6 % loan: 5/6 of the interest of a full period; 10,000 × 5 % / 12 = 41.67
  expect(
    lines.map((l) => [l.loanId, l.installmentNumber, l.outcome, l.forfeitReason, l.computed, l.subsidy]),
  ).toEqual([
    [x, 1, 'EARNED', null, '41.67', '41.67'],
    [x, 2, 'EARNED', null, lines[1].computed, lines[1].computed],
    [y, 1, 'FORFEITED', 'LATE_PAYMENT', '41.67', '0.00'],
    [y, 2, 'FORFEITED', 'UNPAID', lines[1].computed, '0.00'],
    [z, 1, 'EARNED', null, '41.67', '41.67'],
    [z, 2, 'EARNED', null, lines[5].computed, lines[5].computed],
  ]);
  expect(fact(x, 2).interest_paid_on).toBe('2026-03-05');
  // z's second period was cut to its accrual by the payoff: the subsidy follows the interest actually charged
  expect(BigInt(fact(z, 2).interest_fen)).toBeLessThan(BigInt(fact(z, 2).original_interest_fen));
  const [z1] = await r.ds.query(
    `SELECT principal_fen::text AS p FROM loan_installments WHERE loan_id = $1 AND number = 1`,
    [z],
  );
  const zBalance = 1_000_000n - BigInt(z1.p);
  const num = 5n * zBalance * BigInt(fact(z, 2).interest_fen);
  const den = 1200n * BigInt(fact(z, 2).original_interest_fen);
  expect(lines[5].subsidy).toBe(formatYuan((2n * num + den) / (2n * den)));

  await as('checker', () => h.claims.approve(claim.id, key()));
  // the borrower's second payment bounces and is reversed: the approved claim stays, an adjustment takes it back
  setRepaymentToday(r.clock, '2026-03-26');
  await as('fund.admin', () => repayments.reverse(second.id, 'payment bounced', key('rev')), 'FUND_ADMIN');
  const adj = await as('maker', () => h.claims.generate(R, { periodEnd: '2026-03-20' }));
  expect(adj.claims[0]).toMatchObject({
    action: 'ADJUSTMENT',
    claim: { kind: 'ADJUSTMENT', total: `-${lines[1].subsidy}` },
  });
  expect(
    (await h.claims.allLines(adj.claims[0].claim!.id)).lines.map((l) => [
      l.loanId,
      l.installmentNumber,
      l.forfeitReason,
    ]),
  ).toEqual([[x, 2, 'UNPAID']]);
});
