import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  runIdempotent,
  type Actor,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { percentOf } from './domain/thresholds.js';
import type { MoveRightDto, RightsQuery } from './dto.js';
import { ProjectsStore, type RightRow } from './store/projects.store.js';
import { actorName, requireStatus } from './project.js';
import { loadProject } from './store/project-records.store.js';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

export interface RightView {
  id: string;
  holderType: 'COLLECTIVE' | 'HOUSEHOLD';
  householdId: string | null;
  headName: string | null;
  memberCount: number | null;
  householdStatus: string | null;
  amount: string;
  sharePercent: string;
  weight: number;
  validFrom: string;
  validTo: string | null;
  origin: string;
  predecessorId: string | null;
  reason: string | null;
}

/** The share register of a project: its rights, the rights pending a move, and moving a right. */
@Injectable()
export class AssetIncomeRightsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: ProjectsStore,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  private today(): string {
    return this.clock.today();
  }

  async rights(id: string, q: Filter<RightsQuery>, page: PageQuery): Promise<Page<RightView>> {
    const m = this.dataSource.manager;
    const p = await loadProject(m, id);
    const { rows, total } = await this.store.pageRights(id, q, page);
    return {
      items: rows.map((r) => rightView(r, p.specialFundFen)),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  /** Current household rights whose holder is no longer poor while the project's rule moves such rights. */
  async pendingMoves(id: string) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, id);
    if (p.rightRule === 'KEEP') return { projectId: id, rightRule: p.rightRule, items: [] };
    const rows = await this.store.notPoorHolders(m, id);
    return {
      projectId: id,
      rightRule: p.rightRule,
      items: rows.map((r) => ({ ...rightView(r, p.specialFundFen), graduatedYear: r.graduated_year })),
    };
  }

  /**
   * A household stopped being poor: its right passes to another poor household of the village (rule TRANSFER)
   * or back to the village collective (rule RETURN_TO_COLLECTIVE, which also moves the amount between the
   * special-fund accounts). The old row is closed, never edited otherwise; the new row names it as predecessor.
   * A move may not reach back into a year whose dividends are approved or paid.
   */
  async moveRight(
    id: string,
    rightId: string,
    dto: MoveRightDto,
    idempotencyKey: string,
    actor?: Actor,
  ): Promise<{ closed: RightView; opened: RightView }> {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(
        m,
        'asset-income:move-right',
        idempotencyKey,
        { projectId: id, rightId, ...dto },
        async () => {
          const p = await loadProject(m, id, true);
          requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'moving a right');
          const right = /^\d{1,18}$/.test(rightId) ? await this.store.lockRight(m, id, rightId) : undefined;
          if (!right) throw new DomainError('NOT_FOUND', `right ${rightId} of project ${id} not found`);
          const errors: FieldError[] = [];
          if (p.rightRule === 'KEEP') {
            errors.push({
              field: 'rightId',
              code: 'RIGHT_RULE_KEEP',
              message: 'this project keeps rights with their households when they graduate',
            });
          }
          if (right.valid_to !== null)
            errors.push({
              field: 'rightId',
              code: 'RIGHT_NOT_CURRENT',
              message: `the right already ended on ${right.valid_to}`,
            });
          if (right.holder_type !== 'HOUSEHOLD') {
            errors.push({
              field: 'rightId',
              code: 'RIGHT_HELD_BY_COLLECTIVE',
              message: "the collective's right does not move",
            });
          } else if (right.household_status === 'POOR') {
            errors.push({
              field: 'rightId',
              code: 'HOLDER_STILL_POOR',
              message: 'the holder is still a registered poor household',
            });
          }
          if (dto.effectiveDate <= right.valid_from) {
            errors.push({
              field: 'effectiveDate',
              code: 'BEFORE_RIGHT_START',
              message: `must be after the right's start on ${right.valid_from}`,
            });
          }
          const lastRecord = await this.store.lastApprovedRecordDate(m, id);
          if (lastRecord?.record_date && dto.effectiveDate <= lastRecord.record_date) {
            errors.push({
              field: 'effectiveDate',
              code: 'BEFORE_PAID_DISTRIBUTION',
              message: `dividends with record date ${lastRecord.record_date} are approved or paid: the move must take effect after it`,
            });
          }
          let recipient: { id: string; village_id: string; status: string } | undefined;
          if (p.rightRule === 'TRANSFER') {
            if (!dto.toHouseholdId) {
              errors.push({
                field: 'toHouseholdId',
                code: 'RECIPIENT_REQUIRED',
                message: 'rule TRANSFER needs the poor household receiving the right',
              });
            } else {
              recipient = await this.store.household(m, dto.toHouseholdId);
              if (!recipient) {
                errors.push({
                  field: 'toHouseholdId',
                  code: 'UNKNOWN_HOUSEHOLD',
                  message: `household ${dto.toHouseholdId} does not exist`,
                });
              } else {
                if (String(recipient.village_id) !== p.villageId) {
                  errors.push({
                    field: 'toHouseholdId',
                    code: 'RECIPIENT_NOT_OF_VILLAGE',
                    message: 'the recipient must live in the project village',
                  });
                }
                if (recipient.status !== 'POOR') {
                  errors.push({
                    field: 'toHouseholdId',
                    code: 'RECIPIENT_NOT_POOR',
                    message: 'the recipient must be a registered poor household',
                  });
                }
                const holds = await this.store.holdsRight(m, id, dto.toHouseholdId);
                if (holds)
                  errors.push({
                    field: 'toHouseholdId',
                    code: 'RECIPIENT_HOLDS_RIGHT',
                    message: 'the recipient already holds a right in this project',
                  });
              }
            }
          } else if (p.rightRule === 'RETURN_TO_COLLECTIVE' && dto.toHouseholdId) {
            errors.push({
              field: 'toHouseholdId',
              code: 'RECIPIENT_NOT_ALLOWED',
              message: 'under RETURN_TO_COLLECTIVE the right returns to the village collective',
            });
          }
          if (dto.effectiveDate > this.today())
            errors.push({
              field: 'effectiveDate',
              code: 'DATE_IN_FUTURE',
              message: 'may not be after today',
            });
          if (errors.length)
            throw new DomainError(
              'ASSET_INCOME_RIGHT_MOVE_REFUSED',
              `the right cannot move: ${errors.length} rule(s) broken`,
              errors,
            );

          const by = actorName(actor);
          await this.store.closeRight(m, rightId, dto.effectiveDate);
          const toReturn = p.rightRule === 'RETURN_TO_COLLECTIVE';
          const openedId = await this.store.insertMovedRight(m, {
            projectId: id,
            holderType: toReturn ? 'COLLECTIVE' : 'HOUSEHOLD',
            householdId: toReturn ? null : recipient!.id,
            amountFen: right.amount_fen,
            weight: right.weight,
            validFrom: dto.effectiveDate,
            origin: toReturn ? 'RETURN_TO_COLLECTIVE' : 'TRANSFER',
            predecessorId: rightId,
            reason: dto.reason,
            createdBy: by,
          });
          let entryId: string | null = null;
          if (toReturn && BigInt(right.amount_fen) > 0n) {
            const a = projectAccounts(id);
            ({ entryId } = await this.ledger.post(m, {
              idempotencyKey: `aip:right-return:${rightId}`,
              code: 'AIP_RIGHT_RETURNED',
              valueDate: dto.effectiveDate,
              memo: `asset-income project ${id}: right ${rightId} of household ${right.household_id} returned to the village collective`,
              lines: [
                { account: a.specialHouseholds, side: 'DEBIT', amountFen: BigInt(right.amount_fen) },
                { account: a.specialCollective, side: 'CREDIT', amountFen: BigInt(right.amount_fen) },
              ],
            }));
          }
          const read = async (rid: string) => rightView(await this.store.right(m, rid), p.specialFundFen);
          const out = { closed: await read(rightId), opened: await read(openedId) };
          await this.audit.record(m, {
            action: 'ASSET_INCOME_RIGHT_MOVED',
            entityType: 'asset_income_project',
            entityId: id,
            before: {
              rightId,
              householdId: right.household_id,
              amount: formatYuan(BigInt(right.amount_fen)),
            },
            after: { rule: p.rightRule, ...out, entryId },
          });
          return out;
        },
      );
      return result;
    });
  }
}

function rightView(r: RightRow, specialFundFen: Fen): RightView {
  return {
    id: String(r.id),
    holderType: r.holder_type,
    householdId: r.household_id === null ? null : String(r.household_id),
    headName: r.head_name ?? null,
    memberCount: r.member_count ?? null,
    householdStatus: r.household_status ?? null,
    amount: formatYuan(BigInt(r.amount_fen)),
    sharePercent: percentOf(BigInt(r.amount_fen), specialFundFen),
    weight: r.weight,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    origin: r.origin,
    predecessorId: r.predecessor_id === null ? null : String(r.predecessor_id),
    reason: r.reason,
  };
}
