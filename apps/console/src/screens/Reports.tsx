import { useQuery } from '@tanstack/react-query';
import { Card, Select, Space, Table } from 'antd';
import { useState } from 'react';
import { api, unwrap, type Page } from '../api/client.js';
import { formatDateTime } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { PageTitle } from './common.js';

interface Report {
  id: string;
  month: string;
  version: number;
  generatedAt: string;
  generatedBy: string;
  latest: boolean;
}
interface Ranking {
  month: string;
  ranking: { rank: number; districtName: string; score: string; rankChange: number | null; scoreChange: string | null }[];
}

export default function Reports() {
  const { t } = useI18n();
  const reports = useQuery({
    queryKey: ['reports'],
    queryFn: () => unwrap<Page<Report>>(api.GET('/api/v1/reports/monthly', { params: { query: { pageSize: 60 as never } } })),
  });
  const months = [...new Set((reports.data?.items ?? []).map((r) => r.month))];
  const [picked, setPicked] = useState<string | undefined>();
  const month = picked ?? months[0];
  const ranking = useQuery({
    queryKey: ['ranking', month],
    enabled: !!month,
    queryFn: () => unwrap<Ranking>(api.GET('/api/v1/reports/rankings/{month}', { params: { path: { month: month! } } })),
  });
  return (
    <div>
      <PageTitle
        extra={
          <Space>
            <span>{t('month')}</span>
            <Select style={{ width: 120 }} value={month} onChange={setPicked} options={months.map((m) => ({ value: m, label: m }))} />
          </Space>
        }
      >
        {t('nav_reports')}
      </PageTitle>
      {reports.error ? <ProblemAlert error={reports.error} /> : null}
      {month ? (
        <Card size="small" title={`${t('monthlyChart')} · ${month}`} style={{ marginBottom: 12 }}>
          <img src={`/api/v1/reports/monthly/${month}/chart.svg`} alt={`${t('monthlyChart')} ${month}`} style={{ maxWidth: '100%' }} />
        </Card>
      ) : null}
      <Card size="small" title={t('ranking')} style={{ marginBottom: 12 }}>
        <Table
          rowKey="rank"
          size="small"
          pagination={false}
          dataSource={ranking.data?.ranking ?? []}
          columns={[
            { title: t('rank'), dataIndex: 'rank' },
            { title: t('district'), dataIndex: 'districtName' },
            { title: t('score'), dataIndex: 'score', align: 'right' },
            { title: '±', dataIndex: 'rankChange', align: 'right' },
          ]}
        />
      </Card>
      <Table
        rowKey="id"
        size="small"
        loading={reports.isLoading}
        dataSource={(reports.data?.items ?? []).filter((r) => r.month === month)}
        pagination={false}
        columns={[
          { title: t('month'), dataIndex: 'month' },
          { title: t('version'), dataIndex: 'version' },
          { title: t('generatedAt'), dataIndex: 'generatedAt', render: formatDateTime },
          { title: t('actor'), dataIndex: 'generatedBy' },
          {
            title: t('download'),
            key: 'd',
            render: (_: unknown, r: Report) => (
              <Space>
                <a href={`/api/v1/reports/monthly/${r.month}?version=${r.version}&format=csv`}>CSV</a>
                <a href={`/api/v1/reports/monthly/${r.month}?version=${r.version}&format=xlsx`}>XLSX</a>
              </Space>
            ),
          },
        ]}
      />
    </div>
  );
}
