import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { AppConfig, canonicalJson, Clock, DomainError, RequestContext, sha256 } from '#libs/common';
import { formatYuan } from '#libs/money';
import {
  maskName,
  publicBorrower,
  type DisclosureContent,
  type DisclosureScope,
  type DividendRunLine,
} from './domain/disclosure.js';
import { percentText } from './domain/ratios.js';
import { DisclosureStore, type DisclosureRow } from './store/disclosure.store.js';

const y = (fen: string | bigint) => formatYuan(BigInt(fen));

/** What a published snapshot says about itself (its content is served separately). */
export interface DisclosureSummary {
  id: string;
  scope: DisclosureScope;
  code: string;
  asOf: string;
  publishedAt: string;
  created: boolean;
}

/**
 * Public disclosure (阳光扶贫): staff publish a village's or district's posting as of the business date; the public
 * reads what was published, never the live data, so the noticeboard can always be shown as it was.
 */
@Injectable()
export class DisclosureService {
  private readonly store = new DisclosureStore();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Builds the posting from the owners' tables as they are now and stores it (once per content and date). */
  async publish(scope: DisclosureScope, code: string): Promise<DisclosureSummary> {
    const asOf = this.clock.today(this.config.BUSINESS_TIMEZONE);
    return this.dataSource.transaction(async (m) => {
      const place = await this.store.place(m, scope, code);
      if (!place)
        throw new DomainError(
          'NOT_FOUND',
          `${scope === 'VILLAGE' ? 'village' : 'district'} ${code} not found`,
        );
      const loans = await this.store.loans(m, scope, place.id, asOf);
      const line = (l: (typeof loans)[number]) => ({
        loanNo: l.loan_no,
        village: l.village ?? '',
        borrower: publicBorrower({
          householdName: l.head_name,
          entityName: l.entity_name,
          entityKind: l.entity_kind,
        }),
        principal: y(l.principal_fen),
        termMonths: l.term_months,
      });
      const content: DisclosureContent = {
        scope,
        code: place.code,
        name: place.name,
        district: place.district,
        asOf,
        notices: loans
          .filter((l) => l.status === 'IN_PUBLIC_NOTICE')
          .map((l) => ({ ...line(l), purpose: l.purpose, objectionDeadline: l.notice_ends_on })),
        disbursed: loans
          .filter((l) => l.disbursement_date)
          .map((l) => ({
            ...line(l),
            channel: l.channel,
            disbursedOn: l.disbursement_date!,
            status: l.status,
          })),
        feeDistributions: (await this.store.feeDistributions(m, scope, place.id)).map((f) => ({
          fund: f.fund,
          year: f.year,
          distributable: y(f.distributable_fen),
          capital: y(f.capital_fen),
          riskReserve: y(f.risk_reserve_fen),
          publicWelfare: y(f.public_welfare_fen),
          administration: y(f.administration_fen),
          dividends: y(f.dividends_fen),
        })),
        funds: (await this.store.funds(m, scope, place.id)).map((f) => ({
          fund: f.fund,
          village: f.village,
          capital: y(f.capital_fen),
          loansOutstanding: y(f.loans_fen),
          cash: y(f.cash_fen),
          utilisationPercent:
            BigInt(f.capital_fen) > 0n
              ? percentText({ num: BigInt(f.loans_fen), den: BigInt(f.capital_fen) }, 2)
              : null,
        })),
        subsidy: (await this.store.subsidyPaid(m, scope, place.id)).map((s) => ({
          year: s.year,
          loans: s.loans,
          paid: y(s.paid_fen),
        })),
        dividends: await this.dividends(m, scope, place.id, asOf),
      };
      const by = RequestContext.actor()?.username ?? 'system';
      const { row, created } = await this.store.insert(m, {
        scope,
        code: place.code,
        asOf,
        content,
        hash: sha256(canonicalJson(content)),
        by,
      });
      if (created)
        await this.audit.record(m, {
          action: 'DISCLOSURE_PUBLISHED',
          entityType: 'disclosure_snapshot',
          entityId: row.id,
          after: {
            scope,
            code: place.code,
            asOf,
            notices: content.notices.length,
            disbursed: content.disbursed.length,
            dividendRuns: content.dividends?.length ?? 0,
          },
        });
      return summary(row, created);
    });
  }

  /** The place's dividend runs paid in the posting's year, each with its households under masked names. */
  private async dividends(
    m: EntityManager,
    scope: DisclosureScope,
    placeId: string,
    asOf: string,
  ): Promise<DividendRunLine[]> {
    const runs = await this.store.dividendRuns(m, scope, placeId, asOf);
    const lines = await this.store.dividendHouseholds(
      m,
      runs.map((r) => r.run_id),
    );
    return runs.map((r) => ({
      village: r.village,
      project: r.project,
      year: r.year,
      recordDate: r.record_date,
      paidOn: r.paid_on,
      distributed: y(r.paid_fen),
      toHouseholds: y(r.households_fen),
      householdsBenefited: r.households_benefited,
      peopleBenefited: r.people_benefited,
      households: lines
        .filter((l) => l.run_id === r.run_id)
        .map((l) => ({ household: maskName(l.head_name), entitled: y(l.entitled_fen), paid: y(l.paid_fen) })),
    }));
  }

  /** A published snapshot (the latest, or the one named): 404 when the place has published none. */
  async get(scope: DisclosureScope, code: string, id?: string): Promise<DisclosureRow> {
    const row = await this.store.find(this.dataSource.manager, scope, code, id);
    if (!row)
      throw new DomainError('NOT_FOUND', `no disclosure published for ${code}${id ? ` with id ${id}` : ''}`);
    return row;
  }

  async history(
    scope: DisclosureScope,
    code: string,
  ): Promise<{ id: string; asOf: string; publishedAt: string }[]> {
    const rows = await this.store.history(this.dataSource.manager, scope, code);
    return rows.map((r) => ({ id: r.id, asOf: r.as_of, publishedAt: r.published_at.toISOString() }));
  }
}

function summary(row: DisclosureRow, created: boolean): DisclosureSummary {
  return {
    id: row.id,
    scope: row.scope,
    code: row.scope_code,
    asOf: row.as_of,
    publishedAt: new Date(row.published_at).toISOString(),
    created,
  };
}
