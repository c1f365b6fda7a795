import fc from 'fast-check';
import { apiKeyHash, apiKeyMatches, formatApiKey, maskedApiKey, parseApiKey } from './api-key.js';
import {
  capacityFor,
  coverFor,
  coverProblems,
  minimumShortfall,
  nplAtOrAbove,
  parseMultiple,
  percentString,
  ratioString,
  withdrawalProblems,
  type CoverFacts,
} from './leverage.js';
import { withdrawalFactsOf, withdrawalRefusalDetail } from './leverage.js';

describe('leverage arithmetic', () => {
  it('parses decimal multiples exactly and refuses non-positive ones', () => {
    expect(parseMultiple('10')).toEqual({ num: 10n, den: 1n });
    expect(parseMultiple('8.5')).toEqual({ num: 17n, den: 2n });
    expect(parseMultiple('10.0000')).toEqual({ num: 10n, den: 1n });
    expect(() => parseMultiple('0')).toThrow(RangeError);
    expect(() => parseMultiple('-2')).toThrow(RangeError);
    expect(() => parseMultiple('1e1')).toThrow(RangeError);
  });

  it('rounds the backing up and the capacity down', () => {
    const ten = parseMultiple('10');
    expect(coverFor(5_000_000n, ten)).toBe(500_000n);
    expect(coverFor(5_000_001n, ten)).toBe(500_001n);
    expect(capacityFor(500_000n, ten)).toBe(5_000_000n);
    const m = parseMultiple('8.5');
    // 588,235.29… fen of fund money backs 5,000,000 fen at 8.5×: one more fen, never less
    expect(coverFor(5_000_000n, m)).toBe(588_236n);
    expect(capacityFor(588_235n, m)).toBe(4_999_997n);
    expect(capacityFor(-5n, ten)).toBe(0n);
  });

  it('is consistent: an amount fits the capacity exactly when its backing fits what is available', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 4 }),
        (available, amount, units, scale) => {
          const digits = String(units).padStart(scale + 1, '0');
          const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
          const m = parseMultiple(text);
          const fits = amount <= capacityFor(available, m);
          expect(fits).toBe(coverFor(amount, m) <= available);
          // never overstated: capacity / multiple never needs more money than is available
          expect(capacityFor(available, m) * m.den <= available * m.num).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps the backing of what is outstanding through any sequence of partial releases', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 8n }), { maxLength: 20 }),
        (principal, repayments) => {
          const m = parseMultiple('7.3');
          let outstanding = principal;
          let backing = coverFor(principal, m);
          let freed = 0n;
          for (const r of repayments) {
            const pay = r > outstanding ? outstanding : r;
            if (pay === 0n) break;
            outstanding -= pay;
            const next = coverFor(outstanding, m);
            freed += backing - next;
            backing = next;
          }
          expect(backing).toBe(coverFor(outstanding, m));
          expect(freed + backing).toBe(coverFor(principal, m));
        },
      ),
    );
  });

  it('formats ratios and percentages half up', () => {
    expect(ratioString(950_000_00n, 5_500_000_00n)).toBe('0.1727');
    expect(ratioString(1n, 0n)).toBe('0.0000');
    expect(percentString(5n, 100n)).toBe('5.0000');
    expect(percentString(2n, 3n, 2)).toBe('66.67');
  });

  it('trips the circuit breaker at the threshold, not before', () => {
    expect(nplAtOrAbove(499n, 10_000n, '5')).toBe(false);
    expect(nplAtOrAbove(500n, 10_000n, '5')).toBe(true);
    expect(nplAtOrAbove(5_250n, 100_000n, '5.25')).toBe(true);
    expect(nplAtOrAbove(5_249n, 100_000n, '5.25')).toBe(false);
    expect(nplAtOrAbove(0n, 0n, '5')).toBe(false);
  });

  it('binds the minimum only for heavy-task districts', () => {
    expect(minimumShortfall(true, 4_000_000_00n, 5_000_000_00n)).toBe(1_000_000_00n);
    expect(minimumShortfall(true, 5_000_000_00n, 5_000_000_00n)).toBe(0n);
    expect(minimumShortfall(false, 0n, 5_000_000_00n)).toBe(0n);
  });
});

describe('withdrawal rules', () => {
  const base = {
    amountFen: 100_000_00n,
    balanceFen: 6_000_000_00n,
    sourceCapitalFen: 2_500_000_00n,
    source: 'DISTRICT',
    availableCoverFen: 1_000_000_00n,
    heavyTask: true,
    minimumFen: 5_000_000_00n,
  };

  it('accepts a withdrawal that keeps cover and minimum', () => {
    expect(withdrawalProblems(base)).toEqual([]);
  });

  it('reports every failed rule at once', () => {
    const problems = withdrawalProblems({ ...base, amountFen: 7_000_000_00n });
    expect(problems.map((p) => p.code)).toEqual([
      'INSUFFICIENT_FUNDS',
      'SOURCE_CAPITAL_EXCEEDED',
      'WITHDRAWAL_BREAKS_COVER',
      'FUND_BELOW_MINIMUM',
    ]);
    expect(problems.every((p) => p.field && p.message)).toBe(true);
  });

  it('refuses taking money that backs covered loans even above the minimum', () => {
    const problems = withdrawalProblems({ ...base, heavyTask: false, availableCoverFen: 50_000_00n });
    expect(problems.map((p) => p.code)).toEqual(['WITHDRAWAL_BREAKS_COVER']);
  });
});

describe('cover rules', () => {
  const facts: CoverFacts = {
    amountFen: 50_000_00n,
    onDate: '2026-03-01',
    agreementStatus: 'ACTIVE',
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    fundStatus: 'ACTIVE',
    heavyTask: true,
    balanceFen: 5_000_000_00n,
    minimumFen: 5_000_000_00n,
    suspended: false,
    nplPercent: '0.0000',
    nplThresholdPercent: '5',
    availableCoverFen: 5_000_00n,
    multiple: parseMultiple('10'),
    multipleText: '10',
  };

  it('accepts a loan exactly at capacity', () => {
    expect(coverProblems(facts)).toEqual([]);
  });

  it('reports every guarantee-side refusal at once, in a fixed order', () => {
    const problems = coverProblems({
      ...facts,
      onDate: '2027-01-01',
      suspended: true,
      balanceFen: 4_999_999_99n,
      amountFen: 50_000_01n,
    });
    expect(problems.map((p) => p.code)).toEqual([
      'AGREEMENT_NOT_ACTIVE',
      'DISTRICT_SUSPENDED',
      'FUND_BELOW_MINIMUM',
      'FUND_CAPACITY_EXCEEDED',
    ]);
  });

  it('treats validity dates as inclusive', () => {
    expect(coverProblems({ ...facts, onDate: '2026-01-01' })).toEqual([]);
    expect(coverProblems({ ...facts, onDate: '2026-12-31' })).toEqual([]);
    expect(coverProblems({ ...facts, onDate: '2025-12-31' }).map((p) => p.code)).toEqual([
      'AGREEMENT_NOT_ACTIVE',
    ]);
    expect(coverProblems({ ...facts, validTo: null, onDate: '2099-01-01' })).toEqual([]);
  });
});

describe('API keys', () => {
  it('formats a recognisable key whose public id parses back', () => {
    const { publicId, key } = formatApiKey(new Uint8Array(12).fill(7), new Uint8Array(32).fill(200));
    expect(key.startsWith('mae_live_')).toBe(true);
    expect(publicId).toMatch(/^[a-z2-9]{12}$/);
    expect(parseApiKey(key)).toEqual({ publicId });
    expect(maskedApiKey(publicId)).toBe(`mae_live_${publicId}_…`);
  });

  it('refuses malformed keys before any lookup', () => {
    expect(parseApiKey('')).toBeNull();
    expect(parseApiKey('mae_live_short_x')).toBeNull();
    expect(parseApiKey('mae_test_abcdefghijkm_' + 'A'.repeat(43))).toBeNull();
    expect(parseApiKey('mae_live_abcdefghijkm_' + 'A'.repeat(42))).toBeNull();
    expect(parseApiKey('mae_live_abcdefghijkm_' + 'A'.repeat(43))).toEqual({ publicId: 'abcdefghijkm' });
  });
});

describe('withdrawal facts and API key hashes', () => {
  it('read the withdrawal facts from the balances, an account without entries holding 0', () => {
    const balances = new Map([
      ['MONEY', 500n],
      ['AVAILABLE', 200n],
    ]);
    expect(
      withdrawalFactsOf(
        balances,
        { balance: 'MONEY', sourceCapital: 'CAPITAL', available: 'AVAILABLE' },
        { amountFen: 100n, source: 'COUNTY' },
        { heavyTask: true, minimumFen: 50n },
      ),
    ).toEqual({
      amountFen: 100n,
      balanceFen: 500n,
      sourceCapitalFen: 0n,
      source: 'COUNTY',
      availableCoverFen: 200n,
      heavyTask: true,
      minimumFen: 50n,
    });
    expect(
      withdrawalRefusalDetail('1.00', [
        { field: 'amount', code: 'INSUFFICIENT_FUNDS', message: '' },
        { field: 'source', code: 'SOURCE_CAPITAL_EXCEEDED', message: '' },
      ]),
    ).toBe('withdrawal of 1.00 refused: INSUFFICIENT_FUNDS, SOURCE_CAPITAL_EXCEEDED');
  });

  it('store the SHA-256 of the key and match only that key', () => {
    const { key } = formatApiKey(Buffer.alloc(12, 1), Buffer.alloc(32, 2));
    const hash = apiKeyHash(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(apiKeyMatches(hash, key)).toBe(true);
    expect(apiKeyMatches(hash, `${key.slice(0, -1)}x`)).toBe(false);
    expect(apiKeyMatches('abcd', key)).toBe(false);
  });
});
