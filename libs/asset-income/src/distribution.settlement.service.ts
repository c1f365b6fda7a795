import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { type Actor, callerKey, Clock, DomainError, runIdempotent } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, parseYuan, type Fen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { settlementLines } from './domain/dividend-posting.js';
import { allocateSettlement } from './domain/settlement.js';
import type { SettlementDto } from './dto.js';
import { DistributionStore } from './store/distribution.store.js';
import { actorName } from './project.js';
import { loadProject } from './store/project-records.store.js';

/** The operator settling the dividend floor it owed. */
@Injectable()
export class AssetIncomeSettlementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: DistributionStore,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * The operator pays (part of) the floor it owed: oldest year first, each holder in proportion to what it is
   * still owed. Refused beyond the debt; OPERATOR:OWES and DIVIDENDS:PAYABLE are bounded at zero as well.
   */
  async settle(projectId: string, dto: SettlementDto, idempotencyKey: string, actor?: Actor) {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(
        m,
        'asset-income:operator-settlement',
        idempotencyKey,
        { projectId, ...dto },
        async () => {
          const p = await loadProject(m, projectId, true);
          const amountFen = (parseYuan(dto.amount) as { fen: Fen }).fen;
          const settledOn = dto.settledOn ?? this.clock.today();
          if (settledOn > this.clock.today()) {
            throw new DomainError('VALIDATION_FAILED', 'invalid settlement date', [
              { field: 'settledOn', code: 'DATE_IN_FUTURE', message: 'may not be after today' },
            ]);
          }
          const a = projectAccounts(projectId);
          const owed = await this.ledger.balanceOf(m, a.operatorOwes);
          if (amountFen > owed) {
            throw new DomainError(
              'ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT',
              `the operator owes ${formatYuan(owed)}`,
              [
                {
                  field: 'amount',
                  code: 'ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT',
                  message: `may not exceed what the operator owes (${formatYuan(owed)})`,
                },
              ],
            );
          }
          const open = await this.store.lockOpenLines(m, projectId);
          const runs = new Map<
            string,
            { runId: string; year: number; lines: { lineId: string; outstandingFen: Fen }[] }
          >();
          for (const l of open) {
            const key = String(l.run_id);
            if (!runs.has(key)) runs.set(key, { runId: key, year: l.year, lines: [] });
            runs.get(key)!.lines.push({ lineId: String(l.id), outstandingFen: BigInt(l.outstanding) });
          }
          const parts = allocateSettlement(amountFen, [...runs.values()]);
          const ids = [...parts.keys()];
          await this.store.addPaid(
            m,
            ids,
            ids.map((i) => parts.get(i)!.toString()),
          );
          const kindOf = new Map(open.map((l) => [String(l.id), l.class_kind]));
          const posting = settlementLines(
            a,
            ids.map((i) => ({ classKind: kindOf.get(i)!, paidFen: parts.get(i)! })),
            amountFen,
          );
          const { entryId } = await this.ledger.post(m, {
            idempotencyKey: `aip:settlement:${projectId}:${callerKey(idempotencyKey)}`,
            code: 'AIP_OPERATOR_SETTLEMENT',
            valueDate: settledOn,
            memo: `asset-income project ${projectId}: operator pays ${formatYuan(amountFen)} of the floor it owed`,
            lines: posting,
          });
          const settlementId = await this.store.insertSettlement(
            m,
            projectId,
            amountFen.toString(),
            settledOn,
            entryId,
            actorName(actor),
          );
          const out = {
            id: settlementId,
            projectId,
            amount: formatYuan(amountFen),
            settledOn,
            entryId,
            holdersPaid: ids.length,
            operatorOwes: formatYuan(owed - amountFen),
          };
          await this.audit.record(m, {
            action: 'ASSET_INCOME_OPERATOR_SETTLED',
            entityType: 'asset_income_project',
            entityId: p.id,
            after: out,
          });
          return out;
        },
      );
      return result;
    });
  }
}
