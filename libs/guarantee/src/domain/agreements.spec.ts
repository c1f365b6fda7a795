import {
  DEFAULT_TERMS,
  mergeTerms,
  partyProblems,
  subtractFrom100,
  terminationProblems,
  termProblems,
} from './agreements.js';

const base = { ...DEFAULT_TERMS, validFrom: '2026-01-01' };

describe('agreement terms', () => {
  it('complements a share given alone', () => {
    expect(subtractFrom100('80')).toBe('20');
    expect(subtractFrom100('72.5')).toBe('27.5');
    expect(subtractFrom100('100')).toBe('0');
    expect(() => subtractFrom100('100.01')).toThrow(RangeError);
    expect(mergeTerms(base, { bankSharePercent: '30' })).toMatchObject({
      fundSharePercent: '70',
      bankSharePercent: '30',
    });
    expect(mergeTerms(base, { fundSharePercent: '65' })).toMatchObject({
      fundSharePercent: '65',
      bankSharePercent: '35',
    });
  });

  it('keeps what a patch leaves out and clears what it sets to null', () => {
    const t = mergeTerms(
      { ...base, entityLeverageMultiple: '5', validTo: '2026-12-31' },
      { entityLeverageMultiple: null },
    );
    expect(t.entityLeverageMultiple).toBeNull();
    expect(t.validTo).toBe('2026-12-31');
    expect(mergeTerms(t, { validTo: null }).validTo).toBeNull();
    expect(mergeTerms(base, {})).toEqual(base);
  });

  it('refuses every invalid combination at once', () => {
    expect(termProblems(base)).toEqual([]);
    const bad = termProblems({
      ...base,
      entityLeverageMultiple: '12',
      fundSharePercent: '0',
      bankSharePercent: '0',
      validTo: '2025-12-31',
    });
    expect(bad.map((p) => p.field)).toEqual([
      'entityLeverageMultiple',
      'fundSharePercent',
      'bankSharePercent',
      'validTo',
    ]);
    expect(termProblems({ ...base, fundSharePercent: '80.5', bankSharePercent: '19.4' })[0].message).toBe(
      'fund 80.5 + bank 19.4 must be 100',
    );
  });

  it('needs an existing active fund and an existing bank', () => {
    expect(partyProblems({ status: 'ACTIVE' }, { code: 'B' })).toEqual([]);
    expect(partyProblems(undefined, undefined).map((p) => p.message)).toEqual([
      'unknown risk fund',
      'unknown bank',
    ]);
    expect(partyProblems({ status: 'CLOSED' }, { code: 'B' })[0].message).toBe('the risk fund is closed');
  });

  it('terminates today or earlier only', () => {
    expect(terminationProblems('2026-03-01', '2026-03-01')).toEqual([]);
    expect(terminationProblems('2026-03-02', '2026-03-01')[0].field).toBe('terminatedOn');
  });
});
