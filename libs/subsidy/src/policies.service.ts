import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError, type FieldError } from '#libs/common';
import { parseYuan } from '#libs/money';
import { ProductsService, type ProductView } from '#libs/products';
import { parsePolicy, policyJson } from './domain/policy.js';
import { ProgrammesStore } from './store/programmes.store.js';

export interface PolicyInput {
  type: string;
  programmeId: string;
  ratePercent?: string | null;
  capPercent?: string | null;
  /** Yuan: the principal a household loan is subsidised on (default 50,000). */
  principalCap?: string | null;
  /** Yuan: an entity's subsidised principal per linked poor household (default 50,000). */
  perLinkedHouseholdCap?: string | null;
  baseVersion?: number;
}

/**
 * A product's subsidy policy, validated (every field at once, the programme must exist) and written as a new
 * product version through ProductsService: versions are append-only, so loans already made keep their policy.
 */
@Injectable()
export class PoliciesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly products: ProductsService,
    private readonly store: ProgrammesStore = new ProgrammesStore(),
  ) {}

  async setProductPolicy(product: string, input: PolicyInput | null): Promise<ProductView> {
    let json: Record<string, string> | null = null;
    if (input) {
      const errors: FieldError[] = [];
      const fenOf = (v: string | null | undefined, field: string): string | undefined => {
        if (v === undefined || v === null) return undefined;
        const r = parseYuan(v, { allowZero: false });
        if (!r.ok) {
          errors.push({
            field,
            code: r.error,
            message: `${field} must be a positive yuan amount with at most 2 decimals`,
          });
          return undefined;
        }
        return r.fen.toString();
      };
      const raw: Record<string, unknown> = {
        type: input.type,
        programmeId: input.programmeId,
        ...(input.ratePercent != null ? { ratePercent: input.ratePercent } : {}),
        ...(input.capPercent != null ? { capPercent: input.capPercent } : {}),
      };
      const principalCapFen = fenOf(input.principalCap, 'principalCap');
      const perLinkedFen = fenOf(input.perLinkedHouseholdCap, 'perLinkedHouseholdCap');
      if (principalCapFen) raw.principalCapFen = principalCapFen;
      if (perLinkedFen) raw.perLinkedHouseholdCapFen = perLinkedFen;
      const parsed = parsePolicy(raw, '');
      if (!parsed.ok) {
        // the API names its caps in yuan (principalCap), the stored JSON in fen (principalCapFen)
        for (const e of parsed.errors) errors.push({ ...e, field: e.field.replace(/Fen$/, '') });
      }
      if (parsed.ok) {
        const status = await this.store.status(this.dataSource.manager, parsed.policy.programmeId);
        if (status === undefined)
          errors.push({
            field: 'programmeId',
            code: 'NOT_FOUND',
            message: `subsidy programme ${parsed.policy.programmeId} does not exist`,
          });
        else if (status !== 'ACTIVE')
          errors.push({
            field: 'programmeId',
            code: 'CLOSED',
            message: `subsidy programme ${parsed.policy.programmeId} is closed`,
          });
      }
      if (errors.length || !parsed.ok) {
        throw new DomainError(
          'SUBSIDY_POLICY_INVALID',
          `invalid subsidy policy: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
          errors,
        );
      }
      json = policyJson(parsed.policy);
    }
    return this.products.revise(
      product,
      { subsidyPolicy: json },
      { mode: 'patch', baseVersion: input?.baseVersion },
    );
  }
}
