import { Injectable } from '@nestjs/common';
import type { Page, PageQuery } from '#libs/common';
import { callView, snapshotView, type CallView, type SnapshotView } from './domain/views.js';
import {
  CobPortfolioStore,
  type CallListFilter,
  type SnapshotListFilter,
} from './store/cob-portfolio.store.js';

export type { CallView, SnapshotView } from './domain/views.js';
export type SnapshotFilter = SnapshotListFilter;
export type CallFilter = CallListFilter;

/** Read side of the close of business: the daily portfolio snapshots and the group-liability calls. */
@Injectable()
export class PortfolioService {
  constructor(private readonly store: CobPortfolioStore) {}

  async snapshots(filter: SnapshotFilter, page: PageQuery): Promise<Page<SnapshotView>> {
    const { rows, total } = await this.store.snapshots(filter, page);
    return { items: rows.map(snapshotView), page: page.page, pageSize: page.pageSize, total };
  }

  async calls(filter: CallFilter, page: PageQuery): Promise<Page<CallView>> {
    const { rows, total } = await this.store.calls(filter, page);
    return { items: rows.map(callView), page: page.page, pageSize: page.pageSize, total };
  }
}
