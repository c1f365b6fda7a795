import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Segmented, Space, Table } from 'antd';
import { useState } from 'react';
import { api, idem, unwrap, type components } from '../api/client.js';
import { formatDate, formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { RecoveryForm } from './bank-forms.js';
import { Money, PageTitle, StatusTag } from './common.js';

type Claim = components['schemas']['CompensationClaimResponse'];
type ClaimDetail = components['schemas']['CompensationClaimDetailResponse'];
const STATUSES = ['FILED', 'PAID', 'REJECTED'] as const;

/**
 * Compensation claims filed by the banks on covered loans in default: the fund's and the bank's shares, and for a fund
 * administrator the decision (approve pays the fund's share; reject needs a reason). A bank sees its own claims.
 */
export default function Claims() {
  const { t } = useI18n();
  const { me } = useSession();
  const [status, setStatus] = useState<(typeof STATUSES)[number] | 'ALL'>('ALL');
  const [page, setPage] = useState(1);
  const [rejecting, setRejecting] = useState<Claim | null>(null);
  const [recovering, setRecovering] = useState<Claim | null>(null);
  const list = useQuery({
    queryKey: ['compensation-claims', status, page],
    queryFn: () =>
      unwrap<{ items: Claim[]; total: number }>(
        api.GET('/api/v1/compensation-claims', {
          params: { query: { page, pageSize: 20, ...(status === 'ALL' ? {} : { status }) } },
        }),
      ),
  });
  const decider = can(me, 'decideClaim');
  const recoverer = can(me, 'recordRecovery');
  return (
    <div>
      <PageTitle>{t('nav_claims')}</PageTitle>
      <Segmented
        style={{ marginBottom: 12 }}
        value={status}
        onChange={(v) => {
          setStatus(v as typeof status);
          setPage(1);
        }}
        options={[{ label: '全部 / All', value: 'ALL' }, ...STATUSES.map((s) => ({ label: t(`st_${s}`), value: s }))]}
      />
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        expandable={{ rowExpandable: (r: Claim) => r.recovered !== '0.00', expandedRowRender: (r: Claim) => <Recoveries claimId={r.id} /> }}
        columns={[
          { title: t('claimNo'), dataIndex: 'claimNo' },
          { title: t('filedOn'), dataIndex: 'filedOn', render: formatDate },
          { title: t('daysOverdue'), dataIndex: 'daysOverdue', align: 'right' },
          { title: t('claimMode'), dataIndex: 'mode', render: (v: string) => t(`mode_${v}`) },
          { title: t('claimed'), dataIndex: 'claimed', align: 'right', render: (v: string) => <Money value={v} /> },
          {
            title: t('fundAmount'),
            key: 'fund',
            align: 'right',
            render: (_: unknown, r: Claim) => (
              <>
                <Money value={r.fundAmount} /> <small>({formatPercent(r.fundSharePercent)})</small>
              </>
            ),
          },
          { title: t('bankAmount'), dataIndex: 'bankAmount', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
          { title: t('b_recovered'), dataIndex: 'recovered', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('reason'), dataIndex: 'decisionReason', render: (v: string | null) => v ?? '' },
          ...(recoverer
            ? [
                {
                  title: t('b_recoveryColumn'),
                  key: 'recover',
                  render: (_: unknown, r: Claim) =>
                    r.status === 'PAID' ? (
                      <Button size="small" onClick={() => setRecovering(r)} data-testid={`recover-${r.claimNo}`}>
                        {t('b_recordRecovery')}
                      </Button>
                    ) : null,
                },
              ]
            : []),
          ...(decider
            ? [
                {
                  title: t('actions'),
                  key: 'act',
                  render: (_: unknown, r: Claim) => (r.status === 'FILED' ? <Decide claim={r} onReject={() => setRejecting(r)} /> : null),
                },
              ]
            : []),
        ]}
      />
      {rejecting ? <RejectClaim claim={rejecting} onClose={() => setRejecting(null)} /> : null}
      {recovering ? <RecoveryForm claim={recovering} onClose={() => setRecovering(null)} /> : null}
    </div>
  );
}

function Decide({ claim, onReject }: { claim: Claim; onReject(): void }) {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const approve = useMutation({
    mutationFn: () =>
      unwrap<Claim>(api.POST('/api/v1/compensation-claims/{id}/approve', { params: { path: { id: claim.id }, header: idem() }, body: {} })),
    onSuccess: () => {
      void message.success(t('claimApproved'));
      void qc.invalidateQueries({ queryKey: ['compensation-claims'] });
    },
    onError: (e) => modal.error({ title: t('errorTitle'), content: <ProblemAlert error={e} /> }),
  });
  return (
    <Space>
      <Button
        size="small"
        type="primary"
        loading={approve.isPending}
        onClick={() =>
          modal.confirm({
            title: `${t('approve')} ${claim.claimNo}`,
            content: `${t('fundAmount')}: ${claim.fundAmount}`,
            onOk: () => approve.mutate(),
          })
        }
      >
        {t('approve')}
      </Button>
      <Button size="small" danger onClick={onReject}>
        {t('reject')}
      </Button>
    </Space>
  );
}

function RejectClaim({ claim, onClose }: { claim: Claim; onClose(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const reject = useMutation({
    mutationFn: (reason: string) =>
      unwrap<Claim>(api.POST('/api/v1/compensation-claims/{id}/reject', { params: { path: { id: claim.id } }, body: { reason } })),
    onSuccess: () => {
      void message.success(t('claimRejected'));
      void qc.invalidateQueries({ queryKey: ['compensation-claims'] });
      onClose();
    },
  });
  return (
    <Modal open title={`${t('reject')} ${claim.claimNo}`} onCancel={onClose} footer={null}>
      <Form name="reject-claim" layout="vertical" onFinish={(v: { reason: string }) => reject.mutate(v.reason)}>
        <Form.Item label={t('reason')} name="reason" rules={[{ required: true, whitespace: true, message: t('reasonRequired') }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        {reject.error ? <ProblemAlert error={reject.error} /> : null}
        <Space>
          <Button type="primary" danger htmlType="submit" loading={reject.isPending}>
            {t('reject')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Modal>
  );
}

/** The recoveries recorded on a paid claim, each with its split between the fund and the bank. */
function Recoveries({ claimId }: { claimId: string }) {
  const { t } = useI18n();
  const detail = useQuery({
    queryKey: ['compensation-claim', claimId],
    queryFn: () => unwrap<ClaimDetail>(api.GET('/api/v1/compensation-claims/{id}', { params: { path: { id: claimId } } })),
  });
  if (detail.error) return <ProblemAlert error={detail.error} />;
  return (
    <Table
      rowKey="id"
      size="small"
      pagination={false}
      loading={detail.isLoading}
      dataSource={detail.data?.recoveries ?? []}
      title={() => t('b_recoveries')}
      columns={[
        { title: t('b_recoveredOn'), dataIndex: 'recoveredOn', render: formatDate },
        { title: t('b_recoveryAmount'), dataIndex: 'amount', align: 'right', render: (v: string) => <Money value={v} /> },
        { title: t('b_fundPart'), dataIndex: 'fundPart', align: 'right', render: (v: string) => <Money value={v} /> },
        { title: t('b_bankPart'), dataIndex: 'bankPart', align: 'right', render: (v: string) => <Money value={v} /> },
        { title: t('b_memo'), dataIndex: 'memo', render: (v: string | null) => v ?? '' },
      ]}
    />
  );
}
