/**
 * The labels of an application on its way to the loan (the loans screen's application drawer, the group's
 * endorsement, the second approval): [中文, English], merged into the one catalogue by messages.ts.
 */
export const APPLICATION_LABELS = {
  app_nextStep: ['下一步', 'Next step'],
  app_endorsement: ['小组联保', 'Group endorsement'],
  app_endorse: ['记录小组联保', 'Record the group endorsement'],
  app_endorseNote: ['小组意见（会议记录）', "The group's consent (meeting record)"],
  app_endorseHint: [
    '联保小组成员同意为该笔贷款承担连带责任后，由信贷员记录小组会议的意见。',
    "Once the joint-liability group's members agree to back this loan, the loan officer records their consent.",
  ],
  app_endorsed: ['小组联保已记录', 'Group endorsement recorded'],
  app_secondByOther: ['初审已由您完成，复审须由另一位管理员完成', 'You gave the first approval: another administrator must give the second'],
  ns_SUBMISSION: ['待提交', 'Submission'],
  ns_GROUP_ENDORSEMENT: ['待小组联保', 'Group endorsement'],
  ns_APPROVAL: ['待审批', 'Approval'],
  ns_SECOND_APPROVAL: ['待第二人复审', 'Second approval'],
  ns_PUBLIC_NOTICE: ['公示中', 'Public notice'],
  ns_DISBURSEMENT: ['待放款', 'Disbursement'],
} as const satisfies Record<string, readonly [string, string]>;
