import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  ID_PATTERN,
  type Page,
  type PageQuery,
  RequestContext,
  runIdempotent,
  transaction,
} from '#libs/common';
import { FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { formatYuan } from '#libs/money';
import { ProductsService } from '#libs/products';
import { clearCallsSql } from './arrears-sql.js';
import { RepaymentConfig } from './config.js';
import { frozenSchedule } from './domain/loan-state.js';
import { claimOf, replayDate } from './domain/repayment-rules.js';
import { replay } from './domain/replay.js';
import {
  writeOffAmountRefusal,
  writeOffAmounts,
  writeOffChannelRefusal,
  writeOffEventData,
  writeOffLines,
  writeOffStatusRefusal,
} from './domain/write-off.js';
import { termsOf } from './loan-terms.js';
import { refusal } from './refusal.js';
import { LoanStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { asInstallments, foundLoan } from './store/loan.store.js';
import { RepaymentStore } from './store/repayment.store.js';
import { WriteOffStore, type WriteOffRow } from './store/write-off.store.js';

export const WRITE_OFF_SCOPE = 'loan:write-off';
export const WRITE_OFF_ENTRY_CODE = 'LOAN_WRITE_OFF';

export interface WriteOffView {
  id: string;
  loanId: string;
  loanNo: string;
  fundId: string;
  writtenOffOn: string;
  daysOverdue: number;
  principal: string;
  interest: string;
  penalty: string;
  recovered: string;
  /** Still owed by the borrower: what a recovery may bring in at most. */
  claimOutstanding: string;
  reason: string;
  entryId: string;
  createdBy: string;
  createdAt: string;
}

function view(r: WriteOffRow): WriteOffView {
  const claim = claimOf({
    principalFen: BigInt(r.principal_fen),
    interestFen: BigInt(r.interest_fen),
    penaltyFen: BigInt(r.penalty_fen),
    recoveredFen: BigInt(r.recovered_fen),
  });
  return {
    id: r.id,
    loanId: r.loan_id,
    loanNo: r.loan_no,
    fundId: r.fund_id,
    writtenOffOn: r.written_off_on,
    daysOverdue: r.days_overdue,
    principal: formatYuan(BigInt(r.principal_fen)),
    interest: formatYuan(BigInt(r.interest_fen)),
    penalty: formatYuan(BigInt(r.penalty_fen)),
    recovered: formatYuan(BigInt(r.recovered_fen)),
    claimOutstanding: formatYuan(claim),
    reason: r.reason,
    entryId: r.entry_id,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

export interface WriteOffFilter {
  fundId?: string;
  from?: string;
  to?: string;
}

/**
 * Write-off of a mutual-aid loan (FUND_ADMIN, with a reason) once it is WRITE_OFF_MIN_DAYS_OVERDUE (default 180)
 * days overdue. Accounting: the principal still outstanding leaves LOANS for WRITE_OFF_EXPENSE (LOANS ↓ /
 * WRITE_OFF_EXPENSE ↑); at the year end the fee distribution charges the year's write-off expense to the risk
 * reserve (RISK_RESERVE ↓ / WRITE_OFF_EXPENSE ↓), which is the reserve's purpose. Unpaid usage fee and penalty were
 * never income (cash basis), so nothing else is reversed; they stay on record as a claim, and later recoveries post
 * CASH ↑ / RECOVERY_INCOME ↑. The identity cash + outstanding + written off − income = capital keeps holding.
 */
@Injectable()
export class WriteOffService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly funds: FundsService,
    private readonly products: ProductsService,
    private readonly clock: Clock,
    private readonly config: RepaymentConfig,
    private readonly store: WriteOffStore,
    private readonly repayments: RepaymentStore,
    private readonly loans: LoanStore,
  ) {}

  async writeOff(loanId: string, reason: string, idempotencyKey: string): Promise<WriteOffView> {
    const today = this.clock.today();
    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(m, WRITE_OFF_SCOPE, idempotencyKey, { loanId, reason }, () =>
        this.apply(m, loanId, reason, idempotencyKey, today),
      ),
    );
    return result;
  }

  private async apply(
    m: EntityManager,
    loanId: string,
    reason: string,
    idempotencyKey: string,
    today: string,
  ): Promise<WriteOffView> {
    const actor = RequestContext.actor()?.username ?? 'system';
    const head = foundLoan(await this.loans.find(m, loanId), loanId);
    const wrongChannel = writeOffChannelRefusal({
      loanNo: head.loan_no,
      channel: head.channel,
      fundId: head.fund_id,
    });
    if (wrongChannel) throw refusal(wrongChannel);
    const fund = await this.funds.lockFund(m, head.fund_id!);
    const locked = await this.loans.lockWithInstallments(m, loanId);
    const loan = foundLoan(locked?.loan, loanId);
    const rows = asInstallments(locked!.installments);
    const wrongStatus = writeOffStatusRefusal({ loanNo: loan.loan_no, status: loan.status });
    if (wrongStatus) throw refusal(wrongStatus);
    // Days overdue as of today, whether or not the close of business has run yet.
    const terms = await termsOf(m, this.products, loan);
    const payments = await this.repayments.activePayments(m, loan.id);
    const asOf = replayDate(today, loan.aged_as_of, payments);
    const result = replay(terms, frozenSchedule(rows), payments, asOf);
    const amounts = writeOffAmounts(result.installments, asOf, STANDARD_BUCKET_LIMITS_DAYS);
    const notYet = writeOffAmountRefusal(loan.loan_no, amounts, this.config.WRITE_OFF_MIN_DAYS_OVERDUE);
    if (notYet) throw refusal(notYet);
    await this.loans.saveInstallments(m, loan.id, rows, result.installments);
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `write-off:${loan.id}`,
      code: WRITE_OFF_ENTRY_CODE,
      valueDate: today,
      memo: `write-off of loan ${loan.loan_no} (${amounts.daysOverdue} days overdue): ${reason}`,
      lines: writeOffLines(fund.accounts, amounts.principalFen),
    });
    await this.loans.writeOffInstallments(m, loan.id);
    await this.loans.update(m, loan.id, {
      status: 'WRITTEN_OFF',
      outstanding_principal_fen: 0n,
      status_reason: reason,
      days_overdue: amounts.daysOverdue,
      arrears_bucket: amounts.bucket,
      non_performing: true,
      aged_as_of: asOf,
    });
    await clearCallsSql(m, today, [loan.id], actor);
    const id = await this.store.insert(m, {
      loanId: loan.id,
      fundId: fund.id,
      writtenOffOn: today,
      daysOverdue: amounts.daysOverdue,
      principalFen: amounts.principalFen,
      interestFen: amounts.interestFen,
      penaltyFen: amounts.penaltyFen,
      reason,
      entryId,
      idempotencyKey,
      createdBy: actor,
    });
    await this.loans.recordEvent(m, {
      loanId: loan.id,
      event: 'WRITTEN_OFF',
      fromStatus: 'DISBURSED',
      toStatus: 'WRITTEN_OFF',
      actor,
      reason,
      data: writeOffEventData(id, amounts),
    });
    const out = await this.get(id, m);
    await this.audit.record(m, {
      action: 'LOAN_WRITTEN_OFF',
      entityType: 'loan',
      entityId: loan.id,
      after: out,
    });
    return out;
  }

  async get(id: string, manager?: EntityManager): Promise<WriteOffView> {
    if (!ID_PATTERN.test(id)) throw new DomainError('NOT_FOUND', `write-off ${id} not found`);
    const row = await this.store.get(id, manager);
    if (!row) throw new DomainError('NOT_FOUND', `write-off ${id} not found`);
    return view(row);
  }

  async list(filter: WriteOffFilter, page: PageQuery): Promise<Page<WriteOffView>> {
    const { rows, total } = await this.store.list(filter, page);
    return { items: rows.map(view), page: page.page, pageSize: page.pageSize, total };
  }
}
