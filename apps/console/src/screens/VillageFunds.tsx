import { useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Select, Space, Table, Tabs } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDate, formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle, StatusTag } from './common.js';
import { ContributionForm, WithdrawalForm, Withdrawals } from './fund-forms.js';

type Fund = components['schemas']['MutualAidFundResponse'];
type Position = components['schemas']['MutualAidFundPositionResponse'];
type Member = components['schemas']['FundMemberListItemResponse'];
type Contribution = components['schemas']['FundContributionResponse'];
const SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER', 'ACCUMULATED'] as const;

/** Village mutual-aid funds: the chosen fund's position, its members and shares, and its contributions. */
export default function VillageFunds() {
  const { t } = useI18n();
  const { me } = useSession();
  const [fundId, setFundId] = useState<string | null>(null);
  const [open, setOpen] = useState<'contribution' | 'withdrawal' | null>(null);
  const funds = useQuery({
    queryKey: ['mutual-aid-funds'],
    queryFn: () => unwrap<{ items: Fund[]; total: number }>(api.GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 } } })),
  });
  const id = fundId ?? funds.data?.items[0]?.id ?? null;
  const fund = funds.data?.items.find((f) => f.id === id);
  return (
    <div>
      <PageTitle
        extra={
          <Space>
            <Select
              aria-label={t('fund')}
              style={{ minWidth: 260 }}
              value={id ?? undefined}
              onChange={setFundId}
              options={(funds.data?.items ?? []).map((f) => ({ value: f.id, label: `${f.villageName} · ${f.name}` }))}
            />
            {id && can(me, 'recordContribution') ? (
              <Button type="primary" onClick={() => setOpen('contribution')}>{t('f_recordContribution')}</Button>
            ) : null}
            {id && can(me, 'withdrawShare') ? <Button onClick={() => setOpen('withdrawal')}>{t('f_withdrawShare')}</Button> : null}
          </Space>
        }
      >
        {t('nav_funds')}
      </PageTitle>
      {funds.error ? <ProblemAlert error={funds.error} /> : null}
      {fund && id ? (
        <>
          <FundPosition id={id} fund={fund} />
          <Tabs
            items={[
              { key: 'members', label: t('memberList'), children: <Members id={id} /> },
              { key: 'contributions', label: t('contributions'), children: <Contributions id={id} /> },
              { key: 'withdrawals', label: t('f_withdrawals'), children: <Withdrawals id={id} /> },
            ]}
          />
          {open === 'contribution' ? <ContributionForm fundId={id} onClose={() => setOpen(null)} /> : null}
          {open === 'withdrawal' ? <WithdrawalForm fundId={id} onClose={() => setOpen(null)} /> : null}
        </>
      ) : null}
    </div>
  );
}

function FundPosition({ id, fund }: { id: string; fund: Fund }) {
  const { t } = useI18n();
  const pos = useQuery({
    queryKey: ['mutual-aid-fund-position', id],
    queryFn: () => unwrap<Position>(api.GET('/api/v1/mutual-aid-funds/{id}/position', { params: { path: { id } } })),
  });
  const p = pos.data ?? fund.position;
  return (
    <Card size="small" style={{ marginBottom: 12 }} title={<>{fund.villageName} · {fund.name} <StatusTag value={fund.status} prefix="st_" /></>}>
      <Descriptions size="small" column={4} bordered>
        <Descriptions.Item label={t('capital')}>
          <span data-testid="fund-capital"><Money value={p.capital} /></span>
        </Descriptions.Item>
        <Descriptions.Item label={t('cash')}><Money value={p.cash} /></Descriptions.Item>
        <Descriptions.Item label={t('outstanding')}><Money value={p.loansOutstanding} /></Descriptions.Item>
        <Descriptions.Item label={t('availableToLend')}><Money value={p.availableToLend} /></Descriptions.Item>
        <Descriptions.Item label={t('lendingCap')}><Money value={p.lendingCap} /> ({formatPercent(p.lendingCapPercent)})</Descriptions.Item>
        <Descriptions.Item label={t('capUtilisation')}>{formatPercent(p.capUtilisationPercent)}</Descriptions.Item>
        <Descriptions.Item label={t('members')}>{p.memberCount}</Descriptions.Item>
        <Descriptions.Item label={t('poorMembers')}>{p.poorMemberCount}</Descriptions.Item>
        {SOURCES.map((s) => (
          <Descriptions.Item key={s} label={`${t('capital')} · ${t(`src_${s}`)}`}>
            <Money value={p.capitalBySource[s]} />
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
}

function Members({ id }: { id: string }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['fund-members', id, page],
    queryFn: () =>
      unwrap<{ items: Member[]; total: number }>(
        api.GET('/api/v1/mutual-aid-funds/{id}/members', { params: { path: { id }, query: { page, pageSize: 20 } } }),
      ),
  });
  return (
    <>
      {q.error ? <ProblemAlert error={q.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('borrower'), key: 'h', render: (_: unknown, r: Member) => r.household.headName },
          { title: 'ID', key: 'i', render: (_: unknown, r: Member) => r.household.idNumber ?? '—' },
          { title: t('joinedOn'), dataIndex: 'joinedOn', render: formatDate },
          { title: t('paidShare'), dataIndex: 'paidShare', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('fiscalShare'), dataIndex: 'fiscalShare', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('totalShare'), dataIndex: 'totalShare', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
        ]}
      />
    </>
  );
}

function Contributions({ id }: { id: string }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['fund-contributions', id, page],
    queryFn: () =>
      unwrap<{ items: Contribution[]; total: number; totalAmount: string }>(
        api.GET('/api/v1/mutual-aid-funds/{id}/contributions', { params: { path: { id }, query: { page, pageSize: 20 } } }),
      ),
  });
  return (
    <>
      {q.error ? <ProblemAlert error={q.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('receivedOn'), dataIndex: 'receivedOn', render: formatDate },
          { title: t('source'), dataIndex: 'source', render: (v: string) => t(`src_${v}`) },
          { title: t('year'), dataIndex: 'year' },
          { title: t('documentRef'), dataIndex: 'documentRef', render: (v: string | null) => v ?? '—' },
          { title: t('amount'), dataIndex: 'amount', align: 'right', render: (v: string) => <Money value={v} /> },
        ]}
        footer={() => (
          <span>
            {t('totalAmount')}: <Money value={q.data?.totalAmount} />
          </span>
        )}
      />
    </>
  );
}
