import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { useI18n } from './lib/i18n.js';
import { useReducedMotion } from './lib/motion.js';
import { can, SessionProvider, useSession, type Ability, type Me } from './lib/session.js';
import { LoginScreen } from './screens/Login.js';
import { Shell } from './Shell.js';

// one chunk per area: a role downloads only the screens it opens
const SCREENS = {
  dashboard: () => import('./screens/Dashboard.js'),
  approvals: () => import('./screens/Approvals.js'),
  households: () => import('./screens/Households.js'),
  loans: () => import('./screens/Loans.js'),
  covered: () => import('./screens/Covered.js'),
  recon: () => import('./screens/Reconciliation.js'),
  reports: () => import('./screens/Reports.js'),
  audit: () => import('./screens/Audit.js'),
  notices: () => import('./screens/Notices.js'),
  funds: () => import('./screens/VillageFunds.js'),
  riskFunds: () => import('./screens/RiskFunds.js'),
  claims: () => import('./screens/Claims.js'),
  subsidy: () => import('./screens/Subsidy.js'),
  assetIncome: () => import('./screens/AssetIncome.js'),
  businessDate: () => import('./screens/BusinessDate.js'),
  groups: () => import('./screens/Groups.js'),
  disburse: () => import('./screens/Disbursements.js'),
  disclosures: () => import('./screens/Disclosures.js'),
  projections: () => import('./screens/Projections.js'),
} satisfies Partial<Record<Ability, () => Promise<unknown>>>;
const Dashboard = lazy(SCREENS.dashboard);
const Approvals = lazy(SCREENS.approvals);
const Households = lazy(SCREENS.households);
const Loans = lazy(SCREENS.loans);
const Covered = lazy(SCREENS.covered);
const Reconciliation = lazy(SCREENS.recon);
const Reports = lazy(SCREENS.reports);
const Audit = lazy(SCREENS.audit);
const Notices = lazy(SCREENS.notices);
const VillageFunds = lazy(SCREENS.funds);
const RiskFunds = lazy(SCREENS.riskFunds);
const Claims = lazy(SCREENS.claims);
const Subsidy = lazy(SCREENS.subsidy);
const AssetIncome = lazy(SCREENS.assetIncome);
const BusinessDate = lazy(SCREENS.businessDate);
const Groups = lazy(SCREENS.groups);
const Disbursements = lazy(SCREENS.disburse);
const Disclosures = lazy(SCREENS.disclosures);
const Projections = lazy(SCREENS.projections);

/** The chunk of a role's first screen, started as soon as the user is known (a module is fetched once). */
function loadHome(me: Me): void {
  const home = homeOf(me);
  void (home === '/dashboard' ? SCREENS.dashboard() : home === '/covered-loans' ? SCREENS.covered() : SCREENS.households());
}

/**
 * The other screens the role may open, fetched once the first one has had its turn (after a few seconds, when the
 * browser is idle): a click on the menu then opens a screen at once instead of waiting for its chunk.
 */
function usePrefetchScreens(me: Me | null): void {
  useEffect(() => {
    if (!me) return;
    let idle: number | undefined;
    const fetchAll = () => {
      for (const [what, load] of Object.entries(SCREENS)) if (can(me, what as Ability)) void load().catch(() => undefined);
    };
    const timer = window.setTimeout(() => {
      // a browser without idle callbacks fetches them at once
      if ('requestIdleCallback' in window) idle = window.requestIdleCallback(fetchAll);
      else fetchAll();
    }, PREFETCH_AFTER_MS);
    return () => {
      window.clearTimeout(timer);
      if (idle !== undefined) window.cancelIdleCallback(idle);
    };
  }, [me]);
}
const PREFETCH_AFTER_MS = 3000;

/** The first screen of each role. */
export function homeOf(me: Me): string {
  if (can(me, 'dashboard')) return '/dashboard';
  if (me.role === 'LOAN_OFFICER') return '/households';
  if (me.role === 'BANK_OFFICER') return '/covered-loans';
  return '/households';
}

function Guard({ what, children }: { what: Ability; children: ReactNode }) {
  const { me } = useSession();
  const { t } = useI18n();
  if (!me) return <Navigate to="/login" replace />;
  if (!can(me, what)) return <Result status="403" title="403" subTitle={t('notAllowed')} />;
  return <Suspense fallback={<Spin />}>{children}</Suspense>;
}

function Routed() {
  const { me, loading } = useSession();
  usePrefetchScreens(me);
  if (loading) return <Spin style={{ margin: 80 }} />;
  return (
    <Routes>
      <Route path="/login" element={me ? <Navigate to={homeOf(me)} replace /> : <LoginScreen />} />
      <Route element={me ? <Shell /> : <Navigate to="/login" replace />}>
        <Route path="/dashboard" element={<Guard what="dashboard"><Dashboard /></Guard>} />
        <Route path="/approvals" element={<Guard what="approvals"><Approvals /></Guard>} />
        <Route path="/households" element={<Guard what="households"><Households /></Guard>} />
        <Route path="/loans" element={<Guard what="loans"><Loans /></Guard>} />
        <Route path="/covered-loans" element={<Guard what="covered"><Covered /></Guard>} />
        <Route path="/reconciliation" element={<Guard what="recon"><Reconciliation /></Guard>} />
        <Route path="/reports" element={<Guard what="reports"><Reports /></Guard>} />
        <Route path="/audit" element={<Guard what="audit"><Audit /></Guard>} />
        <Route path="/notices" element={<Guard what="notices"><Notices /></Guard>} />
        <Route path="/village-funds" element={<Guard what="funds"><VillageFunds /></Guard>} />
        <Route path="/risk-funds" element={<Guard what="riskFunds"><RiskFunds /></Guard>} />
        <Route path="/claims" element={<Guard what="claims"><Claims /></Guard>} />
        <Route path="/subsidy" element={<Guard what="subsidy"><Subsidy /></Guard>} />
        <Route path="/asset-income" element={<Guard what="assetIncome"><AssetIncome /></Guard>} />
        <Route path="/business-date" element={<Guard what="businessDate"><BusinessDate /></Guard>} />
        <Route path="/groups" element={<Guard what="groups"><Groups /></Guard>} />
        <Route path="/disbursements" element={<Guard what="disburse"><Disbursements /></Guard>} />
        <Route path="/disclosures" element={<Guard what="disclosures"><Disclosures /></Guard>} />
        <Route path="/projections" element={<Guard what="projections"><Projections /></Guard>} />
        <Route path="*" element={me ? <Navigate to={homeOf(me)} replace /> : null} />
      </Route>
    </Routes>
  );
}

export function App() {
  const { lang } = useI18n();
  const still = useReducedMotion();
  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      theme={{ token: { colorPrimary: '#b71c1c', borderRadius: 4, motion: !still } }}
      wave={{ disabled: still }}
    >
      <AntApp>
        <SessionProvider onUser={loadHome}>
          <Routed />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}
