import { endpointErrors, needsRemote, scopeName, type EndpointDraft } from './endpoints.js';

const OK = { bankExists: true, fundExists: true, isProduction: false };
const webhook: EndpointDraft = {
  scope: 'BANK',
  bankId: '3',
  fundId: null,
  channel: 'WEBHOOK',
  url: 'https://bank.example/reminders',
  signName: null,
};

describe('endpointErrors', () => {
  it('accepts a bank webhook, a fund SMS endpoint and a default log endpoint', () => {
    expect(endpointErrors(webhook, OK)).toEqual([]);
    expect(
      endpointErrors(
        { ...webhook, scope: 'FUND', bankId: null, fundId: '1', channel: 'SMS', signName: '互助社' },
        OK,
      ),
    ).toEqual([]);
    expect(
      endpointErrors({ ...webhook, scope: 'DEFAULT', bankId: null, channel: 'LOG', url: null }, OK),
    ).toEqual([]);
  });

  it('returns every failed rule at once, in field order', () => {
    const errors = endpointErrors(
      { scope: 'DEFAULT', bankId: '3', fundId: '1', channel: 'LOG', url: 'http://x', signName: 'x' },
      { ...OK, isProduction: true },
    );
    expect(errors.map((e) => `${e.field}:${e.code}`)).toEqual([
      'bankId:NOT_ALLOWED',
      'fundId:NOT_ALLOWED',
      'url:NOT_ALLOWED',
      'url:HTTPS_REQUIRED',
      'signName:NOT_ALLOWED',
    ]);
  });

  it('names a missing or unknown bank or fund', () => {
    expect(endpointErrors({ ...webhook, bankId: null }, OK)[0]).toMatchObject({
      field: 'bankId',
      code: 'REQUIRED',
    });
    expect(endpointErrors(webhook, { ...OK, bankExists: false })).toEqual([
      { field: 'bankId', code: 'UNKNOWN_BANK', message: 'bank 3 does not exist' },
    ]);
    const fund = { ...webhook, scope: 'FUND' as const, bankId: null, fundId: '9' };
    expect(endpointErrors(fund, { ...OK, fundExists: false })[0].code).toBe('UNKNOWN_FUND');
  });

  it('needs a URL for remote channels only', () => {
    expect(needsRemote('LOG')).toBe(false);
    expect(endpointErrors({ ...webhook, url: null }, OK)).toEqual([
      { field: 'url', code: 'REQUIRED', message: 'a WEBHOOK endpoint needs the URL it posts to' },
    ]);
  });
});

describe('scopeName', () => {
  it('names the scope in messages', () => {
    expect(scopeName('BANK', '3', null)).toBe('bank 3');
    expect(scopeName('FUND', null, '1')).toBe('fund 1');
    expect(scopeName('DEFAULT', null, null)).toBe('the default scope');
  });
});
