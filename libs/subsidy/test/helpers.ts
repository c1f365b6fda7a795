import { AuditService } from '#libs/audit';
import { FixedClock, RequestContext, type Actor } from '#libs/common';
import { FundingService } from '#libs/funding';
import { FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { ProductsService, RatesService } from '#libs/products';
import {
  ClaimsService,
  EarningsService,
  PoliciesService,
  ProgrammesService,
  QueueService,
} from '#libs/subsidy';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

export interface SubsidyHarness {
  db: TestDatabase;
  ledger: LedgerService;
  audit: AuditService;
  clock: FixedClock;
  rates: RatesService;
  products: ProductsService;
  programmes: ProgrammesService;
  claims: ClaimsService;
  earnings: EarningsService;
  policies: PoliciesService;
  funding: FundingService;
  funds: FundsService;
}

/** The subsidy services wired by hand on a database of this test file's own, with a clock the test moves. */
export async function subsidyHarness(poolSize = 20, today = '2026-04-01'): Promise<SubsidyHarness> {
  const db = await createTestDatabase(poolSize);
  return subsidyServicesOn(db, new FixedClock(new Date(`${today}T04:00:00Z`)));
}

/** The same services on a database and clock another harness made (to test with another library's services). */
export function subsidyServicesOn(db: TestDatabase, clock: FixedClock): SubsidyHarness {
  const ds = db.dataSource;
  const ledger = new LedgerService(ds);
  const audit = new AuditService(ds);
  const rates = new RatesService(ds, audit, clock);
  const products = new ProductsService(ds, audit, rates);
  const queue = new QueueService(ledger, audit);
  const programmes = new ProgrammesService(ds, ledger, audit, clock, queue);
  const earnings = new EarningsService(ds, rates);
  const funds = new FundsService(ds, ledger, audit);
  const claims = new ClaimsService(ds, programmes, earnings, queue, ledger, audit, clock, funds);
  const policies = new PoliciesService(ds, products);
  const funding = new FundingService(ds, audit);
  return {
    db,
    ledger,
    audit,
    clock,
    rates,
    products,
    programmes,
    claims,
    earnings,
    policies,
    funding,
    funds,
  };
}

export const setToday = (clock: FixedClock, date: string) => clock.set(new Date(`${date}T04:00:00Z`));

export function as<T>(
  username: string,
  fn: () => Promise<T>,
  role = 'FUND_ADMIN',
  bankId: number | null = null,
): Promise<T> {
  const actor: Actor = { userId: null, username, role, bankId, via: 'jwt' };
  return RequestContext.run({ requestId: `test-${Math.random().toString(36).slice(2)}`, actor }, fn);
}

let seq = 0;
export const key = (p = 'k') => `${p}-${++seq}-${Math.random().toString(36).slice(2, 10)}`;

export async function refused(
  p: Promise<unknown>,
): Promise<{ code: string; errors: { field: string; code?: string }[]; detail: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; errors: { field: string; code?: string }[]; detail: string };
  }
  throw new Error('expected a refusal, but the operation succeeded');
}
