import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  callerKey,
  Clock,
  DomainError,
  maskMiddle,
  type Page,
  type PageQuery,
  RequestContext,
  runIdempotent,
  transaction,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { withdrawalRules } from './domain/shares.js';
import { FundsService } from './funds.service.js';
import { memberView, type MemberView } from './domain/members.js';
import { MembersStore } from './store/members.store.js';
import { WithdrawalsStore, type WithdrawalRow } from './store/withdrawals.store.js';
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
  /** The day the share was paid back (its value date); defaults to today's business date, never after it. */
  withdrawnOn?: string;
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
    private readonly members: MembersStore = new MembersStore(),
    private readonly withdrawals: WithdrawalsStore = new WithdrawalsStore(),
  ) {}

  async listMembers(fundId: string, filter: MemberFilter, page: PageQuery): Promise<Page<MemberListItem>> {
    const fund = await this.funds.info(fundId);
    const m = this.dataSource.manager;
    const total = await this.members.count(m, fund.id, filter);
    const rows = await this.members.page(m, fund.id, filter, page);
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
    const withdrawnOn = input.withdrawnOn ?? today;
    if (withdrawnOn > today) {
      throw new DomainError('VALIDATION_FAILED', `withdrawnOn ${withdrawnOn} is after today (${today})`, [
        { field: 'withdrawnOn', code: 'DATE_IN_FUTURE', message: `may not be after today (${today})` },
      ]);
    }
    const actor = RequestContext.actor()?.username ?? 'system';
    const request = {
      fundId,
      householdId: input.householdId,
      amountFen: input.amountFen,
      reason: input.reason ?? null,
      withdrawnOn,
    };
    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(m, WITHDRAWAL_SCOPE, idempotencyKey, request, () =>
        // the rules (share lock) and the books read the withdrawal's own date, its value date
        this.record(m, fundId, input, idempotencyKey, withdrawnOn, actor),
      ),
    );
    return result;
  }

  private async record(
    m: EntityManager,
    fundId: string,
    input: WithdrawInput,
    idempotencyKey: string,
    withdrawnOn: string,
    actor: string,
  ): Promise<WithdrawalView> {
    const fund = await this.funds.lockFund(m, fundId);
    const member = /^\d{1,18}$/.test(input.householdId)
      ? await this.members.lock(m, fund.id, input.householdId)
      : undefined;
    // Loans are origination's rows; reading them here (no write) avoids a dependency cycle with that library.
    const outstandingLoans = await this.members.outstandingLoans(
      m,
      fund.id,
      member ? member.household_id : null,
    );
    const position = await this.funds.position(m, fund.id);
    const failures = withdrawalRules({
      amountFen: input.amountFen,
      today: withdrawnOn,
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

    const id = await this.withdrawals.nextId(m);
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `share-withdrawal:${id}`,
      code: 'MEMBER_SHARE_WITHDRAWAL',
      valueDate: withdrawnOn,
      memo: `household ${input.householdId} withdraws from its member share in fund ${fund.id}`,
      lines: [
        { account: fund.accounts.capital.MEMBER, side: 'DEBIT', amountFen: input.amountFen },
        { account: fund.accounts.cash, side: 'CREDIT', amountFen: input.amountFen },
      ],
    });
    const row = await this.withdrawals.insert(m, {
      id,
      fundId: fund.id,
      memberId: member!.id,
      householdId: member!.household_id,
      amountFen: input.amountFen,
      withdrawnOn,
      reason: input.reason ?? null,
      entryId,
      idempotencyKey: `${WITHDRAWAL_SCOPE}:${callerKey(idempotencyKey)}`,
      createdBy: actor,
    });
    const updated = await this.members.withdrawShare(m, member!.id, input.amountFen, withdrawnOn);
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
    const m = this.dataSource.manager;
    const total = await this.withdrawals.count(m, fund.id, filter);
    const rows = await this.withdrawals.page(m, fund.id, filter, page);
    return { items: rows.map(withdrawalView), page: page.page, pageSize: page.pageSize, total };
  }
}
