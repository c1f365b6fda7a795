import type { RawFigures } from '../store/report.queries.js';
import {
  checkReportAgainstLedger,
  checkReportInvariants,
  type InvariantContext,
  type LedgerBalances,
} from './invariants.js';
import { assembleMonth, buildReport, type MatchingRules, type MonthlyReportData } from './report.js';

/** The funding library's compliance rule is not under test here: a stand-in with its shape. */
const RULES: MatchingRules = {
  districtCompliance: ((d: {
    districtId: string;
    districtCode: string;
    districtName: string;
    cityAllocationFen: bigint;
    districtMatchFen: bigint;
  }) => ({
    ...d,
    requiredRatio: '2',
    actualRatio: null,
    requiredMatchFen: 0n,
    shortfallFen: 0n,
    compliant: true,
  })) as unknown as MatchingRules['districtCompliance'],
  defaultMatchingRatio: '2',
};

/**
 * One district with a 4,000,000.00 risk fund and two banks (multiples 10 and 8), three covered loans whose backing is
 * rounded up per loan (⌈L / m⌉), and one mutual-aid fund: the raw figures as the report's SQL returns them.
 */
const COVERS = [
  { agreement: '11', multiple: 10n, loan: 30_000_001n },
  { agreement: '11', multiple: 10n, loan: 20_000_000n },
  { agreement: '12', multiple: 8n, loan: 10_000_003n },
];
const BALANCE = 400_000_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const AVAILABLE = BALANCE - COVERS.reduce((s, c) => s + ceilDiv(c.loan, c.multiple), 0n);
const exposure = (agreement: string) =>
  COVERS.filter((c) => c.agreement === agreement).reduce((s, c) => s + c.loan, 0n);

function raw(over: { available?: bigint; npl11?: bigint } = {}): RawFigures {
  const acc = (code: string, end: bigint, month = 0n) => ({
    code,
    end_fen: String(end),
    month_fen: String(month),
  });
  return {
    accounts: [
      acc('RF:1:BALANCE', BALANCE),
      acc('RF:1:COVER:AVAILABLE', over.available ?? AVAILABLE),
      acc('RF:1:COMPENSATION_EXPENSE', 500_000n, 500_000n),
      acc('RF:1:RECOVERY_INCOME', 100_000n, 100_000n),
      acc('GA:11:EXPOSURE:OUTSTANDING', exposure('11')),
      acc('GA:12:EXPOSURE:OUTSTANDING', exposure('12')),
      acc('MAF:7:CASH', 51_000_000n),
      acc('MAF:7:LOANS', 1_200_000n),
      acc('MAF:7:CAPITAL:CITY', 20_000_000n),
      acc('MAF:7:CAPITAL:DISTRICT', 30_000_000n),
      acc('MAF:7:CAPITAL:MEMBER', 200_000n),
    ],
    structure: [
      {
        district_id: '1',
        district_code: '370302',
        district_name: '淄川区',
        heavy_task: true,
        risk_fund_id: '1',
        risk_fund_name: 'RF',
        minimum_fund_fen: '500000000',
        npl_overdue_days: 90,
      },
    ],
    agreements: [
      {
        agreement_id: '11',
        agreement_no: 'A-11',
        risk_fund_id: '1',
        district_id: '1',
        bank_id: '21',
        bank_code: 'B21',
        bank_name: 'Bank 21',
        leverage_multiple: '10.0000',
        npl_threshold_percent: '5',
      },
      {
        agreement_id: '12',
        agreement_no: 'A-12',
        risk_fund_id: '1',
        district_id: '1',
        bank_id: '22',
        bank_code: 'B22',
        bank_name: 'Bank 22',
        leverage_multiple: '8.0000',
        npl_threshold_percent: '5',
      },
    ],
    funds: [
      {
        fund_id: '7',
        fund_name: '东坪村互助资金',
        village_id: '3',
        village_name: '东坪村',
        district_id: '1',
      },
    ],
    loans: [
      {
        kind: 'C',
        district_id: '1',
        bank_id: '21',
        fund_id: null,
        loans: 2,
        outstanding_fen: String(exposure('11')),
        npl_fen: String(over.npl11 ?? 2_000_000n),
        par30_fen: '0',
        due_fen: '1000000',
        paid_due_fen: '900000',
        households: 0,
        poor_households: 0,
      },
      {
        kind: 'C',
        district_id: '1',
        bank_id: '22',
        fund_id: null,
        loans: 1,
        outstanding_fen: String(exposure('12')),
        npl_fen: '0',
        par30_fen: '0',
        due_fen: '0',
        paid_due_fen: '0',
        households: 0,
        poor_households: 0,
      },
      {
        kind: 'M',
        district_id: null,
        bank_id: null,
        fund_id: '7',
        loans: 3,
        outstanding_fen: '1200000',
        npl_fen: '0',
        par30_fen: '300000',
        due_fen: '700000',
        paid_due_fen: '600000',
        households: 3,
        poor_households: 2,
      },
    ],
    newLoans: [{ district_id: '1', bank_id: '22', count: 1, amount_fen: String(exposure('12')) }],
    subsidy: [
      { district_id: '1', bank_id: '21', paid_fen: '12345' },
      { district_id: '1', bank_id: null, paid_fen: '500' },
    ],
    compensation: [
      { district_id: '1', bank_id: '21', compensation_fen: '500000', recoveries_fen: '60000' },
      { district_id: '1', bank_id: '22', compensation_fen: '0', recoveries_fen: '40000' },
    ],
    matching: [],
    matchingRatio: null,
  };
}

const report = (r: RawFigures = raw()): MonthlyReportData =>
  buildReport(assembleMonth('2026-11', r, RULES), null);
const CONTEXT: InvariantContext = {
  capacity: new Map([['1', { coveredLoans: COVERS.length, pendingCoverFen: 0n }]]),
};
const rules = (data: MonthlyReportData, ctx = CONTEXT) =>
  checkReportInvariants(data, ctx).map((v) => `${v.rule} ${v.where} ${v.field}`);
/** A deep copy to break one figure of. */
const copy = (d: MonthlyReportData): MonthlyReportData => structuredClone(d);

/** The ledger as the report read it: every account balance at the month end, the flows over an empty month start. */
function ledgerOf(r: RawFigures): LedgerBalances {
  return {
    atEnd: new Map(r.accounts.map((a) => [a.code, BigInt(a.end_fen)])),
    beforeStart: new Map(r.accounts.map((a) => [a.code, BigInt(a.end_fen) - BigInt(a.month_fen)])),
  };
}

describe('report invariants', () => {
  it('holds for a report assembled from consistent figures, per-loan rounding of the backing included', () => {
    const data = report();
    expect(data.districts[0].capacityLeft).toBe('39374999.80'); // ⌊10 × 3,937,499.98⌋
    expect(checkReportInvariants(data, CONTEXT)).toEqual([]);
    expect(checkReportInvariants(data)).toEqual([]);
  });

  it('finds a fund with negative cash', () => {
    const data = copy(report());
    data.funds[0].cash = '-8000.00';
    expect(rules(data)).toEqual(['FUND_CASH_NEGATIVE fund 7 cash']);
  });

  it('finds NPL above covered outstanding (in the bank row, the district and the totals)', () => {
    const data = report(raw({ npl11: exposure('11') + exposure('12') + 1n }));
    expect(rules(data).filter((r) => r.startsWith('NPL_EXCEEDS_COVERED'))).toEqual([
      'NPL_EXCEEDS_COVERED district 370302 nplPrincipal',
      'NPL_EXCEEDS_COVERED bank B21 in 370302 nplPrincipal',
      'NPL_EXCEEDS_COVERED totals nplPrincipal',
    ]);
  });

  it('finds capacity above multiple × balance − exposure, even by one fen', () => {
    const data = copy(report());
    data.districts[0].capacityLeft = '39375000.00';
    expect(rules(data)).toEqual(['CAPACITY_MISMATCH district 370302 capacityLeft']);
    const bank = copy(report());
    bank.banks[1].capacityLeft = '31500000.00'; // at 8×: ⌊8 × 3,937,499.98⌋ = 31,499,999.84
    expect(rules(bank)).toEqual(['CAPACITY_MISMATCH bank B22 in 370302 capacityLeft']);
  });

  it('finds capacity below what the per-loan rounding explains, once it knows the loans', () => {
    // 10.00 of fund money missing from AVAILABLE with nothing reserved: more than 3 loans' rounding
    const data = report(raw({ available: AVAILABLE - 1000n }));
    expect(rules(data)).toEqual([
      'CAPACITY_MISMATCH district 370302 capacityLeft',
      'CAPACITY_MISMATCH bank B21 in 370302 capacityLeft',
      'CAPACITY_MISMATCH bank B22 in 370302 capacityLeft',
    ]);
    // reserved backing for a loan not yet paid out explains it; without context only the upper bound is checked
    expect(rules(data, { capacity: new Map([['1', { coveredLoans: 3, pendingCoverFen: 1000n }]]) })).toEqual(
      [],
    );
    expect(rules(data, {})).toEqual([]);
  });

  it('finds every total that is not the sum of its rows', () => {
    const base = report();
    const amounts = [
      'fundBalance',
      'coveredOutstanding',
      'newCoveredAmount',
      'nplPrincipal',
      'compensationPaid',
      'recoveries',
      'subsidyPaid',
      'mutualAidCapital',
      'mutualAidOutstanding',
    ] as const;
    for (const field of amounts) {
      const data = copy(base);
      data.totals[field] = (Number(data.totals[field]) + 0.01).toFixed(2);
      expect(rules(data), field).toContain(`TOTAL_MISMATCH totals ${field}`);
    }
    const count = copy(base);
    count.totals.newCoveredLoans += 1;
    expect(rules(count)).toEqual(['TOTAL_MISMATCH totals newCoveredLoans']);
    // a district against its banks and funds
    for (const field of [
      'newCoveredAmount',
      'compensationPaid',
      'recoveries',
      'mutualAidCapital',
      'mutualAidOutstanding',
    ] as const) {
      const data = copy(base);
      data.districts[0][field] = (Number(data.districts[0][field]) + 0.01).toFixed(2);
      expect(rules(data), field).toContain(`TOTAL_MISMATCH district 370302 ${field}`);
    }
    const banks = copy(base);
    banks.banks[0].coveredOutstanding = '300000.00';
    expect(rules(banks)).toContain('TOTAL_MISMATCH district 370302 coveredOutstanding');
    const subsidy = copy(base);
    subsidy.banks[0].subsidyPaid = '200.00';
    expect(rules(subsidy)).toEqual(['TOTAL_MISMATCH district 370302 subsidyPaid']);
  });

  it('finds a leverage ratio that is not outstanding ÷ balance at four decimals', () => {
    const data = copy(report());
    expect(data.districts[0].leverageRatio).toBe('0.1500'); // 600,000.04 ÷ 4,000,000.00
    data.districts[0].leverageRatio = '0.1501';
    data.banks[1].leverageRatio = null;
    data.totals.leverageRatio = '0.1499';
    expect(rules(data)).toEqual([
      'RATIO_MISMATCH district 370302 leverageRatio',
      'RATIO_MISMATCH bank B22 in 370302 leverageRatio',
      'RATIO_MISMATCH totals leverageRatio',
    ]);
  });
});

describe('report against the ledger', () => {
  it('agrees with the balances the figures came from', () => {
    const r = raw();
    expect(checkReportAgainstLedger(report(r), ledgerOf(r))).toEqual([]);
  });

  it('finds each account figure that differs from the ledger at the month end', () => {
    const r = raw();
    const data = report(r);
    const ledger = ledgerOf(r);
    const off = (code: string, by: bigint): LedgerBalances => {
      const atEnd = new Map(ledger.atEnd);
      atEnd.set(code, (atEnd.get(code) ?? 0n) + by);
      return { atEnd, beforeStart: ledger.beforeStart };
    };
    const fields = (l: LedgerBalances) =>
      checkReportAgainstLedger(data, l).map((v) => `${v.where} ${v.field}`);
    expect(fields(off('MAF:7:CASH', 1n))).toEqual(['fund 7 cash']);
    expect(fields(off('MAF:7:LOANS', -1n))).toEqual(['fund 7 outstanding']);
    expect(fields(off('MAF:7:CAPITAL:ACCUMULATED', 5n))).toEqual(['fund 7 capital']);
    expect(fields(off('RF:1:BALANCE', 1n))).toEqual(['district 370302 fundBalance']);
    expect(fields(off('RF:1:COMPENSATION_EXPENSE', 1n))).toEqual(['district 370302 compensationPaid']);
    expect(fields(off('GA:12:EXPOSURE:OUTSTANDING', 1n))).toEqual(['bank B22 in 370302 coveredOutstanding']);
    expect(fields(off('RF:1:COVER:AVAILABLE', -1n))).toEqual([
      'district 370302 capacityLeft',
      'bank B21 in 370302 capacityLeft',
      'bank B22 in 370302 capacityLeft',
    ]);
  });
});
