import type { Fen } from '#libs/money';

/** One day's net change to an account's normal-side balance (the sum of its postings dated that day). */
export interface DatedChange {
  /** YYYY-MM-DD, the journal entries' business (value) date. */
  date: string;
  deltaFen: Fen;
}

/** The first value date at which a bounded account would go below zero, and by how much. */
export interface BoundFailure {
  date: string;
  /** How far below zero the balance would be on that date (positive fen). */
  shortfallFen: Fen;
}

/**
 * A bounded account may not go below zero at any value date. An entry dated `valueDate` that changes the account by
 * `deltaFen` shifts the balance of every date from `valueDate` on; the balance as of a date is the sum of the
 * postings dated on or before it. Given the balance as of `valueDate` (before the entry) and the net changes of the
 * later dates (ascending, each after `valueDate`), answers the first date whose balance with the entry would be
 * negative, or undefined when every date stays ≥ 0. The balance only moves on those dates, so checking them checks
 * every day from `valueDate` to the last posting.
 */
export function firstNegativeDate(
  valueDate: string,
  balanceAsOfValueDateFen: Fen,
  deltaFen: Fen,
  laterChanges: readonly DatedChange[],
): BoundFailure | undefined {
  let balance = balanceAsOfValueDateFen + deltaFen;
  if (balance < 0n) return { date: valueDate, shortfallFen: -balance };
  let previous = valueDate;
  for (const change of laterChanges) {
    if (change.date <= previous) {
      throw new Error(`dated changes must be ascending and after ${valueDate}: ${change.date} after ${previous}`);
    }
    previous = change.date;
    balance += change.deltaFen;
    if (balance < 0n) return { date: change.date, shortfallFen: -balance };
  }
  return undefined;
}

/** The balance as of `valueDate`: the current balance less the changes dated after it. */
export function balanceAsOf(currentBalanceFen: Fen, laterChanges: readonly DatedChange[]): Fen {
  return laterChanges.reduce((b, c) => b - c.deltaFen, currentBalanceFen);
}
