import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock, FixedClock, RequestContext, type Actor } from '#libs/common';
import { DEMO_FUND_VILLAGE_CODE } from '#libs/funds';
import { LoanStore } from '#libs/loans';
import { formatYuan, yuan, type Fen } from '#libs/money';
import { addDays } from './domain/dates.js';
import { RepaymentService } from './repayment.service.js';
import { StatementService } from './statement.service.js';
import { RepaymentSeedStore } from './store/seed.store.js';

const OFFICER: Actor = {
  userId: null,
  username: 'loan.officer',
  role: 'LOAN_OFFICER',
  bankId: null,
  via: 'system',
};

/**
 * A loan that matured at least this long ago is the demo's late loan: paid off LATE_BY_DAYS after its maturity, penalty
 * included. Paid off, not left in arrears: while a member of a joint-liability group is overdue nobody in the group
 * gets a new loan, and the demo group must stay open to new applications.
 */
const LATE_AFTER_DAYS = 45;
const LATE_BY_DAYS = 20;
/** What a running loan paid ahead of time. */
const PART_PAYMENT = yuan('1000');
/** A running loan's part repayment, this many days after its disbursement. */
const EARLY_PART_AFTER_DAYS = 90;

/**
 * The service as it runs on another business date: the same collaborators, its `clock` replaced. The seed records
 * each demo repayment on its value date, the day the borrower paid, as the cashier would have that day.
 */
function onClock(service: RepaymentService, clock: Clock): RepaymentService {
  if (!((service as unknown as { clock?: unknown }).clock instanceof Clock))
    throw new Error('RepaymentService has no clock field: the repayment seed must be updated');
  return Object.assign(Object.create(Object.getPrototypeOf(service) as object) as RepaymentService, service, {
    clock,
  });
}

/**
 * Demo repayments on the disbursed loans of the demo fund, each recorded on its value date (in the past, in date
 * order), from the loan's own schedule:
 * - a loan that matured LATE_AFTER_DAYS or more ago was paid off LATE_BY_DAYS late, with its penalty (the payoff quote
 *   of that day): closed;
 * - a loan that matured since paid its instalment in full on its due date: closed;
 * - a loan still running paid 1,000.00 ahead of time, EARLY_PART_AFTER_DAYS after its disbursement (fee first).
 * Idempotent: the Idempotency-Key is derived from the loan, and a loan that already has that repayment is skipped.
 * Skipped when there are no demo loans yet.
 */
export async function seedRepayments(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource, { strict: false });
  const base = app.get(RepaymentService, { strict: false });
  const config = app.get(AppConfig, { strict: false });
  const today = app.get(Clock, { strict: false }).today(config.BUSINESS_TIMEZONE);
  const loansStore = app.get(LoanStore, { strict: false });
  const statements = app.get(StatementService, { strict: false });
  const store = new RepaymentSeedStore();
  const loans = await store.disbursedLoansOfVillageFund(ds.manager, DEMO_FUND_VILLAGE_CODE);
  if (!loans.length)
    return ['seedRepayments: no disbursed demo loans (run the origination seed first); skipped'];
  const out: string[] = [];
  const plans: { loan: (typeof loans)[number]; valueDate: string; amountFen: Fen; key: string }[] = [];
  for (const loan of loans) {
    const key = `seed-repayment-${loan.id}-1`;
    const done = await store.repaymentByKey(ds.manager, loan.id, key);
    if (done) {
      out.push(`kept existing demo repayment ${done.id} of loan ${loan.loan_no}`);
      continue;
    }
    const schedule = await loansStore.installments(ds.manager, loan.id);
    if (!schedule.length) continue;
    const maturity = schedule[schedule.length - 1].due_date;
    const due = schedule.reduce((s, i) => s + BigInt(i.principal_fen) + BigInt(i.interest_fen), 0n);
    const late = addDays(maturity, LATE_BY_DAYS);
    const plan =
      maturity <= addDays(today, -LATE_AFTER_DAYS)
        ? { valueDate: late, amountFen: yuan((await statements.payoff(loan.id, late)).total) }
        : maturity <= today
          ? { valueDate: maturity, amountFen: due }
          : { valueDate: addDays(loan.disbursement_date, EARLY_PART_AFTER_DAYS), amountFen: PART_PAYMENT };
    if (plan.valueDate > today) plan.valueDate = today;
    plans.push({ loan, key, ...plan });
  }
  // in value-date order, each on a clock set to its day
  plans.sort((a, b) => (a.valueDate < b.valueDate ? -1 : a.valueDate > b.valueDate ? 1 : 0));
  for (const p of plans) {
    const repayments = onClock(base, new FixedClock(new Date(`${p.valueDate}T04:00:00Z`)));
    const r = await RequestContext.run({ requestId: `seed-repayments:${p.loan.id}`, actor: OFFICER }, () =>
      repayments.record(
        p.loan.id,
        { amountFen: p.amountFen, valueDate: p.valueDate, channel: 'CASH', reference: '收据 demo' },
        p.key,
      ),
    );
    out.push(
      `repayment ${r.id} of loan ${p.loan.loan_no} on ${p.valueDate}: ${formatYuan(p.amountFen)} (fee ${r.allocation.interest}, principal ${r.allocation.principal}); outstanding ${r.loan.outstandingPrincipal}`,
    );
  }
  return out;
}
