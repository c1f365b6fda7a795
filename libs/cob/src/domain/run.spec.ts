import { closedRefusal, dateRefusal, runView } from './run.js';

describe('close-of-business run rules', () => {
  it('runs calendar dates up to today only', () => {
    expect(dateRefusal('2026-03-01', '2026-03-01')).toBeNull();
    expect(dateRefusal('2026-02-30', '2026-03-01')?.code).toBe('isCalendarDate');
    expect(dateRefusal('20260301', '2026-03-01')?.code).toBe('isCalendarDate');
    expect(dateRefusal('2026-03-02', '2026-03-01')).toMatchObject({
      code: 'COB_DATE_IN_FUTURE',
      detail: 'business date 2026-03-02 has not come yet (today is 2026-03-01)',
    });
  });

  it('never goes back before the latest closed date, the latest itself may run again', () => {
    expect(closedRefusal(null, '2026-01-01')).toBeNull();
    expect(closedRefusal('2026-03-01', '2026-03-01')).toBeNull();
    expect(closedRefusal('2026-03-01', '2026-03-02')).toBeNull();
    expect(closedRefusal('2026-03-01', '2026-02-28')).toMatchObject({
      code: 'COB_DATE_CLOSED',
      message: 'before the latest closed date 2026-03-01',
    });
  });

  it('shows a run with its checkpoints in the order given', () => {
    const view = runView(
      {
        business_date: '2026-03-01',
        status: 'COMPLETED',
        attempts: 2,
        loans_processed: 12,
        batches: 3,
        covered_processed: 1,
        calls_raised: 1,
        calls_cleared: 0,
        snapshots: 1,
        triggered_by: 'test',
        last_error: null,
        started_at: new Date('2026-03-01T16:00:00Z'),
        finished_at: null,
      },
      [{ step: 'LOANS', last_id: '9', batches: 3, rows_done: 12, done: true }],
    );
    expect(view).toMatchObject({
      businessDate: '2026-03-01',
      attempts: 2,
      startedAt: '2026-03-01T16:00:00.000Z',
      finishedAt: null,
      checkpoints: [{ step: 'LOANS', lastId: '9', batches: 3, rowsDone: 12, done: true }],
    });
  });
});
