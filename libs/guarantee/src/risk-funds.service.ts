import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  isUniqueViolation,
  offsetOf,
  runIdempotent,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, parseYuan, type Fen } from '#libs/money';
import { actorName, scopedBankId } from './bank-scope.js';
import { BreakerService } from './breaker.service.js';
import {
  RISK_FUND_OWNER_TYPE,
  riskFundAccountSpecs,
  riskFundCoverAccounts,
  riskFundMoneyAccounts,
  RISK_FUND_SOURCES,
  type RiskFundSource,
} from './domain/accounts.js';
import { minimumShortfall, withdrawalProblems } from './domain/leverage.js';
import type { DepositDto, InterestDto, RiskFundWithdrawalDto } from './dto.js';
import type { LockedFund } from './domain/covers.js';
import { GuaranteeService } from './guarantee.service.js';

interface FundRow {
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

interface MovementRow {
  id: string;
  risk_fund_id: string;
  kind: string;
  source: string | null;
  amount_fen: string;
  business_date: string;
  document_ref: string | null;
  memo: string | null;
  contribution_id: string | null;
  entry_id: string;
  cover_entry_id: string;
  created_by: string;
  created_at: Date;
}

const movementView = (r: MovementRow): MovementView => ({
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

// Balances come from the ledger (the only truth about money), read beside the fund row.
const FUND_SQL = `
  SELECT rf.*, d.code AS district_code, d.name AS district_name, d.heavy_task,
         coalesce(bal.balance_fen, 0) AS balance_fen, cap.capital,
         coalesce(inc.balance_fen, 0) AS interest_fen, coalesce(comp.balance_fen, 0) AS compensation_fen,
         coalesce(rec.balance_fen, 0) AS recovery_fen, coalesce(av.balance_fen, 0) AS available_fen,
         coalesce(sf.balance_fen, 0) AS shortfall_fen
    FROM risk_funds rf
    JOIN districts d ON d.id = rf.district_id
    LEFT JOIN ledger_accounts bal ON bal.code = 'RF:' || rf.id || ':BALANCE'
    LEFT JOIN ledger_accounts inc ON inc.code = 'RF:' || rf.id || ':INTEREST_INCOME'
    LEFT JOIN ledger_accounts comp ON comp.code = 'RF:' || rf.id || ':COMPENSATION_EXPENSE'
    LEFT JOIN ledger_accounts rec ON rec.code = 'RF:' || rf.id || ':RECOVERY_INCOME'
    LEFT JOIN ledger_accounts av ON av.code = 'RF:' || rf.id || ':COVER:AVAILABLE'
    LEFT JOIN ledger_accounts sf ON sf.code = 'RF:' || rf.id || ':COVER:SHORTFALL'
    LEFT JOIN LATERAL (
      SELECT jsonb_object_agg(split_part(code, ':', 4), balance_fen::text) AS capital
        FROM ledger_accounts WHERE code LIKE 'RF:' || rf.id || ':CAPITAL:%') cap ON true`;

function fundView(r: FundRow): RiskFundView {
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

const DEFAULT_MINIMUM_FEN = 500_000_000n;

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
    const minimumFen =
      input.minimumFund === undefined
        ? DEFAULT_MINIMUM_FEN
        : (parseYuan(input.minimumFund, { allowZero: true }) as { fen: Fen }).fen;
    return this.dataSource.transaction(async (m) => {
      const [district] = (await m.query(`SELECT id, name FROM districts WHERE id = $1`, [
        input.districtId,
      ])) as { id: string; name: string }[];
      if (!district) {
        throw new DomainError('RISK_FUND_UNKNOWN_DISTRICT', `district ${input.districtId} does not exist`, [
          { field: 'districtId', code: 'RISK_FUND_UNKNOWN_DISTRICT', message: 'unknown district' },
        ]);
      }
      let id: string;
      try {
        const [row] = (await m.query(
          `INSERT INTO risk_funds (district_id, name, minimum_fund_fen, npl_overdue_days, created_by)
           VALUES ($1,$2,$3,$4,$5) RETURNING id`,
          [
            input.districtId,
            input.name ?? `${district.name} risk compensation fund`,
            minimumFen.toString(),
            input.nplOverdueDays ?? 90,
            actorName(),
          ],
        )) as { id: string }[];
        id = row.id;
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
      const name = input.name ?? `${district.name} risk compensation fund`;
      for (const spec of riskFundAccountSpecs(id, name)) {
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
    const [row] = (await (manager ?? this.dataSource.manager).query(`${FUND_SQL} WHERE rf.id = $1`, [
      id,
    ])) as FundRow[];
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
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`rf.district_id = $${params.push(filter.districtId)}`);
    if (filter.status) where.push(`rf.status = $${params.push(filter.status)}`);
    if (filter.heavyTask !== undefined) where.push(`d.heavy_task = $${params.push(filter.heavyTask)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM risk_funds rf JOIN districts d ON d.id = rf.district_id ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `${FUND_SQL} ${clause} ORDER BY rf.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as FundRow[];
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
        const [open] = (await m.query(
          `SELECT count(*)::int AS n FROM guarantee_covers WHERE risk_fund_id = $1 AND status IN ('PENDING','ACTIVE')`,
          [id],
        )) as { n: number }[];
        const problems = [];
        if (before.balance !== '0.00')
          problems.push({
            field: 'status',
            code: 'FUND_NOT_EMPTY',
            message: `the fund still holds ${before.balance}`,
          });
        if (open.n > 0)
          problems.push({
            field: 'status',
            code: 'FUND_NOT_EMPTY',
            message: `${open.n} covered loan(s) are still open`,
          });
        if (problems.length)
          throw new DomainError(
            'FUND_NOT_EMPTY',
            'only an empty fund with no open covers can be closed',
            problems,
          );
      }
      const minimum =
        patch.minimumFund === undefined
          ? null
          : (parseYuan(patch.minimumFund, { allowZero: true }) as { fen: Fen }).fen.toString();
      await m.query(
        `UPDATE risk_funds SET name = coalesce($2, name), minimum_fund_fen = coalesce($3::bigint, minimum_fund_fen),
                npl_overdue_days = coalesce($4, npl_overdue_days), status = coalesce($5, status),
                version = version + 1, updated_at = now()
          WHERE id = $1`,
        [id, patch.name ?? null, minimum, patch.nplOverdueDays ?? null, patch.status ?? null],
      );
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

  /** Fiscal money paid into the fund by a source: BALANCE ↑ / CAPITAL:{source} ↑, cover pool ↑, contribution row. */
  async deposit(
    fundId: string,
    dto: DepositDto,
    idempotencyKey: string,
  ): Promise<{ movement: MovementView; fund: RiskFundView; replayed: boolean }> {
    this.hideFromBanks(fundId);
    const amountFen = (parseYuan(dto.amount, { allowZero: false }) as { fen: Fen }).fen;
    const soeBase =
      dto.soeProfitBase === undefined ? null : (parseYuan(dto.soeProfitBase) as { fen: Fen }).fen.toString();
    return this.movement(fundId, 'deposit', dto, idempotencyKey, async (m, fund, key) => {
      const money = riskFundMoneyAccounts(fundId);
      const { entryId } = await this.ledger.post(m, {
        idempotencyKey: key,
        code: 'RISK_FUND_DEPOSIT',
        businessDate: dto.receivedOn,
        memo: `${dto.source} deposit${dto.documentRef ? ` (${dto.documentRef})` : ''}`,
        lines: [
          { account: money.balance, side: 'DEBIT', amountFen },
          { account: money.capital[dto.source], side: 'CREDIT', amountFen },
        ],
      });
      const coverEntryId = await this.guarantee.coverInflow(m, fundId, amountFen, {
        idempotencyKey: `${key}:cover`,
        code: 'RISK_FUND_DEPOSIT',
        businessDate: dto.receivedOn,
        memo: `cover for ${dto.source} deposit`,
      });
      const [contribution] = (await m.query(
        `INSERT INTO contributions (target_type, target_id, district_id, source, amount_fen, year, document_ref, received_on,
                                      soe_name, soe_profit_base_fen, entry_id, idempotency_key, created_by)
           VALUES ('RISK_FUND',$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`,
        [
          fundId,
          fund.districtId,
          dto.source,
          amountFen.toString(),
          Number(dto.receivedOn.slice(0, 4)),
          dto.documentRef ?? null,
          dto.receivedOn,
          dto.soeName ?? null,
          soeBase,
          entryId,
          key,
          actorName(),
        ],
      )) as { id: string }[];
      return this.recordMovement(m, fundId, {
        kind: 'DEPOSIT',
        source: dto.source,
        amountFen,
        businessDate: dto.receivedOn,
        documentRef: dto.documentRef,
        memo: dto.memo,
        contributionId: contribution.id,
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
    const amountFen = (parseYuan(dto.amount, { allowZero: false }) as { fen: Fen }).fen;
    return this.movement(fundId, 'interest', dto, idempotencyKey, async (m, _fund, key) => {
      const money = riskFundMoneyAccounts(fundId);
      const { entryId } = await this.ledger.post(m, {
        idempotencyKey: key,
        code: 'RISK_FUND_INTEREST',
        businessDate: dto.date,
        memo: dto.memo ?? 'deposit interest',
        lines: [
          { account: money.balance, side: 'DEBIT', amountFen },
          { account: money.interestIncome, side: 'CREDIT', amountFen },
        ],
      });
      const coverEntryId = await this.guarantee.coverInflow(m, fundId, amountFen, {
        idempotencyKey: `${key}:cover`,
        code: 'RISK_FUND_INTEREST',
        businessDate: dto.date,
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
    const amountFen = (parseYuan(dto.amount, { allowZero: false }) as { fen: Fen }).fen;
    return this.movement(fundId, 'withdrawal', dto, idempotencyKey, async (m, fund, key) => {
      const money = riskFundMoneyAccounts(fundId);
      const cover = riskFundCoverAccounts(fundId);
      const balances = await this.ledger.balances(m, [
        money.balance,
        money.capital[dto.source],
        cover.available,
      ]);
      const problems = withdrawalProblems({
        amountFen,
        balanceFen: balances.get(money.balance) ?? 0n,
        sourceCapitalFen: balances.get(money.capital[dto.source]) ?? 0n,
        source: dto.source,
        availableCoverFen: balances.get(cover.available) ?? 0n,
        heavyTask: fund.heavyTask,
        minimumFen: fund.minimumFen,
      });
      if (problems.length) {
        throw new DomainError(
          'RISK_FUND_WITHDRAWAL_REFUSED',
          `withdrawal of ${dto.amount} refused: ${problems.map((p) => p.code).join(', ')}`,
          problems,
        );
      }
      const { entryId } = await this.ledger.post(m, {
        idempotencyKey: key,
        code: 'RISK_FUND_WITHDRAWAL',
        businessDate: dto.date,
        memo: `returned to ${dto.source}: ${dto.reason}`,
        lines: [
          { account: money.capital[dto.source], side: 'DEBIT', amountFen },
          { account: money.balance, side: 'CREDIT', amountFen },
        ],
      });
      const coverEntryId = await this.guarantee.coverOutflow(
        m,
        fundId,
        amountFen,
        {
          idempotencyKey: `${key}:cover`,
          code: 'RISK_FUND_WITHDRAWAL',
          businessDate: dto.date,
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
    const params: unknown[] = [fundId];
    const where = ['risk_fund_id = $1'];
    if (filter.kind) where.push(`kind = $${params.push(filter.kind)}`);
    if (filter.source) where.push(`source = $${params.push(filter.source)}`);
    if (filter.from) where.push(`business_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`business_date <= $${params.push(filter.to)}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM risk_fund_movements ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM risk_fund_movements ${clause} ORDER BY business_date, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as MovementRow[];
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
          const movement = await post(m, fund, `rf:${fundId}:${operation}:${idempotencyKey}`);
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
    const [row] = (await m.query(
      `INSERT INTO risk_fund_movements (risk_fund_id, kind, source, amount_fen, business_date, document_ref, memo, contribution_id,
                                        entry_id, cover_entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING *`,
      [
        fundId,
        mv.kind,
        mv.source,
        mv.amountFen.toString(),
        mv.businessDate,
        mv.documentRef ?? null,
        mv.memo ?? null,
        mv.contributionId ?? null,
        mv.entryId,
        mv.coverEntryId,
        mv.key,
        actorName(),
      ],
    )) as MovementRow[];
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
