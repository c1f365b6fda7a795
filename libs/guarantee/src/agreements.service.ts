import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  isUniqueViolation,
  offsetOf,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { compareDecimal } from '#libs/money';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import { AGREEMENT_OWNER_TYPE, agreementAccountSpecs } from './domain/accounts.js';
import type { CreateAgreementDto, UpdateAgreementDto } from './dto.js';
import { BreakerService } from './breaker.service.js';
import { trimDecimal } from './domain/covers.js';
import { GuaranteeService, type AgreementRow } from './guarantee.service.js';

export interface AgreementView {
  id: string;
  agreementNo: string;
  riskFundId: string;
  districtId: string;
  bankId: string;
  bankCode: string;
  leverageMultiple: string;
  entityLeverageMultiple: string | null;
  fundSharePercent: string;
  bankSharePercent: string;
  compensationMode: 'ADVANCE' | 'FINAL_LOSS';
  triggerDays: number;
  nplThresholdPercent: string;
  validFrom: string;
  validTo: string | null;
  status: 'ACTIVE' | 'TERMINATED';
  terminatedOn: string | null;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

type AgreementJoinRow = AgreementRow & { district_id: string; bank_code: string };

const view = (r: AgreementJoinRow): AgreementView => ({
  id: r.id,
  agreementNo: r.agreement_no,
  riskFundId: r.risk_fund_id,
  districtId: r.district_id,
  bankId: r.bank_id,
  bankCode: r.bank_code,
  leverageMultiple: trimDecimal(r.leverage_multiple),
  entityLeverageMultiple:
    r.entity_leverage_multiple === null ? null : trimDecimal(r.entity_leverage_multiple),
  fundSharePercent: trimDecimal(r.fund_share_percent),
  bankSharePercent: trimDecimal(r.bank_share_percent),
  compensationMode: r.compensation_mode,
  triggerDays: r.trigger_days,
  nplThresholdPercent: trimDecimal(r.npl_threshold_percent),
  validFrom: r.valid_from,
  validTo: r.valid_to,
  status: r.status,
  terminatedOn: r.terminated_on,
  version: r.version,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const SELECT = `SELECT g.*, rf.district_id, b.code AS bank_code
                  FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id JOIN banks b ON b.id = g.bank_id`;

interface Terms {
  leverageMultiple: string;
  entityLeverageMultiple: string | null;
  fundSharePercent: string;
  bankSharePercent: string;
  compensationMode: 'ADVANCE' | 'FINAL_LOSS';
  triggerDays: number;
  nplThresholdPercent: string;
  validFrom: string;
  validTo: string | null;
}

/** Cross-field rules the DTO cannot see alone; every failure at once. */
function termProblems(t: Terms): FieldError[] {
  const out: FieldError[] = [];
  if (t.entityLeverageMultiple !== null && compareDecimal(t.entityLeverageMultiple, t.leverageMultiple) > 0) {
    out.push({
      field: 'entityLeverageMultiple',
      code: 'AGREEMENT_INVALID',
      message: `must not exceed the leverage multiple ${t.leverageMultiple}`,
    });
  }
  if (compareDecimal(t.fundSharePercent, '0') === 0 && compareDecimal(t.bankSharePercent, '0') === 0) {
    out.push({
      field: 'fundSharePercent',
      code: 'AGREEMENT_INVALID',
      message: 'the shares cannot both be zero',
    });
  }
  // exact: 80 + 20 = 100, compared on decimals scaled to two places
  const cents = (p: string) => {
    const [i, f = ''] = p.split('.');
    return BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  };
  if (cents(t.fundSharePercent) + cents(t.bankSharePercent) !== 10000n) {
    out.push({
      field: 'bankSharePercent',
      code: 'AGREEMENT_INVALID',
      message: `fund ${t.fundSharePercent} + bank ${t.bankSharePercent} must be 100`,
    });
  }
  if (t.validTo !== null && t.validTo < t.validFrom) {
    out.push({
      field: 'validTo',
      code: 'AGREEMENT_INVALID',
      message: `must not be before validFrom ${t.validFrom}`,
    });
  }
  return out;
}

/**
 * Cooperation agreements (合作协议) between a district risk fund and a partner bank: leverage multiple (and a
 * lower one for entity loans), loss shares, compensation mode and trigger, NPL suspension threshold, validity.
 * One per fund and bank; its EXPOSURE accounts are opened with it. Changes apply to loans covered afterwards
 * (a cover keeps the multiple it was reserved at).
 */
@Injectable()
export class AgreementsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly guarantee: GuaranteeService,
    private readonly breaker: BreakerService,
  ) {}

  /**
   * The district's breaker trips at the strictest threshold of its fund's active agreements, so creating,
   * editing or terminating one re-decides it (otherwise the recorded state would wait for the next loan event,
   * and registrations check the recorded state). Locks the fund first: fund → agreement, the order everywhere.
   */
  private async lockFundOf(m: EntityManager, agreementId: string) {
    const unlocked = await this.guarantee.agreementRow(m, agreementId);
    return this.guarantee.lockFund(m, unlocked.risk_fund_id);
  }

  async create(dto: CreateAgreementDto): Promise<AgreementView> {
    const terms: Terms = {
      leverageMultiple: dto.leverageMultiple ?? '10',
      entityLeverageMultiple: dto.entityLeverageMultiple ?? null,
      fundSharePercent:
        dto.fundSharePercent ??
        (dto.bankSharePercent !== undefined ? subtractFrom100(dto.bankSharePercent) : '80'),
      bankSharePercent:
        dto.bankSharePercent ??
        (dto.fundSharePercent !== undefined ? subtractFrom100(dto.fundSharePercent) : '20'),
      compensationMode: dto.compensationMode ?? 'ADVANCE',
      triggerDays: dto.triggerDays ?? 90,
      nplThresholdPercent: dto.nplThresholdPercent ?? '5',
      validFrom: dto.validFrom,
      validTo: dto.validTo ?? null,
    };
    return this.dataSource.transaction(async (m) => {
      const problems = termProblems(terms);
      const [fund] = (await m.query(`SELECT id, name, status FROM risk_funds WHERE id = $1`, [
        dto.riskFundId,
      ])) as { id: string; name: string; status: string }[];
      if (!fund)
        problems.push({ field: 'riskFundId', code: 'AGREEMENT_INVALID', message: 'unknown risk fund' });
      else if (fund.status !== 'ACTIVE')
        problems.push({ field: 'riskFundId', code: 'AGREEMENT_INVALID', message: 'the risk fund is closed' });
      const [bank] = (await m.query(`SELECT id, code FROM banks WHERE id = $1`, [dto.bankId])) as {
        id: string;
        code: string;
      }[];
      if (!bank) problems.push({ field: 'bankId', code: 'AGREEMENT_INVALID', message: 'unknown bank' });
      if (problems.length)
        throw new DomainError('AGREEMENT_INVALID', 'the agreement terms are invalid', problems);
      const locked = await this.guarantee.lockFund(m, fund.id);

      let id: string;
      try {
        const [row] = (await m.query(
          `INSERT INTO guarantee_agreements (agreement_no, risk_fund_id, bank_id, leverage_multiple, entity_leverage_multiple,
             fund_share_percent, bank_share_percent, compensation_mode, trigger_days, npl_threshold_percent, valid_from, valid_to, created_by)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`,
          [
            dto.agreementNo,
            dto.riskFundId,
            dto.bankId,
            terms.leverageMultiple,
            terms.entityLeverageMultiple,
            terms.fundSharePercent,
            terms.bankSharePercent,
            terms.compensationMode,
            terms.triggerDays,
            terms.nplThresholdPercent,
            terms.validFrom,
            terms.validTo,
            actorName(),
          ],
        )) as { id: string }[];
        id = row.id;
      } catch (e) {
        if (isUniqueViolation(e)) {
          // The violation aborted the transaction: tell the two keys apart by the constraint, not by a query.
          const sameNo = isUniqueViolation(e, 'guarantee_agreements_agreement_no_key');
          throw new DomainError(
            'AGREEMENT_EXISTS',
            sameNo
              ? `agreement number ${dto.agreementNo} is taken`
              : `bank ${bank.code} already has an agreement with risk fund ${dto.riskFundId}`,
            [
              sameNo
                ? { field: 'agreementNo', code: 'AGREEMENT_EXISTS', message: 'already exists' }
                : { field: 'bankId', code: 'AGREEMENT_EXISTS', message: 'one agreement per fund and bank' },
            ],
          );
        }
        throw e;
      }
      for (const spec of agreementAccountSpecs(id, `${fund.name} × ${bank.code} (${dto.agreementNo})`)) {
        await this.ledger.openAccount(m, { ...spec, ownerType: AGREEMENT_OWNER_TYPE, ownerId: id });
      }
      const created = await this.load(m, id);
      await this.audit.record(m, {
        action: 'AGREEMENT_CREATED',
        entityType: 'guarantee_agreement',
        entityId: id,
        after: created,
      });
      await this.breaker.evaluate(m, [locked.districtId], `agreement ${dto.agreementNo} created`);
      return created;
    });
  }

  async update(id: string, dto: UpdateAgreementDto): Promise<AgreementView> {
    return this.dataSource.transaction(async (m) => {
      const fund = await this.lockFundOf(m, id);
      const row = await this.guarantee.agreementRow(m, id, 'FOR UPDATE');
      const before = await this.load(m, id);
      if (before.status === 'TERMINATED')
        throw new DomainError('AGREEMENT_INVALID', `agreement ${id} is terminated`, [
          { field: 'status', code: 'AGREEMENT_INVALID', message: 'terminated agreements are not edited' },
        ]);
      const terms: Terms = {
        leverageMultiple: dto.leverageMultiple ?? before.leverageMultiple,
        entityLeverageMultiple:
          dto.entityLeverageMultiple === undefined
            ? before.entityLeverageMultiple
            : dto.entityLeverageMultiple,
        fundSharePercent:
          dto.fundSharePercent ??
          (dto.bankSharePercent !== undefined
            ? subtractFrom100(dto.bankSharePercent)
            : before.fundSharePercent),
        bankSharePercent:
          dto.bankSharePercent ??
          (dto.fundSharePercent !== undefined
            ? subtractFrom100(dto.fundSharePercent)
            : before.bankSharePercent),
        compensationMode: dto.compensationMode ?? before.compensationMode,
        triggerDays: dto.triggerDays ?? before.triggerDays,
        nplThresholdPercent: dto.nplThresholdPercent ?? before.nplThresholdPercent,
        validFrom: dto.validFrom ?? before.validFrom,
        validTo: dto.validTo === undefined ? before.validTo : dto.validTo,
      };
      const problems = termProblems(terms);
      if (problems.length)
        throw new DomainError('AGREEMENT_INVALID', 'the agreement terms are invalid', problems);
      await m.query(
        `UPDATE guarantee_agreements SET leverage_multiple = $2, entity_leverage_multiple = $3, fund_share_percent = $4, bank_share_percent = $5,
                compensation_mode = $6, trigger_days = $7, npl_threshold_percent = $8, valid_from = $9, valid_to = $10,
                version = version + 1, updated_at = now()
          WHERE id = $1 AND version = $11`,
        [
          id,
          terms.leverageMultiple,
          terms.entityLeverageMultiple,
          terms.fundSharePercent,
          terms.bankSharePercent,
          terms.compensationMode,
          terms.triggerDays,
          terms.nplThresholdPercent,
          terms.validFrom,
          terms.validTo,
          row.version,
        ],
      );
      const after = await this.load(m, id);
      await this.audit.record(m, {
        action: 'AGREEMENT_UPDATED',
        entityType: 'guarantee_agreement',
        entityId: id,
        before,
        after,
      });
      await this.breaker.evaluate(m, [fund.districtId], `agreement ${row.agreement_no} updated`);
      return after;
    });
  }

  /**
   * Ends the agreement now: no new loans are covered under it. Loans already covered stay covered until they run
   * off; nothing is deleted, the record is history. A future end date is set with `validTo` instead, so the
   * status never claims something that has not happened yet.
   */
  async terminate(id: string, terminatedOn: string | undefined): Promise<AgreementView> {
    const today = this.guarantee.today();
    const on = terminatedOn ?? today;
    if (on > today) {
      throw new DomainError('AGREEMENT_INVALID', 'termination cannot be in the future', [
        {
          field: 'terminatedOn',
          code: 'AGREEMENT_INVALID',
          message: `must not be after today ${today}; set validTo to end the agreement later`,
        },
      ]);
    }
    return this.dataSource.transaction(async (m) => {
      const fund = await this.lockFundOf(m, id);
      const row = await this.guarantee.agreementRow(m, id, 'FOR UPDATE');
      const before = await this.load(m, id);
      if (before.status === 'TERMINATED') return before;
      await m.query(
        `UPDATE guarantee_agreements SET status = 'TERMINATED', terminated_on = $2, version = version + 1, updated_at = now() WHERE id = $1`,
        [id, on],
      );
      const after = await this.load(m, id);
      await this.audit.record(m, {
        action: 'AGREEMENT_TERMINATED',
        entityType: 'guarantee_agreement',
        entityId: id,
        before,
        after,
      });
      await this.breaker.evaluate(m, [fund.districtId], `agreement ${row.agreement_no} terminated`);
      return after;
    });
  }

  async get(id: string): Promise<AgreementView> {
    const a = await this.load(null, id);
    assertOwnBank(a.bankId, 'guarantee agreement', id);
    return a;
  }

  async list(
    filter: { riskFundId?: string; bankId?: string; districtId?: string; status?: string; activeOn?: string },
    page: PageQuery,
  ): Promise<Page<AgreementView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const own = scopedBankId();
    if (own !== null) where.push(`g.bank_id = $${params.push(own)}`);
    if (filter.riskFundId) where.push(`g.risk_fund_id = $${params.push(filter.riskFundId)}`);
    if (filter.bankId) where.push(`g.bank_id = $${params.push(filter.bankId)}`);
    if (filter.districtId) where.push(`rf.district_id = $${params.push(filter.districtId)}`);
    if (filter.status) where.push(`g.status = $${params.push(filter.status)}`);
    if (filter.activeOn) {
      const p = params.push(filter.activeOn);
      where.push(
        `g.status = 'ACTIVE' AND g.valid_from <= $${p}::date AND (g.valid_to IS NULL OR g.valid_to >= $${p}::date)`,
      );
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `${SELECT} ${clause} ORDER BY g.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as AgreementJoinRow[];
    return { items: rows.map(view), page: page.page, pageSize: page.pageSize, total };
  }

  private async load(manager: EntityManager | null, id: string): Promise<AgreementView> {
    const [row] = (await (manager ?? this.dataSource.manager).query(`${SELECT} WHERE g.id = $1`, [
      id,
    ])) as AgreementJoinRow[];
    if (!row) throw new DomainError('NOT_FOUND', `guarantee agreement ${id} not found`);
    return view(row);
  }
}

/** 100 − p for a share percentage with at most two decimals, exactly ("80" → "20", "72.5" → "27.50"). */
function subtractFrom100(p: string): string {
  const [i, f = ''] = p.split('.');
  const cents = 10000n - (BigInt(i) * 100n + BigInt((f + '00').slice(0, 2)));
  if (cents < 0n) throw new RangeError(`share ${p} exceeds 100`);
  const s = cents.toString().padStart(3, '0');
  return trimDecimal(`${s.slice(0, -2)}.${s.slice(-2)}`);
}
