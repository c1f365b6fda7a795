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
  type Page,
  type PageQuery,
  ID_PATTERN,
} from '#libs/common';
import { FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { formatYuan } from '#libs/money';
import { ProductsService } from '#libs/products';
import { clearCallsSql } from './arrears-sql.js';
import { RepaymentConfig } from './config.js';
import { maxDate } from './domain/dates.js';
import { bucketOf, daysOverdueOf, replay } from './domain/replay.js';
import {
  activePayments,
  frozenSchedule,
  loadInstallments,
  requireLoan,
  saveInstallments,
  termsOf,
} from './loan-store.js';

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

interface WriteOffRow {
  id: string;
  loan_id: string;
  loan_no: string;
  fund_id: string;
  written_off_on: string;
  days_overdue: number;
  principal_fen: string;
  interest_fen: string;
  penalty_fen: string;
  recovered_fen: string;
  reason: string;
  entry_id: string;
  created_by: string;
  created_at: Date;
}

const SELECT = `
  SELECT w.id::text, w.loan_id::text, l.loan_no, w.fund_id::text, w.written_off_on, w.days_overdue, w.principal_fen::text,
         w.interest_fen::text, w.penalty_fen::text, w.recovered_fen::text, w.reason, w.entry_id::text, w.created_by, w.created_at
    FROM write_offs w JOIN loans l ON l.id = w.loan_id`;

function view(r: WriteOffRow): WriteOffView {
  const claim =
    BigInt(r.principal_fen) + BigInt(r.interest_fen) + BigInt(r.penalty_fen) - BigInt(r.recovered_fen);
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
  ) {}

  async writeOff(loanId: string, reason: string, idempotencyKey: string): Promise<WriteOffView> {
    const today = this.clock.today();
    const { result } = await this.dataSource.transaction((m) =>
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
    const head = await requireLoan(m, loanId);
    if (head.channel !== 'MUTUAL_AID' || head.fund_id === null) {
      throw new DomainError('WRITE_OFF_NOT_ALLOWED', `loan ${head.loan_no} is not a mutual-aid loan`, [
        {
          field: 'loanId',
          code: 'WRITE_OFF_NOT_ALLOWED',
          message: 'only mutual-aid loans are written off here',
        },
      ]);
    }
    const fund = await this.funds.lockFund(m, head.fund_id);
    const loan = await requireLoan(m, loanId, true);
    const rows = await loadInstallments(m, loan.id, true);
    if (loan.status !== 'DISBURSED') {
      throw new DomainError(
        'WRITE_OFF_NOT_ALLOWED',
        `loan ${loan.loan_no} is ${loan.status}: only an outstanding loan is written off`,
        [{ field: 'loanId', code: 'WRITE_OFF_NOT_ALLOWED', message: `the loan is ${loan.status}` }],
      );
    }
    // Days overdue as of today, whether or not the close of business has run yet.
    const terms = await termsOf(m, this.products, loan);
    const payments = await activePayments(m, loan.id);
    const asOf = payments.reduce((d, p) => maxDate(d, p.valueDate), maxDate(today, loan.aged_as_of ?? today));
    const result = replay(terms, frozenSchedule(rows), payments, asOf);
    const days = daysOverdueOf(result.installments, asOf);
    const min = this.config.WRITE_OFF_MIN_DAYS_OVERDUE;
    if (days < min) {
      throw new DomainError(
        'WRITE_OFF_NOT_ALLOWED',
        `loan ${loan.loan_no} is ${days} days overdue; a write-off needs ${min}`,
        [
          {
            field: 'loanId',
            code: 'WRITE_OFF_TOO_EARLY',
            message: `${days} days overdue, at least ${min} needed`,
          },
        ],
      );
    }
    let principal = 0n;
    let interest = 0n;
    let penalty = 0n;
    for (const i of result.installments) {
      principal += i.principalFen - i.paidPrincipalFen;
      if (i.dueDate <= asOf) interest += i.interestFen - i.paidInterestFen;
      penalty += i.penaltyFen - i.paidPenaltyFen;
    }
    if (principal === 0n) {
      throw new DomainError(
        'WRITE_OFF_NOT_ALLOWED',
        `loan ${loan.loan_no} has no principal outstanding: collect the usage fee instead`,
        [{ field: 'loanId', code: 'WRITE_OFF_NOTHING', message: 'no principal outstanding' }],
      );
    }
    await saveInstallments(m, loan.id, rows, result.installments);
    await m.query(
      `UPDATE loan_installments SET status = 'WRITTEN_OFF' WHERE loan_id = $1 AND status <> 'PAID'`,
      [loan.id],
    );
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `write-off:${loan.id}`,
      code: WRITE_OFF_ENTRY_CODE,
      businessDate: today,
      memo: `write-off of loan ${loan.loan_no} (${days} days overdue): ${reason}`,
      lines: [
        { account: fund.accounts.writeOffExpense, side: 'DEBIT', amountFen: principal },
        { account: fund.accounts.loans, side: 'CREDIT', amountFen: principal },
      ],
    });
    await m.query(
      `UPDATE loans SET status = 'WRITTEN_OFF', outstanding_principal_fen = 0, status_reason = $2, days_overdue = $3,
                        arrears_bucket = $4, non_performing = true, aged_as_of = $5, version = version + 1, updated_at = now()
        WHERE id = $1`,
      [loan.id, reason, days, bucketOf(days), asOf],
    );
    await clearCallsSql(m, today, [loan.id], actor);
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO write_offs (loan_id, fund_id, written_off_on, days_overdue, principal_fen, interest_fen, penalty_fen, reason,
                               entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id::text`,
      [
        loan.id,
        fund.id,
        today,
        days,
        principal.toString(),
        interest.toString(),
        penalty.toString(),
        reason,
        entryId,
        idempotencyKey,
        actor,
      ],
    );
    await m.query(
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason, data)
       VALUES ($1, 'WRITTEN_OFF', 'DISBURSED', 'WRITTEN_OFF', $2, $3, $4::jsonb)`,
      [
        loan.id,
        actor,
        reason,
        JSON.stringify({ writeOffId: id, principal: formatYuan(principal), daysOverdue: days }),
      ],
    );
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
    const row = await queryOne<WriteOffRow>(manager ?? this.dataSource.manager, `${SELECT} WHERE w.id = $1`, [
      id,
    ]);
    if (!row) throw new DomainError('NOT_FOUND', `write-off ${id} not found`);
    return view(row);
  }

  async list(filter: WriteOffFilter, page: PageQuery): Promise<Page<WriteOffView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.fundId) where.push(`w.fund_id = $${params.push(filter.fundId)}`);
    if (filter.from) where.push(`w.written_off_on >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`w.written_off_on <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM write_offs w ${clause}`,
      params,
    );
    const rows = await queryRows<WriteOffRow>(
      m,
      `${SELECT} ${clause} ORDER BY w.written_off_on DESC, w.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(view), page: page.page, pageSize: page.pageSize, total };
  }
}
