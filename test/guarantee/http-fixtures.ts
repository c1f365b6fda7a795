import request from 'supertest';
import type { TestApp } from '#libs/testing';
import type { DistrictFixture } from './fixtures.js';

/**
 * HTTP arrange builders for the guarantee e2e tests: a bank with its API key, a district risk fund with a first
 * deposit and one agreement per bank, and the bank's usual calls. Every builder asserts its own status, so a
 * broken arrange step fails where it happens and not three assertions later.
 */
export interface GuaranteeHttp {
  http: () => ReturnType<typeof request>;
  idem: (prefix?: string) => string;
  bearer: (token: string) => { Authorization: string };
  bankWithKey(): Promise<{ id: string; key: string }>;
  riskFund(input: { districtId: string; deposit: string; receivedOn: string }): Promise<string>;
  agreement(
    input: Record<string, unknown> & { riskFundId: string; bankId: string; validFrom: string },
  ): Promise<string>;
  register(
    key: string,
    district: DistrictFixture,
    body: Record<string, unknown>,
    idemKey?: string,
  ): ReturnType<ReturnType<typeof request>['post']>;
  status(
    key: string,
    loanId: string,
    body: Record<string, unknown>,
  ): ReturnType<ReturnType<typeof request>['post']>;
  repay(
    key: string,
    loanId: string,
    body: Record<string, unknown>,
  ): ReturnType<ReturnType<typeof request>['post']>;
  claim(
    key: string,
    loanId: string,
    body?: Record<string, unknown>,
  ): ReturnType<ReturnType<typeof request>['post']>;
  capacity(token: string, fundId: string): Promise<Record<string, any>>;
}

let n = 0;

export function guaranteeHttp(t: TestApp, tokens: { admin: string; fundAdmin: string }): GuaranteeHttp {
  const http = () => request(t.http);
  const idem = (p = 'k') => `${p}-${++n}-${Math.random().toString(36).slice(2, 10)}`;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  return {
    http,
    idem,
    bearer,
    async bankWithKey() {
      const code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      const b = await http()
        .post('/api/v1/banks')
        .set(bearer(tokens.admin))
        .send({ code, name: `Bank ${code}` });
      expect(b.status).toBe(201);
      const officer = await t.tokenFor('BANK_OFFICER', { bankId: b.body.id });
      const k = await http()
        .post(`/api/v1/banks/${b.body.id}/api-keys`)
        .set(bearer(officer))
        .send({ label: 'core banking' });
      expect(k.status).toBe(201);
      return { id: b.body.id, key: k.body.key };
    },
    async riskFund({ districtId, deposit, receivedOn }) {
      const f = await http().post('/api/v1/risk-funds').set(bearer(tokens.fundAdmin)).send({ districtId });
      expect(f.status).toBe(201);
      const dep = await http()
        .post(`/api/v1/risk-funds/${f.body.id}/deposits`)
        .set(bearer(tokens.fundAdmin))
        .set('Idempotency-Key', idem('dep'))
        .send({ source: 'CITY', amount: deposit, receivedOn });
      expect(dep.status).toBe(201);
      return f.body.id as string;
    },
    async agreement(input) {
      const ag = await http()
        .post('/api/v1/guarantee-agreements')
        .set(bearer(tokens.fundAdmin))
        .send({ agreementNo: idem('AG'), ...input });
      expect(ag.status).toBe(201);
      return ag.body.id as string;
    },
    register: (key, district, body, idemKey = idem('reg')) =>
      http()
        .post('/api/v1/covered-loans')
        .set('X-Api-Key', key)
        .set('Idempotency-Key', idemKey)
        .send({
          borrowerType: 'HOUSEHOLD',
          householdId: district.householdId,
          productCode: 'HH_MICRO_STD',
          termMonths: 12,
          purpose: 'BREEDING',
          ...body,
        }),
    status: (key, loanId, body) =>
      http()
        .post(`/api/v1/covered-loans/${loanId}/status`)
        .set('X-Api-Key', key)
        .set('Idempotency-Key', idem('st'))
        .send(body),
    repay: (key, loanId, body) =>
      http()
        .post(`/api/v1/covered-loans/${loanId}/repayments`)
        .set('X-Api-Key', key)
        .set('Idempotency-Key', idem('rep'))
        .send(body),
    claim: (key, loanId, body = {}) =>
      http()
        .post(`/api/v1/covered-loans/${loanId}/claims`)
        .set('X-Api-Key', key)
        .set('Idempotency-Key', idem('claim'))
        .send(body),
    async capacity(token, fundId) {
      const c = await http().get(`/api/v1/risk-funds/${fundId}/capacity`).set(bearer(token));
      expect(c.status).toBe(200);
      return c.body;
    },
  };
}
