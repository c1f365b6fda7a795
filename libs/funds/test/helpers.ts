import { AuditService } from '#libs/audit';
import { FixedClock, RequestContext, type Actor } from '#libs/common';
import { ContributionsService, FundsService, SharesService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

export interface FundsHarness {
  db: TestDatabase;
  ledger: LedgerService;
  audit: AuditService;
  clock: FixedClock;
  funds: FundsService;
  contributions: ContributionsService;
  shares: SharesService;
}

/** The fund services wired by hand on a database of this test file's own, with a clock the test moves. */
export async function fundsHarness(poolSize = 20, today = '2026-06-01'): Promise<FundsHarness> {
  const db = await createTestDatabase(poolSize);
  const ledger = new LedgerService(db.dataSource);
  const audit = new AuditService(db.dataSource);
  // Noon in Shanghai: the business date is `today` whatever the host's zone.
  const clock = new FixedClock(new Date(`${today}T04:00:00Z`));
  const funds = new FundsService(db.dataSource, ledger, audit);
  const contributions = new ContributionsService(db.dataSource, funds, ledger, audit, clock);
  const shares = new SharesService(db.dataSource, funds, ledger, audit, clock);
  return { db, ledger, audit, clock, funds, contributions, shares };
}

export const setToday = (clock: FixedClock, date: string) => clock.set(new Date(`${date}T04:00:00Z`));

export function asActor<T>(role: string, fn: () => Promise<T>, username = role.toLowerCase()): Promise<T> {
  const actor: Actor = { userId: null, username, role, bankId: null, via: 'jwt' };
  return RequestContext.run({ requestId: `test-${Math.random().toString(36).slice(2)}`, actor }, fn);
}

let keySeq = 0;
export const key = (p = 'k') => `${p}-${++keySeq}-${Math.random().toString(36).slice(2, 10)}`;

/** Catches a rejection so a test can look at it (and fails loudly if there was none). */
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
