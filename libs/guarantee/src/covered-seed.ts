import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, RequestContext } from '#libs/common';
import { LoanStore } from '#libs/loans';
import { addDays } from '#libs/schedules';
import { CoveredLoanReports } from './covered-loans.reports.service.js';
import { CoveredLoansService } from './covered-loans.service.js';
import { GuaranteeService } from './guarantee.service.js';
import { seedReads } from './store/seed.store.js';
import { DEMO_BANK, DEMO_RISK_FUND_DISTRICT_CODE } from './seed.js';

/** How the borrower repaid at the bank: every instalment on its due date, k days late, or only the first few. */
type Behaviour = { kind: 'ON_TIME' } | { kind: 'LATE'; days: number } | { kind: 'STOPPED'; after: number };

/**
 * Demo loans of the demo bank under the demo district's cover (run after seedGuarantee and the registry), paid out
 * across the last year, after the risk fund's deposits. The bank reports each instalment paid on its due date, except
 * ZBRCB-DEMO-0004, which stopped paying after two instalments (non-performing beyond 90 days; small, so the district
 * stays below its 5 % NPL threshold), and ZBRCB-DEMO-0006, which pays each instalment 12 days late. ZBRCB-DEMO-0003
 * was paid out 25 days before the seed ran, so its first monthly instalment falls due within the week: the demo's
 * repayment reminders (T-7) have something to remind of at once.
 */
const DEMO_LOANS: {
  ref: string;
  amount: string;
  termMonths: number;
  purpose: string;
  paidOutDaysAgo: number;
  repays: Behaviour;
}[] = [
  {
    ref: 'ZBRCB-DEMO-0001',
    amount: '50000.00',
    termMonths: 24,
    purpose: 'BREEDING',
    paidOutDaysAgo: 330,
    repays: { kind: 'ON_TIME' },
  },
  {
    ref: 'ZBRCB-DEMO-0004',
    amount: '5000.00',
    termMonths: 12,
    purpose: 'PLANTING',
    paidOutDaysAgo: 300,
    repays: { kind: 'STOPPED', after: 2 },
  },
  {
    ref: 'ZBRCB-DEMO-0002',
    amount: '40000.00',
    termMonths: 12,
    purpose: 'PLANTING',
    paidOutDaysAgo: 270,
    repays: { kind: 'ON_TIME' },
  },
  {
    ref: 'ZBRCB-DEMO-0005',
    amount: '45000.00',
    termMonths: 24,
    purpose: 'BREEDING',
    paidOutDaysAgo: 210,
    repays: { kind: 'ON_TIME' },
  },
  {
    ref: 'ZBRCB-DEMO-0006',
    amount: '30000.00',
    termMonths: 12,
    purpose: 'PLANTING',
    paidOutDaysAgo: 150,
    repays: { kind: 'LATE', days: 12 },
  },
  {
    ref: 'ZBRCB-DEMO-0007',
    amount: '50000.00',
    termMonths: 36,
    purpose: 'BREEDING',
    paidOutDaysAgo: 90,
    repays: { kind: 'ON_TIME' },
  },
  {
    ref: 'ZBRCB-DEMO-0008',
    amount: '20000.00',
    termMonths: 12,
    purpose: 'PLANTING',
    paidOutDaysAgo: 45,
    repays: { kind: 'ON_TIME' },
  },
  {
    ref: 'ZBRCB-DEMO-0003',
    amount: '10000.00',
    termMonths: 12,
    purpose: 'BREEDING',
    paidOutDaysAgo: 25,
    repays: { kind: 'ON_TIME' },
  },
];

/**
 * Registers the demo covered loans through the real service (every rule, the exposure ledger, the audit), as the
 * demo bank, oldest disbursement first, then reports their repayments as the bank would have (each dated the day it
 * was paid, oldest first). Idempotent: a reference the bank already registered is kept as it is, and every report
 * has a key derived from the loan and the instalment, so a second run replays it.
 */
export async function seedCoveredLoans(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource);
  const loans = app.get(CoveredLoansService);
  const store = app.get(LoanStore);
  const today = app.get(GuaranteeService).today();
  const out: string[] = [];
  const bankId = await seedReads.bankId(ds, DEMO_BANK.code);
  // eligible households of the demo district: POOR or GRADUATED, of lending age; one loan each
  const households = await seedReads.eligibleHouseholds(ds, DEMO_RISK_FUND_DISTRICT_CODE, DEMO_LOANS.length, today);
  if (!bankId || !households.length) {
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
  const registered: { loanId: string; ref: string; repays: Behaviour }[] = [];
  for (const [i, l] of DEMO_LOANS.entries()) {
    if (i >= households.length) {
      out.push(`covered loan ${l.ref} skipped: only ${households.length} eligible demo households`);
      continue;
    }
    const existing = await store.findByBankRef(null, bankId, l.ref);
    if (existing) {
      out.push(`kept covered loan ${l.ref}`);
      registered.push({ loanId: String(existing.id), ref: l.ref, repays: l.repays });
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
            disbursementDate: addDays(today, -l.paidOutDaysAgo),
          },
          `seed-covered-${l.ref}`,
        ),
      );
      out.push(
        `registered covered loan ${l.ref} (${l.amount}, paid out ${l.paidOutDaysAgo} days ago, ${result.status})`,
      );
      registered.push({ loanId: String(result.id), ref: l.ref, repays: l.repays });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      out.push(`covered loan ${l.ref} not registered: ${e.code} ${e.detail}`);
    }
  }

  // The bank's repayment reports, in the order they were paid.
  const reports: {
    loanId: string;
    ref: string;
    number: number;
    paidOn: string;
    principalFen: bigint;
    interestFen: bigint;
  }[] = [];
  for (const r of registered) {
    for (const inst of await store.installments(null, r.loanId)) {
      if (r.repays.kind === 'STOPPED' && inst.number > r.repays.after) break;
      const paidOn = r.repays.kind === 'LATE' ? addDays(inst.due_date, r.repays.days) : inst.due_date;
      if (paidOn > today) break;
      reports.push({
        loanId: r.loanId,
        ref: r.ref,
        number: inst.number,
        paidOn,
        principalFen: BigInt(inst.principal_fen),
        interestFen: BigInt(inst.interest_fen),
      });
    }
  }
  reports.sort((a, b) => (a.paidOn < b.paidOn ? -1 : a.paidOn > b.paidOn ? 1 : a.number - b.number));
  let applied = 0;
  for (const p of reports) {
    try {
      await RequestContext.run({ requestId: `seed-covered-report-${p.ref}-${p.number}`, actor }, () =>
        app
          .get(CoveredLoanReports)
          .reportRepayment(
            p.loanId,
            { paidOn: p.paidOn, principalFen: p.principalFen, interestFen: p.interestFen },
            `seed-covered-${p.ref}-instalment-${p.number}`,
          ),
      );
      applied++;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      out.push(`repayment report of ${p.ref} instalment ${p.number} refused: ${e.code} ${e.detail}`);
    }
  }
  out.push(`${applied} instalment repayments reported by ${DEMO_BANK.code} (replays included)`);
  return out;
}
