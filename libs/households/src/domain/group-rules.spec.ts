import { checkMembers, checkSize, DEFAULT_GROUP_SIZE } from './group-rules.js';

const c = (i: number, villageId?: string, groupId: string | null = null) => ({
  field: `householdIds[${i}]`,
  householdId: String(100 + i),
  villageId,
  groupId,
});

describe('joint-liability group rules', () => {
  it('accepts 3 to 5 households of the group village', () => {
    for (const n of [3, 4, 5]) {
      const candidates = Array.from({ length: n }, (_, i) => c(i, '1'));
      expect(checkMembers({ groupVillageId: '1', candidates, sizeAfter: n, bounds: DEFAULT_GROUP_SIZE })).toEqual([]);
    }
  });

  it('returns every failure at once: size, village, duplicates, unknown and taken households', () => {
    const candidates = [c(0, '1'), c(1, '2'), c(0, '1'), c(3), c(4, '1', '9')];
    const errors = checkMembers({ groupVillageId: '1', candidates, sizeAfter: 6, bounds: DEFAULT_GROUP_SIZE });
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['householdIds[1]', 'HOUSEHOLD_OTHER_VILLAGE'],
      ['householdIds[0]', 'HOUSEHOLD_DUPLICATE'],
      ['householdIds[3]', 'HOUSEHOLD_NOT_FOUND'],
      ['householdIds[4]', 'HOUSEHOLD_IN_GROUP'],
      ['householdIds', 'GROUP_TOO_LARGE'],
    ]);
  });

  it('honours bounds given by the fund rules', () => {
    expect(checkSize(2, { minSize: 2, maxSize: 8 }, 'x')).toEqual([]);
    expect(checkSize(2, DEFAULT_GROUP_SIZE, 'x').map((e) => e.code)).toEqual(['GROUP_TOO_SMALL']);
    expect(checkSize(9, { minSize: 2, maxSize: 8 }, 'x').map((e) => e.code)).toEqual(['GROUP_TOO_LARGE']);
    expect(() => checkSize(3, { minSize: 4, maxSize: 3 }, 'x')).toThrow(RangeError);
  });

  it('tells a member of this group from a member of another', () => {
    const errors = checkMembers({ groupVillageId: '1', groupId: '5', candidates: [c(0, '1', '5')], sizeAfter: 4, bounds: DEFAULT_GROUP_SIZE });
    expect(errors.map((e) => e.code)).toEqual(['HOUSEHOLD_ALREADY_MEMBER']);
  });
});
