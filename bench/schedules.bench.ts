import { formatYuan } from '#libs/money';
import {
  addMonthsClamped,
  epochDay,
  formatDate,
  generateSchedule,
  requireDate,
  type Installment,
  type ScheduleRequest,
} from '#libs/schedules';

/**
 * `npm run bench:schedules`: schedules per second from the exact engine (bigint rationals, each component rounded
 * once) for a 36-month EQUAL_INSTALLMENT loan and a 12-month BULLET loan, on one core, beside a same-run
 * baseline: the same loop with plain JS numbers (Math.pow, Math.round), which is what a careless implementation
 * would do. The baseline shares the date code, so the ratio is the price of exact money. It also counts how often
 * the float version gets a fen wrong. Target: ≥ 10,000 36-month schedules/s, and ≥ 0.5 of the baseline. The two are
 * timed alternately, slice by slice, so both meet the same load.
 *
 * Environment: BENCH_SECONDS (per case, default 3).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const TARGET_PER_SECOND = 10_000;
const PRINCIPALS = 997; // distinct loan amounts cycled through, so nothing is answered from a warm cache

const EMI_36: ScheduleRequest = {
  principalFen: 2_000_000n,
  annualRatePercent: '4.75',
  numberOfInstallments: 36,
  frequency: 'MONTHLY',
  method: 'EQUAL_INSTALLMENT',
  dayCount: 'PERIOD',
  disbursementDate: '2024-01-31',
  rounding: 'HALF_UP',
  installmentMultipleFen: 1n,
  principalGraceInstallments: 0,
};
const BULLET_12: ScheduleRequest = {
  ...EMI_36,
  principalFen: 500_000n,
  annualRatePercent: '6',
  numberOfInstallments: 1,
  frequency: 'AT_MATURITY',
  termMonths: 12,
  method: 'BULLET',
};

/** Loan amounts from 1,000.00 to about 50,000.00 with odd fen, the range of the household products. */
const principalFen = (i: number): number => 100_000 + (((i % PRINCIPALS) * 4_919_357) % 4_900_000);

interface NaiveInstallment {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  principal: number;
  interest: number;
  total: number;
  balanceAfter: number;
}

/** The careless version: yuan as floats, Math.pow for the annuity, Math.round(x × 100) / 100 for each component. */
function naiveSchedule(req: ScheduleRequest, principalYuan: number): NaiveInstallment[] {
  const annual = Number(req.annualRatePercent) / 100;
  const anchor = requireDate(req.disbursementDate);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  if (req.method === 'BULLET') {
    const months = req.termMonths ?? req.numberOfInstallments;
    const due = addMonthsClamped(anchor, months);
    const interest = round2((principalYuan * annual * months) / 12);
    return [
      {
        number: 1,
        periodStart: req.disbursementDate,
        dueDate: formatDate(due),
        days: epochDay(due) - epochDay(anchor),
        principal: principalYuan,
        interest,
        total: round2(principalYuan + interest),
        balanceAfter: 0,
      },
    ];
  }
  const n = req.numberOfInstallments;
  const r = annual / 12;
  const level = round2((principalYuan * r) / (1 - Math.pow(1 + r, -n)));
  const out: NaiveInstallment[] = new Array(n);
  let balance = principalYuan;
  let start = req.disbursementDate;
  let startDay = epochDay(anchor);
  for (let k = 1; k <= n; k++) {
    const due = addMonthsClamped(anchor, k);
    const dueDay = epochDay(due);
    const interest = round2(balance * r);
    const principal = k === n ? balance : round2(level - interest);
    balance = round2(balance - principal);
    const dueText = formatDate(due);
    out[k - 1] = {
      number: k,
      periodStart: start,
      dueDate: dueText,
      days: dueDay - startDay,
      principal,
      interest,
      total: round2(principal + interest),
      balanceAfter: balance,
    };
    start = dueText;
    startDay = dueDay;
  }
  return out;
}

/**
 * Calls per second of `a` and of `b`, run alternately in slices of about 20 ms each for about `seconds` in all
 * (after a short warm-up of each): on a shared machine both meet the same load, so their ratio holds steady where
 * two back-to-back timings would each catch a different moment.
 */
function rates(seconds: number, a: (i: number) => unknown, b: (i: number) => unknown): [number, number] {
  for (let i = 0; i < 2_000; i++) {
    a(i);
    b(i);
  }
  const calls = [0, 0];
  const ns = [0n, 0n];
  let sink = 0;
  const slice = 20_000_000n;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    [a, b].forEach((body, k) => {
      const started = process.hrtime.bigint();
      let now = started;
      while (now - started < slice) {
        for (let j = 0; j < 100; j++) if (body(calls[k]++)) sink++; // check the clock every 100 schedules
        now = process.hrtime.bigint();
      }
      ns[k] += now - started;
    });
  }
  if (sink < 0) console.log(sink); // keeps the results observable so the loop is not optimised away
  return [calls[0] / (Number(ns[0]) / 1e9), calls[1] / (Number(ns[1]) / 1e9)];
}

/** How many of the loan amounts get at least one component wrong by a fen or more in the float version. */
function floatMismatches(req: ScheduleRequest): number {
  let wrong = 0;
  for (let i = 0; i < PRINCIPALS; i++) {
    const p = principalFen(i);
    const exact = generateSchedule({ ...req, principalFen: BigInt(p) }).installments;
    const naive = naiveSchedule(req, p / 100);
    const same = (e: Installment, f: NaiveInstallment) =>
      formatYuan(e.principalFen) === f.principal.toFixed(2) &&
      formatYuan(e.interestFen) === f.interest.toFixed(2) &&
      formatYuan(e.balanceAfterFen) === f.balanceAfter.toFixed(2);
    if (exact.some((e, k) => !same(e, naive[k]))) wrong++;
  }
  return wrong;
}

function run(label: string, req: ScheduleRequest): number {
  // the requests and amounts made once, so each side times only its own schedule
  const requests = Array.from({ length: PRINCIPALS }, (_, i) => ({
    ...req,
    principalFen: BigInt(principalFen(i)),
  }));
  const yuan = Array.from({ length: PRINCIPALS }, (_, i) => principalFen(i) / 100);
  const [exact, naive] = rates(
    2 * SECONDS,
    (i) => generateSchedule(requests[i % PRINCIPALS]).installments.length,
    (i) => naiveSchedule(req, yuan[i % PRINCIPALS]).length,
  );
  const wrong = floatMismatches(req);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
  console.log(
    `${label.padEnd(28)} exact ${fmt(exact)} schedules/s   float baseline ${fmt(naive)} schedules/s   ` +
      `ratio ${(exact / naive).toFixed(2)}   float off by a fen on ${wrong}/${PRINCIPALS} loans`,
  );
  return exact;
}

console.log(
  `schedules bench: one core (node ${process.version}), ${SECONDS}s per case for each of the two, alternately in ` +
    `20 ms slices, ${PRINCIPALS} loan amounts cycled`,
);
const emi = run('36-month EQUAL_INSTALLMENT', EMI_36);
run('12-month BULLET', BULLET_12);
console.log(
  `target ≥ ${TARGET_PER_SECOND.toLocaleString('en-US')} 36-month schedules/s: ${emi >= TARGET_PER_SECOND ? 'met' : 'NOT met'} ` +
    `(${Math.round(emi).toLocaleString('en-US')}/s)`,
);
if (emi < TARGET_PER_SECOND) process.exitCode = 1;
