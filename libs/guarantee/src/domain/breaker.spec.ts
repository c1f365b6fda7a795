import {
  bankBreakerView,
  breakerAction,
  breakerEventView,
  changesOf,
  districtBreakerView,
  figuresOf,
  figuresView,
  type BreakerFigures,
} from './breaker.js';

const row = (npl: string, outstanding = '1000000', threshold = '5.00') => ({
  district_id: '11',
  npl_overdue_days: 90,
  threshold,
  outstanding,
  npl,
});

describe('the district breaker', () => {
  it('trips at the threshold, not below it', () => {
    expect(figuresOf(row('50000')).state).toBe('SUSPENDED');
    expect(figuresOf(row('49999')).state).toBe('NORMAL');
    expect(figuresOf(row('0', '0')).state).toBe('NORMAL');
    expect(figuresOf(row('50000'))).toMatchObject({ ratioPercent: '5.0000', thresholdPercent: '5' });
  });

  it('reports only the districts whose state changes, from NORMAL when never decided', () => {
    const tripped: BreakerFigures = figuresOf(row('60000'));
    const calm: BreakerFigures = { ...figuresOf(row('0')), districtId: '12' };
    expect(changesOf([tripped, calm], new Map())).toEqual([{ ...tripped, from: 'NORMAL' }]);
    expect(changesOf([tripped, calm], new Map([['11', 'SUSPENDED']]))).toEqual([]);
    const reset = changesOf([calm], new Map([['12', 'SUSPENDED']]));
    expect(reset.map(breakerAction)).toEqual(['DISTRICT_BREAKER_RESET']);
    expect(breakerAction({ ...tripped, from: 'NORMAL' })).toBe('DISTRICT_BREAKER_TRIPPED');
  });

  it('shows figures and history in yuan', () => {
    expect(figuresView(figuresOf(row('60000')))).toEqual({
      coveredOutstanding: '10000.00',
      nonPerforming: '600.00',
      nplOverdueDays: 90,
      ratioPercent: '6.0000',
      thresholdPercent: '5',
    });
    const at = new Date('2026-03-01T00:00:00Z');
    expect(
      breakerEventView({
        id: '1',
        from_state: 'NORMAL',
        to_state: 'SUSPENDED',
        npl_fen: '60000',
        outstanding_fen: '1000000',
        ratio: '6.0000',
        threshold: '5.00',
        cause: 'c',
        actor: 'a',
        at,
      }),
    ).toMatchObject({ nonPerforming: '600.00', thresholdPercent: '5', at });
  });
});

describe('the district breaker view', () => {
  it('reads NORMAL for a district never decided, and shows no live figures without a fund', () => {
    const v = districtBreakerView({ id: '11', code: 'D01', name: 'East' }, undefined, undefined, {
      rows: [],
      total: 0,
      page: 1,
      pageSize: 20,
    });
    expect(v).toMatchObject({ state: 'NORMAL', hasRiskFund: false, live: null, changedAt: null });
    expect(v.history).toEqual({ items: [], page: 1, pageSize: 20, total: 0 });
  });

  it('shows the live decision beside the recorded one', () => {
    const live = figuresOf({
      district_id: '11',
      npl_overdue_days: 90,
      threshold: '5',
      outstanding: '100',
      npl: '6',
    });
    const at = new Date('2026-03-01T00:00:00Z');
    const v = districtBreakerView(
      { id: '11', code: 'D01', name: 'East' },
      live,
      { state: 'NORMAL', changed_at: at, evaluated_at: at },
      {
        rows: [],
        total: 0,
        page: 1,
        pageSize: 20,
      },
    );
    expect(v.live).toMatchObject({ state: 'SUSPENDED', ratioPercent: '6.0000' });
    expect(v.state).toBe('NORMAL');
  });
});

describe('bankBreakerView: a bank sees the decision, and money of its own only', () => {
  it('keeps state and threshold, replaces the district figures by its own, strips the history', () => {
    const d = { id: '11', code: 'D11', name: 'District 11' };
    const live = figuresOf(row('60000'));
    const own = figuresOf(row('0', '20000'));
    const at = new Date('2026-07-01T02:00:00Z');
    const v = bankBreakerView(
      d,
      live,
      own,
      { state: 'SUSPENDED', changed_at: at, evaluated_at: at },
      {
        rows: [
          {
            id: '1',
            from_state: 'NORMAL',
            to_state: 'SUSPENDED',
            npl_fen: '60000',
            outstanding_fen: '1000000',
            ratio: '6.0000',
            threshold: '5.00',
            cause: 'status report on loan 42',
            actor: 'apikey:other-bank',
            at,
          },
        ],
        total: 1,
        page: 1,
        pageSize: 50,
      },
    );
    expect(v).toMatchObject({ scope: 'OWN_BANK', state: 'SUSPENDED' });
    expect(v.live).toEqual({
      state: 'SUSPENDED',
      thresholdPercent: '5',
      nplOverdueDays: 90,
      ownBank: { coveredOutstanding: '200.00', nonPerforming: '0.00', ratioPercent: '0.0000' },
    });
    expect(v.history.items).toEqual([
      { id: '1', from: 'NORMAL', to: 'SUSPENDED', thresholdPercent: '5', at },
    ]);
    expect(JSON.stringify(v)).not.toMatch(/600\.00|10000\.00|loan 42|other-bank/);
  });
});
