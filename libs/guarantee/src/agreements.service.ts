import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, isUniqueViolation, type Page, type PageQuery } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import { AGREEMENT_OWNER_TYPE, agreementAccountSpecs } from './domain/accounts.js';
import {
  agreementView,
  DEFAULT_TERMS,
  mergeTerms,
  partyProblems,
  terminationProblems,
  termProblems,
  termsOf,
  type AgreementView,
} from './domain/agreements.js';
import type { CreateAgreementDto, UpdateAgreementDto } from './dto.js';
import { BreakerService } from './breaker.service.js';
import { GuaranteeService } from './guarantee.service.js';
import { AgreementsStore } from './store/agreements.store.js';
import { BanksStore } from './store/banks.store.js';

export type { AgreementView } from './domain/agreements.js';

/**
 * Cooperation agreements (合作协议) between a district risk fund and a partner bank: leverage multiple (and a
 * lower one for entity loans), loss shares, compensation mode and trigger, NPL suspension threshold, validity.
 * One per fund and bank; its EXPOSURE accounts are opened with it. Changes apply to loans covered afterwards
 * (a cover keeps the multiple it was reserved at).
 */
@Injectable()
export class AgreementsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly guarantee: GuaranteeService,
    private readonly breaker: BreakerService,
    private readonly store: AgreementsStore,
    private readonly banks: BanksStore,
  ) {}

  /**
   * The district's breaker trips at the strictest threshold of its fund's active agreements, so creating,
   * editing or terminating one re-decides it (otherwise the recorded state would wait for the next loan event,
   * and registrations check the recorded state). Locks the fund first: fund → agreement, the order everywhere.
   */
  private async lockFundOf(m: EntityManager, agreementId: string) {
    const unlocked = await this.guarantee.agreementRow(m, agreementId);
    return this.guarantee.lockFund(m, unlocked.risk_fund_id);
  }

  async create(dto: CreateAgreementDto): Promise<AgreementView> {
    const terms = mergeTerms({ ...DEFAULT_TERMS, validFrom: dto.validFrom }, dto);
    return this.dataSource.transaction(async (m) => {
      const fund = await this.store.fundFacts(m, dto.riskFundId);
      const bank = await this.banks.brief(m, dto.bankId);
      const problems = [...termProblems(terms), ...partyProblems(fund, bank)];
      if (problems.length || !fund || !bank)
        throw new DomainError('AGREEMENT_INVALID', 'the agreement terms are invalid', problems);
      const locked = await this.guarantee.lockFund(m, fund.id);

      let id: string;
      try {
        id = await this.store.insert(m, {
          agreementNo: dto.agreementNo,
          riskFundId: dto.riskFundId,
          bankId: dto.bankId,
          terms,
          actor: actorName(),
        });
      } catch (e) {
        if (isUniqueViolation(e)) {
          // The violation aborted the transaction: tell the two keys apart by the constraint, not by a query.
          const sameNo = isUniqueViolation(e, 'guarantee_agreements_agreement_no_key');
          throw new DomainError(
            'AGREEMENT_EXISTS',
            sameNo
              ? `agreement number ${dto.agreementNo} is taken`
              : `bank ${bank.code} already has an agreement with risk fund ${dto.riskFundId}`,
            [
              sameNo
                ? { field: 'agreementNo', code: 'AGREEMENT_EXISTS', message: 'already exists' }
                : { field: 'bankId', code: 'AGREEMENT_EXISTS', message: 'one agreement per fund and bank' },
            ],
          );
        }
        throw e;
      }
      for (const spec of agreementAccountSpecs(id, `${fund.name} × ${bank.code} (${dto.agreementNo})`)) {
        await this.ledger.openAccount(m, { ...spec, ownerType: AGREEMENT_OWNER_TYPE, ownerId: id });
      }
      const created = await this.load(m, id);
      await this.audit.record(m, {
        action: 'AGREEMENT_CREATED',
        entityType: 'guarantee_agreement',
        entityId: id,
        after: created,
      });
      await this.breaker.evaluate(m, [locked.districtId], `agreement ${dto.agreementNo} created`);
      return created;
    });
  }

  async update(id: string, dto: UpdateAgreementDto): Promise<AgreementView> {
    return this.dataSource.transaction(async (m) => {
      const fund = await this.lockFundOf(m, id);
      const row = await this.guarantee.agreementRow(m, id, 'FOR UPDATE');
      const before = await this.load(m, id);
      if (before.status === 'TERMINATED')
        throw new DomainError('AGREEMENT_INVALID', `agreement ${id} is terminated`, [
          { field: 'status', code: 'AGREEMENT_INVALID', message: 'terminated agreements are not edited' },
        ]);
      const terms = mergeTerms(termsOf(before), dto);
      const problems = termProblems(terms);
      if (problems.length)
        throw new DomainError('AGREEMENT_INVALID', 'the agreement terms are invalid', problems);
      await this.store.updateTerms(m, id, terms, row.version);
      const after = await this.load(m, id);
      await this.audit.record(m, {
        action: 'AGREEMENT_UPDATED',
        entityType: 'guarantee_agreement',
        entityId: id,
        before,
        after,
      });
      await this.breaker.evaluate(m, [fund.districtId], `agreement ${row.agreement_no} updated`);
      return after;
    });
  }

  /**
   * Ends the agreement now: no new loans are covered under it. Loans already covered stay covered until they run
   * off; nothing is deleted, the record is history. A future end date is set with `validTo` instead, so the
   * status never claims something that has not happened yet.
   */
  async terminate(id: string, terminatedOn: string | undefined): Promise<AgreementView> {
    const today = this.guarantee.today();
    const on = terminatedOn ?? today;
    const future = terminationProblems(on, today);
    if (future.length)
      throw new DomainError('AGREEMENT_INVALID', 'termination cannot be in the future', future);
    return this.dataSource.transaction(async (m) => {
      const fund = await this.lockFundOf(m, id);
      const row = await this.guarantee.agreementRow(m, id, 'FOR UPDATE');
      const before = await this.load(m, id);
      if (before.status === 'TERMINATED') return before;
      await this.store.terminate(m, id, on);
      const after = await this.load(m, id);
      await this.audit.record(m, {
        action: 'AGREEMENT_TERMINATED',
        entityType: 'guarantee_agreement',
        entityId: id,
        before,
        after,
      });
      await this.breaker.evaluate(m, [fund.districtId], `agreement ${row.agreement_no} terminated`);
      return after;
    });
  }

  async get(id: string): Promise<AgreementView> {
    const a = await this.load(null, id);
    assertOwnBank(a.bankId, 'guarantee agreement', id);
    return a;
  }

  async list(
    filter: { riskFundId?: string; bankId?: string; districtId?: string; status?: string; activeOn?: string },
    page: PageQuery,
  ): Promise<Page<AgreementView>> {
    const { rows, total } = await this.store.page(filter, scopedBankId(), page);
    return { items: rows.map(agreementView), page: page.page, pageSize: page.pageSize, total };
  }

  private async load(manager: EntityManager | null, id: string): Promise<AgreementView> {
    const row = await this.store.joined(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `guarantee agreement ${id} not found`);
    return agreementView(row);
  }
}
