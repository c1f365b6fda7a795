import { Queue, Worker, type Job } from 'bullmq';
import ExcelJS from 'exceljs';
import { BusinessDateService } from '#libs/calendar';
import { AppConfig, bullOptions, QUEUES } from '#libs/common';
import { yuan } from '#libs/money';
import { ApplicationsService, DisbursementService } from '#libs/origination';
import { projectionJobId, ProjectionService, type ProjectionJobData } from '#libs/projection';
import { createTestApp, expectFile, expectStatus, type TestApp } from '#libs/testing';
import { ProjectionProcessor } from '../../apps/worker/src/projection/projection.processor.js';
import { random } from '../../scripts/simulation/prng.js';
import { ACTORS, as, buildWorld, type World } from '../../scripts/simulation/world.js';

/**
 * The projection endpoints and the worker job: scenarios saved and versioned, a run enqueued (201) and processed by
 * the worker's processor from the queue, progress and results read back, the CSV, XLSX and fan chart, the roles.
 */
let t: TestApp;
let world: World;
let worker: Worker<ProjectionJobData>;
/** The client signed in as `role`. */
const auth = (role: Parameters<TestApp['tokenFor']>[0]) => t.api(role);
type Client = ReturnType<typeof auth>;

const SPEC = {
  horizonMonths: 6,
  runs: 12,
  seed: 3,
  behaviour: { MUTUAL_AID: { latePercent: 20, lateDays: { min: 5, max: 40 }, defaultPercent: 25 } },
  newDemand: { applicationsPerVillagePerMonth: 1, amount: { min: '2000.00', max: '6000.00', step: '500.00' }, termMonths: [6, 12] },
  recoveries: { percentOfCompensation: 20, afterMonths: 3 },
  policies: [{ fromMonth: '2026-04', topUps: [{ target: 'RISK_FUND', id: 'RF', amount: '100000.00' }] }],
};

beforeAll(async () => {
  t = await createTestApp();
  world = await buildWorld(t.app, random(2), { start: '2026-02-02', years: [2026], households: 4, lateRate: 0, defaultRate: 0, lateDays: [0, 0] });
  SPEC.policies[0].topUps[0].id = world.riskFundId;
  const h = world.households[0];
  const applications = t.app.get(ApplicationsService, { strict: false });
  const loan = await as(ACTORS.officer, () =>
    applications.create({ householdId: h.id, productId: world.maProduct, amountFen: yuan('4000.00'), termMonths: 6, purpose: 'BREEDING', groupId: h.groupId }),
  );
  await as(ACTORS.officer, () => applications.submit(loan.id));
  await as(ACTORS.officer, () => applications.endorse(loan.id, { note: 'e2e' }));
  await as(ACTORS.fundAdmin, () => applications.approve(loan.id, { comment: 'e2e' }));
  await as(ACTORS.admin, () => t.app.get(BusinessDateService).advance({ days: 4 }));
  await as(ACTORS.fundAdmin, () => t.app.get(DisbursementService, { strict: false }).disburse(loan.id, {}, `e2e-disburse-${loan.id}`));
  const processor = new ProjectionProcessor(t.app.get(ProjectionService, { strict: false }));
  worker = new Worker<ProjectionJobData>(QUEUES.PROJECTIONS, (job: Job<ProjectionJobData>) => processor.process(job), bullOptions(t.app.get(AppConfig)));
}, 300_000);

afterAll(async () => {
  await worker?.close();
  await t?.close();
});

/**
 * Polls until the worker finished the run (up to 90 s: worker threads start slowly on a loaded machine). A run that
 * does not finish is reported with its last status and its job's state in the queue, so a stall says where it stood.
 */
async function waitDone(id: string, client: Client) {
  let status = '';
  for (let i = 0; i < 900; i++) {
    const r = await expectStatus(client.GET('/api/v1/projections/{id}', { params: { path: { id } } }), 200);
    if (r.body.status === 'DONE' || r.body.status === 'FAILED') return r.body;
    status = `${r.body.status} (${JSON.stringify(r.body.progress)})`;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const queue = new Queue(QUEUES.PROJECTIONS, bullOptions(t.app.get(AppConfig)));
  try {
    const job = await queue.getJob(projectionJobId(id));
    const state = job ? `${await job.getState()} (attempts ${job.attemptsMade}, ${job.failedReason ?? job.returnvalue ?? 'no result'})` : 'missing';
    throw new Error(`projection ${id} did not finish: the run is ${status}, its job ${state}, the worker ${worker.isRunning() ? 'running' : 'stopped'}`);
  } finally {
    await queue.close();
  }
}

const scenario = (id: string) => ({ params: { path: { id } } });

describe('projection scenarios', () => {
  it('are saved, versioned, listed and archived; a bad scenario names every problem', async () => {
    const fa = auth('FUND_ADMIN');
    const bad = await expectStatus(
      fa.POST('/api/v1/projection-scenarios', {
        body: {
          name: 'bad',
          spec: {
            runs: 0,
            behaviour: { MUTUAL_AID: { latePercent: 120 } },
            coveredDemand: [{ agreementId: '1', fromMonth: '2026-03', loansPerMonth: 2, amount: '0.00', termMonths: 12 }],
          },
        },
      }),
      422,
    );
    expect(bad.body.code).toBe('PROJECTION_SCENARIO_INVALID');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['runs', 'behaviour.MUTUAL_AID.latePercent', 'coveredDemand[0].amount']);
    const created = await expectStatus(
      fa.POST('/api/v1/projection-scenarios', { body: { name: 'repayment 85 %', spec: SPEC } }),
      201,
    );
    expect(created.body).toMatchObject({ name: 'repayment 85 %', version: 1, archived: false, createdBy: expect.any(String) });
    const id = created.body.id;
    const patched = await expectStatus(
      fa.PATCH('/api/v1/projection-scenarios/{id}', { ...scenario(id), body: { spec: { ...SPEC, runs: 10 } } }),
      200,
    );
    expect(patched.body.version).toBe(2);
    expect(patched.body.spec.runs).toBe(10);
    const auditor = auth('AUDITOR');
    const versions = await expectStatus(auditor.GET('/api/v1/projection-scenarios/{id}/versions', scenario(id)), 200);
    expect(versions.body.map((v: { version: number; spec: { runs: number } }) => [v.version, v.spec.runs])).toEqual([
      [1, 12],
      [2, 10],
    ]);
    const list = await expectStatus(auditor.GET('/api/v1/projection-scenarios'), 200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(id);
    await expectStatus(auditor.PATCH('/api/v1/projection-scenarios/{id}', { ...scenario(id), body: { name: 'x' } }), 403);
    await expectStatus(auth('LOAN_OFFICER').GET('/api/v1/projection-scenarios'), 403);
    await expectStatus(auditor.GET('/api/v1/projection-scenarios/{id}', scenario('abc')), 400);
    await expectStatus(auditor.GET('/api/v1/projection-scenarios/{id}', scenario('999999')), 404);
  });
});

describe('projection runs', () => {
  it('are enqueued (201), run by the worker job with progress, and give bands, events, exports and a chart', async () => {
    const fa = auth('FUND_ADMIN');
    const saved = await expectStatus(fa.POST('/api/v1/projection-scenarios', { body: { name: 'e2e', spec: SPEC } }), 201);
    const created = await expectStatus(fa.POST('/api/v1/projections', { body: { scenarioId: saved.body.id } }), 201);
    expect(created.body).toMatchObject({ scenarioId: saved.body.id, scenarioVersion: 1, progress: { runsTotal: 12 }, result: null });
    expect(['QUEUED', 'RUNNING', 'DONE']).toContain(created.body.status);
    const auditor = auth('AUDITOR');
    const done = await waitDone(created.body.id, auditor);
    expect(done.error).toBeNull();
    expect(done.status).toBe('DONE');
    expect(done.progress).toEqual({ runsDone: 12, runsTotal: 12 });
    const r = done.result;
    expect(r.months).toEqual(['2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07']);
    expect(r.runs).toBe(12);
    const series = (key: string) => r.series.find((s: { key: string }) => s.key === key);
    const balance = series(`riskFund:${world.riskFundId}:balance`);
    expect(balance.minimum).toBe('5000000.00');
    expect(balance.bands[0].p50).toBe('500000.00');
    // the top-up of April is in every run
    expect(balance.bands[2].p10).toBe('600000.00');
    const cash = series(`fund:${world.fundId}:cash`);
    for (const b of cash.bands) expect(yuan(b.p10) <= yuan(b.p50) && yuan(b.p50) <= yuan(b.p90)).toBe(true);
    expect(series('total:householdsCumulative').bands[5].p90).toMatch(/^\d+$/);
    const below = r.events.find((e: { key: string }) => e.key === `RISK_FUND_BELOW_MINIMUM:riskFund:${world.riskFundId}`);
    expect(below).toMatchObject({ probabilityPercent: '100.00', runs: 12, firstMonth: { p10: '2026-02', p50: '2026-02', p90: '2026-02' } });

    // the same scenario run again gives the same result (seeded)
    const again = await expectStatus(fa.POST('/api/v1/projections', { body: { spec: SPEC } }), 201);
    const second = await waitDone(again.body.id, auditor);
    expect(second.result).toEqual(r);

    // the export: Chinese headers and labels by default, the run's scenario, version, seed and as-of date in the file
    const run = { path: { id: created.body.id as string } };
    const exported = (format: 'csv' | 'xlsx', headers: Record<string, string> = {}) =>
      expectFile(auditor.GET('/api/v1/projections/{id}/export', { params: { ...run, query: { format } }, headers, parseAs: 'arrayBuffer' }), 200);
    const csv = await exported('csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.text.slice(1).split('\r\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `截至日期 (As of),${r.asOf}`,
        '场景 (Scenario),e2e',
        '场景版本 (Scenario version),1',
        '随机种子 (Seed),3',
        '序列,范围,编号,指标,月份,P10,P50（中位数）,P90',
        `riskFund:${world.riskFundId}:balance,风险补偿金,${world.riskFundId},风险补偿金余额（元）,2026-04,600000.00,600000.00,600000.00`,
      ]),
    );
    expect(lines.find((l) => l.startsWith('风险补偿金低于最低要求,风险补偿金,'))).toBe(
      `风险补偿金低于最低要求,风险补偿金,${world.riskFundId},100.00,12,2026-02,2026-02,2026-02`,
    );
    const en = await exported('csv', { 'Accept-Language': 'en' });
    expect(en.text).toContain(`riskFund:${world.riskFundId}:balance,riskFund,${world.riskFundId},balance,2026-04,600000.00`);
    expect(en.text).toContain('series,scope,id,figure,month,P10,P50,P90');
    expect(en.text).not.toMatch(/风险补偿金余额/);
    const xlsx = await exported('xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['预测区间', '预测事件', '报表信息 (About)']);
    const bands = wb.worksheets[0];
    expect(bands.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const april = bands
      .getRows(2, bands.rowCount - 1)!
      .find((row) => row.getCell(1).value === `riskFund:${world.riskFundId}:balance` && row.getCell(5).value === '2026-04')!;
    expect([april.getCell(4).value, april.getCell(6).value, april.getCell(6).numFmt]).toEqual(['风险补偿金余额（元）', 600000, '#,##0.00']);
    expect(wb.worksheets[2].getSheetValues().flat()).toEqual(expect.arrayContaining(['场景 (Scenario)', 'e2e', '随机种子 (Seed)', '3', r.asOf]));
    const chart = (series: string) =>
      auditor.GET('/api/v1/projections/{id}/chart.svg', { params: { ...run, query: { series } }, parseAs: 'arrayBuffer' });
    const svg = await expectFile(chart(`riskFund:${world.riskFundId}:balance`), 200);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    const text = svg.text;
    expect(text).toContain('class="band"');
    expect(text).toContain('class="minimum"');
    await expectFile(chart('total:nothing'), 404);

    const list = await expectStatus(auditor.GET('/api/v1/projections'), 200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    expect(list.body.items[0].result).toBeNull();
    await expectStatus(auditor.POST('/api/v1/projections', { body: { spec: SPEC } }), 403);

    // new covered lending under the district's agreement (on its bank's household product): what is registered is
    // the covered outstanding of a month without earlier covered loans, and takes the backing out of the capacity
    const coveredDemand = [{ agreementId: world.agreementId, fromMonth: '2026-03', toMonth: '2026-03', loansPerMonth: 4, amount: '20000.00', termMonths: 12 }];
    const lent = await expectStatus(fa.POST('/api/v1/projections', { body: { spec: { horizonMonths: 3, runs: 4, coveredDemand } } }), 201);
    const c = (await waitDone(lent.body.id, auditor)).result;
    const of = (figure: string) => c.series.find((s: { key: string }) => s.key === `riskFund:${world.riskFundId}:${figure}`).bands[1];
    expect(yuan(of('coveredRegisteredAmount').p90)).toBeGreaterThan(0n);
    expect(of('coveredRefused')).toMatchObject({ p10: '0', p50: '0', p90: '0' });
    expect(of('coveredOutstanding')).toEqual(of('coveredRegisteredAmount'));
    expect(yuan(of('capacityLeft').p90)).toBeLessThan(yuan('5000000.00'));
    await expectStatus(auth('LOAN_OFFICER').GET('/api/v1/projections/{id}', { params: run }), 403);
    await expectStatus(t.api().GET('/api/v1/projections/{id}', { params: run }), 401);
  }, 120_000);
});
