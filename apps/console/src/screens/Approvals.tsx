import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Descriptions, Drawer, Form, Input, Segmented, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap, type Page } from '../api/client.js';
import { formatDate } from '../lib/format.js';
import { useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { EligibilityResult, useEligibility } from './eligibility.js';
import { Money, PageTitle, StatusTag } from './common.js';

export interface Application {
  id: string;
  loanNo: string;
  status: string;
  householdId: string | null;
  borrower: { headName: string; idNumber: string; status: string } | null;
  villageName: string | null;
  principal: string;
  termMonths: number;
  purpose: string;
  applicationDate: string | null;
  createdBy: string;
  approvedBy: string | null;
  secondApprovedBy: string | null;
  needsSecondApproval: boolean;
  nextStep: string | null;
  noticeEndsOn: string | null;
  version: number;
}

const STATUSES = ['SUBMITTED', 'GROUP_ENDORSED', 'IN_PUBLIC_NOTICE', 'APPROVED'] as const;

export default function Approvals() {
  const { t } = useI18n();
  const [status, setStatus] = useState<(typeof STATUSES)[number] | 'ALL'>('ALL');
  const [open, setOpen] = useState<string | null>(null);
  const queue = useQuery({
    queryKey: ['review-queue', status],
    queryFn: () =>
      unwrap<Page<Application>>(
        api.GET('/api/v1/loan-applications/review-queue', {
          params: { query: status === 'ALL' ? {} : { status } },
        }),
      ),
  });
  return (
    <div>
      <PageTitle>{t('nav_approvals')}</PageTitle>
      <Segmented
        style={{ marginBottom: 12 }}
        value={status}
        onChange={(v) => setStatus(v as typeof status)}
        options={[{ label: '全部 / All', value: 'ALL' }, ...STATUSES.map((s) => ({ label: t(`st_${s}`), value: s }))]}
      />
      {queue.error ? <ProblemAlert error={queue.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={queue.isLoading}
        dataSource={queue.data?.items ?? []}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('loanNo'), dataIndex: 'loanNo', render: (v: string, r: Application) => (
              <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setOpen(r.id)}>
                {v}
              </Button>
            ),
          },
          { title: t('borrower'), key: 'b', render: (_: unknown, r: Application) => r.borrower?.headName ?? '—' },
          { title: t('village'), dataIndex: 'villageName' },
          { title: t('amount'), dataIndex: 'principal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('termMonths'), dataIndex: 'termMonths', align: 'right' },
          { title: t('applicationDate'), dataIndex: 'applicationDate', render: formatDate },
          { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
          {
            title: t('needsSecond'),
            dataIndex: 'needsSecondApproval',
            render: (v: boolean) => (v ? <Tag color="purple">{t('yes')}</Tag> : t('no')),
          },
        ]}
      />
      {open ? <ApplicationDrawer id={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

function ApplicationDrawer({ id, onClose }: { id: string; onClose(): void }) {
  const { t } = useI18n();
  const { me } = useSession();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [reasonFor, setReasonFor] = useState<'reject' | 'object' | null>(null);
  const [form] = Form.useForm<{ text: string }>();
  const app = useQuery({
    queryKey: ['application', id],
    queryFn: () => unwrap<Application>(api.GET('/api/v1/loan-applications/{id}', { params: { path: { id } } })),
  });
  const elig = useEligibility(id);
  const done = (label: string) => {
    void message.success(label);
    void qc.invalidateQueries({ queryKey: ['review-queue'] });
    void qc.invalidateQueries({ queryKey: ['application', id] });
    void qc.invalidateQueries({ queryKey: ['eligibility', id] });
  };
  const act = useMutation({
    mutationFn: async (a: { kind: 'approve' | 'reject' | 'object'; text?: string }) => {
      const version = app.data?.version;
      const path = { id };
      if (a.kind === 'approve')
        return unwrap(api.POST('/api/v1/loan-applications/{id}/approve', { params: { path }, body: { comment: a.text, version } as never }));
      if (a.kind === 'reject')
        return unwrap(api.POST('/api/v1/loan-applications/{id}/reject', { params: { path }, body: { reason: a.text ?? '', version } as never }));
      return unwrap(api.POST('/api/v1/loan-applications/{id}/object', { params: { path }, body: { reason: a.text ?? '', version } as never }));
    },
    onSuccess: (_d, a) => {
      setReasonFor(null);
      form.resetFields();
      done(t(a.kind === 'approve' ? 'approved' : a.kind === 'reject' ? 'rejected' : 'saved'));
    },
  });
  // one Idempotency-Key per submission (the shared rule of the write forms): a retry after a lost answer, or a
  // second click while the first is on its way, repeats the first key, so the API pays out once
  const disburse = useWrite(
    null,
    (loanId: string, header) =>
      unwrap(api.POST('/api/v1/loan-applications/{id}/disburse', { params: { path: { id: loanId }, header }, body: {} as never })),
    {
      invalidate: [['loans'], ['funds'], ['statement']],
      onSuccess: () => done(t('disbursed')),
    },
  );
  const a = app.data;
  const mayDecide = can(me, 'approve') && a && ['SUBMITTED', 'GROUP_ENDORSED'].includes(a.status);
  // the second approval must come from another administrator (the API refuses the first approver again)
  const ownFirst = a?.nextStep === 'SECOND_APPROVAL' && a.approvedBy === me?.username;
  return (
    <Drawer open onClose={onClose} size="large" title={a ? `${a.loanNo} · ${a.borrower?.headName ?? ''}` : t('loading')}>
      {app.error ? <ProblemAlert error={app.error} /> : null}
      {a ? (
        <>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('borrower')}>{a.borrower?.headName}</Descriptions.Item>
            <Descriptions.Item label={t('idNumber')}>{a.borrower?.idNumber}</Descriptions.Item>
            <Descriptions.Item label={t('amount')}>
              <Money value={a.principal} />
            </Descriptions.Item>
            <Descriptions.Item label={t('termMonths')}>{a.termMonths}</Descriptions.Item>
            <Descriptions.Item label={t('purpose')}>{t(`purpose_${a.purpose}`)}</Descriptions.Item>
            <Descriptions.Item label={t('status')}>
              <StatusTag value={a.status} prefix="st_" />
            </Descriptions.Item>
            <Descriptions.Item label={t('firstApproval')}>{a.approvedBy ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('secondApproval')}>
              {a.needsSecondApproval ? (a.secondApprovedBy ?? t('needsSecond')) : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('noticeEnds')}>{formatDate(a.noticeEndsOn)}</Descriptions.Item>
          </Descriptions>
          <EligibilityResult query={elig} detailed />
          <p style={{ color: '#666', marginTop: 12 }}>{t('makerChecker')}</p>
          {act.error ? <ProblemAlert error={act.error} /> : null}
          {disburse.error ? <ProblemAlert error={disburse.error} /> : null}
          {can(me, 'approve') ? (
            <Space style={{ marginTop: 12 }} wrap>
              {mayDecide ? (
                <>
                  <Button type="primary" disabled={ownFirst} loading={act.isPending} onClick={() => act.mutate({ kind: 'approve' })}>
                    {t('approve')}
                  </Button>
                  {ownFirst ? <span data-testid="own-first-approval">{t('app_secondByOther')}</span> : null}
                  <Button danger onClick={() => setReasonFor('reject')}>
                    {t('reject')}
                  </Button>
                </>
              ) : null}
              {a.status === 'IN_PUBLIC_NOTICE' ? <Button onClick={() => setReasonFor('object')}>{t('object')}</Button> : null}
              {can(me, 'disburse') && a.status === 'APPROVED' ? (
                <Button type="primary" loading={disburse.isPending} onClick={() => disburse.mutate(a.id)}>
                  {t('disburse')}
                </Button>
              ) : null}
            </Space>
          ) : null}
          {reasonFor ? (
            <Form
              name="approvals1"
              form={form}
              layout="vertical"
              style={{ marginTop: 12 }}
              onFinish={(v) => act.mutate({ kind: reasonFor, text: v.text })}
            >
              <Form.Item
                label={t('reason')}
                name="text"
                rules={[{ required: true, whitespace: true, message: t('reasonRequired') }]}
              >
                <Input.TextArea rows={3} />
              </Form.Item>
              <Space>
                <Button htmlType="submit" danger type="primary" loading={act.isPending}>
                  {t(reasonFor)}
                </Button>
                <Button onClick={() => setReasonFor(null)}>{t('cancel')}</Button>
              </Space>
            </Form>
          ) : null}
        </>
      ) : null}
    </Drawer>
  );
}
