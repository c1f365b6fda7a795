import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  maskMiddle,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  runIdempotent,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { withdrawalRules } from './domain/shares.js';
import { FundsService } from './funds.service.js';
import { memberView, updatedRows, type MemberRow, type MemberView } from './members.js';
import { refusal } from './refusal.js';

/** Roles that see ID numbers in full (ARCHITECTURE: Auth); everyone else gets them masked. */
const FULL_ID_ROLES = new Set(['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'SYSTEM']);

export interface MemberListItem extends MemberView {
  household: { headName: string; idNumber: string | null; status: string };
}

export interface MemberFilter {
  status?: 'ACTIVE' | 'LEFT';
  /** Only households currently POOR (true) or not (false). */
  poor?: boolean;
  /** Only members holding a fiscal-funded share (true) or none (false). */
  fiscalFunded?: boolean;
  householdId?: string;
}

export interface WithdrawInput {
  householdId: string;
  amountFen: Fen;
  reason?: string;
}

export interface WithdrawalView {
  id: string;
  fundId: string;
  householdId: string;
  amount: string;
  withdrawnOn: string;
  reason: string | null;
  entryId: string;
  createdBy: string;
  createdAt: string;
  member?: MemberView;
}

interface WithdrawalRow {
  id: string;
  fund_id: string;
  household_id: string;
  amount_fen: string;
  withdrawn_on: string;
  reason: string | null;
  entry_id: string;
  created_by: string;
  created_at: Date;
}

const withdrawalView = (r: WithdrawalRow): WithdrawalView => ({
  id: String(r.id),
  fundId: String(r.fund_id),
  householdId: String(r.household_id),
  amount: formatYuan(BigInt(r.amount_fen)),
  withdrawnOn: r.withdrawn_on,
  reason: r.reason,
  entryId: String(r.entry_id),
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

export interface WithdrawalFilter {
  householdId?: string;
  from?: string;
  to?: string;
}

export const WITHDRAWAL_SCOPE = 'mutual-aid-fund:share-withdrawal';

/** The member register of a fund and withdrawals of member-paid shares. */
@Injectable()
export class SharesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly funds: FundsService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async listMembers(fundId: string, filter: MemberFilter, page: PageQuery): Promise<Page<MemberListItem>> {
    const fund = await this.funds.info(fundId);
    const where = ['fm.fund_id = $1'];
    const params: unknown[] = [fund.id];
    if (filter.status) where.push(`fm.status = $${params.push(filter.status)}`);
    if (filter.poor !== undefined) where.push(filter.poor ? `h.status = 'POOR'` : `h.status <> 'POOR'`);
    if (filter.fiscalFunded !== undefined)
      where.push(filter.fiscalFunded ? `fm.fiscal_share_fen > 0` : `fm.fiscal_share_fen = 0`);
    if (filter.householdId) where.push(`fm.household_id = $${params.push(filter.householdId)}`);
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM fund_members fm JOIN households h ON h.id = fm.household_id WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<
      MemberRow & { head_name: string; id_number: string; household_status: string }
    >(
      m,
      `SELECT fm.*, h.head_name, h.id_number, h.status AS household_status
         FROM fund_members fm JOIN households h ON h.id = fm.household_id
        WHERE ${clause} ORDER BY fm.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    const fullIds = FULL_ID_ROLES.has(RequestContext.actor()?.role ?? '');
    return {
      items: rows.map((r) => ({
        ...memberView(r, fund.rules.shareLockMonths),
        household: {
          headName: r.head_name,
          idNumber: fullIds ? r.id_number : maskMiddle(r.id_number),
          status: r.household_status,
        },
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  /**
   * Pays back part or all of a household's member-paid share. Under the fund lock and the member lock, every
   * rule is checked at once (member, withdrawable share, share lock, no outstanding loan, cash ≥ 0 and
   * outstanding ≤ cap % × remaining capital afterwards); then one entry CAPITAL:MEMBER ↓ / CASH ↓.
   */
  async withdraw(fundId: string, input: WithdrawInput, idempotencyKey: string): Promise<WithdrawalView> {
    const today = this.clock.today();
    const actor = RequestContext.actor()?.username ?? 'system';
    const request = {
      fundId,
      householdId: input.householdId,
      amountFen: input.amountFen,
      reason: input.reason ?? null,
    };
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(m, WITHDRAWAL_SCOPE, idempotencyKey, request, () =>
        this.record(m, fundId, input, idempotencyKey, today, actor),
      ),
    );
    return result;
  }

  private async record(
    m: EntityManager,
    fundId: string,
    input: WithdrawInput,
    idempotencyKey: string,
    today: string,
    actor: string,
  ): Promise<WithdrawalView> {
    const fund = await this.funds.lockFund(m, fundId);
    const member = /^\d{1,18}$/.test(input.householdId)
      ? await queryOne<MemberRow>(
          m,
          `SELECT * FROM fund_members WHERE fund_id = $1 AND household_id = $2 FOR UPDATE`,
          [fund.id, input.householdId],
        )
      : undefined;
    // Loans are origination's rows; reading them here (no write) avoids a dependency cycle with that library.
    const [{ n: outstandingLoans }] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM loans WHERE fund_id = $1 AND household_id = $2 AND outstanding_principal_fen > 0`,
      [fund.id, member ? member.household_id : null],
    );
    const position = await this.funds.position(m, fund.id);
    const failures = withdrawalRules({
      amountFen: input.amountFen,
      today,
      fundStatus: fund.status,
      member: member
        ? {
            status: member.status,
            joinedOn: member.joined_on,
            paidShareFen: BigInt(member.paid_share_fen),
            fiscalShareFen: BigInt(member.fiscal_share_fen),
          }
        : null,
      shareLockMonths: fund.rules.shareLockMonths,
      outstandingLoans,
      cashFen: position.cashFen,
      loansFen: position.loansOutstandingFen,
      capitalFen: position.capitalFen,
      lendingCapPercent: fund.rules.lendingCapPercent,
    });
    if (failures.length) throw refusal('share withdrawal refused', failures);

    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('share_withdrawals', 'id'))::text AS id`,
    );
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `share-withdrawal:${id}`,
      code: 'MEMBER_SHARE_WITHDRAWAL',
      businessDate: today,
      memo: `household ${input.householdId} withdraws from its member share in fund ${fund.id}`,
      lines: [
        { account: fund.accounts.capital.MEMBER, side: 'DEBIT', amountFen: input.amountFen },
        { account: fund.accounts.cash, side: 'CREDIT', amountFen: input.amountFen },
      ],
    });
    const [row] = await queryRows<WithdrawalRow>(
      m,
      `INSERT INTO share_withdrawals (id, fund_id, member_id, household_id, amount_fen, withdrawn_on, reason, entry_id, idempotency_key, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        id,
        fund.id,
        member!.id,
        member!.household_id,
        input.amountFen.toString(),
        today,
        input.reason ?? null,
        entryId,
        `${WITHDRAWAL_SCOPE}:${idempotencyKey}`,
        actor,
      ],
    );
    // A household with no share left (paid nor fiscal) has left the fund: it no longer borrows from it.
    const [updated] = updatedRows<MemberRow>(
      await m.query(
        `UPDATE fund_members
          SET paid_share_fen = paid_share_fen - $2, withdrawn_fen = withdrawn_fen + $2,
              status = CASE WHEN paid_share_fen - $2 + fiscal_share_fen = 0 THEN 'LEFT' ELSE status END,
              left_on = CASE WHEN paid_share_fen - $2 + fiscal_share_fen = 0 THEN $3::date ELSE left_on END,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
        [member!.id, input.amountFen.toString(), today],
      ),
    );
    const result: WithdrawalView = {
      ...withdrawalView(row),
      member: memberView(updated, fund.rules.shareLockMonths),
    };
    await this.audit.record(m, {
      action: 'MEMBER_SHARE_WITHDRAWN',
      entityType: 'share_withdrawal',
      entityId: result.id,
      before: memberView(member!, fund.rules.shareLockMonths),
      after: result,
    });
    return result;
  }

  async listWithdrawals(
    fundId: string,
    filter: WithdrawalFilter,
    page: PageQuery,
  ): Promise<Page<WithdrawalView>> {
    const fund = await this.funds.info(fundId);
    const where = ['fund_id = $1'];
    const params: unknown[] = [fund.id];
    if (filter.householdId) where.push(`household_id = $${params.push(filter.householdId)}`);
    if (filter.from) where.push(`withdrawn_on >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`withdrawn_on <= $${params.push(filter.to)}`);
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM share_withdrawals WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<WithdrawalRow>(
      m,
      `SELECT * FROM share_withdrawals WHERE ${clause} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(withdrawalView), page: page.page, pageSize: page.pageSize, total };
  }
}
