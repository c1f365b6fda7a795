/**
 * Which households an operating entity may link: each must exist, be listed once, and (unless already linked,
 * which a retried request leaves as it is) be POOR now and live in the entity's district. Pure.
 */
import type { RuleError } from './poverty-status.js';

export interface LinkCandidate {
  status: string;
  districtId: string;
}

export function checkEntityLinks(input: {
  householdIds: readonly string[];
  found: ReadonlyMap<string, LinkCandidate>;
  alreadyLinked: ReadonlySet<string>;
  entityDistrictId: string;
}): RuleError[] {
  const { householdIds, found, alreadyLinked, entityDistrictId } = input;
  const errors: RuleError[] = [];
  householdIds.forEach((hid, i) => {
    const field = `householdIds[${i}]`;
    const h = found.get(hid);
    if (householdIds.indexOf(hid) !== i)
      errors.push({ field, code: 'HOUSEHOLD_DUPLICATE', message: `household ${hid} is listed twice` });
    else if (!h)
      errors.push({ field, code: 'HOUSEHOLD_NOT_FOUND', message: `household ${hid} does not exist` });
    // an existing link is kept as it is (a retry is harmless), even if the household no longer counts
    else if (!alreadyLinked.has(hid)) {
      if (h.status !== 'POOR')
        errors.push({
          field,
          code: 'HOUSEHOLD_NOT_POOR',
          message: `household ${hid} is ${h.status}, not POOR`,
        });
      if (h.districtId !== entityDistrictId) {
        errors.push({
          field,
          code: 'HOUSEHOLD_OTHER_DISTRICT',
          message: `household ${hid} lives outside the entity's district`,
        });
      }
    }
  });
  return errors;
}

/**
 * Which of a poor household's links to operating entities counts toward a credit line (50,000 × linked poor
 * households): one at a time, so one household never backs several lines. The household's district chooses:
 * EARLIEST_LINK (the default: the first entity that linked it keeps it until that link ends) or LATEST_LINK (the
 * entity that linked it last). Ties (links made in one instant) go to the lowest entity id. When the counted link
 * ends, the next one by the same rule counts. The rule is applied in SQL (`countedEntitySql` in store/entities.store.ts),
 * the one place that decides it.
 */
export const ENTITY_LINK_COUNTING_RULES = ['EARLIEST_LINK', 'LATEST_LINK'] as const;
export type EntityLinkCounting = (typeof ENTITY_LINK_COUNTING_RULES)[number];

