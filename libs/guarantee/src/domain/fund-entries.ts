import type { PostingLine } from '#libs/ledger';
import type { Fen } from '#libs/money';
import { riskFundMoneyAccounts, type RiskFundSource } from './accounts.js';

/**
 * The MONEY-ledger lines of every movement of a risk fund's balance. Each pair balances on its own; the cover side
 * of the same movement (the EXPOSURE ledger) is `inflowLines` / `outflowLines` of covers.ts.
 */

/** Fiscal money paid in by a source: BALANCE ↑ / CAPITAL:{source} ↑. */
export function depositLines(fundId: string, source: RiskFundSource, amountFen: Fen): PostingLine[] {
  const money = riskFundMoneyAccounts(fundId);
  return [
    { account: money.balance, side: 'DEBIT', amountFen },
    { account: money.capital[source], side: 'CREDIT', amountFen },
  ];
}

/** Deposit interest the bank credited: BALANCE ↑ / INTEREST_INCOME ↑. */
export function interestLines(fundId: string, amountFen: Fen): PostingLine[] {
  const money = riskFundMoneyAccounts(fundId);
  return [
    { account: money.balance, side: 'DEBIT', amountFen },
    { account: money.interestIncome, side: 'CREDIT', amountFen },
  ];
}

/** Money returned to the source that gave it: CAPITAL:{source} ↓ / BALANCE ↓ (both no_negative). */
export function withdrawalLines(fundId: string, source: RiskFundSource, amountFen: Fen): PostingLine[] {
  const money = riskFundMoneyAccounts(fundId);
  return [
    { account: money.capital[source], side: 'DEBIT', amountFen },
    { account: money.balance, side: 'CREDIT', amountFen },
  ];
}

/** A compensation paid to a bank: COMPENSATION_EXPENSE ↑ / BALANCE ↓ (a fund that cannot pay is refused by BALANCE). */
export function compensationLines(fundId: string, amountFen: Fen): PostingLine[] {
  const money = riskFundMoneyAccounts(fundId);
  return [
    { account: money.compensationExpense, side: 'DEBIT', amountFen },
    { account: money.balance, side: 'CREDIT', amountFen },
  ];
}

/** The fund's share of a recovery the bank made: BALANCE ↑ / RECOVERY_INCOME ↑. */
export function recoveryLines(fundId: string, amountFen: Fen): PostingLine[] {
  const money = riskFundMoneyAccounts(fundId);
  return [
    { account: money.balance, side: 'DEBIT', amountFen },
    { account: money.recoveryIncome, side: 'CREDIT', amountFen },
  ];
}

/** The idempotency key of a fund movement: one per operation and request key, `:cover` for its cover entry. */
export const movementKey = (
  fundId: string,
  operation: 'deposit' | 'interest' | 'withdrawal',
  requestKey: string,
) => `rf:${fundId}:${operation}:${requestKey}`;
