import type { Fen } from '#libs/money';
import type { JournalEntryCode } from './entry-codes.js';

export type AccountType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'INCOME' | 'EXPENSE';
export type Side = 'DEBIT' | 'CREDIT';
export type LedgerKind = 'MONEY' | 'EXPOSURE';

/** Assets and expenses grow on the debit side; liabilities, equity and income on the credit side. */
export const NORMAL_SIDE: Record<AccountType, Side> = {
  ASSET: 'DEBIT',
  EXPENSE: 'DEBIT',
  LIABILITY: 'CREDIT',
  EQUITY: 'CREDIT',
  INCOME: 'CREDIT',
};

export interface PostingLine {
  /** Account code (e.g. `MAF:12:CASH`); codes are stable and human-readable. */
  account: string;
  side: Side;
  amountFen: Fen;
}

export interface EntryInput {
  /** The client-chosen id: the same key with the same content returns the original entry. */
  idempotencyKey: string;
  /** Why money moved, e.g. `LOAN_DISBURSEMENT` (the closed list: domain/entry-codes.ts). */
  code: JournalEntryCode;
  /**
   * The value date (YYYY-MM-DD): when the money moved economically (the disbursement date, a repayment's value
   * date, the day a contribution or deposit was received), never the day it was keyed in. It is the journal
   * entry's business date, and every as-of figure reads it. The posting timestamp is recorded separately.
   */
  valueDate: string;
  memo?: string;
  lines: PostingLine[];
}

export interface AccountRow {
  id: string;
  code: string;
  currency: string;
  ledger: LedgerKind;
  normal_side: Side;
  no_negative: boolean;
  balance_fen: string;
}

export interface BalanceProblem {
  currency: string;
  ledger: LedgerKind;
  debitsFen: Fen;
  creditsFen: Fen;
}

/** Σ debits = Σ credits for every (currency, ledger). Returns the groups that do not balance. */
export function unbalancedGroups(lines: PostingLine[], accounts: Map<string, AccountRow>): BalanceProblem[] {
  const groups = new Map<string, BalanceProblem>();
  for (const line of lines) {
    const account = accounts.get(line.account)!;
    const key = `${account.currency}/${account.ledger}`;
    let g = groups.get(key);
    if (!g) {
      g = { currency: account.currency, ledger: account.ledger, debitsFen: 0n, creditsFen: 0n };
      groups.set(key, g);
    }
    if (line.side === 'DEBIT') g.debitsFen += line.amountFen;
    else g.creditsFen += line.amountFen;
  }
  return [...groups.values()].filter((g) => g.debitsFen !== g.creditsFen);
}

/** The signed change a posting makes to an account's normal-side balance. */
export function balanceDelta(normalSide: Side, side: Side, amountFen: Fen): Fen {
  return normalSide === side ? amountFen : -amountFen;
}
