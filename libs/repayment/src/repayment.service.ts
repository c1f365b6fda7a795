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
  type ErrorCode,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { FundsService, type FundAccountCodes } from '#libs/funds';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { ProductsService } from '#libs/products';
import { skipPaidReminders } from '#libs/reminders';
import { ageSql, clearCallsSql } from './arrears-sql.js';
import { RepaymentConfig } from './config.js';
import { addDays, maxDate } from './domain/dates.js';
import {
  OverpaymentError,
  payoffOf,
  replay,
  totalsOf,
  type AllocationLine,
  type Component,
  type ReplayPayment,
  type ReplayResult,
} from './domain/replay.js';
import {
  activePayments,
  frozenSchedule,
  isId,
  loadInstallments,
  requireLoan,
  saveInstallments,
  termsOf,
  type InstallmentRow,
  type LoanRow,
} from './loan-store.js';
import {
  REPAYMENT_SELECT,
  repaymentView,
  type LoanAfterView,
  type RepaymentChannel,
  type RepaymentKind,
  type RepaymentResult,
  type RepaymentRow,
  type RepaymentStatus,
  type RepaymentView,
} from './views.js';

export interface RecordRepaymentInput {
  amountFen: Fen;
  valueDate: string;
  channel: RepaymentChannel;
  reference?: string;
  /** Who paid, when it is not the borrower (a co-obligor paying under group liability). */
  payerHouseholdId?: string;
}

export interface RepaymentFilter {
  loanId?: string;
  fundId?: string;
  kind?: RepaymentKind;
  status?: RepaymentStatus;
  channel?: RepaymentChannel;
  from?: string;
  to?: string;
}

/** Idempotency scopes (the Idempotency-Key header is unique within each). */
export const REPAYMENT_SCOPE = 'loan:repayment';
export const REVERSAL_SCOPE = 'loan:repayment-reversal';

/** Journal entry codes (why money moved). */
export const ENTRY_CODES = {
  REPAYMENT: 'LOAN_REPAYMENT',
  RECOVERY: 'LOAN_RECOVERY',
  REALLOCATION: 'REPAYMENT_REALLOCATION',
  REVERSAL: 'REVERSAL_OF_LOAN_REPAYMENT',
  RECOVERY_REVERSAL: 'REVERSAL_OF_LOAN_RECOVERY',
} as const;

const ACCOUNT_OF: Record<Component, keyof Pick<FundAccountCodes, 'loans' | 'feeIncome' | 'penaltyIncome'>> = {
  PRINCIPAL: 'loans',
  INTEREST: 'feeIncome',
  PENALTY: 'penaltyIncome',
};

const REPAYABLE_STATUSES = ['DISBURSED', 'CLOSED', 'WRITTEN_OFF'];

function refuse(what: string, failures: (FieldError & { code: ErrorCode })[]): DomainError {
  return new DomainError(failures[0].code, `${what}: ${failures.map((f) => f.message).join('; ')}`, failures);
}

/**
 * Repayments of mutual-aid loans (SPEC §2.1, issue 5). Accounting basis: cash. The usage fee (interest) and the
 * penalty are income when received, so a repayment posts one entry CASH ↑ / LOANS ↓ (principal), FEE_INCOME ↑
 * (usage fee), PENALTY_INCOME ↑ (penalty); nothing is accrued to INTEREST_RECEIVABLE. Repaid principal is back
 * in CASH at once, so the fund's available-to-lend figure rises by it in the same transaction (revolving).
 *
 * Each operation is one transaction: idempotency key, then locks in a fixed order (fund row, loan row, instalment
 * rows by number), the loan replayed from its frozen schedule with every repayment in value-date order (domain/
 * replay.ts), the entry, the rows, ageing, the loan's history and the audit row. Changes a backdated repayment or
 * a reversal makes to the split of other repayments are posted as a separate correction entry, never as edits.
 */
@Injectable()
export class RepaymentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly funds: FundsService,
    private readonly products: ProductsService,
    private readonly clock: Clock,
    private readonly config: RepaymentConfig,
  ) {}

  /** Records a repayment (a recovery on a written-off loan); a replay of the Idempotency-Key returns the first answer. */
  async record(
    loanId: string,
    input: RecordRepaymentInput,
    idempotencyKey: string,
  ): Promise<RepaymentResult> {
    const today = this.clock.today();
    const request = {
      loanId,
      amountFen: input.amountFen,
      valueDate: input.valueDate,
      channel: input.channel,
      reference: input.reference ?? null,
      payerHouseholdId: input.payerHouseholdId ?? null,
    };
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(m, REPAYMENT_SCOPE, idempotencyKey, request, () =>
        this.apply(m, loanId, input, idempotencyKey, today),
      ),
    );
    return result;
  }

  private async apply(
    m: EntityManager,
    loanId: string,
    input: RecordRepaymentInput,
    idempotencyKey: string,
    today: string,
  ): Promise<RepaymentResult> {
    const actor = RequestContext.actor()?.username ?? 'system';
    const head = await requireLoan(m, loanId);
    if (head.channel !== 'MUTUAL_AID' || head.fund_id === null) {
      throw refuse('repayment refused', [
        {
          field: 'loanId',
          code: 'LOAN_NOT_REPAYABLE',
          message: `loan ${head.loan_no} is a ${head.channel} loan: its repayments are recorded by the bank, not here`,
        },
      ]);
    }
    // Fixed lock order: fund, loan, instalments (by number).
    const fund = await this.funds.lockFund(m, head.fund_id);
    const loan = await requireLoan(m, loanId, true);
    const rows = await loadInstallments(m, loanId, true);

    const failures: (FieldError & { code: ErrorCode })[] = [];
    if (!REPAYABLE_STATUSES.includes(loan.status)) {
      failures.push({
        field: 'loanId',
        code: 'LOAN_NOT_REPAYABLE',
        message: `loan ${loan.loan_no} is ${loan.status}, not disbursed`,
      });
    }
    failures.push(...this.valueDateFailures(input.valueDate, today, loan.disbursement_date));
    if (input.channel === 'GROUP_LIABILITY' && !input.payerHouseholdId) {
      failures.push({
        field: 'payerHouseholdId',
        code: 'REPAYMENT_PAYER_INVALID',
        message: 'a GROUP_LIABILITY payment names the co-obligor who paid',
      });
    }
    if (input.payerHouseholdId) {
      const member = await queryOne<{ ok: boolean }>(
        m,
        `SELECT true AS ok FROM liability_group_members WHERE group_id = $1 AND household_id = $2`,
        [loan.group_id, isId(input.payerHouseholdId) ? input.payerHouseholdId : null],
      );
      if (!member && input.payerHouseholdId !== loan.household_id) {
        failures.push({
          field: 'payerHouseholdId',
          code: 'REPAYMENT_PAYER_INVALID',
          message: `household ${input.payerHouseholdId} is neither the borrower nor a member of the loan's joint-liability group`,
        });
      }
    }
    if (!rows.length && loan.status !== 'WRITTEN_OFF') {
      failures.push({
        field: 'loanId',
        code: 'LOAN_NOT_REPAYABLE',
        message: `loan ${loan.loan_no} has no instalments`,
      });
    }
    if (failures.length) throw refuse('repayment refused', failures);

    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('repayments', 'id'))::text AS id`,
    );
    if (loan.status === 'WRITTEN_OFF')
      return this.recovery(m, loan, fund.accounts, id, input, idempotencyKey, actor, today);

    const terms = await termsOf(m, this.products, loan);
    const existing = await activePayments(m, loan.id);
    const payment: ReplayPayment = { id, valueDate: input.valueDate, amountFen: input.amountFen };
    // The loan is replayed to today (or to the later date its last close of business reached): its penalties and
    // ageing are current the moment the repayment is recorded, whatever its value date.
    const asOf = existing.reduce((d, p) => maxDate(d, p.valueDate), maxDate(today, loan.aged_as_of ?? today));
    // Backdated: valued before the day it is entered, or before a repayment already entered. Either way the
    // replay recomputes penalties and ageing from the value date; `corrections` says whether earlier splits moved.
    const backdated = input.valueDate < today || existing.some((p) => p.valueDate > input.valueDate);
    const schedule = frozenSchedule(rows);
    let result: ReplayResult;
    try {
      result = replay(terms, schedule, [...existing, payment], asOf);
    } catch (e) {
      if (!(e instanceof OverpaymentError)) throw e;
      throw this.overpayment(loan, terms, schedule, existing, payment, e);
    }
    const outcome = result.payments.find((p) => p.paymentId === id)!;
    const lines: PostingLine[] = [{ account: fund.accounts.cash, side: 'DEBIT', amountFen: input.amountFen }];
    for (const [component, amount] of [
      ['PRINCIPAL', outcome.principalFen],
      ['INTEREST', outcome.interestFen],
      ['PENALTY', outcome.penaltyFen],
    ] as const) {
      if (amount > 0n)
        lines.push({ account: fund.accounts[ACCOUNT_OF[component]], side: 'CREDIT', amountFen: amount });
    }
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `repayment:${id}`,
      code: ENTRY_CODES.REPAYMENT,
      businessDate: input.valueDate,
      memo: `repayment of loan ${loan.loan_no} (value date ${input.valueDate}, ${input.channel})`,
      lines,
    });
    await m.query(
      `INSERT INTO repayments (id, loan_id, fund_id, kind, amount_fen, value_date, channel, reference, payer_household_id,
                               principal_fen, interest_fen, penalty_fen, prepaid_principal_fen, payoff, backdated, entry_id,
                               idempotency_key, created_by)
       VALUES ($1,$2,$3,'REPAYMENT',$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        id,
        loan.id,
        loan.fund_id,
        input.amountFen.toString(),
        input.valueDate,
        input.channel,
        input.reference ?? null,
        input.payerHouseholdId ?? null,
        outcome.principalFen.toString(),
        outcome.interestFen.toString(),
        outcome.penaltyFen.toString(),
        outcome.prepaidPrincipalFen.toString(),
        outcome.payoff,
        backdated,
        entryId,
        idempotencyKey,
        actor,
      ],
    );
    const own = result.allocations.filter((a) => a.paymentId === id);
    await this.insertAllocations(m, loan.id, own, null);
    const corrections = await this.correct(
      m,
      loan,
      fund.accounts,
      result,
      [id],
      'BACKDATED_REPAYMENT',
      id,
      today,
      actor,
    );
    const after = await this.persist(m, loan, rows, result, actor);
    await m.query(
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        loan.id,
        outcome.payoff ? 'PAID_OFF' : backdated ? 'BACKDATED_REPAYMENT_RECEIVED' : 'REPAYMENT_RECEIVED',
        loan.status,
        after.status,
        actor,
        JSON.stringify({
          repaymentId: id,
          amount: formatYuan(input.amountFen),
          valueDate: input.valueDate,
          principal: formatYuan(outcome.principalFen),
          interest: formatYuan(outcome.interestFen),
          penalty: formatYuan(outcome.penaltyFen),
          prepaidPrincipal: formatYuan(outcome.prepaidPrincipalFen),
          corrections: corrections.map((c) => c.adjustmentId),
        }),
      ],
    );
    const view = await this.view(m, id);
    const response: RepaymentResult = {
      ...view,
      loan: after,
      installments: own
        .map((a) => a.number)
        .filter((n, k, all) => all.indexOf(n) === k)
        .map((n) => {
          const t = totalsOf(own.filter((a) => a.number === n));
          return {
            number: n,
            principal: formatYuan(t.PRINCIPAL),
            interest: formatYuan(t.INTEREST),
            penalty: formatYuan(t.PENALTY),
          };
        }),
      corrections,
    };
    await this.audit.record(m, {
      action: backdated ? 'BACKDATED_REPAYMENT_RECORDED' : 'REPAYMENT_RECORDED',
      entityType: 'repayment',
      entityId: id,
      after: response,
    });
    return response;
  }

  /** A value date is not after today, not before the disbursement, and within the backdating window. */
  private valueDateFailures(
    valueDate: string,
    today: string,
    disbursedOn: string | null,
  ): (FieldError & { code: ErrorCode })[] {
    const out: (FieldError & { code: ErrorCode })[] = [];
    const code = 'REPAYMENT_VALUE_DATE_INVALID' as const;
    if (valueDate > today)
      out.push({
        field: 'valueDate',
        code,
        message: `the value date ${valueDate} is after today (${today})`,
      });
    const earliest = addDays(today, -this.config.REPAYMENT_BACKDATE_DAYS);
    if (valueDate < earliest) {
      out.push({
        field: 'valueDate',
        code,
        message: `the value date ${valueDate} is more than ${this.config.REPAYMENT_BACKDATE_DAYS} days back (earliest ${earliest})`,
      });
    }
    if (disbursedOn && valueDate < disbursedOn) {
      out.push({
        field: 'valueDate',
        code,
        message: `the value date ${valueDate} is before the disbursement on ${disbursedOn}`,
      });
    }
    return out;
  }

  private overpayment(
    loan: LoanRow,
    terms: Awaited<ReturnType<typeof termsOf>>,
    schedule: ReturnType<typeof frozenSchedule>,
    existing: ReplayPayment[],
    payment: ReplayPayment,
    e: OverpaymentError,
  ): DomainError {
    if (e.paymentId === payment.id) {
      const message = `the payment of ${formatYuan(payment.amountFen)} exceeds the payoff of ${formatYuan(e.payoffFen)} on ${payment.valueDate}`;
      return new DomainError(
        'OVERPAYMENT',
        `${message}: loan ${loan.loan_no} is closed by paying ${formatYuan(e.payoffFen)}; nothing is kept as credit`,
        [{ field: 'amount', code: 'OVERPAYMENT', message }],
        { payoff: formatYuan(e.payoffFen), valueDate: payment.valueDate },
      );
    }
    // A backdated payment that leaves a later repayment paying more than the loan then owes.
    const before = existing.filter((p) => p.valueDate <= payment.valueDate);
    const state = replay(terms, schedule, before, payment.valueDate).installments;
    const payoffFen = payoffOf(state, terms, payment.valueDate);
    const message =
      `with this payment on ${payment.valueDate} the later repayment ${e.paymentId} of ${formatYuan(e.amountFen)} on ${e.valueDate} ` +
      `would exceed that day's payoff of ${formatYuan(e.payoffFen)}; the payoff on ${payment.valueDate} before this payment is ${formatYuan(payoffFen)}`;
    return new DomainError('OVERPAYMENT', message, [{ field: 'amount', code: 'OVERPAYMENT', message }], {
      payoff: formatYuan(payoffFen),
      valueDate: payment.valueDate,
    });
  }

  /** A payment on a written-off loan: recovery income, up to what was still owed when it was written off. */
  private async recovery(
    m: EntityManager,
    loan: LoanRow,
    accounts: FundAccountCodes,
    id: string,
    input: RecordRepaymentInput,
    idempotencyKey: string,
    actor: string,
    today: string,
  ): Promise<RepaymentResult> {
    const wo = await queryOne<{
      id: string;
      principal_fen: string;
      interest_fen: string;
      penalty_fen: string;
      recovered_fen: string;
      written_off_on: string;
    }>(
      m,
      `SELECT id::text, principal_fen::text, interest_fen::text, penalty_fen::text, recovered_fen::text, written_off_on
         FROM write_offs WHERE loan_id = $1 FOR UPDATE`,
      [loan.id],
    );
    if (!wo) throw new Error(`written-off loan ${loan.id} has no write-off record`);
    const claim =
      BigInt(wo.principal_fen) + BigInt(wo.interest_fen) + BigInt(wo.penalty_fen) - BigInt(wo.recovered_fen);
    const failures: (FieldError & { code: ErrorCode })[] = [];
    if (input.valueDate < wo.written_off_on) {
      failures.push({
        field: 'valueDate',
        code: 'REPAYMENT_VALUE_DATE_INVALID',
        message: `loan ${loan.loan_no} was written off on ${wo.written_off_on}: a recovery cannot be valued before that`,
      });
    }
    if (input.amountFen > claim) {
      failures.push({
        field: 'amount',
        code: 'OVERPAYMENT',
        message: `the recovery of ${formatYuan(input.amountFen)} exceeds the ${formatYuan(claim)} still owed on written-off loan ${loan.loan_no}`,
      });
    }
    if (failures.length) {
      const e = refuse('recovery refused', failures);
      throw new DomainError(e.code, e.detail, e.errors, { payoff: formatYuan(claim < 0n ? 0n : claim) });
    }
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `repayment:${id}`,
      code: ENTRY_CODES.RECOVERY,
      businessDate: input.valueDate,
      memo: `recovery on written-off loan ${loan.loan_no}`,
      lines: [
        { account: accounts.cash, side: 'DEBIT', amountFen: input.amountFen },
        { account: accounts.recoveryIncome, side: 'CREDIT', amountFen: input.amountFen },
      ],
    });
    await m.query(
      `INSERT INTO repayments (id, loan_id, fund_id, kind, amount_fen, value_date, channel, reference, payer_household_id,
                               recovery_fen, entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,'RECOVERY',$4,$5,$6,$7,$8,$4,$9,$10,$11)`,
      [
        id,
        loan.id,
        loan.fund_id,
        input.amountFen.toString(),
        input.valueDate,
        input.channel,
        input.reference ?? null,
        input.payerHouseholdId ?? null,
        entryId,
        idempotencyKey,
        actor,
      ],
    );
    await m.query(`UPDATE write_offs SET recovered_fen = recovered_fen + $2 WHERE id = $1`, [
      wo.id,
      input.amountFen.toString(),
    ]);
    await m.query(
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, data) VALUES ($1, 'RECOVERY_RECEIVED', $2, $2, $3, $4::jsonb)`,
      [
        loan.id,
        loan.status,
        actor,
        JSON.stringify({
          repaymentId: id,
          amount: formatYuan(input.amountFen),
          valueDate: input.valueDate,
          today,
        }),
      ],
    );
    const view = await this.view(m, id);
    const response: RepaymentResult = {
      ...view,
      loan: loanAfter(await requireLoan(m, loan.id)),
      installments: [],
      corrections: [],
    };
    await this.audit.record(m, {
      action: 'RECOVERY_RECORDED',
      entityType: 'repayment',
      entityId: id,
      after: response,
    });
    return response;
  }

  /**
   * Reverses a repayment (FUND_ADMIN, with a reason): the mirror of its entry, the loan replayed without it (dues
   * restored, a closed loan reopened), and the changes this makes to later repayments' splits as a correction
   * entry. A repayment reverses once.
   */
  async reverse(repaymentId: string, reason: string, idempotencyKey: string): Promise<RepaymentResult> {
    const today = this.clock.today();
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(m, REVERSAL_SCOPE, idempotencyKey, { repaymentId, reason }, () =>
        this.doReverse(m, repaymentId, reason, today),
      ),
    );
    return result;
  }

  private async doReverse(
    m: EntityManager,
    repaymentId: string,
    reason: string,
    today: string,
  ): Promise<RepaymentResult> {
    const actor = RequestContext.actor()?.username ?? 'system';
    if (!isId(repaymentId)) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    const head = await queryOne<{ loan_id: string; fund_id: string }>(
      m,
      `SELECT loan_id::text, fund_id::text FROM repayments WHERE id = $1`,
      [repaymentId],
    );
    if (!head) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    const fund = await this.funds.lockFund(m, head.fund_id);
    const loan = await requireLoan(m, head.loan_id, true);
    const rows = await loadInstallments(m, loan.id, true);
    const [rep] = await queryRows<{
      id: string;
      kind: RepaymentKind;
      status: RepaymentStatus;
      entry_id: string;
      amount_fen: string;
      value_date: string;
      reversal_entry_id: string | null;
    }>(
      m,
      `SELECT id::text, kind, status, entry_id::text, amount_fen::text, value_date, reversal_entry_id::text FROM repayments WHERE id = $1 FOR UPDATE`,
      [repaymentId],
    );
    if (rep.status === 'REVERSED') {
      throw new DomainError(
        'REPAYMENT_ALREADY_REVERSED',
        `repayment ${repaymentId} was already reversed (entry ${rep.reversal_entry_id})`,
        [{ field: 'repaymentId', code: 'REPAYMENT_ALREADY_REVERSED', message: 'a repayment reverses once' }],
      );
    }
    if (rep.kind === 'REPAYMENT' && loan.status === 'WRITTEN_OFF') {
      throw refuse('reversal refused', [
        {
          field: 'repaymentId',
          code: 'REPAYMENT_NOT_REVERSIBLE',
          message: `loan ${loan.loan_no} was written off after this repayment: the write-off booked the balance as it stood`,
        },
      ]);
    }

    let result: ReplayResult | null = null;
    if (rep.kind === 'REPAYMENT') {
      const terms = await termsOf(m, this.products, loan);
      const remaining = (await activePayments(m, loan.id)).filter((p) => p.id !== rep.id);
      const asOf = remaining.reduce(
        (d, p) => maxDate(d, p.valueDate),
        maxDate(today, loan.aged_as_of ?? today),
      );
      result = replay(terms, frozenSchedule(rows), remaining, asOf);
      if (loan.status === 'CLOSED' && result.closedOn === null && loan.household_id) {
        // Reopening must not give the household two active loans (origination's one-active-loan rule).
        const other = await queryOne<{ loan_no: string }>(
          m,
          `SELECT loan_no FROM loans WHERE household_id = $1 AND id <> $2 AND channel = 'MUTUAL_AID'
              AND status IN ('SUBMITTED','GROUP_ENDORSED','APPROVED','IN_PUBLIC_NOTICE','DISBURSED')`,
          [loan.household_id, loan.id],
        );
        if (other) {
          throw refuse('reversal refused', [
            {
              field: 'repaymentId',
              code: 'REPAYMENT_NOT_REVERSIBLE',
              message: `reversing it would reopen loan ${loan.loan_no} while the household has active loan ${other.loan_no}`,
            },
          ]);
        }
      }
    }

    const mirror = await this.ledger.reverse(m, rep.entry_id, {
      idempotencyKey: `repayment-reversal:${rep.id}`,
      businessDate: today,
      memo: `reversal of repayment ${rep.id} of loan ${loan.loan_no}: ${reason}`,
      code: rep.kind === 'RECOVERY' ? ENTRY_CODES.RECOVERY_REVERSAL : ENTRY_CODES.REVERSAL,
    });
    await m.query(
      `UPDATE repayments SET status = 'REVERSED', reversed_on = $2, reversed_by = $3, reversal_reason = $4, reversal_entry_id = $5 WHERE id = $1`,
      [rep.id, today, actor, reason, mirror.entryId],
    );
    const corrections: { adjustmentId: string; entryId: string | null }[] = [];
    let after: LoanAfterView;
    if (rep.kind === 'RECOVERY') {
      await m.query(`UPDATE write_offs SET recovered_fen = recovered_fen - $2 WHERE loan_id = $1`, [
        loan.id,
        rep.amount_fen,
      ]);
      after = loanAfter(loan);
    } else {
      // The mirror entry undoes the split the repayment's own entry posted; record that as allocation rows too.
      const adjustmentId = await this.newAdjustment(
        m,
        loan.id,
        'REVERSAL',
        rep.id,
        mirror.entryId,
        today,
        actor,
      );
      await m.query(
        `INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen, adjustment_id)
         SELECT repayment_id, loan_id, installment_number, component, -amount_fen, $2
           FROM repayment_allocations WHERE repayment_id = $1 AND adjustment_id IS NULL ORDER BY id`,
        [rep.id, adjustmentId],
      );
      corrections.push({ adjustmentId, entryId: mirror.entryId });
      corrections.push(
        ...(await this.correct(m, loan, fund.accounts, result!, [], 'REVERSAL', rep.id, today, actor)),
      );
      after = await this.persist(m, loan, rows, result!, actor);
    }
    await m.query(
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason, data) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [
        loan.id,
        rep.kind === 'RECOVERY' ? 'RECOVERY_REVERSED' : 'REPAYMENT_REVERSED',
        loan.status,
        after.status,
        actor,
        reason,
        JSON.stringify({ repaymentId: rep.id, reversalEntryId: mirror.entryId }),
      ],
    );
    if (loan.status === 'CLOSED' && after.status === 'DISBURSED') {
      await m.query(
        `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason) VALUES ($1, 'LOAN_REOPENED', 'CLOSED', 'DISBURSED', $2, $3)`,
        [loan.id, actor, `repayment ${rep.id} reversed`],
      );
    }
    const view = await this.view(m, rep.id);
    const response: RepaymentResult = { ...view, loan: after, installments: [], corrections };
    await this.audit.record(m, {
      action: rep.kind === 'RECOVERY' ? 'RECOVERY_REVERSED' : 'REPAYMENT_REVERSED',
      entityType: 'repayment',
      entityId: rep.id,
      before: { status: 'POSTED' },
      after: { ...response, reason },
    });
    return response;
  }

  private async newAdjustment(
    m: EntityManager,
    loanId: string,
    cause: 'BACKDATED_REPAYMENT' | 'REVERSAL',
    causeRepaymentId: string,
    entryId: string | null,
    businessDate: string,
    actor: string,
  ): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO repayment_adjustments (loan_id, cause, cause_repayment_id, entry_id, business_date, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`,
      [loanId, cause, causeRepaymentId, entryId, businessDate, actor],
    );
    return row.id;
  }

  private async insertAllocations(
    m: EntityManager,
    loanId: string,
    lines: AllocationLine[],
    adjustmentId: string | null,
  ): Promise<void> {
    if (!lines.length) return;
    await m.query(
      `INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen, adjustment_id)
       SELECT r, $1, n, c, a, $6 FROM unnest($2::bigint[], $3::int[], $4::text[], $5::bigint[]) AS v(r, n, c, a)`,
      [
        loanId,
        lines.map((l) => l.paymentId),
        lines.map((l) => l.number),
        lines.map((l) => l.component),
        lines.map((l) => l.amountFen.toString()),
        adjustmentId,
      ],
    );
  }

  /**
   * Brings every other repayment's stored split to what the replay says (backdated repayment, reversal): the
   * differences per instalment and component become allocation rows of one adjustment, and their net per account
   * one correction entry (LOANS, FEE_INCOME, PENALTY_INCOME; cash never moves, so the entry balances by itself).
   */
  private async correct(
    m: EntityManager,
    loan: LoanRow,
    accounts: FundAccountCodes,
    result: ReplayResult,
    skip: string[],
    cause: 'BACKDATED_REPAYMENT' | 'REVERSAL',
    causeRepaymentId: string,
    today: string,
    actor: string,
  ): Promise<{ adjustmentId: string; entryId: string | null }[]> {
    const stored = await queryRows<{
      repayment_id: string;
      installment_number: number;
      component: Component;
      amount: string;
    }>(
      m,
      `SELECT repayment_id::text, installment_number, component, sum(amount_fen)::text AS amount
         FROM repayment_allocations WHERE loan_id = $1 AND NOT (repayment_id = ANY($2::bigint[]))
        GROUP BY 1, 2, 3`,
      [loan.id, skip],
    );
    const key = (r: string, n: number, c: string) => `${r}|${n}|${c}`;
    const delta = new Map<string, AllocationLine>();
    for (const s of stored) {
      delta.set(key(s.repayment_id, s.installment_number, s.component), {
        paymentId: s.repayment_id,
        number: s.installment_number,
        component: s.component,
        amountFen: -BigInt(s.amount),
      });
    }
    for (const a of result.allocations) {
      if (skip.includes(a.paymentId)) continue;
      const k = key(a.paymentId, a.number, a.component);
      const d = delta.get(k) ?? { ...a, amountFen: 0n };
      d.amountFen += a.amountFen;
      delta.set(k, d);
    }
    const changes = [...delta.values()].filter((d) => d.amountFen !== 0n);
    if (!changes.length) return [];
    const net = totalsOf(changes);
    const lines: PostingLine[] = [];
    for (const c of ['PRINCIPAL', 'INTEREST', 'PENALTY'] as const) {
      // More of a repayment applied to a component lowers that asset (LOANS) or raises that income: a credit.
      if (net[c] > 0n) lines.push({ account: accounts[ACCOUNT_OF[c]], side: 'CREDIT', amountFen: net[c] });
      if (net[c] < 0n) lines.push({ account: accounts[ACCOUNT_OF[c]], side: 'DEBIT', amountFen: -net[c] });
    }
    const [{ id: adjustmentId }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('repayment_adjustments', 'id'))::text AS id`,
    );
    let entryId: string | null = null;
    if (lines.length) {
      ({ entryId } = await this.ledger.post(m, {
        idempotencyKey: `repayment-adjustment:${adjustmentId}`,
        code: ENTRY_CODES.REALLOCATION,
        businessDate: today,
        memo: `loan ${loan.loan_no}: splits of earlier repayments corrected after ${cause === 'REVERSAL' ? 'the reversal of' : 'backdated'} repayment ${causeRepaymentId}`,
        lines,
      }));
    }
    await m.query(
      `INSERT INTO repayment_adjustments (id, loan_id, cause, cause_repayment_id, entry_id, business_date, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [adjustmentId, loan.id, cause, causeRepaymentId, entryId, today, actor],
    );
    await this.insertAllocations(m, loan.id, changes, adjustmentId);
    return [{ adjustmentId, entryId }];
  }

  /** Stores the replayed instalments and the loan's balance, status and ageing as of the replay's date. */
  private async persist(
    m: EntityManager,
    loan: LoanRow,
    rows: InstallmentRow[],
    result: ReplayResult,
    actor: string,
  ): Promise<LoanAfterView> {
    await saveInstallments(m, loan.id, rows, result.installments);
    // Reminders of the instalments this operation paid off are not sent: marked SKIPPED_PAID in this transaction
    // (a rollback leaves them waiting). A plain SQL helper of the reminders library, no dependency on its module.
    const paidNow = new Set(result.installments.filter((i) => i.status === 'PAID').map((i) => i.number));
    await skipPaidReminders(
      m,
      rows.filter((r) => r.status !== 'PAID' && paidNow.has(r.number)).map((r) => r.id),
    );
    const outstanding = result.installments.reduce((s, i) => s + (i.principalFen - i.paidPrincipalFen), 0n);
    const closed = result.closedOn !== null;
    await m.query(
      `UPDATE loans SET outstanding_principal_fen = $2, status = $3, closed_on = $4, version = version + 1, updated_at = now(),
                        days_overdue = CASE WHEN $3 = 'CLOSED' THEN 0 ELSE days_overdue END,
                        arrears_bucket = CASE WHEN $3 = 'CLOSED' THEN 'CURRENT' ELSE arrears_bucket END,
                        non_performing = CASE WHEN $3 = 'CLOSED' THEN false ELSE non_performing END,
                        aged_as_of = $5
        WHERE id = $1`,
      [loan.id, outstanding.toString(), closed ? 'CLOSED' : 'DISBURSED', result.closedOn, result.asOf],
    );
    if (!closed) await ageSql(m, result.asOf, [loan.id], actor);
    await clearCallsSql(m, result.asOf, [loan.id], actor);
    return loanAfter(await requireLoan(m, loan.id));
  }

  async view(m: EntityManager | null, repaymentId: string): Promise<RepaymentView> {
    if (!isId(repaymentId)) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    const row = await queryOne<RepaymentRow>(
      m ?? this.dataSource.manager,
      `${REPAYMENT_SELECT} WHERE r.id = $1`,
      [repaymentId],
    );
    if (!row) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    return repaymentView(row);
  }

  async get(repaymentId: string): Promise<RepaymentView> {
    return this.view(null, repaymentId);
  }

  async list(filter: RepaymentFilter, page: PageQuery): Promise<Page<RepaymentView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.loanId) where.push(`r.loan_id = $${params.push(filter.loanId)}`);
    if (filter.fundId) where.push(`r.fund_id = $${params.push(filter.fundId)}`);
    if (filter.kind) where.push(`r.kind = $${params.push(filter.kind)}`);
    if (filter.status) where.push(`r.status = $${params.push(filter.status)}`);
    if (filter.channel) where.push(`r.channel = $${params.push(filter.channel)}`);
    if (filter.from) where.push(`r.value_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`r.value_date <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM repayments r ${clause}`,
      params,
    );
    const rows = await queryRows<RepaymentRow>(
      m,
      `${REPAYMENT_SELECT} ${clause} ORDER BY r.value_date DESC, r.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(repaymentView), page: page.page, pageSize: page.pageSize, total };
  }
}

export function loanAfter(l: LoanRow): LoanAfterView {
  return {
    id: l.id,
    status: l.status,
    outstandingPrincipal: formatYuan(BigInt(l.outstanding_principal_fen)),
    daysOverdue: l.days_overdue,
    arrearsBucket: l.arrears_bucket,
    nonPerforming: l.non_performing,
    closedOn: l.closed_on,
  };
}
