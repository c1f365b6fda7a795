import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  isUniqueViolation,
  queryOne,
  RequestContext,
  SYSTEM_ACTOR,
  type FieldError,
} from '#libs/common';
import { FundsService, type FundInfo } from '#libs/funds';
import { GroupsService, HouseholdsService, type HouseholdRecord } from '#libs/households';
import { LoanStore, NOW, type LoanColumn, type LoanPatch, type LoanValue } from '#libs/loans';
import { formatYuan, type Fen } from '#libs/money';
import { ProductsService, type ProductTerms } from '#libs/products';
import type { FailedRule } from './domain/eligibility.js';
import {
  decide,
  isRefusal,
  type LoanStatus,
  type Transition,
  type WorkflowAction,
} from './domain/workflow.js';
import { EligibilityService } from './eligibility.service.js';
import { OriginationService } from './origination.service.js';
import { loanRecord, workflowFacts, type LoanRecord, type LoanView } from './records.js';

export interface ApplicationInput {
  householdId: string;
  /** The product's id or code; the application takes its current version. */
  productId: string;
  amountFen: Fen;
  termMonths: number;
  purpose: string;
  /** The endorsing joint-liability group; left out: the household's own group (if any); null: no group. */
  groupId?: string | null;
}

export type ApplicationPatch = Partial<ApplicationInput>;

/** What a transition request may carry: the version the caller saw (optimistic check) and a reason or note. */
export interface TransitionInput {
  version?: number;
  reason?: string;
  note?: string;
  comment?: string;
}

export interface EligibilityView {
  loanId: string;
  loanNo: string;
  status: string;
  eligible: boolean;
  checkedOn: string;
  applicationDate: string;
  errors: FailedRule[];
  fund: { id: string; status: string; cash: string; capHeadroom: string; availableToLend: string };
}

interface Resolved {
  household: HouseholdRecord;
  terms: ProductTerms;
  fund: FundInfo;
  groupId: string | null;
}

const actorName = () => (RequestContext.actor() ?? SYSTEM_ACTOR).username;

/** The audit action of each workflow step. */
const AUDIT_ACTION: Record<WorkflowAction, string> = {
  SUBMIT: 'LOAN_SUBMITTED',
  ENDORSE: 'LOAN_GROUP_ENDORSED',
  APPROVE: 'LOAN_APPROVED',
  OBJECT: 'LOAN_OBJECTION_RAISED',
  DISBURSE: 'LOAN_DISBURSED',
  REJECT: 'LOAN_REJECTED',
  CANCEL: 'LOAN_CANCELLED',
};

export function notEligible(failures: FailedRule[], when: string): DomainError {
  return new DomainError(
    'LOAN_NOT_ELIGIBLE',
    `the application is not eligible ${when}: ${failures.map((f) => f.code).join(', ')}`,
    failures,
  );
}

export function refusalError(r: {
  code: 'LOAN_INVALID_TRANSITION' | 'LOAN_MAKER_CHECKER' | 'LOAN_NOTICE_NOT_ENDED';
  message: string;
}) {
  return new DomainError(r.code, r.message, [{ field: 'status', code: r.code, message: r.message }]);
}

/**
 * Mutual-aid loan applications (SPEC §2.1): a loan officer takes the application (DRAFT), edits it while it is a
 * draft and submits it; the group endorses; fund administrators approve (maker-checker, a second approver above
 * the fund's threshold); the public notice runs; objections send it back. Each step is one transaction: the loan
 * row is locked (SELECT … FOR UPDATE), the step is decided on what the lock shows, eligibility is evaluated where
 * the step needs it, and the status change, its loan_events rows and its audit row commit together. A concurrent
 * step on the same loan waits for the lock and is then refused on the new status; a caller that sends the
 * version it saw gets 409 LOAN_VERSION_CONFLICT instead of acting on a loan that changed under it.
 */
@Injectable()
export class ApplicationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly origination: OriginationService,
    private readonly eligibility: EligibilityService,
    private readonly products: ProductsService,
    private readonly households: HouseholdsService,
    private readonly groups: GroupsService,
    private readonly funds: FundsService,
    private readonly audit: AuditService,
    private readonly loans: LoanStore,
  ) {}

  async create(input: ApplicationInput): Promise<LoanView> {
    return this.dataSource.transaction(async (m) => {
      const r = await this.resolve(m, input);
      const today = this.origination.today();
      const row = await this.loans.create(m, {
        loan_no: { mutualAidSequenceOn: today },
        channel: 'MUTUAL_AID',
        product_version_id: r.terms.versionId,
        borrower_type: 'HOUSEHOLD',
        household_id: r.household.id,
        district_id: r.household.districtId,
        village_id: r.household.villageId,
        fund_id: r.fund.id,
        group_id: r.groupId,
        principal_fen: input.amountFen,
        term_months: input.termMonths,
        purpose: input.purpose,
        method: r.terms.method,
        frequency: r.terms.frequency,
        day_count: r.terms.dayCount,
        rounding: r.terms.rounding,
        installment_multiple_fen: r.terms.installmentMultipleFen,
        status: 'DRAFT',
        priority: priorityOf(r.household),
        application_date: today,
        created_by: actorName(),
      });
      const loan = loanRecord(row);
      await this.event(m, loan.id, 'CREATED', null, 'DRAFT', null, {
        principal: formatYuan(loan.principalFen),
      });
      await this.audit.record(m, {
        action: 'LOAN_APPLICATION_CREATED',
        entityType: 'loan',
        entityId: loan.id,
        after: snapshot(loan),
      });
      return this.origination.view(m, loan.id, RequestContext.actor());
    });
  }

  /** Edits a draft; the product, fund, village and priority are derived again from what changed. */
  async update(id: string, patch: ApplicationPatch, version?: number): Promise<LoanView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.origination.lockLoan(m, id);
      this.checkVersion(before, version);
      if (before.status !== 'DRAFT') {
        throw refusalError({
          code: 'LOAN_INVALID_TRANSITION',
          message: `only a draft can be edited; this application is ${before.status}`,
        });
      }
      const householdId = patch.householdId ?? before.householdId!;
      const input: ApplicationInput = {
        householdId,
        productId: patch.productId ?? (await this.products.getVersion(before.productVersionId, m)).productId,
        amountFen: patch.amountFen ?? before.principalFen,
        termMonths: patch.termMonths ?? before.termMonths,
        purpose: patch.purpose ?? before.purpose,
        // A new household brings its own group unless one is named.
        groupId:
          patch.groupId !== undefined
            ? patch.groupId
            : householdId !== before.householdId
              ? undefined
              : before.groupId,
      };
      const r = await this.resolve(m, input);
      // A product named again keeps the version the draft was taken under; a different product takes its current one.
      const terms =
        patch.productId === undefined ? await this.products.getVersion(before.productVersionId, m) : r.terms;
      await this.loans.update(m, id, {
        product_version_id: terms.versionId,
        household_id: r.household.id,
        district_id: r.household.districtId,
        village_id: r.household.villageId,
        fund_id: r.fund.id,
        group_id: r.groupId,
        principal_fen: input.amountFen,
        term_months: input.termMonths,
        purpose: input.purpose,
        method: terms.method,
        frequency: terms.frequency,
        day_count: terms.dayCount,
        rounding: terms.rounding,
        installment_multiple_fen: terms.installmentMultipleFen,
        priority: priorityOf(r.household),
      });
      const after = await this.origination.getLoan(m, id);
      await this.event(m, id, 'UPDATED', 'DRAFT', 'DRAFT', null, changes(before, after));
      await this.audit.record(m, {
        action: 'LOAN_APPLICATION_UPDATED',
        entityType: 'loan',
        entityId: id,
        before: snapshot(before),
        after: snapshot(after),
      });
      return this.origination.view(m, id, RequestContext.actor());
    });
  }

  /** Every rule the application fails right now (a dry run: nothing is written, nothing locked). */
  async checkEligibility(id: string): Promise<EligibilityView> {
    const m = this.dataSource.manager;
    const loan = await this.origination.getLoan(m, id);
    const today = this.origination.today();
    const result = await this.eligibility.evaluate(m, loan, today);
    return {
      loanId: loan.id,
      loanNo: loan.loanNo,
      status: loan.status,
      eligible: result.eligible,
      checkedOn: today,
      applicationDate: result.applicationDate,
      errors: result.failures,
      fund: {
        id: result.fund.id,
        status: result.fund.status,
        cash: formatYuan(result.position.cashFen),
        capHeadroom: formatYuan(result.position.capHeadroomFen),
        availableToLend: formatYuan(result.position.availableToLendFen),
      },
    };
  }

  async submit(id: string, input: TransitionInput = {}): Promise<LoanView> {
    return this.step(id, 'SUBMIT', input, async (m, loan, today, sets) => {
      const result = await this.eligibility.evaluate(m, loan, today);
      if (!result.eligible) throw notEligible(result.failures, 'on submission');
      const household = await this.households.get(loan.householdId!, m);
      sets.stamp('submitted_at');
      // The status may have changed since the draft was taken: the queue orders by the status at submission.
      sets.set('priority', priorityOf(household));
      return { eligibility: 'PASSED' };
    });
  }

  async endorse(id: string, input: TransitionInput): Promise<LoanView> {
    const note = required(input.note, 'note', 'the group members’ consent must be recorded');
    return this.step(id, 'ENDORSE', input, async (m, loan, today, sets) => {
      // The group can only endorse while it could back the loan: its own rules are checked now, the rest at approval.
      const result = await this.eligibility.evaluate(m, loan, today);
      const groupFailures = result.failures.filter((f) => f.field === 'groupId');
      if (groupFailures.length) throw notEligible(groupFailures, 'for a group endorsement');
      sets.set('endorsed_by', actorName());
      sets.stamp('endorsed_at');
      sets.set('endorsement_note', note);
      return { note };
    });
  }

  async approve(id: string, input: TransitionInput = {}): Promise<LoanView> {
    return this.step(id, 'APPROVE', input, async (m, loan, today) => {
      const result = await this.eligibility.evaluate(m, loan, today);
      if (!result.eligible) throw notEligible(result.failures, 'at approval');
      return input.comment?.trim() ? { comment: input.comment.trim() } : {};
    });
  }

  async object(id: string, input: TransitionInput): Promise<LoanView> {
    const reason = required(input.reason, 'reason', 'an objection needs its reason');
    return this.step(id, 'OBJECT', { ...input, reason });
  }

  async reject(id: string, input: TransitionInput): Promise<LoanView> {
    const reason = required(input.reason, 'reason', 'a rejection needs its reason');
    return this.step(id, 'REJECT', { ...input, reason });
  }

  async cancel(id: string, input: TransitionInput): Promise<LoanView> {
    const reason = required(input.reason, 'reason', 'a cancellation needs its reason');
    return this.step(id, 'CANCEL', { ...input, reason });
  }

  // -- the one way a workflow step is taken ------------------------------------------------------------------------

  private step(
    id: string,
    action: Exclude<WorkflowAction, 'DISBURSE'>,
    input: TransitionInput,
    work?: (
      m: EntityManager,
      loan: LoanRecord,
      today: string,
      sets: SetBuilder,
    ) => Promise<Record<string, unknown>>,
  ): Promise<LoanView> {
    return this.dataSource
      .transaction(async (m) => {
        const loan = await this.origination.lockLoan(m, id);
        this.checkVersion(loan, input.version);
        if (loan.channel !== 'MUTUAL_AID' || !loan.fundId) {
          throw refusalError({
            code: 'LOAN_INVALID_TRANSITION',
            message: `loan ${id} is not a mutual-aid application`,
          });
        }
        const fund = await this.funds.info(loan.fundId, m);
        const today = this.origination.today();
        const t = decide(action, workflowFacts(loan, fund.rules), actorName(), today);
        if (isRefusal(t)) throw refusalError(t);
        const sets = new SetBuilder(loan.id, t.to);
        const data = work ? await work(m, loan, today, sets) : {};
        await this.apply(m, loan, action, t, sets, input.reason ?? null, data);
        return this.origination.view(m, id, RequestContext.actor());
      })
      .catch((e) => {
        // Two applications of one household submitted together: the database backstop decided.
        if (isUniqueViolation(e, 'loans_one_active_mutual_aid')) {
          throw notEligible(
            [
              {
                code: 'ACTIVE_LOAN_EXISTS',
                field: 'householdId',
                message: 'one active loan per household: this household already has one',
              },
            ],
            'on submission',
          );
        }
        throw e;
      });
  }

  /**
   * Writes a decided transition: the status and approval state, the loan's events (in order, each with the
   * from/to of the whole step) and one audit row. Used by the disbursement too.
   */
  async apply(
    m: EntityManager,
    loan: LoanRecord,
    action: WorkflowAction,
    t: Transition,
    sets: SetBuilder,
    reason: string | null,
    data: Record<string, unknown>,
  ): Promise<void> {
    if (t.clearApprovals) {
      for (const col of [
        'approved_by',
        'approved_at',
        'second_approved_by',
        'second_approved_at',
        'approved_on',
      ] as const)
        sets.set(col, null);
    }
    if (t.approvedBy !== undefined && t.approvedBy !== loan.approvedBy) {
      sets.set('approved_by', t.approvedBy);
      sets.stamp('approved_at');
    }
    if (t.secondApprovedBy !== undefined) {
      sets.set('second_approved_by', t.secondApprovedBy);
      sets.stamp('second_approved_at');
    }
    if (t.approvedOn !== undefined) sets.set('approved_on', t.approvedOn);
    if (t.noticeStartedOn !== undefined) sets.set('notice_started_on', t.noticeStartedOn);
    if (t.noticeEndsOn !== undefined) sets.set('notice_ends_on', t.noticeEndsOn);
    if (reason !== null) sets.set('status_reason', reason);
    await this.loans.update(m, loan.id, sets.patch);
    const after = await this.origination.getLoan(m, loan.id);
    for (const event of t.events) {
      await this.event(m, loan.id, event, loan.status, t.to, reason, {
        ...data,
        ...(event === 'PUBLIC_NOTICE_STARTED' ? { noticeEndsOn: after.noticeEndsOn } : {}),
      });
    }
    await this.audit.record(m, {
      action: t.events[0] === 'FIRST_APPROVAL' ? 'LOAN_FIRST_APPROVAL' : AUDIT_ACTION[action],
      entityType: 'loan',
      entityId: loan.id,
      before: snapshot(loan),
      after: { ...snapshot(after), ...(reason ? { reason } : {}), ...data },
    });
  }

  async event(
    m: EntityManager,
    loanId: string,
    event: string,
    from: string | null,
    to: string | null,
    reason: string | null,
    data: Record<string, unknown> | null,
  ): Promise<void> {
    await this.loans.recordEvent(m, {
      loanId,
      event,
      fromStatus: from,
      toStatus: to,
      actor: actorName(),
      reason,
      data,
    });
  }

  private checkVersion(loan: LoanRecord, version: number | undefined): void {
    if (version !== undefined && version !== loan.version) {
      throw new DomainError(
        'LOAN_VERSION_CONFLICT',
        `loan ${loan.id} is at version ${loan.version}, not ${version}: it changed since it was read`,
        [{ field: 'version', code: 'STALE', message: `the loan is now at version ${loan.version}` }],
        { currentVersion: loan.version, loanStatus: loan.status },
      );
    }
  }

  /** The household, product, fund and group an application names; every unknown or unfit reference at once. */
  private async resolve(m: EntityManager, input: ApplicationInput): Promise<Resolved> {
    const errors: FieldError[] = [];
    const household = await this.households.find(input.householdId, m);
    if (!household)
      errors.push({
        field: 'householdId',
        code: 'UNKNOWN_HOUSEHOLD',
        message: `household ${input.householdId} does not exist`,
      });
    let terms: ProductTerms | undefined;
    try {
      terms = await this.products.currentVersion(input.productId, m);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'NOT_FOUND') throw e;
      errors.push({
        field: 'productId',
        code: 'UNKNOWN_PRODUCT',
        message: `product ${input.productId} does not exist`,
      });
    }
    if (terms && terms.kind !== 'MUTUAL_AID') {
      errors.push({
        field: 'productId',
        code: 'PRODUCT_NOT_MUTUAL_AID',
        message: `product ${terms.code} is a ${terms.kind} product, not mutual aid`,
      });
    }
    let groupId: string | null = input.groupId === undefined ? (household?.groupId ?? null) : input.groupId;
    if (groupId !== null) {
      const group = await queryOne<{ id: string }>(m, `SELECT id::text FROM liability_groups WHERE id = $1`, [
        groupId,
      ]);
      if (!group) {
        errors.push({
          field: 'groupId',
          code: 'UNKNOWN_GROUP',
          message: `joint-liability group ${groupId} does not exist`,
        });
        groupId = null;
      }
    }
    const fund = household ? await this.funds.fundForVillage(household.villageId, m) : null;
    if (household && !fund) {
      errors.push({
        field: 'householdId',
        code: 'NO_FUND_FOR_VILLAGE',
        message: `the household's village ${household.villageName} has no mutual-aid fund`,
      });
    }
    if (errors.length || !household || !terms || !fund) {
      throw new DomainError(
        'LOAN_APPLICATION_INVALID',
        `the application names what cannot be lent under: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
        errors,
      );
    }
    return { household, terms, fund, groupId };
  }
}

/** Collects the columns of one update of a loan row (the status always; the store moves version and updated_at). */
export class SetBuilder {
  readonly patch: LoanPatch;

  constructor(_loanId: string, status: LoanStatus) {
    this.patch = { status };
  }

  set<K extends LoanColumn>(column: K, value: LoanValue<K>): void {
    (this.patch as Record<string, unknown>)[column] = value;
  }

  /** The database's transaction time, so queue order follows commit order rather than a caller's clock. */
  stamp(column: 'submitted_at' | 'endorsed_at' | 'approved_at' | 'second_approved_at'): void {
    (this.patch as Record<string, unknown>)[column] = NOW;
  }
}

const priorityOf = (h: HouseholdRecord): number => (h.status === 'POOR' ? 0 : 1);

function required(value: string | undefined, field: string, message: string): string {
  const v = value?.trim();
  if (!v) throw new DomainError('VALIDATION_FAILED', message, [{ field, code: 'isNotEmpty', message }]);
  return v;
}

/** What the audit log keeps of a loan at each step (no personal data: the household is referenced by id). */
function snapshot(l: LoanRecord) {
  return {
    loanNo: l.loanNo,
    status: l.status,
    version: l.version,
    householdId: l.householdId,
    fundId: l.fundId,
    groupId: l.groupId,
    productVersionId: l.productVersionId,
    principal: formatYuan(l.principalFen),
    termMonths: l.termMonths,
    purpose: l.purpose,
    priority: l.priority,
    approvedBy: l.approvedBy,
    secondApprovedBy: l.secondApprovedBy,
    noticeEndsOn: l.noticeEndsOn,
  };
}

function changes(before: LoanRecord, after: LoanRecord): Record<string, unknown> {
  const a = snapshot(before) as Record<string, unknown>;
  const b = snapshot(after) as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(b)
      .filter((k) => k !== 'version' && a[k] !== b[k])
      .map((k) => [k, { from: a[k], to: b[k] }]),
  );
}
