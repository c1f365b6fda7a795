import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  canonicalJson,
  DomainError,
  isUniqueViolation,
  RequestContext,
  SYSTEM_ACTOR,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { API_FIELD, resolveDefinition, type ProductInput, type RuleFailure } from './domain/definition.js';
import {
  checkLoanRequest,
  type EligibilityFieldNames,
  type EligibilityTerms,
  type LoanRequestFacts,
} from './domain/eligibility.js';
import {
  DEFINITION_FIELDS,
  pickDefinition,
  type ProductDefinition,
  type ProductTerms,
} from './domain/terms.js';
import {
  benchmarkContractRate,
  contractRateRequestErrors,
  fixedContractRate,
  isVersionId,
  newProductErrors,
  productKey,
  productView,
  toTerms,
  versionView,
  type ContractRate,
  type ProductVersionView,
  type ProductView,
} from './domain/version.js';
import { RatesService } from './rates.service.js';
import { ProductsStore, type ProductListFilter } from './store/products.store.js';

export {
  penaltyRateFor,
  versionView,
  type ContractRate,
  type ProductRow,
  type ProductVersionView,
  type ProductView,
} from './domain/version.js';

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

export type ProductFilter = ProductListFilter;

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
    private readonly store: ProductsStore = new ProductsStore(),
  ) {}

  // -- service API for origination, guarantee, subsidy ------------------------------------------------------------

  /** One version's terms (a loan's product_version_id). */
  async getVersion(versionId: string | number, manager?: EntityManager): Promise<ProductTerms> {
    const id = String(versionId);
    if (!isVersionId(id)) throw invalidId('versionId');
    const row = await this.store.version(manager ?? this.dataSource.manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `product version ${id} not found`);
    return toTerms(row);
  }

  /** The current terms of a product, by id or code. */
  async currentVersion(productIdOrCode: string | number, manager?: EntityManager): Promise<ProductTerms> {
    const row = await this.store.currentVersion(manager ?? this.dataSource.manager, keyOf(productIdOrCode));
    if (!row) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
    return toTerms(row);
  }

  /**
   * The rate a loan of `termMonths` contracted on `contractDate` carries under these terms: the benchmark in force
   * that day for that term plus the markup (exact decimal addition), or the fixed rate; and its penalty rate.
   */
  async contractRate(
    terms: Pick<
      ProductTerms,
      'rateSource' | 'fixedRatePercent' | 'markupPercent' | 'penaltyBasis' | 'penaltyRatePercent'
    >,
    termMonths: number,
    contractDate: string,
    manager?: EntityManager,
  ): Promise<ContractRate> {
    const errors = contractRateRequestErrors(termMonths, contractDate);
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid contract rate request', errors);
    if (terms.rateSource === 'FIXED') {
      if (terms.fixedRatePercent === null)
        throw new DomainError('INTERNAL', 'a FIXED product without a fixed rate');
      return fixedContractRate({ ...terms, fixedRatePercent: terms.fixedRatePercent });
    }
    return benchmarkContractRate(terms, await this.rates.inForce(termMonths, contractDate, manager));
  }

  /** Every product rule a requested loan fails (empty = eligible); see `checkLoanRequest`. */
  checkEligibility(
    terms: EligibilityTerms,
    facts: LoanRequestFacts,
    fields?: Partial<EligibilityFieldNames>,
  ): RuleFailure[] {
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
    const { errors, kind } = newProductErrors(input);
    const resolved = kind ? resolveDefinition(kind, input, null) : null;
    if (resolved && !resolved.ok) errors.push(...resolved.errors);
    if (errors.length || !resolved?.ok) throw invalid(errors);
    const definition = resolved.definition;

    const work = async (m: EntityManager) => {
      const productId = await this.store.insertProduct(m, input.code, kind!, definition.name);
      if (productId === undefined) throw codeTaken(input.code);
      const versionId = await this.insertVersion(m, productId, 1, definition);
      const view = await this.viewOf(m, versionId);
      await this.audit.record(m, {
        action: 'PRODUCT_CREATED',
        entityType: 'product',
        entityId: view.id,
        after: view,
      });
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
    const key = keyOf(productIdOrCode);
    return this.dataSource.transaction(async (m) => {
      // the product row is the lock: concurrent edits of one product queue here and get consecutive versions
      const product = await this.store.product(m, key, true);
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
      const resolved = resolveDefinition(
        product.kind,
        input,
        opts.mode === 'patch' ? pickDefinition(current) : null,
      );
      if (!resolved.ok) throw invalid(resolved.errors);
      const before = pickDefinition(current);
      const changed = changedFields(before, resolved.definition);
      if (!changed.length) return productView(product, current);

      const version = product.current_version + 1;
      const versionId = await this.insertVersion(m, product.id, version, resolved.definition);
      await this.store.setCurrentVersion(m, product.id, version, resolved.definition.name);
      const view = await this.viewOf(m, versionId);
      await this.audit.record(m, {
        action: 'PRODUCT_REVISED',
        entityType: 'product',
        entityId: product.id,
        before: versionView(current),
        after: { ...view, changedFields: changed },
      });
      return view;
    });
  }

  /** Deactivates (no new loans; existing loans keep their version) or reactivates a product. Idempotent. */
  async setActive(productIdOrCode: string, active: boolean, reason: string): Promise<ProductView> {
    const key = keyOf(productIdOrCode);
    return this.dataSource.transaction(async (m) => {
      const product = await this.store.product(m, key, true);
      if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
      if (product.active === active) return productView(product, await this.currentVersion(product.id, m));
      await this.store.setActive(m, product.id, active);
      const view = productView({ ...product, active }, await this.currentVersion(product.id, m));
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
    const product = await this.store.product(this.dataSource.manager, keyOf(productIdOrCode));
    if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
    return productView(product, await this.currentVersion(product.id));
  }

  async list(filter: ProductFilter, page: PageQuery): Promise<Page<ProductView>> {
    const m = this.dataSource.manager;
    const total = await this.store.count(m, filter);
    const rows = await this.store.page(m, filter, page);
    const items = rows.map((r) =>
      productView(
        {
          id: r.product_id,
          code: r.code,
          kind: r.kind,
          name: r.name,
          current_version: r.current_version,
          active: r.active,
          created_at: r.product_created_at,
        },
        toTerms(r),
      ),
    );
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Every version of a product, newest first. */
  async versions(productIdOrCode: string, page: PageQuery): Promise<Page<ProductVersionView>> {
    const m = this.dataSource.manager;
    const product = await this.store.product(m, keyOf(productIdOrCode));
    if (!product) throw new DomainError('NOT_FOUND', `product ${productIdOrCode} not found`);
    const total = await this.store.countVersions(m, product.id);
    const rows = await this.store.versions(m, product.id, page);
    return {
      items: rows.map((r) => versionView(toTerms(r))),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  async version(versionId: string): Promise<ProductVersionView> {
    return versionView(await this.getVersion(versionId));
  }

  /** The contract rate a loan under the product's current version would get (a loan officer's quote). */
  async quote(productIdOrCode: string, termMonths: number, contractDate: string | undefined) {
    const terms = await this.currentVersion(productIdOrCode);
    const date = contractDate ?? this.rates.today();
    return {
      productId: terms.productId,
      code: terms.code,
      version: terms.version,
      termMonths,
      contractDate: date,
      ...(await this.contractRate(terms, termMonths, date)),
    };
  }

  private async viewOf(m: EntityManager, versionId: string): Promise<ProductView> {
    const terms = await this.getVersion(versionId, m);
    const product = (await this.store.product(m, { column: 'id', value: terms.productId }))!;
    return productView(product, terms);
  }

  private async insertVersion(
    m: EntityManager,
    productId: string,
    version: number,
    d: ProductDefinition,
  ): Promise<string> {
    return this.store.insertVersion(
      m,
      productId,
      version,
      d,
      (RequestContext.actor() ?? SYSTEM_ACTOR).username,
    );
  }
}

function keyOf(idOrCode: string | number): { column: 'id' | 'code'; value: string } {
  const key = productKey(idOrCode);
  if (!key) throw new DomainError('NOT_FOUND', `product ${String(idOrCode)} not found`);
  return key;
}

const invalidId = (field: string) =>
  new DomainError('VALIDATION_FAILED', `${field} must be a positive integer`, [
    { field, code: 'INVALID', message: 'must be a positive integer' },
  ]);

const invalid = (errors: FieldError[]) =>
  new DomainError(
    'VALIDATION_FAILED',
    `Invalid product: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
    errors,
  );

const codeTaken = (code: string) =>
  new DomainError('PRODUCT_CODE_TAKEN', `a product with code ${code} already exists`, [
    { field: 'code', code: 'TAKEN', message: 'already used by another product' },
  ]);

/** The API fields an edit changes (empty: the edit changes nothing and writes nothing). */
function changedFields(before: ProductDefinition, after: ProductDefinition): string[] {
  return DEFINITION_FIELDS.filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k])).map(
    (k) => API_FIELD[k],
  );
}
