import { Worker, type Job } from 'bullmq';
import type { Locator, Page } from 'playwright-core';
import { AppConfig, bullOptions, QUEUES } from '#libs/common';
import { ProjectionService, type ProjectionJobData } from '#libs/projection';
import { apiCall, expectStatus, TEST_ADMIN } from '#libs/testing';
import { ProjectionProcessor } from '../../apps/worker/src/projection/projection.processor.js';
import { formatMoney, sumMoney } from '../../apps/console/src/lib/format.js';
import * as fx from '../subsidy/fixtures.js';
import { choose, shot, useConsole } from './harness.js';

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
  worker = new Worker<ProjectionJobData>(
    QUEUES.PROJECTIONS,
    (job: Job<ProjectionJobData>) => processor.process(job),
    bullOptions(ui.t.app.get(AppConfig)),
  );
});
afterAll(async () => {
  await worker?.close();
});

const FUND_ADMIN = ['fund.admin', 'fund-admin-demo'] as const;
const AUDITOR = ['auditor', 'auditor-demo-pass'] as const;

/** The client as a fund administrator. */
const fa = () => ui.t.api('FUND_ADMIN');
/** A read through the client, asserted 200: its body. */
async function get<R extends { response: Response; data?: unknown; error?: unknown }>(call: Promise<R>) {
  return (await expectStatus(call, 200)).body;
}

/** A button by its text: Ant Design puts a space between two Chinese characters (登 录). */
const button = (page: Page | Locator, text: string) =>
  page.getByRole('button', { name: new RegExp(`^${[...text].join('\\s?')}$`) });

/**
 * Chooses `option` in the dialog's select labelled `label`, and waits until the select shows it. antd animates its
 * dropdowns: a click that lands while one is opening or closing can be lost, so the dropdown is closed and the
 * choice made again (up to three times).
 */
/** A choice in the open dialog's select labelled `label` (see choose). */
const pick = (page: Page, label: string, option: string) =>
  choose(page, page.getByRole('dialog').getByLabel(label, { exact: true }), option);

describe('console write forms in the browser', () => {
  it('a fund administrator records a contribution and sees it in the fund’s position; a refused share shows the API’s field error beside its field, in Chinese', async () => {
    const funds = await get(fa().GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 } } }));
    const fund = funds.items[0];
    const before = (
      await get(fa().GET('/api/v1/mutual-aid-funds/{id}/position', { params: { path: { id: fund.id } } }))
    ).capital as string;
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '村级互助资金' }).click();
    await page.getByRole('heading', { name: '村级互助资金', exact: true }).waitFor();
    await page
      .getByTestId('fund-capital')
      .filter({ hasText: formatMoney(before) })
      .waitFor();

    await button(page, '登记出资').click();
    await pick(page, '来源', '区县财政');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('金额（元）').fill('1234.56');
    // the client checks the format as the API does, before sending
    await dialog.getByLabel('文号').fill('');
    await page.getByTestId('contribution-form-submit').click();
    await dialog
      .locator('.ant-form-item', { has: page.getByLabel('文号') })
      .getByText('必填')
      .waitFor();
    await dialog.getByLabel('文号').fill('淄财农〔2026〕99号');
    await shot(page, 'contribution-form');
    await page.getByTestId('contribution-form-submit').click();
    await page.getByText('出资已登记').waitFor();
    const expected = sumMoney([before, '1234.56']);
    await page
      .getByTestId('fund-capital')
      .filter({ hasText: formatMoney(expected) })
      .waitFor();
    expect(
      (await get(fa().GET('/api/v1/mutual-aid-funds/{id}/position', { params: { path: { id: fund.id } } })))
        .capital,
    ).toBe(expected);
    await page.getByRole('tab', { name: '出资记录' }).click();
    await page
      .getByRole('row', { name: /淄财农〔2026〕99号/ })
      .getByText('¥1,234.56')
      .waitFor();

    // a member share from a household of another village: the API refuses it on householdId, shown beside that field
    const households = await get(fa().GET('/api/v1/households', { params: { query: { pageSize: 100 } } }));
    const stranger = households.items.find((h: { villageId: string }) => h.villageId !== fund.villageId);
    expect(stranger).toBeDefined();
    await button(page, '登记出资').click();
    await pick(page, '来源', '成员自缴');
    await dialog.getByLabel('金额（元）').fill('100.00');
    // the household picked by its head's name, once the search has answered
    await choose(page, dialog.getByLabel('农户', { exact: true }), `#${stranger.id}`, {
      search: stranger.headName,
      // the chosen value (an aria-live echo of it may come and go)
      took: dialog.getByTitle(`${stranger.headName} · ${stranger.villageName} · #${stranger.id}`),
    });
    await page.keyboard.press('Tab');
    const refused = page.waitForResponse(
      (r) => r.url().includes('/contributions') && r.request().method() === 'POST',
    );
    await page.getByTestId('contribution-form-submit').click();
    expect((await refused).status()).toBe(422);
    const householdItem = dialog.locator('.ant-form-item', { has: page.getByLabel('农户', { exact: true }) });
    await householdItem
      .locator('.ant-form-item-explain-error')
      .filter({ hasText: '该农户不属于本村互助资金所在村' })
      .waitFor();
    await expect(dialog.getByTestId('problem').getAttribute('data-code')).resolves.toBeTruthy();
    await shot(page, 'contribution-field-error');
    // nothing was recorded
    expect(
      (await get(fa().GET('/api/v1/mutual-aid-funds/{id}/position', { params: { path: { id: fund.id } } })))
        .capital,
    ).toBe(expected);
    await page.context().close();
  });

  it('a share withdrawal above the member’s paid share is refused on its amount, beside the field, in Chinese', async () => {
    const fund = (await get(fa().GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 } } })))
      .items[0];
    const members = await get(
      fa().GET('/api/v1/mutual-aid-funds/{id}/members', {
        params: { path: { id: fund.id }, query: { pageSize: 100 } },
      }),
    );
    const member = members.items.find((m: { status: string }) => m.status === 'ACTIVE');
    const household = await get(
      fa().GET('/api/v1/households/{id}', { params: { path: { id: member.householdId } } }),
    );
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '村级互助资金' }).click();
    await page.getByTestId('fund-capital').waitFor();
    await button(page, '社员退股').click();
    const dialog = page.getByRole('dialog');
    await choose(page, dialog.getByLabel('农户', { exact: true }), `#${household.id}`, {
      search: household.headName,
      took: dialog.getByTitle(`${household.headName} · ${household.villageName} · #${household.id}`),
    });
    await page.keyboard.press('Tab');
    const over = sumMoney([member.paidShare, '1.00']);
    await dialog.getByLabel('金额（元）').fill(over);
    await page.getByTestId('withdrawal-form-submit').click();
    const amountItem = dialog.locator('.ant-form-item', { has: page.getByLabel('金额（元）') });
    await amountItem.locator('.ant-form-item-explain-error').filter({ hasText: '股金不足' }).waitFor();
    await shot(page, 'withdrawal-refused');
    // nothing left the fund
    const after = await get(
      fa().GET('/api/v1/mutual-aid-funds/{id}/withdrawals', {
        params: { path: { id: fund.id }, query: { pageSize: 100 } },
      }),
    );
    expect(
      after.items.filter(
        (w: { householdId: string; amount: string }) => w.householdId === household.id && w.amount === over,
      ),
    ).toEqual([]);
    await page.context().close();
  });

  it('a fund administrator publishes a village’s disclosure and opens its printable page', async () => {
    const villages = await get(fa().GET('/api/v1/villages', { params: { query: { pageSize: 100 } } }));
    const village = villages.items[0];
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '信息公开' }).click();
    await page.getByRole('heading', { name: '信息公开', exact: true }).waitFor();
    await choose(page, page.getByLabel('村/区县'), village.name);
    await button(page, '发布公开信息').click();
    const published = page.getByTestId('disclosure-published');
    await published.waitFor();
    const [printable] = await Promise.all([
      page.context().waitForEvent('page'),
      published.getByRole('link', { name: '打开可打印页面' }).click(),
    ]);
    await printable.waitForLoadState();
    expect(printable.url()).toMatch(
      new RegExp(`/api/v1/public/disclosures/villages/${village.code}/\\d+\\?format=html$`),
    );
    await expect(printable.locator('body').innerText()).resolves.toContain(village.name);
    await page.locator('.ant-table-row').first().waitFor();
    await shot(page, 'disclosures');
    await page.context().close();
  });

  it('a fund administrator runs a projection from the screen and follows it to its bands, events, fan chart and files', async () => {
    const scenarios = await get(
      fa().GET('/api/v1/projection-scenarios', { params: { query: { pageSize: 100 } } }),
    );
    const scenario = scenarios.items[0];
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '压力测算' }).click();
    await page.getByRole('heading', { name: '压力测算', exact: true }).waitFor();
    const form = page.getByTestId('projection-form');
    await choose(page, form.getByLabel('情景'), scenario.name);
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
    const run = await get(fa().GET('/api/v1/projections/{id}', { params: { path: { id } } }));
    expect(run).toMatchObject({
      status: 'DONE',
      spec: expect.objectContaining({ horizonMonths: 6, runs: 8 }),
    });
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

  it('a fund administrator creates a scenario, runs it and sees its result, then saves a new version; the API’s field messages come beside the fields in the console’s language', async () => {
    const today = (await get(fa().GET('/api/v1/business-date'))).businessDate as string;
    const riskFund = (await get(fa().GET('/api/v1/risk-funds', { params: { query: { pageSize: 100 } } })))
      .items[0];
    const page = await ui.loginAs(...FUND_ADMIN);
    // every API call asks for the console's language
    const languages = new Set<string>();
    page.on('request', (r) => {
      if (r.resourceType() === 'fetch' && r.url().includes('/api/v1/'))
        languages.add(`${r.method()} ${r.headers()['accept-language']}`);
    });
    await page.getByRole('menuitem', { name: '压力测算' }).click();
    await page.getByRole('heading', { name: '压力测算', exact: true }).waitFor();
    await button(page, '新建情景').click();
    const dialog = page.getByRole('dialog');
    const name = `界面测算情景 ${Date.now()}`;
    await dialog.getByLabel('名称', { exact: true }).fill(name);
    await dialog.getByLabel('测算月数').fill('4');
    await dialog.getByLabel('模拟次数').fill('6');
    await dialog.getByLabel('互助资金借款 · 违约比例').fill('150');
    await button(dialog, '添加政策调整').click();
    await dialog.getByLabel('起始月份').fill(today.slice(0, 7));
    await dialog.getByLabel('放大倍数').fill('0');
    await button(dialog, '添加注资').click();
    await pick(page, '注资对象', riskFund.districtName);
    await dialog.getByLabel('金额（元）').fill('100000.00');
    await page.getByTestId('scenario-form-submit').click();
    // the API refuses both fields at once, each message beside its field, in Chinese by default
    const problem = dialog.getByTestId('problem');
    await problem.waitFor();
    await expect(problem.getAttribute('data-code')).resolves.toBe('PROJECTION_SCENARIO_INVALID');
    await expect(problem.innerText()).resolves.toContain('测算情景设置不符合要求');
    const itemOf = (label: string) =>
      dialog.locator('.ant-form-item', { has: page.getByLabel(label, { exact: true }) });
    await itemOf('互助资金借款 · 违约比例')
      .locator('.ant-form-item-explain-error')
      .filter({ hasText: '无效' })
      .waitFor();
    await itemOf('放大倍数').locator('.ant-form-item-explain-error').filter({ hasText: '无效' }).waitFor();
    await shot(page, 'projection-scenario-refused');
    await dialog.getByLabel('互助资金借款 · 违约比例').fill('20');
    await dialog.getByLabel('放大倍数').fill('8');
    await shot(page, 'projection-scenario-form');
    await page.getByTestId('scenario-form-submit').click();
    await page.getByText(`情景已保存: ${name} · v1`).waitFor();
    const saved = (
      await get(fa().GET('/api/v1/projection-scenarios', { params: { query: { pageSize: 100 } } }))
    ).items.find((x: { name: string }) => x.name === name);
    expect(saved).toMatchObject({ version: 1 });
    expect(saved.spec).toMatchObject({
      horizonMonths: 4,
      runs: 6,
      behaviour: { MUTUAL_AID: expect.objectContaining({ defaultPercent: 20 }) },
      policies: [
        {
          fromMonth: today.slice(0, 7),
          leverageMultiple: '8',
          topUps: [{ target: 'RISK_FUND', id: riskFund.id, amount: '100000.00' }],
        },
      ],
    });

    // the run form offers the saved scenario: run it and follow it to its result
    const form = page.getByTestId('projection-form');
    await form.getByText(name).waitFor();
    await button(page, '开始测算').click();
    const started = page.getByText(/测算已排队: #\d+/);
    await started.waitFor();
    const id = (await started.innerText()).match(/#(\d+)/)![1];
    const detail = page.getByTestId('projection-detail');
    await detail.getByText(`#${id}`).waitFor();
    await detail.getByText('已完成').waitFor({ timeout: 120_000 });
    const bands = page.getByTestId('projection-bands');
    await expect(bands.locator('tbody tr.ant-table-row').count()).resolves.toBe(4);
    const run = await get(fa().GET('/api/v1/projections/{id}', { params: { path: { id } } }));
    expect(run).toMatchObject({ status: 'DONE', scenarioId: saved.id, scenarioVersion: 1 });
    await page
      .locator('.ant-table-row', { hasText: `${name} · v1` })
      .first()
      .waitFor();
    await shot(page, 'projection-scenario-run');

    // in English the API writes its field message in English (it names the rule), then a new version is saved
    await page.getByText('English').click();
    await page.getByRole('heading', { name: 'Projections', exact: true }).waitFor();
    await button(page.locator('.ant-table-row', { hasText: name }), 'New version').click();
    await dialog.getByLabel('Mutual-aid loans · Default %').fill('101');
    await page.getByTestId('scenario-form-submit').click();
    const enItem = dialog.locator('.ant-form-item', {
      has: page.getByLabel('Mutual-aid loans · Default %', { exact: true }),
    });
    await enItem
      .locator('.ant-form-item-explain-error')
      .filter({ hasText: 'must be a percent from 0 to 100' })
      .waitFor();
    await expect(dialog.getByTestId('problem').innerText()).resolves.toContain(
      'The projection scenario is not valid',
    );
    await dialog.getByLabel('Mutual-aid loans · Default %').fill('30');
    await page.getByTestId('scenario-form-submit').click();
    await page.getByText(`Scenario saved: ${name} · v2`).waitFor();
    const v2 = await get(
      fa().GET('/api/v1/projection-scenarios/{id}', { params: { path: { id: saved.id } } }),
    );
    expect(v2).toMatchObject({
      version: 2,
      spec: expect.objectContaining({
        horizonMonths: 4,
        behaviour: expect.objectContaining({ MUTUAL_AID: expect.objectContaining({ defaultPercent: 30 }) }),
      }),
    });
    expect(v2.spec.policies).toEqual(saved.spec.policies);
    expect(
      await get(
        fa().GET('/api/v1/projection-scenarios/{id}/versions', { params: { path: { id: saved.id } } }),
      ),
    ).toHaveLength(2);
    // Chinese until the switch, English after it, on reads and writes alike
    expect([...languages].sort()).toEqual(['GET en', 'GET zh-CN', 'PATCH en', 'POST zh-CN']);
    await page.context().close();
  }, 180_000);

  it('a fund administrator tops up a risk fund, signs a cooperation agreement with a new bank and terminates it', async () => {
    const bank = await apiCall(
      ui.t.api('ADMIN').POST('/api/v1/banks', { body: { code: 'UIBANK', name: '界面测试银行' } }),
    );
    expect(bank.status).toBe(201);
    const riskFund = (await get(fa().GET('/api/v1/risk-funds', { params: { query: { pageSize: 100 } } })))
      .items[0];
    const before = (
      await get(fa().GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: riskFund.id } } }))
    ).balance as string;
    const today = (await get(fa().GET('/api/v1/business-date'))).businessDate as string;
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '风险补偿基金' }).click();
    await page
      .getByTestId('risk-fund-balance')
      .filter({ hasText: formatMoney(before) })
      .waitFor();

    await button(page, '登记注资').click();
    await pick(page, '来源', '市级财政');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('金额（元）').fill('50000.5');
    await dialog.getByLabel('到账日期').fill(today);
    await dialog.getByLabel('文号').fill('淄财〔2026〕88号');
    await page.getByTestId('deposit-form-submit').click();
    await page.getByText('注资已登记').waitFor();
    const expected = sumMoney([before, '50000.50']);
    await page
      .getByTestId('risk-fund-balance')
      .filter({ hasText: formatMoney(expected) })
      .waitFor();
    expect(
      (await get(fa().GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: riskFund.id } } })))
        .balance,
    ).toBe(expected);

    await button(page, '新建合作协议').click();
    await dialog.getByLabel('协议编号').fill('UI-AGREEMENT-1');
    await pick(page, '银行', 'UIBANK');
    await dialog.getByLabel('生效日').fill(today);
    // shares that do not add up to 100: refused by the API, named on its field
    await dialog.getByLabel('基金分担').fill('70');
    await dialog.getByLabel('银行分担').fill('20');
    await page.getByTestId('agreement-form-submit').click();
    await dialog.getByTestId('problem').waitFor();
    await expect(dialog.locator('.ant-form-item-explain-error').count()).resolves.toBeGreaterThan(0);
    await dialog.getByLabel('基金分担').fill('80');
    await page.getByTestId('agreement-form-submit').click();
    await page.getByText('合作协议已创建').waitFor();
    const row = page.getByTestId('agreements').locator('.ant-table-row', { hasText: 'UI-AGREEMENT-1' });
    await row.getByText('正常').waitFor();
    await shot(page, 'risk-fund-forms');
    await button(row, '终止').click();
    await page.getByTestId('terminate-form-submit').click();
    await page.getByText('合作协议已终止').waitFor();
    await row.getByText('已终止').waitFor();
    await expect(button(row, '终止').count()).resolves.toBe(0);
    await page.context().close();
  });

  it('asset income: a flagged year’s dividends previewed by one fund administrator, approved by another, paid no earlier than the record date; a liquidation is previewed', async () => {
    const project = (
      await get(fa().GET('/api/v1/asset-income/projects', { params: { query: { pageSize: 20 } } }))
    ).items[0];
    const today = (await get(fa().GET('/api/v1/business-date'))).businessDate as string;
    // the demo has paid every finished year (last year's in January): this year is the one open to a dividend run
    const year = today.slice(0, 4);
    const paid = (
      await get(fa().GET('/api/v1/asset-income/distributions', { params: { query: { pageSize: 100 } } }))
    ).items.map((r: { year: number }) => r.year) as number[];
    expect(paid).not.toContain(Number(year));
    const preparer = await ui.loginAs(...FUND_ADMIN);
    await preparer.getByRole('menuitem', { name: '资产收益' }).click();
    await button(preparer.locator('.ant-table-row', { hasText: project.name }), '分红/清算').click();
    const drawer = preparer.locator('.ant-drawer');
    // the demo project is sound: no liquidation offered
    await drawer.getByRole('tab', { name: '清算' }).click();
    await drawer.getByText('净资产触及清算阈值（须清算）的项目才能清算。').waitFor();
    await expect(button(drawer, '试算').last().isDisabled()).resolves.toBe(true);

    // this year's results, a loss whose net assets fall to the threshold (recorded through the API): the project is
    // flagged for liquidation, and the year's dividends still owe the poor households their floor
    const result = await apiCall(
      fa().POST('/api/v1/asset-income/projects/{id}/results', {
        params: { path: { id: project.id } },
        body: {
          year: Number(year),
          revenue: '300000.00',
          netProfit: '-900000.00',
          netAssets: '100000.00',
          reportedOn: today,
        },
      }),
    );
    expect(result.status).toBe(200);
    expect(
      (await get(fa().GET('/api/v1/asset-income/projects/{id}', { params: { path: { id: project.id } } })))
        .status,
    ).toBe('LIQUIDATION_REQUIRED');
    await preparer.reload();
    await button(preparer.locator('.ant-table-row', { hasText: project.name }), '分红/清算').click();
    await drawer.getByRole('tab', { name: '年度分红' }).click();
    await drawer.getByTestId('dividend-form').getByLabel('年度').fill(year);
    await button(drawer, '试算').first().click();
    const previewed = drawer.getByTestId('dividend-preview');
    await previewed.getByText('已编制').waitFor();
    const run = await get(
      fa().GET('/api/v1/asset-income/projects/{id}/distributions/{year}', {
        params: { path: { id: project.id, year: Number(year) } },
      }),
    );
    expect(run.status).toBe('PREPARED');
    await previewed.getByText(formatMoney(run.netProfit)).first().waitFor();
    // the preparer may not approve: the API's refusal, in Chinese
    await button(previewed, '审核通过').click();
    await drawer.getByTestId('problem').filter({ hasText: '审批人不得为经办人' }).waitFor();
    await shot(preparer, 'dividend-preview');

    const approver = await ui.loginAs('district.admin', 'district-admin-demo');
    await approver.getByRole('menuitem', { name: '资产收益' }).click();
    await button(approver.locator('.ant-table-row', { hasText: project.name }), '分红/清算').click();
    const drawer2 = approver.locator('.ant-drawer');
    await drawer2.getByTestId('dividend-form').getByLabel('年度').fill(year);
    await button(drawer2.getByTestId('dividend-preview'), '审核通过').click();
    await drawer2.getByTestId('dividend-preview').getByText('已审批').first().waitFor();
    await approver.context().close();

    // paying today, before the year's record date (31 December): refused beside the payment date, nothing paid
    // (the preparer's screen is opened again to show the run as the other administrator left it)
    await preparer.reload();
    await button(preparer.locator('.ant-table-row', { hasText: project.name }), '分红/清算').click();
    await drawer.getByTestId('dividend-form').getByLabel('年度').fill(year);
    await drawer.getByTestId('dividend-preview').getByText('已审批').first().waitFor();
    await button(drawer.getByTestId('dividend-preview'), '支付').click();
    const paidOnItem = drawer
      .getByTestId('dividend-preview')
      .locator('.ant-form-item', { has: preparer.getByLabel('支付日期') });
    await paidOnItem.locator('.ant-form-item-explain-error').filter({ hasText: '早于股权登记日' }).waitFor();
    expect(
      (
        await get(
          fa().GET('/api/v1/asset-income/projects/{id}/distributions/{year}', {
            params: { path: { id: project.id, year: Number(year) } },
          }),
        )
      ).status,
    ).toBe('APPROVED');

    // the flagged project's liquidation: preview first
    await drawer.getByRole('tab', { name: '清算' }).click();
    const liquidation = drawer.getByTestId('liquidation-form');
    await liquidation.getByLabel('清算所得（元）').fill('1000000.00');
    await liquidation.getByLabel('清算日期').fill(today);
    await button(drawer, '试算').last().click();
    await drawer.getByTestId('liquidation-preview').getByText('已编制').waitFor();
    const l = await get(
      fa().GET('/api/v1/asset-income/projects/{id}/liquidation', { params: { path: { id: project.id } } }),
    );
    expect(l).toMatchObject({ status: 'PREPARED', proceeds: '1000000.00' });
    await drawer.getByTestId('liquidation-preview').getByText(formatMoney(l.specialRepaid)).first().waitFor();
    await shot(preparer, 'liquidation-preview');
    await preparer.context().close();
  });

  it('subsidy: a fund administrator generates a period’s claims from the programme and sees what was done per payee', async () => {
    const programme = (
      await get(fa().GET('/api/v1/subsidy/programmes', { params: { query: { pageSize: 100 } } }))
    ).items[0];
    const today = (await get(fa().GET('/api/v1/business-date'))).businessDate as string;
    const periods = await get(
      fa().GET('/api/v1/subsidy/programmes/{id}/periods', {
        params: { path: { id: programme.id }, query: { year: Number(today.slice(0, 4)) } },
      }),
    );
    const ended = (periods.items ?? periods).filter((p: { end: string }) => p.end < today);
    const periodEnd = ended[ended.length - 1].end as string;
    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '贴息' }).click();
    await button(page.locator('.ant-table-row', { hasText: programme.name }), '生成贴息申请').click();
    const dialog = page.getByRole('dialog');
    // a day that ends no settlement period: the API names the field, shown beside it in Chinese
    const dayAfter = new Date(`${periodEnd}T00:00:00Z`);
    dayAfter.setUTCDate(dayAfter.getUTCDate() + 1);
    await dialog.getByLabel('期末').fill(dayAfter.toISOString().slice(0, 10));
    await page.getByTestId('generate-form-submit').click();
    const field = dialog.locator('.ant-form-item', { has: page.getByLabel('期末') });
    await field.locator('.ant-form-item-explain-error').filter({ hasText: '不是期末日' }).waitFor();
    await dialog.getByLabel('期末').fill(periodEnd);
    await page.getByTestId('generate-form-submit').click();
    await page.getByText('贴息申请已生成').waitFor();
    await dialog.getByTestId('generated').waitFor();
    const claims = await get(fa().GET('/api/v1/subsidy/claims', { params: { query: { pageSize: 100 } } }));
    const ofPeriod = claims.items.filter(
      (c: { programmeId: string; period: { end: string } }) =>
        c.programmeId === programme.id && c.period.end === periodEnd,
    );
    // each generated claim is listed with its number; a period without subsidised interest says so
    if (ofPeriod.length) for (const c of ofPeriod) await dialog.getByText(c.claimNo).waitFor();
    else await dialog.getByText('本期没有可申请的贴息').waitFor();
    await shot(page, 'subsidy-generated');
    await page.context().close();
  });

  it('subsidy: the administrator generates a claim, a fund administrator approves and settles it from the claims list', async () => {
    const ds = ui.t.db.dataSource;
    const programme = (
      await get(fa().GET('/api/v1/subsidy/programmes', { params: { query: { pageSize: 100 } } }))
    ).items[0];
    // a covered household loan under a product whose policy names the programme, three instalments paid on time
    const policy = await apiCall(
      fa().PUT('/api/v1/subsidy/products/{product}/policy', {
        params: { path: { product: 'HH_MICRO_STD' } },
        body: { type: 'FULL_BENCHMARK', programmeId: programme.id },
      }),
    );
    expect(policy.status).toBe(200);
    const g = await fx.geography(ds);
    const bankId = await fx.bank(ds, '贴息测试银行');
    const loan = await fx.loan(ds, {
      productVersionId: policy.body.terms.id,
      channel: 'BANK_COVERED',
      districtId: g.districtId,
      bankId,
      householdId: await fx.household(ds, g.villageIds[0], 'POOR', '贴息户'),
      principalFen: 5_000_000n,
      termMonths: 12,
      method: 'EQUAL_INSTALLMENT',
      annualRatePercent: '4.35',
      benchmarkRatePercent: '4.35',
      disbursementDate: '2025-12-05',
    });
    for (const [i, d] of [
      [1, '2026-01-05'],
      [2, '2026-02-05'],
      [3, '2026-03-05'],
    ] as const)
      await fx.pay(ds, loan.id, i, d);

    const admin = await ui.loginAs(TEST_ADMIN.username, TEST_ADMIN.password);
    await admin.getByRole('menuitem', { name: '贴息' }).click();
    await button(admin.locator('.ant-table-row', { hasText: programme.name }), '生成贴息申请').click();
    await admin.getByRole('dialog').getByLabel('期末').fill('2026-03-20');
    await admin.getByTestId('generate-form-submit').click();
    await admin.getByRole('dialog').getByTestId('generated').getByText('已生成').first().waitFor();
    // the administrator does not decide claims
    await expect(button(admin, '审核通过').count()).resolves.toBe(0);
    await admin.context().close();
    const claim = (
      await get(fa().GET('/api/v1/subsidy/claims', { params: { query: { pageSize: 100 } } }))
    ).items.find(
      (c: { programmeId: string; period: { end: string }; status: string }) =>
        c.programmeId === programme.id && c.period.end === '2026-03-20' && c.status === 'DRAFT',
    );
    expect(claim).toBeDefined();

    const page = await ui.loginAs(...FUND_ADMIN);
    await page.getByRole('menuitem', { name: '贴息' }).click();
    const row = page.locator('.ant-table-row', { hasText: claim.claimNo });
    await button(row, '审核通过').click();
    await button(page.locator('.ant-popover'), '确认').click();
    await page.getByText('已审核通过').waitFor();
    // a subsidy claim's own status words, not the loan's 已批准待放款
    await row.getByText('已审核待支付').waitFor();
    await expect(row.getByText('已批准待放款').count()).resolves.toBe(0);
    await button(row, '登记支付').click();
    await page.getByRole('dialog').getByLabel('支付凭证号').fill('TRF-UI-0001');
    await page.getByTestId('settle-form-submit').click();
    await page.getByText('支付已登记').waitFor();
    await row.getByText('已支付').waitFor();
    expect(
      (await get(fa().GET('/api/v1/subsidy/claims/{id}', { params: { path: { id: claim.id } } }))).status,
    ).toBe('PAID');
    await shot(page, 'subsidy-settled');
    await page.context().close();
  });

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
