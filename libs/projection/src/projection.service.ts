import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { Clock, DomainError, QUEUES, RequestContext, tablesToCsv, tablesToXlsx, type Lang, type Page } from '#libs/common';
import { formatYuan } from '#libs/money';
import { ProductsService } from '#libs/products';
import type { ReplayPayment } from '#libs/repayment';
import { fanChartSvg } from './domain/chart.js';
import type { BookSnapshot, ScenarioSpec } from './domain/model.js';
import { bandsOf, eventsOf } from './domain/monte-carlo.js';
import { BASELINE_SCENARIO, parseScenario } from './domain/scenario.js';
import { monthEndsAfter } from './domain/simulate.js';
import { exportHeading, resultTables, resultView, type ExportHead, type ResultView } from './domain/views.js';
import { enqueueProjection } from './jobs.js';
import { simulateRuns } from './parallel.js';
import { readSnapshot } from './snapshot.js';
import { BookStore } from './store/book.store.js';
import { ProjectionStore, type RunRow, type ScenarioRow } from './store/projection.store.js';

export interface ScenarioInput {
  name?: string;
  description?: string | null;
  spec?: unknown;
}

export const scenarioView = (r: ScenarioRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  version: r.version,
  archived: r.archived,
  spec: r.spec as ScenarioSpec,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const runView = (r: RunRow) => ({
  id: r.id,
  scenarioId: r.scenario_id,
  scenarioVersion: r.scenario_version,
  asOf: r.as_of,
  status: r.status,
  progress: { runsDone: r.runs_done, runsTotal: r.runs_total },
  spec: r.spec as ScenarioSpec,
  requestedBy: r.requested_by,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
  error: r.error,
  result: (r.result as ResultView | null) ?? null,
});

const actor = () => RequestContext.actor()?.username ?? 'system';

/**
 * Projections: saved, versioned scenarios; runs enqueued to the worker; the run itself (read the books once as of
 * the business date, simulate N seeded runs in memory with the live engine's functions, store P10/P50/P90 bands
 * and event probabilities); exports and the fan chart. Writes only its own tables.
 */
@Injectable()
export class ProjectionService {
  private readonly store = new ProjectionStore();
  private readonly book = new BookStore();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly products: ProductsService,
    private readonly clock: Clock,
    @InjectQueue(QUEUES.PROJECTIONS) private readonly queue: Queue,
  ) {}

  private parse(spec: unknown): ScenarioSpec {
    const { spec: s, errors } = parseScenario(spec ?? {});
    if (errors.length) throw new DomainError('PROJECTION_SCENARIO_INVALID', 'the scenario is not valid', errors);
    return s;
  }

  private requireName(name: unknown): string {
    if (typeof name !== 'string' || !name.trim() || name.length > 200)
      throw new DomainError('VALIDATION_FAILED', 'name is required', [{ field: 'name', code: 'REQUIRED', message: 'a name of 1 to 200 characters' }]);
    return name.trim();
  }

  async createScenario(input: ScenarioInput) {
    const name = this.requireName(input.name);
    const spec = this.parse(input.spec);
    const id = await this.dataSource.transaction((m) =>
      this.store.createScenario(m, { name, description: input.description ?? null, spec, by: actor() }),
    );
    return this.getScenario(id);
  }

  async updateScenario(id: string, input: ScenarioInput) {
    const name = input.name === undefined ? undefined : this.requireName(input.name);
    const current = await this.getScenario(id);
    const spec = this.parse(input.spec ?? current.spec);
    await this.dataSource.transaction((m) =>
      this.store.addVersion(m, id, { name, description: input.description, spec, by: actor() }),
    );
    return this.getScenario(id);
  }

  async archiveScenario(id: string) {
    await this.getScenario(id);
    await this.dataSource.transaction((m) => this.store.archive(m, id));
    return this.getScenario(id);
  }

  /** The id of the scenario of that name, if one was saved. */
  async scenarioNamed(name: string): Promise<string | null> {
    return (await this.store.scenarioNamed(this.dataSource.manager, name))?.id ?? null;
  }

  async getScenario(id: string) {
    const r = await this.store.scenario(this.dataSource.manager, id);
    if (!r) throw new DomainError('NOT_FOUND', `scenario ${id} not found`);
    return scenarioView(r);
  }

  async listScenarios(page: number, pageSize: number): Promise<Page<ReturnType<typeof scenarioView>>> {
    const rows = await this.store.scenarios(this.dataSource.manager, pageSize, (page - 1) * pageSize);
    return { items: rows.map(scenarioView), page, pageSize, total: rows[0]?.total ?? 0 };
  }

  async scenarioVersions(id: string) {
    await this.getScenario(id);
    const rows = await this.store.versions(this.dataSource.manager, id);
    return rows.map((v) => ({ version: v.version, spec: v.spec as ScenarioSpec, createdBy: v.created_by, createdAt: v.created_at.toISOString() }));
  }

  /** Records a run (of a saved scenario's current version, or of a scenario given inline) and enqueues its job. */
  async createProjection(input: { scenarioId?: string; spec?: unknown }) {
    let scenarioId: string | null = null;
    let version: number | null = null;
    let spec: ScenarioSpec;
    if (input.scenarioId) {
      const s = await this.getScenario(input.scenarioId);
      if (s.archived) throw new DomainError('CONFLICT', `scenario ${s.id} is archived`);
      scenarioId = s.id;
      version = s.version;
      spec = this.parse(s.spec);
    } else spec = this.parse(input.spec);
    const asOf = this.clock.today();
    const id = await this.dataSource.transaction((m) =>
      this.store.createRun(m, { scenarioId, version, spec, asOf, runsTotal: spec.runs, by: actor() }),
    );
    await enqueueProjection(this.queue, id);
    return this.getProjection(id);
  }

  async getProjection(id: string) {
    const r = await this.store.run(this.dataSource.manager, id);
    if (!r) throw new DomainError('NOT_FOUND', `projection ${id} not found`);
    return runView(r);
  }

  async listProjections(page: number, pageSize: number) {
    const rows = await this.store.runs(this.dataSource.manager, pageSize, (page - 1) * pageSize);
    return { items: rows.map(runView), page, pageSize, total: rows[0]?.total ?? 0 };
  }

  /** The books as of `asOf`, read once in one read-only REPEATABLE READ transaction. */
  snapshot(asOf: string): Promise<BookSnapshot> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      await this.book.readOnly(m);
      return readSnapshot(m, this.book, this.products, asOf);
    });
  }

  /** The simulation of a snapshot under a scenario, with progress after each run (the worker's job). */
  async simulate(
    snapshot: BookSnapshot,
    spec: ScenarioSpec,
    onProgress?: (done: number) => Promise<void>,
    actual?: ReadonlyMap<string, readonly ReplayPayment[]>,
  ): Promise<ResultView> {
    const every = Math.max(1, Math.floor(spec.runs / 20));
    // the runs on worker threads (one per core) when the projection is big enough; the same runs either way
    const { runs } = await simulateRuns({
      snapshot,
      scenario: spec,
      actual,
      onProgress: onProgress && ((done) => (done % every === 0 || done === spec.runs ? onProgress(done) : undefined)),
    });
    const refs = new Map<string, { minimum?: string; cap?: string }>();
    for (const rf of snapshot.riskFunds) {
      refs.set(`riskFund:${rf.id}:balance`, { minimum: formatYuan(rf.minimumFen) });
      const caps = snapshot.agreements.filter((a) => a.riskFundId === rf.id).map((a) => a.leverageMultiple);
      if (caps.length) refs.set(`riskFund:${rf.id}:leverage`, { cap: caps.sort((a, b) => Number(b) - Number(a))[0] });
    }
    return resultView(
      {
        asOf: snapshot.asOf,
        months: monthEndsAfter(snapshot.asOf, spec.horizonMonths).map((d) => d.slice(0, 7)),
        runs: runs.length,
        series: bandsOf(runs),
        events: eventsOf(runs),
      },
      refs,
    );
  }

  /**
   * A back-test: the books as of a past business date `asOf`, moved forward `months` month ends with the payments
   * that actually happened since (no drawn behaviour, no new demand). Its figures must be the books' own.
   */
  async backTest(asOf: string, months: number): Promise<ResultView> {
    const snapshot = await this.snapshot(asOf);
    const to = monthEndsAfter(asOf, months)[months - 1];
    const rows = await this.book.paymentsBetween(this.dataSource.manager, snapshot.loans.map((l) => l.id), asOf, to);
    const actual = new Map<string, ReplayPayment[]>();
    for (const r of rows) actual.set(r.loan_id, [...(actual.get(r.loan_id) ?? []), { id: r.id, valueDate: r.value_date, amountFen: BigInt(r.amount_fen) }]);
    const spec: ScenarioSpec = { ...BASELINE_SCENARIO, horizonMonths: months, runs: 1 };
    return this.simulate(snapshot, spec, undefined, actual);
  }

  /** Runs a recorded projection (idempotent: a finished run is left as it is). */
  async execute(runId: string): Promise<'DONE' | 'SKIPPED' | 'FAILED'> {
    const started = await this.dataSource.transaction((m) => this.store.start(m, runId));
    if (!started) return 'SKIPPED';
    try {
      const run = (await this.store.run(this.dataSource.manager, runId))!;
      const spec = this.parse(run.spec);
      const snapshot = await this.snapshot(run.as_of);
      const result = await this.simulate(snapshot, spec, (done) => this.store.progress(this.dataSource.manager, runId, done));
      await this.store.finish(this.dataSource.manager, runId, result);
      return 'DONE';
    } catch (e) {
      await this.store.fail(this.dataSource.manager, runId, e instanceof Error ? e.message : String(e));
      return 'FAILED';
    }
  }

  private async finished(id: string): Promise<ResultView> {
    const r = await this.getProjection(id);
    if (r.status !== 'DONE' || !r.result)
      throw new DomainError('PROJECTION_NOT_FINISHED', `projection ${id} is ${r.status}`, [], { status: r.status });
    return r.result;
  }

  /** A finished run's result and what its export says about it: the scenario (name and version) and the seed. */
  private async exported(id: string): Promise<{ result: ResultView; head: ExportHead }> {
    const result = await this.finished(id);
    const run = await this.getProjection(id);
    const scenario = run.scenarioId ? await this.store.scenario(this.dataSource.manager, run.scenarioId) : undefined;
    return {
      result,
      head: { id, scenario: scenario?.name ?? null, scenarioVersion: run.scenarioVersion, seed: run.spec.seed },
    };
  }

  /** The bands and events as CSV (figures as exact decimal strings): Chinese by default, English on request. */
  async exportCsv(id: string, lang: Lang = 'zh-CN'): Promise<Buffer> {
    const { result, head } = await this.exported(id);
    return tablesToCsv(resultTables(result, lang), exportHeading(result, head, lang));
  }

  /** The same as a workbook: figures as number cells with their unit's decimals, header frozen and filtered, 报表信息. */
  async exportXlsx(id: string, lang: Lang = 'zh-CN'): Promise<Buffer> {
    const { result, head } = await this.exported(id);
    return tablesToXlsx(resultTables(result, lang), { columnWidth: 18, freezeHeader: true, ...exportHeading(result, head, lang) });
  }

  /** The fan chart of one series (default: the first risk fund's balance, else the total mutual-aid outstanding). */
  async chart(id: string, key?: string): Promise<string> {
    const r = await this.finished(id);
    const s = key
      ? r.series.find((x) => x.key === key)
      : (r.series.find((x) => x.scope === 'riskFund' && x.figure === 'balance') ?? r.series.find((x) => x.key === 'total:maOutstanding'));
    if (!s) throw new DomainError('NOT_FOUND', `projection ${id} has no series ${key ?? ''}`.trim());
    return fanChartSvg(s, `预测 (Projection) ${id}: ${s.key} — ${r.runs} runs from ${r.asOf}`);
  }
}
