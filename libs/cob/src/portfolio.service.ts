import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { offsetOf, queryRows, type Page, type PageQuery } from '#libs/common';
import { formatYuan } from '#libs/money';

export interface SnapshotView {
  fundId: string;
  businessDate: string;
  activeLoans: number;
  outstanding: string;
  byBucket: { current: string; dpd1To30: string; dpd31To60: string; dpd61To90: string; dpd90Plus: string };
  overdueLoans: number;
  overduePrincipal: string;
  overdueInterest: string;
  penaltyOutstanding: string;
  nonPerformingLoans: number;
  par30: string;
  par30Percent: string | null;
  /** Principal and usage fee of the instalments due in the 30 days up to the date, and what of it is paid. */
  dueLast30Days: string;
  paidLast30Days: string;
  /** paidLast30Days ÷ dueLast30Days (the collection rate), exact to two decimals; null when nothing fell due. */
  repaymentRatePercent: string | null;
  writtenOff: string;
  openLiabilityCalls: number;
}

export interface SnapshotFilter {
  fundId?: string;
  districtId?: string;
  from?: string;
  to?: string;
}

export interface CallView {
  id: string;
  loanId: string;
  loanNo: string;
  fundId: string | null;
  groupId: string;
  borrowerHouseholdId: string | null;
  raisedOn: string;
  amountDue: string;
  status: 'OPEN' | 'CLEARED';
  clearedOn: string | null;
  coObligors: string[];
}

export interface CallFilter {
  status?: 'OPEN' | 'CLEARED';
  fundId?: string;
  groupId?: string;
  householdId?: string;
  loanId?: string;
}

const y = (v: string) => formatYuan(BigInt(v));
/** numeric(7,2) as text keeps its two decimals ("12.50"); null when there is nothing to divide by. */
const pct = (v: string | null): string | null => v;

/** Read side of the close of business: the daily portfolio snapshots and the group-liability calls. */
@Injectable()
export class PortfolioService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async snapshots(filter: SnapshotFilter, page: PageQuery): Promise<Page<SnapshotView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.fundId) where.push(`s.fund_id = $${params.push(filter.fundId)}`);
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.from) where.push(`s.business_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`s.business_date <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const from = `FROM portfolio_snapshots s JOIN mutual_aid_funds f ON f.id = s.fund_id JOIN villages v ON v.id = f.village_id`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total ${from} ${clause}`,
      params,
    );
    const rows = await queryRows<Record<string, string | number | null>>(
      m,
      `SELECT s.fund_id::text, s.business_date, s.active_loans, s.outstanding_fen::text, s.current_fen::text, s.bucket_1_30_fen::text,
              s.bucket_31_60_fen::text, s.bucket_61_90_fen::text, s.bucket_90_plus_fen::text, s.overdue_loans,
              s.overdue_principal_fen::text, s.overdue_interest_fen::text, s.penalty_outstanding_fen::text, s.non_performing_loans,
              s.par30_fen::text, s.par30_percent::text, s.due_30d_fen::text, s.paid_30d_fen::text,
              s.repayment_rate_percent::text, s.written_off_fen::text, s.open_liability_calls
         ${from} ${clause} ORDER BY s.business_date DESC, s.fund_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    const items = rows.map((r): SnapshotView => ({
      fundId: String(r.fund_id),
      businessDate: String(r.business_date),
      activeLoans: Number(r.active_loans),
      outstanding: y(String(r.outstanding_fen)),
      byBucket: {
        current: y(String(r.current_fen)),
        dpd1To30: y(String(r.bucket_1_30_fen)),
        dpd31To60: y(String(r.bucket_31_60_fen)),
        dpd61To90: y(String(r.bucket_61_90_fen)),
        dpd90Plus: y(String(r.bucket_90_plus_fen)),
      },
      overdueLoans: Number(r.overdue_loans),
      overduePrincipal: y(String(r.overdue_principal_fen)),
      overdueInterest: y(String(r.overdue_interest_fen)),
      penaltyOutstanding: y(String(r.penalty_outstanding_fen)),
      nonPerformingLoans: Number(r.non_performing_loans),
      par30: y(String(r.par30_fen)),
      par30Percent: pct(r.par30_percent as string | null),
      dueLast30Days: y(String(r.due_30d_fen)),
      paidLast30Days: y(String(r.paid_30d_fen)),
      repaymentRatePercent: pct(r.repayment_rate_percent as string | null),
      writtenOff: y(String(r.written_off_fen)),
      openLiabilityCalls: Number(r.open_liability_calls),
    }));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  async calls(filter: CallFilter, page: PageQuery): Promise<Page<CallView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`c.status = $${params.push(filter.status)}`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    if (filter.groupId) where.push(`c.group_id = $${params.push(filter.groupId)}`);
    if (filter.loanId) where.push(`c.loan_id = $${params.push(filter.loanId)}`);
    if (filter.householdId) {
      const p = params.push(filter.householdId);
      where.push(
        `(l.household_id = $${p} OR EXISTS (SELECT 1 FROM group_liability_call_members cm WHERE cm.call_id = c.id AND cm.household_id = $${p}))`,
      );
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const from = `FROM group_liability_calls c JOIN loans l ON l.id = c.loan_id`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total ${from} ${clause}`,
      params,
    );
    const rows = await queryRows<{
      id: string;
      loan_id: string;
      loan_no: string;
      fund_id: string | null;
      group_id: string;
      household_id: string | null;
      raised_on: string;
      amount_due_fen: string;
      status: 'OPEN' | 'CLEARED';
      cleared_on: string | null;
      members: string[] | null;
    }>(
      m,
      `SELECT c.id::text, c.loan_id::text, l.loan_no, l.fund_id::text, c.group_id::text, l.household_id::text, c.raised_on,
              c.amount_due_fen::text, c.status, c.cleared_on,
              (SELECT array_agg(cm.household_id::text ORDER BY cm.household_id) FROM group_liability_call_members cm WHERE cm.call_id = c.id) AS members
         ${from} ${clause} ORDER BY c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return {
      items: rows.map((r) => ({
        id: r.id,
        loanId: r.loan_id,
        loanNo: r.loan_no,
        fundId: r.fund_id,
        groupId: r.group_id,
        borrowerHouseholdId: r.household_id,
        raisedOn: r.raised_on,
        amountDue: y(r.amount_due_fen),
        status: r.status,
        clearedOn: r.cleared_on,
        coObligors: r.members ?? [],
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }
}
