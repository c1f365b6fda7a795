import type { PostingLine } from '#libs/ledger';
import { sumFen, type Fen } from '#libs/money';
import { CLASS_KINDS, type ClassKind } from './model.js';

/** The project accounts a dividend payment or an operator settlement posts to. */
export interface DividendAccounts {
  dividendsPaid: Record<ClassKind, string>;
  fundedByProfit: string;
  fundedByOperator: string;
  operatorOwes: string;
  dividendsPayable: string;
}

/** What is paid to each holder line, with the line's class. */
export interface PaidLine {
  classKind: ClassKind;
  paidFen: Fen;
}

/** One debit per class that is paid something, in the fixed class order. */
function paidByClass(a: DividendAccounts, lines: readonly PaidLine[]): PostingLine[] {
  const out: PostingLine[] = [];
  for (const kind of CLASS_KINDS) {
    const paid = sumFen(lines.filter((l) => l.classKind === kind).map((l) => l.paidFen));
    if (paid > 0n) out.push({ account: a.dividendsPaid[kind], side: 'DEBIT', amountFen: paid });
  }
  return out;
}

/**
 * The lines of a year's dividend payment: dividends by class, funded by profit and the operator's top-up; the floor
 * the operator cannot pay is a receivable from it and a payable to the special-fund holders. Fewer than two lines
 * means nothing moves (a year with no profit and a zero floor).
 */
export function dividendPaymentLines(
  a: DividendAccounts,
  lines: readonly PaidLine[],
  distributableFen: Fen,
  operatorTopUpFen: Fen,
  operatorOwesFen: Fen,
): PostingLine[] {
  const posting = paidByClass(a, lines);
  if (distributableFen > 0n)
    posting.push({ account: a.fundedByProfit, side: 'CREDIT', amountFen: distributableFen });
  if (operatorTopUpFen > 0n)
    posting.push({ account: a.fundedByOperator, side: 'CREDIT', amountFen: operatorTopUpFen });
  if (operatorOwesFen > 0n) {
    posting.push({ account: a.operatorOwes, side: 'DEBIT', amountFen: operatorOwesFen });
    posting.push({ account: a.dividendsPayable, side: 'CREDIT', amountFen: operatorOwesFen });
  }
  return posting;
}

/** The lines of the operator paying `amountFen` of the floor it owed, shared out to the holder lines as given. */
export function settlementLines(
  a: DividendAccounts,
  lines: readonly PaidLine[],
  amountFen: Fen,
): PostingLine[] {
  return [
    ...paidByClass(a, lines),
    { account: a.fundedByOperator, side: 'CREDIT', amountFen },
    { account: a.dividendsPayable, side: 'DEBIT', amountFen },
    { account: a.operatorOwes, side: 'CREDIT', amountFen },
  ];
}
