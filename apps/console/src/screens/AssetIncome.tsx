import { useQuery } from '@tanstack/react-query';
import { Button, Card, Table } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDate, formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { AssetIncomeRuns } from './asset-income-forms.js';
import { Money, PageTitle, StatusTag } from './common.js';

type Project = components['schemas']['AssetIncomeProjectResponse'];
type Run = components['schemas']['AssetIncomeRunResponse'];

/** Asset-income projects (the special fund injected into an operator, quantified as shares) and their yearly dividend runs. */
export default function AssetIncome() {
  const { t } = useI18n();
  const { me } = useSession();
  const [page, setPage] = useState(1);
  const [running, setRunning] = useState<Project | null>(null);
  const projects = useQuery({
    queryKey: ['asset-income-projects', page],
    queryFn: () =>
      unwrap<{ items: Project[]; total: number }>(api.GET('/api/v1/asset-income/projects', { params: { query: { page, pageSize: 20 } } })),
  });
  const runs = useQuery({
    queryKey: ['asset-income-runs'],
    queryFn: () => unwrap<{ items: Run[]; total: number }>(api.GET('/api/v1/asset-income/distributions', { params: { query: { pageSize: 100 } } })),
  });
  const names = new Map((projects.data?.items ?? []).map((p) => [p.id, p.name]));
  return (
    <div>
      <PageTitle>{t('nav_assetIncome')}</PageTitle>
      <Card size="small" title={t('projects')} style={{ marginBottom: 12 }}>
        {projects.error ? <ProblemAlert error={projects.error} /> : null}
        <Table
          rowKey="id"
          size="small"
          loading={projects.isLoading}
          dataSource={projects.data?.items ?? []}
          pagination={{ current: page, pageSize: 20, total: projects.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          columns={[
            { title: t('name'), dataIndex: 'name' },
            { title: t('village'), dataIndex: 'villageName' },
            { title: t('operator'), dataIndex: 'entityName' },
            { title: t('purpose'), dataIndex: 'businessType', render: (v: string) => t(`purpose_${v}`) },
            {
              title: t('specialFund'),
              dataIndex: 'specialFund',
              align: 'right',
              render: (v: string) => (
                <span data-testid="special-fund">
                  <Money value={v} />
                </span>
              ),
            },
            { title: t('capital'), dataIndex: 'totalCapital', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: t('floorRate'), dataIndex: 'floorRatePercent', align: 'right', render: (v: string) => formatPercent(v) },
            { title: t('injectedOn'), dataIndex: 'injectedOn', render: formatDate },
            { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
            ...(can(me, 'runAssetIncome')
              ? [
                  {
                    title: t('actions'),
                    key: 'actions',
                    render: (_: unknown, r: Project) =>
                      r.status === 'LIQUIDATED' ? null : (
                        <Button size="small" onClick={() => setRunning(r)}>{t('f_distributeThis')}</Button>
                      ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      {running ? <AssetIncomeRuns project={running} onClose={() => setRunning(null)} /> : null}
      <Card size="small" title={t('distributions')}>
        {runs.error ? <ProblemAlert error={runs.error} /> : null}
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          loading={runs.isLoading}
          dataSource={runs.data?.items ?? []}
          columns={[
            { title: t('projects'), dataIndex: 'projectId', render: (v: string) => names.get(v) ?? v },
            { title: t('year'), dataIndex: 'year' },
            { title: t('netProfit'), dataIndex: 'netProfit', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: t('distributable'), dataIndex: 'distributable', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: t('paidNow'), dataIndex: 'paidNow', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: t('householdsBenefited'), dataIndex: 'householdsBenefited', align: 'right' },
            { title: t('paidOn'), dataIndex: 'paidOn', render: formatDate },
            { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
          ]}
        />
      </Card>
    </div>
  );
}
