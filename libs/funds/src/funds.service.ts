import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  isUniqueViolation,
  offsetOf,
  queryOne,
  queryRows,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import type { Fen } from '#libs/money';
import {
  CAPITAL_SOURCES,
  FUND_OWNER_TYPE,
  fundAccounts,
  fundAccountSpecs,
  type CapitalSource,
  type FundAccountCodes,
} from './domain/accounts.js';
import { computePosition, type FundPosition } from './domain/position.js';
import { normalizeDecimal, validateRules, type FundRules } from './domain/rules.js';
import { fundView, positionView, rulesView, type FundView, type PositionView } from './views.js';

export type FundStatus = 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
export const FUND_STATUSES: readonly FundStatus[] = ['ACTIVE', 'SUSPENDED', 'CLOSED'];

/** A fund as the other libraries see it: identity, rules and account codes. */
export interface FundInfo {
  id: string;
  villageId: string;
  villageCode: string;
  villageName: string;
  districtId: string;
  name: string;
  status: FundStatus;
  rules: FundRules;
  accounts: FundAccountCodes;
  createdAt: string;
  updatedAt: string;
}

export interface FundRow {
  id: string;
  village_id: string;
  village_code: string;
  village_name: string;
  district_id: string;
  name: string;
  status: FundStatus;
  lending_cap_percent: string;
  max_loan_fen: string;
  first_loan_max_fen: string;
  max_term_months: number;
  usage_fee_rate_percent: string;
  group_required: boolean;
  group_min_size: number;
  group_max_size: number;
  public_notice_days: number;
  second_approval_threshold_fen: string;
  share_lock_months: number;
  fee_capital_percent: string;
  fee_risk_reserve_percent: string;
  fee_public_welfare_percent: string;
  fee_administration_percent: string;
  fee_dividend_percent: string;
  created_at: Date;
  updated_at: Date;
}

/** Rule fields and the columns that hold them. */
const RULE_COLUMNS: Record<keyof FundRules, string> = {
  lendingCapPercent: 'lending_cap_percent',
  maxLoanFen: 'max_loan_fen',
  firstLoanMaxFen: 'first_loan_max_fen',
  maxTermMonths: 'max_term_months',
  usageFeeRatePercent: 'usage_fee_rate_percent',
  groupRequired: 'group_required',
  groupMinSize: 'group_min_size',
  groupMaxSize: 'group_max_size',
  publicNoticeDays: 'public_notice_days',
  secondApprovalThresholdFen: 'second_approval_threshold_fen',
  shareLockMonths: 'share_lock_months',
  feeCapitalPercent: 'fee_capital_percent',
  feeRiskReservePercent: 'fee_risk_reserve_percent',
  feePublicWelfarePercent: 'fee_public_welfare_percent',
  feeAdministrationPercent: 'fee_administration_percent',
  feeDividendPercent: 'fee_dividend_percent',
};

const FUND_SELECT = `
  SELECT f.*, v.code AS village_code, v.name AS village_name, v.district_id::text AS district_id
    FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id`;

export function rulesOf(r: FundRow): FundRules {
  return {
    lendingCapPercent: normalizeDecimal(r.lending_cap_percent),
    maxLoanFen: BigInt(r.max_loan_fen),
    firstLoanMaxFen: BigInt(r.first_loan_max_fen),
    maxTermMonths: r.max_term_months,
    usageFeeRatePercent: normalizeDecimal(r.usage_fee_rate_percent),
    groupRequired: r.group_required,
    groupMinSize: r.group_min_size,
    groupMaxSize: r.group_max_size,
    publicNoticeDays: r.public_notice_days,
    secondApprovalThresholdFen: BigInt(r.second_approval_threshold_fen),
    shareLockMonths: r.share_lock_months,
    feeCapitalPercent: normalizeDecimal(r.fee_capital_percent),
    feeRiskReservePercent: normalizeDecimal(r.fee_risk_reserve_percent),
    feePublicWelfarePercent: normalizeDecimal(r.fee_public_welfare_percent),
    feeAdministrationPercent: normalizeDecimal(r.fee_administration_percent),
    feeDividendPercent: normalizeDecimal(r.fee_dividend_percent),
  };
}

export function infoOf(r: FundRow): FundInfo {
  return {
    id: String(r.id),
    villageId: String(r.village_id),
    villageCode: r.village_code,
    villageName: r.village_name,
    districtId: String(r.district_id),
    name: r.name,
    status: r.status,
    rules: rulesOf(r),
    accounts: fundAccounts(r.id),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export interface CreateFundInput {
  villageId: string;
  name?: string;
  rules?: Partial<FundRules>;
}

export interface FundFilter {
  districtId?: string;
  villageId?: string;
  status?: FundStatus;
}

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
      const village = await queryOne<{ id: string; name: string }>(
        m,
        `SELECT id, name FROM villages WHERE id = $1`,
        [input.villageId],
      );
      if (!village) {
        throw new DomainError('FUND_UNKNOWN_VILLAGE', `village ${input.villageId} does not exist`, [
          { field: 'villageId', code: 'UNKNOWN_VILLAGE', message: 'no such village' },
        ]);
      }
      const existing = await queryOne<{ id: string }>(
        m,
        `SELECT id FROM mutual_aid_funds WHERE village_id = $1`,
        [input.villageId],
      );
      if (existing) throw this.villageHasFund(input.villageId, existing.id);

      const name = input.name ?? `${village.name}互助资金`;
      let row: { id: string };
      try {
        [row] = await queryRows<{ id: string }>(
          m,
          `INSERT INTO mutual_aid_funds (village_id, name) VALUES ($1, $2) RETURNING id`,
          [input.villageId, name],
        );
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

  private async loadRow(m: EntityManager, fundId: string, lock = false): Promise<FundRow | undefined> {
    if (!/^\d{1,18}$/.test(fundId)) return undefined;
    if (lock) {
      // Lock only the fund row (FOR UPDATE OF f), then read the village it belongs to.
      return queryOne<FundRow>(m, `${FUND_SELECT} WHERE f.id = $1 FOR UPDATE OF f`, [fundId]);
    }
    return queryOne<FundRow>(m, `${FUND_SELECT} WHERE f.id = $1`, [fundId]);
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

  /** The fund of a village, or null when the village has none. */
  async fundForVillage(villageId: string, manager?: EntityManager): Promise<FundInfo | null> {
    if (!/^\d{1,18}$/.test(villageId)) return null;
    const row = await queryOne<FundRow>(
      manager ?? this.dataSource.manager,
      `${FUND_SELECT} WHERE f.village_id = $1`,
      [villageId],
    );
    return row ? infoOf(row) : null;
  }

  /** An active member: holds a paid or fiscal-funded share in this fund (a household that withdrew all has left). */
  async isMember(manager: EntityManager | null, fundId: string, householdId: string): Promise<boolean> {
    if (!/^\d{1,18}$/.test(fundId) || !/^\d{1,18}$/.test(householdId)) return false;
    const row = await queryOne<{ ok: boolean }>(
      manager ?? this.dataSource.manager,
      `SELECT true AS ok FROM fund_members WHERE fund_id = $1 AND household_id = $2 AND status = 'ACTIVE'`,
      [fundId, householdId],
    );
    return Boolean(row);
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
    const codes = funds.flatMap((f) => {
      const a = fundAccounts(f.id);
      return [
        a.cash,
        a.loans,
        a.interestReceivable,
        a.capitalAccumulated,
        ...CAPITAL_SOURCES.map((s) => a.capital[s]),
      ];
    });
    const balances = await this.ledger.balances(m, codes);
    const counts = await queryRows<{ fund_id: string; all: number; poor: number }>(
      m,
      `SELECT fm.fund_id::text AS fund_id, count(*)::int AS all, (count(*) FILTER (WHERE h.status = 'POOR'))::int AS poor
         FROM fund_members fm JOIN households h ON h.id = fm.household_id
        WHERE fm.fund_id = ANY($1::bigint[]) AND fm.status = 'ACTIVE'
        GROUP BY fm.fund_id`,
      [funds.map((f) => f.id)],
    );
    const byFund = new Map(counts.map((c) => [c.fund_id, c]));
    return funds.map((f) => {
      const a = fundAccounts(f.id);
      const bal = (code: string): Fen => {
        const v = balances.get(code);
        // A fund without its accounts is corrupt, not empty: say so instead of reporting zeros.
        if (v === undefined)
          throw new DomainError(
            'LEDGER_ACCOUNT_NOT_FOUND',
            `ledger account ${code} of fund ${f.id} is missing`,
          );
        return v;
      };
      const capitalBySourceFen = Object.fromEntries(
        CAPITAL_SOURCES.map((s) => [s, bal(a.capital[s])]),
      ) as Record<CapitalSource, Fen>;
      const c = byFund.get(String(f.id));
      return computePosition(
        {
          cashFen: bal(a.cash),
          loansFen: bal(a.loans),
          interestReceivableFen: bal(a.interestReceivable),
          capitalBySourceFen,
          capitalAccumulatedFen: bal(a.capitalAccumulated),
        },
        f.lendingCapPercent,
        { all: c?.all ?? 0, poor: c?.poor ?? 0 },
      );
    });
  }

  async list(filter: FundFilter, page: PageQuery): Promise<Page<FundView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`f.village_id = $${params.push(filter.villageId)}`);
    if (filter.status) where.push(`f.status = $${params.push(filter.status)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id ${clause}`,
      params,
    );
    const rows = await queryRows<FundRow>(
      m,
      `${FUND_SELECT} ${clause} ORDER BY f.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
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
    const sets: string[] = [];
    const params: unknown[] = [fundId];
    for (const key of Object.keys(RULE_COLUMNS) as (keyof FundRules)[]) {
      if (before[key] === after[key]) continue;
      const value = after[key];
      sets.push(
        `${RULE_COLUMNS[key]} = $${params.push(typeof value === 'bigint' ? value.toString() : value)}`,
      );
    }
    if (!sets.length) return;
    await m.query(`UPDATE mutual_aid_funds SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
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
        const nonZero = await queryRows<{ code: string; balance_fen: string }>(
          m,
          `SELECT code, balance_fen FROM ledger_accounts WHERE owner_type = $1 AND owner_id = $2 AND balance_fen <> 0 ORDER BY code`,
          [FUND_OWNER_TYPE, fund.id],
        );
        if (nonZero.length) {
          throw new DomainError(
            'FUND_NOT_EMPTY',
            `fund ${fundId} still holds money: settle every account before closing it`,
            nonZero.map((a) => ({
              field: a.code,
              code: 'BALANCE_NOT_ZERO',
              message: `balance ${a.balance_fen} fen`,
            })),
          );
        }
      }
      await m.query(`UPDATE mutual_aid_funds SET status = $2, updated_at = now() WHERE id = $1`, [
        fund.id,
        status,
      ]);
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
