import type { Fen } from '#libs/money';
import { totalsOf, type AllocationLine, type Component, type PaymentOutcome } from './replay.js';

/**
 * The journal lines of repayments, recoveries and their corrections, as pure functions of the amounts and the
 * fund's account codes. Accounting basis: cash. The usage fee (interest) and the penalty are income when received:
 * a repayment is CASH ↑ / LOANS ↓ (principal), FEE_INCOME ↑ (usage fee), PENALTY_INCOME ↑ (penalty).
 */

/** A journal line (the ledger's PostingLine, structurally). */
export interface Line {
  account: string;
  side: 'DEBIT' | 'CREDIT';
  amountFen: Fen;
}

/** The fund accounts a repayment touches. */
export interface RepaymentAccounts {
  cash: string;
  loans: string;
  feeIncome: string;
  penaltyIncome: string;
  recoveryIncome: string;
}

/** Where each component of a repayment is credited. */
export const ACCOUNT_OF: Record<Component, 'loans' | 'feeIncome' | 'penaltyIncome'> = {
  PRINCIPAL: 'loans',
  INTEREST: 'feeIncome',
  PENALTY: 'penaltyIncome',
};

const COMPONENTS = ['PRINCIPAL', 'INTEREST', 'PENALTY'] as const;

/** CASH ↑ by the amount; each component's account credited with its part (zero parts make no line). */
export function repaymentLines(
  accounts: RepaymentAccounts,
  amountFen: Fen,
  outcome: Pick<PaymentOutcome, 'principalFen' | 'interestFen' | 'penaltyFen'>,
): Line[] {
  const lines: Line[] = [{ account: accounts.cash, side: 'DEBIT', amountFen }];
  const parts: Record<Component, Fen> = {
    PRINCIPAL: outcome.principalFen,
    INTEREST: outcome.interestFen,
    PENALTY: outcome.penaltyFen,
  };
  for (const c of COMPONENTS) {
    if (parts[c] > 0n) lines.push({ account: accounts[ACCOUNT_OF[c]], side: 'CREDIT', amountFen: parts[c] });
  }
  return lines;
}

/** A recovery on a written-off loan: CASH ↑ / RECOVERY_INCOME ↑. */
export function recoveryLines(accounts: RepaymentAccounts, amountFen: Fen): Line[] {
  return [
    { account: accounts.cash, side: 'DEBIT', amountFen },
    { account: accounts.recoveryIncome, side: 'CREDIT', amountFen },
  ];
}

/** A stored allocation sum: what repayment_allocations say a repayment paid of one instalment's component. */
export interface StoredAllocation {
  paymentId: string;
  number: number;
  component: Component;
  amountFen: Fen;
}

/**
 * What must change in the stored splits of the repayments (all but `skip`) so that they say what the replay says:
 * per repayment, instalment and component, the replay's amount minus the stored one; zero differences dropped.
 * The order is that of the stored sums first, then of the replay's new lines.
 */
export function allocationChanges(
  stored: readonly StoredAllocation[],
  replayed: readonly AllocationLine[],
  skip: readonly string[],
): AllocationLine[] {
  const key = (r: string, n: number, c: string) => `${r}|${n}|${c}`;
  const delta = new Map<string, AllocationLine>();
  for (const s of stored) {
    delta.set(key(s.paymentId, s.number, s.component), {
      paymentId: s.paymentId,
      number: s.number,
      component: s.component,
      amountFen: -s.amountFen,
    });
  }
  for (const a of replayed) {
    if (skip.includes(a.paymentId)) continue;
    const k = key(a.paymentId, a.number, a.component);
    const d = delta.get(k) ?? { ...a, amountFen: 0n };
    d.amountFen += a.amountFen;
    delta.set(k, d);
  }
  return [...delta.values()].filter((d) => d.amountFen !== 0n);
}

/**
 * The correction entry of a set of split changes: their net per account (LOANS, FEE_INCOME, PENALTY_INCOME). Cash
 * never moves, so the lines balance by themselves. More of a repayment applied to a component lowers that asset
 * (LOANS) or raises that income: a credit; less is a debit.
 */
export function correctionLines(accounts: RepaymentAccounts, changes: readonly AllocationLine[]): Line[] {
  const net = totalsOf(changes);
  const lines: Line[] = [];
  for (const c of COMPONENTS) {
    if (net[c] > 0n) lines.push({ account: accounts[ACCOUNT_OF[c]], side: 'CREDIT', amountFen: net[c] });
    if (net[c] < 0n) lines.push({ account: accounts[ACCOUNT_OF[c]], side: 'DEBIT', amountFen: -net[c] });
  }
  return lines;
}

/** Per instalment (in the order first met), the parts of one repayment's own allocation lines. */
export function installmentBreakdown(
  own: readonly AllocationLine[],
): { number: number; principalFen: Fen; interestFen: Fen; penaltyFen: Fen }[] {
  return own
    .map((a) => a.number)
    .filter((n, k, all) => all.indexOf(n) === k)
    .map((n) => {
      const t = totalsOf(own.filter((a) => a.number === n));
      return { number: n, principalFen: t.PRINCIPAL, interestFen: t.INTEREST, penaltyFen: t.PENALTY };
    });
}
