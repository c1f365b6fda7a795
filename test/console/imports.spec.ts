import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { apiCall, expectStatus } from '#libs/testing';
import { choose, shot, useConsole, withCheckChar } from './harness.js';

/**
 * The console's bulk imports, joint-liability groups and the disbursement after the public notice, in Chinese, in
 * Chromium against the real API on the demo data: the files are the API's own templates filled in here.
 */
const ui = useConsole();

const VILLAGE = '370302106201'; // 东坪村 of the demo data
/** Fresh ID numbers (region 370302, born 1980-01-01), valid by GB 11643. */
const idOf = (n: number) => withCheckChar(`37030219800101${String(700 + n)}`);
/** The same number with a check character that does not match. */
const badId = (id: string) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');

const HOUSEHOLDS = [
  { headName: '导入甲', idNumber: idOf(1) },
  { headName: '导入乙', idNumber: idOf(2) },
  { headName: '导入丙', idNumber: idOf(3) },
  { headName: '导入丁', idNumber: idOf(4) },
];

/** The template the console downloads, read back: its first sheet, the keys row (row 2) naming the columns. */
async function downloadTemplate(page: Page, scope: ReturnType<Page['locator']>): Promise<ExcelJS.Workbook> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    scope.getByRole('button', { name: '下载导入模板（XLSX）' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
  return wb;
}

/** The template filled in from row 3 on, each row by the keys of row 2. */
async function fill(template: ExcelJS.Workbook, rows: Record<string, string>[]): Promise<Buffer> {
  const ws = template.worksheets[0];
  const keys = new Map<string, number>();
  ws.getRow(2).eachCell((c, col) => keys.set(String(c.value), col));
  rows.forEach((r, i) => {
    const row = ws.getRow(3 + i);
    for (const [k, v] of Object.entries(r)) {
      const col = keys.get(k);
      if (!col) throw new Error(`the template has no column ${k}`);
      row.getCell(col).value = v;
    }
    row.commit();
  });
  return Buffer.from(await template.xlsx.writeBuffer());
}

const householdRow = (h: { headName: string; idNumber: string }) => ({
  villageCode: VILLAGE,
  headName: h.headName,
  idNumber: h.idNumber,
  memberCount: '4',
  perCapitaIncome: '3200.00',
  incomeYear: '2016',
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const button = (scope: Page | ReturnType<Page['locator']>, text: string) =>
  scope.getByRole('button', { name: new RegExp(`^${[...text].join('\\s?')}$`) });

describe('console: bulk imports, groups and the disbursement after the notice', () => {
  it('loan officer: a household file with one bad row is refused row by row in Chinese and imports nothing; the fixed file imports once; a group is formed', async () => {
    const page = await ui.loginAs('loan.officer', 'loan-officer-demo');
    await page.waitForURL(/\/console\/households$/);
    await page.getByRole('button', { name: '批量导入' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByText('农户批量导入').waitFor();
    const template = await downloadTemplate(page, drawer);
    expect(template.worksheets[0].getRow(1).getCell(1).value).toBe('*村代码');

    // one bad row (the third data row: row 5 of the sheet) with an ID number whose check character is wrong
    const rows = HOUSEHOLDS.map(householdRow);
    const withError = rows.map((r, i) => (i === 2 ? { ...r, idNumber: badId(r.idNumber) } : r));
    await drawer
      .getByLabel('导入文件')
      .setInputFiles({ name: '农户导入.xlsx', mimeType: XLSX, buffer: await fill(template, withError) });
    await button(drawer, '试导入（只检查，不写入）').click();
    const errors = drawer.getByTestId('import-errors');
    await errors.waitFor();
    await drawer.getByText('试导入发现错误，未导入任何数据。').waitFor();
    const errorRows = errors.locator('tbody tr.ant-table-row');
    await expect(errorRows.count()).resolves.toBe(1);
    const cells = await errorRows.first().locator('td').allInnerTexts();
    expect(cells[0]).toBe('5');
    expect(cells[1]).toBe('*身份证号码');
    expect(cells[2]).toMatch(/[\u4e00-\u9fa5]/); // the reason in Chinese, as the API wrote it for zh-CN
    expect(cells[2]).toContain('身份证号码');
    await expect(drawer.getByTestId('import-failed').innerText()).resolves.toBe('1');
    await expect(drawer.getByTestId('import-imported').innerText()).resolves.toBe('0');
    await expect(button(drawer, '确认导入').isDisabled()).resolves.toBe(true);
    await shot(page, 'households-import-errors');
    const count = async () =>
      Number(
        (
          (await ui.t.db.dataSource.query(
            `SELECT count(*)::int AS n FROM households WHERE id_number = ANY($1)`,
            [HOUSEHOLDS.map((h) => h.idNumber)],
          )) as { n: number }[]
        )[0].n,
      );
    expect(await count()).toBe(0);

    // in English, the same file's reasons come in English (the console asks the API in its language)
    await page.keyboard.press('Escape');
    await page.getByText('English').click();
    await page.getByRole('button', { name: 'Bulk import' }).click();
    await drawer
      .getByLabel('File to import')
      .setInputFiles({ name: 'households.xlsx', mimeType: XLSX, buffer: await fill(template, withError) });
    await drawer.getByRole('button', { name: 'Dry run (check only, nothing written)' }).click();
    await drawer.getByText('The dry run found errors and nothing was imported.', { exact: false }).waitFor();
    const english = await errorRows.first().locator('td').allInnerTexts();
    expect(english.slice(0, 2)).toEqual(['5', '*身份证号码']); // the column as the file names it
    expect(english[2]).toMatch(/^[\x20-\x7e]+$/);
    await page.keyboard.press('Escape');
    await page.getByText('中文').click();
    await page.getByRole('button', { name: '批量导入' }).click();

    // the fixed file: the dry run passes, the import registers every row
    const fixed = await fill(await downloadTemplate(page, drawer), rows);
    await drawer
      .getByLabel('导入文件')
      .setInputFiles({ name: '农户导入-改.xlsx', mimeType: XLSX, buffer: fixed });
    await button(drawer, '试导入（只检查，不写入）').click();
    await drawer.getByTestId('dry-run-ok').waitFor();
    expect(await count()).toBe(0); // a dry run writes nothing
    await button(drawer, '确认导入').click();
    await drawer.getByText(`导入完成: ${rows.length}`).waitFor();
    expect(await count()).toBe(rows.length);
    await shot(page, 'households-import-done');

    // the same file again: every row is there already, nothing is registered twice (the API's answer shown)
    await button(drawer, '导入另一个文件').click();
    await drawer
      .getByLabel('导入文件')
      .setInputFiles({ name: '农户导入-改.xlsx', mimeType: XLSX, buffer: fixed });
    await button(drawer, '试导入（只检查，不写入）').click();
    await drawer.getByText('文件中的记录均已存在，无需导入。').waitFor();
    await button(drawer, '确认导入').click();
    await drawer.getByText('文件中的记录均已导入过，本次未重复导入。').waitFor();
    await expect(drawer.getByTestId('import-skipped').innerText()).resolves.toBe(String(rows.length));
    await expect(drawer.getByTestId('import-imported').innerText()).resolves.toBe('0');
    expect(await count()).toBe(rows.length);

    // a CSV saved from Excel in GBK reads the same (dry run: the rows are there already)
    await button(drawer, '导入另一个文件').click();
    const csv = iconv.encode(
      '村代码,户主姓名,身份证号码,家庭人口数,人均纯收入,收入年度\r\n' +
        rows
          .map((r) =>
            [r.villageCode, r.headName, r.idNumber, r.memberCount, r.perCapitaIncome, r.incomeYear].join(','),
          )
          .join('\r\n') +
        '\r\n',
      'gbk',
    );
    await drawer
      .getByLabel('导入文件')
      .setInputFiles({ name: '农户.csv', mimeType: 'text/csv', buffer: csv });
    await button(drawer, '试导入（只检查，不写入）').click();
    await drawer.getByText('CSV · GB18030').waitFor();
    await expect(drawer.getByTestId('import-skipped').innerText()).resolves.toBe(String(rows.length));
    await page.keyboard.press('Escape');

    // searchable at once
    await page.getByLabel('户主姓名').fill('导入乙');
    await page.locator('form#households1 button[type=submit]').click();
    await page.locator('.ant-table-row', { hasText: HOUSEHOLDS[1].idNumber }).waitFor();

    // a joint-liability group of three of them; a fourth joins; removing one below the minimum is refused in Chinese
    await page.getByRole('menuitem', { name: '联保小组' }).click();
    await page.waitForURL(/\/console\/groups$/);
    await page.getByRole('button', { name: '组建联保小组' }).click();
    const form = page.getByRole('dialog');
    await choose(page, form.getByLabel('村', { exact: true }), '东坪村');
    await form.getByLabel('小组名称').fill('导入户联保小组');
    const members = form.getByLabel('成员农户（同村，通常 3–5 户）');
    for (const h of HOUSEHOLDS.slice(0, 3)) await choose(page, members, h.headName, { search: h.headName });
    await form.locator('.ant-drawer-title').click(); // closes the multiple choice's list
    await button(form, '保存').click();
    await page.getByText('联保小组已组建: 导入户联保小组').waitFor();
    const group = page.locator('.ant-drawer-open', {
      has: page.locator('.ant-drawer-title', { hasText: '导入户联保小组' }),
    });
    await expect(group.getByTestId('group-size').innerText()).resolves.toBe('3');
    await group.getByRole('cell', { name: HOUSEHOLDS[0].headName, exact: true }).waitFor();

    await choose(page, group.getByLabel('添加成员'), HOUSEHOLDS[3].headName, {
      search: HOUSEHOLDS[3].headName,
    });
    await button(group, '添加').click();
    await page.getByText('成员已添加').waitFor();
    await group.getByTestId('group-size').filter({ hasText: '4' }).waitFor();

    const removeOf = (name: string) => button(group.locator('tr', { hasText: name }), '移出');
    await removeOf(HOUSEHOLDS[3].headName).click();
    const popover = page.locator('.ant-popover:not(.ant-popover-hidden)');
    await button(popover, '确认').click();
    await page.getByText('成员已移出').waitFor();
    await group.getByTestId('group-size').filter({ hasText: '3' }).waitFor();
    await removeOf(HOUSEHOLDS[2].headName).click();
    await button(popover, '确认').click();
    const problem = group.getByTestId('problem');
    await problem.waitFor();
    await expect(problem.innerText()).resolves.toContain('联保小组不符合规则');
    await expect(problem.getAttribute('data-code')).resolves.toBe('GROUP_RULES_VIOLATED');
    await shot(page, 'groups');
    const [g] = (await ui.t.db.dataSource.query(
      `SELECT g.id::text, count(m.*)::int AS n FROM liability_groups g JOIN liability_group_members m ON m.group_id = g.id
        WHERE g.name = '导入户联保小组' GROUP BY g.id`,
    )) as { id: string; n: number }[];
    expect(g.n).toBe(3);
    await page.context().close();
  });

  it('bank officer: covered loans in bulk, a bad row refused first, then registered with the district capacity before and after', async () => {
    const household = await apiCall(
      ui.t.api('ADMIN').GET('/api/v1/households/{id}', { params: { path: { id: '6' } } }),
    );
    expect(household.status).toBe(200);
    const page = await ui.loginAs('zbrcb.officer', 'zbrcb-officer-demo');
    await page.waitForURL(/\/console\/covered-loans$/);
    await page.getByRole('button', { name: '批量登记' }).click();
    const drawer = page.getByRole('dialog');
    const template = await downloadTemplate(page, drawer);
    const loan = {
      bankLoanRef: 'BULK-UI-0001',
      borrowerType: '农户',
      borrowerCode: household.body.idNumber as string,
      productCode: 'HH_MICRO_STD',
      amount: '20000.00',
      termMonths: '12',
      purpose: 'BREEDING',
      disbursementDate: (await page.getByTestId('business-date').innerText()).match(/\d{4}-\d{2}-\d{2}/)![0],
    };
    const unknown = {
      ...loan,
      bankLoanRef: 'BULK-UI-0002',
      borrowerCode: withCheckChar('37030219700101999'),
    };
    await drawer.getByLabel('导入文件').setInputFiles({
      name: '担保贷款.xlsx',
      mimeType: XLSX,
      buffer: await fill(template, [loan, unknown]),
    });
    await button(drawer, '试导入（只检查，不写入）').click();
    const bad = drawer.getByTestId('import-errors').locator('tbody tr.ant-table-row');
    await bad.first().waitFor();
    const cells = await bad.first().locator('td').allInnerTexts();
    expect(cells[0]).toBe('4');
    expect(cells[1]).toBe('*借款人证件号码');
    expect(cells[2]).toMatch(/[\u4e00-\u9fa5]/);
    await expect(button(drawer, '确认导入').isDisabled()).resolves.toBe(true);

    await drawer.getByLabel('导入文件').setInputFiles({
      name: '担保贷款-改.xlsx',
      mimeType: XLSX,
      buffer: await fill(await downloadTemplate(page, drawer), [loan]),
    });
    await button(drawer, '试导入（只检查，不写入）').click();
    await drawer.getByTestId('dry-run-ok').waitFor();
    await button(drawer, '确认导入').click();
    await drawer.getByText('导入完成: 1').waitFor();
    const change = drawer.getByTestId('capacity-change');
    await change.getByTestId('capacity-after').filter({ hasText: '¥' }).first().waitFor();
    const [row] = await change.locator('tbody tr.ant-table-row').all();
    const [district, , before, after, delta] = await row.locator('td').allInnerTexts();
    expect(district).toBe('淄川区');
    const fen = (s: string) => BigInt(s.replace(/[¥,.]/g, ''));
    expect(fen(after)).toBeLessThan(fen(before));
    expect(fen(delta)).toBe(fen(after) - fen(before));
    await shot(page, 'covered-import');
    const registered = (await ui.t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM loans WHERE bank_loan_ref LIKE 'BULK-UI-%'`,
    )) as {
      n: number;
    }[];
    expect(registered[0].n).toBe(1);
    await page.context().close();
  });

  it('fund administrator: a loan whose notice ended without objection is disbursed once from the console and shows with its schedule', async () => {
    const admin = ui.t.api('ADMIN');
    const fundAdmin = ui.t.api('FUND_ADMIN');
    const login = await apiCall(
      ui.t
        .api()
        .POST('/api/v1/auth/login', { body: { username: 'loan.officer', password: 'loan-officer-demo' } }),
    );
    const officer = ui.t.api(login.body.accessToken as string);
    // an application taken through to its public notice: two village households join the fund, a group of three
    // is formed, the officer applies for one of them, the group endorses, a fund administrator approves
    for (const householdId of ['5', '8'])
      await expectStatus(
        officer.POST('/api/v1/mutual-aid-funds/{id}/contributions', {
          params: { path: { id: '1' }, header: { 'Idempotency-Key': `imports-member-${householdId}` } },
          body: { source: 'MEMBER', amount: '100.00', householdId },
        }),
        201,
      );
    const group = (
      await expectStatus(
        officer.POST('/api/v1/groups', {
          body: { villageId: '1', name: '放款测试联保小组', householdIds: ['5', '7', '8'] },
        }),
        201,
      )
    ).body;
    const products = await apiCall(
      officer.GET('/api/v1/products', { params: { query: { kind: 'MUTUAL_AID' } } }),
    );
    const product = (products.body.items as { id: string; active: boolean }[]).find((p) => p.active)!;
    const draft = (
      await expectStatus(
        officer.POST('/api/v1/loan-applications', {
          body: {
            householdId: '5',
            groupId: group.id,
            productId: product.id,
            amount: '3000.00',
            termMonths: 12,
            purpose: 'BREEDING',
          },
        }),
        201,
      )
    ).body;
    const application = { params: { path: { id: draft.id as string } } };
    await expectStatus(
      officer.POST('/api/v1/loan-applications/{id}/submit', { ...application, body: {} }),
      200,
    );
    await expectStatus(
      officer.POST('/api/v1/loan-applications/{id}/endorse', {
        ...application,
        body: { note: '小组会议一致同意' },
      }),
      200,
    );
    const loan = (
      await expectStatus(
        fundAdmin.POST('/api/v1/loan-applications/{id}/approve', { ...application, body: {} }),
        200,
      )
    ).body as {
      id: string;
      loanNo: string;
      status: string;
      noticeEndsOn: string;
    };
    expect(loan.status).toBe('IN_PUBLIC_NOTICE');
    expect(loan.noticeEndsOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const page = await ui.loginAs('fund.admin', 'fund-admin-demo');
    await page.getByRole('menuitem', { name: '放款' }).click();
    await page.getByRole('heading', { name: '待放款（公示期满无异议）' }).waitFor();
    // still in its notice: not offered
    await page.getByText('暂无公示期满待放款的贷款').waitFor();
    await expect(page.getByText(loan.loanNo).count()).resolves.toBe(0);

    // the business date moves past the last day of the notice (each day closed by the close of business)
    const today = (await apiCall(admin.GET('/api/v1/business-date'))).body.businessDate as string;
    const days = (Date.parse(loan.noticeEndsOn) - Date.parse(today)) / 86_400_000 + 1;
    expect(days).toBeGreaterThan(0);
    const moved = await apiCall(admin.POST('/api/v1/business-date/advance', { body: { days } }));
    expect(moved.status).toBe(200);

    const keys: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/loan-applications/${loan.id}/disburse`))
        keys.push(r.headers()['idempotency-key']);
    });
    await page.reload();
    const row = page.locator('.ant-table-row', { hasText: loan.loanNo });
    await row.waitFor();
    await button(row, '放款').click();
    const ok = page.getByTestId('disburse-ok');
    await ok.waitFor();
    await shot(page, 'disburse-confirm');
    // the first answer is lost on its way back (the loan is paid out): the console says it could not reach the
    // server, and the second click sends the same Idempotency-Key, so the API answers with the first payout
    const url = `**/api/v1/loan-applications/${loan.id}/disburse`;
    await page.route(
      url,
      async (route) => {
        const answer = await route.fetch();
        expect(answer.status()).toBe(200);
        await route.abort('connectionreset');
      },
      { times: 1 },
    );
    await ok.click();
    await page.getByRole('dialog').getByText('无法连接服务器').waitFor();
    await ok.dblclick();
    const result = page.getByTestId('disbursed');
    await result.waitFor().catch(async (e) => {
      await shot(page, 'disburse-failed');
      throw e;
    });
    await result.getByText('已放款').waitFor();
    const scheduleRows = await result.locator('tbody tr.ant-table-row').count();
    expect(scheduleRows).toBeGreaterThan(0);
    await shot(page, 'disbursements');
    expect(keys.length).toBe(2); // the lost one and one more: the double click sent one request
    expect(new Set(keys).size).toBe(1);
    const events = (await ui.t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM loan_events WHERE loan_id = $1 AND event = 'DISBURSED'`,
      [loan.id],
    )) as { n: number }[];
    expect(events[0].n).toBe(1);
    // gone from the list
    await expect(page.locator('.ant-table-row', { hasText: loan.loanNo }).count()).resolves.toBe(0);

    // the loans screen: disbursed, with its schedule
    await button(result, '在“贷款与还款”中查看').click();
    await page.waitForURL(/\/console\/loans$/);
    await page.getByRole('button', { name: loan.loanNo }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByText('还款计划').waitFor();
    await drawer.locator('tbody tr.ant-table-row').first().waitFor();
    await expect(drawer.locator('tbody tr.ant-table-row').count()).resolves.toBe(scheduleRows);
    await expect(
      page.locator('.ant-table-row', { hasText: loan.loanNo }).getByText('已放款').count(),
    ).resolves.toBe(1);
    await page.context().close();
  }, 240_000);

  it('a role sees only what it may do: the auditor reads groups without import or group buttons, the bank officer has neither groups nor disbursements', async () => {
    const page = await ui.loginAs('auditor', 'auditor-demo-pass');
    await page.getByRole('menuitem', { name: '农户' }).click();
    await page.locator('.ant-table-row').first().waitFor();
    await expect(page.getByRole('button', { name: '批量导入' }).count()).resolves.toBe(0);
    await page.getByRole('menuitem', { name: '联保小组' }).click();
    await page.getByRole('button', { name: '东坪村第一联保小组' }).click();
    const drawer = page.locator('.ant-drawer-open');
    await drawer.getByTestId('group-members').locator('tbody tr.ant-table-row').first().waitFor();
    for (const name of ['组建联保小组', '移 出', '移出', '添 加', '添加', '解散小组'])
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    await expect(page.getByRole('menuitem', { name: '放款', exact: true }).count()).resolves.toBe(0);
    await page.context().close();

    const bank = await ui.loginAs('zbrcb.officer', 'zbrcb-officer-demo');
    await bank.getByRole('menuitem', { name: '担保贷款' }).waitFor();
    await expect(bank.getByRole('menuitem', { name: '联保小组' }).count()).resolves.toBe(0);
    await expect(bank.getByRole('menuitem', { name: '放款', exact: true }).count()).resolves.toBe(0);
    await bank.goto(`${ui.base}/groups`);
    await bank.getByText('您的角色无权访问此页面').waitFor();
    await bank.context().close();
  });
});
