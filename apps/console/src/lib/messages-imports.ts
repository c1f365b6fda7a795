/**
 * The labels of the bulk imports (households, covered loans), the joint-liability groups and the disbursement after
 * the public notice: [中文, English], merged into the one catalogue by messages.ts.
 */
export const IMPORT_LABELS = {
  // bulk imports (the same steps for every kind)
  imp_import: ['批量导入', 'Bulk import'],
  imp_householdsTitle: ['农户批量导入', 'Import households'],
  imp_coveredButton: ['批量登记', 'Bulk registration'],
  imp_coveredTitle: ['担保贷款批量登记', 'Register covered loans in bulk'],
  imp_stepTemplate: ['下载模板', 'Template'],
  imp_stepUpload: ['选择文件', 'File'],
  imp_stepDryRun: ['试导入', 'Dry run'],
  imp_stepConfirm: ['确认导入', 'Import'],
  imp_downloadTemplate: ['下载导入模板（XLSX）', 'Download the template (XLSX)'],
  imp_file: ['导入文件', 'File to import'],
  imp_fileHint: [
    '填好的 XLSX 模板，或从 Excel 另存的 CSV（UTF-8 或 GBK 编码均可）。',
    'The filled-in XLSX template, or a CSV saved from Excel (UTF-8 or GBK).',
  ],
  imp_dryRun: ['试导入（只检查，不写入）', 'Dry run (check only, nothing written)'],
  imp_confirm: ['确认导入', 'Confirm the import'],
  imp_again: ['导入另一个文件', 'Import another file'],
  imp_rows: ['数据行', 'Rows'],
  imp_valid: ['通过', 'Valid'],
  imp_failed: ['有误', 'With errors'],
  imp_skipped: ['已存在（跳过）', 'Already there (skipped)'],
  imp_imported: ['已导入', 'Imported'],
  imp_format: ['文件格式', 'Format'],
  imp_row: ['行号', 'Row'],
  imp_column: ['列', 'Column'],
  imp_reason: ['原因', 'Reason'],
  imp_dryRunOk: [
    '试导入通过：全部行符合规则，可以确认导入。',
    'Dry run passed: every row meets the rules; the import may be confirmed.',
  ],
  imp_dryRunBad: [
    '试导入发现错误，未导入任何数据。请按下表修改文件后重新上传。',
    'The dry run found errors and nothing was imported. Correct the file as listed below and upload it again.',
  ],
  imp_nothingToImport: [
    '文件中的记录均已存在，无需导入。',
    'Every row of the file is there already: nothing to import.',
  ],
  imp_done: ['导入完成', 'Imported'],
  imp_nothingNew: [
    '文件中的记录均已导入过，本次未重复导入。',
    'Every row of the file was imported before: nothing was imported twice.',
  ],
  imp_refused: ['导入未成功，未写入任何数据。', 'The import was refused; nothing was written.'],
  imp_truncated: ['错误较多，仅列出前面部分。', 'More errors than listed here.'],
  imp_capacity: ['区县担保能力（导入前 / 导入后）', 'District capacity (before / after)'],
  imp_before: ['导入前', 'Before'],
  imp_after: ['导入后', 'After'],
  imp_change: ['变化', 'Change'],
  // joint-liability groups
  nav_groups: ['联保小组', 'Joint-liability groups'],
  grp_new: ['组建联保小组', 'Form a group'],
  grp_name: ['小组名称', 'Group name'],
  grp_size: ['人数', 'Size'],
  grp_members: ['小组成员', 'Members'],
  grp_pick: ['成员农户（同村，通常 3–5 户）', 'Member households (one village, usually 3–5)'],
  grp_addMember: ['添加成员', 'Add a member'],
  grp_add: ['添加', 'Add'],
  grp_remove: ['移出', 'Remove'],
  grp_removeConfirm: ['确认将该农户移出小组？', 'Remove this household from the group?'],
  grp_created: ['联保小组已组建', 'Group formed'],
  grp_memberAdded: ['成员已添加', 'Member added'],
  grp_memberRemoved: ['成员已移出', 'Member removed'],
  grp_dissolve: ['解散小组', 'Dissolve the group'],
  grp_dissolved: ['小组已解散', 'Group dissolved'],
  grp_joinedAt: ['加入时间', 'Joined'],
  grp_inOther: ['已在其他小组', 'In another group'],
  st_DISSOLVED: ['已解散', 'Dissolved'],
  // disbursement after the public notice
  nav_disbursements: ['放款', 'Disbursements'],
  dsb_title: ['待放款（公示期满无异议）', 'Ready to disburse (notice ended without objection)'],
  dsb_hint: [
    '已批准、公示期已结束且无人提出异议的互助资金贷款。放款从村级互助资金支付并生成还款计划；每笔只会支付一次。',
    'Approved mutual-aid loans whose public notice ended without objection. Disbursing pays from the village fund and fixes the schedule; each loan is paid once.',
  ],
  dsb_confirmTitle: ['确认放款', 'Confirm the disbursement'],
  dsb_confirmText: [
    '放款后资金将从互助资金支付给借款人，不能撤销。',
    'The fund pays the borrower; this cannot be undone.',
  ],
  dsb_done: ['放款成功', 'Disbursed'],
  dsb_result: ['放款结果', 'Disbursement'],
  dsb_seeLoans: ['在“贷款与还款”中查看', 'See it under Loans'],
  dsb_none: ['暂无公示期满待放款的贷款', 'No loan is ready to disburse'],
  dsb_rate: ['年利率', 'Annual rate'],
} as const satisfies Record<string, readonly [string, string]>;

/** Problem codes these screens meet that the main catalogue does not name. */
export const IMPORT_ERRORS: Record<string, readonly [string, string]> = {
  HOUSEHOLD_IN_GROUP: ['该农户已加入其他联保小组', 'The household is already in another group'],
  GROUP_HAS_ACTIVE_LOANS: [
    '小组成员尚有未结清借款，暂不能变更',
    'A member has a loan outstanding; the group cannot change now',
  ],
};

/** Field codes of the group rules (the API's text is the fallback). */
export const IMPORT_FIELD_ERRORS: Record<string, readonly [string, string]> = {
  GROUP_TOO_SMALL: ['小组人数低于下限', 'Fewer members than the minimum'],
  GROUP_TOO_LARGE: ['小组人数超过上限', 'More members than the maximum'],
  HOUSEHOLD_OTHER_VILLAGE: ['农户不属于本村', 'The household is of another village'],
  HOUSEHOLD_IN_GROUP: ['农户已在其他小组', 'The household is in another group'],
  HOUSEHOLD_ALREADY_MEMBER: ['农户已是本组成员', 'Already a member of this group'],
  HOUSEHOLD_DUPLICATE: ['农户重复', 'The household is listed twice'],
  HOUSEHOLD_NOT_FOUND: ['农户不存在', 'No such household'],
};
