import fc from 'fast-check';
import type { PostingLine } from '#libs/ledger';
import { RISK_FUND_SOURCES } from './accounts.js';
import {
  compensationLines,
  depositLines,
  interestLines,
  movementKey,
  recoveryLines,
  withdrawalLines,
} from './fund-entries.js';

const net = (lines: PostingLine[]) =>
  lines.reduce((acc, l) => acc + (l.side === 'DEBIT' ? l.amountFen : -l.amountFen), 0n);

describe('risk fund money entries', () => {
  it('balances every movement for any amount and source', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 13n }),
        fc.constantFrom(...RISK_FUND_SOURCES),
        (amount, source) => {
          for (const lines of [
            depositLines('1', source, amount),
            interestLines('1', amount),
            withdrawalLines('1', source, amount),
            compensationLines('1', amount),
            recoveryLines('1', amount),
          ])
            expect(net(lines)).toBe(0n);
        },
      ),
    );
  });

  it('moves the balance the right way', () => {
    expect(depositLines('3', 'CITY', 5n)).toEqual([
      { account: 'RF:3:BALANCE', side: 'DEBIT', amountFen: 5n },
      { account: 'RF:3:CAPITAL:CITY', side: 'CREDIT', amountFen: 5n },
    ]);
    expect(withdrawalLines('3', 'SOE', 5n)[1]).toEqual({
      account: 'RF:3:BALANCE',
      side: 'CREDIT',
      amountFen: 5n,
    });
    expect(compensationLines('3', 5n)[0].account).toBe('RF:3:COMPENSATION_EXPENSE');
    expect(recoveryLines('3', 5n)[1].account).toBe('RF:3:RECOVERY_INCOME');
    expect(interestLines('3', 5n)[1].account).toBe('RF:3:INTEREST_INCOME');
    expect(movementKey('3', 'deposit', 'k1')).toBe('rf:3:deposit:k1');
  });
});
