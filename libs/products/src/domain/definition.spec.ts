import { parseProductInput, resolveDefinition, validateDefinition, type ProductInput } from './definition.js';
import { DEFAULT_WATERFALL } from './enums.js';

const household = (over: Partial<ProductInput> = {}): ProductInput => ({
  name: 'Household microcredit',
  minPrincipal: '1000.00',
  maxPrincipal: '50000.00',
  minTermMonths: 1,
  maxTermMonths: 36,
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rateSource: 'BENCHMARK',
  allowedPurposes: ['PLANTING', 'BREEDING'],
  eligibleStatuses: ['POOR', 'GRADUATED'],
  minAge: 18,
  maxAge: 65,
  ...over,
});

const codes = (kind: Parameters<typeof resolveDefinition>[0], input: ProductInput) => {
  const r = resolveDefinition(kind, input, null);
  return r.ok ? [] : r.errors.map((e) => `${e.field}:${e.code}`);
};

describe('resolveDefinition', () => {
  it('parses money to fen, normalises rates and fills the defaults', () => {
    const r = resolveDefinition('HOUSEHOLD_MICROCREDIT', household({ markupPercent: '0.500' }), null);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.definition).toMatchObject({
      currency: 'CNY',
      minPrincipalFen: 100_000n,
      maxPrincipalFen: 5_000_000n,
      firstLoanMaxFen: null,
      rounding: 'HALF_UP',
      installmentMultipleFen: 1n,
      fixedRatePercent: null,
      markupPercent: '0.5',
      penaltyRatePercent: '0',
      penaltyBasis: 'ANNUAL_RATE',
      graceDays: 0,
      requiresGuaranteeFund: false,
      requiresGroup: false,
      prepaymentMode: 'SHORTEN_TERM',
      subsidyPolicy: null,
      maxPerLinkedHouseholdFen: null,
    });
    expect(r.definition.waterfall).toEqual([...DEFAULT_WATERFALL]);
  });

  it.each<[string, Partial<ProductInput>, string[], Parameters<typeof resolveDefinition>[0]?]>([
    ['max principal below min', { minPrincipal: '5000', maxPrincipal: '4999.99' }, ['maxPrincipal:PRINCIPAL_MAX_BELOW_MIN']],
    ['max term below min', { minTermMonths: 12, maxTermMonths: 6 }, ['maxTermMonths:TERM_MAX_BELOW_MIN']],
    ['term beyond 360', { maxTermMonths: 361 }, ['maxTermMonths:INVALID']],
    ['unknown method', { method: 'BALLOON' }, ['method:INVALID']],
    ['negative markup', { markupPercent: '-0.5' }, ['markupPercent:INVALID']],
    ['rate beyond 36', { rateSource: 'FIXED', fixedRatePercent: '36.01' }, ['fixedRatePercent:INVALID']],
    ['BULLET monthly', { method: 'BULLET' }, ['frequency:BULLET_REQUIRES_AT_MATURITY']],
    ['AT_MATURITY instalments', { frequency: 'AT_MATURITY' }, ['method:AT_MATURITY_REQUIRES_BULLET']],
    ['FIXED without a rate', { rateSource: 'FIXED' }, ['fixedRatePercent:FIXED_RATE_REQUIRED']],
    ['BENCHMARK with a fixed rate', { fixedRatePercent: '5' }, ['fixedRatePercent:FIXED_RATE_NOT_ALLOWED']],
    ['FIXED with a markup', { rateSource: 'FIXED', fixedRatePercent: '6', markupPercent: '1' }, ['markupPercent:MARKUP_NOT_ALLOWED']],
    ['penalty rate above 36 a year', { penaltyRatePercent: '50' }, ['penaltyRatePercent:PENALTY_RATE_TOO_HIGH']],
    ['unknown purpose', { allowedPurposes: ['PLANTING', 'GAMBLING'] }, ['allowedPurposes:INVALID']],
    ['non-productive purpose for microcredit', { allowedPurposes: ['PLANTING', 'MARRIAGE'] }, ['allowedPurposes:PURPOSE_NOT_PRODUCTIVE']],
    ['no purpose', { allowedPurposes: [] }, ['allowedPurposes:INVALID']],
    ['age band upside down', { minAge: 60, maxAge: 30 }, ['maxAge:AGE_MAX_BELOW_MIN']],
    ['first-loan cap above max', { firstLoanMax: '60000' }, ['firstLoanMax:FIRST_LOAN_MAX_OUT_OF_RANGE']],
    ['incomplete waterfall', { waterfall: ['OVERDUE_PENALTY', 'FUTURE'] }, ['waterfall:WATERFALL_NOT_PERMUTATION']],
    ['quarterly with no whole quarter', { frequency: 'QUARTERLY', minTermMonths: 1, maxTermMonths: 2 }, ['frequency:QUARTERLY_TERM_RANGE']],
    ['linked-household cap on a household product', { maxPerLinkedHousehold: '50000' }, ['maxPerLinkedHousehold:LINKED_CAP_ENTITY_ONLY']],
    ['money with 3 decimals', { minPrincipal: '1000.001' }, ['minPrincipal:INVALID']],
    ['money as a number', { minPrincipal: 1000 as unknown as string }, ['minPrincipal:INVALID']],
  ])('%s', (_name, over, expected) => {
    expect(codes('HOUSEHOLD_MICROCREDIT', household(over))).toEqual(expected);
  });

  it('allows non-productive purposes for a mutual-aid product (the fund decides)', () => {
    expect(codes('MUTUAL_AID', household({ allowedPurposes: ['PLANTING', 'HOUSE_BUILDING'] }))).toEqual([]);
  });

  it('refuses household rules on an entity product', () => {
    expect(codes('ENTITY_LOAN', household())).toEqual(['eligibleStatuses:NOT_FOR_ENTITY', 'minAge:NOT_FOR_ENTITY']);
    expect(codes('ENTITY_LOAN', household({ eligibleStatuses: [], minAge: null, maxAge: null, maxPerLinkedHousehold: '50000' }))).toEqual([]);
  });

  it('reports every failure at once, formats and rules together', () => {
    const r = codes(
      'HOUSEHOLD_MICROCREDIT',
      household({ minPrincipal: 'abc', minTermMonths: 24, maxTermMonths: 12, method: 'BULLET', rateSource: 'FIXED', allowedPurposes: ['MARRIAGE'] }),
    );
    expect(r).toEqual([
      'minPrincipal:INVALID',
      'maxTermMonths:TERM_MAX_BELOW_MIN',
      'frequency:BULLET_REQUIRES_AT_MATURITY',
      'fixedRatePercent:FIXED_RATE_REQUIRED',
      'allowedPurposes:PURPOSE_NOT_PRODUCTIVE',
    ]);
  });

  it('names every missing required field', () => {
    expect(codes('MUTUAL_AID', {})).toEqual([
      'name:REQUIRED',
      'minPrincipal:REQUIRED',
      'maxPrincipal:REQUIRED',
      'minTermMonths:REQUIRED',
      'maxTermMonths:REQUIRED',
      'method:REQUIRED',
      'frequency:REQUIRED',
      'dayCount:REQUIRED',
      'rateSource:REQUIRED',
      'allowedPurposes:REQUIRED',
    ]);
  });

  it('merges a partial edit onto the current definition and validates the result', () => {
    const base = resolveDefinition('HOUSEHOLD_MICROCREDIT', household(), null);
    if (!base.ok) throw new Error('base invalid');
    const edit = resolveDefinition('HOUSEHOLD_MICROCREDIT', { maxPrincipal: '30000', markupPercent: '0.5' }, base.definition);
    expect(edit.ok && edit.definition).toMatchObject({ minPrincipalFen: 100_000n, maxPrincipalFen: 3_000_000n, markupPercent: '0.5' });
    const bad = resolveDefinition('HOUSEHOLD_MICROCREDIT', { maxPrincipal: '500' }, base.definition);
    expect(!bad.ok && bad.errors.map((e) => e.code)).toEqual(['PRINCIPAL_MAX_BELOW_MIN']);
    const cleared = resolveDefinition('HOUSEHOLD_MICROCREDIT', { minAge: null }, base.definition);
    expect(cleared.ok && cleared.definition.minAge).toBeNull();
    const nulled = resolveDefinition('HOUSEHOLD_MICROCREDIT', { method: null as unknown as string }, base.definition);
    expect(!nulled.ok && nulled.errors.map((e) => `${e.field}:${e.code}`)).toEqual(['method:REQUIRED']);
  });
});

describe('validateDefinition on partial input', () => {
  it('skips rules whose fields are unknown and rules of an unknown kind', () => {
    expect(validateDefinition(undefined, parseProductInput({ allowedPurposes: ['MARRIAGE'] }, null).definition)).toEqual([]);
  });
});
