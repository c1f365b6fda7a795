import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock, RequestContext, type Actor } from '#libs/common';
import { DEMO_FUND_VILLAGE_CODE } from '#libs/funds';
import { yuan } from '#libs/money';
import { RepaymentService } from './repayment.service.js';
import { RepaymentSeedStore } from './store/seed.store.js';

const OFFICER: Actor = {
  userId: null,
  username: 'loan.officer',
  role: 'LOAN_OFFICER',
  bankId: null,
  via: 'system',
};

/**
 * Demo repayments: on each disbursed loan of the demo fund, one cash repayment of 500.00 valued today (a
 * bullet loan pays its usage fee first, the rest goes to principal). Idempotent: the Idempotency-Key is derived from
 * the loan, and a loan that already has that repayment is skipped. Skipped when there are no demo loans yet.
 */
export async function seedRepayments(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource, { strict: false });
  const repayments = app.get(RepaymentService, { strict: false });
  const config = app.get(AppConfig, { strict: false });
  const today = app.get(Clock, { strict: false }).today(config.BUSINESS_TIMEZONE);
  const store = new RepaymentSeedStore();
  const loans = await store.disbursedLoansOfVillageFund(ds.manager, DEMO_FUND_VILLAGE_CODE);
  if (!loans.length)
    return ['seedRepayments: no disbursed demo loans (run the origination seed first); skipped'];
  const out: string[] = [];
  for (const loan of loans) {
    const key = `seed-repayment-${loan.id}-1`;
    const done = await store.repaymentByKey(ds.manager, loan.id, key);
    if (done) {
      out.push(`kept existing demo repayment ${done.id} of loan ${loan.loan_no}`);
      continue;
    }
    const r = await RequestContext.run({ requestId: `seed-repayments:${loan.id}`, actor: OFFICER }, () =>
      repayments.record(
        loan.id,
        { amountFen: yuan('500'), valueDate: today, channel: 'CASH', reference: '收据 demo' },
        key,
      ),
    );
    out.push(
      `repayment ${r.id} of loan ${loan.loan_no}: ${r.amount} (fee ${r.allocation.interest}, principal ${r.allocation.principal}); outstanding ${r.loan.outstandingPrincipal}`,
    );
  }
  return out;
}
