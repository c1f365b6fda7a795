import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock, DomainError, RequestContext } from '#libs/common';
import { LoanStore } from '#libs/loans';
import { addDays } from '#libs/schedules';
import { CoveredLoansService } from './covered-loans.service.js';
import { GuaranteeService } from './guarantee.service.js';
import { seedReads } from './store/seed.store.js';
import { DEMO_BANK, DEMO_RISK_FUND_DISTRICT_CODE } from './seed.js';

/**
 * Demo loans of the demo bank under the demo district's cover (run after seedGuarantee and the registry). The third
 * was paid out 25 days before the seed ran, so its first monthly instalment falls due within the week: the demo's
 * repayment reminders (T-7) have something to remind of at once.
 */
const DEMO_LOANS = [
  { ref: 'ZBRCB-DEMO-0001', amount: '30000.00', termMonths: 12, purpose: 'BREEDING', paidOutDaysAgo: 0 },
  { ref: 'ZBRCB-DEMO-0002', amount: '20000.00', termMonths: 24, purpose: 'PLANTING', paidOutDaysAgo: 0 },
  { ref: 'ZBRCB-DEMO-0003', amount: '10000.00', termMonths: 12, purpose: 'BREEDING', paidOutDaysAgo: 25 },
];

/**
 * Registers the demo covered loans through the real service (every rule, the exposure ledger, the audit), as
 * the demo bank. Idempotent: a reference the bank already registered is kept as it is.
 */
export async function seedCoveredLoans(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource);
  const loans = app.get(CoveredLoansService);
  const out: string[] = [];
  const bankId = await seedReads.bankId(ds, DEMO_BANK.code);
  // eligible households of the demo district: POOR or GRADUATED, of lending age
  const households = await seedReads.eligibleHouseholds(
    ds,
    DEMO_RISK_FUND_DISTRICT_CODE,
    DEMO_LOANS.length,
    app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE),
  );
  if (!bankId || households.length < DEMO_LOANS.length) {
    out.push(
      'covered loans: demo bank or eligible demo households missing (seed the registry and guarantee first)',
    );
    return out;
  }
  const actor = {
    userId: null,
    username: `seed:${DEMO_BANK.code}`,
    role: 'BANK_OFFICER',
    bankId: Number(bankId),
    via: 'system' as const,
  };
  for (const [i, l] of DEMO_LOANS.entries()) {
    const exists = (await app.get(LoanStore).findByBankRef(null, bankId, l.ref)) !== undefined;
    if (exists) {
      out.push(`kept covered loan ${l.ref}`);
      continue;
    }
    try {
      const { result } = await RequestContext.run({ requestId: `seed-covered-${i}`, actor }, () =>
        loans.register(
          {
            bankLoanRef: l.ref,
            borrowerType: 'HOUSEHOLD',
            householdId: households[i],
            productCode: 'HH_MICRO_STD',
            amount: l.amount,
            termMonths: l.termMonths,
            purpose: l.purpose,
            disbursementDate: addDays(app.get(GuaranteeService).today(), -l.paidOutDaysAgo),
          },
          `seed-covered-${l.ref}`,
        ),
      );
      out.push(`registered covered loan ${l.ref} (${l.amount}, ${result.status})`);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      out.push(`covered loan ${l.ref} not registered: ${e.code} ${e.detail}`);
    }
  }
  return out;
}
