import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig, Clock, DomainError } from '#libs/common';
import { assertOwnBank, scopedBankId } from './bank-scope.js';
import {
  bankCapacity,
  fundCapacity,
  type BankCapacity,
  type FundCapacity,
  type FundSummary,
} from './domain/capacity.js';
import { AgreementsStore } from './store/agreements.store.js';
import { BanksStore } from './store/banks.store.js';
import { RiskFundsStore } from './store/risk-funds.store.js';

/**
 * The capacity views (GET …/capacity): one REPEATABLE READ snapshot, so the fund, its agreements and their
 * balances agree with each other, and one formula (domain/capacity.ts), the one reservations are bound by.
 */
@Injectable()
export class GuaranteeCapacityService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly funds: RiskFundsStore,
    private readonly agreements: AgreementsStore,
    private readonly banks: BanksStore,
  ) {}

  private today(): string {
    return this.clock.today(this.config.BUSINESS_TIMEZONE);
  }

  private snapshot<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', work);
  }

  private async summary(m: EntityManager, fundId: string): Promise<FundSummary> {
    const s = await this.funds.summary(m, fundId);
    if (!s) throw new DomainError('NOT_FOUND', `risk fund ${fundId} not found`);
    return s;
  }

  private async capacityOf(m: EntityManager, s: FundSummary, today: string): Promise<FundCapacity> {
    return fundCapacity(s, await this.agreements.balances(m, { riskFundId: s.id }), today);
  }

  async fundCapacity(fundId: string): Promise<FundCapacity> {
    if (scopedBankId() !== null) throw new DomainError('NOT_FOUND', `risk fund ${fundId} not found`);
    return this.snapshot(async (m) => this.capacityOf(m, await this.summary(m, fundId), this.today()));
  }

  async districtCapacity(districtId: string): Promise<FundCapacity> {
    return this.snapshot(async (m) => {
      const s = await this.funds.summaryOfDistrict(m, districtId);
      if (!s) {
        const d = await this.funds.district(m, districtId);
        throw new DomainError(
          'NOT_FOUND',
          d ? `district ${districtId} has no risk fund` : `district ${districtId} not found`,
        );
      }
      return this.capacityOf(m, s, this.today());
    });
  }

  /** A bank's capacity in every district it has an agreement with (each figure the fund view's figure). */
  async bankCapacity(bankId: string): Promise<BankCapacity> {
    assertOwnBank(bankId, 'bank', bankId);
    const today = this.today();
    return this.snapshot(async (m) => {
      const bank = await this.banks.brief(m, bankId);
      if (!bank) throw new DomainError('NOT_FOUND', `bank ${bankId} not found`);
      const rows = await this.agreements.balances(m, { bankId });
      const funds = new Map<string, FundCapacity>();
      for (const fundId of new Set(rows.map((r) => r.risk_fund_id))) {
        funds.set(fundId, await this.capacityOf(m, await this.summary(m, fundId), today));
      }
      return bankCapacity(bank, rows, (fundId) => funds.get(fundId)!, today);
    });
  }
}
