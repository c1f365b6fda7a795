import type { AccountType, OpenAccountInput } from '#libs/ledger';
import { CLASS_KINDS, OTHER_CLASS_KINDS, type ClassKind, type OtherClassKind } from './domain/model.js';

/** Ledger owner type of every asset-income project account (`ledger_accounts.owner_type`). */
export const AIP_OWNER_TYPE = 'ASSET_INCOME_PROJECT';

/**
 * The ledger accounts of one project, all `AIP:{projectId}:…`, built in this one place. The special fund never
 * mixes with other money: it enters SPECIAL_FUND:INJECTED, is quantified into SPECIAL_FUND:COLLECTIVE and
 * SPECIAL_FUND:HOUSEHOLDS (a right returned to the collective moves between the two), and leaves only through
 * LIQUIDATION:PAID:SPECIAL_*. At any time INJECTED + COLLECTIVE + HOUSEHOLDS = the special fund put in.
 *
 * - OPERATOR:CAPITAL (asset): capital placed in the operating entity, all classes together.
 * - CAPITAL:{kind} (equity): each other class's capital.
 * - DIVIDENDS:PAID:{class} (expense-like, cumulative): dividends paid to each class.
 * - DIVIDENDS:FUNDED:PROFIT / :OPERATOR (income-like, cumulative): paid out of the year's profit / topped up by
 *   the operator from its own funds (including later settlements of what it owed).
 * - OPERATOR:OWES (asset, receivable) and DIVIDENDS:PAYABLE (liability): the floor the operator could not pay,
 *   still owed to the special-fund holders; equal while nothing is settled.
 * - LIQUIDATION:PROCEEDS (income) and LIQUIDATION:PAID:{class} (expense-like): the forced liquidation.
 */
export interface ProjectAccounts {
  operatorCapital: string;
  specialInjected: string;
  specialCollective: string;
  specialHouseholds: string;
  capital: Record<OtherClassKind, string>;
  dividendsPaid: Record<ClassKind, string>;
  fundedByProfit: string;
  fundedByOperator: string;
  operatorOwes: string;
  dividendsPayable: string;
  liquidationProceeds: string;
  liquidationPaid: Record<ClassKind, string>;
}

export function projectAccounts(projectId: string | number | bigint): ProjectAccounts {
  const p = `AIP:${projectId}:`;
  const byKind = <K extends string>(kinds: readonly K[], prefix: string) =>
    Object.fromEntries(kinds.map((k) => [k, `${p}${prefix}${k}`])) as Record<K, string>;
  return {
    operatorCapital: `${p}OPERATOR:CAPITAL`,
    specialInjected: `${p}SPECIAL_FUND:INJECTED`,
    specialCollective: `${p}SPECIAL_FUND:COLLECTIVE`,
    specialHouseholds: `${p}SPECIAL_FUND:HOUSEHOLDS`,
    capital: byKind(OTHER_CLASS_KINDS, 'CAPITAL:'),
    dividendsPaid: byKind(CLASS_KINDS, 'DIVIDENDS:PAID:'),
    fundedByProfit: `${p}DIVIDENDS:FUNDED:PROFIT`,
    fundedByOperator: `${p}DIVIDENDS:FUNDED:OPERATOR`,
    operatorOwes: `${p}OPERATOR:OWES`,
    dividendsPayable: `${p}DIVIDENDS:PAYABLE`,
    liquidationProceeds: `${p}LIQUIDATION:PROCEEDS`,
    liquidationPaid: byKind(CLASS_KINDS, 'LIQUIDATION:PAID:'),
  };
}

/** Every account a project opens when it is created (idempotent by code). */
export function projectAccountSpecs(projectId: string, name: string): OpenAccountInput[] {
  const a = projectAccounts(projectId);
  const spec = (code: string, label: string, type: AccountType, noNegative: boolean): OpenAccountInput => ({
    code,
    name: `${name}: ${label}`,
    type,
    ownerType: AIP_OWNER_TYPE,
    ownerId: projectId,
    noNegative,
  });
  return [
    spec(a.operatorCapital, 'capital placed in the operating entity', 'ASSET', true),
    spec(a.specialInjected, 'special fund injected, not yet quantified', 'EQUITY', true),
    spec(a.specialCollective, 'special fund quantified to the village collective', 'EQUITY', true),
    spec(a.specialHouseholds, 'special fund quantified to poor households', 'EQUITY', true),
    ...OTHER_CLASS_KINDS.map((k) => spec(a.capital[k], `capital of ${k}`, 'EQUITY', true)),
    ...CLASS_KINDS.map((k) => spec(a.dividendsPaid[k], `dividends paid to ${k}`, 'EXPENSE', true)),
    spec(a.fundedByProfit, 'dividends paid out of profit', 'INCOME', true),
    spec(a.fundedByOperator, 'dividends topped up by the operator', 'INCOME', true),
    spec(a.operatorOwes, 'floor shortfall owed by the operator', 'ASSET', true),
    spec(a.dividendsPayable, 'dividends owed to special-fund holders', 'LIABILITY', true),
    spec(a.liquidationProceeds, 'liquidation proceeds received', 'INCOME', true),
    ...CLASS_KINDS.map((k) => spec(a.liquidationPaid[k], `liquidation proceeds paid to ${k}`, 'EXPENSE', true)),
  ];
}
