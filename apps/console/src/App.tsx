import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { useI18n } from './lib/i18n.js';
import { useReducedMotion } from './lib/motion.js';
import { can, SessionProvider, useSession, type Ability, type Me } from './lib/session.js';
import { LoginScreen } from './screens/Login.js';
import { Shell } from './Shell.js';

// one chunk per area: a role downloads only the screens it opens
const Dashboard = lazy(() => import('./screens/Dashboard.js'));
const Approvals = lazy(() => import('./screens/Approvals.js'));
const Households = lazy(() => import('./screens/Households.js'));
const Loans = lazy(() => import('./screens/Loans.js'));
const Covered = lazy(() => import('./screens/Covered.js'));
const Reconciliation = lazy(() => import('./screens/Reconciliation.js'));
const Reports = lazy(() => import('./screens/Reports.js'));
const Audit = lazy(() => import('./screens/Audit.js'));
const Notices = lazy(() => import('./screens/Notices.js'));
const VillageFunds = lazy(() => import('./screens/VillageFunds.js'));
const RiskFunds = lazy(() => import('./screens/RiskFunds.js'));
const Claims = lazy(() => import('./screens/Claims.js'));
const Subsidy = lazy(() => import('./screens/Subsidy.js'));
const AssetIncome = lazy(() => import('./screens/AssetIncome.js'));
const BusinessDate = lazy(() => import('./screens/BusinessDate.js'));
const Groups = lazy(() => import('./screens/Groups.js'));
const Disbursements = lazy(() => import('./screens/Disbursements.js'));
const Disclosures = lazy(() => import('./screens/Disclosures.js'));
const Projections = lazy(() => import('./screens/Projections.js'));

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
        <SessionProvider>
          <Routed />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}
