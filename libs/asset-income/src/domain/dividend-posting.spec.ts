import { CLASS_KINDS, type ClassKind } from './model.js';
import { dividendPaymentLines, settlementLines, type DividendAccounts } from './dividend-posting.js';

const a: DividendAccounts = {
  dividendsPaid: Object.fromEntries(CLASS_KINDS.map((k) => [k, `PAID:${k}`])) as Record<ClassKind, string>,
  fundedByProfit: 'PROFIT',
  fundedByOperator: 'OPERATOR',
  operatorOwes: 'OWES',
  dividendsPayable: 'PAYABLE',
};

const balance = (lines: { side: string; amountFen: bigint }[]) =>
  lines.reduce((n, l) => n + (l.side === 'DEBIT' ? l.amountFen : -l.amountFen), 0n);

describe('dividendPaymentLines', () => {
  it('pays each class once in class order, funded by profit and top-up, the shortfall owed by the operator', () => {
    const lines = dividendPaymentLines(
      a,
      [
        { classKind: 'PRIVATE_CAPITAL', paidFen: 400n },
        { classKind: 'SPECIAL_HOUSEHOLDS', paidFen: 100n },
        { classKind: 'SPECIAL_HOUSEHOLDS', paidFen: 150n },
        { classKind: 'SPECIAL_COLLECTIVE', paidFen: 0n },
      ],
      600n,
      50n,
      30n,
    );
    expect(lines).toEqual([
      { account: 'PAID:SPECIAL_HOUSEHOLDS', side: 'DEBIT', amountFen: 250n },
      { account: 'PAID:PRIVATE_CAPITAL', side: 'DEBIT', amountFen: 400n },
      { account: 'PROFIT', side: 'CREDIT', amountFen: 600n },
      { account: 'OPERATOR', side: 'CREDIT', amountFen: 50n },
      { account: 'OWES', side: 'DEBIT', amountFen: 30n },
      { account: 'PAYABLE', side: 'CREDIT', amountFen: 30n },
    ]);
    expect(balance(lines)).toBe(0n);
  });

  it('gives no line for a year with nothing to pay', () => {
    expect(dividendPaymentLines(a, [{ classKind: 'SPECIAL_COLLECTIVE', paidFen: 0n }], 0n, 0n, 0n)).toEqual(
      [],
    );
  });
});

describe('settlementLines', () => {
  it('pays the classes out of the operator and clears the debt and the payable by the amount', () => {
    const lines = settlementLines(
      a,
      [
        { classKind: 'SPECIAL_COLLECTIVE', paidFen: 70n },
        { classKind: 'SPECIAL_HOUSEHOLDS', paidFen: 30n },
      ],
      100n,
    );
    expect(lines).toEqual([
      { account: 'PAID:SPECIAL_COLLECTIVE', side: 'DEBIT', amountFen: 70n },
      { account: 'PAID:SPECIAL_HOUSEHOLDS', side: 'DEBIT', amountFen: 30n },
      { account: 'OPERATOR', side: 'CREDIT', amountFen: 100n },
      { account: 'PAYABLE', side: 'DEBIT', amountFen: 100n },
      { account: 'OWES', side: 'CREDIT', amountFen: 100n },
    ]);
    expect(balance(lines)).toBe(0n);
  });
});
