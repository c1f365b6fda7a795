import type { CobService } from '#libs/cob';
import { fundAccounts } from '#libs/funds';
import {
  addDays,
  activePayments,
  frozenSchedule,
  loadInstallments,
  replay,
  requireLoan,
  termsOf,
} from '#libs/repayment';
import { cobOn } from './fixtures.js';
import {
  asActor,
  createFund,
  createGroup,
  createProduct,
  disburse,
  repaymentHarness,
  setToday,
  type FundFixture,
  type RepaymentHarness,
} from '../repayment/fixtures.js';

/**
 * Twenty-four months in the life of a village mutual-aid fund, fast-forwarded one business day at a time, with the
 * close of business weekly and at every month end. Households borrow whenever the fund can lend (so repaid principal goes out
 * again), and behave as the profile they were dealt: most pay on the due date, some weeks late (penalty), some
 * prepay or pay off early, some default, are written off after 180 days and later pay part of it back; a few
 * receipts are entered days after their value date, and a few are reversed and entered again. Year ends are closed
 * by the fee distribution. At the end the books must balance to the fen:
 *   cash + outstanding principal + written off − income received = capital contributed.
 */
type Profile = 'ON_TIME' | 'LATE' | 'PREPAYER' | 'DEFAULTER';

interface SimLoan {
  id: string;
  household: string;
  profile: Profile;
  lateDays: number;
  /** Stops paying after this many instalments (defaulters). */
  paysInstallments: number;
  writtenOff: boolean;
  recovered: boolean;
  /** The next business date this borrower does something (pays, or is written off): no need to look before. */
  nextAction: string;
}

interface Pending {
  recordOn: string;
  loanId: string;
  valueDate: string;
  amountFen: bigint;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed exactly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = '2025-01-01';
const END = '2027-01-06';
const CAPITAL_FEN = 8_000_000n;
const TOP_UP_FEN = 2_000_000n;

let h: RepaymentHarness;
let cob: CobService;

beforeAll(async () => {
  h = await repaymentHarness({ poolSize: 10, today: START });
  cob = cobOn(h);
});
afterAll(async () => h.db.drop());

const officer = <T>(fn: () => Promise<T>) => asActor('LOAN_OFFICER', fn, 'loan.officer');
const admin = <T>(fn: () => Promise<T>) => asActor('FUND_ADMIN', fn, 'fund.admin');
const sum = async (sql: string, params: unknown[] = []): Promise<bigint> =>
  BigInt((await h.ds.query(sql, params))[0].s ?? 0);

it(
  '24 months of lending, repaying, arrears, write-offs and re-lending balance to the fen',
  simulate,
  600_000,
);

async function simulate(): Promise<void> {
  const random = rng(20250101);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  setToday(h.clock, START);
  const fund: FundFixture = await createFund(h, CAPITAL_FEN, START);
  const a = fundAccounts(fund.fundId);
  let contributed = CAPITAL_FEN;
  const products = {
    bullet: await createProduct(h.ds),
    monthly: await createProduct(h.ds, { method: 'EQUAL_INSTALLMENT', frequency: 'MONTHLY' }),
    monthlyLower: await createProduct(h.ds, {
      method: 'EQUAL_INSTALLMENT',
      frequency: 'MONTHLY',
      prepaymentMode: 'LOWER_INSTALLMENT',
      graceDays: 3,
    }),
  };
  // 36 households in 9 joint-liability groups of 4, each dealt a profile for life.
  const households: { id: string; groupId: string; profile: Profile }[] = [];
  for (let g = 0; g < 9; g++) {
    const group = await createGroup(h.ds, fund.villageId, 4);
    for (const id of group.members) {
      const r = random();
      households.push({
        id,
        groupId: group.groupId,
        profile: r < 0.55 ? 'ON_TIME' : r < 0.75 ? 'LATE' : r < 0.9 ? 'PREPAYER' : 'DEFAULTER',
      });
    }
  }

  const active = new Map<string, SimLoan>(); // household → its live loan
  const all: SimLoan[] = [];
  const blacklisted = new Set<string>();
  const pending: Pending[] = [];
  let disbursedFen = 0n;
  let receivedFen = 0n;
  let reversedFen = 0n;
  let cobMs = 0;
  const counters = {
    loans: 0,
    repayments: 0,
    backdated: 0,
    reversals: 0,
    writeOffs: 0,
    recoveries: 0,
    distributions: 0,
    cobRuns: 0,
  };

  const record = async (loanId: string, valueDate: string, amountFen: bigint) => {
    const r = await officer(() =>
      h.repayments.record(
        loanId,
        { amountFen, valueDate, channel: 'CASH' },
        `sim-${loanId}-${valueDate}-${counters.repayments}`,
      ),
    );
    counters.repayments++;
    if (r.backdated) counters.backdated++;
    receivedFen += amountFen;
    return r;
  };

  for (let day = START; day <= END; day = addDays(day, 1)) {
    setToday(h.clock, day);
    const dom = Number(day.slice(8, 10));

    if (day === '2026-01-10') {
      await admin(() =>
        h.contributions.contribute(
          fund.fundId,
          {
            source: 'CITY',
            amountFen: TOP_UP_FEN,
            receivedOn: day,
            year: 2026,
            documentRef: '淄财农〔2026〕2号',
          },
          'sim-top-up',
        ),
      );
      contributed += TOP_UP_FEN;
    }

    // Year end: the income of the year just ended is distributed in the first week of January.
    if (day.endsWith('-01-05') && day.slice(0, 4) > START.slice(0, 4)) {
      const d = await admin(() =>
        h.distributions.distribute(fund.fundId, Number(day.slice(0, 4)) - 1, `sim-dist-${day}`),
      );
      expect(BigInt(d.distributable.replace('.', ''))).toBeGreaterThan(0n);
      counters.distributions++;
    }

    // New loans in the first days of each month, while the fund can lend.
    if (dom <= 3) {
      for (const hh of households) {
        if (active.has(hh.id) || blacklisted.has(hh.id) || random() < 0.5) continue;
        const amountFen = BigInt(10 + Math.floor(random() * 41)) * 10_000n; // 1 000.00 … 5 000.00
        const position = await h.funds.position(null, fund.fundId);
        if (position.availableToLendFen < amountFen) continue;
        const kind = pick(['bullet', 'monthly', 'monthlyLower'] as const);
        const termMonths = kind === 'bullet' ? pick([3, 6]) : pick([6, 12]);
        const id = await disburse(h, {
          fund,
          productVersionId: products[kind],
          householdId: hh.id,
          groupId: hh.groupId,
          principalFen: amountFen,
          termMonths,
          date: day,
        });
        const loan: SimLoan = {
          id,
          household: hh.id,
          profile: hh.profile,
          lateDays: 5 + Math.floor(random() * 45),
          paysInstallments: hh.profile === 'DEFAULTER' ? Math.floor(random() * 2) : 99,
          writtenOff: false,
          recovered: false,
          nextAction: day,
        };
        active.set(hh.id, loan);
        all.push(loan);
        disbursedFen += amountFen;
        counters.loans++;
      }
    }

    // Receipts entered today for an earlier value date (within the backdating window).
    for (const p of pending.filter((x) => x.recordOn === day)) {
      await record(p.loanId, p.valueDate, p.amountFen);
    }

    // Today's payments, by profile (a borrower is looked at on the days it acts, and prepayers on the 20th).
    for (const loan of [...active.values()]) {
      if (loan.writtenOff) continue;
      const prepayDay = loan.profile === 'PREPAYER' && dom === 20;
      if (day < loan.nextAction && !prepayDay) continue;
      if (pending.some((p) => p.loanId === loan.id)) continue;
      let st = await h.statements.statement(loan.id);
      if (st.loan.status !== 'DISBURSED') {
        active.delete(loan.household);
        continue;
      }
      const unpaid = () => st.installments.filter((i) => i.outstanding.total !== '0.00');
      const paidCount = st.installments.filter((i) => i.status === 'PAID').length;
      if (loan.profile === 'DEFAULTER' && paidCount >= loan.paysInstallments) {
        if (st.daysOverdue >= 180) {
          await admin(() =>
            h.writeOffs.writeOff(
              loan.id,
              'borrower left the village; the group could not pay',
              `sim-wo-${loan.id}`,
            ),
          );
          loan.writtenOff = true;
          blacklisted.add(loan.household);
          active.delete(loan.household);
          counters.writeOffs++;
        } else {
          loan.nextAction = addDays(unpaid()[0].dueDate, 180);
        }
        continue;
      }
      const dueNow = unpaid().filter((i) => i.dueDate <= day);
      const owedNow = dueNow.reduce((s, i) => s + BigInt(i.outstanding.total.replace('.', '')), 0n);
      const late = loan.profile === 'LATE' ? loan.lateDays : 0;
      if (owedNow > 0n && addDays(dueNow[0].dueDate, late) <= day) {
        if (late === 0 && random() < 0.1) {
          // The receipt reaches the office two days later: entered then, valued today.
          pending.push({ recordOn: addDays(day, 2), loanId: loan.id, valueDate: day, amountFen: owedNow });
          loan.nextAction = addDays(day, 3);
          continue;
        }
        const r = await record(loan.id, day, owedNow);
        if (random() < 0.03) {
          // Entered against the wrong receipt: reversed by the fund administrator, then entered again.
          await admin(() => h.repayments.reverse(r.id, 'receipt number mistyped', `sim-rev-${r.id}`));
          counters.reversals++;
          reversedFen += owedNow;
          await record(loan.id, day, owedNow);
        }
      } else if (prepayDay && random() < 0.15 && st.payoffToday) {
        // Prepayers sometimes pay ahead: a third of the loan, or all of it.
        const payoff = BigInt(st.payoffToday.total.replace('.', ''));
        const amount = random() < 0.5 ? payoff : payoff / 3n;
        if (amount > 0n) await record(loan.id, day, amount);
      }
      st = await h.statements.statement(loan.id);
      const next = unpaid()[0];
      if (st.loan.status !== 'DISBURSED' || !next) active.delete(loan.household);
      else {
        const target = addDays(next.dueDate, late);
        loan.nextAction = target > day ? target : addDays(day, 1);
      }
    }

    // Recoveries: some written-off borrowers pay part of their debt back months later.
    if (dom === 15) {
      for (const loan of all.filter((l) => l.writtenOff && !l.recovered)) {
        if (random() < 0.2) {
          const [wo] = await h.ds.query(
            `SELECT principal_fen + interest_fen + penalty_fen - recovered_fen AS claim FROM write_offs WHERE loan_id = $1`,
            [loan.id],
          );
          const amount = BigInt(wo.claim) / 2n;
          if (amount > 0n) {
            await record(loan.id, day, amount);
            loan.recovered = true;
            counters.recoveries++;
          }
        }
      }
    }

    // The close of business on the relevant dates: weekly, at each month end and before a late-entered receipt
    // (accruals are exact whatever the cadence, and every repayment ages its own loan to its date anyway).
    // A late-entered receipt is truly backdated: the close of business has aged its loan past its value date.
    const receiptTomorrow = pending.some((p) => p.recordOn === addDays(day, 1));
    if (dom % 7 === 0 || addDays(day, 1).endsWith('-01') || day === END || receiptTomorrow) {
      const t0 = Date.now();
      await cob.run(day, { triggeredBy: 'simulation' });
      cobMs += Date.now() - t0;
      counters.cobRuns++;
    }

    if (dom === 28) {
      // Every month: the loans account is the principal the loan rows say is outstanding.
      const outstanding = await sum(
        `SELECT sum(outstanding_principal_fen)::text AS s FROM loans WHERE fund_id = $1 AND status = 'DISBURSED'`,
        [fund.fundId],
      );
      expect(await h.ledger.balanceOf(null, a.loans)).toBe(outstanding);
    }
  }

  // The story happened as intended: every behaviour showed up, and repaid principal was lent again.
  expect(counters.loans).toBeGreaterThan(60);
  expect(counters.writeOffs).toBeGreaterThan(0);
  expect(counters.recoveries).toBeGreaterThan(0);
  expect(counters.backdated).toBeGreaterThan(0);
  expect(counters.reversals).toBeGreaterThan(0);
  expect(counters.distributions).toBe(2);
  expect(disbursedFen).toBeGreaterThan((3n * contributed) / 2n);
  const penalties = await sum(
    `SELECT sum(amount_fen)::text AS s FROM repayment_allocations WHERE loan_id IN (SELECT id FROM loans WHERE fund_id = $1) AND component = 'PENALTY'`,
    [fund.fundId],
  );
  expect(penalties).toBeGreaterThan(0n);
  const prepaid = await sum(
    `SELECT sum(prepaid_principal_fen)::text AS s FROM repayments WHERE fund_id = $1 AND status = 'POSTED'`,
    [fund.fundId],
  );
  expect(prepaid).toBeGreaterThan(0n);

  // The identity, each term from its own source.
  const cash = await h.ledger.balanceOf(null, a.cash);
  const outstanding = await sum(
    `SELECT sum(outstanding_principal_fen)::text AS s FROM loans WHERE fund_id = $1 AND status = 'DISBURSED'`,
    [fund.fundId],
  );
  const writtenOff = await sum(`SELECT sum(principal_fen)::text AS s FROM write_offs WHERE fund_id = $1`, [
    fund.fundId,
  ]);
  const feeAndPenalty = await sum(
    `SELECT sum(amount_fen)::text AS s FROM repayment_allocations WHERE loan_id IN (SELECT id FROM loans WHERE fund_id = $1) AND component IN ('INTEREST','PENALTY')`,
    [fund.fundId],
  );
  const recoveries = await sum(
    `SELECT sum(amount_fen)::text AS s FROM repayments WHERE fund_id = $1 AND kind = 'RECOVERY' AND status = 'POSTED'`,
    [fund.fundId],
  );
  const income = feeAndPenalty + recoveries;
  expect(cash + outstanding + writtenOff - income).toBe(contributed);

  // Cash is exactly what the driver put in and took out.
  expect(cash).toBe(contributed + receivedFen - reversedFen - disbursedFen);
  // The ledger agrees with the loan rows and with the income the repayments were split into.
  expect(await h.ledger.balanceOf(null, a.loans)).toBe(outstanding);
  const distributed = await sum(
    `SELECT sum(distributable_fen)::text AS s FROM fee_distributions WHERE fund_id = $1`,
    [fund.fundId],
  );
  const incomeLeft =
    (await h.ledger.balanceOf(null, a.feeIncome)) +
    (await h.ledger.balanceOf(null, a.penaltyIncome)) +
    (await h.ledger.balanceOf(null, a.recoveryIncome));
  expect(distributed + incomeLeft).toBe(income);
  const charged = await sum(
    `SELECT sum(write_off_charged_fen)::text AS s FROM fee_distributions WHERE fund_id = $1`,
    [fund.fundId],
  );
  expect(charged + (await h.ledger.balanceOf(null, a.writeOffExpense))).toBe(writtenOff);
  // Assets + expenses = capital + reserves + liabilities + income, account by account.
  const balances = await h.ds.query(
    `SELECT type, sum(balance_fen)::text AS s FROM ledger_accounts WHERE owner_id = $1 AND owner_type = 'MUTUAL_AID_FUND' GROUP BY type`,
    [fund.fundId],
  );
  const byType = Object.fromEntries(balances.map((b: { type: string; s: string }) => [b.type, BigInt(b.s)]));
  expect((byType.ASSET ?? 0n) + (byType.EXPENSE ?? 0n)).toBe(
    (byType.EQUITY ?? 0n) + (byType.LIABILITY ?? 0n) + (byType.INCOME ?? 0n),
  );
  const report = await h.ledger.verify();
  expect(report.ok).toBe(true);

  // Every loan's stored state is what a replay of its repayments gives (the COB never drifted from the engine).
  for (const loan of all.filter((l) => !l.writtenOff)) {
    const row = await requireLoan(h.ds.manager, loan.id);
    const rows = await loadInstallments(h.ds.manager, loan.id);
    // The last close of business was END and no repayment is later: every loan is as of END.
    const r = replay(
      await termsOf(h.ds.manager, h.products, row),
      frozenSchedule(rows),
      await activePayments(h.ds.manager, loan.id),
      END,
    );
    expect(
      rows.map((x) => [
        x.status,
        x.penalty_fen,
        x.paid_principal_fen,
        x.paid_interest_fen,
        x.paid_penalty_fen,
      ]),
    ).toEqual(
      r.installments.map((x) => [
        x.status,
        String(x.penaltyFen),
        String(x.paidPrincipalFen),
        String(x.paidInterestFen),
        String(x.paidPenaltyFen),
      ]),
    );
  }
  const [snap] = await h.ds.query(
    `SELECT * FROM portfolio_snapshots WHERE fund_id = $1 ORDER BY business_date DESC LIMIT 1`,
    [fund.fundId],
  );
  expect(snap).toMatchObject({
    business_date: END,
    outstanding_fen: String(outstanding),
    written_off_fen: String(writtenOff),
  });
  console.log(
    `simulation ${START} → ${END}: ${JSON.stringify(counters)}; disbursed ${disbursedFen} fen on capital ${contributed}; ` +
      `income ${income}, written off ${writtenOff}, cash ${cash}, outstanding ${outstanding}; cob ${cobMs} ms`,
  );
}
