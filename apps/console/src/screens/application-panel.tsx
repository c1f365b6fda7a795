import { useQuery } from '@tanstack/react-query';
import { Button, Descriptions, Drawer, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../api/client.js';
import { formatDate } from '../lib/format.js';
import { FormModal, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { EligibilityResult, useEligibility } from './eligibility.js';
import { Money, StatusTag } from './common.js';

/** The statuses of an application not yet paid out: the loans screen lists them for the officer who took them. */
export const APPLICATION_STATUSES = ['SUBMITTED', 'GROUP_ENDORSED', 'IN_PUBLIC_NOTICE'] as const;

interface Application {
  id: string;
  loanNo: string;
  status: string;
  nextStep: string | null;
  groupId: string | null;
  borrower: { headName: string; idNumber: string } | null;
  villageName: string | null;
  principal: string;
  termMonths: number;
  purpose: string;
  applicationDate: string | null;
  createdBy: string;
  endorsedBy: string | null;
  endorsementNote: string | null;
  approvedBy: string | null;
  secondApprovedBy: string | null;
  needsSecondApproval: boolean;
  noticeEndsOn: string | null;
  version: number;
}

/**
 * An application on its way to the loan (submitted, endorsed, in its public notice): where it stands, what it
 * awaits, its eligibility rule by rule, and — while it awaits its joint-liability group — 记录小组联保, the group's
 * consent recorded by the loan officer (or a fund administrator: the API's roles) with the required note.
 */
export function ApplicationDrawer({ id, title, onClose }: { id: string; title: string; onClose(): void }) {
  const { t } = useI18n();
  const { me } = useSession();
  const [endorsing, setEndorsing] = useState(false);
  const app = useQuery({
    queryKey: ['application', id],
    queryFn: () => unwrap<Application>(api.GET('/api/v1/loan-applications/{id}', { params: { path: { id } } })),
  });
  const elig = useEligibility(id);
  const a = app.data;
  return (
    <Drawer open onClose={onClose} size="large" title={title}>
      {app.error ? <ProblemAlert error={app.error} /> : null}
      {a ? (
        <>
          <Descriptions size="small" column={2} bordered data-testid="application">
            <Descriptions.Item label={t('borrower')}>{a.borrower?.headName}</Descriptions.Item>
            <Descriptions.Item label={t('village')}>{a.villageName}</Descriptions.Item>
            <Descriptions.Item label={t('amount')}>
              <Money value={a.principal} />
            </Descriptions.Item>
            <Descriptions.Item label={t('termMonths')}>{a.termMonths}</Descriptions.Item>
            <Descriptions.Item label={t('purpose')}>{t(`purpose_${a.purpose}`)}</Descriptions.Item>
            <Descriptions.Item label={t('status')}>
              <StatusTag value={a.status} prefix="st_" />
            </Descriptions.Item>
            <Descriptions.Item label={t('app_nextStep')}>
              <span data-testid="next-step">{a.nextStep ? t(`ns_${a.nextStep}`) : '—'}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('app_endorsement')}>
              {a.endorsedBy ? `${a.endorsedBy} · ${a.endorsementNote ?? ''}` : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('firstApproval')}>{a.approvedBy ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('secondApproval')}>
              {a.needsSecondApproval ? (a.secondApprovedBy ?? t('needsSecond')) : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('noticeEnds')}>{formatDate(a.noticeEndsOn)}</Descriptions.Item>
          </Descriptions>
          <EligibilityResult query={elig} />
          {can(me, 'endorse') && a.nextStep === 'GROUP_ENDORSEMENT' ? (
            <Space style={{ marginTop: 12 }}>
              <Button type="primary" onClick={() => setEndorsing(true)}>
                {t('app_endorse')}
              </Button>
            </Space>
          ) : null}
          {endorsing ? <EndorseForm application={a} onClose={() => setEndorsing(false)} /> : null}
        </>
      ) : null}
    </Drawer>
  );
}

/** 记录小组联保: the group members' consent (the note is required, as the API requires it). */
function EndorseForm({ application, onClose }: { application: Application; onClose(): void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const id = application.id;
  // the endorse route takes no Idempotency-Key: it is a state transition guarded by the version read
  const write = useWrite(
    form,
    (v: { note: string }) =>
      unwrap(
        api.POST('/api/v1/loan-applications/{id}/endorse', { params: { path: { id } }, body: { note: v.note, version: application.version } }),
      ),
    {
      invalidate: [['application', id], ['eligibility', id], ['loans'], ['review-queue']],
      onSuccess: () => {
        toast(t('app_endorsed'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      name="endorse"
      title={`${t('app_endorse')} · ${application.loanNo}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate({ note: String(v.note ?? '') })}
      testId="endorse-form"
    >
      <p style={{ color: '#666' }}>{t('app_endorseHint')}</p>
      <Form.Item name="note" label={t('app_endorseNote')} rules={[rules.required, { max: 1000 }]}>
        <Input.TextArea rows={3} maxLength={1000} />
      </Form.Item>
    </FormModal>
  );
}
