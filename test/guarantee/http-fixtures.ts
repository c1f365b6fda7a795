import request from 'supertest';
import { apiCall, expectStatus, type TestApp } from '#libs/testing';
import type { DistrictFixture } from './fixtures.js';

/**
 * HTTP arrange builders for the guarantee e2e tests: a bank with its API key, a district risk fund with a first
 * deposit and one agreement per bank, and the bank's usual calls. Every builder asserts its own status, so a
 * broken arrange step fails where it happens and not three assertions later. They call the API through the
 * generated client (`t.api`), the bank's calls with its X-Api-Key. `http()` stays raw HTTP on purpose: it serves
 * bank-scope's sweep, which walks every bank-callable operation generically from the served document (a path and
 * method known only at run time).
 */
type Answer = Awaited<ReturnType<typeof apiCall>>;

export interface GuaranteeHttp {
  http: () => ReturnType<typeof request>;
  idem: (prefix?: string) => string;
  bearer: (token: string) => { Authorization: string };
  bankWithKey(): Promise<{ id: string; key: string }>;
  riskFund(input: { districtId: string; deposit: string; receivedOn: string }): Promise<string>;
  agreement(input: Record<string, unknown> & { riskFundId: string; bankId: string; validFrom: string }): Promise<string>;
  register(key: string, district: DistrictFixture, body: Record<string, unknown>, idemKey?: string): Promise<Answer>;
  status(key: string, loanId: string, body: Record<string, unknown>): Promise<Answer>;
  repay(key: string, loanId: string, body: Record<string, unknown>): Promise<Answer>;
  claim(key: string, loanId: string, body?: Record<string, unknown>): Promise<Answer>;
  capacity(token: string, fundId: string): Promise<Record<string, any>>;
}

let n = 0;

export function guaranteeHttp(t: TestApp, tokens: { admin: string; fundAdmin: string }): GuaranteeHttp {
  const http = () => request(t.http);
  const idem = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const bank = (key: string) => t.api({ apiKey: key });
  return {
    http,
    idem,
    bearer,
    async bankWithKey() {
      const code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      const b = await expectStatus(t.api(tokens.admin).POST('/api/v1/banks', { body: { code, name: `Bank ${code}` } }), 201);
      const officer = await t.tokenFor('BANK_OFFICER', { bankId: b.body.id });
      const k = await expectStatus(
        t.api(officer).POST('/api/v1/banks/{id}/api-keys', { params: { path: { id: b.body.id } }, body: { label: 'core banking' } }),
        201,
      );
      return { id: b.body.id, key: k.body.key };
    },
    async riskFund({ districtId, deposit, receivedOn }) {
      const f = await expectStatus(t.api(tokens.fundAdmin).POST('/api/v1/risk-funds', { body: { districtId } }), 201);
      await expectStatus(
        t.api(tokens.fundAdmin).POST('/api/v1/risk-funds/{id}/deposits', {
          params: { path: { id: f.body.id }, header: { 'Idempotency-Key': idem('dep') } },
          body: { source: 'CITY', amount: deposit, receivedOn },
        }),
        201,
      );
      return f.body.id as string;
    },
    async agreement(input) {
      const ag = await expectStatus(
        t.api(tokens.fundAdmin).POST('/api/v1/guarantee-agreements', { body: { agreementNo: idem('AG'), ...input } as never }),
        201,
      );
      return ag.body.id as string;
    },
    register: (key, district, body, idemKey = idem('reg')) =>
      apiCall(
        bank(key).POST('/api/v1/covered-loans', {
          params: { header: { 'Idempotency-Key': idemKey } },
          body: {
            borrowerType: 'HOUSEHOLD',
            householdId: district.householdId,
            productCode: 'HH_MICRO_STD',
            termMonths: 12,
            purpose: 'BREEDING',
            ...body,
          } as never,
        }),
      ),
    status: (key, loanId, body) =>
      apiCall(
        bank(key).POST('/api/v1/covered-loans/{id}/status', {
          params: { path: { id: loanId }, header: { 'Idempotency-Key': idem('st') } },
          body: body as never,
        }),
      ),
    repay: (key, loanId, body) =>
      apiCall(
        bank(key).POST('/api/v1/covered-loans/{id}/repayments', {
          params: { path: { id: loanId }, header: { 'Idempotency-Key': idem('rep') } },
          body: body as never,
        }),
      ),
    claim: (key, loanId, body = {}) =>
      apiCall(
        bank(key).POST('/api/v1/covered-loans/{id}/claims', {
          params: { path: { id: loanId }, header: { 'Idempotency-Key': idem('claim') } },
          body: body as never,
        }),
      ),
    async capacity(token, fundId) {
      const c = await expectStatus(t.api(token).GET('/api/v1/risk-funds/{id}/capacity', { params: { path: { id: fundId } } }), 200);
      return c.body;
    },
  };
}
