import { formatYuan } from '#libs/money';
import { addMonths } from './shares.js';

export interface MemberRow {
  id: string;
  fund_id: string;
  household_id: string;
  joined_on: string;
  status: 'ACTIVE' | 'LEFT';
  paid_share_fen: string;
  fiscal_share_fen: string;
  withdrawn_fen: string;
  left_on: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface MemberView {
  id: string;
  fundId: string;
  householdId: string;
  status: 'ACTIVE' | 'LEFT';
  joinedOn: string;
  leftOn: string | null;
  /** Member-paid share still in the fund: the only part the household may withdraw. */
  paidShare: string;
  /** Base share paid with fiscal money (配股): counts for membership, never paid out to the household. */
  fiscalShare: string;
  totalShare: string;
  withdrawn: string;
  /** First day the member-paid share may be withdrawn (joinedOn + the fund's share lock). */
  withdrawableFrom: string;
}

export function memberView(r: MemberRow, shareLockMonths: number): MemberView {
  const paid = BigInt(r.paid_share_fen);
  const fiscal = BigInt(r.fiscal_share_fen);
  return {
    id: String(r.id),
    fundId: String(r.fund_id),
    householdId: String(r.household_id),
    status: r.status,
    joinedOn: r.joined_on,
    leftOn: r.left_on,
    paidShare: formatYuan(paid),
    fiscalShare: formatYuan(fiscal),
    totalShare: formatYuan(paid + fiscal),
    withdrawn: formatYuan(BigInt(r.withdrawn_fen)),
    withdrawableFrom: addMonths(r.joined_on, shareLockMonths),
  };
}
