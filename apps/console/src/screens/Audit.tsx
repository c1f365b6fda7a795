import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Table } from 'antd';
import { useState } from 'react';
import { api, unwrap, type Page } from '../api/client.js';
import { formatDateTime } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { PageTitle } from './common.js';

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  entityType: string;
  entityId: string;
}
interface Verify {
  ok: boolean;
  checkedAt: string;
  accounts: number;
  entries: number;
  postings: number;
}

export default function Audit() {
  const { t } = useI18n();
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [page, setPage] = useState(1);
  const verify = useQuery({ queryKey: ['ledger-verify'], queryFn: () => unwrap<Verify>(api.GET('/api/v1/ledger/verify')) });
  const log = useQuery({
    queryKey: ['audit', filter, page],
    queryFn: () =>
      unwrap<Page<AuditRow>>(api.GET('/api/v1/audit', { params: { query: { ...filter, page: page as never, pageSize: 20 as never } } })),
  });
  return (
    <div>
      <PageTitle>{t('nav_audit')}</PageTitle>
      {verify.data ? (
        <Alert
          style={{ marginBottom: 12 }}
          type={verify.data.ok ? 'success' : 'error'}
          showIcon
          title={`${t('ledgerVerify')}: ${verify.data.ok ? t('ledgerOk') : t('ledgerBad')}`}
          description={`${formatDateTime(verify.data.checkedAt)} · accounts ${verify.data.accounts} · entries ${verify.data.entries} · postings ${verify.data.postings}`}
        />
      ) : verify.error ? (
        <ProblemAlert error={verify.error} />
      ) : null}
      <Form
        name="audit1"
        layout="inline"
        style={{ marginBottom: 12 }}
        onFinish={(v: Record<string, string>) => {
          setPage(1);
          setFilter(Object.fromEntries(Object.entries(v).filter(([, x]) => x)));
        }}
      >
        <Form.Item label={t('actor')} name="actor">
          <Input allowClear style={{ width: 130 }} />
        </Form.Item>
        <Form.Item label={t('action')} name="action">
          <Input allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item label={t('entity')} name="entityType">
          <Input allowClear style={{ width: 110 }} />
        </Form.Item>
        <Form.Item label={t('from')} name="from" rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/, message: 'YYYY-MM-DD' }]}>
          <Input allowClear placeholder="YYYY-MM-DD" style={{ width: 120 }} />
        </Form.Item>
        <Form.Item label={t('to')} name="to" rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/, message: 'YYYY-MM-DD' }]}>
          <Input allowClear placeholder="YYYY-MM-DD" style={{ width: 120 }} />
        </Form.Item>
        <Button htmlType="submit">{t('search')}</Button>
      </Form>
      {log.error ? <ProblemAlert error={log.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={log.isLoading}
        dataSource={log.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: log.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('time'), dataIndex: 'at', render: formatDateTime },
          { title: t('actor'), dataIndex: 'actor' },
          { title: t('role'), dataIndex: 'role', render: (v: string) => t(`role_${v}`) },
          { title: t('action'), dataIndex: 'action' },
          { title: t('entity'), key: 'e', render: (_: unknown, r: AuditRow) => `${r.entityType} #${r.entityId}` },
        ]}
      />
    </div>
  );
}
