/** The vocabulary of the asset-income scheme (资产收益扶贫), shared by the domain code, the DTOs and the SQL. */

/** What the village enterprise does (the case's "乡村旅游+、特色种植+、果树认养+、物流配送+" models and a few more). */
export const BUSINESS_TYPES = [
  'RURAL_TOURISM',
  'SPECIALTY_PLANTING',
  'FRUIT_TREE_ADOPTION',
  'LOGISTICS',
  'PROCESSING',
  'OTHER',
] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

/** The two classes the quantified special fund is split into; they share profits but never losses (负盈不负亏). */
export const SPECIAL_CLASS_KINDS = ['SPECIAL_COLLECTIVE', 'SPECIAL_HOUSEHOLDS'] as const;
export type SpecialClassKind = (typeof SPECIAL_CLASS_KINDS)[number];

/** Capital bundled with the special fund (集体资金资产、农户资产、民间资本), each its own share class. */
export const OTHER_CLASS_KINDS = ['COLLECTIVE_ASSETS', 'FARMER_ASSETS', 'PRIVATE_CAPITAL'] as const;
export type OtherClassKind = (typeof OTHER_CLASS_KINDS)[number];

export const CLASS_KINDS = [...SPECIAL_CLASS_KINDS, ...OTHER_CLASS_KINDS] as const;
export type ClassKind = (typeof CLASS_KINDS)[number];

/** How the households' 70 % is split among the village's poor households. */
export const HOUSEHOLD_WEIGHTINGS = ['EQUAL', 'MEMBER_COUNT'] as const;
export type HouseholdWeighting = (typeof HOUSEHOLD_WEIGHTINGS)[number];

/**
 * What happens to a household's right when the household stops being poor: KEEP it (the case's "长期持股"),
 * TRANSFER it to another poor household of the village, or RETURN it to the village collective.
 */
export const RIGHT_RULES = ['KEEP', 'TRANSFER', 'RETURN_TO_COLLECTIVE'] as const;
export type RightRule = (typeof RIGHT_RULES)[number];

/**
 * Whose special-fund shares the guaranteed floor (保底收益) tops up. POOR_HOUSEHOLDS follows the case
 * ("贫困户折股量化资产负盈不负亏，保底收益不低于所持量化资金的10%"): only the poor households' quantified shares; the
 * village collective's share gets its pro-rata profit and never bears a loss, but no floor. ALL_SHARES tops the
 * collective's share up as well.
 */
export const FLOOR_RECIPIENTS = ['POOR_HOUSEHOLDS', 'ALL_SHARES'] as const;
export type FloorRecipients = (typeof FLOOR_RECIPIENTS)[number];

export const PROJECT_STATUSES = ['DRAFT', 'INJECTED', 'ACTIVE', 'LIQUIDATION_REQUIRED', 'LIQUIDATED'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

export const RUN_STATUSES = ['PREPARED', 'APPROVED', 'PAID', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const HOLDER_TYPES = ['COLLECTIVE', 'HOUSEHOLD', 'CLASS'] as const;
export type HolderType = (typeof HOLDER_TYPES)[number];

export const ALERT_KINDS = ['NEAR_THRESHOLD', 'LIQUIDATION_REQUIRED'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
