import fc from 'fast-check';
import {
  allocationChanges,
  correctionLines,
  installmentBreakdown,
  recoveryLines,
  repaymentLines,
  type Line,
  type RepaymentAccounts,
} from './postings.js';
import type { AllocationLine, Component } from './replay.js';

const ACC: RepaymentAccounts = {
  cash: 'MAF:1:CASH',
  loans: 'MAF:1:LOANS',
  feeIncome: 'MAF:1:FEE_INCOME',
  penaltyIncome: 'MAF:1:PENALTY_INCOME',
  recoveryIncome: 'MAF:1:RECOVERY_INCOME',
};

const balance = (lines: Line[]) =>
  lines.reduce((s, l) => s + (l.side === 'DEBIT' ? l.amountFen : -l.amountFen), 0n);

describe('repaymentLines', () => {
  it('debits cash by the amount and credits each non-zero component to its account', () => {
    expect(
      repaymentLines(ACC, 10_350n, { principalFen: 10_000n, interestFen: 350n, penaltyFen: 0n }),
    ).toEqual([
      { account: 'MAF:1:CASH', side: 'DEBIT', amountFen: 10_350n },
      { account: 'MAF:1:LOANS', side: 'CREDIT', amountFen: 10_000n },
      { account: 'MAF:1:FEE_INCOME', side: 'CREDIT', amountFen: 350n },
    ]);
  });

  it('balances whenever the parts sum to the amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt(0n, 10n ** 9n),
        fc.bigInt(0n, 10n ** 9n),
        fc.bigInt(0n, 10n ** 9n),
        (p, i, pen) => {
          const lines = repaymentLines(ACC, p + i + pen, {
            principalFen: p,
            interestFen: i,
            penaltyFen: pen,
          });
          expect(balance(lines)).toBe(0n);
          expect(lines.every((l) => l.amountFen >= 0n)).toBe(true);
        },
      ),
    );
  });
});

describe('recoveryLines', () => {
  it('is CASH ↑ / RECOVERY_INCOME ↑', () => {
    expect(recoveryLines(ACC, 500n)).toEqual([
      { account: 'MAF:1:CASH', side: 'DEBIT', amountFen: 500n },
      { account: 'MAF:1:RECOVERY_INCOME', side: 'CREDIT', amountFen: 500n },
    ]);
  });
});

const line = (
  paymentId: string,
  number: number,
  component: Component,
  amountFen: bigint,
): AllocationLine => ({
  paymentId,
  number,
  component,
  amountFen,
});

describe('allocationChanges', () => {
  it('is empty when the stored splits are what the replay says', () => {
    const replayed = [line('1', 1, 'INTEREST', 60n), line('1', 1, 'PRINCIPAL', 940n)];
    const stored = replayed.map((l) => ({ ...l }));
    expect(allocationChanges(stored, replayed, [])).toEqual([]);
  });

  it('gives the replay minus the stored split per repayment, instalment and component', () => {
    // A backdated payment took the penalty repayment 1 had paid: its penalty goes back to principal.
    const stored = [line('1', 1, 'PENALTY', 30n), line('1', 1, 'PRINCIPAL', 970n)];
    const replayed = [line('1', 1, 'PRINCIPAL', 1000n), line('2', 1, 'PENALTY', 30n)];
    expect(allocationChanges(stored, replayed, ['2'])).toEqual([
      line('1', 1, 'PENALTY', -30n),
      line('1', 1, 'PRINCIPAL', 30n),
    ]);
  });

  it('counts a repayment the store does not know yet in full, unless skipped', () => {
    const replayed = [line('7', 2, 'INTEREST', 15n)];
    expect(allocationChanges([], replayed, [])).toEqual([line('7', 2, 'INTEREST', 15n)]);
    expect(allocationChanges([], replayed, ['7'])).toEqual([]);
  });

  it('makes stored + changes equal to the replay (property)', () => {
    const arb = fc.array(
      fc.record({
        paymentId: fc.constantFrom('1', '2', '3'),
        number: fc.integer({ min: 1, max: 3 }),
        component: fc.constantFrom<Component>('PRINCIPAL', 'INTEREST', 'PENALTY'),
        amountFen: fc.bigInt(-1000n, 1000n),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, arb, (stored, replayed) => {
        const sum = (ls: AllocationLine[]) => {
          const m = new Map<string, bigint>();
          for (const l of ls) {
            const k = `${l.paymentId}|${l.number}|${l.component}`;
            m.set(k, (m.get(k) ?? 0n) + l.amountFen);
          }
          for (const [k, v] of m) if (v === 0n) m.delete(k);
          return m;
        };
        const changes = allocationChanges(sum2lines(sum(stored)), replayed, []);
        expect(sum([...stored, ...changes])).toEqual(sum(replayed));
      }),
    );
  });
});

function sum2lines(m: Map<string, bigint>): AllocationLine[] {
  return [...m].map(([k, amountFen]) => {
    const [paymentId, n, component] = k.split('|');
    return { paymentId, number: Number(n), component: component as Component, amountFen };
  });
}

describe('correctionLines', () => {
  it('credits what more was applied, debits what less, per account, and balances when cash did not move', () => {
    const changes = [line('1', 1, 'PENALTY', -30n), line('1', 1, 'PRINCIPAL', 30n)];
    const lines = correctionLines(ACC, changes);
    expect(lines).toEqual([
      { account: 'MAF:1:LOANS', side: 'CREDIT', amountFen: 30n },
      { account: 'MAF:1:PENALTY_INCOME', side: 'DEBIT', amountFen: 30n },
    ]);
    expect(balance(lines)).toBe(0n);
  });

  it('nets the changes of several repayments', () => {
    const changes = [line('1', 1, 'INTEREST', 10n), line('2', 2, 'INTEREST', -10n)];
    expect(correctionLines(ACC, changes)).toEqual([]);
  });
});

describe('installmentBreakdown', () => {
  it('sums a repayment’s lines per instalment, in the order met', () => {
    const own = [
      line('1', 2, 'PENALTY', 5n),
      line('1', 1, 'INTEREST', 60n),
      line('1', 2, 'INTEREST', 50n),
      line('1', 1, 'PRINCIPAL', 940n),
    ];
    expect(installmentBreakdown(own)).toEqual([
      { number: 2, principalFen: 0n, interestFen: 50n, penaltyFen: 5n },
      { number: 1, principalFen: 940n, interestFen: 60n, penaltyFen: 0n },
    ]);
  });
});
