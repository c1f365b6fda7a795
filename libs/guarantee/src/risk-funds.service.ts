import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  callerKey,
  DomainError,
  isUniqueViolation,
  type Page,
  type PageQuery,
  runIdempotent,
} from '#libs/common';
import { ContributionRegister } from '#libs/funding';
import { LedgerService } from '#libs/ledger';
import { parseYuan, type Fen } from '#libs/money';
import { actorName, scopedBankId } from './bank-scope.js';
import { BreakerService } from './breaker.service.js';
import {
  RISK_FUND_OWNER_TYPE,
  riskFundAccountSpecs,
  riskFundCoverAccounts,
  riskFundMoneyAccounts,
} from './domain/accounts.js';
import type { LockedFund } from './domain/covers.js';
import { depositLines, interestLines, movementKey, withdrawalLines } from './domain/fund-entries.js';
import { withdrawalFactsOf, withdrawalProblems, withdrawalRefusalDetail } from './domain/leverage.js';
import {
  closeProblems,
  contributionYear,
  depositMemo,
  fundView,
  movementView,
  newFundTerms,
  positiveYuan,
  yuanOrZero,
  type MovementView,
  type RiskFundView,
} from './domain/risk-funds.js';
import type { DepositDto, InterestDto, RiskFundWithdrawalDto } from './dto.js';
import { GuaranteeService } from './guarantee.service.js';
import { CoversStore } from './store/covers.store.js';
import { RiskFundsStore } from './store/risk-funds.store.js';

export type { MovementView, RiskFundView } from './domain/risk-funds.js';

/**
 * District risk funds (风险补偿金): creation (with every ledger account opened), deposits by source, deposit
 * interest and withdrawals. Each movement is one transaction: idempotency key, fund lock, rules, the MONEY entry,
 * the EXPOSURE (cover) entry, the movement row (and for deposits the contributions row), the audit row.
 */
@Injectable()
export class RiskFundsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly guarantee: GuaranteeService,
    private readonly breaker: BreakerService,
    private readonly store: RiskFundsStore,
    private readonly covers: CoversStore,
    private readonly contributions: ContributionRegister,
  ) {}

  /** Risk funds are the district's business: a bank's actor is answered as if none existed. */
  private hideFromBanks(id: string): void {
    if (scopedBankId() !== null) throw new DomainError('NOT_FOUND', `risk fund ${id} not found`);
  }

  async create(input: {
    districtId: string;
    name?: string;
    minimumFund?: string;
    nplOverdueDays?: number;
  }): Promise<RiskFundView> {
    return this.dataSource.transaction(async (m) => {
      const district = await this.store.district(m, input.districtId);
      if (!district) {
        throw new DomainError('RISK_FUND_UNKNOWN_DISTRICT', `district ${input.districtId} does not exist`, [
          { field: 'districtId', code: 'RISK_FUND_UNKNOWN_DISTRICT', message: 'unknown district' },
        ]);
      }
      const terms = newFundTerms(input, district.name);
      let id: string;
      try {
        id = await this.store.insert(m, { districtId: input.districtId, ...terms, actor: actorName() });
      } catch (e) {
        if (isUniqueViolation(e)) {
          throw new DomainError(
            'RISK_FUND_DISTRICT_HAS_FUND',
            `district ${input.districtId} already has a risk fund`,
            [
              {
                field: 'districtId',
                code: 'RISK_FUND_DISTRICT_HAS_FUND',
                message: 'one risk fund per district',
              },
            ],
          );
        }
        throw e;
      }
      for (const spec of riskFundAccountSpecs(id, terms.name)) {
        await this.ledger.openAccount(m, { ...spec, ownerType: RISK_FUND_OWNER_TYPE, ownerId: id });
      }
      const view = await this.view(m, id);
      await this.audit.record(m, {
        action: 'RISK_FUND_CREATED',
        entityType: 'risk_fund',
        entityId: id,
        after: view,
      });
      return view;
    });
  }

  async view(manager: EntityManager | null, id: string): Promise<RiskFundView> {
    const row = await this.store.record(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `risk fund ${id} not found`);
    return fundView(row);
  }

  async get(id: string): Promise<RiskFundView> {
    this.hideFromBanks(id);
    return this.view(null, id);
  }

  async list(
    filter: { districtId?: string; status?: string; heavyTask?: boolean },
    page: PageQuery,
  ): Promise<Page<RiskFundView>> {
    const { rows, total } = await this.store.page(filter, page);
    return { items: rows.map(fundView), page: page.page, pageSize: page.pageSize, total };
  }

  async update(
    id: string,
    patch: { name?: string; minimumFund?: string; nplOverdueDays?: number; status?: 'CLOSED' },
  ): Promise<RiskFundView> {
    return this.dataSource.transaction(async (m) => {
      const fund = await this.guarantee.lockFund(m, id);
      const before = await this.view(m, id);
      if (patch.status === 'CLOSED' && before.status !== 'CLOSED') {
        const problems = closeProblems(before.balance, await this.covers.countOpen(m, id));
        if (problems.length)
          throw new DomainError(
            'FUND_NOT_EMPTY',
            'only an empty fund with no open covers can be closed',
            problems,
          );
      }
      await this.store.update(m, id, {
        name: patch.name ?? null,
        minimumFen: patch.minimumFund === undefined ? null : yuanOrZero(patch.minimumFund),
        nplOverdueDays: patch.nplOverdueDays ?? null,
        status: patch.status ?? null,
      });
      const after = await this.view(m, id);
      await this.audit.record(m, {
        action: 'RISK_FUND_UPDATED',
        entityType: 'risk_fund',
        entityId: id,
        before,
        after,
      });
      // The breaker counts a loan as non-performing beyond npl_overdue_days: a new line re-decides the district
      // now, in this transaction and under the fund lock taken above (as every change to its covered book does).
      if (patch.nplOverdueDays !== undefined && patch.nplOverdueDays !== fund.nplOverdueDays) {
        await this.breaker.evaluate(
          m,
          [fund.districtId],
          `risk fund ${id}: npl overdue days ${fund.nplOverdueDays} → ${patch.nplOverdueDays}`,
        );
      }
      return after;
    });
  }

  /** A movement's value date is when the money moved: today at the latest (the ledger refuses later ones too). */
  private notAfterToday(field: string, date: string): void {
    const today = this.guarantee.today();
    if (date > today) {
      throw new DomainError('VALIDATION_FAILED', `${field} ${date} is after today (${today})`, [
        { field, code: 'DATE_IN_FUTURE', message: `may not be after today (${today})` },
      ]);
    }
  }

  /** Fiscal money paid into the fund by a source: BALANCE ↑ / CAPITAL:{source} ↑, cover pool ↑, contribution row. */
  async deposit(
    fundId: string,
    dto: DepositDto,
    idempotencyKey: string,
  ): Promise<{ movement: MovementView; fund: RiskFundView; replayed: boolean }> {
    this.hideFromBanks(fundId);
    this.notAfterToday('receivedOn', dto.receivedOn);
    const amountFen = positiveYuan(dto.amount);
    const soeBase =
      dto.soeProfitBase === undefined ? null : (parseYuan(dto.soeProfitBase) as { fen: Fen }).fen;
    return this.movement(fundId, 'deposit', dto, idempotencyKey, async (m, fund, key) => {
      const { entryId } = await this.ledger.post(m, {
        idempotencyKey: key,
        code: 'RISK_FUND_DEPOSIT',
        valueDate: dto.receivedOn,
        memo: depositMemo(dto.source, dto.documentRef),
        lines: depositLines(fundId, dto.source, amountFen),
      });
      const coverEntryId = await this.guarantee.coverInflow(m, fundId, amountFen, {
        idempotencyKey: `${key}:cover`,
        code: 'RISK_FUND_DEPOSIT',
        valueDate: dto.receivedOn,
        memo: `cover for ${dto.source} deposit`,
      });
      const contribution = await this.contributions.record(m, {
        targetType: 'RISK_FUND',
        targetId: fundId,
        districtId: fund.districtId,
        source: dto.source,
        amountFen,
        year: contributionYear(dto.receivedOn),
        documentRef: dto.documentRef ?? null,
        receivedOn: dto.receivedOn,
        householdId: null,
        fiscalFunded: false,
        soeName: dto.soeName ?? null,
        soeProfitBaseFen: soeBase,
        entryId,
        idempotencyKey: key,
        createdBy: actorName(),
      });
      const contributionId = contribution.id;
      return this.recordMovement(m, fundId, {
        kind: 'DEPOSIT',
        source: dto.source,
        amountFen,
        businessDate: dto.receivedOn,
        documentRef: dto.documentRef,
        memo: dto.memo,
        contributionId,
        entryId,
        coverEntryId,
        key,
      });
    });
  }

  /** Deposit interest the bank credited: BALANCE ↑ / INTEREST_INCOME ↑; it backs loans like any other fund money. */
  async interest(
    fundId: string,
    dto: InterestDto,
    idempotencyKey: string,
  ): Promise<{ movement: MovementView; fund: RiskFundView; replayed: boolean }> {
    this.hideFromBanks(fundId);
    this.notAfterToday('date', dto.date);
    const amountFen = positiveYuan(dto.amount);
    return this.movement(fundId, 'interest', dto, idempotencyKey, async (m, _fund, key) => {
      const { entryId } = await this.ledger.post(m, {
        idempotencyKey: key,
        code: 'RISK_FUND_INTEREST',
        valueDate: dto.date,
        memo: dto.memo ?? 'deposit interest',
        lines: interestLines(fundId, amountFen),
      });
      const coverEntryId = await this.guarantee.coverInflow(m, fundId, amountFen, {
        idempotencyKey: `${key}:cover`,
        code: 'RISK_FUND_INTEREST',
        valueDate: dto.date,
        memo: 'cover for deposit interest',
      });
      return this.recordMovement(m, fundId, {
        kind: 'INTEREST',
        source: null,
        amountFen,
        businessDate: dto.date,
        memo: dto.memo,
        entryId,
        coverEntryId,
        key,
      });
    });
  }

  /**
   * Money returned to a source. Refused, with every reason at once, when the fund does not hold it, the source
   * did not put that much in, it would take money that backs covered loans (capacity < 0), or a heavy-task
   * district would fall below its minimum. The ledger's bounds (BALANCE, CAPITAL, cover AVAILABLE) back each rule.
   */
  async withdraw(
    fundId: string,
    dto: RiskFundWithdrawalDto,
    idempotencyKey: string,
  ): Promise<{ movement: MovementView; fund: RiskFundView; replayed: boolean }> {
    this.hideFromBanks(fundId);
    this.notAfterToday('date', dto.date);
    const amountFen = positiveYuan(dto.amount);
    return this.movement(fundId, 'withdrawal', dto, idempotencyKey, async (m, fund, key) => {
      const money = riskFundMoneyAccounts(fundId);
      const cover = riskFundCoverAccounts(fundId);
      const balances = await this.ledger.balances(m, [
        money.balance,
        money.capital[dto.source],
        cover.available,
      ]);
      const problems = withdrawalProblems(
        withdrawalFactsOf(
          balances,
          { balance: money.balance, sourceCapital: money.capital[dto.source], available: cover.available },
          { amountFen, source: dto.source },
          fund,
        ),
      );
      if (problems.length) {
        throw new DomainError(
          'RISK_FUND_WITHDRAWAL_REFUSED',
          withdrawalRefusalDetail(dto.amount, problems),
          problems,
        );
      }
      const { entryId } = await this.ledger.post(m, {
        idempotencyKey: key,
        code: 'RISK_FUND_WITHDRAWAL',
        valueDate: dto.date,
        memo: `returned to ${dto.source}: ${dto.reason}`,
        lines: withdrawalLines(fundId, dto.source, amountFen),
      });
      const coverEntryId = await this.guarantee.coverOutflow(
        m,
        fundId,
        amountFen,
        {
          idempotencyKey: `${key}:cover`,
          code: 'RISK_FUND_WITHDRAWAL',
          valueDate: dto.date,
          memo: `cover for withdrawal to ${dto.source}`,
        },
        { allowShortfall: false },
      );
      return this.recordMovement(m, fundId, {
        kind: 'WITHDRAWAL',
        source: dto.source,
        amountFen,
        businessDate: dto.date,
        documentRef: dto.documentRef,
        memo: dto.reason,
        entryId,
        coverEntryId,
        key,
      });
    });
  }

  async movements(
    fundId: string,
    filter: { kind?: string; source?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<Page<MovementView>> {
    this.hideFromBanks(fundId);
    await this.view(null, fundId);
    const { rows, total } = await this.store.movementsPage(fundId, filter, page);
    return { items: rows.map(movementView), page: page.page, pageSize: page.pageSize, total };
  }

  /**
   * The frame of every money movement: one transaction, the Idempotency-Key (a replay answers the first result and
   * posts nothing), the fund row locked first and checked active. `post` then checks its rules under the lock,
   * posts the MONEY and cover entries (their idempotency key `rf:{fund}:{operation}:{Idempotency-Key}` is given,
   * the cover entry's is that plus `:cover`) and records the movement; the fund is read back after it.
   */
  private movement(
    fundId: string,
    operation: 'deposit' | 'interest' | 'withdrawal',
    dto: object,
    idempotencyKey: string,
    post: (m: EntityManager, fund: LockedFund, key: string) => Promise<MovementView>,
  ): Promise<{ movement: MovementView; fund: RiskFundView; replayed: boolean }> {
    return this.dataSource.transaction(async (m) => {
      const { replayed, result } = await runIdempotent(
        m,
        `risk-fund:${fundId}:${operation}`,
        idempotencyKey,
        dto,
        async () => {
          const fund = await this.activeFund(m, fundId);
          const movement = await post(m, fund, movementKey(fundId, operation, callerKey(idempotencyKey)));
          return { movement, fund: await this.view(m, fundId) };
        },
      );
      return { ...result, replayed };
    });
  }

  private async activeFund(m: EntityManager, fundId: string): Promise<LockedFund> {
    const fund = await this.guarantee.lockFund(m, fundId);
    if (fund.status !== 'ACTIVE') throw new DomainError('RISK_FUND_CLOSED', `risk fund ${fundId} is closed`);
    return fund;
  }

  private async recordMovement(
    m: EntityManager,
    fundId: string,
    mv: {
      kind: string;
      source: string | null;
      amountFen: Fen;
      businessDate: string;
      documentRef?: string;
      memo?: string;
      contributionId?: string;
      entryId: string;
      coverEntryId: string;
      key: string;
    },
  ): Promise<MovementView> {
    const row = await this.store.insertMovement(m, fundId, {
      kind: mv.kind,
      source: mv.source,
      amountFen: mv.amountFen,
      businessDate: mv.businessDate,
      documentRef: mv.documentRef ?? null,
      memo: mv.memo ?? null,
      contributionId: mv.contributionId ?? null,
      entryId: mv.entryId,
      coverEntryId: mv.coverEntryId,
      key: mv.key,
      actor: actorName(),
    });
    const view = movementView(row);
    await this.audit.record(m, {
      action: `RISK_FUND_${mv.kind}`,
      entityType: 'risk_fund',
      entityId: fundId,
      after: view,
    });
    return view;
  }
}
