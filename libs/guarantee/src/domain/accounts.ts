import type { AccountType, LedgerKind } from '#libs/ledger';

/** Where a district risk fund's capital comes from (issue 6: CITY, DISTRICT, SOE, CENTRAL). */
export const RISK_FUND_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE'] as const;
export type RiskFundSource = (typeof RISK_FUND_SOURCES)[number];

export const RISK_FUND_OWNER_TYPE = 'RISK_FUND';
export const AGREEMENT_OWNER_TYPE = 'GUARANTEE_AGREEMENT';

/**
 * The MONEY-ledger accounts of one district risk fund (风险补偿金). BALANCE is the fiscal money on deposit at the
 * bank: it can never be negative. Capital is kept by source so a withdrawal returns money to the source that
 * gave it, and no source takes back more than it put in.
 */
export interface RiskFundMoneyAccounts {
  balance: string;
  capital: Record<RiskFundSource, string>;
  interestIncome: string;
  compensationExpense: string;
  recoveryIncome: string;
}

/**
 * The EXPOSURE (memo) ledger accounts of one fund, measured in FUND MONEY (fen of the fund's balance):
 * - LIMIT (equity-like contra): always equals the money balance; every inflow credits it, every outflow debits it.
 * - AVAILABLE (no_negative): fund money that backs no loan yet. THIS is the leverage bound: a reservation moves
 *   backing out of AVAILABLE and the ledger refuses to take it below zero, under the account row lock.
 * - SHORTFALL: backing missing after the fund paid more compensation than it had free (phase B); the next
 *   inflows repay it before any capacity reappears.
 * Why fund money and not covered principal: one fund backs several banks whose agreements may carry different
 * multiples (and a lower one for entity loans); a loan of L under multiple m consumes ⌈L / m⌉ of the fund, so one
 * shared pool serves every bank and every multiple exactly, and capacity for a bank is ⌊m × AVAILABLE⌋.
 */
export interface RiskFundCoverAccounts {
  limit: string;
  available: string;
  shortfall: string;
}

/**
 * Per agreement (fund × bank), in the EXPOSURE ledger:
 * - COVER:PENDING / COVER:USED: fund money backing reserved / disbursed covered loans of this bank;
 * - EXPOSURE:PENDING / EXPOSURE:OUTSTANDING: the covered principal itself (reserved / outstanding), balanced by
 *   EXPOSURE:CONTRA, so "covered outstanding per bank" is a ledger fact too.
 * The two pairs are posted in the same entries; each pair balances on its own.
 */
export interface AgreementAccounts {
  coverPending: string;
  coverUsed: string;
  exposurePending: string;
  exposureOutstanding: string;
  exposureContra: string;
}

export function riskFundMoneyAccounts(fundId: string | number | bigint): RiskFundMoneyAccounts {
  const p = `RF:${fundId}:`;
  return {
    balance: `${p}BALANCE`,
    capital: {
      CENTRAL: `${p}CAPITAL:CENTRAL`,
      CITY: `${p}CAPITAL:CITY`,
      DISTRICT: `${p}CAPITAL:DISTRICT`,
      SOE: `${p}CAPITAL:SOE`,
    },
    interestIncome: `${p}INTEREST_INCOME`,
    compensationExpense: `${p}COMPENSATION_EXPENSE`,
    recoveryIncome: `${p}RECOVERY_INCOME`,
  };
}

export function riskFundCoverAccounts(fundId: string | number | bigint): RiskFundCoverAccounts {
  const p = `RF:${fundId}:COVER:`;
  return { limit: `${p}LIMIT`, available: `${p}AVAILABLE`, shortfall: `${p}SHORTFALL` };
}

export function agreementAccounts(agreementId: string | number | bigint): AgreementAccounts {
  const p = `GA:${agreementId}:`;
  return {
    coverPending: `${p}COVER:PENDING`,
    coverUsed: `${p}COVER:USED`,
    exposurePending: `${p}EXPOSURE:PENDING`,
    exposureOutstanding: `${p}EXPOSURE:OUTSTANDING`,
    exposureContra: `${p}EXPOSURE:CONTRA`,
  };
}

export interface AccountSpec {
  code: string;
  name: string;
  type: AccountType;
  ledger: LedgerKind;
  noNegative: boolean;
}

/** Every account a risk fund opens at creation, in both ledgers. */
export function riskFundAccountSpecs(fundId: string | number | bigint, fundName: string): AccountSpec[] {
  const a = riskFundMoneyAccounts(fundId);
  const c = riskFundCoverAccounts(fundId);
  const n = (what: string) => `${fundName}: ${what}`;
  return [
    { code: a.balance, name: n('fund balance on deposit'), type: 'ASSET', ledger: 'MONEY', noNegative: true },
    ...RISK_FUND_SOURCES.map((s) => ({
      code: a.capital[s],
      name: n(`capital from ${s}`),
      type: 'EQUITY' as const,
      ledger: 'MONEY' as const,
      // no source can take back more than it put in
      noNegative: true,
    })),
    {
      code: a.interestIncome,
      name: n('deposit interest'),
      type: 'INCOME',
      ledger: 'MONEY',
      noNegative: false,
    },
    {
      code: a.compensationExpense,
      name: n('compensation paid to banks'),
      type: 'EXPENSE',
      ledger: 'MONEY',
      noNegative: false,
    },
    {
      code: a.recoveryIncome,
      name: n('recoveries shared back'),
      type: 'INCOME',
      ledger: 'MONEY',
      noNegative: false,
    },
    {
      code: c.limit,
      name: n('cover limit (= fund balance)'),
      type: 'EQUITY',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
    {
      code: c.available,
      name: n('cover available (fund money backing no loan)'),
      type: 'ASSET',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
    {
      code: c.shortfall,
      name: n('cover shortfall after compensation'),
      type: 'LIABILITY',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
  ];
}

export function agreementAccountSpecs(agreementId: string | number | bigint, label: string): AccountSpec[] {
  const a = agreementAccounts(agreementId);
  const n = (what: string) => `${label}: ${what}`;
  return [
    {
      code: a.coverPending,
      name: n('fund money backing reserved loans'),
      type: 'ASSET',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
    {
      code: a.coverUsed,
      name: n('fund money backing disbursed loans'),
      type: 'ASSET',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
    {
      code: a.exposurePending,
      name: n('covered principal reserved'),
      type: 'ASSET',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
    {
      code: a.exposureOutstanding,
      name: n('covered principal outstanding'),
      type: 'ASSET',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
    {
      code: a.exposureContra,
      name: n('covered principal (contra)'),
      type: 'LIABILITY',
      ledger: 'EXPOSURE',
      noNegative: true,
    },
  ];
}
