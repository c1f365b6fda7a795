/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';
import { apiCall, expectStatus, TEST_ADMIN } from '#libs/testing';
import { formatMoney, maskName } from '../../apps/console/src/lib/format.js';
import { choose, shot, useConsole, withCheckChar } from './harness.js';

/**
 * One loan from the household's registration to a repayment, all in the console as the people who do it would:
 * the loan officer registers the household, makes it a member of the village fund with its share and forms a
 * joint-liability group with two neighbours; applies; sees the application's eligibility and records the group's
 * consent; two different fund administrators approve it (the fund's second-approval threshold is lowered below the
 * amount, the one set-up the console has no screen for); the loan is on the 公示 sheet; the administrator moves the
 * business date past the notice; a fund administrator disburses it; the officer records a repayment after reading
 * its payoff; and the fund's dashboard shows the cash and outstanding moved by exactly these amounts.
 */
const ui = useConsole();

const OFFICER = ['loan.officer', 'loan-officer-demo'] as const;
const FUND_ADMIN = ['fund.admin', 'fund-admin-demo'] as const;
const SECOND_ADMIN = ['district.admin', 'district-admin-demo'] as const;
const HEAD = '流程测试户';
const GROUP = '全流程联保小组';
const AMOUNT = '3000.00';
const SHARE = '100.00';
const REPAYMENT = '500.00';

const button = (scope: Page | Locator, name: string) =>
  scope
    .getByRole('button', { name, exact: true })
    .or(scope.getByRole('button', { name: [...name].join(' '), exact: true }));

/** Fen from the console's money text (`¥1,234.56`, `-¥5.00`). */
const fen = (s: string) => {
  const v = BigInt(s.replace(/[¥,.\s-]/g, ''));
  return s.trim().startsWith('-') ? -v : v;
};

/** The village fund's row on the dashboard (a fresh load, nothing cached): its cash and outstanding as shown. */
async function fundOnDashboard(page: Page, fundName: string) {
  await page.goto(`${ui.base}/dashboard`);
  const card = page
    .locator('.ant-card')
    .filter({ has: page.locator('.ant-card-head-title', { hasText: '村级互助资金' }) });
  const row = card.locator('.ant-table-row', { hasText: fundName });
  await row.waitFor();
  const headers = await card.locator('thead th').allInnerTexts();
  const cells = await row.locator('td').allInnerTexts();
  return { cash: fen(cells[headers.indexOf('现金')]), outstanding: fen(cells[headers.indexOf('贷款余额')]) };
}

describe('a loan from registration to repayment in the console', () => {
  it('registers, joins the fund, forms a group, applies, is endorsed, approved by two, noticed, disbursed, repaid and seen on the dashboard', async () => {
    const fundAdminApi = ui.t.api('FUND_ADMIN');
    const fund = (
      await expectStatus(
        fundAdminApi.GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 } } }),
        200,
      )
    ).body.items.find((f: { villageName: string }) => f.villageName === '东坪村') as {
      id: string;
      name: string;
      villageId: string;
    };
    expect(fund).toBeDefined();
    // the one set-up without a screen: the fund asks two approvers above 2,000 yuan, so this 3,000 loan needs both
    await expectStatus(
      fundAdminApi.PATCH('/api/v1/mutual-aid-funds/{id}/rules', {
        params: { path: { id: fund.id } },
        body: { secondApprovalThreshold: '2000.00' },
      }),
      200,
    );
    // two neighbours in no group yet and without arrears, to form the group with
    const neighbours = ['7', '8'];
    const names: string[] = [];
    for (const id of neighbours) {
      const h = (
        await expectStatus(fundAdminApi.GET('/api/v1/households/{id}', { params: { path: { id } } }), 200)
      ).body;
      expect(h.groupId).toBeNull();
      expect(h.villageId).toBe(fund.villageId);
      names.push(h.headName as string);
    }

    // the fund's figures before anything happens, as its dashboard shows them
    const admin = await ui.loginAs(...FUND_ADMIN);
    const start = await fundOnDashboard(admin, fund.name);

    // 1. the loan officer registers the household (the ID number checked as it is typed)
    const officer = await ui.loginAs(...OFFICER);
    await officer.waitForURL(/\/console\/households$/);
    await button(officer, '登记农户').click();
    const drawer = officer.locator('.ant-drawer-open');
    await choose(officer, drawer.getByLabel('村', { exact: true }), '东坪村');
    await drawer.getByLabel('户主姓名').fill(HEAD);
    await officer.getByTestId('id-number').fill(withCheckChar('37030219880612031'));
    await officer.getByText('身份证号校验通过').waitFor();
    await drawer.getByLabel('人均纯收入（元）').fill('4200.00');
    await shot(officer, 'flow-household');
    await drawer.locator('button[type=submit]').click();
    await officer.getByText(`已保存: ${HEAD}`).waitFor();

    // 2. it becomes a member of the village fund with its share (the contribution form)
    await officer.getByRole('menuitem', { name: '村级互助资金' }).click();
    await officer.getByRole('heading', { name: '村级互助资金', exact: true }).waitFor();
    await button(officer, '登记出资').click();
    const contribution = officer.getByRole('dialog');
    await contribution.getByLabel('金额（元）').fill(SHARE);
    await choose(officer, contribution.getByLabel('农户', { exact: true }), HEAD, { search: HEAD });
    await shot(officer, 'flow-member-share');
    await officer.getByTestId('contribution-form-submit').click();
    await officer.getByText('出资已登记').waitFor();

    // 3. a joint-liability group with two neighbours (the Groups screen)
    await officer.getByRole('menuitem', { name: '联保小组' }).click();
    await officer.waitForURL(/\/console\/groups$/);
    await button(officer, '组建联保小组').click();
    const form = officer.locator('.ant-drawer-open');
    await choose(officer, form.getByLabel('村', { exact: true }), '东坪村');
    await form.getByLabel('小组名称').fill(GROUP);
    const pick = form.getByLabel('成员农户（同村，通常 3–5 户）');
    for (const name of [HEAD, ...names]) {
      await choose(officer, pick, name, { search: name });
    }
    await form.locator('.ant-drawer-title').click();
    await button(form, '保存').click();
    await officer.getByText(`联保小组已组建: ${GROUP}`).waitFor();
    const group = officer.locator('.ant-drawer-open', {
      has: officer.locator('.ant-drawer-title', { hasText: GROUP }),
    });
    await group.getByTestId('group-size').filter({ hasText: '3' }).waitFor();
    await shot(officer, 'flow-group');
    await officer.keyboard.press('Escape');

    // 4. the application (created and submitted: every rule is evaluated by the API)
    await officer.getByRole('menuitem', { name: '农户' }).click();
    await officer.waitForURL(/\/console\/households$/);
    await officer.getByLabel('户主姓名').fill(HEAD);
    await officer.locator('form#households1 button[type=submit]').click();
    await officer
      .locator('.ant-table-row', { hasText: HEAD })
      .getByRole('button', { name: '申请贷款' })
      .click();
    await choose(officer, officer.getByLabel('产品'), null);
    await officer.getByLabel('金额').fill(AMOUNT);
    await officer.getByRole('button', { name: '提交审批' }).click();
    const created = officer.getByText(/申请已创建并提交: MA-\d{4}-\d+/);
    await created.waitFor();
    const loanNo = (await created.innerText()).match(/MA-\d{4}-\d+/)![0];

    // the auditor reads the same application without the endorsement button (the API allows officers and fund
    // administrators only)
    const auditor = await ui.loginAs('auditor', 'auditor-demo-pass');
    await auditor.getByRole('menuitem', { name: '贷款与还款' }).click();
    await choose(auditor, auditor.getByTestId('loan-status'), '已提交');
    await auditor.getByRole('button', { name: loanNo }).click();
    await auditor.getByTestId('next-step').filter({ hasText: '待小组联保' }).waitFor();
    await auditor.locator('.ant-drawer-open').getByText('全部规则通过').waitFor();
    await expect(auditor.getByRole('button', { name: '记录小组联保' }).count()).resolves.toBe(0);
    await auditor.context().close();

    // 5. the officer finds it among the submitted applications: eligibility rule by rule, awaiting the group
    await officer.getByRole('menuitem', { name: '贷款与还款' }).click();
    await officer.waitForURL(/\/console\/loans$/);
    await choose(officer, officer.getByTestId('loan-status'), '已提交');
    await officer.getByRole('button', { name: loanNo }).click();
    const application = officer.locator('.ant-drawer-open');
    await application.getByText('全部规则通过').waitFor();
    await expect(application.getByTestId('next-step').innerText()).resolves.toBe('待小组联保');
    await shot(officer, 'flow-application');
    // the note is required: blank in the form is stopped there; only spaces reach the API, whose refusal is shown
    // beside the field
    await button(application, '记录小组联保').click();
    const endorse = officer.getByTestId('endorse-form');
    await officer.getByTestId('endorse-form-submit').click();
    await endorse
      .locator('.ant-form-item', { has: officer.getByLabel('小组意见（会议记录）') })
      .getByText('必填')
      .waitFor();
    await endorse.getByLabel('小组意见（会议记录）').fill('   ');
    await officer.getByTestId('endorse-form-submit').click();
    // the API's own message, in Chinese, with its figures
    await endorse
      .locator('.ant-form-item-explain-error', { hasText: '长度须在 1 到 1000 个字符之间' })
      .waitFor();
    await shot(officer, 'flow-endorse-refused');
    await endorse
      .getByLabel('小组意见（会议记录）')
      .fill(`小组会议：${names.join('、')}一致同意为${HEAD}提供联保`);
    await officer.getByTestId('endorse-form-submit').click();
    await officer.getByText('小组联保已记录').waitFor();
    await application.getByTestId('next-step').filter({ hasText: '待审批' }).waitFor();
    await application.getByText(/loan\.officer · 小组会议/).waitFor();
    await shot(officer, 'flow-endorsed');
    await officer.keyboard.press('Escape');

    // 6. the first fund administrator approves: a second, different one is needed above the threshold
    await admin.getByRole('menuitem', { name: '审批队列' }).click();
    await admin.waitForURL(/\/console\/approvals$/);
    await admin.locator('.ant-segmented-item-label', { hasText: '小组已联保' }).click();
    const queued = admin.locator('.ant-table-row', { hasText: loanNo });
    await queued.getByText('是').waitFor(); // needs a second approval
    await queued.getByRole('button', { name: loanNo }).click();
    const review = admin.locator('.ant-drawer-open');
    await review.getByText('全部规则通过').waitFor();
    await button(review, '批准').click();
    await admin.getByText('已批准', { exact: true }).first().waitFor();
    await review.getByText('fund.admin').waitFor(); // the first approval
    await review.getByText('需要第二人复审').waitFor();
    // the same administrator may not give the second approval
    await review.getByTestId('own-first-approval').waitFor();
    await review.locator('button[disabled]', { hasText: /批\s*准/ }).waitFor();
    await shot(admin, 'flow-first-approval');

    const second = await ui.loginAs(...SECOND_ADMIN);
    await second.getByRole('menuitem', { name: '审批队列' }).click();
    await second.locator('.ant-segmented-item-label', { hasText: '小组已联保' }).click();
    await second.locator('.ant-table-row', { hasText: loanNo }).getByRole('button', { name: loanNo }).click();
    const review2 = second.locator('.ant-drawer-open');
    await review2.getByText('fund.admin').waitFor();
    await button(review2, '批准').click();
    await second.getByText('已批准', { exact: true }).first().waitFor();
    await review2.getByText('公示中').first().waitFor();
    await review2.getByText('district.admin').waitFor();
    await shot(second, 'flow-second-approval');
    await second.context().close();

    // 7. the public notice: on the printable 公示 sheet, the name masked
    await admin.reload();
    await admin.getByRole('menuitem', { name: '公示' }).click();
    const noticeRow = admin.locator('.ant-table-row', { hasText: loanNo });
    await noticeRow.waitFor();
    await expect(noticeRow.getByTestId('masked-name').innerText()).resolves.toBe(maskName(HEAD));
    await noticeRow.getByText(formatMoney(AMOUNT)).waitFor();
    const noticeEndsOn = (await noticeRow.innerText()).match(/\d{4}-\d{2}-\d{2}/)![0];
    await shot(admin, 'flow-notice');
    // still in its notice: not offered for disbursement
    await admin.getByRole('menuitem', { name: '放款' }).click();
    await admin.getByRole('heading', { name: '待放款（公示期满无异议）' }).waitFor();
    await admin.getByText('暂无公示期满待放款的贷款').waitFor();

    // 8. the administrator moves the business date past the last day of the notice (each day closed)
    const root = await ui.loginAs(TEST_ADMIN.username, TEST_ADMIN.password);
    await root.getByRole('menuitem', { name: '业务日期' }).click();
    await root.getByRole('heading', { name: '业务日期', exact: true }).waitFor();
    const today = (await root.getByTestId('business-date-value').innerText()).trim();
    const days = (Date.parse(noticeEndsOn) - Date.parse(today)) / 86_400_000 + 1;
    expect(days).toBeGreaterThan(0);
    const next = new Date(`${noticeEndsOn}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const after = next.toISOString().slice(0, 10);
    await root.getByLabel('推进天数').fill(String(days));
    await button(root, '推进业务日期').click();
    await root.getByTestId('business-date-value').filter({ hasText: after }).waitFor({ timeout: 150_000 });
    await shot(root, 'flow-business-date');
    await root.context().close();

    // 9. the fund administrator disburses it from the disbursements screen
    await admin.reload();
    await admin.getByTestId('business-date').filter({ hasText: after }).waitFor();
    const ready = admin.locator('.ant-table-row', { hasText: loanNo });
    await ready.waitFor();
    await button(ready, '放款').click();
    await admin.getByTestId('disburse-ok').click();
    const result = admin.getByTestId('disbursed');
    // the answer, or the refusal the dialog shows (then the test says which, instead of waiting out its time)
    const refused = admin.locator('.ant-modal').getByTestId('problem');
    await result.or(refused).first().waitFor({ timeout: 60_000 });
    if (await refused.isVisible()) throw new Error(`disbursement refused: ${await refused.innerText()}`);
    await result.getByText('已放款').waitFor();
    await shot(admin, 'flow-disbursed');
    const disbursed = await fundOnDashboard(admin, fund.name);
    expect(disbursed.outstanding - start.outstanding).toBe(fen(AMOUNT));
    expect(disbursed.cash - start.cash).toBe(fen(SHARE) - fen(AMOUNT));

    // 10. the officer records a repayment on the loans screen, its payoff read first
    await officer.reload();
    await officer.getByRole('menuitem', { name: '贷款与还款' }).click();
    await officer.waitForURL(/\/console\/loans$/);
    const loanRow = officer.locator('.ant-table-row', { hasText: loanNo });
    await loanRow.getByText('已放款').waitFor();
    await loanRow.getByRole('button', { name: loanNo }).click();
    const loan = officer.locator('.ant-drawer-open');
    await loan.getByText('还款计划').waitFor();
    const payoff = loan.getByTestId('payoff');
    await payoff.waitFor();
    await expect(payoff.innerText()).resolves.toContain(formatMoney(AMOUNT));
    await loan.getByLabel('金额').fill(REPAYMENT);
    await shot(officer, 'flow-repayment');
    await button(loan, '登记还款').click();
    await officer.getByText('还款已登记').waitFor();
    await officer.keyboard.press('Escape');
    // the list row shows the principal still owed: the waterfall paid interest first, the rest on the principal
    const owedText = await officer
      .locator('.ant-table-row', { hasText: loanNo })
      .locator('td')
      .nth(4)
      .filter({ hasNotText: formatMoney(AMOUNT) })
      .innerText();
    const principalPaid = fen(AMOUNT) - fen(owedText);
    expect(principalPaid).toBeGreaterThan(0n);
    expect(principalPaid).toBeLessThanOrEqual(fen(REPAYMENT));

    // 11. the fund's dashboard: the repayment is in its cash, the principal part out of its outstanding
    const repaid = await fundOnDashboard(admin, fund.name);
    expect(repaid.cash - disbursed.cash).toBe(fen(REPAYMENT));
    expect(disbursed.outstanding - repaid.outstanding).toBe(principalPaid);
    await shot(admin, 'flow-dashboard');

    // the loan's own record agrees (read through the API)
    const loans = await apiCall(
      fundAdminApi.GET('/api/v1/loans', { params: { query: { status: 'DISBURSED', pageSize: 100 } } }),
    );
    const record = (
      loans.body.items as {
        loanNo: string;
        outstandingPrincipal: string;
        approvedBy: string;
        secondApprovedBy: string;
        endorsedBy: string;
      }[]
    ).find((l) => l.loanNo === loanNo)!;
    expect(record).toMatchObject({
      approvedBy: 'fund.admin',
      secondApprovedBy: 'district.admin',
      endorsedBy: 'loan.officer',
    });
    expect(fen(record.outstandingPrincipal)).toBe(fen(AMOUNT) - principalPaid);
    await officer.context().close();
    await admin.context().close();
  }, 420_000);
});
