import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  callerKey,
  Clock,
  DomainError,
  type FieldError,
  ID_PATTERN,
  isUniqueViolation,
  type Page,
  type PageQuery,
  RequestContext,
  runIdempotent,
} from '#libs/common';
import { ContributionRegister } from '#libs/funding';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import {
  PROGRAMME_OWNER_TYPE,
  programmeAccountList,
  programmeAccounts,
  type ProgrammeSource,
} from './domain/accounts.js';
import { DEFAULT_CALENDAR, periodsOfYear, type SettlementPeriod } from './domain/calendar.js';
import {
  budgetBelowCommitted,
  budgetInputErrors,
  programmeContributionErrors,
  programmeInputErrors,
  programmePatchErrors,
  sortedMonths,
  type SettlementMode,
} from './domain/programme.js';
import {
  budgetView,
  calendarOf,
  periodsWithClaims,
  positionAccounts,
  programmeView,
  type BudgetView,
  type ProgrammeView,
} from './domain/programme-view.js';
import { QueueService, type QueueRun } from './queue.service.js';
import { ProgrammesStore, type ProgrammeListFilter, type ProgrammeRow } from './store/programmes.store.js';

export type { ProgrammeRow };

export interface ProgrammeInput {
  code: string;
  name: string;
  /** null/absent: a city-wide programme. */
  districtId?: string | null;
  settlementMode: SettlementMode;
  periodEndMonths?: number[];
  periodEndDay?: number;
  graceDays?: number;
}

export interface ProgrammePatch {
  name?: string;
  graceDays?: number;
  status?: 'ACTIVE' | 'CLOSED';
}

export interface ContributionInput {
  source: ProgrammeSource;
  amountFen: Fen;
  year?: number;
  receivedOn?: string;
  documentRef?: string | null;
  soeName?: string | null;
  soeProfitBaseFen?: Fen | null;
}

export interface ProgrammeContributionView {
  id: string;
  programmeId: string;
  districtId: string | null;
  source: ProgrammeSource;
  amount: string;
  year: number;
  documentRef: string | null;
  receivedOn: string;
  soeName: string | null;
  soeProfitBase: string | null;
  entryId: string;
  createdBy: string;
  /** Queued claims the new money paid (in queue order). */
  queue: QueueRun;
}

export interface BudgetInput {
  year: number;
  budgetFen: Fen;
  reason: string;
  documentRef?: string | null;
}

export type ProgrammeFilter = ProgrammeListFilter;

export const actorName = (): string => RequestContext.actor()?.username ?? 'system';

const ID = ID_PATTERN;
export const CONTRIBUTION_SCOPE = 'subsidy-programme:contribution';
export const BUDGET_SCOPE = 'subsidy-programme:budget';

function invalid(errors: FieldError[]): DomainError {
  return new DomainError(
    'SUBSIDY_PROGRAMME_INVALID',
    `invalid subsidy programme: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
    errors,
  );
}

/**
 * Subsidy programmes: their settings, ledger accounts, funding (contributions of the shared register, target
 * SUBSIDY_PROGRAMME) and yearly budgets. Funding and budget changes are money operations: one transaction with
 * an Idempotency-Key, the programme row locked first, and a run of the queue of approved claims waiting for budget.
 */
@Injectable()
export class ProgrammesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly queue: QueueService,
    private readonly register: ContributionRegister = new ContributionRegister(),
    private readonly store: ProgrammesStore = new ProgrammesStore(),
  ) {}

  today(): string {
    return this.clock.today();
  }

  async create(input: ProgrammeInput): Promise<ProgrammeView> {
    const calendar = {
      endMonths: input.periodEndMonths ?? [...DEFAULT_CALENDAR.endMonths],
      endDay: input.periodEndDay ?? DEFAULT_CALENDAR.endDay,
    };
    const graceDays = input.graceDays ?? 0;
    const errors = programmeInputErrors({
      code: input.code,
      name: input.name,
      settlementMode: input.settlementMode,
      calendar,
      graceDays,
    });
    const districtId = input.districtId ?? null;
    if (districtId !== null) {
      const exists =
        ID.test(districtId) && (await this.store.districtExists(this.dataSource.manager, districtId));
      if (!exists)
        errors.push({
          field: 'districtId',
          code: 'NOT_FOUND',
          message: `district ${districtId} does not exist`,
        });
    }
    if (errors.length) throw invalid(errors);

    try {
      return await this.dataSource.transaction(async (m) => {
        const row = await this.store.insert(m, {
          code: input.code,
          name: input.name.trim(),
          districtId,
          settlementMode: input.settlementMode,
          periodEndMonths: sortedMonths(calendar.endMonths),
          periodEndDay: calendar.endDay,
          graceDays,
          createdBy: actorName(),
        });
        for (const a of programmeAccountList(row.id, `Subsidy programme ${row.code}`)) {
          await this.ledger.openAccount(m, { ...a, ownerType: PROGRAMME_OWNER_TYPE, ownerId: row.id });
        }
        const view = await this.viewOf(m, row);
        await this.audit.record(m, {
          action: 'SUBSIDY_PROGRAMME_CREATED',
          entityType: 'subsidy_programme',
          entityId: row.id,
          after: view,
        });
        return view;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new DomainError(
          'SUBSIDY_PROGRAMME_CODE_TAKEN',
          `a subsidy programme with code ${input.code} exists`,
          [{ field: 'code', code: 'TAKEN', message: 'code is already used by another programme' }],
        );
      }
      throw e;
    }
  }

  /** Name, grace days and status. The calendar is fixed once set: claims are keyed by its periods. */
  async update(id: string, patch: ProgrammePatch): Promise<ProgrammeView> {
    const errors = programmePatchErrors(patch);
    if (errors.length) throw invalid(errors);
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      const row = await this.store.update(m, id, {
        name: patch.name?.trim() ?? null,
        graceDays: patch.graceDays ?? null,
        status: patch.status ?? null,
      });
      const view = await this.viewOf(m, row);
      await this.audit.record(m, {
        action: 'SUBSIDY_PROGRAMME_UPDATED',
        entityType: 'subsidy_programme',
        entityId: id,
        before: { name: before.name, graceDays: before.grace_days, status: before.status },
        after: { name: row.name, graceDays: row.grace_days, status: row.status },
      });
      return view;
    });
  }

  /** The programme row, locked: every money operation of a programme starts here (lock order: programme first). */
  async lock(m: EntityManager, id: string): Promise<ProgrammeRow> {
    const row = ID.test(id) ? await this.store.lock(m, id) : undefined;
    if (!row) throw new DomainError('NOT_FOUND', `subsidy programme ${id} not found`);
    return row;
  }

  async row(id: string, m: EntityManager = this.dataSource.manager): Promise<ProgrammeRow> {
    const row = ID.test(id) ? await this.store.find(m, id) : undefined;
    if (!row) throw new DomainError('NOT_FOUND', `subsidy programme ${id} not found`);
    return row;
  }

  async get(id: string): Promise<ProgrammeView> {
    return this.viewOf(this.dataSource.manager, await this.row(id));
  }

  async list(filter: ProgrammeFilter, page: PageQuery): Promise<Page<ProgrammeView>> {
    const m = this.dataSource.manager;
    const total = await this.store.count(m, filter);
    const rows = await this.store.page(m, filter, page);
    const items: ProgrammeView[] = [];
    for (const r of rows) items.push(await this.viewOf(m, r));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** The settlement periods of a year with what has been claimed for each. */
  async periods(
    id: string,
    year: number,
  ): Promise<(SettlementPeriod & { claims: number; total: string; approved: string; queued: string })[]> {
    const p = await this.row(id);
    const periods = periodsOfYear(year, calendarOf(p));
    const sums = await this.store.periodSums(this.dataSource.manager, p.id, year);
    return periodsWithClaims(periods, sums);
  }

  /**
   * Money into the programme from one source: BUDGET ↑ / FUNDING:{source} ↑, a row of the contributions register
   * (target SUBSIDY_PROGRAMME, the programme's district), the audit row, then the queue of approved claims waiting
   * for money is paid in order. Idempotent by key.
   */
  async contribute(
    programmeId: string,
    input: ContributionInput,
    idempotencyKey: string,
  ): Promise<ProgrammeContributionView> {
    const today = this.today();
    const receivedOn = input.receivedOn ?? today;
    const c = {
      source: input.source,
      amountFen: input.amountFen,
      year: input.year ?? Number(receivedOn.slice(0, 4)),
      receivedOn,
      documentRef: input.documentRef ?? null,
      soeName: input.soeName ?? null,
      soeProfitBaseFen: input.soeProfitBaseFen ?? null,
    };
    const errors = programmeContributionErrors(c, today);
    if (errors.length) {
      throw new DomainError(
        'SUBSIDY_CONTRIBUTION_INVALID',
        `invalid contribution: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
        errors,
      );
    }
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(m, CONTRIBUTION_SCOPE, idempotencyKey, { programmeId, ...c }, async () => {
        const p = await this.lock(m, programmeId);
        if (p.status !== 'ACTIVE') {
          throw new DomainError('SUBSIDY_PROGRAMME_CLOSED', `subsidy programme ${p.code} is closed`, [
            { field: 'programmeId', code: 'CLOSED', message: 'the programme is closed' },
          ]);
        }
        const a = programmeAccounts(p.id);
        const id = await this.register.reserveId(m);
        const { entryId } = await this.ledger.post(m, {
          idempotencyKey: `subsidy-contribution:${id}`,
          code: 'SUBSIDY_FUNDING',
          // the day the money was received, whenever it was keyed in
          valueDate: c.receivedOn,
          memo: `${c.source} funding of subsidy programme ${p.code}${c.documentRef ? ` (${c.documentRef})` : ''}`,
          lines: [
            { account: a.budget, side: 'DEBIT', amountFen: c.amountFen },
            { account: a.funding[c.source], side: 'CREDIT', amountFen: c.amountFen },
          ],
        });
        await this.register.record(m, {
          id,
          targetType: 'SUBSIDY_PROGRAMME',
          targetId: p.id,
          districtId: p.district_id,
          source: c.source,
          amountFen: c.amountFen,
          year: c.year,
          documentRef: c.documentRef,
          receivedOn: c.receivedOn,
          householdId: null,
          fiscalFunded: false,
          soeName: c.soeName,
          soeProfitBaseFen: c.soeProfitBaseFen,
          entryId,
          idempotencyKey: `${CONTRIBUTION_SCOPE}:${callerKey(idempotencyKey)}`,
          createdBy: actorName(),
        });
        const view: Omit<ProgrammeContributionView, 'queue'> = {
          id,
          programmeId: p.id,
          districtId: p.district_id,
          source: c.source,
          amount: formatYuan(c.amountFen),
          year: c.year,
          documentRef: c.documentRef,
          receivedOn: c.receivedOn,
          soeName: c.soeName,
          soeProfitBase: c.soeProfitBaseFen === null ? null : formatYuan(c.soeProfitBaseFen),
          entryId,
          createdBy: actorName(),
        };
        await this.audit.record(m, {
          action: 'SUBSIDY_PROGRAMME_FUNDED',
          entityType: 'contribution',
          entityId: id,
          after: view,
        });
        const queue = await this.queue.run(m, p, today);
        return { ...view, queue };
      }),
    );
    return result;
  }

  /**
   * Sets a year's budget (never below what approved claims already committed of it), records the change, and
   * runs the queue (every year, oldest settlement period first) as far as the budgets and the programme's money allow.
   */
  async setBudget(
    programmeId: string,
    input: BudgetInput,
    idempotencyKey: string,
  ): Promise<BudgetView & { queue: QueueRun }> {
    const errors = budgetInputErrors(input);
    if (errors.length)
      throw new DomainError(
        'SUBSIDY_BUDGET_INVALID',
        `invalid budget: ${errors.map((e) => e.field).join(', ')}`,
        errors,
      );
    const today = this.today();
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(
        m,
        BUDGET_SCOPE,
        idempotencyKey,
        {
          programmeId,
          year: input.year,
          budgetFen: input.budgetFen,
          reason: input.reason,
          documentRef: input.documentRef ?? null,
        },
        async () => {
          const p = await this.lock(m, programmeId);
          if (p.status !== 'ACTIVE') {
            throw new DomainError('SUBSIDY_PROGRAMME_CLOSED', `subsidy programme ${p.code} is closed`, [
              { field: 'programmeId', code: 'CLOSED', message: 'the programme is closed' },
            ]);
          }
          const b = await this.store.lockBudget(m, p.id, input.year);
          const committed = BigInt(b.committed_fen);
          if (budgetBelowCommitted(input.budgetFen, committed)) {
            throw new DomainError(
              'SUBSIDY_BUDGET_INVALID',
              `the ${input.year} budget may not go below the ${formatYuan(committed)} approved claims committed`,
              [
                {
                  field: 'budget',
                  code: 'BELOW_COMMITTED',
                  message: `must be at least ${formatYuan(committed)}`,
                },
              ],
            );
          }
          await this.store.setBudget(m, p.id, input.year, input.budgetFen);
          await this.store.insertBudgetChange(m, {
            programmeId: p.id,
            year: input.year,
            previousFen: b.budget_fen,
            budgetFen: input.budgetFen,
            documentRef: input.documentRef ?? null,
            reason: input.reason.trim(),
            idempotencyKey: `${BUDGET_SCOPE}:${callerKey(idempotencyKey)}`,
            createdBy: actorName(),
          });
          await this.audit.record(m, {
            action: 'SUBSIDY_BUDGET_SET',
            entityType: 'subsidy_programme',
            entityId: p.id,
            before: { year: input.year, budget: formatYuan(BigInt(b.budget_fen)) },
            after: {
              year: input.year,
              budget: formatYuan(input.budgetFen),
              reason: input.reason.trim(),
              documentRef: input.documentRef ?? null,
            },
          });
          const queue = await this.queue.run(m, p, today);
          const [view] = await this.budgetViews(m, p.id, input.year);
          return { ...view, queue };
        },
      ),
    );
    return result;
  }

  async budgets(programmeId: string): Promise<BudgetView[]> {
    const p = await this.row(programmeId);
    return this.budgetViews(this.dataSource.manager, p.id, null);
  }

  private async budgetViews(
    m: EntityManager,
    programmeId: string,
    year: number | null,
  ): Promise<BudgetView[]> {
    const rows = await this.store.budgetSummaries(m, programmeId, year);
    return rows.map((r) => budgetView(programmeId, r));
  }

  async viewOf(m: EntityManager, r: ProgrammeRow): Promise<ProgrammeView> {
    return programmeView(r, await this.ledger.balances(m, positionAccounts(r.id)));
  }
}
