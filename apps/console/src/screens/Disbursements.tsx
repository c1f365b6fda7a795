import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Modal, Table } from 'antd';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, idem, unwrap, type components, type Page } from '../api/client.js';
import { formatDate, formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { Money, PageTitle, StatusTag } from './common.js';

type Loan = components['schemas']['LoanResponse'];
type LoanDetail = components['schemas']['LoanDetailResponse'];

/** The queue statuses a loan waits for its money in: approved (no notice), or in a notice that may have ended. */
const WAITING = ['IN_PUBLIC_NOTICE', 'APPROVED'] as const;

/**
 * Disbursement after the public notice: the approved mutual-aid loans whose notice ended without objection (an
 * objection sends the loan back to review, so what is still IN_PUBLIC_NOTICE after its last day had none), the API's
 * `nextStep` DISBURSEMENT. Each loan's submission carries one Idempotency-Key, kept for every retry of it: a second
 * click (or a retry after a lost answer) gets the first disbursement's answer, never a second payout.
 */
export default function Disbursements() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const keys = useRef(new Map<string, ReturnType<typeof idem>>());
  // a click while the request is on its way (a double click) sends nothing more
  const sending = useRef(false);
  const [confirming, setConfirming] = useState<Loan | null>(null);
  const [paid, setPaid] = useState<LoanDetail | null>(null);
  const queue = useQuery({
    queryKey: ['review-queue', 'disbursable'],
    queryFn: async () => {
      const pages = await Promise.all(
        WAITING.map((status) =>
          unwrap<Page<Loan>>(
            api.GET('/api/v1/loan-applications/review-queue', {
              params: { query: { status, pageSize: 500 } },
            }),
          ),
        ),
      );
      return pages.flatMap((p) => p.items).filter((l) => l.nextStep === 'DISBURSEMENT');
    },
  });
  const keyOf = (loanId: string) => {
    let k = keys.current.get(loanId);
    if (!k) keys.current.set(loanId, (k = idem()));
    return k;
  };
  const disburse = useMutation({
    mutationFn: (loan: Loan) =>
      unwrap<LoanDetail>(
        api.POST('/api/v1/loan-applications/{id}/disburse', {
          params: { path: { id: loan.id }, header: keyOf(loan.id) },
          body: {},
        }),
      ),
    onSuccess: (d) => {
      void message.success(`${t('dsb_done')}: ${d.loanNo}`);
      setConfirming(null);
      setPaid(d);
      for (const k of ['review-queue', 'loans', 'funds', 'statement'])
        void qc.invalidateQueries({ queryKey: [k] });
    },
  });
  return (
    <div>
      <PageTitle>{t('dsb_title')}</PageTitle>
      <Alert type="info" showIcon title={t('dsb_hint')} style={{ marginBottom: 12 }} />
      {queue.error ? <ProblemAlert error={queue.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={queue.isLoading}
        dataSource={queue.data ?? []}
        locale={{ emptyText: t('dsb_none') }}
        pagination={false}
        columns={[
          { title: t('loanNo'), dataIndex: 'loanNo' },
          { title: t('borrower'), key: 'b', render: (_: unknown, r: Loan) => r.borrower?.headName ?? '—' },
          { title: t('village'), dataIndex: 'villageName' },
          {
            title: t('amount'),
            dataIndex: 'principal',
            align: 'right',
            render: (v: string) => <Money value={v} />,
          },
          { title: t('termMonths'), dataIndex: 'termMonths', align: 'right' },
          { title: t('noticeEnds'), dataIndex: 'noticeEndsOn', render: formatDate },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (v: string) => <StatusTag value={v} prefix="st_" />,
          },
          {
            title: t('actions'),
            key: 'a',
            render: (_: unknown, r: Loan) => (
              <Button
                type="primary"
                size="small"
                onClick={() => {
                  disburse.reset();
                  setConfirming(r);
                }}
              >
                {t('disburse')}
              </Button>
            ),
          },
        ]}
      />
      {confirming ? (
        <Modal
          open
          title={`${t('dsb_confirmTitle')} · ${confirming.loanNo}`}
          okText={t('disburse')}
          cancelText={t('cancel')}
          confirmLoading={disburse.isPending}
          okButtonProps={{ 'data-testid': 'disburse-ok' } as Record<`data-${string}`, string>}
          onOk={() => {
            if (sending.current) return;
            sending.current = true;
            disburse.mutate(confirming, { onSettled: () => (sending.current = false) });
          }}
          onCancel={() => setConfirming(null)}
        >
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('borrower')}>
              {confirming.borrower?.headName ?? '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('village')}>{confirming.villageName ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('amount')}>
              <Money value={confirming.principal} />
            </Descriptions.Item>
            <Descriptions.Item label={t('termMonths')}>{confirming.termMonths}</Descriptions.Item>
            <Descriptions.Item label={t('noticeEnds')}>
              {formatDate(confirming.noticeEndsOn)}
            </Descriptions.Item>
          </Descriptions>
          <p style={{ marginTop: 12 }}>{t('dsb_confirmText')}</p>
          {disburse.error ? <ProblemAlert error={disburse.error} /> : null}
        </Modal>
      ) : null}
      {paid ? (
        <Card
          size="small"
          style={{ marginTop: 16 }}
          data-testid="disbursed"
          title={`${t('dsb_result')} · ${paid.loanNo}`}
          extra={<Button onClick={() => navigate('/loans')}>{t('dsb_seeLoans')}</Button>}
        >
          <Descriptions size="small" column={3} bordered>
            <Descriptions.Item label={t('status')}>
              <StatusTag value={paid.status} prefix="st_" />
            </Descriptions.Item>
            <Descriptions.Item label={t('disbursementDate')}>
              {formatDate(paid.disbursementDate)}
            </Descriptions.Item>
            <Descriptions.Item label={t('maturityDate')}>{formatDate(paid.maturityDate)}</Descriptions.Item>
            <Descriptions.Item label={t('principal')}>
              <Money value={paid.principal} />
            </Descriptions.Item>
            <Descriptions.Item label={t('dsb_rate')}>
              {formatPercent(paid.annualRatePercent)}
            </Descriptions.Item>
            <Descriptions.Item label={t('borrower')}>{paid.borrower?.headName ?? '—'}</Descriptions.Item>
          </Descriptions>
          <h3 style={{ marginTop: 12 }}>{t('schedule')}</h3>
          <Table
            rowKey="number"
            size="small"
            pagination={false}
            dataSource={paid.installments}
            columns={[
              { title: t('period'), dataIndex: 'number' },
              { title: t('dueDate'), dataIndex: 'dueDate' },
              {
                title: t('principal'),
                dataIndex: 'principal',
                align: 'right',
                render: (v: string) => <Money value={v} />,
              },
              {
                title: t('interest'),
                dataIndex: 'interest',
                align: 'right',
                render: (v: string) => <Money value={v} />,
              },
              {
                title: t('total'),
                dataIndex: 'total',
                align: 'right',
                render: (v: string) => <Money value={v} />,
              },
            ]}
          />
        </Card>
      ) : null}
    </div>
  );
}
