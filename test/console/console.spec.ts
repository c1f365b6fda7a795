/// <reference lib="dom" />
import { apiCall, expectStatus, TEST_ADMIN } from '#libs/testing';
import { formatMoney, maskName } from '../../apps/console/src/lib/format.js';
import { choose, shot, useConsole, withCheckChar } from './harness.js';

/**
 * The admin console in Debian's Chromium, in Chinese, against the real API serving the built console at /console,
 * on a database holding the demo data (`npm start`'s seed). Each role logs in and walks its screens; refusals are
 * shown by their problem code in Chinese. Screenshots: see SHOTS in ./harness.ts.
 */
const ui = useConsole();
const loginAs = (u: string, p: string) => ui.loginAs(u, p);

describe('admin console in the browser', () => {
  it('refuses a wrong password with the Chinese text of INVALID_CREDENTIALS, and no token reaches page scripts', async () => {
    const context = await ui.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${ui.base}/dashboard`);
    await page.waitForURL(/\/console\/login$/);
    await page.getByLabel('用户名').fill('fund.admin');
    await page.getByLabel('密码').fill('not-the-password');
    await page.locator('form button[type=submit]').click();
    const problem = page.getByTestId('problem');
    await expect(problem.textContent()).resolves.toContain('用户名或密码错误');
    await shot(page, 'login');
    await page.getByLabel('密码').fill('fund-admin-demo');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('who').waitFor();
    // the session is an HttpOnly cookie: scripts see only the CSRF token
    const visible = await page.evaluate(() => document.cookie);
    expect(visible).toMatch(/mae_csrf=/);
    expect(visible).not.toMatch(/mae_session/);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'mae_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await context.close();
  });

  it('fund administrator: dashboard with districts, village funds and the chart; approval queue with eligibility', async () => {
    const page = await loginAs('fund.admin', 'fund-admin-demo');
    await page.waitForURL(/\/console\/dashboard$/);
    await expect(page.getByTestId('business-date').textContent()).resolves.toMatch(
      /业务日期: \d{4}-\d{2}-\d{2}/,
    );
    await page.getByText('淄川区').first().waitFor();
    await page.getByText('东坪村互助资金').waitFor();
    // the district's capacity and breaker arrive after the fund list
    await page.locator('.ant-tag', { hasText: '正常' }).waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.ant-table-row')].some(
        (r) => r.textContent?.includes('淄川区') && !r.textContent.includes('—'),
      ),
    );
    const body = await page.locator('main, .ant-layout-content').first().innerText();
    expect(body).toContain('区县担保基金');
    expect(body).toContain('村级互助资金');
    expect(body).toMatch(/¥\d{1,3}(,\d{3})*\.\d{2}/);
    expect(body).toContain('正常'); // breaker state
    await page.locator('img[alt^="月度放大倍数图"]').waitFor();
    await shot(page, 'dashboard');

    await page.getByRole('menuitem', { name: '审批队列' }).click();
    await page.waitForURL(/\/console\/approvals$/);
    await page.locator('.ant-segmented-item-label', { hasText: '公示中' }).click();
    const row = page.locator('.ant-table-row').first();
    await row.waitFor();
    await row.getByRole('button').first().click();
    await page.getByText('资格审查').waitFor();
    await page.getByText('审批须由不同人员完成').waitFor();
    await shot(page, 'approval');
    await page.context().close();
  });

  it("follows the system's reduced-motion setting, live: a drawer opens without animating when it is asked for, and animates otherwise", async () => {
    const page = await ui.loginAs('loan.officer', 'loan-officer-demo'); // asks for reduced motion
    await page.waitForURL(/\/console\/households$/);
    // antd marks an animating element with its motion classes (…-appear, …-enter): record every class ever set
    await page.evaluate(() => {
      const w = window as unknown as { motionSeen: string[] };
      w.motionSeen = [];
      new MutationObserver((changes) => {
        for (const c of changes) {
          const el = c.type === 'attributes' ? (c.target as Element) : null;
          const added = c.type === 'childList' ? [...c.addedNodes] : [];
          for (const node of [el, ...added])
            if (node instanceof Element)
              for (const e of [node, ...node.querySelectorAll('*')])
                for (const k of e.classList) if (/-(appear|enter)(-|$)/.test(k)) w.motionSeen.push(k);
        }
      }).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['class'],
      });
    });
    const motionClassesOnOpening = async () => {
      await page.evaluate(() => ((window as unknown as { motionSeen: string[] }).motionSeen = []));
      await page.getByRole('button', { name: '登记农户' }).click();
      await page.getByRole('dialog').getByLabel('户主姓名').waitFor();
      const seen = await page.evaluate(() => (window as unknown as { motionSeen: string[] }).motionSeen);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      return seen;
    };
    await expect(motionClassesOnOpening()).resolves.toEqual([]);
    // the user turns the system's setting off: the console animates again, without a reload
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    expect((await motionClassesOnOpening()).length).toBeGreaterThan(0);
    await page.context().close();
  });

  it("loads a role's first screen as soon as the user is known, then on idle the other screens it may open, and none it may not", async () => {
    const context = await ui.browser.newContext({
      viewport: { width: 1280, height: 800 },
      reducedMotion: 'reduce',
    });
    const asked: string[] = [];
    context.on('request', (r) => asked.push(new URL(r.url()).pathname));
    const page = await context.newPage();
    await page.goto(`${ui.base}/login`);
    await page.getByLabel('用户名').fill('loan.officer');
    await page.getByLabel('密码').fill('loan-officer-demo');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('who').waitFor();
    // the loan officer's first screen (households): its chunk is asked for before the shell has rendered
    const chunk = (name: string) =>
      asked.findIndex((p) => new RegExp(`/assets/${name}-[\\w-]+\\.js$`).test(p));
    await expect.poll(() => chunk('Households')).toBeGreaterThan(-1);
    await expect.poll(() => asked.indexOf('/api/v1/business-date')).toBeGreaterThan(-1);
    expect(chunk('Households')).toBeLessThan(asked.indexOf('/api/v1/business-date'));
    // nothing clicked: the screens of the menu arrive by themselves a few seconds later
    for (const name of ['Loans', 'Groups', 'VillageFunds'])
      await expect.poll(() => chunk(name), { timeout: 30_000 }).toBeGreaterThan(-1);
    for (const name of ['Dashboard', 'Reconciliation', 'Audit', 'BusinessDate', 'Projections', 'RiskFunds'])
      expect(chunk(name), name).toBe(-1);
    await context.close();
  });

  it('loan officer: ID check as you type, registration, an ineligible application refused rule by rule in Chinese, a repayment with its payoff', async () => {
    const page = await loginAs('loan.officer', 'loan-officer-demo');
    await page.waitForURL(/\/console\/households$/);
    await expect(page.getByRole('menuitem', { name: '资金总览' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: '登记农户' }).click();
    const id = page.getByTestId('id-number');
    await id.fill('370302198503150028'); // wrong check character
    await page.getByText('校验码不符（GB 11643）').waitFor();
    await id.fill('37030219850315002');
    await page.getByText('应为18位').waitFor();
    await id.fill(withCheckChar('11010119900307447'));
    await page.getByText('身份证号校验通过').waitFor();
    const drawer = page.getByRole('dialog');
    await choose(page, drawer.getByLabel('村', { exact: true }), null);
    await drawer.getByLabel('户主姓名').fill('测试户');
    await drawer.getByLabel('人均纯收入（元）').fill('3200.00');
    await shot(page, 'household-new');
    await drawer.locator('button[type=submit]').click();
    await page.getByText('已保存: 测试户').waitFor();

    // an application for a household whose group has an overdue member: refused with every failed rule, in Chinese
    await page.getByLabel('户主姓名').fill('王秀英');
    await page.locator('form#households1 button[type=submit]').click();
    await page
      .locator('.ant-table-row', { hasText: '王秀英' })
      .getByRole('button', { name: '申请贷款' })
      .click();
    await choose(page, page.getByLabel('产品'), null);
    await page.getByLabel('金额').fill('3000.00');
    await page.getByRole('button', { name: '提交审批' }).click();
    const problem = page.getByTestId('problem');
    await problem.waitFor();
    const text = await problem.innerText();
    expect(text).toContain('不符合贷款条件');
    expect(text).toMatch(/小组成员有逾期|已有未结清贷款|不是本村互助资金成员/);
    await shot(page, 'application-refused');
    await page.keyboard.press('Escape');

    await page.getByRole('menuitem', { name: '贷款与还款' }).click();
    await page.waitForURL(/\/console\/loans$/);
    // the loan numbers (the households page may still be on screen while the loans chunk loads)
    await page
      .getByRole('button', { name: /^MA-\d{4}-\d+$/ })
      .first()
      .click();
    await page.getByTestId('payoff').waitFor();
    await expect(page.getByTestId('payoff').innerText()).resolves.toMatch(/¥\d/);
    await page.getByLabel('金额').fill('10.00');
    await page.getByRole('button', { name: '登记还款' }).click();
    await page.getByText('还款已登记').waitFor();
    await shot(page, 'repayment');
    await page.context().close();
  });

  it('a loan from application to approval: the officer applies, the group endorses, a fund administrator approves into the public notice', async () => {
    // the group: two more village households join the fund with a member share, then form a group with a member
    const officer = await apiCall(
      ui.t
        .api()
        .POST('/api/v1/auth/login', { body: { username: 'loan.officer', password: 'loan-officer-demo' } }),
    );
    const api = ui.t.api(officer.body.accessToken as string);
    for (const householdId of ['5', '8']) {
      const c = await apiCall(
        api.POST('/api/v1/mutual-aid-funds/{id}/contributions', {
          params: { path: { id: '1' }, header: { 'Idempotency-Key': `console-test-member-${householdId}` } },
          body: { source: 'MEMBER', amount: '100.00', householdId },
        }),
      );
      expect(c.status).toBe(201);
    }
    const group = await apiCall(
      api.POST('/api/v1/groups', {
        body: { villageId: '1', name: '测试联保小组', householdIds: ['5', '7', '8'] },
      }),
    );
    expect(group.status).toBe(201);
    const household = await apiCall(api.GET('/api/v1/households/{id}', { params: { path: { id: '5' } } }));
    const name = household.body.headName as string;

    const page = await loginAs('loan.officer', 'loan-officer-demo');
    await page.getByLabel('户主姓名').fill(name);
    await page.locator('form#households1 button[type=submit]').click();
    await page.locator('.ant-table-row', { hasText: name }).getByRole('button', { name: '申请贷款' }).click();
    await choose(page, page.getByLabel('产品'), null);
    await page.getByLabel('金额').fill('3000.00');
    await page.getByRole('button', { name: '提交审批' }).click();
    const created = page.getByText(/申请已创建并提交: MA-\d{4}-\d+/);
    await created.waitFor();
    const loanNo = (await created.innerText()).match(/MA-\d{4}-\d+/)![0];

    // the group's consent, recorded by the officer at the group meeting: the application among the submitted ones
    await page.getByRole('menuitem', { name: '贷款与还款' }).click();
    await choose(page, page.getByTestId('loan-status'), '已提交');
    await page.getByRole('button', { name: loanNo }).click();
    await page.getByTestId('next-step').filter({ hasText: '待小组联保' }).waitFor();
    await page.getByRole('button', { name: '记录小组联保' }).click();
    await page.getByTestId('endorse-form').getByLabel('小组意见（会议记录）').fill('小组会议一致同意');
    await page.getByTestId('endorse-form-submit').click();
    await page.getByText('小组联保已记录').waitFor();
    await page.getByTestId('next-step').filter({ hasText: '待审批' }).waitFor();
    await page.context().close();

    const admin = await loginAs('fund.admin', 'fund-admin-demo');
    await admin.getByRole('menuitem', { name: '审批队列' }).click();
    await admin.locator('.ant-segmented-item-label', { hasText: '小组已联保' }).click();
    await admin.locator('.ant-table-row', { hasText: loanNo }).getByRole('button', { name: loanNo }).click();
    await admin.getByText('全部规则通过').waitFor();
    await shot(admin, 'approval-eligible');
    await admin
      .getByRole('button', { name: '批 准' })
      .or(admin.getByRole('button', { name: '批准', exact: true }))
      .click();
    await admin.getByText('已批准', { exact: true }).first().waitFor();
    await admin.locator('.ant-drawer').getByText('公示中').waitFor();
    await admin.context().close();
  });

  it('bank officer: registers a covered loan and sees its capacity drop; a household search is refused in Chinese', async () => {
    const page = await loginAs('zbrcb.officer', 'zbrcb-officer-demo');
    await page.waitForURL(/\/console\/covered-loans$/);
    const capacity = page.getByTestId('bank-capacity').first();
    await capacity.waitFor();
    const before = await capacity.innerText();
    await page.getByRole('button', { name: '登记担保贷款' }).click();
    await page.getByLabel('银行贷款编号').fill('UI-TEST-0001');
    await page.getByLabel('农户编号').fill('6');
    await page.getByLabel('金额').fill('10000.00');
    await page
      .getByRole('button', { name: '保 存' })
      .or(page.getByRole('button', { name: '保存' }))
      .click();
    await page.getByText(/已登记: CL-/).waitFor();
    await page.waitForFunction(([sel, prev]) => document.querySelector(sel)?.textContent !== prev, [
      '[data-testid="bank-capacity"]',
      before,
    ] as const);
    const after = await capacity.innerText();
    const yuan = (s: string) => BigInt(s.replace(/[¥,.]/g, ''));
    expect(yuan(after)).toBeLessThan(yuan(before));
    await shot(page, 'covered-loans');

    // reconciliation: the bank's statement uploaded, matched against the engine, summarised by category
    const today = (await page.getByTestId('business-date').innerText()).match(/\d{4}-\d{2}-\d{2}/)![0];
    await page.getByRole('menuitem', { name: '对账' }).click();
    await page.getByLabel('对账日').fill(today);
    await page.getByLabel('对账文件（CSV/XLSX）').setInputFiles({
      name: 'statement.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date\n' +
          `UI-TEST-0001,10000.00,0.00,0,NORMAL,${today}\nNOT-OURS-1,100.00,0.00,0,NORMAL,${today}\n`,
      ),
    });
    await page.getByRole('button', { name: '上传对账单' }).click();
    const summary = page.getByTestId('recon-summary');
    await summary.waitFor();
    const counts = (await summary.innerText()).replace(/\s+/g, ' ');
    expect(counts).toMatch(/一致 1 差异 0 仅银行有 1 仅系统有 \d+/);
    await page.getByText('NOT-OURS-1').waitFor();
    await shot(page, 'reconciliation');

    await page.goto(`${ui.base}/households`);
    const problem = page.getByTestId('problem');
    await problem.waitFor();
    await expect(problem.innerText()).resolves.toContain('无权执行此操作');
    await expect(problem.getAttribute('data-code')).resolves.toBe('FORBIDDEN');
    await page.context().close();
  });

  it('auditor: audit log and ledger verification, and no write buttons anywhere', async () => {
    const page = await loginAs('auditor', 'auditor-demo-pass');
    await page.getByRole('menuitem', { name: '审计日志' }).click();
    await page.getByText('总账校验: 借贷平衡，校验通过').waitFor();
    await page.locator('.ant-table-row').first().waitFor();
    await shot(page, 'audit');
    await page.getByRole('menuitem', { name: '农户' }).click();
    await page.locator('.ant-table-row').first().waitFor();
    await expect(page.getByRole('button', { name: '登记农户' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: '申请贷款' }).count()).resolves.toBe(0);
    await page.getByRole('menuitem', { name: '审批队列' }).click();
    await page.locator('.ant-segmented-item-label', { hasText: '公示中' }).click();
    await page.locator('.ant-table-row').first().getByRole('button').first().click();
    await page.getByText('资格审查').waitFor();
    for (const name of ['批 准', '批准', '拒 绝', '拒绝', '放 款', '放款']) {
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    }
    await page.context().close();
  });

  it('logging out returns to the login page; a revoked session does too, saying why; English is one click away', async () => {
    const page = await loginAs('fund.admin', 'fund-admin-demo');
    await page.getByText('English').click();
    await page.getByRole('menuitem', { name: 'Dashboard' }).waitFor();
    await expect(page.getByTestId('who').innerText()).resolves.toContain('Fund administrator');
    await page.getByText('中文').click();
    await page.getByRole('menuitem', { name: '资金总览' }).waitFor();
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/console\/login$/);
    // the old session is dead: the dashboard goes back to the login page
    await page.goto(`${ui.base}/dashboard`);
    await page.waitForURL(/\/console\/login$/);

    // logged in again, then an administrator forces a log-out: the next request is a 401 and the console says so
    await page.getByLabel('用户名').fill('fund.admin');
    await page.getByLabel('密码').fill('fund-admin-demo');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('who').waitFor();
    const admin = await ui.t.tokenFor('ADMIN');
    const [{ id }] = (await ui.t.db.dataSource.query(
      `SELECT id::text FROM users WHERE username = 'fund.admin'`,
    )) as { id: string }[];
    const revoked = await apiCall(
      ui.t.api(admin).POST('/api/v1/users/{id}/revoke-tokens', { params: { path: { id } } }),
    );
    expect(revoked.status).toBe(200);
    // the next request (a screen's, or one already on its way) is refused: 401, back to the login page
    await page
      .getByRole('menuitem', { name: '月度报表' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await page.waitForURL(/\/console\/login$/);
    await page.getByText('会话已结束，请重新登录').waitFor();
    await page.context().close();
  });

  it('fund administrator: the printable public notice, village funds, risk funds and agreements, claims, subsidy and asset income from the demo data', async () => {
    const api = ui.t.api('FUND_ADMIN');
    const get = async <R extends { response: Response; data?: unknown; error?: unknown }>(call: Promise<R>) =>
      (await expectStatus(call, 200)).body;
    const page = await loginAs('fund.admin', 'fund-admin-demo');
    const heading = (name: string) => page.getByRole('heading', { name, exact: true }).waitFor();

    // 公示: the demo's application in its notice, the name masked, the amount and the day objections close
    const notices = await get(
      api.GET('/api/v1/loan-applications/review-queue', {
        params: { query: { status: 'IN_PUBLIC_NOTICE', pageSize: 100 } },
      }),
    );
    expect(notices.items.length).toBeGreaterThan(0);
    const n = notices.items[0];
    await page.getByRole('menuitem', { name: '公示' }).click();
    await heading('贷款公示');
    await page
      .getByTestId('masked-name')
      .filter({ hasText: maskName(n.borrower.headName) })
      .first()
      .waitFor();
    await expect(page.locator('.notice-sheet').innerText()).resolves.not.toContain(n.borrower.headName);
    await page
      .getByRole('cell', { name: formatMoney(n.principal) })
      .first()
      .waitFor();
    await page.getByRole('cell', { name: n.noticeEndsOn }).first().waitFor();
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('navigation', { name: 'main' }).isVisible()).resolves.toBe(false);
    await expect(
      page
        .getByRole('button', { name: '打印' })
        .or(page.getByRole('button', { name: '打 印' }))
        .isVisible(),
    ).resolves.toBe(false);
    await shot(page, 'notices');
    await page.emulateMedia({ media: 'screen' });

    // village funds: the first fund's capital, its members and its contributions with their total
    const funds = await get(api.GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 } } }));
    const fund = funds.items[0];
    const position = await get(
      api.GET('/api/v1/mutual-aid-funds/{id}/position', { params: { path: { id: fund.id } } }),
    );
    await page.getByRole('menuitem', { name: '村级互助资金' }).click();
    await heading('村级互助资金');
    await expect(page.getByTestId('fund-capital').innerText()).resolves.toBe(formatMoney(position.capital));
    const contributions = await get(
      api.GET('/api/v1/mutual-aid-funds/{id}/contributions', {
        params: { path: { id: fund.id }, query: { pageSize: 20 } },
      }),
    );
    await page.getByRole('tab', { name: '出资记录' }).click();
    await page.getByText(`合计: ${formatMoney(contributions.totalAmount)}`).waitFor();
    await shot(page, 'village-funds');

    // risk funds: balance, the agreement with its multiple and breaker
    const riskFunds = await get(api.GET('/api/v1/risk-funds', { params: { query: { pageSize: 100 } } }));
    const capacity = await get(
      api.GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: riskFunds.items[0].id } } }),
    );
    await page.getByRole('menuitem', { name: '风险补偿基金' }).click();
    await heading('风险补偿基金');
    await expect(page.getByTestId('risk-fund-balance').innerText()).resolves.toBe(
      formatMoney(capacity.balance),
    );
    await page.getByRole('cell', { name: capacity.agreements[0].agreementNo }).first().waitFor();
    await page.getByRole('columnheader', { name: '熔断状态' }).waitFor();
    await shot(page, 'risk-funds');

    // compensation claims: the list by status (the demo has none filed yet)
    const claims = await get(api.GET('/api/v1/compensation-claims'));
    await page.getByRole('menuitem', { name: '代偿申请' }).click();
    await heading('代偿申请');
    await page.getByText('待审核').first().waitFor();
    await expect(page.locator('.ant-table-tbody tr.ant-table-row').count()).resolves.toBe(
      claims.items.length,
    );

    // subsidy: the programme's available budget; asset income: the project's special fund
    const programmes = await get(
      api.GET('/api/v1/subsidy/programmes', { params: { query: { pageSize: 100 } } }),
    );
    await page.getByRole('menuitem', { name: '贴息' }).click();
    await heading('贴息');
    await expect(page.getByTestId('subsidy-available').first().innerText()).resolves.toBe(
      formatMoney(programmes.items[0].position.available),
    );
    const projects = await get(
      api.GET('/api/v1/asset-income/projects', { params: { query: { pageSize: 20 } } }),
    );
    await page.getByRole('menuitem', { name: '资产收益' }).click();
    await heading('资产收益');
    await expect(page.getByTestId('special-fund').first().innerText()).resolves.toBe(
      formatMoney(projects.items[0].specialFund),
    );
    const runs = await get(
      api.GET('/api/v1/asset-income/distributions', { params: { query: { pageSize: 100 } } }),
    );
    expect(runs.items.length).toBeGreaterThan(0);
    await page
      .getByRole('cell', { name: formatMoney(runs.items[0].paidNow) })
      .first()
      .waitFor();
    await shot(page, 'asset-income');
    // the business date screen is the administrator's alone
    await expect(page.getByRole('menuitem', { name: '业务日期' }).count()).resolves.toBe(0);
    await page.context().close();
  });

  it('a bank officer sees its claims without decision buttons; the administrator advances the business date by a day', async () => {
    const bank = await loginAs('zbrcb.officer', 'zbrcb-officer-demo');
    await bank.getByRole('menuitem', { name: '代偿申请' }).click();
    await bank.getByRole('heading', { name: '代偿申请', exact: true }).waitFor();
    await expect(bank.getByRole('columnheader', { name: '操作' }).count()).resolves.toBe(0);
    await expect(bank.getByRole('menuitem', { name: '风险补偿基金' }).count()).resolves.toBe(0);
    await bank.context().close();

    const before = (await apiCall(ui.t.api('ADMIN').GET('/api/v1/business-date'))).body;
    expect(before.movable).toBe(true);
    const page = await loginAs(TEST_ADMIN.username, TEST_ADMIN.password);
    await page.getByRole('menuitem', { name: '业务日期' }).click();
    await page.getByRole('heading', { name: '业务日期', exact: true }).waitFor();
    await expect(page.getByTestId('business-date-value').innerText()).resolves.toBe(before.businessDate);
    await page.getByLabel('推进天数').fill('1');
    await page.getByRole('button', { name: '推进业务日期' }).click();
    const next = new Date(`${before.businessDate}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const expected = next.toISOString().slice(0, 10);
    await page.getByTestId('business-date-value').filter({ hasText: expected }).waitFor({ timeout: 90_000 });
    await page.getByTestId('business-date').filter({ hasText: expected }).waitFor();
    await shot(page, 'business-date');
    await page.context().close();
  }, 180_000);
});
