import type { FieldError } from '#libs/common';
import { formatYuan, parseYuan, type Fen } from '#libs/money';
import { RISK_FUND_SOURCES, type RiskFundSource } from './accounts.js';
import { minimumShortfall } from './leverage.js';
import type { RiskFundMovementRow } from '../store/rows.generated.js';

/** A heavy-task district's fund must hold at least this much unless its creator says otherwise (¥5,000,000). */
export const DEFAULT_MINIMUM_FEN = 500_000_000n;

/** The line beyond which a covered loan is non-performing, unless the fund sets its own (SPEC §2.2). */
export const DEFAULT_NPL_OVERDUE_DAYS = 90;

/** A fund row read with its district and every ledger balance the fund view shows. */
export interface FundRecord {
  id: string;
  district_id: string;
  district_code: string;
  district_name: string;
  heavy_task: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimum_fund_fen: string;
  npl_overdue_days: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
  balance_fen: string;
  capital: Record<string, string> | null;
  interest_fen: string;
  compensation_fen: string;
  recovery_fen: string;
  available_fen: string;
  shortfall_fen: string;
}

/** A risk_fund_movements row. */
/** A risk_fund_movements row. */
export type MovementRecord = RiskFundMovementRow;

export interface RiskFundView {
  id: string;
  districtId: string;
  districtCode: string;
  districtName: string;
  heavyTask: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  balance: string;
  capital: Record<RiskFundSource, string>;
  interestIncome: string;
  compensationPaid: string;
  recoveries: string;
  coverAvailable: string;
  coverShortfall: string;
  minimumFund: string;
  minimumApplies: boolean;
  belowMinimum: boolean;
  minimumShortfall: string;
  nplOverdueDays: number;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface MovementView {
  id: string;
  riskFundId: string;
  kind: string;
  source: string | null;
  amount: string;
  businessDate: string;
  documentRef: string | null;
  memo: string | null;
  contributionId: string | null;
  entryId: string;
  coverEntryId: string;
  createdBy: string;
  createdAt: string;
}

export const movementView = (r: MovementRecord): MovementView => ({
  id: r.id,
  riskFundId: r.risk_fund_id,
  kind: r.kind,
  source: r.source,
  amount: formatYuan(BigInt(r.amount_fen)),
  businessDate: r.business_date,
  documentRef: r.document_ref,
  memo: r.memo,
  contributionId: r.contribution_id,
  entryId: r.entry_id,
  coverEntryId: r.cover_entry_id,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

export function fundView(r: FundRecord): RiskFundView {
  const balance = BigInt(r.balance_fen);
  const minimum = BigInt(r.minimum_fund_fen);
  const short = minimumShortfall(r.heavy_task, balance, minimum);
  const capital = Object.fromEntries(
    RISK_FUND_SOURCES.map((s) => [s, formatYuan(BigInt(r.capital?.[s] ?? '0'))]),
  ) as Record<RiskFundSource, string>;
  return {
    id: r.id,
    districtId: r.district_id,
    districtCode: r.district_code,
    districtName: r.district_name,
    heavyTask: r.heavy_task,
    name: r.name,
    status: r.status,
    balance: formatYuan(balance),
    capital,
    interestIncome: formatYuan(BigInt(r.interest_fen)),
    compensationPaid: formatYuan(BigInt(r.compensation_fen)),
    recoveries: formatYuan(BigInt(r.recovery_fen)),
    coverAvailable: formatYuan(BigInt(r.available_fen)),
    coverShortfall: formatYuan(BigInt(r.shortfall_fen)),
    minimumFund: formatYuan(minimum),
    minimumApplies: r.heavy_task,
    belowMinimum: short > 0n,
    minimumShortfall: formatYuan(short),
    nplOverdueDays: r.npl_overdue_days,
    version: r.version,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** A yuan amount that may be zero ("0.00" is a valid minimum); the DTO has already checked its form. */
export const yuanOrZero = (text: string): Fen => (parseYuan(text, { allowZero: true }) as { fen: Fen }).fen;

/** A positive yuan amount (a movement of money). */
export const positiveYuan = (text: string): Fen =>
  (parseYuan(text, { allowZero: false }) as { fen: Fen }).fen;

/** The terms a new fund is created with: the defaults where the creator said nothing. */
export function newFundTerms(
  input: { name?: string; minimumFund?: string; nplOverdueDays?: number },
  districtName: string,
): { name: string; minimumFen: Fen; nplOverdueDays: number } {
  return {
    name: input.name ?? `${districtName} risk compensation fund`,
    minimumFen: input.minimumFund === undefined ? DEFAULT_MINIMUM_FEN : yuanOrZero(input.minimumFund),
    nplOverdueDays: input.nplOverdueDays ?? DEFAULT_NPL_OVERDUE_DAYS,
  };
}

/** Only an empty fund with no open covers can be closed; every reason at once. */
export function closeProblems(balance: string, openCovers: number): FieldError[] {
  const problems: FieldError[] = [];
  if (balance !== '0.00')
    problems.push({ field: 'status', code: 'FUND_NOT_EMPTY', message: `the fund still holds ${balance}` });
  if (openCovers > 0)
    problems.push({
      field: 'status',
      code: 'FUND_NOT_EMPTY',
      message: `${openCovers} covered loan(s) are still open`,
    });
  return problems;
}

/** The year a contribution counts for: the year it was received in. */
export const contributionYear = (receivedOn: string): number => Number(receivedOn.slice(0, 4));

/** The memo of a deposit's entry: the source and the document it came with. */
export const depositMemo = (source: string, documentRef?: string): string =>
  `${source} deposit${documentRef ? ` (${documentRef})` : ''}`;
