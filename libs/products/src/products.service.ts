import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  canonicalJson,
  DomainError,
  isUniqueViolation,
  offsetOf,
  RequestContext,
  SYSTEM_ACTOR,
  type FieldError,
  type Page,
  type PageQuery,
  ID_PATTERN as ID,
} from '#libs/common';
import { formatYuan } from '#libs/money';
import { API_FIELD, MAX_TERM_MONTHS, resolveDefinition, type ProductInput, type RuleFailure } from './domain/definition.js';
import {
  checkLoanRequest,
  type EligibilityFieldNames,
  type EligibilityTerms,
  type LoanRequestFacts,
} from './domain/eligibility.js';
import { PRODUCT_KINDS, type ProductKind } from './domain/enums.js';
import { addPercent, applySurcharge, normalizePercent } from './domain/percent.js';
import { isBusinessDate } from './domain/rate-bands.js';
import { DEFINITION_FIELDS, pickDefinition, type ProductDefinition, type ProductTerms } from './domain/terms.js';
import { RatesService } from './rates.service.js';

export interface NewProductInput extends ProductInput {
  code: string;
  kind: string;
}

export interface ReviseOptions {
  /** replace: the input is the whole definition (absent fields take defaults); patch: absent fields are kept. */
  mode: 'replace' | 'patch';
  /** The version the edit is based on; another current version means someone else edited first (409). */
  baseVersion?: number;
}

/** A product version as the API shows it: money in yuan strings, rates in percent strings. */
export interface ProductVersionView {
  id: string;
  productId: string;
  code: string;
  kind: ProductKind;
  version: number;
  isCurrent: boolean;
  active: boolean;
  name: string;
  currency: string;
  minPrincipal: string;
  maxPrincipal: string;
  firstLoanMax: string | null;
  minTermMonths: number;
  maxTermMonths: number;
  method: string;
  frequency: string;
  dayCount: string;
  rounding: string;
  installmentMultiple: string;
  rateSource: string;
  fixedRatePercent: string | null;
  markupPercent: string;
  penaltyRatePercent: string;
  penaltyBasis: string;
  graceDays: number;
  allowedPurposes: string[];
  eligibleStatuses: string[];
  minAge: number | null;
  maxAge: number | null;
  subsidyPolicy: Record<string, unknown> | null;
  requiresGuaranteeFund: boolean;
  requiresGroup: boolean;
  prepaymentMode: string;
  waterfall: string[];
  maxPerLinkedHousehold: string | null;
  createdBy: string;
  createdAt: string;
}

export interface ProductView {
  id: string;
  code: string;
  kind: ProductKind;
  name: string;
  active: boolean;
  currentVersion: number;
  createdAt: string;
  /** The current version's terms. */
  terms: ProductVersionView;
}

export interface ProductFilter {
  kind?: ProductKind;
  active?: boolean;
  rateSource?: string;
  requiresGuaranteeFund?: boolean;
  purpose?: string;
  q?: string;
}

/** The rate a loan is contracted at, fixed on its contract date. */
export interface ContractRate {
  /** Percent per year: benchmark in force + markup (exact addition), or the fixed rate. */
  annualRatePercent: string;
  /** The benchmark in force on the contract date for the term, or null for a FIXED product. */
  benchmarkRatePercent: string | null;
  benchmarkRateId: string | null;
  markupPercent: string;
  /** Annual penalty rate on overdue principal (a surcharge product follows its contract rate); exact. */
  penaltyRatePercent: string;
  rateSource: ProductTerms['rateSource'];
}

interface ProductRow {
  id: string;
  code: string;
  kind: ProductKind;
  name: string;
  current_version: number;
  active: boolean;
  created_at: Date;
}

interface VersionRow {
  id: string;
  product_id: string;
  version: number;
  name: string;
  currency: string;
  min_principal_fen: string;
  max_principal_fen: string;
  first_loan_max_fen: string | null;
  min_term_months: number;
  max_term_months: number;
  method: ProductTerms['method'];
  frequency: ProductTerms['frequency'];
  day_count: ProductTerms['dayCount'];
  rounding: ProductTerms['rounding'];
  installment_multiple_fen: string;
  rate_source: ProductTerms['rateSource'];
  fixed_rate_percent: string | null;
  markup_percent: string;
  penalty_rate_percent: string;
  penalty_basis: ProductTerms['penaltyBasis'];
  grace_days: number;
  allowed_purposes: ProductTerms['allowedPurposes'];
  eligible_statuses: ProductTerms['eligibleStatuses'];
  min_age: number | null;
  max_age: number | null;
  subsidy_policy: Record<string, unknown> | null;
  requires_guarantee_fund: boolean;
  requires_group: boolean;
  prepayment_mode: ProductTerms['prepaymentMode'];
  waterfall: ProductTerms['waterfall'];
  max_per_linked_household_fen: string | null;
  created_by: string;
  created_at: Date;
  // from products
  code: string;
  kind: ProductKind;
  active: boolean;
  current_version: number;
}

const SELECT_VERSION = `SELECT pv.*, p.code, p.kind, p.active, p.current_version
  FROM product_versions pv JOIN products p ON p.id = pv.product_id`;

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));

function toTerms(r: VersionRow): ProductTerms {
  return {
    productId: r.product_id,
    versionId: r.id,
    version: r.version,
    code: r.code,
    kind: r.kind,
    active: r.active,
    isCurrent: r.version === r.current_version,
    name: r.name,
    currency: r.currency.trim() as ProductTerms['currency'],
    minPrincipalFen: BigInt(r.min_principal_fen),
    maxPrincipalFen: BigInt(r.max_principal_fen),
    firstLoanMaxFen: big(r.first_loan_max_fen),
    minTermMonths: r.min_term_months,
    maxTermMonths: r.max_term_months,
    method: r.method,
    frequency: r.frequency,
    dayCount: r.day_count,
    rounding: r.rounding,
    installmentMultipleFen: BigInt(r.installment_multiple_fen),
    rateSource: r.rate_source,
    fixedRatePercent: r.fixed_rate_percent === null ? null : normalizePercent(r.fixed_rate_percent),
    markupPercent: normalizePercent(r.markup_percent),
    penaltyRatePercent: normalizePercent(r.penalty_rate_percent),
    penaltyBasis: r.penalty_basis,
    graceDays: r.grace_days,
    allowedPurposes: r.allowed_purposes,
    eligibleStatuses: r.eligible_statuses,
    minAge: r.min_age,
    maxAge: r.max_age,
    subsidyPolicy: r.subsidy_policy,
    requiresGuaranteeFund: r.requires_guarantee_fund,
    requiresGroup: r.requires_group,
    prepaymentMode: r.prepayment_mode,
    waterfall: r.waterfall,
    maxPerLinkedHouseholdFen: big(r.max_per_linked_household_fen),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

const yuanOrNull = (fen: bigint | null) => (fen === null ? null : formatYuan(fen));

export function versionView(t: ProductTerms): ProductVersionView {
  return {
    id: t.versionId,
    productId: t.productId,
    code: t.code,
    kind: t.kind,
    version: t.version,
    isCurrent: t.isCurrent,
    active: t.active,
    name: t.name,
    currency: t.currency,
    minPrincipal: formatYuan(t.minPrincipalFen),
    maxPrincipal: formatYuan(t.maxPrincipalFen),
    firstLoanMax: yuanOrNull(t.firstLoanMaxFen),
    minTermMonths: t.minTermMonths,
    maxTermMonths: t.maxTermMonths,
    method: t.method,
    frequency: t.frequency,
    dayCount: t.dayCount,
    rounding: t.rounding,
    installmentMultiple: formatYuan(t.installmentMultipleFen),
    rateSource: t.rateSource,
    fixedRatePercent: t.fixedRatePercent,
    markupPercent: t.markupPercent,
    penaltyRatePercent: t.penaltyRatePercent,
    penaltyBasis: t.penaltyBasis,
    graceDays: t.graceDays,
    allowedPurposes: [...t.allowedPurposes],
    eligibleStatuses: [...t.eligibleStatuses],
    minAge: t.minAge,
    maxAge: t.maxAge,
    subsidyPolicy: t.subsidyPolicy,
    requiresGuaranteeFund: t.requiresGuaranteeFund,
    requiresGroup: t.requiresGroup,
    prepaymentMode: t.prepaymentMode,
    waterfall: [...t.waterfall],
    maxPerLinkedHousehold: yuanOrNull(t.maxPerLinkedHouseholdFen),
    createdBy: t.createdBy,
    createdAt: t.createdAt,
  };
}

const CODE = /^[A-Z][A-Z0-9_]{1,39}$/;

/** Annual penalty rate on overdue principal for a contract rate, exact (SURCHARGE_ON_CONTRACT: rate × (1 + p/100)). */
export function penaltyRateFor(terms: Pick<ProductDefinition, 'penaltyBasis' | 'penaltyRatePercent'>, annualRatePercent: string): string {
  return terms.penaltyBasis === 'SURCHARGE_ON_CONTRACT'
    ? applySurcharge(annualRatePercent, terms.penaltyRatePercent)
    : normalizePercent(terms.penaltyRatePercent);
}

/**
 * Loan products (FUND_ADMIN) and the terms other libraries lend under. Products are versioned: an edit writes a
 * new product_versions row and moves products.current_version; versions are never changed (the database refuses),
 * so a loan keeps the terms it was made under.
 */
@Injectable()
export class ProductsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly rates: RatesService,
  ) {}

  // -- service API for origination, guarantee, subsidy ------------------------------------------------------------

  /** One version's terms (a loan's product_version_id). */
  async getVersion(versionId: string | number, manager?: EntityManager): Promise<ProductTerms> {
    const id = String(versionId);
    if (!ID.test(id)) throw invalidId('versionId');
    const [row] = (await (manager ?? this.dataSource.manager).query(`${SELECT_VERSION} WHERE pv.id = $1`, [id])) as VersionRow[];
    if (!row) throw new DomainError('NOT_FOUND', `product version ${id} not found`);
    return toTerms(row);
  }

  /** The current terms of a product, by id or code. */
  async currentVersion(productIdOrCode: string | number, manager?: EntityManager): Promise<ProductTerms> {
    const { column, value } = productKey(productIdOrCode);
    const [row] = (await (manager ?? this.dataSource.manager).query(
      `${SELECT_VERSION} WHERE p.${column} = $1 AND pv.version = p.current_version`,
      [value],
    )) as VersionRow[];
    if (!row) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
    return toTerms(row);
  }

  /**
   * The rate a loan of `termMonths` contracted on `contractDate` carries under these terms: the benchmark in force
   * that day for that term plus the markup (exact decimal addition), or the fixed rate; and its penalty rate.
   */
  async contractRate(
    terms: Pick<ProductTerms, 'rateSource' | 'fixedRatePercent' | 'markupPercent' | 'penaltyBasis' | 'penaltyRatePercent'>,
    termMonths: number,
    contractDate: string,
    manager?: EntityManager,
  ): Promise<ContractRate> {
    const errors: FieldError[] = [];
    if (!Number.isInteger(termMonths) || termMonths < 1 || termMonths > MAX_TERM_MONTHS) {
      errors.push({ field: 'termMonths', code: 'INVALID', message: `termMonths must be an integer from 1 to ${MAX_TERM_MONTHS}` });
    }
    if (!isBusinessDate(contractDate)) {
      errors.push({ field: 'contractDate', code: 'INVALID', message: 'contractDate must be a calendar date written YYYY-MM-DD' });
    }
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid contract rate request', errors);

    if (terms.rateSource === 'FIXED') {
      if (terms.fixedRatePercent === null) throw new DomainError('INTERNAL', 'a FIXED product without a fixed rate');
      const annual = normalizePercent(terms.fixedRatePercent);
      return {
        annualRatePercent: annual,
        benchmarkRatePercent: null,
        benchmarkRateId: null,
        markupPercent: '0',
        penaltyRatePercent: penaltyRateFor(terms, annual),
        rateSource: 'FIXED',
      };
    }
    const benchmark = await this.rates.inForce(termMonths, contractDate, manager);
    const annual = addPercent(benchmark.ratePercent, terms.markupPercent);
    return {
      annualRatePercent: annual,
      benchmarkRatePercent: benchmark.ratePercent,
      benchmarkRateId: benchmark.rateId,
      markupPercent: normalizePercent(terms.markupPercent),
      penaltyRatePercent: penaltyRateFor(terms, annual),
      rateSource: 'BENCHMARK',
    };
  }

  /** Every product rule a requested loan fails (empty = eligible); see `checkLoanRequest`. */
  checkEligibility(terms: EligibilityTerms, facts: LoanRequestFacts, fields?: Partial<EligibilityFieldNames>): RuleFailure[] {
    return checkLoanRequest(terms, facts, fields);
  }

  /** Throws PRODUCT_RULES_NOT_MET (422) naming every failed rule, or returns when the request is eligible. */
  assertEligible(
    terms: EligibilityTerms & Pick<ProductTerms, 'code' | 'version'>,
    facts: LoanRequestFacts,
    fields?: Partial<EligibilityFieldNames>,
  ): void {
    const failures = checkLoanRequest(terms, facts, fields);
    if (failures.length) {
      throw new DomainError(
        'PRODUCT_RULES_NOT_MET',
        `the request does not meet product ${terms.code} version ${terms.version}: ${failures.map((f) => f.code).join(', ')}`,
        failures,
        { productCode: terms.code, productVersion: terms.version },
      );
    }
  }

  // -- administration ---------------------------------------------------------------------------------------------

  async create(input: NewProductInput, manager?: EntityManager): Promise<ProductView> {
    const errors: FieldError[] = [];
    if (typeof input.code !== 'string' || !CODE.test(input.code)) {
      errors.push({ field: 'code', code: 'INVALID', message: 'code must be 2-40 characters of A-Z, 0-9 and _, starting with a letter' });
    }
    const kind = PRODUCT_KINDS.includes(input.kind as ProductKind) ? (input.kind as ProductKind) : undefined;
    if (!kind) errors.push({ field: 'kind', code: 'INVALID', message: `kind must be one of ${PRODUCT_KINDS.join(', ')}` });
    const resolved = kind ? resolveDefinition(kind, input, null) : null;
    if (resolved && !resolved.ok) errors.push(...resolved.errors);
    if (errors.length || !resolved?.ok) throw invalid(errors);
    const definition = resolved.definition;

    const work = async (m: EntityManager) => {
      const inserted = (await m.query(
        `INSERT INTO products (code, kind, name, current_version) VALUES ($1, $2, $3, 1)
         ON CONFLICT (code) DO NOTHING RETURNING id`,
        [input.code, kind, definition.name],
      )) as { id: string }[];
      if (!inserted.length) throw codeTaken(input.code);
      const versionId = await this.insertVersion(m, inserted[0].id, 1, definition);
      const view = await this.viewOf(m, versionId);
      await this.audit.record(m, { action: 'PRODUCT_CREATED', entityType: 'product', entityId: view.id, after: view });
      return view;
    };
    try {
      return await (manager ? work(manager) : this.dataSource.transaction(work));
    } catch (e) {
      if (isUniqueViolation(e)) throw codeTaken(input.code);
      throw e;
    }
  }

  /**
   * Edits a product: a new version from the merged definition, validated as a whole. An edit that changes nothing
   * writes nothing and answers the current version (so a retried PUT does not mint versions).
   */
  async revise(productIdOrCode: string, input: ProductInput, opts: ReviseOptions): Promise<ProductView> {
    const { column, value } = productKey(productIdOrCode);
    return this.dataSource.transaction(async (m) => {
      // the product row is the lock: concurrent edits of one product queue here and get consecutive versions
      const [product] = (await m.query(`SELECT * FROM products WHERE ${column} = $1 FOR UPDATE`, [value])) as ProductRow[];
      if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
      if (opts.baseVersion !== undefined && opts.baseVersion !== product.current_version) {
        throw new DomainError(
          'PRODUCT_VERSION_CONFLICT',
          `product ${product.code} is at version ${product.current_version}, not ${opts.baseVersion}: reload and edit again`,
          [{ field: 'baseVersion', code: 'STALE', message: `current version is ${product.current_version}` }],
          { currentVersion: product.current_version },
        );
      }
      const current = await this.currentVersion(product.id, m);
      const resolved = resolveDefinition(product.kind, input, opts.mode === 'patch' ? pickDefinition(current) : null);
      if (!resolved.ok) throw invalid(resolved.errors);
      const before = pickDefinition(current);
      const changedFields = DEFINITION_FIELDS.filter((k) => canonicalJson(before[k]) !== canonicalJson(resolved.definition[k])).map(
        (k) => API_FIELD[k],
      );
      if (!changedFields.length) return this.productView(product, current);

      const version = product.current_version + 1;
      const versionId = await this.insertVersion(m, product.id, version, resolved.definition);
      await m.query(`UPDATE products SET current_version = $2, name = $3 WHERE id = $1`, [product.id, version, resolved.definition.name]);
      const view = await this.viewOf(m, versionId);
      await this.audit.record(m, {
        action: 'PRODUCT_REVISED',
        entityType: 'product',
        entityId: product.id,
        before: versionView(current),
        after: { ...view, changedFields },
      });
      return view;
    });
  }

  /** Deactivates (no new loans; existing loans keep their version) or reactivates a product. Idempotent. */
  async setActive(productIdOrCode: string, active: boolean, reason: string): Promise<ProductView> {
    const { column, value } = productKey(productIdOrCode);
    return this.dataSource.transaction(async (m) => {
      const [product] = (await m.query(`SELECT * FROM products WHERE ${column} = $1 FOR UPDATE`, [value])) as ProductRow[];
      if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
      if (product.active === active) return this.productView(product, await this.currentVersion(product.id, m));
      await m.query(`UPDATE products SET active = $2 WHERE id = $1`, [product.id, active]);
      const view = this.productView({ ...product, active }, await this.currentVersion(product.id, m));
      await this.audit.record(m, {
        action: active ? 'PRODUCT_ACTIVATED' : 'PRODUCT_DEACTIVATED',
        entityType: 'product',
        entityId: product.id,
        before: { active: product.active },
        after: { active, reason },
      });
      return view;
    });
  }

  async get(productIdOrCode: string): Promise<ProductView> {
    const { column, value } = productKey(productIdOrCode);
    const [product] = (await this.dataSource.query(`SELECT * FROM products WHERE ${column} = $1`, [value])) as ProductRow[];
    if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
    return this.productView(product, await this.currentVersion(product.id));
  }

  async list(filter: ProductFilter, page: PageQuery): Promise<Page<ProductView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kind) where.push(`p.kind = $${params.push(filter.kind)}`);
    if (filter.active !== undefined) where.push(`p.active = $${params.push(filter.active)}`);
    if (filter.rateSource) where.push(`pv.rate_source = $${params.push(filter.rateSource)}`);
    if (filter.requiresGuaranteeFund !== undefined) where.push(`pv.requires_guarantee_fund = $${params.push(filter.requiresGuaranteeFund)}`);
    if (filter.purpose) where.push(`$${params.push(filter.purpose)} = ANY (pv.allowed_purposes)`);
    if (filter.q) {
      const p = params.push(`%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
      where.push(`(p.code ILIKE $${p} OR pv.name ILIKE $${p})`);
    }
    const from = `FROM products p JOIN product_versions pv ON pv.product_id = p.id AND pv.version = p.current_version`;
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total ${from} ${clause}`, params)) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT pv.*, p.code, p.kind, p.active, p.current_version, p.created_at AS product_created_at ${from} ${clause}
        ORDER BY p.code LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as (VersionRow & { product_created_at: Date })[];
    const items = rows.map((r) =>
      this.productView(
        { id: r.product_id, code: r.code, kind: r.kind, name: r.name, current_version: r.current_version, active: r.active, created_at: r.product_created_at },
        toTerms(r),
      ),
    );
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Every version of a product, newest first. */
  async versions(productIdOrCode: string, page: PageQuery): Promise<Page<ProductVersionView>> {
    const { column, value } = productKey(productIdOrCode);
    const [product] = (await this.dataSource.query(`SELECT id FROM products WHERE ${column} = $1`, [value])) as { id: string }[];
    if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM product_versions WHERE product_id = $1`, [
      product.id,
    ])) as { total: number }[];
    const rows = (await this.dataSource.query(`${SELECT_VERSION} WHERE pv.product_id = $1 ORDER BY pv.version DESC LIMIT $2 OFFSET $3`, [
      product.id,
      page.pageSize,
      offsetOf(page),
    ])) as VersionRow[];
    return { items: rows.map((r) => versionView(toTerms(r))), page: page.page, pageSize: page.pageSize, total };
  }

  async version(versionId: string): Promise<ProductVersionView> {
    return versionView(await this.getVersion(versionId));
  }

  /** The contract rate a loan under the product's current version would get (a loan officer's quote). */
  async quote(productIdOrCode: string, termMonths: number, contractDate: string | undefined) {
    const terms = await this.currentVersion(productIdOrCode);
    const date = contractDate ?? this.rates.today();
    return { productId: terms.productId, code: terms.code, version: terms.version, termMonths, contractDate: date, ...(await this.contractRate(terms, termMonths, date)) };
  }

  private productView(p: ProductRow, terms: ProductTerms): ProductView {
    return {
      id: p.id,
      code: p.code,
      kind: p.kind,
      name: terms.name,
      active: p.active,
      currentVersion: p.current_version,
      createdAt: new Date(p.created_at).toISOString(),
      terms: versionView({ ...terms, active: p.active }),
    };
  }

  private async viewOf(m: EntityManager, versionId: string): Promise<ProductView> {
    const terms = await this.getVersion(versionId, m);
    const [product] = (await m.query(`SELECT * FROM products WHERE id = $1`, [terms.productId])) as ProductRow[];
    return this.productView(product, terms);
  }

  private async insertVersion(m: EntityManager, productId: string, version: number, d: ProductDefinition): Promise<string> {
    const str = (v: bigint | null) => (v === null ? null : v.toString());
    const [row] = (await m.query(
      `INSERT INTO product_versions (
         product_id, version, name, currency, min_principal_fen, max_principal_fen, first_loan_max_fen,
         min_term_months, max_term_months, method, frequency, day_count, rounding, installment_multiple_fen,
         rate_source, fixed_rate_percent, markup_percent, penalty_rate_percent, penalty_basis, grace_days,
         allowed_purposes, eligible_statuses, min_age, max_age, subsidy_policy, requires_guarantee_fund,
         requires_group, prepayment_mode, waterfall, max_per_linked_household_fen, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21::text[],$22::text[],$23,$24,
               $25::jsonb,$26,$27,$28,$29::text[],$30,$31)
       RETURNING id`,
      [
        productId,
        version,
        d.name,
        d.currency,
        str(d.minPrincipalFen),
        str(d.maxPrincipalFen),
        str(d.firstLoanMaxFen),
        d.minTermMonths,
        d.maxTermMonths,
        d.method,
        d.frequency,
        d.dayCount,
        d.rounding,
        str(d.installmentMultipleFen),
        d.rateSource,
        d.fixedRatePercent,
        d.markupPercent,
        d.penaltyRatePercent,
        d.penaltyBasis,
        d.graceDays,
        d.allowedPurposes,
        d.eligibleStatuses,
        d.minAge,
        d.maxAge,
        d.subsidyPolicy === null ? null : JSON.stringify(d.subsidyPolicy),
        d.requiresGuaranteeFund,
        d.requiresGroup,
        d.prepaymentMode,
        d.waterfall,
        str(d.maxPerLinkedHouseholdFen),
        (RequestContext.actor() ?? SYSTEM_ACTOR).username,
      ],
    )) as { id: string }[];
    return row.id;
  }
}

function productKey(idOrCode: string | number): { column: 'id' | 'code'; value: string } {
  const s = String(idOrCode);
  if (ID.test(s)) return { column: 'id', value: s };
  if (CODE.test(s)) return { column: 'code', value: s };
  throw new DomainError('NOT_FOUND', `product ${s} not found`);
}

const invalidId = (field: string) =>
  new DomainError('VALIDATION_FAILED', `${field} must be a positive integer`, [{ field, code: 'INVALID', message: 'must be a positive integer' }]);

const invalid = (errors: FieldError[]) =>
  new DomainError('VALIDATION_FAILED', `Invalid product: ${[...new Set(errors.map((e) => e.field))].join(', ')}`, errors);

const codeTaken = (code: string) =>
  new DomainError('PRODUCT_CODE_TAKEN', `a product with code ${code} already exists`, [
    { field: 'code', code: 'TAKEN', message: 'already used by another product' },
  ]);
