import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, setUnauthenticatedHandler, unwrap } from '../api/client.js';

export type Role = 'ADMIN' | 'FUND_ADMIN' | 'LOAN_OFFICER' | 'BANK_OFFICER' | 'AUDITOR';
export interface Me {
  userId: number;
  username: string;
  role: Role;
  bankId: number | null;
}

interface Session {
  me: Me | null;
  loading: boolean;
  /** The last session ended by the server (revoked, expired): the login page says so. */
  endedByServer: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const Ctx = createContext<Session | null>(null);
const ME_KEY = ['auth', 'me'];

/**
 * Who is logged in: GET /auth/me with the session cookie; null when there is no (longer a) session. `onUser` hears
 * of the user the moment the answer arrives, before React renders for it (the console starts loading the user's
 * first screen then).
 */
export function SessionProvider({ children, onUser }: { children: ReactNode; onUser?: (me: Me) => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [endedByServer, setEndedByServer] = useState(false);
  const me = useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      const r = await api.GET('/api/v1/auth/me');
      const who = r.response.ok ? (r.data as unknown as Me) : null;
      if (who) onUser?.(who);
      return who;
    },
    staleTime: Infinity,
    retry: false,
  });

  // everything but who is logged in is dropped (the `me` query stays observed, so the screens follow its value)
  const dropData = useCallback(
    () => qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] }),
    [qc],
  );
  const leave = useCallback(
    (ended: boolean) => {
      setEndedByServer(ended);
      navigate('/login', { replace: true });
      dropData();
      qc.setQueryData(ME_KEY, null);
    },
    [qc, navigate, dropData],
  );
  /** A 401 on any request (revoked, expired or logged out elsewhere): back to the login page, saying why. */
  const ended = useCallback(() => {
    if (qc.getQueryData(ME_KEY) != null) leave(true);
  }, [qc, leave]);

  useEffect(() => setUnauthenticatedHandler(ended), [ended]);

  const value = useMemo<Session>(
    () => ({
      me: me.data ?? null,
      loading: me.isLoading,
      endedByServer,
      async login(username, password) {
        setEndedByServer(false);
        await unwrap(api.POST('/api/v1/auth/session', { body: { username, password } }));
        dropData();
        const r = await api.GET('/api/v1/auth/me');
        const who = r.response.ok ? (r.data as unknown as Me) : null;
        if (who) onUser?.(who);
        qc.setQueryData(ME_KEY, who);
      },
      async logout() {
        await api.DELETE('/api/v1/auth/session');
        leave(false);
      },
    }),
    [me.data, me.isLoading, endedByServer, qc, leave, dropData, onUser],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** What each role may do in the console: the screens it sees and the buttons it gets (mirrors the API's @Roles). */
export const CAN = {
  dashboard: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  approvals: ['FUND_ADMIN', 'AUDITOR'],
  approve: ['FUND_ADMIN'],
  disburse: ['FUND_ADMIN'],
  households: ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR', 'BANK_OFFICER'],
  createHousehold: ['LOAN_OFFICER', 'FUND_ADMIN'],
  createApplication: ['LOAN_OFFICER', 'FUND_ADMIN'],
  // the joint-liability group's consent on an application (POST /loan-applications/{id}/endorse)
  endorse: ['LOAN_OFFICER', 'FUND_ADMIN'],
  groups: ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'],
  manageGroups: ['LOAN_OFFICER', 'FUND_ADMIN'],
  loans: ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'],
  recordRepayment: ['LOAN_OFFICER', 'FUND_ADMIN'],
  covered: ['ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER'],
  registerCovered: ['BANK_OFFICER'],
  recon: ['BANK_OFFICER', 'ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  uploadRecon: ['BANK_OFFICER', 'ADMIN', 'FUND_ADMIN'],
  reports: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  audit: ['ADMIN', 'AUDITOR'],
  notices: ['FUND_ADMIN', 'AUDITOR'],
  funds: ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'],
  riskFunds: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  claims: ['ADMIN', 'FUND_ADMIN', 'AUDITOR', 'BANK_OFFICER'],
  decideClaim: ['FUND_ADMIN'],
  subsidy: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  assetIncome: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  businessDate: ['ADMIN'],
  // the write forms of the fund screens, disclosures and projections
  recordContribution: ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER'],
  withdrawShare: ['ADMIN', 'FUND_ADMIN'],
  riskFundWrite: ['ADMIN', 'FUND_ADMIN'],
  generateSubsidy: ['ADMIN', 'FUND_ADMIN'],
  decideSubsidy: ['FUND_ADMIN'],
  runAssetIncome: ['FUND_ADMIN'],
  disclosures: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  publishDisclosure: ['ADMIN', 'FUND_ADMIN'],
  projections: ['ADMIN', 'FUND_ADMIN', 'AUDITOR'],
  runProjection: ['ADMIN', 'FUND_ADMIN'],
  saveScenario: ['ADMIN', 'FUND_ADMIN'],
  // the bank officer's covered-loan reports, disbursement, claims and recoveries (the API allows banks only)
  reportCovered: ['BANK_OFFICER'],
  fileClaim: ['BANK_OFFICER'],
  recordRecovery: ['BANK_OFFICER'],
} as const satisfies Record<string, readonly Role[]>;

export type Ability = keyof typeof CAN;
export function can(me: Me | null, what: Ability): boolean {
  return !!me && (CAN[what] as readonly Role[]).includes(me.role);
}
