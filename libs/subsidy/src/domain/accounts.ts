import type { AccountType } from '#libs/ledger';

/** Where a programme's money comes from (SPEC §2.4); members' own shares never fund a subsidy programme. */
export const PROGRAMME_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION'] as const;
export type ProgrammeSource = (typeof PROGRAMME_SOURCES)[number];

export const PROGRAMME_OWNER_TYPE = 'SUBSIDY_PROGRAMME';

/**
 * The ledger chart of one subsidy programme (MONEY ledger, CNY):
 *
 * | code                      | type      | meaning                                                                |
 * | ------------------------- | --------- | ---------------------------------------------------------------------- |
 * | SUB:{id}:BUDGET           | ASSET     | programme cash not yet committed to a claim (no_negative)              |
 * | SUB:{id}:SETTLEMENT       | ASSET     | cash set aside for approved claims not yet paid out (no_negative)      |
 * | SUB:{id}:FUNDING:{source} | EQUITY    | money contributed, by source (CENTRAL, CITY, DISTRICT, SOE, DONATION)   |
 * | SUB:{id}:EXPENSE          | EXPENSE   | subsidy recognised when a claim is approved                            |
 * | SUB:{id}:PAYABLE:BANK     | LIABILITY | approved, unpaid subsidy owed to lenders (PAY_BANK: banks, funds)       |
 * | SUB:{id}:PAYABLE:BORROWER | LIABILITY | approved, unpaid refunds owed to borrowers (REIMBURSE_BORROWER)         |
 *
 * Entries (code):
 * - SUBSIDY_FUNDING            contribution:  BUDGET ↑ / FUNDING:{source} ↑
 * - SUBSIDY_CLAIM_APPROVAL     approval of x > 0: EXPENSE ↑ / PAYABLE ↑ and SETTLEMENT ↑ / BUDGET ↓ (one entry: the
 *                              cash is set aside in the same entry that recognises the debt, so BUDGET's bound is
 *                              what stops a claim beyond the money)
 * - SUBSIDY_CLAIM_APPROVAL     approval of a negative adjustment: PAYABLE ↓ / EXPENSE ↓ (the payee owes it back)
 * - SUBSIDY_CLAIM_SETTLEMENT   paid out: PAYABLE ↓ / SETTLEMENT ↓; a negative adjustment recovered: BUDGET ↑ / PAYABLE ↑
 */
export interface ProgrammeAccounts {
  budget: string;
  settlement: string;
  funding: Record<ProgrammeSource, string>;
  expense: string;
  payableBank: string;
  payableBorrower: string;
}

export function programmeAccounts(programmeId: string | number | bigint): ProgrammeAccounts {
  const p = `SUB:${programmeId}:`;
  return {
    budget: `${p}BUDGET`,
    settlement: `${p}SETTLEMENT`,
    funding: {
      CENTRAL: `${p}FUNDING:CENTRAL`,
      CITY: `${p}FUNDING:CITY`,
      DISTRICT: `${p}FUNDING:DISTRICT`,
      SOE: `${p}FUNDING:SOE`,
      DONATION: `${p}FUNDING:DONATION`,
    },
    expense: `${p}EXPENSE`,
    payableBank: `${p}PAYABLE:BANK`,
    payableBorrower: `${p}PAYABLE:BORROWER`,
  };
}

/** Every account of a programme with its type, name and bound, for `openAccount`. */
export function programmeAccountList(
  programmeId: string | number | bigint,
  name: string,
): { code: string; name: string; type: AccountType; noNegative: boolean }[] {
  const a = programmeAccounts(programmeId);
  return [
    { code: a.budget, name: `${name}: uncommitted cash`, type: 'ASSET', noNegative: true },
    {
      code: a.settlement,
      name: `${name}: cash set aside for approved claims`,
      type: 'ASSET',
      noNegative: true,
    },
    ...PROGRAMME_SOURCES.map((s) => ({
      code: a.funding[s],
      name: `${name}: funding from ${s}`,
      type: 'EQUITY' as const,
      noNegative: false,
    })),
    { code: a.expense, name: `${name}: subsidy expense`, type: 'EXPENSE', noNegative: false },
    {
      code: a.payableBank,
      name: `${name}: subsidy payable to lenders`,
      type: 'LIABILITY',
      noNegative: false,
    },
    {
      code: a.payableBorrower,
      name: `${name}: refunds payable to borrowers`,
      type: 'LIABILITY',
      noNegative: false,
    },
  ];
}
