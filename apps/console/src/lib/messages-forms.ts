import { ERROR_MESSAGES } from '../../../../libs/common/src/i18n/error-messages.js';
import { FIELD_MESSAGES } from '../../../../libs/common/src/i18n/field-messages.js';

/**
 * The labels of the write forms (village funds, risk funds, subsidy, asset income, disclosures, projections):
 * [中文, English], merged into the console's catalogue by messages.ts. Keys start with `f_`.
 */
export const FORM_LABELS = {
  f_submit: ['提交', 'Submit'],
  f_recordContribution: ['登记出资', 'Record contribution'],
  f_contributionRecorded: ['出资已登记', 'Contribution recorded'],
  f_withdrawShare: ['社员退股', 'Withdraw member share'],
  f_shareWithdrawn: ['退股已登记', 'Withdrawal recorded'],
  f_withdrawals: ['退股记录', 'Share withdrawals'],
  f_household: ['农户', 'Household'],
  f_householdSearch: ['输入户主姓名查询', 'Type the head’s name'],
  f_fiscalFunded: ['财政配股', 'Fiscal-funded share'],
  f_soeName: ['国企名称', 'Enterprise'],
  f_soeProfitBase: ['国企利润基数（元）', 'Profit base (yuan)'],
  f_amountYuan: ['金额（元）', 'Amount (yuan)'],
  f_reason: ['原因', 'Reason'],
  f_withdrawnOn: ['退股日期', 'Withdrawn on'],
  f_memo: ['备注', 'Memo'],
  f_yuanFormat: ['金额须为正数，最多两位小数', 'A positive amount with at most two decimals'],
  f_dateFormat: ['日期格式为 YYYY-MM-DD', 'A date as YYYY-MM-DD'],
  f_percentFormat: ['须为数字', 'A number'],
  // risk funds
  f_deposit: ['登记注资', 'Record deposit'],
  f_deposited: ['注资已登记', 'Deposit recorded'],
  f_createAgreement: ['新建合作协议', 'New agreement'],
  f_agreementCreated: ['合作协议已创建', 'Agreement created'],
  f_terminate: ['终止', 'Terminate'],
  f_terminateConfirm: ['终止后不再新增担保，已担保贷款自然到期。确认终止？', 'No new loans will be covered; covered loans run off. Terminate?'],
  f_terminatedOn: ['终止日期', 'Terminated on'],
  f_terminated: ['合作协议已终止', 'Agreement terminated'],
  f_entityMultiple: ['经营主体放大倍数', 'Entity leverage multiple'],
  f_compensationMode: ['代偿方式', 'Compensation mode'],
  f_triggerDays: ['代偿触发逾期天数', 'Trigger days overdue'],
  f_validTo: ['有效期至', 'Valid to'],
  st_TERMINATED: ['已终止', 'Terminated'],
  st_EXPIRED: ['已到期', 'Expired'],
  // subsidy
  f_generateClaims: ['生成贴息申请', 'Generate claims'],
  f_claimsGenerated: ['贴息申请已生成', 'Claims generated'],
  f_asOf: ['截至日期', 'As of'],
  f_approve: ['审核通过', 'Approve'],
  f_approved: ['已审核通过', 'Approved'],
  f_settle: ['登记支付', 'Record payment'],
  f_settled: ['支付已登记', 'Payment recorded'],
  f_paymentRef: ['支付凭证号', 'Payment reference'],
  f_action_CREATED: ['已生成', 'Created'],
  f_action_UNCHANGED: ['无变化', 'Unchanged'],
  f_action_VERSIONED: ['已生成新版本', 'New version'],
  f_action_ADJUSTMENT: ['已生成调整单', 'Adjustment'],
  f_action_NOTHING_TO_CLAIM: ['无可申请', 'Nothing to claim'],
  // asset income
  f_dividendRun: ['年度分红', 'Dividend run'],
  f_liquidationRun: ['清算', 'Liquidation'],
  f_preview: ['试算', 'Preview'],
  f_previewResult: ['试算结果', 'Preview'],
  f_pay: ['支付', 'Pay'],
  f_paid: ['已支付', 'Paid'],
  f_recordDate: ['股权登记日', 'Record date'],
  f_operatorTopUp: ['经营主体可补足金额（元）', 'Operator top-up available (yuan)'],
  f_proceeds: ['清算所得（元）', 'Proceeds (yuan)'],
  f_liquidationDate: ['清算日期', 'Liquidation date'],
  f_specialRepaid: ['专项资金收回', 'Special fund repaid'],
  f_others: ['其他股份分得', 'To the other classes'],
  f_floorShortfall: ['保底差额', 'Floor shortfall'],
  f_classKind: ['股份类别', 'Class'],
  f_holders: ['持有人数', 'Holders'],
  f_basis: ['基数', 'Basis'],
  f_distributeThis: ['分红/清算', 'Dividend / liquidation'],
  cls_SPECIAL_COLLECTIVE: ['专项资金（集体）', 'Special fund (collective)'],
  cls_SPECIAL_HOUSEHOLDS: ['专项资金（农户）', 'Special fund (households)'],
  cls_COLLECTIVE_ASSETS: ['集体资产', 'Collective assets'],
  cls_FARMER_ASSETS: ['农户资产', 'Farmer assets'],
  cls_PRIVATE_CAPITAL: ['社会资本', 'Private capital'],
  // disclosures
  nav_disclosures: ['信息公开', 'Disclosures'],
  f_disclosuresHint: ['按业务日期生成村或区县的公开信息快照（不可更改），公示页面可直接打印。', 'Publish a village’s or district’s disclosure as of the business date (an immutable snapshot); its page prints as it is.'],
  f_scope: ['范围', 'Scope'],
  f_scope_VILLAGE: ['村', 'Village'],
  f_scope_DISTRICT: ['区县', 'District'],
  f_place: ['村/区县', 'Village / district'],
  f_publish: ['发布公开信息', 'Publish'],
  f_published: ['已发布', 'Published'],
  f_alreadyPublished: ['今日已发布，内容相同', 'Already published today, unchanged'],
  f_openPrintable: ['打开可打印页面', 'Open the printable page'],
  f_history: ['发布记录', 'Published'],
  f_publishedAt: ['发布时间', 'Published at'],
  // projections
  nav_projections: ['压力测算', 'Projections'],
  f_scenarios: ['测算情景', 'Scenarios'],
  f_scenario: ['情景', 'Scenario'],
  f_horizon: ['测算月数', 'Months'],
  f_runs: ['模拟次数', 'Runs'],
  f_newRun: ['开始测算', 'Run projection'],
  f_runStarted: ['测算已排队', 'Projection queued'],
  f_projectionRuns: ['测算记录', 'Projection runs'],
  f_progress: ['进度', 'Progress'],
  f_requestedBy: ['发起人', 'Requested by'],
  f_createdAt: ['发起时间', 'Requested at'],
  f_result: ['测算结果', 'Result'],
  f_metrics: ['指标', 'Metrics'],
  f_month: ['月份', 'Month'],
  f_events: ['风险事件', 'Events'],
  f_event: ['事件', 'Event'],
  f_probability: ['发生概率', 'Probability'],
  f_firstMonth: ['首次发生月份（P10 / P50 / P90）', 'First month (P10 / P50 / P90)'],
  f_chart: ['扇形图', 'Fan chart'],
  f_downloadCsv: ['下载 CSV', 'Download CSV'],
  f_downloadXlsx: ['下载 XLSX', 'Download XLSX'],
  f_noEvents: ['未出现风险事件', 'No events'],
  f_view: ['查看', 'View'],
  st_RUNNING: ['测算中', 'Running'],
  st_DONE: ['已完成', 'Done'],
  st_FAILED: ['失败', 'Failed'],
  ev_RISK_FUND_BELOW_MINIMUM: ['担保基金低于最低规模', 'Risk fund below its minimum'],
  ev_BREAKER_TRIPS: ['触发熔断', 'Breaker trips'],
  ev_FUND_OUT_OF_ROOM: ['互助资金无可贷额度', 'Fund out of room'],
  ev_SUBSIDY_BUDGET_EXHAUSTED: ['贴息预算用尽', 'Subsidy budget exhausted'],
  scope_total: ['合计', 'Total'],
  scope_fund: ['互助资金', 'Fund'],
  scope_riskFund: ['担保基金', 'Risk fund'],
  scope_programme: ['贴息项目', 'Programme'],
} as const;

/** A catalogue sentence without its `{name}` slots and the optional `[…]` parts around them. */
function plain(s: string): string {
  return s.replace(/\[[^\]]*\]/g, '').replace(/\{[^}]*\}/g, '').trim();
}
function flip(src: Record<string, readonly [string, string]>): Record<string, readonly [string, string]> {
  const out: Record<string, readonly [string, string]> = {};
  for (const [code, [en, zh]] of Object.entries(src)) out[code] = [plain(zh), plain(en)];
  return out;
}

/** Every problem code the API can answer, from the API's own catalogue (the console's texts take precedence). */
export const FORM_ERRORS = flip(ERROR_MESSAGES);
/** Every field-error code (and the domain codes a field error may carry), from the API's own catalogue. */
export const FORM_FIELD_ERRORS = { ...flip(ERROR_MESSAGES), ...flip(FIELD_MESSAGES) };
