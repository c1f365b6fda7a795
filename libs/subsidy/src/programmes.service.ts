import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  isUniqueViolation,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  runIdempotent,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { ContributionRegister } from '#libs/funding';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import {
  PROGRAMME_OWNER_TYPE,
  programmeAccountList,
  programmeAccounts,
  type ProgrammeAccounts,
  type ProgrammeSource,
} from './domain/accounts.js';
import {
  calendarErrors,
  DEFAULT_CALENDAR,
  periodsOfYear,
  type SettlementCalendar,
  type SettlementPeriod,
} from './domain/calendar.js';
import { QueueService, type QueueRun } from './queue.service.js';

export const SETTLEMENT_MODES = ['PAY_BANK', 'REIMBURSE_BORROWER'] as const;
export type SettlementMode = (typeof SETTLEMENT_MODES)[number];

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

export interface ProgrammeRow {
  id: string;
  code: string;
  name: string;
  district_id: string | null;
  settlement_mode: SettlementMode;
  period_end_months: number[];
  period_end_day: number;
  grace_days: number;
  status: 'ACTIVE' | 'CLOSED';
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface ProgrammeView {
  id: string;
  code: string;
  name: string;
  districtId: string | null;
  settlementMode: SettlementMode;
  calendar: { periodEndMonths: number[]; periodEndDay: number };
  graceDays: number;
  status: 'ACTIVE' | 'CLOSED';
  accounts: ProgrammeAccounts;
  position: {
    /** Cash not yet committed to a claim. */
    available: string;
    /** Cash set aside for approved claims not yet paid out. */
    setAside: string;
    payableToBanks: string;
    payableToBorrowers: string;
    expense: string;
    fundedBySource: Record<ProgrammeSource, string>;
  };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
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

export interface BudgetView {
  programmeId: string;
  year: number;
  budget: string;
  committed: string;
  remaining: string;
  /** Approved claims' remainders waiting for budget or money. */
  queued: string;
  queuedClaims: number;
}

export interface BudgetInput {
  year: number;
  budgetFen: Fen;
  reason: string;
  documentRef?: string | null;
}

export interface ProgrammeFilter {
  districtId?: string;
  settlementMode?: SettlementMode;
  status?: 'ACTIVE' | 'CLOSED';
  q?: string;
}

export const calendarOf = (
  p: Pick<ProgrammeRow, 'period_end_months' | 'period_end_day'>,
): SettlementCalendar => ({
  endMonths: p.period_end_months,
  endDay: p.period_end_day,
});

export const actorName = (): string => RequestContext.actor()?.username ?? 'system';

const CODE = /^[A-Z][A-Z0-9_-]{1,39}$/;
const ID = /^[1-9]\d{0,17}$/;
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
    const errors: FieldError[] = [];
    if (typeof input.code !== 'string' || !CODE.test(input.code)) {
      errors.push({
        field: 'code',
        code: 'FORMAT',
        message: 'code must be 2-40 characters of A-Z, 0-9, _ and -, starting with a letter',
      });
    }
    if (typeof input.name !== 'string' || input.name.trim().length === 0 || input.name.length > 200) {
      errors.push({ field: 'name', code: 'FORMAT', message: 'name must be 1-200 characters' });
    }
    if (!(SETTLEMENT_MODES as readonly string[]).includes(input.settlementMode)) {
      errors.push({
        field: 'settlementMode',
        code: 'INVALID',
        message: `settlementMode must be one of ${SETTLEMENT_MODES.join(', ')}`,
      });
    }
    for (const e of calendarErrors(calendar)) errors.push({ ...e, code: 'INVALID' });
    if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 90) {
      errors.push({
        field: 'graceDays',
        code: 'RANGE',
        message: 'graceDays must be a whole number of days from 0 to 90',
      });
    }
    const districtId = input.districtId ?? null;
    if (districtId !== null) {
      const exists =
        ID.test(districtId) &&
        (await queryOne(this.dataSource.manager, `SELECT 1 FROM districts WHERE id = $1`, [districtId]));
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
        const [row] = await queryRows<ProgrammeRow>(
          m,
          `INSERT INTO subsidy_programmes (code, name, district_id, settlement_mode, period_end_months, period_end_day, grace_days, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [
            input.code,
            input.name.trim(),
            districtId,
            input.settlementMode,
            [...calendar.endMonths].sort((a, b) => a - b),
            calendar.endDay,
            graceDays,
            actorName(),
          ],
        );
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
    const errors: FieldError[] = [];
    if (patch.name !== undefined && (patch.name.trim().length === 0 || patch.name.length > 200)) {
      errors.push({ field: 'name', code: 'FORMAT', message: 'name must be 1-200 characters' });
    }
    if (
      patch.graceDays !== undefined &&
      (!Number.isInteger(patch.graceDays) || patch.graceDays < 0 || patch.graceDays > 90)
    ) {
      errors.push({
        field: 'graceDays',
        code: 'RANGE',
        message: 'graceDays must be a whole number of days from 0 to 90',
      });
    }
    if (errors.length) throw invalid(errors);
    return this.dataSource.transaction(async (m) => {
      const before = await this.lock(m, id);
      const [row] = await queryRows<ProgrammeRow>(
        m,
        `UPDATE subsidy_programmes SET name = coalesce($2, name), grace_days = coalesce($3, grace_days), status = coalesce($4, status),
                updated_at = now(), version = version + 1
          WHERE id = $1 RETURNING *`,
        [id, patch.name?.trim() ?? null, patch.graceDays ?? null, patch.status ?? null],
      );
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
    const row = ID.test(id)
      ? await queryOne<ProgrammeRow>(m, `SELECT * FROM subsidy_programmes WHERE id = $1 FOR UPDATE`, [id])
      : undefined;
    if (!row) throw new DomainError('NOT_FOUND', `subsidy programme ${id} not found`);
    return row;
  }

  async row(id: string, m: EntityManager = this.dataSource.manager): Promise<ProgrammeRow> {
    const row = ID.test(id)
      ? await queryOne<ProgrammeRow>(m, `SELECT * FROM subsidy_programmes WHERE id = $1`, [id])
      : undefined;
    if (!row) throw new DomainError('NOT_FOUND', `subsidy programme ${id} not found`);
    return row;
  }

  async get(id: string): Promise<ProgrammeView> {
    return this.viewOf(this.dataSource.manager, await this.row(id));
  }

  async list(filter: ProgrammeFilter, page: PageQuery): Promise<Page<ProgrammeView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.settlementMode) where.push(`settlement_mode = $${params.push(filter.settlementMode)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.q)
      where.push(
        `(code ILIKE $${params.push(`%${filter.q.replace(/[%_\\]/g, '\\$&')}%`)} OR name ILIKE $${params.length})`,
      );
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM subsidy_programmes ${clause}`,
      params,
    );
    const rows = await queryRows<ProgrammeRow>(
      m,
      `SELECT * FROM subsidy_programmes ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
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
    const sums = await queryRows<{
      period_end: string;
      claims: number;
      total: string;
      approved: string;
      queued: string;
    }>(
      this.dataSource.manager,
      `SELECT period_end, count(*) FILTER (WHERE kind <> 'REMAINDER' AND status IN ('DRAFT','APPROVED','PAID'))::int AS claims,
              coalesce(sum(total_fen) FILTER (WHERE kind <> 'REMAINDER' AND status IN ('APPROVED','PAID')), 0)::text AS total,
              coalesce(sum(approved_fen) FILTER (WHERE status IN ('APPROVED','PAID')), 0)::text AS approved,
              coalesce(sum(total_fen) FILTER (WHERE status = 'QUEUED'), 0)::text AS queued
         FROM subsidy_claims WHERE programme_id = $1 AND budget_year = $2 GROUP BY period_end`,
      [p.id, year],
    );
    const byEnd = new Map(sums.map((s) => [s.period_end, s]));
    return periods.map((x) => {
      const s = byEnd.get(x.end);
      return {
        ...x,
        claims: s?.claims ?? 0,
        total: formatYuan(BigInt(s?.total ?? 0)),
        approved: formatYuan(BigInt(s?.approved ?? 0)),
        queued: formatYuan(BigInt(s?.queued ?? 0)),
      };
    });
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
    const errors: FieldError[] = [];
    if (c.amountFen <= 0n)
      errors.push({ field: 'amount', code: 'RANGE', message: 'amount must be above zero' });
    if (c.receivedOn > today)
      errors.push({
        field: 'receivedOn',
        code: 'FUTURE',
        message: `receivedOn may not be after today (${today})`,
      });
    if (!Number.isInteger(c.year) || c.year < 2000 || c.year > 2100)
      errors.push({ field: 'year', code: 'RANGE', message: 'year must be 2000-2100' });
    // public money always arrives under a document (拨款文件号), as in the village funds' register
    if (!c.documentRef || !c.documentRef.trim()) {
      errors.push({
        field: 'documentRef',
        code: 'REQUIRED',
        message: `a ${c.source} contribution needs its document reference`,
      });
    }
    if (c.source === 'SOE') {
      if (!c.soeName)
        errors.push({
          field: 'soeName',
          code: 'REQUIRED',
          message: 'an SOE contribution names the enterprise',
        });
      if (c.soeProfitBaseFen === null) {
        errors.push({
          field: 'soeProfitBase',
          code: 'REQUIRED',
          message: 'an SOE contribution records the profit base the 3 % rule applies to',
        });
      } else if (c.amountFen > c.soeProfitBaseFen) {
        errors.push({
          field: 'amount',
          code: 'ABOVE_PROFIT_BASE',
          message: 'an SOE contributes a share of its profit: the amount cannot exceed the profit base',
        });
      }
    } else {
      if (c.soeName)
        errors.push({
          field: 'soeName',
          code: 'NOT_ALLOWED',
          message: 'soeName belongs to SOE contributions only',
        });
      if (c.soeProfitBaseFen !== null)
        errors.push({
          field: 'soeProfitBase',
          code: 'NOT_ALLOWED',
          message: 'soeProfitBase belongs to SOE contributions only',
        });
    }
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
          businessDate: today,
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
          idempotencyKey: `${CONTRIBUTION_SCOPE}:${idempotencyKey}`,
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
        const queue = await this.queue.run(m, p, null, today);
        return { ...view, queue };
      }),
    );
    return result;
  }

  /**
   * Sets a year's budget (never below what approved claims already committed of it), records the change, and
   * pays queued claims of that year in order as far as the new budget and the programme's money allow.
   */
  async setBudget(
    programmeId: string,
    input: BudgetInput,
    idempotencyKey: string,
  ): Promise<BudgetView & { queue: QueueRun }> {
    const errors: FieldError[] = [];
    if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100)
      errors.push({ field: 'year', code: 'RANGE', message: 'year must be 2000-2100' });
    if (input.budgetFen < 0n)
      errors.push({ field: 'budget', code: 'RANGE', message: 'budget may not be negative' });
    if (!input.reason || !input.reason.trim())
      errors.push({ field: 'reason', code: 'REQUIRED', message: 'a budget change says why' });
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
          await m.query(
            `INSERT INTO subsidy_budgets (programme_id, year, budget_fen) VALUES ($1, $2, 0) ON CONFLICT (programme_id, year) DO NOTHING`,
            [p.id, input.year],
          );
          const [b] = await queryRows<{ budget_fen: string; committed_fen: string }>(
            m,
            `SELECT budget_fen, committed_fen FROM subsidy_budgets WHERE programme_id = $1 AND year = $2 FOR UPDATE`,
            [p.id, input.year],
          );
          const committed = BigInt(b.committed_fen);
          if (input.budgetFen < committed) {
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
          await m.query(
            `UPDATE subsidy_budgets SET budget_fen = $3, updated_at = now() WHERE programme_id = $1 AND year = $2`,
            [p.id, input.year, input.budgetFen.toString()],
          );
          await m.query(
            `INSERT INTO subsidy_budget_changes (programme_id, year, previous_fen, budget_fen, document_ref, reason, idempotency_key, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [
              p.id,
              input.year,
              b.budget_fen,
              input.budgetFen.toString(),
              input.documentRef ?? null,
              input.reason.trim(),
              `${BUDGET_SCOPE}:${idempotencyKey}`,
              actorName(),
            ],
          );
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
          const queue = await this.queue.run(m, p, input.year, today);
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
    const rows = await queryRows<{
      year: number;
      budget_fen: string;
      committed_fen: string;
      queued: string;
      queued_claims: number;
    }>(
      m,
      `SELECT b.year, b.budget_fen, b.committed_fen,
              coalesce((SELECT sum(total_fen) FROM subsidy_claims c WHERE c.programme_id = b.programme_id AND c.budget_year = b.year AND c.status = 'QUEUED'), 0)::text AS queued,
              (SELECT count(*) FROM subsidy_claims c WHERE c.programme_id = b.programme_id AND c.budget_year = b.year AND c.status = 'QUEUED')::int AS queued_claims
         FROM subsidy_budgets b WHERE b.programme_id = $1 AND ($2::int IS NULL OR b.year = $2) ORDER BY b.year`,
      [programmeId, year],
    );
    return rows.map((r) => ({
      programmeId,
      year: r.year,
      budget: formatYuan(BigInt(r.budget_fen)),
      committed: formatYuan(BigInt(r.committed_fen)),
      remaining: formatYuan(BigInt(r.budget_fen) - BigInt(r.committed_fen)),
      queued: formatYuan(BigInt(r.queued)),
      queuedClaims: r.queued_claims,
    }));
  }

  async viewOf(m: EntityManager, r: ProgrammeRow): Promise<ProgrammeView> {
    const a = programmeAccounts(r.id);
    const balances = await this.ledger.balances(m, [
      a.budget,
      a.settlement,
      a.expense,
      a.payableBank,
      a.payableBorrower,
      ...Object.values(a.funding),
    ]);
    const b = (code: string) => formatYuan(balances.get(code) ?? 0n);
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      districtId: r.district_id,
      settlementMode: r.settlement_mode,
      calendar: { periodEndMonths: r.period_end_months, periodEndDay: r.period_end_day },
      graceDays: r.grace_days,
      status: r.status,
      accounts: a,
      position: {
        available: b(a.budget),
        setAside: b(a.settlement),
        payableToBanks: b(a.payableBank),
        payableToBorrowers: b(a.payableBorrower),
        expense: b(a.expense),
        fundedBySource: Object.fromEntries(
          Object.entries(a.funding).map(([s, code]) => [s, b(code)]),
        ) as Record<ProgrammeSource, string>,
      },
      createdBy: r.created_by,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }
}
