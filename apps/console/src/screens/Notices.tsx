import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Table } from 'antd';
import { api, unwrap, type Page } from '../api/client.js';
import { formatDate, maskName } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import type { Application } from './Approvals.js';
import { Money, PageTitle } from './common.js';

/** Printing shows only the notice: no header, menu or buttons, black on white, rows kept whole. */
const PRINT_CSS = `
@media print {
  .ant-layout-header, .ant-layout-sider, .no-print { display: none !important; }
  .ant-layout, .ant-layout-content { background: #fff !important; padding: 0 !important; }
  .notice-sheet { font-size: 12pt; color: #000; }
  .notice-sheet table { border-collapse: collapse; width: 100%; }
  .notice-sheet th, .notice-sheet td { border: 1px solid #000 !important; padding: 4px 6px !important; }
  .notice-sheet tr { page-break-inside: avoid; }
  .ant-pagination { display: none !important; }
}`;

/**
 * The 公示 list: every application in its public notice, with the borrower's name masked, the amount and the day
 * objections close. Printable for the village notice board (the browser's print, styled by PRINT_CSS).
 */
export default function Notices() {
  const { t } = useI18n();
  const list = useQuery({
    queryKey: ['review-queue', 'IN_PUBLIC_NOTICE', 'notices'],
    queryFn: () =>
      unwrap<Page<Application>>(
        api.GET('/api/v1/loan-applications/review-queue', { params: { query: { status: 'IN_PUBLIC_NOTICE', pageSize: 100 as never } } }),
      ),
  });
  const date = useQuery({
    queryKey: ['business-date'],
    queryFn: () => unwrap<{ businessDate: string }>(api.GET('/api/v1/business-date')),
  });
  return (
    <div className="notice-sheet">
      <style>{PRINT_CSS}</style>
      <PageTitle
        extra={
          <Button className="no-print" onClick={() => window.print()}>
            {t('print')}
          </Button>
        }
      >
        {t('noticesTitle')}
      </PageTitle>
      <Alert type="info" showIcon={false} style={{ marginBottom: 12 }} message={t('noticesHint')} />
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        bordered
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        columns={[
          { title: '#', key: 'n', width: 48, render: (_: unknown, _r: Application, i: number) => i + 1 },
          { title: t('village'), dataIndex: 'villageName' },
          { title: t('borrower'), key: 'b', render: (_: unknown, r: Application) => <span data-testid="masked-name">{maskName(r.borrower?.headName)}</span> },
          { title: t('loanNo'), dataIndex: 'loanNo' },
          { title: t('amount'), dataIndex: 'principal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('termMonths'), dataIndex: 'termMonths', align: 'right' },
          { title: t('purpose'), dataIndex: 'purpose', render: (v: string) => t(`purpose_${v}`) },
          { title: t('objectionDeadline'), dataIndex: 'noticeEndsOn', render: formatDate },
        ]}
      />
      <p style={{ marginTop: 12, color: '#555' }}>
        {t('printedOn')}: {date.data?.businessDate ?? ''} · {list.data?.total ?? 0}
      </p>
    </div>
  );
}
