import fc from 'fast-check';
import {
  distributableOf,
  distributionLines,
  distributionRefusals,
  percentsOf,
  splitIncome,
  type DistributionAccounts,
} from './distribution.js';

const ACC: DistributionAccounts = {
  feeIncome: 'FEE',
  penaltyIncome: 'PEN',
  recoveryIncome: 'REC',
  writeOffExpense: 'WOE',
  capitalAccumulated: 'CAP',
  riskReserve: 'RR',
  publicWelfare: 'PW',
  administration: 'ADM',
  dividendsPayable: 'DIV',
};
const PERCENTS = percentsOf({
  feeCapitalPercent: '40',
  feeRiskReservePercent: '20',
  feePublicWelfarePercent: '10',
  feeAdministrationPercent: '30',
  feeDividendPercent: '0',
});

describe('splitIncome', () => {
  it('splits by the default percentages exactly', () => {
    expect(splitIncome(1_001n, PERCENTS)).toEqual({
      CAPITAL: 401n,
      RISK_RESERVE: 200n,
      PUBLIC_WELFARE: 100n,
      ADMINISTRATION: 300n,
      DIVIDENDS: 0n,
    });
  });
});

describe('distributionRefusals', () => {
  it('distributes an ended year with a non-negative income', () => {
    expect(distributionRefusals(2025, '2026-01-05', 0n)).toEqual([]);
  });

  it('refuses a year not ended and a negative income, together', () => {
    expect(distributionRefusals(2026, '2026-12-31', -5n).map((f) => f.message)).toEqual([
      '2026 has not ended (today is 2026-12-31)',
      'the income accounts hold -0.05 as of 2026-12-31: nothing to distribute',
    ]);
  });
});

describe('distributionLines', () => {
  const sum = (lines: ReturnType<typeof distributionLines>) =>
    lines.reduce((s, l) => s + (l.side === 'DEBIT' ? l.amountFen : -l.amountFen), 0n);

  it('closes the income accounts into the shares and charges write-offs to the reserve', () => {
    const b = { feeFen: 900n, penaltyFen: 100n, recoveryFen: 1n, writeOffsFen: 50n };
    const lines = distributionLines(ACC, b, splitIncome(distributableOf(b), PERCENTS));
    expect(lines).toEqual([
      { account: 'FEE', side: 'DEBIT', amountFen: 900n },
      { account: 'PEN', side: 'DEBIT', amountFen: 100n },
      { account: 'REC', side: 'DEBIT', amountFen: 1n },
      { account: 'CAP', side: 'CREDIT', amountFen: 401n },
      { account: 'RR', side: 'CREDIT', amountFen: 200n },
      { account: 'PW', side: 'CREDIT', amountFen: 100n },
      { account: 'ADM', side: 'CREDIT', amountFen: 300n },
      { account: 'RR', side: 'DEBIT', amountFen: 50n },
      { account: 'WOE', side: 'CREDIT', amountFen: 50n },
    ]);
  });

  it('credits a negative income account and reverses a net recovery of write-offs', () => {
    const b = { feeFen: 100n, penaltyFen: -10n, recoveryFen: 0n, writeOffsFen: -20n };
    const lines = distributionLines(ACC, b, splitIncome(distributableOf(b), PERCENTS));
    expect(lines).toContainEqual({ account: 'PEN', side: 'CREDIT', amountFen: 10n });
    expect(lines.slice(-2)).toEqual([
      { account: 'WOE', side: 'DEBIT', amountFen: 20n },
      { account: 'RR', side: 'CREDIT', amountFen: 20n },
    ]);
  });

  it('always balances (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt(0n, 10n ** 10n),
        fc.bigInt(-(10n ** 6n), 10n ** 8n),
        fc.bigInt(0n, 10n ** 8n),
        fc.bigInt(-(10n ** 8n), 10n ** 8n),
        (fee, penalty, recovery, writeOffs) => {
          const b = { feeFen: fee, penaltyFen: penalty, recoveryFen: recovery, writeOffsFen: writeOffs };
          fc.pre(distributableOf(b) >= 0n);
          const lines = distributionLines(ACC, b, splitIncome(distributableOf(b), PERCENTS));
          expect(sum(lines)).toBe(0n);
          expect(lines.every((l) => l.amountFen > 0n)).toBe(true);
        },
      ),
    );
  });
});
