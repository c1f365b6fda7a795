import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Drawer, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDate, formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import {
  ConfirmDisbursementButton,
  FileClaimForm,
  RepaymentForm,
  StatusForm,
  type Claim,
} from './bank-forms.js';
import { Money, StatusTag } from './common.js';

type Detail = components['schemas']['CoveredLoanDetailResponse'];
type Installment = components['schemas']['CoveredLoanInstallmentResponse'];

/**
 * One covered loan: its terms and status, its latest status report, its cover (reserved / outstanding / backing used /
 * released), its frozen instalment schedule with what was paid, and the compensation claims on it. A bank officer
 * reports repayments and overdue status here, confirms an approved loan's payout and files a claim.
 */
export function CoveredDetail({ loanId, onClose }: { loanId: string; onClose: () => void }) {
  const { t } = useI18n();
  const { me } = useSession();
  const [form, setForm] = useState<'repayment' | 'status' | 'claim' | null>(null);
  const loan = useQuery({
    queryKey: ['covered-loan', loanId],
    queryFn: () =>
      unwrap<Detail>(api.GET('/api/v1/covered-loans/{id}', { params: { path: { id: loanId } } })),
  });
  const claims = useQuery({
    queryKey: ['compensation-claims', 'loan', loanId],
    queryFn: () =>
      unwrap<{ items: Claim[] }>(
        api.GET('/api/v1/compensation-claims', { params: { query: { loanId, pageSize: 50 } } }),
      ),
  });
  const l = loan.data;
  const bank = can(me, 'reportCovered');
  const liveClaim = (claims.data?.items ?? []).some((c) => c.status !== 'REJECTED');
  const yes = (v: boolean) => (v ? t('b_yes') : t('b_no'));
  const actions =
    l && bank ? (
      <div data-testid="bank-actions">
        <Space wrap>
          {l.status === 'DISBURSED' ? (
            <>
              <Button type="primary" onClick={() => setForm('repayment')}>
                {t('b_reportRepayment')}
              </Button>
              <Button onClick={() => setForm('status')}>{t('b_reportStatus')}</Button>
            </>
          ) : null}
          {l.status === 'APPROVED' ? <ConfirmDisbursementButton loan={l} /> : null}
          {can(me, 'fileClaim') &&
          l.status === 'DISBURSED' &&
          l.daysOverdue > 0 &&
          !l.compensated &&
          !liveClaim ? (
            <Button danger onClick={() => setForm('claim')}>
              {t('b_fileClaim')}
            </Button>
          ) : null}
        </Space>
      </div>
    ) : null;
  return (
    <Drawer
      open
      onClose={onClose}
      size="large"
      title={l ? `${t('b_detailTitle')} · ${l.loanNo}` : t('b_detailTitle')}
      extra={actions}
    >
      {loan.error ? <ProblemAlert error={loan.error} /> : null}
      {l ? (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={2} bordered data-testid="loan-detail">
            <Descriptions.Item label={t('bankLoanRef')}>{l.bankLoanRef}</Descriptions.Item>
            <Descriptions.Item label={t('status')}>
              <span data-testid="loan-status">
                <StatusTag value={l.status} prefix="st_" />
              </span>
              {l.nonPerforming ? <Tag color="red">{t('b_nonPerforming')}</Tag> : null}
              {l.compensated ? <Tag color="purple">{t('b_compensated')}</Tag> : null}
            </Descriptions.Item>
            <Descriptions.Item label={t('principal')}>
              <Money value={l.principal} />
            </Descriptions.Item>
            <Descriptions.Item label={t('outstandingPrincipal')}>
              <span data-testid="loan-outstanding">
                <Money value={l.outstandingPrincipal} />
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('disbursementDate')}>
              {formatDate(l.disbursementDate)}
            </Descriptions.Item>
            <Descriptions.Item label={t('b_maturityDate')}>{formatDate(l.maturityDate)}</Descriptions.Item>
            <Descriptions.Item label={t('termMonths')}>{l.termMonths}</Descriptions.Item>
            <Descriptions.Item label={t('b_rate')}>{formatPercent(l.annualRatePercent)}</Descriptions.Item>
            <Descriptions.Item label={t('b_daysOverdue')}>
              <span data-testid="loan-days-overdue">{l.daysOverdue}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('b_arrears')}>{t(`bucket_${l.arrearsBucket}`)}</Descriptions.Item>
            <Descriptions.Item label={t('b_lastStatusReport')}>
              {l.lastStatusReport
                ? `${formatDate(l.lastStatusReport.asOf)} · ${l.lastStatusReport.daysOverdue ?? 0}`
                : t('b_noReport')}
            </Descriptions.Item>
            <Descriptions.Item label={t('b_recoveryExhausted')}>{yes(l.recoveryExhausted)}</Descriptions.Item>
            {l.statusReason ? (
              <Descriptions.Item label={t('b_statusReason')}>{l.statusReason}</Descriptions.Item>
            ) : null}
            {l.closedOn ? (
              <Descriptions.Item label={t('st_CLOSED')}>{formatDate(l.closedOn)}</Descriptions.Item>
            ) : null}
          </Descriptions>

          <Card size="small" title={t('b_cover')}>
            {l.cover ? (
              <Descriptions size="small" column={3} data-testid="loan-cover">
                <Descriptions.Item label={t('b_coverStatus')}>
                  <StatusTag value={l.cover.status} prefix="st_" />
                </Descriptions.Item>
                <Descriptions.Item label={t('b_multiple')}>{l.cover.multiple}</Descriptions.Item>
                <Descriptions.Item label={t('b_coverPending')}>
                  <Money value={l.cover.pending} />
                </Descriptions.Item>
                <Descriptions.Item label={t('b_coverOutstanding')}>
                  <span data-testid="cover-outstanding">
                    <Money value={l.cover.outstanding} />
                  </span>
                </Descriptions.Item>
                <Descriptions.Item label={t('b_coverUsed')}>
                  <Money value={l.cover.coverUsed} />
                </Descriptions.Item>
                <Descriptions.Item label={t('b_coverReleased')}>
                  <Money value={l.cover.released} />
                </Descriptions.Item>
              </Descriptions>
            ) : (
              <Alert type="info" showIcon message={t('b_noCover')} />
            )}
          </Card>

          <Card size="small" title={t('b_installments')} data-testid="loan-installments">
            <Table<Installment>
              rowKey="number"
              size="small"
              pagination={false}
              scroll={{ y: 280 }}
              dataSource={l.installments}
              columns={[
                { title: t('b_instNo'), dataIndex: 'number', width: 60 },
                { title: t('b_dueDate'), dataIndex: 'dueDate', render: formatDate },
                {
                  title: t('principal'),
                  dataIndex: 'principal',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('b_interest'),
                  dataIndex: 'interest',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('b_paidPrincipal'),
                  dataIndex: 'paidPrincipal',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('b_paidInterest'),
                  dataIndex: 'paidInterest',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('status'),
                  dataIndex: 'status',
                  render: (v: string) => <StatusTag value={v} prefix="st_" />,
                },
              ]}
            />
          </Card>

          <Card size="small" title={t('b_loanClaims')} data-testid="loan-claims">
            <Table<Claim>
              rowKey="id"
              size="small"
              pagination={false}
              loading={claims.isLoading}
              dataSource={claims.data?.items ?? []}
              columns={[
                { title: t('claimNo'), dataIndex: 'claimNo' },
                { title: t('filedOn'), dataIndex: 'filedOn', render: formatDate },
                {
                  title: t('claimed'),
                  dataIndex: 'claimed',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('fundAmount'),
                  dataIndex: 'fundAmount',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('b_recovered'),
                  dataIndex: 'recovered',
                  align: 'right',
                  render: (v: string) => <Money value={v} />,
                },
                {
                  title: t('status'),
                  dataIndex: 'status',
                  render: (v: string) => <StatusTag value={v} prefix="st_" />,
                },
              ]}
            />
          </Card>
        </Space>
      ) : null}
      {l && form === 'repayment' ? <RepaymentForm loan={l} onClose={() => setForm(null)} /> : null}
      {l && form === 'status' ? <StatusForm loan={l} onClose={() => setForm(null)} /> : null}
      {l && form === 'claim' ? <FileClaimForm loan={l} onClose={() => setForm(null)} /> : null}
    </Drawer>
  );
}
