import { checkEntityLinks, type LinkCandidate } from './entity-links.js';

const found = new Map<string, LinkCandidate>([
  ['1', { status: 'POOR', districtId: '10' }],
  ['2', { status: 'GRADUATED', districtId: '10' }],
  ['3', { status: 'POOR', districtId: '11' }],
  ['4', { status: 'NON_POOR', districtId: '11' }],
]);

describe('checkEntityLinks', () => {
  it('accepts poor households of the district', () => {
    expect(
      checkEntityLinks({ householdIds: ['1'], found, alreadyLinked: new Set(), entityDistrictId: '10' }),
    ).toEqual([]);
  });

  it('reports every failure with its position', () => {
    const errors = checkEntityLinks({
      householdIds: ['1', '1', '9', '2', '3', '4'],
      found,
      alreadyLinked: new Set(),
      entityDistrictId: '10',
    });
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['householdIds[1]', 'HOUSEHOLD_DUPLICATE'],
      ['householdIds[2]', 'HOUSEHOLD_NOT_FOUND'],
      ['householdIds[3]', 'HOUSEHOLD_NOT_POOR'],
      ['householdIds[4]', 'HOUSEHOLD_OTHER_DISTRICT'],
      ['householdIds[5]', 'HOUSEHOLD_NOT_POOR'],
      ['householdIds[5]', 'HOUSEHOLD_OTHER_DISTRICT'],
    ]);
    expect(errors[2].message).toBe('household 2 is GRADUATED, not POOR');
  });

  it('leaves an existing link as it is, even if the household no longer counts', () => {
    expect(
      checkEntityLinks({
        householdIds: ['2', '4'],
        found,
        alreadyLinked: new Set(['2', '4']),
        entityDistrictId: '10',
      }),
    ).toEqual([]);
  });
});
