import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Form, Input, Row, Segmented, Space, Statistic, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap, type Page } from '../api/client.js';
import { formatDateTime } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle } from './common.js';

interface Run {
  id: string;
  bankCode: string;
  asOfDate: string;
  createdAt: string;
  status: string;
  rows: { total: number; valid: number; malformed: number };
  summary: Record<'matched' | 'amountDifferences' | 'statusDifferences' | 'onlyInBank' | 'onlyInEngine' | 'malformed', { count: number }>;
}
interface Side {
  outstandingPrincipal: string | null;
  status: string | null;
}
interface Line {
  id: string;
  lineNo: number | null;
  category: string;
  bankLoanRef: string | null;
  bank: Side | null;
  engine: Side | null;
  difference: { outstandingPrincipal: string | null } | null;
}
const CATS = ['MATCHED', 'AMOUNT_DIFF', 'STATUS_DIFF', 'ONLY_IN_BANK', 'ONLY_IN_ENGINE', 'MALFORMED'] as const;
const CAT_LABEL: Record<string, string> = {
  MATCHED: 'matched',
  AMOUNT_DIFF: 'differences',
  STATUS_DIFF: 'differences',
  ONLY_IN_BANK: 'onlyInBank',
  ONLY_IN_ENGINE: 'onlyInEngine',
};

export default function Reconciliation() {
  const { t } = useI18n();
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [runId, setRunId] = useState<string | null>(null);
  const [cat, setCat] = useState<(typeof CATS)[number] | 'ALL'>('ALL');
  const [file, setFile] = useState<File | null>(null);
  const runs = useQuery({
    queryKey: ['recon-runs'],
    queryFn: () => unwrap<Page<Run>>(api.GET('/api/v1/reconciliation/runs')),
  });
  const run = useQuery({
    queryKey: ['recon-run', runId],
    enabled: !!runId,
    queryFn: () => unwrap<Run>(api.GET('/api/v1/reconciliation/runs/{id}', { params: { path: { id: runId! } } })),
  });
  const lines = useQuery({
    queryKey: ['recon-lines', runId, cat],
    enabled: !!runId,
    queryFn: () =>
      unwrap<Page<Line>>(
        api.GET('/api/v1/reconciliation/runs/{id}/lines', {
          params: { path: { id: runId! }, query: cat === 'ALL' ? { pageSize: 200 as never } : { category: cat, pageSize: 200 as never } },
        }),
      ),
  });
  const upload = useMutation({
    mutationFn: async (v: { asOfDate: string }) => {
      const text = await file!.text();
      return unwrap<Run>(
        api.POST('/api/v1/reconciliation/runs', {
          params: { query: { asOfDate: v.asOfDate, format: 'csv' } as never },
          body: text as never,
          bodySerializer: (b: unknown) => b as string,
          headers: { 'Content-Type': 'text/csv' },
        }),
      );
    },
    onSuccess: (r) => {
      void message.success(t('saved'));
      void qc.invalidateQueries({ queryKey: ['recon-runs'] });
      setRunId(r.id);
    },
  });
  return (
    <div>
      <PageTitle>{t('nav_recon')}</PageTitle>
      {can(me, 'uploadRecon') ? (
        <Card size="small" title={t('uploadStatement')} style={{ marginBottom: 12 }}>
          <Form name="reconciliation1" layout="inline" onFinish={(v) => upload.mutate(v)}>
            <Form.Item label={t('asOf')} name="asOfDate" rules={[{ required: true, pattern: /^\d{4}-\d{2}-\d{2}$/, message: 'YYYY-MM-DD' }]}>
              <Input placeholder="YYYY-MM-DD" style={{ width: 130 }} />
            </Form.Item>
            <Form.Item label={t('statementFile')} required>
              <input type="file" accept=".csv,text/csv" aria-label={t('statementFile')} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </Form.Item>
            <Button type="primary" htmlType="submit" disabled={!file} loading={upload.isPending}>
              {t('uploadStatement')}
            </Button>
          </Form>
          {upload.error ? <ProblemAlert error={upload.error} /> : null}
        </Card>
      ) : null}
      {runs.error ? <ProblemAlert error={runs.error} /> : null}
      <Card size="small" title={t('runs')} style={{ marginBottom: 12 }}>
        <Table
          rowKey="id"
          size="small"
          loading={runs.isLoading}
          dataSource={runs.data?.items ?? []}
          pagination={false}
          onRow={(r) => ({ onClick: () => setRunId(r.id), style: { cursor: 'pointer' } })}
          columns={[
            { title: 'ID', dataIndex: 'id' },
            { title: 'Bank', dataIndex: 'bankCode' },
            { title: t('asOf'), dataIndex: 'asOfDate' },
            { title: t('status'), dataIndex: 'status' },
            { title: t('time'), dataIndex: 'createdAt', render: formatDateTime },
            {
              title: t('download'),
              key: 'd',
              render: (_: unknown, r: Run) => (
                <a href={`/api/v1/reconciliation/runs/${r.id}/report.csv`} onClick={(e) => e.stopPropagation()}>
                  {t('downloadReport')}
                </a>
              ),
            },
          ]}
        />
      </Card>
      {runId ? (
        <Card size="small" title={`#${runId}`}>
          {run.data ? (
            <Row gutter={12} style={{ marginBottom: 12 }} data-testid="recon-summary">
              {(
                [
                  ['matched', run.data.summary.matched.count],
                  ['differences', run.data.summary.amountDifferences.count + run.data.summary.statusDifferences.count],
                  ['onlyInBank', run.data.summary.onlyInBank.count],
                  ['onlyInEngine', run.data.summary.onlyInEngine.count],
                ] as const
              ).map(([k, n]) => (
                <Col span={6} key={k}>
                  <Statistic title={t(k)} value={n} />
                </Col>
              ))}
            </Row>
          ) : null}
          <Space style={{ marginBottom: 8 }}>
            <Segmented
              value={cat}
              onChange={(v) => setCat(v as typeof cat)}
              options={['ALL', ...CATS].map((c) => ({ value: c, label: c === 'ALL' ? '全部 / All' : CAT_LABEL[c] ? `${t(CAT_LABEL[c])} (${c})` : c }))}
            />
          </Space>
          <Table
            rowKey="id"
            size="small"
            loading={lines.isLoading}
            dataSource={lines.data?.items ?? []}
            columns={[
              { title: '#', dataIndex: 'lineNo' },
              { title: t('category'), dataIndex: 'category', render: (v: string) => <Tag color={v === 'MATCHED' ? 'green' : 'red'}>{CAT_LABEL[v] ? t(CAT_LABEL[v]) : v}</Tag> },
              { title: t('bankLoanRef'), dataIndex: 'bankLoanRef' },
              { title: `${t('outstanding')} (${t('bankSide')})`, key: 'b', align: 'right', render: (_: unknown, r: Line) => <Money value={r.bank?.outstandingPrincipal} /> },
              { title: `${t('outstanding')} (${t('engineSide')})`, key: 'e', align: 'right', render: (_: unknown, r: Line) => <Money value={r.engine?.outstandingPrincipal} /> },
              { title: t('differences'), key: 'd', align: 'right', render: (_: unknown, r: Line) => <Money value={r.difference?.outstandingPrincipal} /> },
            ]}
          />
        </Card>
      ) : null}
    </div>
  );
}
