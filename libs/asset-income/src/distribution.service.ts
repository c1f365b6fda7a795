import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, runIdempotent, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { parseYuan, type Fen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { computeDistribution } from './domain/distribution.js';
import { dividendPaymentLines } from './domain/dividend-posting.js';
import type { FloorRecipients } from './domain/model.js';
import { runSignature, type RunFacts } from './domain/run-signature.js';
import type { LinesQuery, PayDto, PreviewDistributionDto, RunsQuery, SettlementDto, StatementQuery } from './dto.js';
import { AssetIncomeDistributionReadsService, type RunView } from './distribution.reads.service.js';
import { AssetIncomeSettlementService } from './distribution.settlement.service.js';
import { DistributionStore, type LineRow, type RunFigures, type RunRow } from './store/distribution.store.js';
import { actorName, requireStatus, type ProjectRecord } from './project.js';
import { holdingsAt, loadProject, otherClasses, pendingRightMoves } from './store/project-records.store.js';

export type { RunView } from './distribution.reads.service.js';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

/** The stored run's facts, in the form the run was worked out in. */
function storedFacts(run: RunRow, lines: LineRow[]): RunFacts {
  return {
    resultVersion: run.result_version,
    distributableFen: BigInt(run.distributable_fen),
    topUpAvailableFen: BigInt(run.top_up_available_fen),
    operatorTopUpFen: BigInt(run.operator_top_up_fen),
    operatorOwesFen: BigInt(run.operator_owes_fen),
    entitledFen: BigInt(run.entitled_fen),
    householdsBenefited: run.households_benefited,
    peopleBenefited: run.people_benefited,
    lines: lines.map((l) => ({
      holderType: l.holder_type,
      classKind: l.class_kind,
      householdId: l.household_id === null ? null : String(l.household_id),
      rightId: l.right_id === null ? null : String(l.right_id),
      basisFen: BigInt(l.basis_fen),
      memberCount: l.member_count,
      proRataFen: BigInt(l.pro_rata_fen),
      floorFen: BigInt(l.floor_fen),
      entitledFen: BigInt(l.entitled_fen),
      paidFen: BigInt(l.paid_fen),
    })),
  };
}

/**
 * The yearly dividend run of a project: preview (computed and stored, replaceable) → approve (by someone other
 * than the preparer, on unchanged facts) → pay (one ledger entry, Idempotency-Key). One run per project and year:
 * a paid year can never be paid again. Also the households' dividend statements and the operator settling the
 * floor it owed.
 */
@Injectable()
export class AssetIncomeDistributionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: DistributionStore,
    private readonly reads: AssetIncomeDistributionReadsService,
    private readonly settlement: AssetIncomeSettlementService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Works the year out from the current result and register (no writes), with the floor paid to `floorRecipients`:
   * the project's setting for a preview and an approval, the run's own for a payment (an approved run is paid as it
   * was approved, whatever the project's setting became since).
   */
  private async compute(m: EntityManager, p: ProjectRecord, year: number, recordDate: string, topUpFen: Fen, floorRecipients: FloorRecipients) {
    const result = await this.store.annualResult(m, p.id, year);
    if (!result) {
      throw new DomainError('ASSET_INCOME_RESULT_MISSING', `project ${p.id} has no results for ${year}`, [
        { field: 'year', code: 'ASSET_INCOME_RESULT_MISSING', message: 'record the year’s results first' },
      ]);
    }
    const pending = await pendingRightMoves(m, p, recordDate, year);
    if (pending.length) {
      throw new DomainError(
        'ASSET_INCOME_RIGHTS_PENDING',
        `${pending.length} right holder(s) are no longer poor and rule ${p.rightRule} moves their rights: move them first`,
        pending.map((x) => ({
          field: `rights[${x.rightId}]`,
          code: 'RIGHT_HOLDER_NOT_POOR',
          message: `household ${x.householdId} is ${x.status}${x.graduatedYear ? ` (${x.graduatedYear})` : ''}`,
        })),
      );
    }
    const holdings = await holdingsAt(m, p.id, recordDate);
    const classes = await otherClasses(m, p.id);
    const computed = computeDistribution({
      netProfitFen: BigInt(result.net_profit_fen),
      payoutPercent: p.payoutPercent,
      floorRatePercent: p.floorRatePercent,
      floorRecipients,
      collectiveFen: holdings.collectiveFen,
      households: holdings.households,
      otherClasses: classes,
      topUpAvailableFen: topUpFen,
    });
    return { computed, resultVersion: result.version, netProfitFen: BigInt(result.net_profit_fen) };
  }

  private lockRun(m: EntityManager, projectId: string, year: number): Promise<RunRow | undefined> {
    return this.store.lockRun(m, projectId, year);
  }

  private lines(m: EntityManager, runId: string): Promise<LineRow[]> {
    return this.store.lines(m, runId);
  }

  async preview(projectId: string, year: number, dto: PreviewDistributionDto, actor?: Actor): Promise<RunView> {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'a dividend run');
      const recordDate = dto.recordDate ?? `${year}-12-31`;
      const errors: FieldError[] = [];
      if (p.quantifiedOn && recordDate < p.quantifiedOn) {
        errors.push({ field: 'recordDate', code: 'BEFORE_QUANTIFICATION', message: `the register starts on ${p.quantifiedOn}` });
      }
      if (recordDate < `${year}-01-01`) errors.push({ field: 'recordDate', code: 'BEFORE_YEAR', message: `must fall in ${year} or later` });
      if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid record date', errors);
      const existing = await this.lockRun(m, projectId, year);
      if (existing && existing.status === 'PAID') throw alreadyPaid(projectId, year);
      if (existing && existing.status === 'APPROVED') {
        throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${year} run of project ${projectId} is approved: pay it instead of previewing again`);
      }
      const topUpFen = dto.operatorTopUpAvailable ? (parseYuan(dto.operatorTopUpAvailable, { allowZero: true }) as { fen: Fen }).fen : 0n;
      const { computed: c, resultVersion, netProfitFen } = await this.compute(m, p, year, recordDate, topUpFen, p.floorRecipients);
      const by = actorName(actor);
      const figures: RunFigures = {
        recordDate,
        resultVersion,
        netProfitFen: netProfitFen.toString(),
        distributableFen: c.distributableFen.toString(),
        floorRatePercent: p.floorRatePercent,
        floorRecipients: p.floorRecipients,
        payoutPercent: p.payoutPercent,
        specialProRataFen: c.specialProRataFen.toString(),
        floorShortfallFen: c.floorShortfallFen.toString(),
        borneByOthersFen: c.borneByOthersFen.toString(),
        topUpAvailableFen: topUpFen.toString(),
        operatorTopUpFen: c.operatorTopUpFen.toString(),
        operatorOwesFen: c.operatorOwesFen.toString(),
        entitledFen: c.entitledFen.toString(),
        paidNowFen: c.paidNowFen.toString(),
        householdsBenefited: c.householdsBenefited,
        peopleBenefited: c.peopleBenefited,
        preparedBy: by,
      };
      let runId: string;
      if (existing) {
        runId = String(existing.id);
        await this.store.rewriteRun(m, runId, figures);
      } else {
        runId = await this.store.insertRun(m, projectId, year, figures);
      }
      await this.store.insertLines(m, runId, c.lines);
      const view = await this.runView(m, runId);
      await this.audit.record(m, {
        action: 'ASSET_INCOME_DISTRIBUTION_PREPARED',
        entityType: 'asset_income_project',
        entityId: projectId,
        after: { ...view, byClass: view.byClass },
      });
      return view;
    });
  }

  /**
   * Re-works the run from today's facts and refuses when they no longer give what was previewed. An approval first
   * refuses a run previewed under another floor setting than the project's now; a payment re-works it with the run's
   * own setting (an approved run is paid as approved).
   */
  private async assertFresh(m: EntityManager, p: ProjectRecord, run: RunRow, floorRecipients: FloorRecipients): Promise<void> {
    const topUp = BigInt(run.top_up_available_fen);
    const { computed, resultVersion } = await this.compute(m, p, run.year, run.record_date, topUp, floorRecipients);
    const fresh = runSignature({ ...computed, resultVersion, topUpAvailableFen: topUp });
    if (fresh !== runSignature(storedFacts(run, await this.lines(m, String(run.id))))) {
      throw new DomainError(
        'ASSET_INCOME_RUN_STALE',
        `the ${run.year} results or share register changed since the run was previewed: preview it again`,
      );
    }
  }

  async approve(projectId: string, year: number, actor?: Actor): Promise<RunView> {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'approving a dividend run');
      const run = await this.lockRun(m, projectId, year);
      if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
      if (run.status === 'PAID') throw alreadyPaid(projectId, year);
      if (run.status !== 'PREPARED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${year} run is already ${run.status}`);
      const by = actorName(actor);
      if (by === run.prepared_by) {
        throw new DomainError('ASSET_INCOME_SAME_APPROVER', 'the run must be approved by someone other than the person who prepared it (maker-checker)');
      }
      if (run.floor_recipients !== p.floorRecipients) {
        throw new DomainError(
          'ASSET_INCOME_RUN_STALE',
          `the project's floor now goes to ${p.floorRecipients}, the ${run.year} run was previewed with ${run.floor_recipients}: preview it again`,
        );
      }
      await this.assertFresh(m, p, run, p.floorRecipients);
      await this.store.markApproved(m, String(run.id), by);
      const view = await this.runView(m, String(run.id));
      await this.audit.record(m, {
        action: 'ASSET_INCOME_DISTRIBUTION_APPROVED',
        entityType: 'asset_income_project',
        entityId: projectId,
        before: { status: run.status },
        after: { runId: view.id, year, status: view.status, entitled: view.entitled, paidNow: view.paidNow, operatorOwes: view.operatorOwes },
      });
      return view;
    });
  }

  /**
   * Pays an approved run: one journal entry (its key derived from project and year, so a second payment of the
   * year cannot post even through another path). Paid now: dividends by class out of profit and the operator's
   * top-up; the floor the operator cannot pay is a receivable from it and a payable to the special-fund holders.
   */
  async pay(projectId: string, year: number, dto: PayDto, idempotencyKey: string, actor?: Actor): Promise<RunView> {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:distribution-pay', idempotencyKey, { projectId, year, ...dto }, async () => {
        const p = await loadProject(m, projectId, true);
        requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'paying dividends');
        const run = await this.lockRun(m, projectId, year);
        if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
        if (run.status === 'PAID') throw alreadyPaid(projectId, year);
        if (run.status !== 'APPROVED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${year} run is ${run.status}: approve it first`);
        const paidOn = dto.paidOn ?? this.clock.today();
        const errors: FieldError[] = [];
        if (paidOn > this.clock.today()) errors.push({ field: 'paidOn', code: 'DATE_IN_FUTURE', message: 'may not be after today' });
        if (paidOn < run.record_date) errors.push({ field: 'paidOn', code: 'BEFORE_RECORD_DATE', message: `may not be before the record date ${run.record_date}` });
        if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid payment date', errors);
        await this.assertFresh(m, p, run, run.floor_recipients);
        const lines = await this.lines(m, String(run.id));
        const a = projectAccounts(projectId);
        const posting = dividendPaymentLines(
          a,
          lines.map((l) => ({ classKind: l.class_kind, paidFen: BigInt(l.paid_fen) })),
          BigInt(run.distributable_fen),
          BigInt(run.operator_top_up_fen),
          BigInt(run.operator_owes_fen),
        );
        let entryId: string | null = null;
        // A year with no profit and a zero floor owes nobody anything: the run is closed without an entry.
        if (posting.length >= 2) {
          ({ entryId } = await this.ledger.post(m, {
            idempotencyKey: `aip:dividends:${projectId}:${year}`,
            code: 'AIP_DIVIDEND_PAYMENT',
            valueDate: paidOn,
            memo: `asset-income project ${projectId}: ${year} dividends`,
            lines: posting,
          }));
        }
        await this.store.markPaid(m, String(run.id), actorName(actor), paidOn, entryId);
        const view = await this.runView(m, String(run.id));
        await this.audit.record(m, {
          action: 'ASSET_INCOME_DIVIDENDS_PAID',
          entityType: 'asset_income_project',
          entityId: projectId,
          before: { status: run.status },
          after: {
            runId: view.id,
            year,
            entryId,
            paidNow: view.paidNow,
            operatorOwes: view.operatorOwes,
            householdsBenefited: view.householdsBenefited,
            peopleBenefited: view.peopleBenefited,
          },
        });
        return view;
      });
      return result;
    });
  }

  get(projectId: string, year: number): Promise<RunView> {
    return this.reads.get(projectId, year);
  }

  list(q: Filter<RunsQuery>, page: PageQuery): Promise<Page<RunView>> {
    return this.reads.list(q, page);
  }

  runLines(projectId: string, year: number, q: Filter<LinesQuery>, page: PageQuery) {
    return this.reads.runLines(projectId, year, q, page);
  }

  /** A household's dividend statement: every paid year of every project it held a right in. */
  householdStatement(householdId: string, q: Filter<StatementQuery>, page: PageQuery) {
    return this.reads.householdStatement(householdId, q, page);
  }

  /**
   * The operator pays (part of) the floor it owed: oldest year first, each holder in proportion to what it is
   * still owed. Refused beyond the debt; OPERATOR:OWES and DIVIDENDS:PAYABLE are bounded at zero as well.
   */
  settle(projectId: string, dto: SettlementDto, idempotencyKey: string, actor?: Actor) {
    return this.settlement.settle(projectId, dto, idempotencyKey, actor);
  }

  private runView(m: EntityManager, runId: string): Promise<RunView> {
    return this.reads.runView(m, runId);
  }
}

function alreadyPaid(projectId: string, year: number): DomainError {
  return new DomainError('ASSET_INCOME_ALREADY_PAID', `the ${year} dividends of project ${projectId} are already paid`, [
    { field: 'year', code: 'ASSET_INCOME_ALREADY_PAID', message: 'one run per project and year' },
  ]);
}
