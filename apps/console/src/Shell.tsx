import { useQuery } from '@tanstack/react-query';
import { Button, Layout, Menu, Segmented, Space, Tag, Typography } from 'antd';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api, unwrap } from './api/client.js';
import { useI18n } from './lib/i18n.js';
import { can, useSession, type Ability } from './lib/session.js';

interface BusinessDate {
  businessDate: string;
  calendarDate: string;
  movable: boolean;
  moved: boolean;
}

const NAV: { path: string; label: string; what: Ability }[] = [
  { path: '/dashboard', label: 'nav_dashboard', what: 'dashboard' },
  { path: '/approvals', label: 'nav_approvals', what: 'approvals' },
  { path: '/notices', label: 'nav_notices', what: 'notices' },
  { path: '/disbursements', label: 'nav_disbursements', what: 'disburse' },
  { path: '/households', label: 'nav_households', what: 'households' },
  { path: '/groups', label: 'nav_groups', what: 'groups' },
  { path: '/loans', label: 'nav_loans', what: 'loans' },
  { path: '/covered-loans', label: 'nav_covered', what: 'covered' },
  { path: '/claims', label: 'nav_claims', what: 'claims' },
  { path: '/village-funds', label: 'nav_funds', what: 'funds' },
  { path: '/risk-funds', label: 'nav_riskFunds', what: 'riskFunds' },
  { path: '/subsidy', label: 'nav_subsidy', what: 'subsidy' },
  { path: '/asset-income', label: 'nav_assetIncome', what: 'assetIncome' },
  { path: '/disclosures', label: 'nav_disclosures', what: 'disclosures' },
  { path: '/projections', label: 'nav_projections', what: 'projections' },
  { path: '/reconciliation', label: 'nav_recon', what: 'recon' },
  { path: '/reports', label: 'nav_reports', what: 'reports' },
  { path: '/audit', label: 'nav_audit', what: 'audit' },
  { path: '/business-date', label: 'nav_businessDate', what: 'businessDate' },
];

/** Header (business date, language, user), the role's menu, and the screen. */
export function Shell() {
  const { me, logout } = useSession();
  const { t, lang, setLang } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const date = useQuery({
    queryKey: ['business-date'],
    queryFn: () => unwrap<BusinessDate>(api.GET('/api/v1/business-date')),
  });
  const items = NAV.filter((n) => can(me, n.what)).map((n) => ({ key: n.path, label: t(n.label) }));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#7f0000', paddingInline: 20 }}>
        <Typography.Text strong style={{ color: '#fff', fontSize: 16, whiteSpace: 'nowrap' }}>
          {t('appName')}
        </Typography.Text>
        <div style={{ flex: 1 }} />
        {date.data ? (
          <Space data-testid="business-date" style={{ color: '#fff' }}>
            <span>
              {t('businessDate')}: <b>{date.data.businessDate}</b>
            </span>
            {date.data.movable && date.data.moved ? (
              <Tag color="gold">
                {t('businessDateMoved')} · {t('calendarDate')} {date.data.calendarDate}
              </Tag>
            ) : null}
          </Space>
        ) : null}
        <Segmented
          aria-label={t('language')}
          size="small"
          value={lang}
          onChange={(v) => setLang(v as 'zh' | 'en')}
          options={[
            { label: '中文', value: 'zh' },
            { label: 'English', value: 'en' },
          ]}
        />
        <Space style={{ color: '#fff' }}>
          <span data-testid="who">
            {me?.username} · {t(`role_${me?.role}`)}
          </span>
          <Button size="small" onClick={() => void logout()}>
            {t('logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={180} theme="light" breakpoint="lg" collapsedWidth={0}>
          <nav aria-label="main">
            <Menu mode="inline" selectedKeys={[location.pathname]} items={items} onClick={(e) => navigate(e.key)} />
          </nav>
        </Layout.Sider>
        <Layout.Content style={{ padding: 20, minWidth: 0 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
