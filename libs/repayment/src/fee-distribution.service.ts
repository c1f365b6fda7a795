import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  runIdempotent,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { FundsService, type FundAccountCodes } from '#libs/funds';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import {
  DISTRIBUTION_TARGETS,
  splitIncome,
  type DistributionPercents,
  type DistributionTarget,
} from './domain/distribution.js';

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

interface Row {
  id: string;
  fund_id: string;
  year: number;
  fee_income_fen: string;
  penalty_income_fen: string;
  recovery_income_fen: string;
  distributable_fen: string;
  capital_fen: string;
  risk_reserve_fen: string;
  public_welfare_fen: string;
  administration_fen: string;
  dividends_fen: string;
  write_off_charged_fen: string;
  percentages: DistributionPercents;
  entry_id: string | null;
  created_by: string;
  created_at: Date;
}

const y = (v: string) => formatYuan(BigInt(v));
const view = (r: Row): FeeDistributionView => ({
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

const SELECT = `SELECT id::text, fund_id::text, year, fee_income_fen::text, penalty_income_fen::text, recovery_income_fen::text,
  distributable_fen::text, capital_fen::text, risk_reserve_fen::text, public_welfare_fen::text, administration_fen::text,
  dividends_fen::text, write_off_charged_fen::text, percentages, entry_id::text, created_by, created_at FROM fee_distributions`;

const TARGET_ACCOUNT: Record<DistributionTarget, (a: FundAccountCodes) => string> = {
  CAPITAL: (a) => a.capitalAccumulated,
  RISK_RESERVE: (a) => a.riskReserve,
  PUBLIC_WELFARE: (a) => a.publicWelfare,
  ADMINISTRATION: (a) => a.administration,
  DIVIDENDS: (a) => a.dividendsPayable,
};

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
  ) {}

  async distribute(fundId: string, year: number, idempotencyKey: string): Promise<FeeDistributionView> {
    const today = this.clock.today();
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(m, FEE_DISTRIBUTION_SCOPE, idempotencyKey, { fundId, year }, () =>
        this.apply(m, fundId, year, idempotencyKey, today),
      ),
    );
    return result;
  }

  /** Normal-side balances of some accounts from the postings of entries dated up to `date`. */
  private async balancesAsOf(m: EntityManager, codes: string[], date: string): Promise<Map<string, Fen>> {
    const rows = await queryRows<{ code: string; balance: string }>(
      m,
      `SELECT a.code, coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END), 0)::text AS balance
         FROM ledger_accounts a
         LEFT JOIN ledger_postings p ON p.account_id = a.id
          AND p.entry_id IN (SELECT id FROM journal_entries WHERE business_date <= $2)
        WHERE a.code = ANY($1) GROUP BY a.code`,
      [codes, date],
    );
    return new Map(rows.map((r) => [r.code, BigInt(r.balance)]));
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
    const failures: (FieldError & { code: 'FEE_DISTRIBUTION_NOT_ALLOWED' })[] = [];
    const currentYear = Number(today.slice(0, 4));
    if (year >= currentYear) {
      failures.push({
        field: 'year',
        code: 'FEE_DISTRIBUTION_NOT_ALLOWED',
        message: `${year} has not ended (today is ${today})`,
      });
    }
    const existing = await queryOne<{ id: string }>(
      m,
      `SELECT id::text FROM fee_distributions WHERE fund_id = $1 AND year = $2`,
      [fund.id, year],
    );
    if (existing) {
      throw new DomainError(
        'FEE_DISTRIBUTION_EXISTS',
        `fund ${fund.id} already distributed its ${year} income (distribution ${existing.id})`,
        [{ field: 'year', code: 'FEE_DISTRIBUTION_EXISTS', message: `${year} was already distributed` }],
        { distributionId: existing.id },
      );
    }
    const a = fund.accounts;
    const yearEnd = `${year}-12-31`;
    const b = await this.balancesAsOf(
      m,
      [a.feeIncome, a.penaltyIncome, a.recoveryIncome, a.writeOffExpense],
      yearEnd,
    );
    const fee = b.get(a.feeIncome) ?? 0n;
    const penalty = b.get(a.penaltyIncome) ?? 0n;
    const recovery = b.get(a.recoveryIncome) ?? 0n;
    const writeOffs = b.get(a.writeOffExpense) ?? 0n;
    const distributable = fee + penalty + recovery;
    if (distributable < 0n) {
      failures.push({
        field: 'year',
        code: 'FEE_DISTRIBUTION_NOT_ALLOWED',
        message: `the income accounts hold ${formatYuan(distributable)} as of ${yearEnd}: nothing to distribute`,
      });
    }
    if (failures.length) {
      throw new DomainError(
        'FEE_DISTRIBUTION_NOT_ALLOWED',
        `fee distribution refused: ${failures.map((f) => f.message).join('; ')}`,
        failures,
      );
    }
    const r = fund.rules;
    const percents: DistributionPercents = {
      CAPITAL: r.feeCapitalPercent,
      RISK_RESERVE: r.feeRiskReservePercent,
      PUBLIC_WELFARE: r.feePublicWelfarePercent,
      ADMINISTRATION: r.feeAdministrationPercent,
      DIVIDENDS: r.feeDividendPercent,
    };
    const shares = splitIncome(distributable, percents);
    const lines: PostingLine[] = [];
    const close = (account: string, balance: Fen) => {
      if (balance > 0n) lines.push({ account, side: 'DEBIT', amountFen: balance });
      if (balance < 0n) lines.push({ account, side: 'CREDIT', amountFen: -balance });
    };
    close(a.feeIncome, fee);
    close(a.penaltyIncome, penalty);
    close(a.recoveryIncome, recovery);
    for (const t of DISTRIBUTION_TARGETS) {
      if (shares[t] > 0n) lines.push({ account: TARGET_ACCOUNT[t](a), side: 'CREDIT', amountFen: shares[t] });
    }
    // The reserve absorbs the write-offs: RISK_RESERVE ↓ / WRITE_OFF_EXPENSE ↓ (or the reverse for a net recovery).
    if (writeOffs > 0n) {
      lines.push({ account: a.riskReserve, side: 'DEBIT', amountFen: writeOffs });
      lines.push({ account: a.writeOffExpense, side: 'CREDIT', amountFen: writeOffs });
    } else if (writeOffs < 0n) {
      lines.push({ account: a.writeOffExpense, side: 'DEBIT', amountFen: -writeOffs });
      lines.push({ account: a.riskReserve, side: 'CREDIT', amountFen: -writeOffs });
    }
    let entryId: string | null = null;
    if (lines.length) {
      ({ entryId } = await this.ledger.post(m, {
        idempotencyKey: `fee-distribution:${fund.id}:${year}`,
        code: FEE_DISTRIBUTION_ENTRY_CODE,
        businessDate: yearEnd,
        memo: `${fund.name}: distribution of the ${year} income`,
        lines,
      }));
    }
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO fee_distributions (fund_id, year, fee_income_fen, penalty_income_fen, recovery_income_fen, distributable_fen,
         capital_fen, risk_reserve_fen, public_welfare_fen, administration_fen, dividends_fen, write_off_charged_fen, percentages,
         entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::jsonb,$14,$15,$16) RETURNING id::text`,
      [
        fund.id,
        year,
        fee.toString(),
        penalty.toString(),
        recovery.toString(),
        distributable.toString(),
        shares.CAPITAL.toString(),
        shares.RISK_RESERVE.toString(),
        shares.PUBLIC_WELFARE.toString(),
        shares.ADMINISTRATION.toString(),
        shares.DIVIDENDS.toString(),
        writeOffs.toString(),
        JSON.stringify(percents),
        entryId,
        idempotencyKey,
        actor,
      ],
    );
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
    const row = await queryOne<Row>(manager ?? this.dataSource.manager, `${SELECT} WHERE id = $1`, [id]);
    if (!row) throw new DomainError('NOT_FOUND', `fee distribution ${id} not found`);
    return view(row);
  }

  async list(
    fundId: string,
    filter: { fromYear?: number; toYear?: number },
    page: PageQuery,
  ): Promise<Page<FeeDistributionView>> {
    const fund = await this.funds.info(fundId);
    const where = ['fund_id = $1'];
    const params: unknown[] = [fund.id];
    if (filter.fromYear) where.push(`year >= $${params.push(filter.fromYear)}`);
    if (filter.toYear) where.push(`year <= $${params.push(filter.toYear)}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM fee_distributions ${clause}`,
      params,
    );
    const rows = await queryRows<Row>(
      m,
      `${SELECT} ${clause} ORDER BY year DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(view), page: page.page, pageSize: page.pageSize, total };
  }
}
