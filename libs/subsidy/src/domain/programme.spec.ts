import { DEFAULT_CALENDAR } from './calendar.js';
import {
  budgetBelowCommitted,
  budgetInputErrors,
  payableNow,
  programmeContributionErrors,
  programmeInputErrors,
  programmePatchErrors,
  sortedMonths,
} from './programme.js';
import { budgetView, periodsWithClaims, positionAccounts, programmeView } from './programme-view.js';
import { periodsOfYear } from './calendar.js';

const fields = (errors: { field: string; code?: string }[]) => errors.map((e) => `${e.field}:${e.code}`);

describe('programme settings', () => {
  const ok = {
    code: 'SUB-2026',
    name: 'Interest subsidy',
    settlementMode: 'PAY_BANK',
    calendar: DEFAULT_CALENDAR,
    graceDays: 10,
  };

  it('accepts a valid programme', () => {
    expect(programmeInputErrors(ok)).toEqual([]);
  });

  it('returns every broken rule at once', () => {
    expect(
      fields(
        programmeInputErrors({
          code: 'sub',
          name: ' ',
          settlementMode: 'CASH',
          calendar: { endMonths: [13], endDay: 20 },
          graceDays: 91,
        }),
      ),
    ).toEqual([
      'code:FORMAT',
      'name:FORMAT',
      'settlementMode:INVALID',
      'periodEndMonths:INVALID',
      'graceDays:RANGE',
    ]);
  });

  it('refuses a name that is not text and fractional grace days', () => {
    expect(fields(programmeInputErrors({ ...ok, name: 42, graceDays: 1.5 }))).toEqual([
      'name:FORMAT',
      'graceDays:RANGE',
    ]);
  });

  it('checks only what a patch changes', () => {
    expect(programmePatchErrors({})).toEqual([]);
    expect(fields(programmePatchErrors({ name: 'x'.repeat(201), graceDays: -1 }))).toEqual([
      'name:FORMAT',
      'graceDays:RANGE',
    ]);
    expect(programmePatchErrors({ graceDays: 90 })).toEqual([]);
  });

  it('stores period end months ascending', () => {
    expect(sortedMonths([12, 3, 9, 6])).toEqual([3, 6, 9, 12]);
  });
});

describe('programme contributions', () => {
  const base = {
    source: 'CITY' as const,
    amountFen: 100n,
    year: 2026,
    receivedOn: '2026-03-01',
    documentRef: 'CZ-2026-1',
    soeName: null,
    soeProfitBaseFen: null,
  };

  it('accepts public money under a document', () => {
    expect(programmeContributionErrors(base, '2026-03-01')).toEqual([]);
  });

  it('refuses a zero amount, a future date, an odd year and a missing document', () => {
    expect(
      fields(
        programmeContributionErrors(
          { ...base, amountFen: 0n, receivedOn: '2026-03-02', year: 1999, documentRef: ' ' },
          '2026-03-01',
        ),
      ),
    ).toEqual(['amount:RANGE', 'receivedOn:FUTURE', 'year:RANGE', 'documentRef:REQUIRED']);
  });

  it('an SOE names itself and gives at most its profit base', () => {
    expect(fields(programmeContributionErrors({ ...base, source: 'SOE' }, '2026-03-01'))).toEqual([
      'soeName:REQUIRED',
      'soeProfitBase:REQUIRED',
    ]);
    expect(
      fields(
        programmeContributionErrors(
          { ...base, source: 'SOE', soeName: 'A', soeProfitBaseFen: 99n },
          '2026-03-01',
        ),
      ),
    ).toEqual(['amount:ABOVE_PROFIT_BASE']);
    expect(
      programmeContributionErrors(
        { ...base, source: 'SOE', soeName: 'A', soeProfitBaseFen: 100n },
        '2026-03-01',
      ),
    ).toEqual([]);
  });

  it('other sources carry no SOE fields', () => {
    expect(
      fields(programmeContributionErrors({ ...base, soeName: 'A', soeProfitBaseFen: 1n }, '2026-03-01')),
    ).toEqual(['soeName:NOT_ALLOWED', 'soeProfitBase:NOT_ALLOWED']);
  });
});

describe('budgets', () => {
  it('checks year, amount and reason', () => {
    expect(budgetInputErrors({ year: 2026, budgetFen: 0n, reason: 'initial' })).toEqual([]);
    expect(fields(budgetInputErrors({ year: 2101, budgetFen: -1n, reason: ' ' }))).toEqual([
      'year:RANGE',
      'budget:RANGE',
      'reason:REQUIRED',
    ]);
  });

  it('never goes below what is committed', () => {
    expect(budgetBelowCommitted(99n, 100n)).toBe(true);
    expect(budgetBelowCommitted(100n, 100n)).toBe(false);
  });

  it('pays at most the remaining budget and at most the cash', () => {
    expect(payableNow(1000n, 400n, 10_000n)).toBe(600n);
    expect(payableNow(1000n, 400n, 250n)).toBe(250n);
    expect(payableNow(1000n, 1000n, 250n)).toBe(0n);
  });

  it('shows remaining and queued amounts in yuan', () => {
    expect(
      budgetView('7', {
        year: 2026,
        budget_fen: '100000',
        committed_fen: '25050',
        queued: '120',
        queued_claims: 2,
      }),
    ).toEqual({
      programmeId: '7',
      year: 2026,
      budget: '1000.00',
      committed: '250.50',
      remaining: '749.50',
      queued: '1.20',
      queuedClaims: 2,
    });
  });
});

describe('programme views', () => {
  it('reads the position from the programme accounts, zero when never posted', () => {
    const accounts = positionAccounts('3');
    expect(accounts).toContain('SUB:3:BUDGET');
    const view = programmeView(
      {
        id: '3',
        code: 'P',
        name: 'P',
        district_id: null,
        settlement_mode: 'PAY_BANK',
        period_end_months: [3, 6, 9, 12],
        period_end_day: 20,
        grace_days: 0,
        status: 'ACTIVE',
        created_by: 'admin',
        created_at: new Date('2026-01-01T00:00:00Z'),
        updated_at: new Date('2026-01-02T00:00:00Z'),
      },
      new Map([['SUB:3:BUDGET', 12345n]]),
    );
    expect(view.position.available).toBe('123.45');
    expect(view.position.expense).toBe('0.00');
    expect(view.calendar).toEqual({ periodEndMonths: [3, 6, 9, 12], periodEndDay: 20 });
    expect(view.updatedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('lists every period of the year with zeros where nothing was claimed', () => {
    const periods = periodsWithClaims(periodsOfYear(2026, DEFAULT_CALENDAR), [
      { period_end: '2026-06-20', claims: 2, total: '500', approved: '400', queued: '100' },
    ]);
    expect(periods.map((p) => [p.end, p.claims, p.total, p.queued])).toEqual([
      ['2026-03-20', 0, '0.00', '0.00'],
      ['2026-06-20', 2, '5.00', '1.00'],
      ['2026-09-20', 0, '0.00', '0.00'],
      ['2026-12-20', 0, '0.00', '0.00'],
    ]);
  });
});
