import type { AccountType, PostingLine } from '#libs/ledger';

/** Where a fund's capital came from (SPEC §2.4). MEMBER is the only source a household may take back. */
export const CAPITAL_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER'] as const;
export type CapitalSource = (typeof CAPITAL_SOURCES)[number];

/** Fiscal sources: the only ones that may pay a poor household's base share (配股). */
export const FISCAL_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT'] as const satisfies readonly CapitalSource[];
export type FiscalSource = (typeof FISCAL_SOURCES)[number];
export const isFiscalSource = (s: string): s is FiscalSource =>
  (FISCAL_SOURCES as readonly string[]).includes(s);

/** Ledger owner type of every mutual-aid fund account (`ledger_accounts.owner_type`). */
export const FUND_OWNER_TYPE = 'MUTUAL_AID_FUND';

/**
 * The ledger account codes of one village mutual-aid fund. Origination (disbursement: LOANS ↑ / CASH ↓),
 * repayment (CASH ↑ / LOANS ↓, INTEREST_RECEIVABLE, FEE_INCOME, PENALTY_INCOME), the close of business and the
 * year-end fee distribution (FEE_INCOME ↓ / CAPITAL:ACCUMULATED, RISK_RESERVE, PUBLIC_WELFARE, ADMINISTRATION,
 * DIVIDENDS_PAYABLE ↑) all post to these codes, so they are built in this one place.
 */
export interface FundAccountCodes {
  cash: string;
  loans: string;
  interestReceivable: string;
  capital: Record<CapitalSource, string>;
  capitalAccumulated: string;
  feeIncome: string;
  penaltyIncome: string;
  recoveryIncome: string;
  riskReserve: string;
  publicWelfare: string;
  administration: string;
  dividendsPayable: string;
  writeOffExpense: string;
}

export function fundAccounts(fundId: string | number | bigint): FundAccountCodes {
  const p = `MAF:${fundId}:`;
  return {
    cash: `${p}CASH`,
    loans: `${p}LOANS`,
    interestReceivable: `${p}INTEREST_RECEIVABLE`,
    capital: {
      CENTRAL: `${p}CAPITAL:CENTRAL`,
      CITY: `${p}CAPITAL:CITY`,
      DISTRICT: `${p}CAPITAL:DISTRICT`,
      SOE: `${p}CAPITAL:SOE`,
      DONATION: `${p}CAPITAL:DONATION`,
      MEMBER: `${p}CAPITAL:MEMBER`,
    },
    capitalAccumulated: `${p}CAPITAL:ACCUMULATED`,
    feeIncome: `${p}FEE_INCOME`,
    penaltyIncome: `${p}PENALTY_INCOME`,
    recoveryIncome: `${p}RECOVERY_INCOME`,
    riskReserve: `${p}RISK_RESERVE`,
    publicWelfare: `${p}PUBLIC_WELFARE`,
    administration: `${p}ADMINISTRATION`,
    dividendsPayable: `${p}DIVIDENDS_PAYABLE`,
    writeOffExpense: `${p}WRITE_OFF_EXPENSE`,
  };
}

export interface FundAccountSpec {
  code: string;
  name: string;
  type: AccountType;
  noNegative: boolean;
}

/**
 * Every account a fund opens when it is created. Bounded (no_negative) are the assets that cannot be negative in
 * reality (cash, principal and interest owed to the fund) and the capital by source, since no one can take back
 * more than was put in; reserves, liabilities, income and expense are left unbounded because corrections and
 * distributions move them both ways.
 */
export function fundAccountSpecs(fundId: string | number | bigint, fundName: string): FundAccountSpec[] {
  const a = fundAccounts(fundId);
  const n = (what: string) => `${fundName}: ${what}`;
  return [
    { code: a.cash, name: n('cash'), type: 'ASSET', noNegative: true },
    { code: a.loans, name: n('loans receivable (principal)'), type: 'ASSET', noNegative: true },
    { code: a.interestReceivable, name: n('usage fee receivable'), type: 'ASSET', noNegative: true },
    ...CAPITAL_SOURCES.map((s) => ({
      code: a.capital[s],
      name: n(`capital from ${s}`),
      type: 'EQUITY' as const,
      noNegative: true,
    })),
    {
      code: a.capitalAccumulated,
      name: n('accumulated capital (fee distribution)'),
      type: 'EQUITY',
      noNegative: false,
    },
    { code: a.feeIncome, name: n('usage fee income (占用费)'), type: 'INCOME', noNegative: false },
    { code: a.penaltyIncome, name: n('penalty income'), type: 'INCOME', noNegative: false },
    { code: a.recoveryIncome, name: n('recoveries of written-off loans'), type: 'INCOME', noNegative: false },
    { code: a.riskReserve, name: n('risk reserve'), type: 'EQUITY', noNegative: false },
    { code: a.publicWelfare, name: n('public welfare'), type: 'LIABILITY', noNegative: false },
    { code: a.administration, name: n('administration'), type: 'LIABILITY', noNegative: false },
    { code: a.dividendsPayable, name: n('dividends payable'), type: 'LIABILITY', noNegative: false },
    { code: a.writeOffExpense, name: n('loan write-offs'), type: 'EXPENSE', noNegative: false },
  ];
}

/** The capital the lending cap is measured against: every source plus accumulated capital (not the reserves). */
export function capitalAccountCodes(a: FundAccountCodes): string[] {
  return [...CAPITAL_SOURCES.map((s) => a.capital[s]), a.capitalAccumulated];
}

/**
 * The fund's side of an interest subsidy (贷款贴息) paid to the fund as the lender of its mutual-aid loans (a
 * PAY_BANK claim whose payee is the fund): CASH ↑ / FEE_INCOME ↑. The subsidy is usage fee (占用费) that the
 * programme pays on the borrowers' behalf, so on the fund's cash basis it is usage-fee income exactly like the part
 * the borrowers pay, and the year-end distribution shares it out with the rest (no account of its own: the entry
 * code says where it came from). A clawback the fund pays back (negative amount) is the mirror image:
 * FEE_INCOME ↓ / CASH ↓ (CASH is bounded: the caller checks the cash under the fund lock).
 */
export function subsidyReceiptLines(a: FundAccountCodes, amountFen: bigint): PostingLine[] {
  if (amountFen === 0n) return [];
  return amountFen > 0n
    ? [
        { account: a.cash, side: 'DEBIT', amountFen },
        { account: a.feeIncome, side: 'CREDIT', amountFen },
      ]
    : [
        { account: a.feeIncome, side: 'DEBIT', amountFen: -amountFen },
        { account: a.cash, side: 'CREDIT', amountFen: -amountFen },
      ];
}
