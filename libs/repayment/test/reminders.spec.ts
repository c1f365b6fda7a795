import { parseYuan } from '#libs/money';
import {
  asActor,
  createFund,
  createProduct,
  disburse,
  key,
  loanOf,
  refused,
  repaymentHarness,
  setToday,
  type RepaymentHarness,
} from '../../../test/repayment/fixtures.js';

/**
 * A repayment marks the waiting reminders (QUEUED, DEFERRED) of the instalments it pays off SKIPPED_PAID in its own
 * transaction; nothing else: not partly paid instalments, not reminders being sent or settled, not after a rollback.
 */

let h: RepaymentHarness;

beforeAll(async () => {
  h = await repaymentHarness();
});
afterAll(async () => h.db.drop());
afterEach(async () => expect((await h.ledger.verify()).ok).toBe(true));

const officer = <T>(fn: () => Promise<T>) => asActor('LOAN_OFFICER', fn, 'loan.officer');

interface Inst {
  id: string;
  number: number;
  due_date: string;
  owed: string;
  status: string;
}

/** A 3-month EQUAL_INSTALLMENT loan disbursed on 2026-01-15 (due 02-15, 03-15, 04-15); today is its first due date. */
async function loan(): Promise<{ loanId: string; inst: Inst[] }> {
  setToday(h.clock, '2026-01-15');
  const fund = await createFund(h, 10_000_000n);
  const product = await createProduct(h.ds, { method: 'EQUAL_INSTALLMENT', frequency: 'MONTHLY' });
  const loanId = await disburse(h, {
    fund,
    productVersionId: product,
    principalFen: 300_000n,
    termMonths: 3,
    date: '2026-01-15',
  });
  setToday(h.clock, '2026-02-15');
  return { loanId, inst: await installments(loanId) };
}

async function installments(loanId: string): Promise<Inst[]> {
  return h.ds.query(
    `SELECT id::text, number, due_date, status,
            (principal_fen + interest_fen + penalty_fen - paid_principal_fen - paid_interest_fen - paid_penalty_fen)::text AS owed
       FROM loan_installments WHERE loan_id = $1 ORDER BY number`,
    [loanId],
  );
}

/** An outbox row as selection would write it (LOG channel), in the given state. */
async function remind(i: Inst, loanId: string, offsetDays: number, state = 'QUEUED'): Promise<string> {
  const [row] = await h.ds.query(
    `INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, due_date, remind_on, run_id, channel, state,
                                  attempts, deferred_until, lease_until, sent_at)
     VALUES ($1, $2::smallint, $3, $4::date, $4::date + $2::smallint, 0, 'LOG', $5::text,
             CASE WHEN $5 IN ('SENDING', 'SENT') THEN 1 ELSE 0 END,
             CASE WHEN $5 = 'DEFERRED' THEN now() + interval '10 hours' END,
             CASE WHEN $5 = 'SENDING' THEN now() + interval '1 minute' END,
             CASE WHEN $5 = 'SENT' THEN now() END)
     RETURNING id::text`,
    [i.id, offsetDays, loanId, i.due_date, state],
  );
  return row.id;
}

async function states(ids: string[]): Promise<string[]> {
  const rows = (await h.ds.query(`SELECT id::text, state FROM reminder_outbox WHERE id = ANY($1::bigint[])`, [
    ids,
  ])) as { id: string; state: string }[];
  const by = new Map(rows.map((r) => [r.id, r.state]));
  return ids.map((id) => by.get(id) ?? 'missing');
}

const pay = (loanId: string, amountFen: bigint, valueDate = '2026-02-15') =>
  officer(() => h.repayments.record(loanId, { amountFen, valueDate, channel: 'CASH' }, key('pay')));

describe('repayment → reminders', () => {
  it('paying an instalment off skips its waiting reminders, and only those', async () => {
    const { loanId, inst } = await loan();
    const [first, second] = inst;
    const ids = [
      await remind(first, loanId, 0), // QUEUED: skipped
      await remind(first, loanId, -7, 'SENT'), // settled: untouched
      await remind(first, loanId, -1, 'SENDING'), // being sent: delivery re-checks it under its lease
      await remind(second, loanId, -7), // the next instalment is still owed
    ];
    const r = await pay(loanId, BigInt(first.owed));
    expect(r.installments.map((i) => i.number)).toEqual([1]);
    expect((await installments(loanId)).map((i) => i.status)).toEqual(['PAID', 'OPEN', 'OPEN']);
    expect(await states(ids)).toEqual(['SKIPPED_PAID', 'SENT', 'SENDING', 'QUEUED']);
  });

  it('a partial payment leaves the reminders of the instalment it did not pay off waiting', async () => {
    const { loanId, inst } = await loan();
    const [first] = inst;
    const ids = [await remind(first, loanId, 0), await remind(first, loanId, -1, 'DEFERRED')];
    await pay(loanId, BigInt(first.owed) - 1n);
    const [after] = await installments(loanId);
    expect(after).toMatchObject({ status: 'OPEN', owed: '1' });
    expect(await states(ids)).toEqual(['QUEUED', 'DEFERRED']);
    // The last fen pays it off: now they are skipped, DEFERRED included.
    await pay(loanId, 1n);
    expect(await states(ids)).toEqual(['SKIPPED_PAID', 'SKIPPED_PAID']);
  });

  it('an early payoff skips the waiting reminders of every instalment it settles', async () => {
    const { loanId, inst } = await loan();
    const ids = [
      await remind(inst[0], loanId, 0),
      await remind(inst[1], loanId, -7, 'DEFERRED'),
      await remind(inst[2], loanId, -7),
    ];
    const quote = await h.statements.payoff(loanId, '2026-02-15');
    const total = parseYuan(quote.total);
    if (!total.ok) throw new Error(`payoff total ${quote.total}`);
    await pay(loanId, total.fen);
    expect((await loanOf(h.ds, loanId)).status).toBe('CLOSED');
    expect(await states(ids)).toEqual(['SKIPPED_PAID', 'SKIPPED_PAID', 'SKIPPED_PAID']);
  });

  it('a refused repayment, or one whose transaction fails after the instalments were written, skips nothing', async () => {
    const { loanId, inst } = await loan();
    const [first] = inst;
    const ids = [await remind(first, loanId, 0), await remind(first, loanId, -1, 'DEFERRED')];

    // Validation: a value date after today.
    const early = await refused(pay(loanId, BigInt(first.owed), '2026-02-16'));
    expect(early.code).toBe('REPAYMENT_VALUE_DATE_INVALID');
    expect(await states(ids)).toEqual(['QUEUED', 'DEFERRED']);

    // A later step of the same transaction fails (the loan event insert, after the instalments and reminders).
    await h.ds.query(
      `CREATE FUNCTION test_fail_loan_event() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'loan event refused for the test'; END $$`,
    );
    await h.ds.query(
      `CREATE TRIGGER test_fail_loan_event BEFORE INSERT ON loan_events FOR EACH ROW
         WHEN (NEW.loan_id = ${Number(loanId)}) EXECUTE FUNCTION test_fail_loan_event()`,
    );
    try {
      await expect(pay(loanId, BigInt(first.owed))).rejects.toThrow('loan event refused for the test');
    } finally {
      await h.ds.query(`DROP TRIGGER test_fail_loan_event ON loan_events`);
      await h.ds.query(`DROP FUNCTION test_fail_loan_event()`);
    }
    expect((await installments(loanId))[0]).toMatchObject({ status: 'OPEN', owed: first.owed });
    expect(await states(ids)).toEqual(['QUEUED', 'DEFERRED']);

    // The same repayment, once it can commit, skips them.
    await pay(loanId, BigInt(first.owed));
    expect(await states(ids)).toEqual(['SKIPPED_PAID', 'SKIPPED_PAID']);
  });
});
