import { claimDecision, sendFailure, type ClaimFacts } from './delivery.js';

const FACTS: ClaimFacts = {
  id: '9',
  installmentId: '70',
  offsetDays: -1,
  remindOn: '2026-03-14',
  dueDate: '2026-03-15',
  number: 2,
  installmentStatus: 'OPEN',
  owedFen: 103_529n,
  loan: {
    id: '5',
    loanNo: 'L-5',
    status: 'DISBURSED',
    channel: 'MUTUAL_AID',
    fundId: '1',
    bankId: null,
    bankLoanRef: null,
  },
  borrower: { type: 'HOUSEHOLD', householdId: '3', entityId: null, name: '张三', phone: '13800138000' },
  endpoint: { id: '4', channel: 'WEBHOOK', hasSecret: true, secretReadable: true },
};
// 10:00 in Shanghai on the reminder's day.
const AT = {
  now: new Date('2026-03-14T02:00:00Z'),
  today: '2026-03-14',
  quietHours: { startHour: 21, endHour: 8, timeZone: 'Asia/Shanghai' },
};

describe('claimDecision', () => {
  it('sends an owed, current reminder with its body', () => {
    const d = claimDecision(FACTS, AT);
    expect(d.kind).toBe('send');
    if (d.kind !== 'send') return;
    expect(d.payload).toMatchObject({
      id: '9',
      offsetDays: -1,
      sentOn: '2026-03-14',
      installment: { id: '70', number: 2, dueDate: '2026-03-15', amountDue: '1035.29' },
      borrower: { phone: '13800138000' },
      message: d.rendered.text,
    });
  });

  it('skips a paid instalment or a closed loan', () => {
    for (const f of [
      { ...FACTS, installmentStatus: 'PAID' },
      { ...FACTS, owedFen: 0n },
      { ...FACTS, loan: { ...FACTS.loan, status: 'CLOSED' } },
    ]) {
      expect(claimDecision(f, AT)).toEqual({
        kind: 'settle',
        state: 'SKIPPED_PAID',
        reason: 'the instalment was paid before the reminder went out',
      });
    }
  });

  it('cancels a written-off instalment or a loan no longer outstanding', () => {
    const d = claimDecision({ ...FACTS, loan: { ...FACTS.loan, status: 'WRITTEN_OFF' } }, AT);
    expect(d).toMatchObject({ kind: 'settle', state: 'CANCELLED' });
    expect(claimDecision({ ...FACTS, installmentStatus: 'WRITTEN_OFF' }, AT)).toMatchObject({
      state: 'CANCELLED',
    });
  });

  it('supersedes a reminder whose window closed', () => {
    const late = { ...AT, today: '2026-03-20', now: new Date('2026-03-20T02:00:00Z') };
    expect(claimDecision(FACTS, late)).toMatchObject({ kind: 'settle', state: 'SUPERSEDED' });
  });

  it('fails without an endpoint or with a secret the server cannot read', () => {
    const none = { ...FACTS, endpoint: { id: null, channel: null, hasSecret: false, secretReadable: true } };
    expect(claimDecision(none, AT)).toMatchObject({ state: 'FAILED' });
    const unreadable = { ...FACTS, endpoint: { ...FACTS.endpoint, secretReadable: false } };
    expect(claimDecision(unreadable, AT)).toMatchObject({
      state: 'FAILED',
      reason: 'the secret of endpoint 4 cannot be read (server key changed?): rotate the endpoint secret',
    });
  });

  it('defers an SMS in quiet hours to their end, but not a webhook', () => {
    const night = { ...AT, now: new Date('2026-03-14T14:00:00Z') }; // 22:00 in Shanghai
    const sms = { ...FACTS, endpoint: { ...FACTS.endpoint, channel: 'SMS' } };
    const d = claimDecision(sms, night);
    expect(d).toMatchObject({ kind: 'settle', state: 'DEFERRED' });
    if (d.kind === 'settle') expect(d.deferredUntil?.toISOString()).toBe('2026-03-15T00:00:00.000Z');
    expect(claimDecision(FACTS, night).kind).toBe('send');
  });
});

describe('sendFailure', () => {
  it('retries a retryable failure while attempts remain, then gives up saying so', () => {
    expect(sendFailure({ reason: 'HTTP 503', retryable: true }, 1, 3)).toEqual({
      kind: 'RETRY',
      reason: 'HTTP 503',
    });
    expect(sendFailure({ reason: 'HTTP 503', retryable: true }, 3, 3)).toEqual({
      kind: 'FAILED',
      reason: 'HTTP 503 (gave up after 3 attempts)',
    });
  });

  it('fails a refusal at once', () => {
    expect(sendFailure({ reason: 'HTTP 400', retryable: false }, 1, 3)).toEqual({
      kind: 'FAILED',
      reason: 'HTTP 400',
    });
  });
});
