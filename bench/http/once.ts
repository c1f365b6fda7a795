import type { DataSource } from 'typeorm';
import { addDays } from '#libs/schedules';

export interface OnceContext {
  /** the API processes' base URLs */
  bases: string[];
  /** an ADMIN bearer header */
  admin: string;
  today: string;
  workers: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(
  base: string,
  path: string,
  auth: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/**
 * What must happen once however many API processes and workers run: the close of business of a date (asked of every
 * API at the same moment), the reminders of a date (selected through every API at once, delivered by every worker),
 * and each delivery job. Prints what it found and sets a failing exit code on a duplicate.
 */
export async function checkOnce(ds: DataSource, ctx: OnceContext): Promise<void> {
  const q = <T>(sql: string, params: unknown[] = []) => ds.query(sql, params) as Promise<T[]>;
  const problems: string[] = [];

  // Reminders: the same selection through every API at once; then wait for the workers to deliver.
  const runDate = ctx.today;
  const selections = await Promise.all(
    ctx.bases.map((b) => post(b, '/api/v1/reminders/runs', ctx.admin, { businessDate: runDate })),
  );
  const selected = selections.map(
    (s) => (s.body as { selected?: number } | null)?.selected ?? `HTTP ${s.status}`,
  );
  let pending = -1;
  for (let i = 0; i < 240; i++) {
    [{ pending }] = await q<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM reminder_outbox WHERE state IN ('QUEUED','SENDING')`,
    );
    if (pending === 0) break;
    await sleep(1000);
  }
  const [rem] = await q<{ outbox: number; sent: number; twice: number; workers: number; attempts: number }>(
    `SELECT (SELECT count(*)::int FROM reminder_outbox) AS outbox,
            (SELECT count(*)::int FROM reminder_outbox WHERE state = 'SENT') AS sent,
            (SELECT count(*)::int FROM (SELECT outbox_id FROM reminder_delivery_attempts WHERE outcome = 'SENT'
                                         GROUP BY outbox_id HAVING count(*) > 1) d) AS twice,
            (SELECT count(DISTINCT worker)::int FROM reminder_delivery_attempts) AS workers,
            (SELECT count(*)::int FROM reminder_delivery_attempts) AS attempts`,
  );
  console.log(
    `reminders ${runDate}: selections through ${ctx.bases.length} APIs at once selected ${selected.join(' + ')}; outbox ${rem.outbox} rows, ${rem.sent} sent, ${pending} still pending; ${rem.attempts} delivery attempts by ${rem.workers} worker(s); sent twice: ${rem.twice}`,
  );
  if (rem.twice > 0) problems.push(`${rem.twice} reminders sent twice`);
  if (pending !== 0) problems.push(`${pending} reminders still pending`);

  // Close of business: the next date, asked of every API at the same moment.
  const [{ last }] = await q<{ last: string | null }>(
    `SELECT max(business_date)::text AS last FROM cob_runs WHERE status = 'COMPLETED'`,
  );
  const date = last && last < ctx.today ? addDays(last, 1) : ctx.today;
  const asks = await Promise.all(
    ctx.bases.map((b) => post(b, '/api/v1/cob/runs', ctx.admin, { businessDate: date })),
  );
  let status = '';
  const t = performance.now();
  for (let i = 0; i < 600; i++) {
    const [run] = await q<{ status: string }>(`SELECT status FROM cob_runs WHERE business_date = $1`, [date]);
    status = run?.status ?? 'none';
    if (status === 'COMPLETED' || status === 'FAILED') break;
    await sleep(1000);
  }
  const [cob] = await q<{ runs: number; attempts: number; loans: number }>(
    `SELECT count(*)::int AS runs, coalesce(max(attempts), 0)::int AS attempts, coalesce(max(loans_processed), 0)::int AS loans
       FROM cob_runs WHERE business_date = $1`,
    [date],
  );
  console.log(
    `close of business ${date}: asked of ${ctx.bases.length} APIs at once (HTTP ${asks.map((a) => a.status).join(', ')}); ${cob.runs} run row(s), ${cob.attempts} attempt(s), ${status}, ${cob.loans} loans in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  if (cob.runs !== 1 || cob.attempts !== 1)
    problems.push(`close of business ${date}: ${cob.runs} runs, ${cob.attempts} attempts`);
  if (status !== 'COMPLETED') problems.push(`close of business ${date} ended ${status}`);

  if (problems.length) {
    console.log(`once-only checks FAILED: ${problems.join('; ')}`);
    process.exitCode = 1;
  } else console.log('once-only checks: ok (nothing ran twice)');
}
