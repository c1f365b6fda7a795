/**
 * Loan purposes (贷款用途): a fixed enumeration. Poverty-alleviation credit finances production only (SPEC §2.2):
 * marriage, house building, consumption and wealth management are never allowed for it.
 */
export const PRODUCTIVE_PURPOSES = [
  'PLANTING',
  'BREEDING',
  'PROCESSING',
  'TRADE',
  'RURAL_TOURISM',
  'TRANSPORT',
  'HANDICRAFT',
  'SERVICES',
  'OTHER_PRODUCTIVE',
] as const;

export const NON_PRODUCTIVE_PURPOSES = ['MARRIAGE', 'HOUSE_BUILDING', 'CONSUMPTION', 'WEALTH_MANAGEMENT'] as const;

export const PURPOSES = [...PRODUCTIVE_PURPOSES, ...NON_PRODUCTIVE_PURPOSES] as const;

export type ProductivePurpose = (typeof PRODUCTIVE_PURPOSES)[number];
export type NonProductivePurpose = (typeof NON_PRODUCTIVE_PURPOSES)[number];
export type Purpose = (typeof PURPOSES)[number];

const ALL = new Set<string>(PURPOSES);
const PRODUCTIVE = new Set<string>(PRODUCTIVE_PURPOSES);

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && ALL.has(value);
}

export function isProductivePurpose(value: unknown): value is ProductivePurpose {
  return typeof value === 'string' && PRODUCTIVE.has(value);
}
