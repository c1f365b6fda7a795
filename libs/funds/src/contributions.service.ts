import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  callerKey,
  Clock,
  DomainError,
  type Page,
  type PageQuery,
  RequestContext,
  runIdempotent,
  transaction,
} from '#libs/common';
import { ContributionRegister, type ContributionRow } from '#libs/funding';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import type { CapitalSource } from './domain/accounts.js';
import { contributionInputErrors } from './domain/contributions.js';
import { FundsService } from './funds.service.js';
import { contributionRefusals } from './domain/fund.js';
import { memberView, type MemberView } from './domain/members.js';
import { refusal } from './refusal.js';
import { MembersStore } from './store/members.store.js';

export interface ContributeInput {
  source: CapitalSource;
  amountFen: Fen;
  /** Budget year of the money; defaults to the year it was received. */
  year?: number;
  /** Document date of the money's arrival; defaults to today's business date, never after it. */
  receivedOn?: string;
  documentRef?: string;
  householdId?: string;
  fiscalFunded?: boolean;
  soeName?: string;
  soeProfitBaseFen?: Fen;
}

export interface ContributionView {
  id: string;
  fundId: string;
  source: CapitalSource;
  amount: string;
  year: number;
  documentRef: string | null;
  receivedOn: string;
  householdId: string | null;
  fiscalFunded: boolean;
  soeName: string | null;
  soeProfitBase: string | null;
  entryId: string;
  createdBy: string;
  createdAt: string;
  /** The member's share after this contribution, for member and fiscal-funded shares. */
  member?: MemberView;
}

const view = (r: ContributionRow): ContributionView => ({
  id: String(r.id),
  fundId: String(r.target_id),
  source: r.source as CapitalSource,
  amount: formatYuan(BigInt(r.amount_fen)),
  year: r.year,
  documentRef: r.document_ref,
  receivedOn: r.received_on,
  householdId: r.household_id === null ? null : String(r.household_id),
  fiscalFunded: r.fiscal_funded,
  soeName: r.soe_name,
  soeProfitBase: r.soe_profit_base_fen === null ? null : formatYuan(BigInt(r.soe_profit_base_fen)),
  entryId: String(r.entry_id),
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/** A page of contributions with the sum of every contribution matching the filter (not only this page). */
export type ContributionPage = Page<ContributionView> & { totalAmount: string };

export interface ContributionFilter {
  source?: CapitalSource;
  year?: number;
  householdId?: string;
  fiscalFunded?: boolean;
  from?: string;
  to?: string;
}

/** Idempotency scope of contributions; the stored key in `contributions` carries it so other fund kinds never collide. */
export const CONTRIBUTION_SCOPE = 'mutual-aid-fund:contribution';

/**
 * Capital contributions to a village fund by source (SPEC §2.4), including member shares (入股) and fiscal-funded
 * base shares of poor households (配股). Each is one transaction: the contributions row, the ledger entry
 * CASH ↑ / CAPITAL:{source} ↑, the member register and the audit row.
 */
@Injectable()
export class ContributionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly funds: FundsService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly register: ContributionRegister = new ContributionRegister(),
    private readonly members: MembersStore = new MembersStore(),
  ) {}

  async contribute(
    fundId: string,
    input: ContributeInput,
    idempotencyKey: string,
  ): Promise<ContributionView> {
    return (await this.contributeIn(undefined, fundId, input, idempotencyKey)).result;
  }

  /**
   * A contribution in the caller's transaction when it gives one (a bulk import's), with whether its key had
   * already recorded it (`replayed`: nothing was written again).
   */
  async contributeIn(
    manager: EntityManager | undefined,
    fundId: string,
    input: ContributeInput,
    idempotencyKey: string,
  ): Promise<{ result: ContributionView; replayed: boolean }> {
    const today = this.clock.today();
    const receivedOn = input.receivedOn ?? today;
    const normalized = {
      source: input.source,
      amountFen: input.amountFen,
      year: input.year ?? Number(receivedOn.slice(0, 4)),
      receivedOn,
      documentRef: input.documentRef ?? null,
      householdId: input.householdId ?? null,
      fiscalFunded: input.fiscalFunded ?? false,
      soeName: input.soeName ?? null,
      soeProfitBaseFen: input.soeProfitBaseFen ?? null,
    };
    const shapeErrors = contributionInputErrors(normalized, today);
    if (shapeErrors.length) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `invalid contribution: ${[...new Set(shapeErrors.map((e) => e.field))].join(', ')}`,
        shapeErrors,
      );
    }
    // A loan officer takes members' own shares at the village; fiscal, SOE and donated money is the fund administrator's.
    const actor = RequestContext.actor();
    if (actor?.role === 'LOAN_OFFICER' && (normalized.source !== 'MEMBER' || normalized.fiscalFunded)) {
      throw new DomainError(
        'FORBIDDEN',
        'a loan officer records member shares only; other contributions are for a fund administrator',
      );
    }
    const run = (m: EntityManager) =>
      runIdempotent(m, CONTRIBUTION_SCOPE, idempotencyKey, { fundId, ...normalized }, () =>
        this.record(m, fundId, normalized, idempotencyKey, actor?.username ?? 'system'),
      );
    return manager ? run(manager) : transaction(this.dataSource, run);
  }

  private async record(
    m: EntityManager,
    fundId: string,
    c: {
      source: CapitalSource;
      amountFen: Fen;
      year: number;
      receivedOn: string;
      documentRef: string | null;
      householdId: string | null;
      fiscalFunded: boolean;
      soeName: string | null;
      soeProfitBaseFen: Fen | null;
    },
    idempotencyKey: string,
    actor: string,
  ): Promise<ContributionView> {
    // Lock order: the fund row, then the member row, then (inside post) the ledger accounts in id order.
    const fund = await this.funds.lockFund(m, fundId);
    const household =
      c.householdId && /^\d{1,18}$/.test(c.householdId)
        ? await this.members.household(m, c.householdId)
        : undefined;
    const errors = contributionRefusals(fund, c, household);
    if (errors.length) throw refusal('contribution refused', errors);

    const id = await this.register.reserveId(m);
    const accounts = fund.accounts;
    const share = c.householdId
      ? c.fiscalFunded
        ? 'fiscal-funded share (配股)'
        : 'member share (入股)'
      : null;
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `contribution:${id}`,
      code: 'FUND_CONTRIBUTION',
      // the day the money was received: capital is in the books from then on, whenever it was keyed in
      valueDate: c.receivedOn,
      memo: `${c.source} contribution to fund ${fund.id}${share ? `: ${share} of household ${c.householdId}` : ''}`,
      lines: [
        { account: accounts.cash, side: 'DEBIT', amountFen: c.amountFen },
        { account: accounts.capital[c.source], side: 'CREDIT', amountFen: c.amountFen },
      ],
    });
    const row = await this.register.record(m, {
      id,
      targetType: 'MUTUAL_AID_FUND',
      targetId: fund.id,
      districtId: fund.districtId,
      source: c.source,
      amountFen: c.amountFen,
      year: c.year,
      documentRef: c.documentRef,
      receivedOn: c.receivedOn,
      householdId: c.householdId,
      fiscalFunded: c.fiscalFunded,
      soeName: c.soeName,
      soeProfitBaseFen: c.soeProfitBaseFen,
      entryId,
      idempotencyKey: `${CONTRIBUTION_SCOPE}:${callerKey(idempotencyKey)}`,
      createdBy: actor,
    });
    const result = view(row);
    if (c.householdId) {
      result.member = await this.addShare(
        m,
        fund.id,
        c.householdId,
        c.fiscalFunded ? 0n : c.amountFen,
        c.fiscalFunded ? c.amountFen : 0n,
        c.receivedOn,
        fund.rules.shareLockMonths,
      );
    }
    await this.audit.record(m, {
      action: 'FUND_CONTRIBUTION_RECORDED',
      entityType: 'contribution',
      entityId: result.id,
      after: result,
    });
    return result;
  }

  /** Adds to a household's share, making it a member when it was not one (or had left). */
  private async addShare(
    m: EntityManager,
    fundId: string,
    householdId: string,
    paidFen: Fen,
    fiscalFen: Fen,
    receivedOn: string,
    shareLockMonths: number,
  ): Promise<MemberView> {
    const existing = await this.members.lock(m, fundId, householdId);
    const row = existing
      ? await this.members.addShare(m, existing.id, paidFen, fiscalFen, receivedOn)
      : await this.members.insert(m, fundId, householdId, receivedOn, paidFen, fiscalFen);
    const member = memberView(row, shareLockMonths);
    if (!existing || existing.status === 'LEFT') {
      await this.audit.record(m, {
        action: 'FUND_MEMBER_JOINED',
        entityType: 'fund_member',
        entityId: member.id,
        before: existing ? memberView(existing, shareLockMonths) : null,
        after: member,
      });
    }
    return member;
  }

  async list(fundId: string, filter: ContributionFilter, page: PageQuery): Promise<ContributionPage> {
    const fund = await this.funds.info(fundId);
    const { rows, total, sumFen } = await this.register.list(
      this.dataSource.manager,
      { targetType: 'MUTUAL_AID_FUND', targetId: fund.id, ...filter },
      page,
    );
    return {
      items: rows.map(view),
      page: page.page,
      pageSize: page.pageSize,
      total,
      totalAmount: formatYuan(sumFen),
    };
  }
}
