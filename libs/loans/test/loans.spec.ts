import {
  ageingEvent,
  ageingOf,
  LoanAgeingStore,
  LoanStore,
  STANDARD_BUCKET_LIMITS_DAYS,
  type BucketLimitsDays,
  type LoanRow,
  type NewLoan,
} from '#libs/loans';
import { yuan } from '#libs/money';
import { addDays } from '#libs/schedules';
import { harness, world, type Harness, type World } from '../../origination/test/harness.js';

/**
 * The loans library on a real database: the loan rows it creates and updates, the locks, the events, and the ageing
 * rule's SQL form held to the pure one (domain/ageing.ts) for every boundary.
 */
let h: Harness;
let w: World;
let loans: LoanStore;
let ageing: LoanAgeingStore;
let productVersionId: string;
const D = '2026-06-01';

beforeAll(async () => {
  h = await harness(10, D);
  w = await world(h, { members: 20, groupSize: 0 });
  loans = new LoanStore(h.db.dataSource);
  ageing = new LoanAgeingStore();
  productVersionId = (await h.products.currentVersion('MUTUAL_AID_STD')).versionId;
});
afterAll(async () => h.db.drop());

let next = 0;
function newLoan(over: Partial<NewLoan> = {}): NewLoan {
  return {
    loan_no: { mutualAidSequenceOn: D },
    channel: 'MUTUAL_AID',
    product_version_id: productVersionId,
    borrower_type: 'HOUSEHOLD',
    household_id: w.households[next++],
    district_id: w.districtId,
    village_id: w.villageId,
    fund_id: w.fundId,
    principal_fen: yuan('1200'),
    term_months: 12,
    purpose: 'BREEDING',
    method: 'EQUAL_PRINCIPAL',
    frequency: 'MONTHLY',
    day_count: 'PERIOD',
    rounding: 'HALF_UP',
    status: 'DISBURSED',
    created_by: 'test',
    ...over,
  };
}

/** A disbursed loan whose first instalment fell due `days` days before D and is OVERDUE (days 0: nothing overdue). */
async function loanOverdue(days: number): Promise<LoanRow> {
  const due = addDays(D, -Math.max(days, 1));
  const schedule = [1, 2].map((n) => ({
    number: n,
    dueDate: n === 1 ? due : addDays(D, 30),
    periodStart: n === 1 ? addDays(due, -30) : due,
    days: 30,
    principalFen: yuan('600'),
    interestFen: yuan('5'),
  }));
  return h.db.dataSource.transaction(async (m) => {
    const loan = await loans.createWithSchedule(m, newLoan(), schedule);
    if (days > 0) {
      const stored = await loans.installments(m, loan.id, { lock: true });
      await loans.saveInstallments(m, loan.id, stored, [
        {
          number: 1,
          interestFen: yuan('5'),
          penaltyFen: 0n,
          penaltyFenDays: 0n,
          accruedThrough: null,
          paidPrincipalFen: 0n,
          paidInterestFen: 0n,
          paidPenaltyFen: 0n,
          status: 'OVERDUE',
          overdueSince: addDays(due, 1),
          paidOn: null,
          interestPaidOn: null,
        },
      ]);
    }
    return loan;
  });
}

const reload = async (id: string) => (await loans.find(null, id))!;

describe('LoanStore', () => {
  it('creates a mutual-aid loan numbered from its sequence, with its schedule frozen in number order', async () => {
    const loan = await loanOverdue(0);
    expect(loan.loan_no).toMatch(/^MA-2026-\d{6}$/);
    expect(loan).toMatchObject({
      status: 'DISBURSED',
      version: 1,
      principal_fen: '120000',
      outstanding_principal_fen: '0',
    });
    const inst = await loans.installments(null, loan.id);
    expect(inst.map((i) => [i.number, i.status, i.principal_fen, i.original_interest_fen])).toEqual([
      [1, 'OPEN', '60000', '500'],
      [2, 'OPEN', '60000', '500'],
    ]);
  });

  it('updates only the named columns, moves the version on unless told not to, and refuses unknown columns', async () => {
    const loan = await loanOverdue(0);
    const after = await h.db.dataSource.transaction((m) =>
      loans.update(m, loan.id, { outstanding_principal_fen: yuan('1200'), status_reason: 'test' }),
    );
    expect(after).toMatchObject({
      version: 2,
      outstanding_principal_fen: '120000',
      status_reason: 'test',
      purpose: 'BREEDING',
    });
    const quiet = await h.db.dataSource.transaction((m) =>
      loans.update(m, loan.id, { days_overdue: 0 }, { touch: false }),
    );
    expect(quiet.version).toBe(2);
    await expect(
      h.db.dataSource.transaction((m) =>
        loans.update(m, loan.id, { ['id; DROP TABLE loans' as 'purpose']: 'x' }),
      ),
    ).rejects.toThrow(/not a writable column/);
  });

  it('locks several loans in id order and answers nothing for ids that are not ids', async () => {
    const a = await loanOverdue(0);
    const b = await loanOverdue(0);
    const rows = await h.db.dataSource.transaction((m) => loans.lockMany(m, [b.id, 'x', a.id]));
    expect(rows.map((r) => r.id)).toEqual([a.id, b.id].sort((x, y) => Number(x) - Number(y)));
    expect(await loans.find(null, '0')).toBeUndefined();
    const both = await h.db.dataSource.transaction((m) => loans.lockWithInstallments(m, a.id));
    expect(both?.installments.map((i) => i.number)).toEqual([1, 2]);
  });

  it('records events: empty data as NULL unless asked to keep it', async () => {
    const loan = await loanOverdue(0);
    await h.db.dataSource.transaction(async (m) => {
      await loans.recordEvent(m, { loanId: loan.id, event: 'A', actor: 't', data: {} });
      await loans.recordEvent(m, { loanId: loan.id, event: 'B', actor: 't', data: {}, keepEmptyData: true });
      await loans.recordEvent(m, {
        loanId: loan.id,
        event: 'C',
        fromStatus: 'X',
        toStatus: 'Y',
        actor: 't',
        reason: 'r',
        data: { k: 1 },
      });
    });
    const events = await loans.events(null, loan.id);
    expect(events.map((e) => [e.event, e.from_status, e.to_status, e.reason, e.data])).toEqual([
      ['A', null, null, null, null],
      ['B', null, null, null, {}],
      ['C', 'X', 'Y', 'r', { k: 1 }],
    ]);
    expect(await loans.countEvents(null, loan.id)).toBe(3);
    expect((await loans.events(null, loan.id, { limit: 1, offset: 1 })).map((e) => e.event)).toEqual(['B']);
  });
});

describe('LoanAgeingStore: the SQL form of the one ageing rule', () => {
  const run = (limits: BucketLimitsDays = STANDARD_BUCKET_LIMITS_DAYS) => ({
    date: D,
    actor: 'cob',
    bucketLimitsDays: limits,
  });

  it('ages by the oldest overdue instalment exactly as ageingOf does, with the product line, and only once', async () => {
    const days = [0, 1, 30, 31, 60, 61, 90, 91];
    const made = [];
    for (const d of days) made.push(await loanOverdue(d));
    const ids = made.map((l) => l.id);
    const written = await h.db.dataSource.transaction((m) => ageing.ageByOverdueInstallments(m, run(), ids));
    const policy = { bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS, nplOverdueDays: 90 };
    const expected = days.map((d) => ageingOf(d, policy));
    const rows = await Promise.all(ids.map(reload));
    expect(
      rows.map((r) => ({
        daysOverdue: r.days_overdue,
        bucket: r.arrears_bucket,
        nonPerforming: r.non_performing,
      })),
    ).toEqual(expected);
    const start = { bucket: 'CURRENT' as const, nonPerforming: false };
    const events = expected.map((e) => ageingEvent(start, e));
    expect(written).toEqual({
      changed: days.filter((d) => d > 0).length,
      events: events.filter(Boolean).length,
    });
    for (const [i, id] of ids.entries()) {
      const ev = (await loans.events(null, id)).map((e) => [e.event, e.actor, e.data]);
      expect(ev).toEqual(
        events[i]
          ? [
              [
                events[i],
                'cob',
                { businessDate: D, from: 'CURRENT', to: expected[i].bucket, daysOverdue: days[i] },
              ],
            ]
          : [],
      );
    }
    // a second run for the date writes nothing
    expect(await h.db.dataSource.transaction((m) => ageing.ageByOverdueInstallments(m, run(), ids))).toEqual({
      changed: 0,
      events: 0,
    });
  });

  it("takes the non-performing line from the loan's product version and the buckets from the caller", async () => {
    const [pv] = await h.db.dataSource.query(
      `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                     method, frequency, day_count, rate_source, fixed_rate_percent, created_by, npl_overdue_days)
       SELECT product_id, 900, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months, method, frequency,
              day_count, 'FIXED', 4.35, 'test', 20
         FROM product_versions WHERE id = $1 RETURNING id::text`,
      [productVersionId],
    );
    const loan = await loanOverdue(21);
    await h.db.dataSource.query(`UPDATE loans SET product_version_id = $2 WHERE id = $1`, [loan.id, pv.id]);
    const limits: BucketLimitsDays = [7, 14, 21];
    await h.db.dataSource.transaction((m) => ageing.ageByOverdueInstallments(m, run(limits), [loan.id]));
    const expected = ageingOf(21, { bucketLimitsDays: limits, nplOverdueDays: 20 });
    expect(expected).toEqual({ daysOverdue: 21, bucket: 'DPD_61_90', nonPerforming: true });
    expect(await reload(loan.id)).toMatchObject({
      days_overdue: 21,
      arrears_bucket: 'DPD_61_90',
      non_performing: true,
    });
    expect((await loans.events(null, loan.id)).map((e) => e.event)).toEqual(['NON_PERFORMING']);
  });

  it('applies figures a channel computed, by the same rule; loans not DISBURSED are left alone', async () => {
    const a = await loanOverdue(0);
    const closed = await loanOverdue(0);
    await h.db.dataSource.query(`UPDATE loans SET status = 'CLOSED' WHERE id = $1`, [closed.id]);
    const written = await h.db.dataSource.transaction((m) =>
      ageing.applyAgeing(m, { ...run(), eventWithNonPerforming: true }, [
        { loanId: a.id, daysOverdue: 45, nplOverdueDays: 40 },
        { loanId: closed.id, daysOverdue: 45, nplOverdueDays: 40 },
      ]),
    );
    expect(written).toEqual({ changed: 1, events: 1 });
    expect(await reload(a.id)).toMatchObject({
      days_overdue: 45,
      arrears_bucket: 'DPD_31_60',
      non_performing: true,
    });
    expect(await reload(closed.id)).toMatchObject({
      days_overdue: 0,
      arrears_bucket: 'CURRENT',
      non_performing: false,
    });
    expect((await loans.events(null, a.id)).map((e) => e.data)).toEqual([
      { businessDate: D, from: 'CURRENT', to: 'DPD_31_60', daysOverdue: 45, nonPerforming: true },
    ]);
    await expect(
      h.db.dataSource.transaction((m) =>
        ageing.applyAgeing(m, run([30, 30, 90]), [{ loanId: a.id, daysOverdue: 1, nplOverdueDays: 90 }]),
      ),
    ).rejects.toThrow(/increasing/);
  });
});
