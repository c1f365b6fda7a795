import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageQuery } from '#libs/common';
import {
  ContributionsStore,
  type ContributionInsert,
  type ContributionRegisterFilter,
  type ContributionRow,
} from './store/contributions.store.js';

/** A contribution to record: the money's source, amount and documents, the target fund and its ledger entry. */
export type NewContribution = ContributionInsert;

/**
 * The contributions register's public surface: the one way any fund kind (mutual-aid fund, risk fund, subsidy
 * programme) records money paid into it. Every method takes the caller's EntityManager and so joins its
 * transaction: the contribution row commits or rolls back with the caller's ledger entry and audit row. The
 * caller validates, locks its fund and posts first; the register only writes.
 */
@Injectable()
export class ContributionRegister {
  constructor(private readonly store: ContributionsStore = new ContributionsStore()) {}

  /** The id the next contribution will carry, for a ledger idempotency key that names it (`contribution:<id>`). */
  reserveId(m: EntityManager): Promise<string> {
    return this.store.nextId(m);
  }

  /** Writes one contribution (with `c.id` when reserved, else a new id) and returns the stored row. */
  record(m: EntityManager, c: NewContribution): Promise<ContributionRow> {
    return this.store.insert(m, c);
  }

  /** The contribution recorded under an idempotency key, if any. */
  find(m: EntityManager, idempotencyKey: string): Promise<ContributionRow | undefined> {
    return this.store.findByIdempotencyKey(m, idempotencyKey);
  }

  /** A page of the contributions matching `filter`, newest recorded first, with their count and fen sum. */
  async list(
    m: EntityManager,
    filter: ContributionRegisterFilter,
    page: PageQuery,
  ): Promise<{ rows: ContributionRow[]; total: number; sumFen: bigint }> {
    const { total, sum } = await this.store.total(m, filter);
    const rows = await this.store.pageByRecording(m, filter, page);
    return { rows, total, sumFen: BigInt(sum) };
  }
}
