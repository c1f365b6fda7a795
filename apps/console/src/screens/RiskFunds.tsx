import { useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDate, formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle, StatusTag } from './common.js';
import { AgreementForm, DepositForm, TerminateForm } from './risk-forms.js';

type RiskFund = components['schemas']['RiskFundResponse'];
type Capacity = components['schemas']['RiskFundCapacityResponse'];
type AgreementCapacity = components['schemas']['AgreementCapacityResponse'];
type Agreement = components['schemas']['GuaranteeAgreementResponse'];

/** District risk (guarantee) funds: balance and minimum, the leverage, capacity per agreement and each agreement's breaker. */
export default function RiskFunds() {
  const { t } = useI18n();
  const { me } = useSession();
  const [chosen, setChosen] = useState<string | null>(null);
  const [depositing, setDepositing] = useState(false);
  const funds = useQuery({
    queryKey: ['risk-funds'],
    queryFn: () => unwrap<{ items: RiskFund[] }>(api.GET('/api/v1/risk-funds', { params: { query: { pageSize: 100 } } })),
  });
  const id = chosen ?? funds.data?.items[0]?.id ?? null;
  return (
    <div>
      <PageTitle
        extra={
          <Space>
            <Select
              aria-label={t('district')}
              style={{ minWidth: 240 }}
              value={id ?? undefined}
              onChange={setChosen}
              options={(funds.data?.items ?? []).map((f) => ({ value: f.id, label: `${f.districtName} · ${f.name}` }))}
            />
            {id && can(me, 'riskFundWrite') ? (
              <Button type="primary" onClick={() => setDepositing(true)}>{t('f_deposit')}</Button>
            ) : null}
          </Space>
        }
      >
        {t('nav_riskFunds')}
      </PageTitle>
      {funds.error ? <ProblemAlert error={funds.error} /> : null}
      {id ? <FundCapacity id={id} /> : null}
      {id ? <Agreements riskFundId={id} /> : null}
      {id && depositing ? <DepositForm riskFundId={id} onClose={() => setDepositing(false)} /> : null}
    </div>
  );
}

function FundCapacity({ id }: { id: string }) {
  const { t } = useI18n();
  const cap = useQuery({
    queryKey: ['risk-fund-capacity', id],
    queryFn: () => unwrap<Capacity>(api.GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id } } })),
  });
  if (cap.error) return <ProblemAlert error={cap.error} />;
  const c = cap.data;
  if (!c) return null;
  return (
    <Card size="small" style={{ marginBottom: 12 }} title={`${c.districtName} · ${c.name} · ${c.asOf}`} extra={<StatusTag value={c.status} prefix="st_" />}>
      <Descriptions size="small" column={4} bordered>
        <Descriptions.Item label={t('riskFundBalance')}>
          <span data-testid="risk-fund-balance"><Money value={c.balance} /></span>
        </Descriptions.Item>
        <Descriptions.Item label={t('minimumFund')}>
          <Money value={c.minimum} /> {c.belowMinimum ? <Tag color="red">{t('belowMinimum')}</Tag> : null}
        </Descriptions.Item>
        <Descriptions.Item label={t('coverLimit')}><Money value={c.cover.limit} /></Descriptions.Item>
        <Descriptions.Item label={t('coverAvailable')}><Money value={c.cover.available} /></Descriptions.Item>
        <Descriptions.Item label={t('coverUsed')}><Money value={c.cover.used} /></Descriptions.Item>
        <Descriptions.Item label={t('exposure')}><Money value={c.exposure.outstanding} /></Descriptions.Item>
        <Descriptions.Item label={t('leverageRatio')}>{c.leverageRatio}</Descriptions.Item>
        <Descriptions.Item label={t('nplRatio')}>{formatPercent(c.npl.ratioPercent)}</Descriptions.Item>
      </Descriptions>
      <Table
        style={{ marginTop: 12 }}
        rowKey="agreementId"
        size="small"
        pagination={false}
        dataSource={c.agreements}
        columns={[
          { title: t('agreementNo'), dataIndex: 'agreementNo' },
          { title: t('bank'), dataIndex: 'bankName' },
          { title: t('multiple'), dataIndex: 'multiple', align: 'right' },
          { title: t('capacity'), dataIndex: 'capacity', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('exposure'), dataIndex: 'exposureOutstanding', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('nplThreshold'), dataIndex: 'nplThresholdPercent', align: 'right', render: (v: string) => formatPercent(v) },
          {
            title: t('breaker'),
            key: 'breaker',
            render: (_: unknown, r: AgreementCapacity) =>
              r.suspended ? <Tag color="red">{t('breakerTripped')}</Tag> : <Tag color="green">{t('breaker_NORMAL')}</Tag>,
          },
          { title: t('acceptsNew'), dataIndex: 'acceptsNewLoans', render: (v: boolean) => (v ? t('yes') : t('no')) },
        ]}
      />
    </Card>
  );
}

function Agreements({ riskFundId }: { riskFundId: string }) {
  const { t } = useI18n();
  const { me } = useSession();
  const writer = can(me, 'riskFundWrite');
  const [creating, setCreating] = useState(false);
  const [terminating, setTerminating] = useState<Agreement | null>(null);
  const q = useQuery({
    queryKey: ['guarantee-agreements', riskFundId],
    queryFn: () =>
      unwrap<{ items: Agreement[] }>(api.GET('/api/v1/guarantee-agreements', { params: { query: { riskFundId, pageSize: 100 } } })),
  });
  return (
    <Card
      size="small"
      data-testid="agreements"
      title={t('agreements')}
      extra={writer ? <Button size="small" onClick={() => setCreating(true)}>{t('f_createAgreement')}</Button> : null}
    >
      {q.error ? <ProblemAlert error={q.error} /> : null}
      {creating ? <AgreementForm riskFundId={riskFundId} onClose={() => setCreating(false)} /> : null}
      {terminating ? <TerminateForm agreement={terminating} onClose={() => setTerminating(null)} /> : null}
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        columns={[
          { title: t('agreementNo'), dataIndex: 'agreementNo' },
          { title: t('bank'), dataIndex: 'bankCode' },
          { title: t('multiple'), dataIndex: 'leverageMultiple', align: 'right' },
          { title: t('fundShare'), dataIndex: 'fundSharePercent', align: 'right', render: (v: string) => formatPercent(v) },
          { title: t('bankShare'), dataIndex: 'bankSharePercent', align: 'right', render: (v: string) => formatPercent(v) },
          { title: t('validFrom'), dataIndex: 'validFrom', render: formatDate },
          { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
          ...(writer
            ? [
                {
                  title: t('actions'),
                  key: 'actions',
                  render: (_: unknown, r: Agreement) =>
                    r.status === 'ACTIVE' ? (
                      <Button size="small" danger onClick={() => setTerminating(r)}>{t('f_terminate')}</Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}
