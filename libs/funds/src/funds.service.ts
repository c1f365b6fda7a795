import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, isUniqueViolation, type Page, type PageQuery } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { FUND_OWNER_TYPE, fundAccounts, fundAccountSpecs, type FundAccountCodes } from './domain/accounts.js';
import {
  closingErrors,
  infoOf,
  positionAccounts,
  positionFacts,
  ruleColumnChanges,
  rulesOf,
  stripUndefined,
  type FundInfo,
  type FundStatus,
} from './domain/fund.js';
import { computePosition, type FundPosition } from './domain/position.js';
import { validateRules, type FundRules } from './domain/rules.js';
import { fundView, positionView, rulesView, type FundView, type PositionView } from './domain/views.js';
import { FundsStore, type FundListFilter } from './store/funds.store.js';
import { MembersStore } from './store/members.store.js';

export {
  FUND_STATUSES,
  infoOf,
  rulesOf,
  type FundInfo,
  type FundRow,
  type FundStatus,
} from './domain/fund.js';

export interface CreateFundInput {
  villageId: string;
  name?: string;
  rules?: Partial<FundRules>;
}

export type FundFilter = FundListFilter;

/**
 * Village mutual-aid funds (互助资金): creation with their ledger accounts, per-fund rules, the position computed
 * from ledger facts, and the service API origination and repayment use (lockFund, position, isMember).
 */
@Injectable()
export class FundsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly store: FundsStore = new FundsStore(),
    private readonly members: MembersStore = new MembersStore(),
  ) {}

  /** The account codes of a fund (the same as the exported `fundAccounts`). */
  fundAccounts(fundId: string | number | bigint): FundAccountCodes {
    return fundAccounts(fundId);
  }

  /**
   * Creates the village's fund and opens its ledger accounts in the same transaction: one fund per village
   * (409 otherwise). Rules not given take the column defaults (SPEC §2.1).
   */
  async create(input: CreateFundInput): Promise<FundView> {
    return this.dataSource.transaction(async (m) => {
      const village = await this.store.village(m, input.villageId);
      if (!village) {
        throw new DomainError('FUND_UNKNOWN_VILLAGE', `village ${input.villageId} does not exist`, [
          { field: 'villageId', code: 'UNKNOWN_VILLAGE', message: 'no such village' },
        ]);
      }
      const existing = await this.store.fundIdOfVillage(m, input.villageId);
      if (existing) throw this.villageHasFund(input.villageId, existing);

      const name = input.name ?? `${village.name}互助资金`;
      let row: { id: string };
      try {
        row = { id: await this.store.insert(m, input.villageId, name) };
      } catch (e) {
        // Two creations for one village raced past the check above: the unique index decides.
        if (isUniqueViolation(e)) throw this.villageHasFund(input.villageId);
        throw e;
      }
      if (input.rules && Object.keys(input.rules).length) {
        const current = rulesOf((await this.loadRow(m, row.id))!);
        await this.writeRules(m, row.id, current, { ...current, ...stripUndefined(input.rules) });
      }
      for (const spec of fundAccountSpecs(row.id, name)) {
        await this.ledger.openAccount(m, { ...spec, ownerType: FUND_OWNER_TYPE, ownerId: row.id });
      }
      const info = infoOf((await this.loadRow(m, row.id))!);
      await this.audit.record(m, {
        action: 'FUND_CREATED',
        entityType: 'mutual_aid_fund',
        entityId: info.id,
        after: { ...info, rules: rulesView(info.rules) },
      });
      return fundView(info, await this.position(m, info.id));
    });
  }

  private villageHasFund(villageId: string, fundId?: string): DomainError {
    return new DomainError(
      'FUND_VILLAGE_HAS_FUND',
      `village ${villageId} already has a mutual-aid fund${fundId ? ` (${fundId})` : ''}: one fund per village`,
      [{ field: 'villageId', code: 'VILLAGE_HAS_FUND', message: 'this village already has a fund' }],
      fundId ? { fundId } : {},
    );
  }

  private async loadRow(m: EntityManager, fundId: string, lock: boolean | 'share' = false) {
    if (!/^\d{1,18}$/.test(fundId)) return undefined;
    // Lock only the fund row (FOR UPDATE OF f), then read the village it belongs to.
    return this.store.find(m, fundId, lock);
  }

  /** A fund's identity, rules and account codes; 404 when it does not exist. */
  async info(fundId: string, manager?: EntityManager): Promise<FundInfo> {
    const row = await this.loadRow(manager ?? this.dataSource.manager, fundId);
    if (!row) throw new DomainError('NOT_FOUND', `mutual-aid fund ${fundId} not found`);
    return infoOf(row);
  }

  async get(fundId: string): Promise<FundView> {
    const info = await this.info(fundId);
    return fundView(info, await this.position(null, fundId));
  }

  /**
   * Locks the fund row (SELECT … FOR UPDATE) in the caller's transaction and returns its rules and account
   * codes. Every operation that can lower the fund's cash or capital or raise its loans (disbursement, share
   * withdrawal) takes this lock first, before any loan row or ledger account, so their cap and cash checks
   * see each other's results and can never together overdraw the fund.
   */
  async lockFund(manager: EntityManager, fundId: string): Promise<FundInfo> {
    const row = await this.loadRow(manager, fundId, true);
    if (!row) throw new DomainError('NOT_FOUND', `mutual-aid fund ${fundId} not found`);
    return infoOf(row);
  }

  /**
   * Takes the fund row FOR SHARE: for an operation that only raises the fund's cash and lowers its loans (a
   * repayment). Such operations do not exclude each other (the ledger orders their postings on the accounts they
   * share), but each still waits for, and holds off, every operation that takes `lockFund` (disbursement, share
   * withdrawal, fee distribution, reversal, write-off), so those keep seeing a fund no repayment is changing.
   * Same place in the lock order as `lockFund`: before any loan row or ledger account.
   */
  async shareFund(manager: EntityManager, fundId: string): Promise<FundInfo> {
    const row = await this.loadRow(manager, fundId, 'share');
    if (!row) throw new DomainError('NOT_FOUND', `mutual-aid fund ${fundId} not found`);
    return infoOf(row);
  }

  /**
   * `shareFund` of a loan's fund in the same statement as the read of the loan's number and channel (one round
   * trip instead of two on every repayment). Undefined when the loan does not exist or has no fund.
   */
  async shareFundOfLoan(
    manager: EntityManager,
    loanId: string,
  ): Promise<{ fund: FundInfo; loanNo: string; channel: string } | undefined> {
    if (!/^\d{1,18}$/.test(loanId)) return undefined;
    const row = await this.store.findShareOfLoan(manager, loanId);
    return row && { fund: infoOf(row), loanNo: row.loan_loan_no, channel: row.loan_channel };
  }

  /** The fund of a village, or null when the village has none. */
  async fundForVillage(villageId: string, manager?: EntityManager): Promise<FundInfo | null> {
    if (!/^\d{1,18}$/.test(villageId)) return null;
    const row = await this.store.findByVillage(manager ?? this.dataSource.manager, villageId);
    return row ? infoOf(row) : null;
  }

  /** An active member: holds a paid or fiscal-funded share in this fund (a household that withdrew all has left). */
  async isMember(manager: EntityManager | null, fundId: string, householdId: string): Promise<boolean> {
    if (!/^\d{1,18}$/.test(fundId) || !/^\d{1,18}$/.test(householdId)) return false;
    return this.members.isActiveMember(manager ?? this.dataSource.manager, fundId, householdId);
  }

  /**
   * The fund's position from ledger balances (facts), exact in bigint: capital by source, cash, loans, interest
   * receivable, lending cap and what is available to lend. Call it under `lockFund` to act on it.
   */
  async position(manager: EntityManager | null, fundId: string): Promise<FundPosition> {
    const m = manager ?? this.dataSource.manager;
    const info = await this.info(fundId, m);
    const [p] = await this.positions(m, [{ id: info.id, lendingCapPercent: info.rules.lendingCapPercent }]);
    return p;
  }

  /** The position as the API shows it (yuan strings). */
  async getPosition(fundId: string): Promise<PositionView> {
    return positionView(await this.position(null, fundId));
  }

  /** Positions of several funds with two queries (one for balances, one for member counts). */
  async positions(
    m: EntityManager,
    funds: { id: string; lendingCapPercent: string }[],
  ): Promise<FundPosition[]> {
    if (!funds.length) return [];
    const balances = await this.ledger.balances(
      m,
      funds.flatMap((f) => positionAccounts(f.id)),
    );
    const counts = await this.store.memberCounts(
      m,
      funds.map((f) => f.id),
    );
    const byFund = new Map(counts.map((c) => [c.fund_id, c]));
    return funds.map((f) => {
      const { facts, missing } = positionFacts(f.id, balances);
      // A fund without its accounts is corrupt, not empty: say so instead of reporting zeros.
      if (missing !== null)
        throw new DomainError(
          'LEDGER_ACCOUNT_NOT_FOUND',
          `ledger account ${missing} of fund ${f.id} is missing`,
        );
      const c = byFund.get(String(f.id));
      return computePosition(facts, f.lendingCapPercent, { all: c?.all ?? 0, poor: c?.poor ?? 0 });
    });
  }

  async list(filter: FundFilter, page: PageQuery): Promise<Page<FundView>> {
    const m = this.dataSource.manager;
    const total = await this.store.count(m, filter);
    const rows = await this.store.page(m, filter, page);
    const infos = rows.map(infoOf);
    const positions = await this.positions(
      m,
      infos.map((i) => ({ id: i.id, lendingCapPercent: i.rules.lendingCapPercent })),
    );
    return {
      items: infos.map((info, i) => fundView(info, positions[i])),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  /**
   * Changes some rules: the patch is merged into the stored rules under the fund lock, the whole set is checked
   * (every broken rule at once, 422), and the change is audited with before and after.
   */
  async updateRules(fundId: string, patch: Partial<FundRules>): Promise<FundView> {
    const changes = stripUndefined(patch);
    if (!Object.keys(changes).length) {
      throw new DomainError('VALIDATION_FAILED', 'no rule to change was given', [
        { field: 'body', message: 'give at least one rule' },
      ]);
    }
    return this.dataSource.transaction(async (m) => {
      const fund = await this.lockFund(m, fundId);
      if (fund.status === 'CLOSED')
        throw new DomainError('FUND_CLOSED', `fund ${fundId} is closed: its rules no longer change`);
      const after = { ...fund.rules, ...changes };
      await this.writeRules(m, fund.id, fund.rules, after);
      await this.audit.record(m, {
        action: 'FUND_RULES_CHANGED',
        entityType: 'mutual_aid_fund',
        entityId: fund.id,
        before: rulesView(fund.rules),
        after: rulesView(after),
      });
      const info = infoOf((await this.loadRow(m, fund.id))!);
      return fundView(info, await this.position(m, fund.id));
    });
  }

  private async writeRules(
    m: EntityManager,
    fundId: string,
    before: FundRules,
    after: FundRules,
  ): Promise<void> {
    const errors = validateRules(after);
    if (errors.length) {
      throw new DomainError(
        'FUND_RULES_INVALID',
        `the fund rules are invalid: ${errors.map((e) => e.field).join(', ')}`,
        errors,
      );
    }
    await this.store.updateRules(m, fundId, ruleColumnChanges(before, after));
  }

  /**
   * ACTIVE ⇄ SUSPENDED (a suspended fund lends nothing new: origination checks the status), and CLOSED once the
   * fund holds no money at all (every account at zero), since a closed fund can neither lend nor repay shares.
   */
  async updateStatus(fundId: string, status: FundStatus, reason: string): Promise<FundView> {
    return this.dataSource.transaction(async (m) => {
      const fund = await this.lockFund(m, fundId);
      if (fund.status === 'CLOSED') throw new DomainError('FUND_CLOSED', `fund ${fundId} is closed for good`);
      if (status === fund.status) return fundView(fund, await this.position(m, fund.id));
      if (status === 'CLOSED') {
        const nonZero = await this.store.nonZeroAccounts(m, FUND_OWNER_TYPE, fund.id);
        if (nonZero.length) {
          throw new DomainError(
            'FUND_NOT_EMPTY',
            `fund ${fundId} still holds money: settle every account before closing it`,
            closingErrors(nonZero),
          );
        }
      }
      await this.store.updateStatus(m, fund.id, status);
      await this.audit.record(m, {
        action: 'FUND_STATUS_CHANGED',
        entityType: 'mutual_aid_fund',
        entityId: fund.id,
        before: { status: fund.status },
        after: { status, reason },
      });
      const info = infoOf((await this.loadRow(m, fund.id))!);
      return fundView(info, await this.position(m, fund.id));
    });
  }
}
