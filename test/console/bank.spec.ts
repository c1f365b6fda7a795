import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { formatMoney, sumMoney } from '../../apps/console/src/lib/format.js';
import { shot, useConsole } from './harness.js';

/**
 * A bank officer's day in the console, against the real API on the demo data: a repayment reported (the loan's
 * outstanding and the bank's capacity follow), a refused future date shown beside its field in Chinese, a loan
 * reported 100 days overdue and a claim filed on it, the fund administrator approving it on the claims screen, the
 * bank recording a recovery and seeing the API's split; an auditor gets none of the bank's buttons.
 */
const ui = useConsole();

const BANK = ['zbrcb.officer', 'zbrcb-officer-demo'] as const;
const FUND_ADMIN = ['fund.admin', 'fund-admin-demo'] as const;
const AUDITOR = ['auditor', 'auditor-demo-pass'] as const;

interface Loan {
  id: string;
  bankLoanRef: string;
  outstandingPrincipal: string;
  status: string;
  daysOverdue: number;
  nonPerforming: boolean;
}

async function get(path: string) {
  const r = await request(ui.t.http)
    .get(path)
    .set('Authorization', `Bearer ${await ui.t.tokenFor('FUND_ADMIN')}`);
  expect(r.status).toBe(200);
  return r.body;
}
const loanByRef = async (ref: string): Promise<Loan> =>
  (await get(`/api/v1/covered-loans?bankLoanRef=${ref}`)).items[0];

/** A button by its text: Ant Design puts a space between two Chinese characters (批 准). */
const button = (page: Page | Locator, text: string) =>
  page.getByRole('button', { name: new RegExp(`^${[...text].join('\\s?')}$`) });
const fieldError = (page: Page, dialog: Locator, label: string) =>
  dialog
    .locator('.ant-form-item', { has: page.getByLabel(label, { exact: true }) })
    .locator('.ant-form-item-explain-error');

/** Until no dialog is zooming in or out (a screenshot of the end state, not of the animation). */
const settled = (page: Page) =>
  page.waitForFunction(
    () => !document.querySelector('.ant-zoom-appear, .ant-zoom-enter, .ant-zoom-leave, .ant-move-up-leave'),
  );

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

describe('the bank officer’s daily work in the console', () => {
  it('reports a repayment and an overdue status, files a claim the fund administrator approves, records a recovery; the auditor sees none of it', async () => {
    const repaid = await loanByRef('ZBRCB-DEMO-0008');
    const overdue = await loanByRef('ZBRCB-DEMO-0007');
    expect(repaid.status).toBe('DISBURSED');
    expect(overdue.status).toBe('DISBURSED');

    const page = await ui.loginAs(...BANK);
    await page.waitForURL(/\/console\/covered-loans$/);
    const today = (await page.getByTestId('business-date').innerText()).match(/\d{4}-\d{2}-\d{2}/)![0];
    const capacity = page.getByTestId('bank-capacity').first();
    await capacity.waitFor();
    const capacityBefore = await capacity.innerText();

    // ── a repayment: first dated tomorrow (refused on paidOn, in Chinese), then today ──
    await page.getByTestId('covered-open-ZBRCB-DEMO-0008').click();
    const drawer = page.locator('.ant-drawer-open .ant-drawer-section');
    await drawer
      .getByTestId('loan-outstanding')
      .filter({ hasText: formatMoney(repaid.outstandingPrincipal) })
      .waitFor();
    await drawer.getByTestId('loan-installments').waitFor();
    await button(drawer, '报送还款').click();
    const dialog = page.getByRole('dialog').filter({ has: page.getByTestId('repayment-form') });
    await expect(dialog.getByLabel('还款日期').inputValue()).resolves.toBe(today);
    await dialog.getByLabel('还款日期').fill(addDays(today, 1));
    await dialog.getByLabel('本金（元）').fill('1000.00');
    await dialog.getByLabel('利息（元）').fill('30.00');
    await page.getByTestId('repayment-form-submit').click();
    await fieldError(page, dialog, '还款日期').filter({ hasText: '不得晚于今天' }).waitFor();
    await expect(dialog.getByTestId('problem').getAttribute('data-code')).resolves.toBe('VALIDATION_FAILED');
    await shot(page, 'bank-repayment-refused');
    expect((await loanByRef('ZBRCB-DEMO-0008')).outstandingPrincipal).toBe(repaid.outstandingPrincipal);

    await dialog.getByLabel('还款日期').fill(today);
    await page.getByTestId('repayment-form-submit').click();
    await page.getByText('还款已报送').waitFor();
    const outstanding = sumMoney([repaid.outstandingPrincipal, '-1000.00']);
    await drawer
      .getByTestId('loan-outstanding')
      .filter({ hasText: formatMoney(outstanding) })
      .waitFor();
    expect((await loanByRef('ZBRCB-DEMO-0008')).outstandingPrincipal).toBe(outstanding);
    // the exposure released: the bank's capacity in the district grows
    await page.waitForFunction(([sel, prev]) => document.querySelector(sel)?.textContent !== prev, [
      '[data-testid="bank-capacity"]',
      capacityBefore,
    ] as const);
    const yuan = (s: string) => BigInt(s.replace(/[¥,.\s]/g, ''));
    expect(yuan(await capacity.innerText())).toBeGreaterThan(yuan(capacityBefore));
    await shot(page, 'bank-repayment-reported');
    await page.keyboard.press('Escape');

    // ── 100 days overdue, then a claim on the loan ──
    await page.getByTestId('covered-open-ZBRCB-DEMO-0007').click();
    await drawer
      .getByTestId('loan-days-overdue')
      .filter({ hasText: String(overdue.daysOverdue) })
      .waitFor();
    await button(drawer, '报送逾期状态').click();
    const statusDialog = page.getByRole('dialog').filter({ has: page.getByTestId('status-form') });
    await statusDialog.getByLabel('逾期天数').fill('100');
    await page.getByTestId('status-form-submit').click();
    await page.getByText('逾期状态已报送').waitFor();
    await drawer.getByTestId('loan-days-overdue').filter({ hasText: /^100$/ }).waitFor();
    await drawer.getByText('不良', { exact: true }).first().waitFor();
    const reported = await loanByRef('ZBRCB-DEMO-0007');
    expect(reported).toMatchObject({ daysOverdue: 100, nonPerforming: true });
    await shot(page, 'bank-status-reported');

    await button(drawer, '申请代偿').click();
    const claimDialog = page.getByRole('dialog').filter({ has: page.getByTestId('claim-form') });
    await claimDialog.getByLabel('备注').fill('借款人失联，逾期100天');
    await page.getByTestId('claim-form-submit').click();
    await page.getByText(/代偿申请已提交: CC-/).waitFor();
    const claims = (await get(`/api/v1/compensation-claims?loanId=${overdue.id}`)).items;
    expect(claims).toHaveLength(1);
    const claim = claims[0];
    expect(claim.status).toBe('FILED');
    await drawer
      .getByTestId('loan-claims')
      .getByRole('row', { name: new RegExp(claim.claimNo) })
      .getByText('待审核')
      .waitFor();
    // one live claim: the button is gone
    await expect(button(drawer, '申请代偿').count()).resolves.toBe(0);
    await drawer.getByTestId('loan-claims').scrollIntoViewIfNeeded();
    await shot(page, 'bank-claim-filed');
    await page.keyboard.press('Escape');

    // the bank sees it in its list, with its status, and no decision buttons
    await page.getByRole('menuitem', { name: '代偿申请' }).click();
    const bankRow = page.getByRole('row', { name: new RegExp(claim.claimNo) });
    await bankRow.getByText('待审核').waitFor();
    await expect(button(bankRow, '批准').count()).resolves.toBe(0);
    await expect(button(bankRow, '登记追偿').count()).resolves.toBe(0);

    // ── the fund administrator approves it in the console ──
    const admin = await ui.loginAs(...FUND_ADMIN);
    await admin.getByRole('menuitem', { name: '代偿申请' }).click();
    const adminRow = admin.getByRole('row', { name: new RegExp(claim.claimNo) });
    await button(adminRow, '批准').click();
    await button(admin.locator('.ant-modal-confirm'), '确定').click();
    await admin.getByText('代偿已批准并支付').waitFor();
    await adminRow.getByText('已支付').waitFor();
    // the administrator gets no bank button
    await expect(button(admin, '登记追偿').count()).resolves.toBe(0);
    await shot(admin, 'bank-claim-approved');
    await admin.context().close();
    expect((await get(`/api/v1/compensation-claims/${claim.id}`)).status).toBe('PAID');

    // ── the bank records a recovery on the paid claim and sees the split the API answered ──
    await page.reload();
    await bankRow.getByText('已支付').waitFor();
    await page.getByTestId(`recover-${claim.claimNo}`).click();
    const recoveryDialog = page.getByRole('dialog').filter({ has: page.getByTestId('recovery-form') });
    await recoveryDialog.getByLabel('追偿金额（元）').fill('1000.00');
    await expect(recoveryDialog.getByLabel('追偿到账日期').inputValue()).resolves.toBe(today);
    const answered = page.waitForResponse((r) =>
      r.url().endsWith(`/compensation-claims/${claim.id}/recoveries`),
    );
    await page.getByTestId('recovery-form-submit').click();
    const split = (await (await answered).json()).recovery as {
      amount: string;
      fundPart: string;
      bankPart: string;
    };
    expect(split.amount).toBe('1000.00');
    expect(sumMoney([split.fundPart, split.bankPart])).toBe('1000.00');
    await page
      .getByTestId('recovery-fund-part')
      .filter({ hasText: formatMoney(split.fundPart) })
      .waitFor();
    await page
      .getByTestId('recovery-bank-part')
      .filter({ hasText: formatMoney(split.bankPart) })
      .waitFor();
    await shot(page, 'bank-recovery-split');
    const after = await get(`/api/v1/compensation-claims/${claim.id}`);
    expect(after.recovered).toBe('1000.00');
    expect(after.recoveries).toEqual([
      expect.objectContaining({ amount: '1000.00', fundPart: split.fundPart, bankPart: split.bankPart }),
    ]);
    await page.getByTestId('recovery-close').click();
    await bankRow
      .getByRole('cell', { name: formatMoney('1000.00') })
      .first()
      .waitFor();
    // the claim's recoveries, each with its split
    await bankRow.locator('.ant-table-row-expand-icon').click();
    const expanded = page.locator('.ant-table-expanded-row');
    await expanded.getByRole('cell', { name: formatMoney(split.fundPart), exact: true }).waitFor();
    await expanded.getByRole('cell', { name: formatMoney(split.bankPart), exact: true }).waitFor();
    await shot(page, 'bank-claim-recoveries');
    await page.context().close();

    // ── the auditor: the detail, but none of the bank's buttons ──
    const auditor = await ui.loginAs(...AUDITOR);
    await auditor.getByRole('menuitem', { name: '担保贷款' }).click();
    await auditor.getByTestId('covered-open-ZBRCB-DEMO-0007').click();
    const auditorDrawer = auditor.locator('.ant-drawer-open .ant-drawer-section');
    await auditorDrawer
      .getByTestId('loan-claims')
      .getByRole('row', { name: new RegExp(claim.claimNo) })
      .waitFor();
    for (const text of ['报送还款', '报送逾期状态', '申请代偿', '确认放款'])
      await expect(button(auditor, text).count()).resolves.toBe(0);
    await expect(auditorDrawer.getByTestId('bank-actions').count()).resolves.toBe(0);
    await expect(button(auditor, '登记担保贷款').count()).resolves.toBe(0);
    await shot(auditor, 'bank-auditor-detail');
    await auditor.keyboard.press('Escape');
    await auditor.getByRole('menuitem', { name: '代偿申请' }).click();
    await auditor.getByRole('row', { name: new RegExp(claim.claimNo) }).waitFor();
    await expect(button(auditor, '登记追偿').count()).resolves.toBe(0);
    await expect(auditor.getByRole('columnheader', { name: '追偿', exact: true }).count()).resolves.toBe(0);
    await auditor.context().close();
  }, 240_000);

  it('confirms the payout of a loan registered for tomorrow once its day has come; before it, the refusal is shown in Chinese', async () => {
    const page = await ui.loginAs(...BANK);
    await page.waitForURL(/\/console\/covered-loans$/);
    const today = (await page.getByTestId('business-date').innerText()).match(/\d{4}-\d{2}-\d{2}/)![0];
    const tomorrow = addDays(today, 1);
    await page.getByRole('button', { name: '登记担保贷款' }).click();
    await page.getByLabel('银行贷款编号').fill('UI-BANK-0002');
    await page.getByLabel('农户编号').fill('6');
    await page.getByLabel('金额').fill('8000.00');
    await page.getByLabel('放款日').fill(tomorrow);
    await button(page, '保存').click();
    await page.getByText(/已登记: CL-/).waitFor();
    const registered = await loanByRef('UI-BANK-0002');
    expect(registered.status).toBe('APPROVED');

    await page.getByTestId('covered-open-UI-BANK-0002').click();
    const drawer = page.locator('.ant-drawer-open .ant-drawer-section');
    await drawer.getByTestId('loan-status').getByText('已批准待放款').waitFor();
    // an approved loan is not reported on: only its payout is confirmed
    await expect(button(drawer, '报送还款').count()).resolves.toBe(0);
    await button(drawer, '确认放款').click();
    await button(page.locator('.ant-modal-confirm'), '确定').click();
    const refusal = page.locator('.ant-modal-confirm').filter({ has: page.getByTestId('problem') });
    await refusal.getByText('担保贷款状态不允许此操作').first().waitFor();
    expect((await loanByRef('UI-BANK-0002')).status).toBe('APPROVED');
    await settled(page);
    await shot(page, 'bank-confirm-refused');
    await button(refusal, '知道了').or(button(refusal, '确定')).click();

    // the next business day: the payout is confirmed and the loan can be reported on
    const moved = await request(ui.t.http)
      .post('/api/v1/business-date/advance')
      .set('Authorization', `Bearer ${await ui.t.tokenFor('ADMIN')}`)
      .send({ days: 1 });
    expect(moved.status).toBe(200);
    await page.reload();
    await page.getByTestId('business-date').filter({ hasText: tomorrow }).waitFor();
    await page.getByTestId('covered-open-UI-BANK-0002').click();
    await button(drawer, '确认放款').click();
    await button(page.locator('.ant-modal-confirm'), '确定').click();
    await page.getByText('放款已确认').waitFor();
    await drawer.getByTestId('loan-status').getByText('已放款').waitFor();
    await button(drawer, '报送还款').waitFor();
    expect((await loanByRef('UI-BANK-0002')).status).toBe('DISBURSED');
    await shot(page, 'bank-confirmed');
    await page.context().close();
  }, 240_000);
});
