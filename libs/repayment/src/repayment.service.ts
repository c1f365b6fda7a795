import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  RequestContext,
  runIdempotent,
  together,
  transaction,
  type Page,
  type PageQuery,
} from '#libs/common';
import { FundsService, type FundAccountCodes } from '#libs/funds';
import { LedgerService, PostingRetry } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { ProductsService } from '#libs/products';
import { RepaymentConfig } from './config.js';
import { installmentBreakdown, recoveryLines, repaymentLines } from './domain/postings.js';
import {
  channelRefusal,
  isBackdated,
  overpaymentRefusal,
  paymentRefusals,
  recoveryRefusal,
  refused,
  replayDate,
  repaymentEvent,
} from './domain/repayment-rules.js';
import { frozenSchedule } from './domain/loan-state.js';
import {
  OverpaymentError,
  replay,
  resumeReplay,
  type ReplayCheckpoint,
  type ReplayPayment,
  type ReplayResult,
} from './domain/replay.js';
import { ENTRY_CODES, REPAYMENT_SCOPE } from './entry-codes.js';
import { termsOf } from './loan-terms.js';
import { refusal } from './refusal.js';
import { ReplayBookkeeping } from './replay-bookkeeping.service.js';
import { ReplayCheckpoints, summaryOf } from './replay-checkpoints.js';
import { RepaymentReversalService } from './repayment-reversal.service.js';
import { LoanStore } from '#libs/loans';
import { asInstallments, foundLoan, isGroupMember, isId, type LoanRow } from './store/loan.store.js';
import { RepaymentStore, type NewRepayment } from './store/repayment.store.js';
import { WriteOffStore } from './store/write-off.store.js';
import {
  loanAfter,
  repaymentView,
  type RepaymentChannel,
  type RepaymentKind,
  type RepaymentResult,
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

/** The row fields a repayment and a recovery share: the payment as recorded, by whom, under which key. */
function paymentRow(
  id: string,
  loan: LoanRow,
  input: RecordRepaymentInput,
  idempotencyKey: string,
  actor: string,
): Omit<NewRepayment, 'entryId'> {
  return {
    id,
    loanId: loan.id,
    fundId: loan.fund_id!,
    amountFen: input.amountFen,
    valueDate: input.valueDate,
    channel: input.channel,
    reference: input.reference ?? null,
    payerHouseholdId: input.payerHouseholdId ?? null,
    idempotencyKey,
    createdBy: actor,
  };
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
  /** This process's replay checkpoints (see ReplayCheckpoints): a plain field, so hand-built services get their own. */
  private readonly checkpoints = new ReplayCheckpoints();
  private readonly logger = new Logger(RepaymentService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly funds: FundsService,
    private readonly products: ProductsService,
    private readonly clock: Clock,
    private readonly config: RepaymentConfig,
    private readonly store: RepaymentStore,
    private readonly writeOffs: WriteOffStore,
    private readonly bookkeeping: ReplayBookkeeping,
    private readonly reversals: RepaymentReversalService,
    private readonly loans: LoanStore,
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
    // BEGIN goes out with the idempotency claim and the loan's locks and reads (one round trip fewer). The entry is
    // applied with COMMIT where it can be (see `apply`); when that meets what only the ordinary posting handles, the
    // transaction rolls back and runs once more with it.
    for (let atCommit = true; ; atCommit = false) {
      try {
        const { result } = await transaction(this.dataSource, (m) =>
          runIdempotent(
            m,
            REPAYMENT_SCOPE,
            idempotencyKey,
            request,
            (early) => this.apply(m, loanId, input, idempotencyKey, today, early, atCommit),
            // sent behind the idempotency claim, in the same round trip
            isId(loanId) ? () => this.lockAndRead(m, loanId) : undefined,
          ),
        );
        return result;
      } catch (e) {
        if (atCommit && e instanceof PostingRetry) {
          this.logger.warn({ loanId, reason: e.message }, 'repayment rolled back before COMMIT; running it again');
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * A repayment's locks and reads, in one round trip (`together`), in the lock order: the loan's fund shared, the loan
   * and its instalments locked, then its posted repayments read with the new repayment's id (a summary when this
   * process holds a checkpoint of the loan, else the list the full replay needs). The reads of a loan refused later
   * are wasted, and its locks end with the transaction.
   */
  private lockAndRead(m: EntityManager, loanId: string) {
    const summarised = this.checkpoints.has(loanId);
    return together(m, [
      () => this.funds.shareFundOfLoan(m, loanId),
      () => this.loans.lockWithInstallments(m, loanId),
      () =>
        summarised
          ? this.store.summaryWithNextId(m, loanId).then((s) => ({ ...s, payments: undefined }))
          : this.store.activePaymentsWithNextId(m, loanId).then((r) => ({ ...r, summary: undefined })),
    ]);
  }

  private async apply(
    m: EntityManager,
    loanId: string,
    input: RecordRepaymentInput,
    idempotencyKey: string,
    today: string,
    early: Awaited<ReturnType<RepaymentService['lockAndRead']>> | undefined,
    atCommit = false,
  ): Promise<RepaymentResult> {
    const actor = RequestContext.actor()?.username ?? 'system';
    // Fixed lock order: fund, loan, instalments (by number). A repayment only brings money in, so it shares the
    // fund row with other repayments (the loan row orders repayments of one loan) and still excludes every
    // operation that takes the fund exclusively. The fund is found from the loan and shared in one statement; a
    // loan without a fund (not found, covered) takes the refusal path below.
    // Locked and read with the idempotency claim (lockAndRead); nothing when the id cannot be a loan's.
    const [shared, prelocked, read] = early ?? [];
    const head = shared
      ? { loan_no: shared.loanNo, channel: shared.channel, fund_id: shared.fund.id }
      : foundLoan(await this.loans.find(m, loanId), loanId);
    const wrongChannel = channelRefusal({
      loanNo: head.loan_no,
      channel: head.channel as LoanRow['channel'],
      fundId: head.fund_id,
    });
    if (wrongChannel) throw refusal(refused('repayment refused', [wrongChannel]));
    // a loan without a fund share here was refused above: a fund is shared before its loan is locked, never after
    if (!shared) throw new Error(`loan ${loanId} passed the channel check without its fund`);
    const fund = shared.fund;
    const loan = foundLoan(prelocked?.loan, loanId);
    const rows = asInstallments(prelocked!.installments);

    const failures = paymentRefusals(
      {
        loanNo: loan.loan_no,
        channel: loan.channel,
        status: loan.status,
        fundId: loan.fund_id,
        householdId: loan.household_id,
        disbursementDate: loan.disbursement_date,
      },
      input,
      {
        today,
        backdateDays: this.config.REPAYMENT_BACKDATE_DAYS,
        hasInstallments: rows.length > 0,
        payerIsGroupMember: input.payerHouseholdId
          ? await isGroupMember(m, loan.group_id, input.payerHouseholdId)
          : false,
      },
    );
    if (failures.length) throw refusal(refused('repayment refused', failures));

    if (loan.status === 'WRITTEN_OFF')
      return this.recovery(m, loan, fund.accounts, await this.store.nextId(m), input, idempotencyKey, actor, today);

    const terms = await termsOf(m, this.products, loan);
    // What the posted repayments are (read above): when this process held a checkpoint of the loan, a summary of them
    // (their latest value date is all the two rules below need, and the summary names the list the checkpoint was
    // taken of); otherwise the list itself, which the full replay needs anyway. Either comes with the new id.
    let existing = read!.payments;
    const summary = read!.summary ?? summaryOf(existing!);
    const id = read!.nextId;
    const payment: ReplayPayment = { id, valueDate: input.valueDate, amountFen: input.amountFen };
    const latest: ReplayPayment[] = summary.lastValueDate
      ? [{ id: summary.lastId, valueDate: summary.lastValueDate, amountFen: 0n }]
      : [];
    // The loan is replayed to today (or to the later date its last close of business reached): its penalties and
    // ageing are current the moment the repayment is recorded, whatever its value date. Backdated or not, the
    // replay recomputes penalties and ageing from the value date; `corrections` says whether earlier splits moved.
    const asOf = replayDate(today, loan.aged_as_of, latest);
    const backdated = isBackdated(input.valueDate, today, latest);
    const schedule = frozenSchedule(rows);
    // Not backdated, the payment comes after every posted one: applied to the checkpoint of those when this process
    // holds it (the same result as replaying them all, and a cost that does not grow with the loan's history), else
    // the whole history is read and replayed.
    const from = backdated
      ? undefined
      : this.checkpoints.get(loan.id, ReplayCheckpoints.key(terms, schedule, summary));
    if (!from) existing ??= await this.store.activePayments(m, loan.id);
    let checkpoint: ReplayCheckpoint | undefined;
    let result: ReplayResult;
    try {
      result = from
        ? resumeReplay(terms, from, payment, asOf, (cp) => (checkpoint = cp))
        : replay(terms, schedule, [...existing!, payment], asOf, (cp) => (checkpoint = cp));
    } catch (e) {
      if (!(e instanceof OverpaymentError)) throw e;
      const earlier = existing ?? (await this.store.activePayments(m, loan.id));
      throw refusal(overpaymentRefusal(loan.loan_no, terms, schedule, earlier, payment, e));
    }
    if (checkpoint) {
      const key = ReplayCheckpoints.key(terms, schedule, ReplayCheckpoints.withPayment(summary, payment));
      this.checkpoints.set(loan.id, key, checkpoint);
    }
    const outcome = result.payments.find((p) => p.paymentId === id)!;
    // The loan's own rows first (locked above), then the ledger entry and the repayment's row, in one round trip
    // (the entry and the row are the last step of persistThen's batch).
    const entryKey = `repayment:${id}`;
    const entry = {
      idempotencyKey: entryKey,
      code: ENTRY_CODES.REPAYMENT,
      valueDate: input.valueDate,
      memo: `repayment of loan ${loan.loan_no} (value date ${input.valueDate}, ${input.channel})`,
      lines: repaymentLines(fund.accounts, input.amountFen, outcome),
    };
    // Not backdated, the entry is inserted here and its postings applied in the same write as COMMIT: the fund's
    // accounts, which every repayment of the fund posts to, are then locked by the transaction's last statements
    // alone, not through the work in between (LedgerService.postingAtCommit). Otherwise the ordinary posting.
    const applying = atCommit && !backdated ? await this.ledger.postingAtCommit(m, entry) : undefined;
    const posting = applying ? undefined : await this.ledger.posting(m, entry);
    const own = result.allocations.filter((a) => a.paymentId === id);
    const [after, [entryId, inserted]] = await this.bookkeeping.persistThen(m, loan, rows, result, actor, () => {
      const posted = applying ? applying.insert() : posting!().then((e) => e.entryId);
      // the repayment, its own allocation rows and the row as `get` answers it, in one statement right behind the
      // entry's (named by the entry's key); what the posting's answer calls for (a retry, the back-dated check) goes
      // out after both
      const row = this.store.insertWithAllocations(
        m,
        { ...paymentRow(id, loan, input, idempotencyKey, actor), entryKey },
        { ...outcome, backdated },
        own,
      );
      // a refused posting aborts the transaction, and the row's statement fails with it: the posting's refusal is
      // the one to answer
      row.catch(() => undefined);
      return posted.then(async (entry) => [entry, await row] as const);
    });
    // A repayment that is not backdated comes after every other one in the replay's order (value date, then id),
    // so it cannot change their splits: nothing to compare, and the cost stays flat as the loan's history grows.
    const corrections = backdated
      ? await this.bookkeeping.correct(
          m,
          loan,
          fund.accounts,
          result,
          [id],
          'BACKDATED_REPAYMENT',
          id,
          today,
          actor,
        )
      : [];
    await this.loans.recordEvent(m, {
      loanId: loan.id,
      event: repaymentEvent(outcome.payoff, backdated),
      fromStatus: loan.status,
      toStatus: after.status,
      actor,
      data: {
        repaymentId: id,
        amount: formatYuan(input.amountFen),
        valueDate: input.valueDate,
        principal: formatYuan(outcome.principalFen),
        interest: formatYuan(outcome.interestFen),
        penalty: formatYuan(outcome.penaltyFen),
        prepaidPrincipal: formatYuan(outcome.prepaidPrincipalFen),
        corrections: corrections.map((c) => c.adjustmentId),
      },
    });
    // corrections rewrite the splits of the other repayments only (this one's are its rows as inserted)
    const view = corrections.length ? await this.view(m, id) : repaymentView(inserted);
    const response: RepaymentResult = {
      ...view,
      loan: after,
      installments: installmentBreakdown(own).map((t) => ({
        number: t.number,
        principal: formatYuan(t.principalFen),
        interest: formatYuan(t.interestFen),
        penalty: formatYuan(t.penaltyFen),
      })),
      corrections,
    };
    await this.audit.record(m, {
      action: backdated ? 'BACKDATED_REPAYMENT_RECORDED' : 'REPAYMENT_RECORDED',
      entityType: 'repayment',
      entityId: id,
      after: response,
    });
    // the transaction's last statement, after runIdempotent's deferred appends and stored response: the postings
    applying?.applyWithCommit(entryId);
    return response;
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
    const wo = await this.writeOffs.lockOfLoan(m, loan.id);
    if (!wo) throw new Error(`written-off loan ${loan.id} has no write-off record`);
    const refusedRecovery = recoveryRefusal(
      loan.loan_no,
      {
        principalFen: BigInt(wo.principal_fen),
        interestFen: BigInt(wo.interest_fen),
        penaltyFen: BigInt(wo.penalty_fen),
        recoveredFen: BigInt(wo.recovered_fen),
        writtenOffOn: wo.written_off_on,
      },
      input.amountFen,
      input.valueDate,
    );
    if (refusedRecovery) throw refusal(refusedRecovery);
    const { entryId } = await this.ledger.post(m, {
      idempotencyKey: `repayment:${id}`,
      code: ENTRY_CODES.RECOVERY,
      valueDate: input.valueDate,
      memo: `recovery on written-off loan ${loan.loan_no}`,
      lines: recoveryLines(accounts, input.amountFen),
    });
    await this.store.insertRecovery(m, { ...paymentRow(id, loan, input, idempotencyKey, actor), entryId });
    await this.writeOffs.addRecovered(m, loan.id, input.amountFen);
    await this.loans.recordEvent(m, {
      loanId: loan.id,
      event: 'RECOVERY_RECEIVED',
      fromStatus: loan.status,
      toStatus: loan.status,
      actor,
      data: { repaymentId: id, amount: formatYuan(input.amountFen), valueDate: input.valueDate, today },
    });
    const view = await this.view(m, id);
    const response: RepaymentResult = {
      ...view,
      loan: loanAfter(foundLoan(await this.loans.find(m, loan.id), loan.id)),
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
  reverse(repaymentId: string, reason: string, idempotencyKey: string): Promise<RepaymentResult> {
    return this.reversals.reverse(repaymentId, reason, idempotencyKey);
  }

  async view(m: EntityManager | null, repaymentId: string): Promise<RepaymentView> {
    if (!isId(repaymentId)) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    const row = await this.store.get(m, repaymentId);
    if (!row) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    return repaymentView(row);
  }

  async get(repaymentId: string): Promise<RepaymentView> {
    return this.view(null, repaymentId);
  }

  async list(filter: RepaymentFilter, page: PageQuery): Promise<Page<RepaymentView>> {
    const { rows, total } = await this.store.list(filter, page);
    return { items: rows.map(repaymentView), page: page.page, pageSize: page.pageSize, total };
  }
}
