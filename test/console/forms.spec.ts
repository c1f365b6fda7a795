import { Worker, type Job } from 'bullmq';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { AppConfig, bullOptions, QUEUES } from '#libs/common';
import { ProjectionService, type ProjectionJobData } from '#libs/projection';
import { ProjectionProcessor } from '../../apps/worker/src/projection/projection.processor.js';
import { formatMoney, sumMoney } from '../../apps/console/src/lib/format.js';
import { shot, useConsole } from './harness.js';

/**
 * The console's write forms in the browser, against the real API on the demo data: a contribution recorded and
 * seen in the fund's position, the API's field error beside its field in Chinese, a disclosure published and its
 * printable page opened, a projection run from the screen to its bands and fan chart (the worker's processor
 * consuming the real queue), and an auditor who gets none of the write buttons.
 */
const ui = useConsole();
let worker: Worker<ProjectionJobData> | undefined;

beforeAll(() => {
  const processor = new ProjectionProcessor(ui.t.app.get(ProjectionService, { strict: false }));
  worker = new Worker<ProjectionJobData>(QUEUES.PROJECTIONS, (job: Job<ProjectionJobData>) => processor.process(job), bullOptions(ui.t.app.get(AppConfig)));
});
afterAll(async () => {
  await worker?.close();
});

const FUND_ADMIN = ['fund.admin', 'fund-admin-demo'] as const;
const AUDITOR = ['auditor', 'auditor-demo-pass'] as const;

async function get(path: string) {
  const r = await request(ui.t.http).get(path).set('Authorization', `Bearer ${await ui.t.tokenFor('FUND_ADMIN')}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** A button by its text: Ant Design puts a space between two Chinese characters (登 录). */
const button = (page: Page, text: string) => page.getByRole('button', { name: new RegExp(`^${[...text].join('\\s?')}$`) });

async function pick(page: Page, label: string, option: string) {
  await page.getByRole('dialog').getByLabel(label, { exact: true }).click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
}

describe('console write forms in the browser', () => {
  it('a fund administrator records a contribution and sees it in the fund’s position; a refused share shows the API’s field error beside its field, in Chinese', async () => {
    const funds = await get('/api/v1/mutual-aid-funds?pageSize=100');
    const fund = funds.items[0];
    const before = (await get(`/api/v1/mutual-aid-funds/${fund.id}/position`)).capital as string;
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '村级互助资金' }).click();
    await page.getByRole('heading', { name: '村级互助资金', exact: true }).waitFor();
    await page.getByTestId('fund-capital').filter({ hasText: formatMoney(before) }).waitFor();

    await button(page, '登记出资').click();
    await pick(page, '来源', '区县财政');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('金额（元）').fill('1234.56');
    // the client checks the format as the API does, before sending
    await dialog.getByLabel('文号').fill('');
    await page.getByTestId('contribution-form-submit').click();
    await dialog.locator('.ant-form-item', { has: page.getByLabel('文号') }).getByText('必填').waitFor();
    await dialog.getByLabel('文号').fill('淄财农〔2026〕99号');
    await shot(page, 'contribution-form');
    await page.getByTestId('contribution-form-submit').click();
    await page.getByText('出资已登记').waitFor();
    const expected = sumMoney([before, '1234.56']);
    await page.getByTestId('fund-capital').filter({ hasText: formatMoney(expected) }).waitFor();
    expect((await get(`/api/v1/mutual-aid-funds/${fund.id}/position`)).capital).toBe(expected);
    await page.getByRole('tab', { name: '出资记录' }).click();
    await page.getByRole('row', { name: /淄财农〔2026〕99号/ }).getByText('¥1,234.56').waitFor();

    // a member share from a household of another village: the API refuses it on householdId, shown beside that field
    const households = await get('/api/v1/households?pageSize=100');
    const stranger = households.items.find((h: { villageId: string }) => h.villageId !== fund.villageId);
    expect(stranger).toBeDefined();
    await button(page, '登记出资').click();
    await pick(page, '来源', '成员自缴');
    await dialog.getByLabel('金额（元）').fill('100.00');
    await dialog.getByLabel('农户', { exact: true }).click();
    await dialog.getByLabel('农户', { exact: true }).fill(stranger.headName);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: `#${stranger.id}` }).click();
    await page.getByTestId('contribution-form-submit').click();
    const householdItem = dialog.locator('.ant-form-item', { has: page.getByLabel('农户', { exact: true }) });
    await householdItem.locator('.ant-form-item-explain-error').filter({ hasText: '该农户不属于本村互助资金所在村' }).waitFor();
    await expect(dialog.getByTestId('problem').getAttribute('data-code')).resolves.toBeTruthy();
    await shot(page, 'contribution-field-error');
    // nothing was recorded
    expect((await get(`/api/v1/mutual-aid-funds/${fund.id}/position`)).capital).toBe(expected);
    await page.context().close();
  });

  it('a fund administrator publishes a village’s disclosure and opens its printable page', async () => {
    const villages = await get('/api/v1/villages?pageSize=100');
    const village = villages.items[0];
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '信息公开' }).click();
    await page.getByRole('heading', { name: '信息公开', exact: true }).waitFor();
    await page.getByLabel('村/区县').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: village.name }).first().click();
    await button(page, '发布公开信息').click();
    const published = page.getByTestId('disclosure-published');
    await published.waitFor();
    const [printable] = await Promise.all([page.context().waitForEvent('page'), published.getByRole('link', { name: '打开可打印页面' }).click()]);
    await printable.waitForLoadState();
    expect(printable.url()).toMatch(new RegExp(`/api/v1/public/disclosures/villages/${village.code}/\\d+\\?format=html$`));
    await expect(printable.locator('body').innerText()).resolves.toContain(village.name);
    await page.locator('.ant-table-row').first().waitFor();
    await shot(page, 'disclosures');
    await page.context().close();
  });

  it('a fund administrator runs a projection from the screen and follows it to its bands, events, fan chart and files', async () => {
    const scenarios = await get('/api/v1/projection-scenarios?pageSize=100');
    const scenario = scenarios.items[0];
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '压力测算' }).click();
    await page.getByRole('heading', { name: '压力测算', exact: true }).waitFor();
    const form = page.getByTestId('projection-form');
    await form.getByLabel('情景').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: scenario.name }).click();
    await form.getByLabel('测算月数').fill('6');
    await form.getByLabel('模拟次数').fill('8');
    await button(page, '开始测算').click();
    const started = page.getByText(/测算已排队: #\d+/);
    await started.waitFor();
    const id = (await started.innerText()).match(/#(\d+)/)![1];
    const detail = page.getByTestId('projection-detail');
    await detail.getByText(`#${id}`).waitFor();
    await detail.getByText('已完成').waitFor({ timeout: 120_000 });
    // six months of P10/P50/P90 for the chosen metrics
    const bands = page.getByTestId('projection-bands');
    await expect(bands.locator('tbody tr.ant-table-row').count()).resolves.toBe(6);
    await expect(bands.locator('thead').innerText()).resolves.toMatch(/P10[\s\S]*P50[\s\S]*P90/);
    await page.getByTestId('projection-events').waitFor();
    const chart = page.getByTestId('projection-chart');
    await chart.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="projection-chart"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const run = await get(`/api/v1/projections/${id}`);
    expect(run).toMatchObject({ status: 'DONE', spec: expect.objectContaining({ horizonMonths: 6, runs: 8 }) });
    expect(run.result.months).toHaveLength(6);
    // the first chosen metric's P50 of the first month, as the API computed it
    const first = run.result.series.find((s: { scope: string }) => s.scope === 'total');
    if (first.unit === 'fen') await bands.getByText(formatMoney(first.bands[0].p50)).first().waitFor();
    // the files, with the session of the page
    const csv = await page.request.get(`${ui.t.baseUrl}/api/v1/projections/${id}/export?format=csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/text\/csv/);
    const xlsx = await page.request.get(`${ui.t.baseUrl}/api/v1/projections/${id}/export?format=xlsx`);
    expect(xlsx.status()).toBe(200);
    expect((await xlsx.body()).subarray(0, 2).toString()).toBe('PK');
    await shot(page, 'projections');
    await page.context().close();
  }, 180_000);

  it('an auditor reads the fund screens, disclosures and projections without any of the write buttons', async () => {
    const page = await ui.loginAs(...AUDITOR);
    const absent = async (...names: string[]) => {
      for (const name of names) await expect(button(page, name).count()).resolves.toBe(0);
    };
    await page.getByRole('menuitem', { name: '村级互助资金' }).click();
    await page.getByTestId('fund-capital').waitFor();
    await page.locator('.ant-table-row').first().waitFor();
    await absent('登记出资', '社员退股');
    await page.getByRole('menuitem', { name: '风险补偿基金' }).click();
    await page.getByTestId('risk-fund-balance').waitFor();
    await page.getByRole('columnheader', { name: '熔断状态' }).waitFor();
    await absent('登记注资', '新建合作协议', '终止');
    await page.getByRole('menuitem', { name: '贴息' }).click();
    await page.getByTestId('subsidy-available').first().waitFor();
    await absent('生成贴息申请', '审核通过', '登记支付');
    await page.getByRole('menuitem', { name: '资产收益' }).click();
    await page.getByTestId('special-fund').first().waitFor();
    await absent('分红/清算', '试算', '支付');
    await page.getByRole('menuitem', { name: '信息公开' }).click();
    await page.getByRole('heading', { name: '信息公开', exact: true }).waitFor();
    await absent('发布公开信息');
    await page.getByRole('menuitem', { name: '压力测算' }).click();
    await page.getByRole('heading', { name: '压力测算', exact: true }).waitFor();
    await page.locator('.ant-table-row').first().waitFor();
    await expect(page.getByTestId('projection-form').count()).resolves.toBe(0);
    await absent('开始测算');
    // reading is allowed: the demo run's result is there
    await page.getByTestId('projection-bands').waitFor();
    await shot(page, 'projections-auditor');
    await page.context().close();
  });
});
