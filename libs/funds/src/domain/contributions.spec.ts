import { contributionInputErrors, type ContributionInput } from './contributions.js';

const base: ContributionInput = {
  source: 'CITY',
  amountFen: 100n,
  year: 2026,
  receivedOn: '2026-03-01',
  documentRef: 'doc-1',
  fiscalFunded: false,
};
const codes = (over: Partial<ContributionInput>) =>
  contributionInputErrors({ ...base, ...over }, '2026-03-02').map((e) => `${e.field}:${e.code}`);

describe('contributionInputErrors', () => {
  it('accepts each source in its own shape', () => {
    expect(codes({})).toEqual([]);
    expect(codes({ source: 'MEMBER', householdId: '1', documentRef: undefined })).toEqual([]);
    expect(codes({ source: 'DISTRICT', householdId: '1', fiscalFunded: true })).toEqual([]);
    expect(codes({ source: 'SOE', soeName: 'SOE Co', soeProfitBaseFen: 10_000n })).toEqual([]);
  });

  it('names every misplaced or missing field at once', () => {
    expect(
      codes({ source: 'SOE', documentRef: undefined, householdId: '3', receivedOn: '2026-03-03' }),
    ).toEqual([
      'receivedOn:DATE_IN_FUTURE',
      'householdId:ONLY_FOR_SHARES',
      'documentRef:REQUIRED_FOR_SOURCE',
      'soeName:REQUIRED_FOR_SOE',
      'soeProfitBase:REQUIRED_FOR_SOE',
    ]);
    expect(codes({ source: 'MEMBER', fiscalFunded: true, soeName: 'x' })).toEqual([
      'householdId:REQUIRED_FOR_MEMBER',
      'fiscalFunded:FISCAL_NOT_MEMBER',
      'soeName:ONLY_FOR_SOE',
    ]);
    expect(codes({ source: 'DONATION', fiscalFunded: true })).toEqual([
      'source:FISCAL_SOURCE_REQUIRED',
      'householdId:REQUIRED_FOR_FISCAL_SHARE',
    ]);
    expect(codes({ source: 'SOE', soeName: 'SOE Co', soeProfitBaseFen: 99n })).toEqual([
      'amount:ABOVE_PROFIT_BASE',
    ]);
  });
});
