import { useQueries, useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Statistic, Table, Tag } from 'antd';
import { api, unwrap, type Page } from '../api/client.js';
import { formatPercent } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle } from './common.js';

interface RiskFund {
  id: string;
  districtId: string;
  districtName: string;
  balance: string;
  minimumFund: string;
  belowMinimum: boolean;
}
interface Capacity {
  riskFundId: string;
  balance: string;
  leverageRatio: string;
  cover: { limit: string; available: string; used: string };
  exposure: { outstanding: string; pending: string };
  npl: { ratioPercent: string };
  agreements: { agreementId: string; bankName: string; multiple: string; capacity: string }[];
}
interface Breaker {
  districtId: string;
  state: string;
  live: { ratioPercent: string; thresholdPercent: string };
}
interface Fund {
  id: string;
  name: string;
  villageName: string;
  districtId: string;
  status: string;
  position: { cash: string; loansOutstanding: string; availableToLend: string; capUtilisationPercent: string; memberCount: number };
}
interface Snapshot {
  fundId: string;
  businessDate: string;
  par30Percent: string;
  overdueLoans: number;
}

export default function Dashboard() {
  const { t } = useI18n();
  const { me } = useSession();
  const riskFunds = useQuery({
    queryKey: ['risk-funds'],
    queryFn: () => unwrap<Page<RiskFund>>(api.GET('/api/v1/risk-funds', { params: { query: { pageSize: 100 as never } } })),
  });
  const capacities = useQueries({
    queries: (riskFunds.data?.items ?? []).map((f) => ({
      queryKey: ['risk-fund-capacity', f.id],
      queryFn: () => unwrap<Capacity>(api.GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: f.id } } })),
    })),
  });
  const breakers = useQueries({
    queries: (riskFunds.data?.items ?? []).map((f) => ({
      queryKey: ['breaker', f.districtId],
      queryFn: () => unwrap<Breaker>(api.GET('/api/v1/districts/{id}/breaker', { params: { path: { id: f.districtId } } })),
    })),
  });
  const funds = useQuery({
    queryKey: ['funds'],
    queryFn: () => unwrap<Page<Fund>>(api.GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 as never } } })),
  });
  const snapshots = useQuery({
    queryKey: ['snapshots'],
    queryFn: () => unwrap<Page<Snapshot>>(api.GET('/api/v1/portfolio-snapshots', { params: { query: { pageSize: 200 as never } } })),
  });
  const claims = useQuery({
    queryKey: ['claims', 'FILED'],
    queryFn: () => unwrap<Page<unknown>>(api.GET('/api/v1/compensation-claims', { params: { query: { status: 'FILED' } } })),
  });
  const notices = useQuery({
    queryKey: ['review-queue', 'IN_PUBLIC_NOTICE'],
    enabled: can(me, 'approvals'),
    queryFn: () =>
      unwrap<Page<unknown>>(api.GET('/api/v1/loan-applications/review-queue', { params: { query: { status: 'IN_PUBLIC_NOTICE' } } })),
  });
  const months = useQuery({
    queryKey: ['reports', 'latest'],
    queryFn: () => unwrap<Page<{ month: string }>>(api.GET('/api/v1/reports/monthly', { params: { query: { pageSize: 1 as never } } })),
  });

  const latestSnapshot = new Map<string, Snapshot>();
  for (const s of snapshots.data?.items ?? []) {
    const cur = latestSnapshot.get(s.fundId);
    if (!cur || cur.businessDate < s.businessDate) latestSnapshot.set(s.fundId, s);
  }
  const month = months.data?.items[0]?.month;
  // each district row carries its capacity and breaker, so the table re-renders when they arrive
  const districtRows = (riskFunds.data?.items ?? []).map((f, i) => ({ ...f, cap: capacities[i]?.data, breaker: breakers[i]?.data }));
  type Row = (typeof districtRows)[number];
  const error = riskFunds.error ?? funds.error ?? claims.error;

  return (
    <div>
      <PageTitle>{t('nav_dashboard')}</PageTitle>
      {error ? <ProblemAlert error={error} /> : null}
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={6}>
          <Card>
            <Statistic title={t('claimsWaiting')} value={claims.data?.total ?? '—'} />
          </Card>
        </Col>
        {can(me, 'approvals') ? (
          <Col span={6}>
            <Card>
              <Statistic title={t('noticesEnding')} value={notices.data?.total ?? '—'} />
            </Card>
          </Col>
        ) : null}
      </Row>
      <Card title={t('districts')} style={{ marginBottom: 16 }}>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          loading={riskFunds.isLoading}
          dataSource={districtRows}
          columns={[
            { title: t('district'), dataIndex: 'districtName' },
            { title: t('riskFundBalance'), dataIndex: 'balance', align: 'right', render: (v: string) => <Money value={v} /> },
            {
              title: t('minimumFund'),
              key: 'min',
              render: (_: unknown, f: Row) => (
                <>
                  <Money value={f.minimumFund} /> {f.belowMinimum ? <Tag color="red">{t('belowMinimum')}</Tag> : null}
                </>
              ),
            },
            {
              title: t('exposure'),
              key: 'exp',
              align: 'right',
              render: (_: unknown, f: Row) => <Money value={f.cap?.exposure.outstanding} />,
            },
            {
              title: t('leverage'),
              key: 'lev',
              align: 'right',
              render: (_: unknown, f: Row) => f.cap?.leverageRatio ?? '—',
            },
            {
              title: t('coverAvailable'),
              key: 'cap',
              align: 'right',
              render: (_: unknown, f: Row) => <Money value={f.cap?.cover.available} />,
            },
            {
              title: t('nplRatio'),
              key: 'npl',
              align: 'right',
              render: (_: unknown, f: Row) => formatPercent(f.cap?.npl.ratioPercent),
            },
            {
              title: t('breaker'),
              key: 'breaker',
              render: (_: unknown, f: Row) => {
                const s = f.breaker?.state;
                return s ? <Tag color={s === 'NORMAL' ? 'green' : s === 'WARNING' ? 'gold' : 'red'}>{t(`breaker_${s}`)}</Tag> : '—';
              },
            },
          ]}
        />
      </Card>
      <Card title={t('villageFunds')} style={{ marginBottom: 16 }}>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          loading={funds.isLoading}
          dataSource={funds.data?.items ?? []}
          columns={[
            { title: t('fund'), dataIndex: 'name' },
            { title: t('cash'), key: 'cash', align: 'right', render: (_: unknown, f: Fund) => <Money value={f.position.cash} /> },
            {
              title: t('outstanding'),
              key: 'out',
              align: 'right',
              render: (_: unknown, f: Fund) => <Money value={f.position.loansOutstanding} />,
            },
            {
              title: t('par30'),
              key: 'par30',
              align: 'right',
              render: (_: unknown, f: Fund) => formatPercent(latestSnapshot.get(f.id)?.par30Percent),
            },
            {
              title: t('availableToLend'),
              key: 'avail',
              align: 'right',
              render: (_: unknown, f: Fund) => <Money value={f.position.availableToLend} />,
            },
            {
              title: t('capUtilisation'),
              key: 'util',
              align: 'right',
              render: (_: unknown, f: Fund) => formatPercent(f.position.capUtilisationPercent),
            },
            { title: t('members'), key: 'members', align: 'right', render: (_: unknown, f: Fund) => f.position.memberCount },
          ]}
        />
      </Card>
      {month ? (
        <Card title={`${t('monthlyChart')} · ${month}`}>
          <img
            src={`/api/v1/reports/monthly/${month}/chart.svg`}
            alt={`${t('monthlyChart')} ${month}`}
            style={{ maxWidth: '100%' }}
          />
        </Card>
      ) : null}
    </div>
  );
}
