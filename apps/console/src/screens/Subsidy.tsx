import { useQuery } from '@tanstack/react-query';
import { Button, Card, Popconfirm, Space, Table } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDate } from '../lib/format.js';
import { useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle, StatusTag } from './common.js';
import { GenerateClaimsForm, SettleClaimForm } from './subsidy-forms.js';

type Programme = components['schemas']['SubsidyProgrammeResponse'];
type SubsidyClaim = components['schemas']['SubsidyClaimResponse'];

/** Interest-subsidy programmes (their available budget and what is set aside or owed to banks) and the claims generated per period. */
export default function Subsidy() {
  const { t } = useI18n();
  const { me } = useSession();
  const toast = useToast();
  const [page, setPage] = useState(1);
  const [generating, setGenerating] = useState<Programme | null>(null);
  const [settling, setSettling] = useState<SubsidyClaim | null>(null);
  const approve = useWrite(
    null,
    (id: string, header) => unwrap(api.POST('/api/v1/subsidy/claims/{id}/approve', { params: { path: { id }, header } })),
    { invalidate: [['subsidy-claims'], ['subsidy-programmes']], onSuccess: () => toast(t('f_approved')) },
  );
  const programmes = useQuery({
    queryKey: ['subsidy-programmes'],
    queryFn: () => unwrap<{ items: Programme[] }>(api.GET('/api/v1/subsidy/programmes', { params: { query: { pageSize: 100 } } })),
  });
  const claims = useQuery({
    queryKey: ['subsidy-claims', page],
    queryFn: () =>
      unwrap<{ items: SubsidyClaim[]; total: number; totalAmount: string }>(
        api.GET('/api/v1/subsidy/claims', { params: { query: { page, pageSize: 20 } } }),
      ),
  });
  const names = new Map((programmes.data?.items ?? []).map((p) => [p.id, p.name]));
  return (
    <div>
      <PageTitle>{t('nav_subsidy')}</PageTitle>
      <Card size="small" title={t('programmes')} style={{ marginBottom: 12 }}>
        {programmes.error ? <ProblemAlert error={programmes.error} /> : null}
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          loading={programmes.isLoading}
          dataSource={programmes.data?.items ?? []}
          columns={[
            { title: t('code'), dataIndex: 'code' },
            { title: t('name'), dataIndex: 'name' },
            { title: t('settlementMode'), dataIndex: 'settlementMode', render: (v: string) => t(`sm_${v}`) },
            {
              title: t('budgetAvailable'),
              key: 'available',
              align: 'right',
              render: (_: unknown, r: Programme) => (
                <span data-testid="subsidy-available">
                  <Money value={r.position.available} />
                </span>
              ),
            },
            { title: t('setAside'), key: 'aside', align: 'right', render: (_: unknown, r: Programme) => <Money value={r.position.setAside} /> },
            { title: t('payableToBanks'), key: 'pay', align: 'right', render: (_: unknown, r: Programme) => <Money value={r.position.payableToBanks} /> },
            { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
            ...(can(me, 'generateSubsidy')
              ? [
                  {
                    title: t('actions'),
                    key: 'actions',
                    render: (_: unknown, r: Programme) => (
                      <Button size="small" onClick={() => setGenerating(r)}>{t('f_generateClaims')}</Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      {generating ? <GenerateClaimsForm programme={generating} onClose={() => setGenerating(null)} /> : null}
      {settling ? <SettleClaimForm claim={settling} onClose={() => setSettling(null)} /> : null}
      <Card size="small" title={t('subsidyClaims')}>
        {claims.error ? <ProblemAlert error={claims.error} /> : null}
        {approve.error ? <ProblemAlert error={approve.error} /> : null}
        <Table
          rowKey="id"
          size="small"
          loading={claims.isLoading}
          dataSource={claims.data?.items ?? []}
          pagination={{ current: page, pageSize: 20, total: claims.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          columns={[
            { title: t('f_subsidyClaimNo'), dataIndex: 'claimNo' },
            { title: t('programmes'), dataIndex: 'programmeId', render: (v: string) => names.get(v) ?? v },
            { title: t('periodEnd'), key: 'period', render: (_: unknown, r: SubsidyClaim) => formatDate(r.period.end) },
            { title: t('lines'), dataIndex: 'lineCount', align: 'right' },
            { title: t('interest'), dataIndex: 'interest', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: t('totalAmount'), dataIndex: 'total', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="sc_" /> },
            ...(can(me, 'decideSubsidy')
              ? [
                  {
                    title: t('actions'),
                    key: 'actions',
                    render: (_: unknown, r: SubsidyClaim) => (
                      <Space>
                        {r.status === 'DRAFT' ? (
                          <Popconfirm title={`${t('f_approve')} ${r.claimNo}?`} onConfirm={() => approve.mutate(r.id)} okText={t('confirm')} cancelText={t('cancel')}>
                            <Button size="small" type="primary" loading={approve.isPending && approve.variables === r.id}>{t('f_approve')}</Button>
                          </Popconfirm>
                        ) : null}
                        {r.status === 'APPROVED' ? <Button size="small" onClick={() => setSettling(r)}>{t('f_settle')}</Button> : null}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
          footer={() => (
            <span>
              {t('totalAmount')}: <Money value={claims.data?.totalAmount} />
            </span>
          )}
        />
      </Card>
    </div>
  );
}
