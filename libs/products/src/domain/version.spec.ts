import {
  benchmarkContractRate,
  contractRateRequestErrors,
  fixedContractRate,
  isVersionId,
  newProductErrors,
  penaltyRateFor,
  productKey,
} from './version.js';

describe('product keys', () => {
  it('names a product by id or code, anything else by nothing', () => {
    expect(productKey('12')).toEqual({ column: 'id', value: '12' });
    expect(productKey(12)).toEqual({ column: 'id', value: '12' });
    expect(productKey('HH_MICRO_STD')).toEqual({ column: 'code', value: 'HH_MICRO_STD' });
    expect(productKey('0')).toBeNull();
    expect(productKey('hh micro')).toBeNull();
    expect(isVersionId('1')).toBe(true);
    expect(isVersionId('01')).toBe(false);
    // Ids are at most 18 digits everywhere (#libs/money's ID_PATTERN): a 19-digit one is no id, nor a code.
    expect(isVersionId('999999999999999999')).toBe(true);
    expect(isVersionId('1000000000000000000')).toBe(false);
    expect(productKey('999999999999999999')).toEqual({ column: 'id', value: '999999999999999999' });
    expect(productKey('1000000000000000000')).toBeNull();
  });

  it('checks a new product code and kind together', () => {
    expect(newProductErrors({ code: 'HH_MICRO', kind: 'HOUSEHOLD_MICROCREDIT' }).errors).toEqual([]);
    const bad = newProductErrors({ code: 'x', kind: 'CAR' });
    expect(bad.kind).toBeUndefined();
    expect(bad.errors.map((e) => e.field)).toEqual(['code', 'kind']);
  });
});

describe('contract rates', () => {
  const terms = {
    rateSource: 'BENCHMARK' as const,
    fixedRatePercent: null,
    markupPercent: '0.500000',
    penaltyBasis: 'SURCHARGE_ON_CONTRACT' as const,
    penaltyRatePercent: '50',
  };

  it('adds the markup to the benchmark exactly, with the penalty a surcharge on the contract rate', () => {
    expect(benchmarkContractRate(terms, { ratePercent: '3.45', rateId: '7' })).toEqual({
      annualRatePercent: '3.95',
      benchmarkRatePercent: '3.45',
      benchmarkRateId: '7',
      markupPercent: '0.5',
      penaltyRatePercent: '5.925',
      rateSource: 'BENCHMARK',
    });
  });

  it('takes a fixed rate as it is, no markup', () => {
    const r = fixedContractRate({ ...terms, rateSource: 'FIXED', fixedRatePercent: '6.000000' });
    expect(r).toMatchObject({
      annualRatePercent: '6',
      markupPercent: '0',
      benchmarkRateId: null,
      penaltyRatePercent: '9',
    });
  });

  it('keeps an absolute penalty rate whatever the contract rate', () => {
    expect(penaltyRateFor({ penaltyBasis: 'ANNUAL_RATE', penaltyRatePercent: '18.000000' }, '3.95')).toBe(
      '18',
    );
  });

  it('checks the term and the date', () => {
    expect(contractRateRequestErrors(12, '2026-03-01')).toEqual([]);
    expect(contractRateRequestErrors(0, '2026-02-30').map((e) => e.field)).toEqual([
      'termMonths',
      'contractDate',
    ]);
  });
});
