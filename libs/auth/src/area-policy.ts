/**
 * How each operation meets an area-scoped caller (a FUND_ADMIN, LOAN_OFFICER or AUDITOR limited to a district, town
 * or village). The scope guard reads this table; everything not listed follows the default rules:
 *
 * - an object named by id — in the path (`/loans/:id`, `/districts/:districtId/…`) or in the body or query
 *   (`householdId`, `villageId`, `fundId`, …) — must lie inside the caller's area. Outside it, a path id answers 404
 *   (the caller does not learn that it exists) and a body or query id answers 403 `AREA_OUT_OF_SCOPE` naming the field;
 * - a write that names no area-bound object (creating a product, moving the business date, running the close of
 *   business, a city-wide import) is the city's: 403 `AREA_CITY_ONLY`;
 * - a read with no id in its path must be declared below: `FILTERED` (its store limits rows with `areaCondition`),
 *   `CITY_WIDE` (city-wide configuration every staff member reads: products, rates, banks, the business date) or
 *   `CITY_ONLY` (an aggregate that cannot be cut by area yet). An undeclared one is `CITY_ONLY`: deny by default.
 */
export type AreaRoutePolicy = 'FILTERED' | 'CITY_WIDE' | 'CITY_ONLY';

/** Keyed by `METHOD path` with Express parameters (`GET /api/v1/loans`). */
export const AREA_ROUTE_POLICY: Record<string, AreaRoutePolicy> = {
  // lists limited to the area by their stores
  'GET /api/v1/households': 'FILTERED',
  'GET /api/v1/entities': 'FILTERED',
  'GET /api/v1/groups': 'FILTERED',
  'GET /api/v1/districts': 'FILTERED',
  'GET /api/v1/towns': 'FILTERED',
  'GET /api/v1/villages': 'FILTERED',
  'GET /api/v1/poverty-lines': 'FILTERED',
  'GET /api/v1/loans': 'FILTERED',
  'GET /api/v1/loan-applications/review-queue': 'FILTERED',
  'GET /api/v1/repayments': 'FILTERED',
  'GET /api/v1/write-offs': 'FILTERED',
  'GET /api/v1/group-liability-calls': 'FILTERED',
  'GET /api/v1/mutual-aid-funds': 'FILTERED',
  'GET /api/v1/portfolio-snapshots': 'FILTERED',
  'GET /api/v1/risk-funds': 'FILTERED',
  'GET /api/v1/guarantee-agreements': 'FILTERED',
  'GET /api/v1/guarantee-covers': 'FILTERED',
  'GET /api/v1/covered-loans': 'FILTERED',
  'GET /api/v1/compensation-claims': 'FILTERED',
  'GET /api/v1/subsidy/programmes': 'FILTERED',
  'GET /api/v1/subsidy/claims': 'FILTERED',
  'GET /api/v1/funding/contributions': 'FILTERED',
  'GET /api/v1/reminders': 'FILTERED',
  'GET /api/v1/asset-income/projects': 'FILTERED',
  'GET /api/v1/asset-income/alerts': 'FILTERED',
  'GET /api/v1/asset-income/distributions': 'FILTERED',
  'GET /api/v1/asset-income/reports/districts': 'FILTERED',
  'GET /api/v1/ledger/accounts': 'FILTERED',
  'GET /api/v1/audit': 'FILTERED',
  // a stored month cut to the reader's district (or to its town's or village's funds): reporting.service areaReport
  'GET /api/v1/reports/monthly/:month': 'FILTERED',
  'GET /api/v1/reports/rankings/:month': 'FILTERED',

  // city-wide configuration and identity: the same for every area
  'GET /api/v1/auth/me': 'CITY_WIDE',
  'GET /api/v1/business-date': 'CITY_WIDE',
  // an import's blank template: columns, lists and instructions, no data
  'GET /api/v1/import-templates/:kind': 'CITY_WIDE',
  'GET /api/v1/products': 'CITY_WIDE',
  'GET /api/v1/products/:id': 'CITY_WIDE',
  'GET /api/v1/products/:id/versions': 'CITY_WIDE',
  'GET /api/v1/products/:id/contract-rate': 'CITY_WIDE',
  'GET /api/v1/product-versions/:id': 'CITY_WIDE',
  'GET /api/v1/benchmark-rates': 'CITY_WIDE',
  'GET /api/v1/benchmark-rates/in-force': 'CITY_WIDE',
  'GET /api/v1/benchmark-rates/:id': 'CITY_WIDE',
  'GET /api/v1/poverty-lines/effective': 'CITY_WIDE',
  'GET /api/v1/banks': 'CITY_WIDE',
  'GET /api/v1/banks/:id': 'CITY_WIDE',
  'GET /api/v1/funding/matching-rules': 'CITY_WIDE',
  'GET /api/v1/funding/matching-rules/:year': 'CITY_WIDE',
  'POST /api/v1/schedules/preview': 'CITY_WIDE',

  // aggregates over the whole city (or over a bank's districts): the city's staff only, for now
  'GET /api/v1/banks/:id/capacity': 'CITY_ONLY',
  'GET /api/v1/ledger/verify': 'CITY_ONLY',
  'GET /api/v1/ledger/entries/:id': 'CITY_ONLY',
  'GET /api/v1/cob/runs': 'CITY_ONLY',
  'GET /api/v1/cob/runs/:businessDate': 'CITY_ONLY',
  'GET /api/v1/funding/compliance': 'CITY_ONLY',
  'GET /api/v1/funding/compliance/export': 'CITY_ONLY',
  'GET /api/v1/reports/monthly': 'CITY_ONLY',
  'GET /api/v1/reports/monthly/:month/chart.svg': 'CITY_ONLY',
  'GET /api/v1/reports/monthly/:month/versions': 'CITY_ONLY',
  'GET /api/v1/reports/monthly/:month/versions/:version/changes': 'CITY_ONLY',
  'GET /api/v1/reconciliation/runs': 'CITY_ONLY',
  'GET /api/v1/reminders/runs': 'CITY_ONLY',
  'GET /api/v1/reminder-endpoints': 'CITY_ONLY',
  'GET /api/v1/banks/:id/api-keys': 'CITY_ONLY',
  'GET /api/v1/reconciliation/runs/:id': 'CITY_ONLY',
  'GET /api/v1/reconciliation/runs/:id/lines': 'CITY_ONLY',
  'GET /api/v1/reconciliation/runs/:id/report.csv': 'CITY_ONLY',
  'GET /api/v1/reconciliation/runs/:id/report.xlsx': 'CITY_ONLY',
  // projections start from the whole city's books (every fund, risk fund and budget), so they are the city's
  'GET /api/v1/projection-scenarios': 'CITY_ONLY',
  'GET /api/v1/projection-scenarios/:id': 'CITY_ONLY',
  'GET /api/v1/projection-scenarios/:id/versions': 'CITY_ONLY',
  'GET /api/v1/projections': 'CITY_ONLY',
  'GET /api/v1/projections/:id': 'CITY_ONLY',
  'GET /api/v1/projections/:id/chart.svg': 'CITY_ONLY',
  'GET /api/v1/projections/:id/export': 'CITY_ONLY',
};

/**
 * The kind of object an id names, by the path segment before `:id` (or by a parameter's own name), and by body and
 * query field names. `area_of(kind, id)` (migration 1764570000000) locates each kind.
 */
export const PATH_SEGMENT_KIND: Record<string, string> = {
  households: 'household',
  entities: 'entity',
  groups: 'group',
  districts: 'district',
  towns: 'town',
  villages: 'village',
  loans: 'loan',
  'loan-applications': 'loan',
  'covered-loans': 'loan',
  repayments: 'repayment',
  'mutual-aid-funds': 'fund',
  'risk-funds': 'risk_fund',
  'guarantee-agreements': 'agreement',
  'compensation-claims': 'claim',
  'asset-income/projects': 'aip_project',
  'subsidy/claims': 'subsidy_claim',
  'subsidy/programmes': 'subsidy_programme',
  'subsidy/loans': 'loan',
  'poverty-lines': 'poverty_line',
  reminders: 'reminder',
  'reminder-endpoints': 'reminder_endpoint',
};

export const PARAM_KIND: Record<string, string> = {
  householdId: 'household',
  districtId: 'district',
};

export const FIELD_KIND: Record<string, string> = {
  districtId: 'district',
  townId: 'town',
  villageId: 'village',
  householdId: 'household',
  householdIds: 'household',
  payerHouseholdId: 'household',
  toHouseholdId: 'household',
  entityId: 'entity',
  groupId: 'group',
  fundId: 'fund',
  loanId: 'loan',
  riskFundId: 'risk_fund',
  agreementId: 'agreement',
  projectId: 'aip_project',
  programmeId: 'subsidy_programme',
};

/** Ledger account codes name their owner: `MAF:12:CASH` is fund 12's, `RF:3:BALANCE` risk fund 3's. */
export const ACCOUNT_OWNER_KIND: Record<string, string> = {
  MAF: 'fund',
  RF: 'risk_fund',
  SUB: 'subsidy_programme',
  GA: 'agreement',
  AIP: 'aip_project',
};
