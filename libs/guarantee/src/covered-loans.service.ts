import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { assetIncomeLockViolation } from '#libs/asset-income';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  ERROR_STATUS,
  offsetOf,
  runIdempotent,
  type ErrorCode,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { EntitiesService, HouseholdsService } from '#libs/households';
import { formatYuan, yuan, type Fen } from '#libs/money';
import { ageOn, installmentCount, ProductsService, type ProductTerms } from '#libs/products';
import { skipPaidReminders } from '#libs/reminders';
import { bucketOf } from '#libs/repayment';
import { addDays, SchedulesService, type ScheduleRequest } from '#libs/schedules';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import { BreakerService } from './breaker.service.js';
import type { BulkReportRowDto, RegisterCoveredLoanDto } from './covered-dto.js';
import { GuaranteeService, type AgreementRow } from './guarantee.service.js';
import { updateReturning } from './store/sql.js';

/** A bank may register a loan it will disburse up to this many days ahead (the reservation holds capacity). */
export const MAX_DAYS_AHEAD = 60;

export interface CoveredLoanRow {
  id: string;
  loan_no: string;
  bank_id: string;
  bank_loan_ref: string;
  agreement_id: string;
  product_version_id: string;
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  household_id: string | null;
  entity_id: string | null;
  district_id: string;
  principal_fen: string;
  term_months: number;
  annual_rate_percent: string;
  purpose: string;
  status: string;
  disbursement_date: string;
  maturity_date: string | null;
  outstanding_principal_fen: string;
  days_overdue: number;
  arrears_bucket: string;
  non_performing: boolean;
  status_reported_on: string | null;
  status_reported_days: number | null;
  flags: string[];
  closed_on: string | null;
  status_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export function coveredLoanView(r: CoveredLoanRow) {
  return {
    id: r.id,
    loanNo: r.loan_no,
    bankId: r.bank_id,
    bankLoanRef: r.bank_loan_ref,
    agreementId: r.agreement_id,
    productVersionId: r.product_version_id,
    borrowerType: r.borrower_type,
    householdId: r.household_id,
    entityId: r.entity_id,
    districtId: r.district_id,
    principal: formatYuan(BigInt(r.principal_fen)),
    termMonths: r.term_months,
    annualRatePercent: r.annual_rate_percent.replace(/\.?0+$/, ''),
    purpose: r.purpose,
    status: r.status,
    disbursementDate: r.disbursement_date,
    maturityDate: r.maturity_date,
    outstandingPrincipal: formatYuan(BigInt(r.outstanding_principal_fen)),
    daysOverdue: r.days_overdue,
    arrearsBucket: r.arrears_bucket,
    nonPerforming: r.non_performing,
    /** the bank's latest status report (by as-of date), the basis the close of business ages the loan from */
    lastStatusReport:
      r.status_reported_on === null
        ? null
        : { asOf: r.status_reported_on, daysOverdue: r.status_reported_days },
    recoveryExhausted: r.flags.includes('RECOVERY_EXHAUSTED'),
    compensated: r.flags.includes('COMPENSATED'),
    closedOn: r.closed_on,
    statusReason: r.status_reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}
export type CoveredLoanView = ReturnType<typeof coveredLoanView>;

export interface RepaymentReport {
  paidOn: string;
  principalFen: Fen;
  interestFen: Fen;
}
export interface StatusReport {
  asOf: string;
  daysOverdue: number;
  recoveryExhausted?: boolean;
}

export interface BulkRowResult {
  row: number;
  bankLoanRef: string;
  kind: 'REPAYMENT' | 'STATUS';
  outcome: 'APPLIED' | 'REPLAYED' | 'FAILED';
  loan?: CoveredLoanView;
  error?: { code: string; status: number; detail: string; errors?: FieldError[] };
}

const COVERED_COLUMNS = `id, loan_no, bank_id, bank_loan_ref, agreement_id, product_version_id, borrower_type, household_id, entity_id,
  district_id, principal_fen, term_months, annual_rate_percent::text AS annual_rate_percent, purpose, status,
  to_char(disbursement_date, 'YYYY-MM-DD') AS disbursement_date, to_char(maturity_date, 'YYYY-MM-DD') AS maturity_date,
  outstanding_principal_fen, days_overdue, arrears_bucket, non_performing,
  to_char(status_reported_on, 'YYYY-MM-DD') AS status_reported_on, status_reported_days, flags, to_char(closed_on, 'YYYY-MM-DD') AS closed_on,
  status_reason, created_by, created_at, updated_at, version`;

/** The bank of the calling actor: covered loans are registered and reported by banks only. */
function ownBank(): string {
  const own = scopedBankId();
  if (own === null)
    throw new DomainError('FORBIDDEN', 'only a bank (its officer or API key) reports covered loans');
  return own;
}

const isUniqueViolation = (e: unknown, constraint: string) =>
  typeof e === 'object' &&
  e !== null &&
  (e as { code?: string }).code === '23505' &&
  (e as { constraint?: string }).constraint === constraint;

/**
 * Bank loans under a district guarantee fund (SPEC §2.2): registration with every rule checked at once, the
 * bank's confirmation or cancellation, and the repayments and overdue status the bank reports. The exposure memo
 * ledger follows every step through `GuaranteeService`; the district's circuit breaker is re-decided after every
 * change to its covered book.
 *
 * Lock order, everywhere: risk fund → loan → cover (in GuaranteeService) → ledger accounts.
 */
@Injectable()
export class CoveredLoansService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly guarantee: GuaranteeService,
    private readonly breaker: BreakerService,
    private readonly products: ProductsService,
    private readonly households: HouseholdsService,
    private readonly entities: EntitiesService,
    private readonly schedules: SchedulesService,
    private readonly audit: AuditService,
  ) {}

  today(): string {
    return this.guarantee.today();
  }

  // ─── registration ───────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Registers a loan under cover. Design choice: a loan whose disbursement date is today or earlier is
   * registered DISBURSED at once (reserve + consume in the same transaction: the bank has already paid out, there
   * is nothing to wait for); a later date (≤ MAX_DAYS_AHEAD) leaves it APPROVED with its cover reserved until the
   * bank confirms the payout (`confirmDisbursement`) or cancels (`cancel`, which voids the reservation).
   */
  async register(input: RegisterCoveredLoanDto, idempotencyKey: string) {
    const bankId = ownBank();
    const today = this.today();
    const badDate: FieldError[] = [];
    if (input.disbursementDate > addDays(today, MAX_DAYS_AHEAD))
      badDate.push({
        field: 'disbursementDate',
        code: 'INVALID',
        message: `at most ${MAX_DAYS_AHEAD} days ahead of today (${today})`,
      });
    if (badDate.length) throw new DomainError('VALIDATION_FAILED', 'invalid disbursement date', badDate);
    try {
      return await this.dataSource.transaction(async (m) => {
        const out = await runIdempotent(m, `covered-loan:${bankId}`, idempotencyKey, input, () =>
          this.registerIn(m, bankId, input, today, idempotencyKey),
        );
        return out;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'loans_bank_ref')) throw this.refTaken(input.bankLoanRef);
      if (e instanceof Error && /ASSET_INCOME_ENTITY_LOCKED/.test(e.message) && !(e instanceof DomainError)) {
        throw new DomainError('ASSET_INCOME_ENTITY_LOCKED', e.message, [
          { field: 'entityId', code: 'ASSET_INCOME_ENTITY_LOCKED', message: e.message },
        ]);
      }
      throw e;
    }
  }

  private refTaken(ref: string) {
    return new DomainError('BANK_LOAN_REF_TAKEN', `the bank already registered loan ${ref}`, [
      { field: 'bankLoanRef', code: 'BANK_LOAN_REF_TAKEN', message: 'already registered by this bank' },
    ]);
  }

  private async borrower(m: EntityManager, input: RegisterCoveredLoanDto) {
    try {
      if (input.borrowerType === 'HOUSEHOLD') {
        const h = await this.households.get(input.householdId!, m);
        return { districtId: h.districtId, villageId: h.villageId, household: h, entity: undefined };
      }
      const e = await this.entities.get(input.entityId!, m);
      return { districtId: e.districtId, villageId: e.villageId, household: undefined, entity: e };
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') {
        const field = input.borrowerType === 'HOUSEHOLD' ? 'householdId' : 'entityId';
        throw new DomainError('VALIDATION_FAILED', e.detail, [
          { field, code: 'NOT_FOUND', message: e.detail },
        ]);
      }
      throw e;
    }
  }

  private async registerIn(
    m: EntityManager,
    bankId: string,
    input: RegisterCoveredLoanDto,
    today: string,
    idempotencyKey: string,
  ) {
    const amountFen = yuan(input.amount);
    const b = await this.borrower(m, input);
    const [agreement] = (await m.query(
      `SELECT g.id, g.risk_fund_id FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id
        WHERE rf.district_id = $1 AND g.bank_id = $2`,
      [b.districtId, bankId],
    )) as { id: string; risk_fund_id: string }[];
    if (!agreement) {
      throw new DomainError(
        'COVERED_LOAN_NO_AGREEMENT',
        `the bank has no cooperation agreement with the risk fund of district ${b.districtId}`,
        [
          {
            field: input.borrowerType === 'HOUSEHOLD' ? 'householdId' : 'entityId',
            code: 'COVERED_LOAN_NO_AGREEMENT',
            message: "no agreement covers the borrower's district",
          },
        ],
      );
    }
    // The fund lock first: every rule below is decided on the state this lock freezes.
    const fund = await this.guarantee.lockFund(m, agreement.risk_fund_id);
    const ag = await this.guarantee.agreementRow(m, agreement.id, 'FOR SHARE');
    const dup = (await m.query(`SELECT 1 FROM loans WHERE bank_id = $1 AND bank_loan_ref = $2`, [
      bankId,
      input.bankLoanRef,
    ])) as unknown[];
    if (dup.length) throw this.refTaken(input.bankLoanRef);

    const problems: FieldError[] = [];
    // guarantee side: agreement in force on the disbursement date (and today, when the cover starts), district
    // not suspended, fund at its minimum, capacity
    problems.push(
      ...(await this.guarantee.coverChecks(m, {
        agreementId: ag.id,
        amountFen,
        borrowerType: input.borrowerType,
        onDate: input.disbursementDate,
      })),
    );
    if (today !== input.disbursementDate && !problems.some((p) => p.code === 'AGREEMENT_NOT_ACTIVE')) {
      const now = await this.guarantee.coverChecks(m, {
        agreementId: ag.id,
        amountFen,
        borrowerType: input.borrowerType,
        onDate: today,
      });
      problems.push(...now.filter((p) => p.code === 'AGREEMENT_NOT_ACTIVE'));
    }
    if (
      !problems.some((p) => p.code === 'DISTRICT_SUSPENDED') &&
      (await this.breaker.state(m, fund.districtId)) === 'SUSPENDED'
    ) {
      problems.push({
        field: 'agreementId',
        code: 'DISTRICT_SUSPENDED',
        message: `the circuit breaker of district ${fund.districtCode} is tripped: new covered lending is suspended`,
      });
    }

    // borrower side: product rules (amount caps, term, purpose, status, age, linked poor households)
    let terms: ProductTerms | undefined;
    try {
      terms = await this.products.currentVersion(input.productCode, m);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'NOT_FOUND')) throw e;
      problems.push({
        field: 'productCode',
        code: 'NOT_FOUND',
        message: `product ${input.productCode} not found`,
      });
    }
    if (terms && terms.kind !== 'HOUSEHOLD_MICROCREDIT' && terms.kind !== 'ENTITY_LOAN') {
      problems.push({
        field: 'productCode',
        code: 'PRODUCT_NOT_COVERABLE',
        message: `product ${terms.code} is ${terms.kind}; banks lend under cover with HOUSEHOLD_MICROCREDIT or ENTITY_LOAN products`,
      });
    } else if (terms) {
      const borrowerField = input.borrowerType === 'HOUSEHOLD' ? 'householdId' : 'entityId';
      problems.push(
        ...this.products.checkEligibility(
          terms,
          {
            principalFen: amountFen,
            termMonths: input.termMonths,
            purpose: input.purpose,
            borrowerType: input.borrowerType,
            householdStatus: b.household?.status ?? null,
            borrowerAge: b.household ? ageOn(b.household.birthDate, input.disbursementDate) : null,
            linkedPoorHouseholds: b.entity?.linkedPoorCount ?? null,
            hasGuaranteeFund: true,
          },
          {
            productId: 'productCode',
            borrowerType: 'borrowerType',
            amount: 'amount',
            householdStatus: borrowerField,
            borrowerAge: borrowerField,
            linkedPoorHouseholds: borrowerField,
          },
        ),
      );
    }
    if (b.entity) {
      const locked = await assetIncomeLockViolation(m, b.entity.id, 'entityId');
      if (locked) problems.push(locked);
    }
    if (problems.length) {
      const first = problems[0].code as string;
      const code: ErrorCode = first in ERROR_STATUS ? (first as ErrorCode) : 'PRODUCT_RULES_NOT_MET';
      throw new DomainError(
        code,
        `loan ${input.bankLoanRef} cannot be covered: ${problems.map((p) => p.code).join(', ')}`,
        problems,
      );
    }
    const t = terms!;

    const rate = input.annualRatePercent
      ? input.annualRatePercent
      : (await this.products.contractRate(t, input.termMonths, input.disbursementDate, m)).annualRatePercent;
    const count = installmentCount(t.frequency, input.termMonths)!;
    const schedule = this.schedules.generate({
      principalFen: amountFen,
      annualRatePercent: rate,
      numberOfInstallments: count,
      frequency: t.frequency,
      termMonths: input.termMonths,
      method: t.method as ScheduleRequest['method'],
      dayCount: t.dayCount as ScheduleRequest['dayCount'],
      disbursementDate: input.disbursementDate,
      rounding: t.rounding as ScheduleRequest['rounding'],
      installmentMultipleFen: t.installmentMultipleFen,
      principalGraceInstallments: 0,
    });
    const inst = schedule.installments;
    const disbursed = input.disbursementDate <= today;
    const [loan] = (await m.query(
      `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, entity_id, district_id, village_id,
                          bank_id, agreement_id, bank_loan_ref, principal_fen, term_months, annual_rate_percent, purpose, method,
                          frequency, day_count, rounding, installment_multiple_fen, status, contract_date, disbursement_date,
                          maturity_date, approved_on, outstanding_principal_fen, created_by)
       VALUES ($1, 'BANK_COVERED', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21,
               $22, $23, $24, $25)
       RETURNING id`,
      [
        `CL-${bankId}-${input.bankLoanRef}`,
        t.versionId,
        input.borrowerType,
        b.household?.id ?? null,
        b.entity?.id ?? null,
        b.districtId,
        b.villageId,
        bankId,
        ag.id,
        input.bankLoanRef,
        amountFen.toString(),
        input.termMonths,
        rate,
        input.purpose,
        t.method,
        t.frequency,
        t.dayCount,
        t.rounding,
        t.installmentMultipleFen.toString(),
        disbursed ? 'DISBURSED' : 'APPROVED',
        input.disbursementDate,
        inst[inst.length - 1].dueDate,
        today,
        (disbursed ? amountFen : 0n).toString(),
        actorName(),
      ],
    )) as { id: string }[];
    await m.query(
      `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
       SELECT $1, n, d, s, days, p, i
         FROM unnest($2::int[], $3::date[], $4::date[], $5::int[], $6::bigint[], $7::bigint[]) AS x(n, d, s, days, p, i)`,
      [
        loan.id,
        inst.map((i) => i.number),
        inst.map((i) => i.dueDate),
        inst.map((i) => i.periodStart),
        inst.map((i) => i.days),
        inst.map((i) => i.principalFen.toString()),
        inst.map((i) => i.interestFen.toString()),
      ],
    );
    // reserve re-checks the guarantee rules under the same lock and posts the reservation; the ledger's bound on
    // the fund's AVAILABLE cover is the last word on capacity
    const cover = await this.guarantee.reserve(m, {
      agreementId: ag.id,
      loanId: loan.id,
      amountFen,
      idempotencyKey,
      onDate: today,
    });
    await this.event(m, loan.id, 'REGISTERED', null, 'APPROVED', null, {
      bankLoanRef: input.bankLoanRef,
      agreementId: ag.id,
      reserved: formatYuan(cover.reservedFen),
    });
    if (disbursed) {
      await this.guarantee.consume(m, { loanId: loan.id, idempotencyKey, onDate: today });
      await this.event(m, loan.id, 'DISBURSED', 'APPROVED', 'DISBURSED', null, {
        disbursementDate: input.disbursementDate,
      });
      await this.breaker.evaluate(m, [fund.districtId], `loan ${loan.id} registered disbursed`);
    }
    const row = await this.row(m, loan.id);
    await this.audit.record(m, {
      action: 'COVERED_LOAN_REGISTERED',
      entityType: 'loan',
      entityId: loan.id,
      after: coveredLoanView(row),
    });
    return coveredLoanView(row);
  }

  // ─── the bank confirms or cancels a loan registered ahead of its payout ──────────────────────────────────────

  async confirmDisbursement(loanId: string, idempotencyKey: string) {
    const bankId = ownBank();
    const today = this.today();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `covered-loan-confirm:${bankId}`,
        idempotencyKey,
        { loanId },
        async () => {
          const { loan, districtId } = await this.lockLoan(m, loanId);
          if (loan.status !== 'APPROVED')
            throw this.stateConflict(
              loan,
              'APPROVED',
              'only a registered, not yet disbursed loan can be confirmed',
            );
          if (loan.disbursement_date > today) {
            throw new DomainError(
              'COVERED_LOAN_STATE_CONFLICT',
              `loan ${loan.bank_loan_ref} is to be disbursed on ${loan.disbursement_date}, after today ${today}`,
              [{ field: 'disbursementDate', code: 'COVERED_LOAN_STATE_CONFLICT', message: 'not yet due' }],
            );
          }
          await this.guarantee.consume(m, { loanId, idempotencyKey, onDate: today });
          const after = await this.setLoan(
            m,
            loanId,
            `status = 'DISBURSED', outstanding_principal_fen = principal_fen`,
          );
          await this.event(m, loanId, 'DISBURSED', 'APPROVED', 'DISBURSED', null, { confirmedOn: today });
          await this.audit.record(m, {
            action: 'COVERED_LOAN_DISBURSED',
            entityType: 'loan',
            entityId: loanId,
            before: coveredLoanView(loan),
            after: coveredLoanView(after),
          });
          await this.breaker.evaluate(m, [districtId], `loan ${loanId} disbursed`);
          return coveredLoanView(after);
        },
      );
      return out;
    });
  }

  async cancel(loanId: string, reason: string, idempotencyKey: string) {
    const bankId = ownBank();
    const today = this.today();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `covered-loan-cancel:${bankId}`,
        idempotencyKey,
        { loanId, reason },
        async () => {
          const { loan } = await this.lockLoan(m, loanId);
          if (loan.status !== 'APPROVED')
            throw this.stateConflict(
              loan,
              'APPROVED',
              'a disbursed loan is closed by repayments, not cancelled',
            );
          await this.guarantee.void(m, { loanId, idempotencyKey, onDate: today });
          const after = await this.setLoan(
            m,
            loanId,
            `status = 'CANCELLED', status_reason = $2, closed_on = $3`,
            [reason, today],
          );
          await this.event(m, loanId, 'CANCELLED', 'APPROVED', 'CANCELLED', reason, null);
          await this.audit.record(m, {
            action: 'COVERED_LOAN_CANCELLED',
            entityType: 'loan',
            entityId: loanId,
            before: coveredLoanView(loan),
            after: coveredLoanView(after),
          });
          return coveredLoanView(after);
        },
      );
      return out;
    });
  }

  // ─── what the bank reports: repayments and overdue status ───────────────────────────────────────────────────

  async reportRepayment(loanId: string, report: RepaymentReport, idempotencyKey: string) {
    const bankId = ownBank();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `covered-report:${bankId}`,
        idempotencyKey,
        { loanId, kind: 'REPAYMENT', ...report },
        () => this.repaymentIn(m, bankId, loanId, report, idempotencyKey),
      );
      return out;
    });
  }

  async reportStatus(loanId: string, report: StatusReport, idempotencyKey: string) {
    const bankId = ownBank();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `covered-report:${bankId}`,
        idempotencyKey,
        { loanId, kind: 'STATUS', ...report },
        () => this.statusIn(m, bankId, loanId, report, idempotencyKey),
      );
      return out;
    });
  }

  /**
   * Bulk reports: one transaction per row (a bad row fails alone and the others still commit), each row
   * idempotent under `<Idempotency-Key>#<row>`, so a retried batch applies only the rows that did not commit.
   */
  async reportBulk(
    rows: BulkReportRowDto[],
    idempotencyKey: string,
  ): Promise<{ results: BulkRowResult[]; applied: number; replayed: number; failed: number }> {
    const bankId = ownBank();
    const results: BulkRowResult[] = [];
    for (const [i, row] of rows.entries()) {
      const rowKey = `${idempotencyKey}#${i + 1}`;
      const base = { row: i + 1, bankLoanRef: row.bankLoanRef, kind: row.kind };
      try {
        const out = await this.dataSource.transaction(async (m) => {
          const [l] = (await m.query(`SELECT id FROM loans WHERE bank_id = $1 AND bank_loan_ref = $2`, [
            bankId,
            row.bankLoanRef,
          ])) as { id: string }[];
          if (!l) {
            throw new DomainError('NOT_FOUND', `loan ${row.bankLoanRef} not found`, [
              {
                field: 'bankLoanRef',
                code: 'NOT_FOUND',
                message: 'no covered loan of this bank has this reference',
              },
            ]);
          }
          if (row.kind === 'REPAYMENT') {
            const report = {
              paidOn: row.paidOn!,
              principalFen: yuan(row.principal!),
              interestFen: row.interest ? yuan(row.interest) : 0n,
            };
            return runIdempotent(
              m,
              `covered-report:${bankId}`,
              rowKey,
              { loanId: l.id, kind: 'REPAYMENT', ...report },
              () => this.repaymentIn(m, bankId, l.id, report, rowKey),
            );
          }
          const report = {
            asOf: row.asOf!,
            daysOverdue: row.daysOverdue!,
            recoveryExhausted: row.recoveryExhausted,
          };
          return runIdempotent(
            m,
            `covered-report:${bankId}`,
            rowKey,
            { loanId: l.id, kind: 'STATUS', ...report },
            () => this.statusIn(m, bankId, l.id, report, rowKey),
          );
        });
        results.push({ ...base, outcome: out.replayed ? 'REPLAYED' : 'APPLIED', loan: out.result });
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        results.push({
          ...base,
          outcome: 'FAILED',
          error: { code: e.code, status: ERROR_STATUS[e.code], detail: e.detail, errors: e.errors },
        });
      }
    }
    return {
      results,
      applied: results.filter((r) => r.outcome === 'APPLIED').length,
      replayed: results.filter((r) => r.outcome === 'REPLAYED').length,
      failed: results.filter((r) => r.outcome === 'FAILED').length,
    };
  }

  private async repaymentIn(
    m: EntityManager,
    bankId: string,
    loanId: string,
    r: RepaymentReport,
    key: string,
  ): Promise<CoveredLoanView> {
    const today = this.today();
    const { loan, districtId } = await this.lockLoan(m, loanId);
    const problems: FieldError[] = [];
    if (loan.status !== 'DISBURSED')
      problems.push({
        field: 'loanId',
        code: 'COVERED_LOAN_STATE_CONFLICT',
        message: `the loan is ${loan.status}, not DISBURSED`,
      });
    if (r.paidOn > today)
      problems.push({ field: 'paidOn', code: 'INVALID', message: `after today ${today}` });
    if (r.paidOn < loan.disbursement_date)
      problems.push({
        field: 'paidOn',
        code: 'INVALID',
        message: `before the disbursement on ${loan.disbursement_date}`,
      });
    const outstanding = BigInt(loan.outstanding_principal_fen);
    if (r.principalFen > outstanding)
      problems.push({
        field: 'principal',
        code: 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING',
        message: `only ${formatYuan(outstanding)} of principal is outstanding`,
      });
    if (r.principalFen + r.interestFen <= 0n)
      problems.push({
        field: 'principal',
        code: 'INVALID',
        message: 'a repayment must repay principal or interest',
      });
    if (problems.length) {
      const code = problems.find((p) => p.code === 'COVERED_LOAN_STATE_CONFLICT')
        ? 'COVERED_LOAN_STATE_CONFLICT'
        : problems.find((p) => p.code === 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING')
          ? 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING'
          : 'VALIDATION_FAILED';
      throw new DomainError(code, `repayment of loan ${loan.bank_loan_ref} refused`, problems);
    }
    let coverEntryId: string | null = null;
    if (r.principalFen > 0n) {
      // exposure follows the principal exactly: the cover's backing shrinks to ⌈outstanding / multiple⌉
      await this.guarantee.release(m, {
        loanId,
        amountFen: r.principalFen,
        idempotencyKey: `report:${bankId}:${key}`,
        onDate: today,
      });
      const [ev] = (await m.query(`SELECT entry_id FROM guarantee_cover_events WHERE idempotency_key = $1`, [
        `release:loan:${loanId}:report:${bankId}:${key}`,
      ])) as { entry_id: string }[];
      coverEntryId = ev?.entry_id ?? null;
    }
    await this.applyToInstallments(m, loanId, r);
    const after = outstanding - r.principalFen;
    const closed = after === 0n;
    const row = await this.setLoan(
      m,
      loanId,
      closed
        ? `outstanding_principal_fen = $2, status = 'CLOSED', closed_on = $3, days_overdue = 0, arrears_bucket = 'CURRENT', non_performing = false`
        : `outstanding_principal_fen = $2`,
      closed ? [after.toString(), r.paidOn] : [after.toString()],
    );
    await m.query(
      `INSERT INTO covered_loan_reports (loan_id, bank_id, kind, as_of, principal_fen, interest_fen, cover_entry_id, idempotency_key, created_by)
       VALUES ($1,$2,'REPAYMENT',$3,$4,$5,$6,$7,$8)`,
      [
        loanId,
        bankId,
        r.paidOn,
        r.principalFen.toString(),
        r.interestFen.toString(),
        coverEntryId,
        `${bankId}:${key}`,
        actorName(),
      ],
    );
    await this.event(
      m,
      loanId,
      closed ? 'REPAID_IN_FULL' : 'REPAYMENT_REPORTED',
      loan.status,
      row.status,
      null,
      {
        paidOn: r.paidOn,
        principal: formatYuan(r.principalFen),
        interest: formatYuan(r.interestFen),
      },
    );
    await this.audit.record(m, {
      action: 'COVERED_REPAYMENT_REPORTED',
      entityType: 'loan',
      entityId: loanId,
      before: { outstandingPrincipal: formatYuan(outstanding), status: loan.status },
      after: {
        outstandingPrincipal: formatYuan(after),
        status: row.status,
        principal: formatYuan(r.principalFen),
        interest: formatYuan(r.interestFen),
      },
    });
    await this.breaker.evaluate(m, [districtId], `repayment on loan ${loanId}`);
    return coveredLoanView(row);
  }

  /** The reported payment settles the frozen instalments oldest first (principal and interest separately). */
  private async applyToInstallments(m: EntityManager, loanId: string, r: RepaymentReport) {
    const open = (await m.query(
      `SELECT id, principal_fen - paid_principal_fen AS p, interest_fen - paid_interest_fen AS i
         FROM loan_installments WHERE loan_id = $1 AND status <> 'PAID' ORDER BY number FOR UPDATE`,
      [loanId],
    )) as { id: string; p: string; i: string }[];
    let principal = r.principalFen;
    let interest = r.interestFen;
    const ids: string[] = [];
    const ps: string[] = [];
    const is: string[] = [];
    for (const o of open) {
      if (principal <= 0n && interest <= 0n) break;
      const p = BigInt(o.p) < principal ? BigInt(o.p) : principal;
      const i = BigInt(o.i) < interest ? BigInt(o.i) : interest;
      principal -= p;
      interest -= i;
      if (p > 0n || i > 0n) {
        ids.push(o.id);
        ps.push(p.toString());
        is.push(i.toString());
      }
    }
    // interest beyond the schedule (e.g. default interest the bank charged) is recorded on the report, not here
    if (!ids.length) return;
    await m.query(
      `UPDATE loan_installments li
          SET paid_principal_fen = li.paid_principal_fen + x.p, paid_interest_fen = li.paid_interest_fen + x.i,
              status = CASE WHEN li.paid_principal_fen + x.p = li.principal_fen AND li.paid_interest_fen + x.i = li.interest_fen
                            THEN 'PAID' ELSE li.status END,
              paid_on = CASE WHEN li.paid_principal_fen + x.p = li.principal_fen AND li.paid_interest_fen + x.i = li.interest_fen
                             THEN $2::date ELSE li.paid_on END
         FROM unnest($1::bigint[], $3::bigint[], $4::bigint[]) AS x(id, p, i)
        WHERE li.id = x.id`,
      [ids, r.paidOn, ps, is],
    );
    // Reminders of the instalments this report paid off are not sent (SKIPPED_PAID in this transaction).
    await skipPaidReminders(m, ids);
  }

  private async statusIn(
    m: EntityManager,
    bankId: string,
    loanId: string,
    r: StatusReport,
    key: string,
  ): Promise<CoveredLoanView> {
    const today = this.today();
    const { loan, districtId, nplOverdueDays } = await this.lockLoan(m, loanId);
    const problems: FieldError[] = [];
    if (loan.status !== 'DISBURSED')
      problems.push({
        field: 'loanId',
        code: 'COVERED_LOAN_STATE_CONFLICT',
        message: `the loan is ${loan.status}, not DISBURSED`,
      });
    if (r.asOf > today) problems.push({ field: 'asOf', code: 'INVALID', message: `after today ${today}` });
    if (r.asOf < loan.disbursement_date)
      problems.push({
        field: 'asOf',
        code: 'INVALID',
        message: `before the disbursement on ${loan.disbursement_date}`,
      });
    if (problems.length) {
      throw new DomainError(
        problems[0].code === 'COVERED_LOAN_STATE_CONFLICT'
          ? 'COVERED_LOAN_STATE_CONFLICT'
          : 'VALIDATION_FAILED',
        `status report on loan ${loan.bank_loan_ref} refused`,
        problems,
      );
    }
    // The latest report (by as-of date; of two for one date, the later received) is the loan's status and the
    // basis the close of business ages it from (covered-ageing.ts). A report for a date before the latest one
    // arrived late: it is recorded (report row, event, audit) but superseded, so it changes nothing on the loan
    // and never moves the basis back.
    const superseded = loan.status_reported_on !== null && r.asOf < loan.status_reported_on;
    // Non-performing uses the same line as the breaker: more than the fund's npl_overdue_days (90) overdue.
    const npl = r.daysOverdue > nplOverdueDays;
    const flags = new Set(loan.flags);
    if (r.recoveryExhausted === true) flags.add('RECOVERY_EXHAUSTED');
    if (r.recoveryExhausted === false) flags.delete('RECOVERY_EXHAUSTED');
    const row = superseded
      ? loan
      : await this.setLoan(
          m,
          loanId,
          `days_overdue = $2, arrears_bucket = $3, non_performing = $4, flags = $5::text[], status_reported_on = $6,
           status_reported_days = $2`,
          [r.daysOverdue, bucketOf(r.daysOverdue), npl, [...flags].sort(), r.asOf],
        );
    await m.query(
      `INSERT INTO covered_loan_reports (loan_id, bank_id, kind, as_of, days_overdue, recovery_exhausted, idempotency_key, created_by)
       VALUES ($1,$2,'STATUS',$3,$4,$5,$6,$7)`,
      [loanId, bankId, r.asOf, r.daysOverdue, r.recoveryExhausted ?? null, `${bankId}:${key}`, actorName()],
    );
    await this.event(m, loanId, 'STATUS_REPORTED', loan.status, loan.status, null, {
      asOf: r.asOf,
      daysOverdue: r.daysOverdue,
      nonPerforming: row.non_performing,
      recoveryExhausted: row.flags.includes('RECOVERY_EXHAUSTED'),
      ...(superseded ? { supersededBy: loan.status_reported_on } : {}),
    });
    await this.audit.record(m, {
      action: 'COVERED_STATUS_REPORTED',
      entityType: 'loan',
      entityId: loanId,
      before: { daysOverdue: loan.days_overdue, nonPerforming: loan.non_performing, flags: loan.flags },
      after: {
        daysOverdue: row.days_overdue,
        nonPerforming: row.non_performing,
        flags: row.flags,
        asOf: r.asOf,
        ...(superseded ? { supersededBy: loan.status_reported_on } : {}),
      },
    });
    await this.breaker.evaluate(m, [districtId], `status report on loan ${loanId}`);
    return coveredLoanView(row);
  }

  // ─── reads ──────────────────────────────────────────────────────────────────────────────────────────────────

  async get(loanId: string) {
    const row = await this.find(this.dataSource.manager, loanId);
    if (!row) throw new DomainError('NOT_FOUND', `covered loan ${loanId} not found`);
    assertOwnBank(row.bank_id, 'covered loan', loanId);
    const installments = (await this.dataSource.query(
      `SELECT number, to_char(due_date, 'YYYY-MM-DD') AS due_date, principal_fen, interest_fen, paid_principal_fen, paid_interest_fen, status
         FROM loan_installments WHERE loan_id = $1 ORDER BY number`,
      [loanId],
    )) as {
      number: number;
      due_date: string;
      principal_fen: string;
      interest_fen: string;
      paid_principal_fen: string;
      paid_interest_fen: string;
      status: string;
    }[];
    const cover = await this.guarantee.cover(null, loanId);
    return {
      ...coveredLoanView(row),
      cover: cover
        ? {
            status: cover.status,
            multiple: cover.multiple,
            pending: formatYuan(cover.pendingFen),
            outstanding: formatYuan(cover.outstandingFen),
            coverUsed: formatYuan(cover.coverUsedFen),
            released: formatYuan(cover.releasedFen),
          }
        : null,
      installments: installments.map((i) => ({
        number: i.number,
        dueDate: i.due_date,
        principal: formatYuan(BigInt(i.principal_fen)),
        interest: formatYuan(BigInt(i.interest_fen)),
        paidPrincipal: formatYuan(BigInt(i.paid_principal_fen)),
        paidInterest: formatYuan(BigInt(i.paid_interest_fen)),
        status: i.status,
      })),
    };
  }

  async list(
    filter: {
      status?: string;
      bankId?: string;
      districtId?: string;
      agreementId?: string;
      bankLoanRef?: string;
      nonPerforming?: 'true' | 'false';
    },
    page: PageQuery,
  ): Promise<Page<CoveredLoanView>> {
    const where: string[] = [`channel = 'BANK_COVERED'`];
    const params: unknown[] = [];
    const own = scopedBankId();
    if (own !== null) where.push(`bank_id = $${params.push(own)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.agreementId) where.push(`agreement_id = $${params.push(filter.agreementId)}`);
    if (filter.bankLoanRef) where.push(`bank_loan_ref = $${params.push(filter.bankLoanRef)}`);
    if (filter.nonPerforming) where.push(`non_performing = $${params.push(filter.nonPerforming === 'true')}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM loans ${clause}`,
      params,
    )) as {
      total: number;
    }[];
    const rows = (await this.dataSource.query(
      `SELECT ${COVERED_COLUMNS} FROM loans ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as CoveredLoanRow[];
    return { items: rows.map(coveredLoanView), page: page.page, pageSize: page.pageSize, total };
  }

  // ─── helpers shared with compensation ──────────────────────────────────────────────────────────────────────

  async find(m: EntityManager, loanId: string, lock = false): Promise<CoveredLoanRow | undefined> {
    const [row] = (await m.query(
      `SELECT ${COVERED_COLUMNS} FROM loans WHERE id = $1 AND channel = 'BANK_COVERED' ${lock ? 'FOR UPDATE' : ''}`,
      [loanId],
    )) as CoveredLoanRow[];
    return row;
  }

  /**
   * Locks in the fixed order: the loan's risk fund first, then the loan. A bank's actor asking for another bank's
   * loan gets the same 404 as for a loan that does not exist.
   */
  async lockLoan(
    m: EntityManager,
    loanId: string,
  ): Promise<{
    loan: CoveredLoanRow;
    agreement: AgreementRow;
    districtId: string;
    nplOverdueDays: number;
    fundId: string;
  }> {
    const unlocked = await this.find(m, loanId);
    if (!unlocked) throw new DomainError('NOT_FOUND', `covered loan ${loanId} not found`);
    assertOwnBank(unlocked.bank_id, 'covered loan', loanId);
    const agreement = await this.guarantee.agreementRow(m, unlocked.agreement_id);
    const fund = await this.guarantee.lockFund(m, agreement.risk_fund_id);
    const loan = (await this.find(m, loanId, true))!;
    return {
      loan,
      agreement,
      districtId: fund.districtId,
      nplOverdueDays: fund.nplOverdueDays,
      fundId: fund.id,
    };
  }

  async setLoan(
    m: EntityManager,
    loanId: string,
    set: string,
    params: unknown[] = [],
  ): Promise<CoveredLoanRow> {
    const [row] = await updateReturning<CoveredLoanRow>(
      m,
      `UPDATE loans SET ${set}, version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COVERED_COLUMNS}`,
      [loanId, ...params],
    );
    return row;
  }

  async event(
    m: EntityManager,
    loanId: string,
    event: string,
    from: string | null,
    to: string | null,
    reason: string | null,
    data: unknown,
  ) {
    await m.query(
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason, data) VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb)`,
      [loanId, event, from, to, actorName(), reason, data === null ? null : JSON.stringify(data)],
    );
  }

  private stateConflict(loan: CoveredLoanRow, expected: string, why: string) {
    return new DomainError(
      'COVERED_LOAN_STATE_CONFLICT',
      `loan ${loan.bank_loan_ref} is ${loan.status}: ${why}`,
      [
        {
          field: 'loanId',
          code: 'COVERED_LOAN_STATE_CONFLICT',
          message: `status is ${loan.status}, not ${expected}`,
        },
      ],
    );
  }

  private async row(m: EntityManager, loanId: string): Promise<CoveredLoanRow> {
    return (await this.find(m, loanId))!;
  }
}
