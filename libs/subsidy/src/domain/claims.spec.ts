import fc from 'fast-check';
import { hashContent } from '../content-hash.js';
import {
  adjustmentLines,
  claimContentHash,
  claimFingerprint,
  claimTotals,
  orderLines,
  splitForBudget,
  type ClaimLine,
} from './claims.js';

const line = (loanId: string, n: number, earned: bigint, over: Partial<ClaimLine> = {}): ClaimLine => ({
  loanId,
  installmentNumber: n,
  periodStart: '2026-01-05',
  dueDate: '2026-02-05',
  days: 31,
  policyType: 'FULL_BENCHMARK',
  ratePercent: '4.35',
  balanceFen: 1_000_000n,
  basisFen: 1_000_000n,
  yearShare: '1/12',
  interestFen: 3_625n,
  originalInterestFen: 3_625n,
  interestPaidFen: 3_625n,
  interestPaidOn: '2026-02-05',
  computedFen: earned,
  outcome: 'EARNED',
  reason: null,
  earnedFen: earned,
  forfeitedFen: 0n,
  claimedBeforeFen: 0n,
  subsidyFen: earned,
  ...over,
});

describe('claim lines', () => {
  it('order by loan id numerically, then instalment', () => {
    const lines = [line('10', 1, 1n), line('9', 2, 1n), line('9', 1, 1n)];
    expect(orderLines(lines).map((l) => `${l.loanId}:${l.installmentNumber}`)).toEqual([
      '9:1',
      '9:2',
      '10:1',
    ]);
  });

  it('hash the same content identically whatever the input order, and differently on any change', () => {
    const a = [line('1', 1, 100n), line('2', 1, 200n)];
    const hash = (kind: 'ORIGINAL' | 'ADJUSTMENT', lines: ClaimLine[]) =>
      claimContentHash(kind, lines, hashContent);
    expect(hash('ORIGINAL', a)).toBe(hash('ORIGINAL', [...a].reverse()));
    expect(hash('ORIGINAL', a)).not.toBe(hash('ORIGINAL', [line('1', 1, 100n), line('2', 1, 201n)]));
    expect(hash('ORIGINAL', a)).not.toBe(hash('ADJUSTMENT', a));
  });

  it('hash exactly the fingerprint: the kind and every line field in line order', () => {
    const a = [line('2', 1, 200n), line('1', 1, 100n)];
    const seen: unknown[] = [];
    expect(
      claimContentHash('ORIGINAL', a, (c) => {
        seen.push(c);
        return 'h';
      }),
    ).toBe('h');
    expect(seen).toEqual([claimFingerprint('ORIGINAL', a)]);
    const fp = claimFingerprint('ORIGINAL', a);
    expect(fp.kind).toBe('ORIGINAL');
    expect(fp.lines.map((l) => [l[0], l[1], l.length])).toEqual([
      ['1', 1, 21],
      ['2', 1, 21],
    ]);
  });

  it('total the lines', () => {
    expect(
      claimTotals([
        line('1', 1, 100n),
        line('2', 1, 0n, {
          outcome: 'FORFEITED',
          reason: 'LATE_PAYMENT',
          forfeitedFen: 50n,
          computedFen: 50n,
        }),
      ]),
    ).toEqual({
      lineCount: 2,
      interestFen: 7_250n,
      forfeitedFen: 50n,
      totalFen: 100n,
    });
  });

  it('adjust by the difference with what approved claims claimed, positive or negative', () => {
    const claimed = new Map([
      ['1:1', 100n],
      ['2:1', 0n],
      ['3:1', 300n],
    ]);
    const now = [
      line('1', 1, 100n),
      line('2', 1, 200n),
      line('3', 1, 0n, {
        outcome: 'FORFEITED',
        reason: 'LOAN_FRAUD',
        forfeitedFen: 300n,
        earnedFen: 0n,
        computedFen: 300n,
      }),
    ];
    const adj = adjustmentLines(now, claimed);
    expect(adj.map((l) => [l.loanId, l.claimedBeforeFen, l.subsidyFen])).toEqual([
      ['2', 0n, 200n],
      ['3', 300n, -300n],
    ]);
    expect(() => adjustmentLines([line('1', 1, 100n)], claimed)).toThrow(/no longer/);
  });
});

describe('budget split', () => {
  it('pays lines in order while the budget lasts and queues the rest', () => {
    const lines = [
      { lineNo: 1, subsidyFen: 300n },
      { lineNo: 2, subsidyFen: 500n },
      { lineNo: 3, subsidyFen: 200n },
    ];
    expect(splitForBudget(lines, 1_000n)).toEqual({ paidFen: 1_000n, remainder: [] });
    expect(splitForBudget(lines, 600n)).toEqual({
      paidFen: 600n,
      remainder: [
        { lineNo: 2, fen: 200n },
        { lineNo: 3, fen: 200n },
      ],
    });
    expect(splitForBudget(lines, 0n)).toEqual({
      paidFen: 0n,
      remainder: lines.map((l) => ({ lineNo: l.lineNo, fen: l.subsidyFen })),
    });
    // an adjustment's negative line makes room first
    expect(
      splitForBudget(
        [
          { lineNo: 1, subsidyFen: 500n },
          { lineNo: 2, subsidyFen: -200n },
        ],
        100n,
      ),
    ).toEqual({
      paidFen: 100n,
      remainder: [{ lineNo: 1, fen: 200n }],
    });
  });

  it('always sums: paid + queued = total (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -5_000n, max: 50_000n }), { minLength: 1, maxLength: 30 }),
        fc.bigInt({ min: 0n, max: 400_000n }),
        (amounts, available) => {
          const lines = amounts.map((a, i) => ({ lineNo: i + 1, subsidyFen: a }));
          const total = amounts.reduce((s, a) => s + a, 0n);
          const { paidFen, remainder } = splitForBudget(lines, available);
          const queued = remainder.reduce((s, r) => s + r.fen, 0n);
          expect(paidFen + queued).toBe(total);
          if (total > available) expect(paidFen).toBe(available);
          for (const r of remainder) {
            expect(r.fen).toBeGreaterThan(0n);
            expect(r.fen).toBeLessThanOrEqual(lines[r.lineNo - 1].subsidyFen);
          }
        },
      ),
    );
  });
});
