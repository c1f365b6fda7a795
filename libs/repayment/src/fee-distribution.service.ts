import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  type Page,
  type PageQuery,
  RequestContext,
  runIdempotent,
  transaction,
} from '#libs/common';
import { FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { formatYuan } from '#libs/money';
import {
  distributableOf,
  distributionLines,
  distributionRefusals,
  percentsOf,
  splitIncome,
  type DistributionPercents,
  type YearEndBalances,
} from './domain/distribution.js';
import { FeeDistributionStore, type FeeDistributionRow } from './store/fee-distribution.store.js';

export const FEE_DISTRIBUTION_SCOPE = 'fund:fee-distribution';
export const FEE_DISTRIBUTION_ENTRY_CODE = 'FEE_DISTRIBUTION';

export interface FeeDistributionView {
  id: string;
  fundId: string;
  year: number;
  income: { usageFee: string; penalty: string; recovery: string };
  distributable: string;
  shares: Record<'capital' | 'riskReserve' | 'publicWelfare' | 'administration' | 'dividends', string>;
  percentages: DistributionPercents;
  /** The year's write-off expense charged to the risk reserve. */
  writeOffsCharged: string;
  entryId: string | null;
  createdBy: string;
  createdAt: string;
}

const y = (v: string) => formatYuan(BigInt(v));
const view = (r: FeeDistributionRow): FeeDistributionView => ({
  id: r.id,
  fundId: r.fund_id,
  year: r.year,
  income: {
    usageFee: y(r.fee_income_fen),
    penalty: y(r.penalty_income_fen),
    recovery: y(r.recovery_income_fen),
  },
  distributable: y(r.distributable_fen),
  shares: {
    capital: y(r.capital_fen),
    riskReserve: y(r.risk_reserve_fen),
    publicWelfare: y(r.public_welfare_fen),
    administration: y(r.administration_fen),
    dividends: y(r.dividends_fen),
  },
  percentages: r.percentages,
  writeOffsCharged: y(r.write_off_charged_fen),
  entryId: r.entry_id,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Year-end distribution of a mutual-aid fund's income (SPEC §2.1: default 40 % capital accumulation, 20 % risk
 * reserve, 10 % public welfare, 30 % administration, 0 % dividends; each per fund). The distributable income is
 * what the usage-fee, penalty and recovery income accounts hold as of 31 December of the year (their balance from
 * postings dated up to then, which already nets earlier distributions); the entry closes them into the five
 * targets, and charges the write-off expense of the same date to the risk reserve. Dated 31 December, once per
 * fund and year (unique), after the year has ended.
 */
@Injectable()
export class FeeDistributionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly funds: FundsService,
    private readonly clock: Clock,
    private readonly store: FeeDistributionStore,
  ) {}

  async distribute(fundId: string, year: number, idempotencyKey: string): Promise<FeeDistributionView> {
    const today = this.clock.today();
    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(m, FEE_DISTRIBUTION_SCOPE, idempotencyKey, { fundId, year }, () =>
        this.apply(m, fundId, year, idempotencyKey, today),
      ),
    );
    return result;
  }

  private async apply(
    m: EntityManager,
    fundId: string,
    year: number,
    idempotencyKey: string,
    today: string,
  ): Promise<FeeDistributionView> {
    const actor = RequestContext.actor()?.username ?? 'system';
    const fund = await this.funds.lockFund(m, fundId);
    const existing = await this.store.existing(m, fund.id, year);
    if (existing) {
      throw new DomainError(
        'FEE_DISTRIBUTION_EXISTS',
        `fund ${fund.id} already distributed its ${year} income (distribution ${existing})`,
        [{ field: 'year', code: 'FEE_DISTRIBUTION_EXISTS', message: `${year} was already distributed` }],
        { distributionId: existing },
      );
    }
    const a = fund.accounts;
    const yearEnd = `${year}-12-31`;
    const b = await this.store.balancesAsOf(
      m,
      [a.feeIncome, a.penaltyIncome, a.recoveryIncome, a.writeOffExpense],
      yearEnd,
    );
    const balances: YearEndBalances = {
      feeFen: b.get(a.feeIncome) ?? 0n,
      penaltyFen: b.get(a.penaltyIncome) ?? 0n,
      recoveryFen: b.get(a.recoveryIncome) ?? 0n,
      writeOffsFen: b.get(a.writeOffExpense) ?? 0n,
    };
    const distributable = distributableOf(balances);
    const failures = distributionRefusals(year, today, distributable);
    if (failures.length) {
      throw new DomainError(
        'FEE_DISTRIBUTION_NOT_ALLOWED',
        `fee distribution refused: ${failures.map((f) => f.message).join('; ')}`,
        failures,
      );
    }
    const percents: DistributionPercents = percentsOf(fund.rules);
    const shares = splitIncome(distributable, percents);
    const lines = distributionLines(a, balances, shares);
    let entryId: string | null = null;
    if (lines.length) {
      ({ entryId } = await this.ledger.post(m, {
        idempotencyKey: `fee-distribution:${fund.id}:${year}`,
        code: FEE_DISTRIBUTION_ENTRY_CODE,
        valueDate: yearEnd,
        memo: `${fund.name}: distribution of the ${year} income`,
        lines,
      }));
    }
    const id = await this.store.insert(m, {
      fundId: fund.id,
      year,
      ...balances,
      distributableFen: distributable,
      shares,
      percents,
      entryId,
      idempotencyKey,
      createdBy: actor,
    });
    const out = await this.get(id, m);
    await this.audit.record(m, {
      action: 'FEE_DISTRIBUTED',
      entityType: 'mutual_aid_fund',
      entityId: fund.id,
      after: out,
    });
    return out;
  }

  async get(id: string, manager?: EntityManager): Promise<FeeDistributionView> {
    const row = await this.store.get(id, manager);
    if (!row) throw new DomainError('NOT_FOUND', `fee distribution ${id} not found`);
    return view(row);
  }

  async list(
    fundId: string,
    filter: { fromYear?: number; toYear?: number },
    page: PageQuery,
  ): Promise<Page<FeeDistributionView>> {
    const fund = await this.funds.info(fundId);
    const { rows, total } = await this.store.list(fund.id, filter, page);
    return { items: rows.map(view), page: page.page, pageSize: page.pageSize, total };
  }
}
