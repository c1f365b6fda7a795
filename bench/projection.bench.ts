import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  BASELINE_SCENARIO,
  ENGINE_KERNEL,
  bandsOf,
  rngOf,
  runSeed,
  simulateRun,
  simulateRuns,
  threadCpuMs,
  type BookSnapshot,
  type ScenarioSpec,
} from '#libs/projection';
import { syntheticBook } from '#libs/testing';

/**
 * `npm run bench:projection`: loan-months per second of the projection simulator (every payment and month end
 * through the repayment engine's replay, cover and capacity by the guarantee functions), on worker threads over
 * every core, beside a same-run baseline: the bare loop that walks the same schedules month by month summing what
 * falls due, without the domain functions. Targets: the simulator at ≥ 0.25 of the baseline, and the projection's
 * whole run (the book, the threads' start, every run, the bands) in 30 s; the baseline runs after it and is timed
 * apart.
 *
 * Environment: BENCH_LOANS (default 10000), BENCH_MONTHS (36), BENCH_RUNS (200), BENCH_THREADS (cores).
 *
 * BENCH_INTERLEAVED=1: one thread, run by run, each simulator run followed by one bare loop, after BENCH_RUNS runs
 * that build what the runs share; prints the CPU milliseconds of a run of each (least and median of BENCH_REPEATS,
 * default 15). The two then meet the same load, which on a shared machine steadies the ratio of a run's cost.
 */
const LOANS = Number(process.env.BENCH_LOANS ?? 10_000);
const MONTHS = Number(process.env.BENCH_MONTHS ?? 36);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const THREADS = Number(process.env.BENCH_THREADS ?? availableParallelism());
const AS_OF = '2026-01-15';

/** A book of `n` mutual-aid loans of 12, 24 or 36 months disbursed over the last year, in 20 village funds. */
const book = (n: number): BookSnapshot =>
  syntheticBook(n, { asOf: AS_OF, terms: [12, 24, 36], funds: 20, cashFen: 50_000_000n, capitalFen: 100_000_000n });

const SCENARIO: ScenarioSpec = {
  ...BASELINE_SCENARIO,
  horizonMonths: MONTHS,
  runs: RUNS,
  seed: 11,
  behaviour: { MUTUAL_AID: { latePercent: 15, lateDays: { min: 3, max: 40 }, defaultPercent: 10 } },
};

/** The baseline: the same month loop over the same schedules, summing what falls due, with no domain function. */
function bareLoop(b: BookSnapshot, months: number): bigint {
  let total = 0n;
  const ends: string[] = [];
  for (let m = 1; m <= months; m++) {
    const y = 2026 + Math.floor(m / 12);
    ends.push(`${y}-${String((m % 12) + 1).padStart(2, '0')}-01`);
  }
  for (const l of b.loans) {
    let from = AS_OF;
    for (const end of ends) {
      for (const i of l.schedule) if (i.dueDate > from && i.dueDate <= end) total += i.principalFen + i.originalInterestFen;
      from = end;
    }
  }
  return total;
}

interface Job {
  runs: number[];
  loans: number;
  months: number;
}

/** A baseline thread: the bare loop once per run of its share. */
function work(job: Job): { bareMs: number; cpuMs: number } {
  const b = book(job.loans);
  const t = performance.now();
  const c = threadCpuMs();
  let sink = 0n;
  for (let r = 0; r < job.runs.length; r++) sink += bareLoop(b, job.months);
  const bareMs = performance.now() - t;
  const cpuMs = threadCpuMs() - c;
  if (sink < 0n) throw new Error('unreachable');
  return { bareMs, cpuMs };
}

/** BENCH_INTERLEAVED: the simulator's and the bare loop's runs alternated in one thread (see the header). */
function interleaved(): void {
  const repeats = Number(process.env.BENCH_REPEATS ?? 15);
  const snapshot = book(LOANS);
  const run = (k: number) => simulateRun({ snapshot, scenario: SCENARIO, kernel: ENGINE_KERNEL, rng: rngOf(runSeed(SCENARIO.seed, k)) });
  let c = threadCpuMs();
  for (let k = 0; k < RUNS; k++) run(k);
  const firstMs = threadCpuMs() - c;
  const sim: number[] = [];
  const bare: number[] = [];
  let sink = 0n;
  for (let r = 0; r < repeats; r++) {
    c = threadCpuMs();
    run(RUNS + r);
    sim.push(threadCpuMs() - c);
    c = threadCpuMs();
    sink += bareLoop(snapshot, MONTHS);
    bare.push(threadCpuMs() - c);
  }
  if (sink < 0n) throw new Error('unreachable');
  const least = (x: number[]) => Math.min(...x);
  const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
  console.log(`projection, interleaved: ${LOANS} loans × ${MONTHS} months, ${repeats} runs of each after ${RUNS} (${firstMs.toFixed(0)} ms CPU with what they share)`);
  console.log(`  CPU ms per run, least / median: simulator ${least(sim).toFixed(1)} / ${median(sim).toFixed(1)}, baseline ${least(bare).toFixed(1)} / ${median(bare).toFixed(1)}`);
  console.log(`  ratio ${(least(bare) / least(sim)).toFixed(4)} (least), ${(median(bare) / median(sim)).toFixed(4)} (median) (target ≥ 0.25)`);
}

async function main(): Promise<void> {
  if (process.env.BENCH_INTERLEAVED) return interleaved();
  const started = performance.now();
  // the simulator: the projection's own threaded runner (the worker job's), runs split over the threads
  const snapshot = book(LOANS);
  const sim = await simulateRuns({ snapshot, scenario: SCENARIO, threads: THREADS });
  const bands = bandsOf(sim.runs);
  const simWall = (performance.now() - started) / 1000;
  // the baseline: the bare loop, the same runs split over the same threads
  const share = Array.from({ length: THREADS }, (_, w) => Array.from({ length: RUNS }, (_, k) => k).filter((k) => k % THREADS === w));
  const results = await Promise.all(
    share.map(
      (runs) =>
        new Promise<{ bareMs: number; cpuMs: number }>((ok, fail) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { runs, loans: LOANS, months: MONTHS } satisfies Job });
          w.once('message', ok);
          w.once('error', fail);
        }),
    ),
  );
  const wall = (performance.now() - started) / 1000;
  const loanMonths = LOANS * MONTHS * RUNS;
  const simS = Math.max(...sim.busyMs) / 1000;
  const bare = Math.max(...results.map((r) => r.bareMs)) / 1000;
  const simRate = loanMonths / simS;
  const bareRate = loanMonths / bare;
  const out = bands.find((x) => x.key === 'total:maOutstanding')?.bands.at(-1);
  console.log(`projection: ${LOANS} loans × ${MONTHS} months × ${RUNS} runs on ${sim.threads} threads`);
  console.log(`  simulator (replay, cover, capacity): ${Math.round(simRate).toLocaleString('en')} loan-months/s (${simS.toFixed(1)} s busy per thread, the busiest of ${sim.busyMs.map((b) => (b / 1000).toFixed(1)).join(' / ')}; ${simWall.toFixed(1)} s with the book, threads and bands)`);
  console.log(`  baseline (bare schedule walk):       ${Math.round(bareRate).toLocaleString('en')} loan-months/s (${bare.toFixed(1)} s)`);
  console.log(`  ratio ${(simRate / bareRate).toFixed(4)} (target ≥ 0.25)`);
  console.log(`  the projection's whole run (book, threads, ${RUNS} runs, bands): ${simWall.toFixed(1)} s (target < 30 s); with the baseline after it ${wall.toFixed(1)} s`);
  // on a shared machine the threads' own CPU time says what the code costs, whatever else runs
  const simCpu = loanMonths / (Math.max(...sim.cpuMs) / 1000);
  const bareCpu = loanMonths / (Math.max(...results.map((r) => r.cpuMs)) / 1000);
  console.log(`  by thread CPU time: simulator ${Math.round(simCpu).toLocaleString('en')}, baseline ${Math.round(bareCpu).toLocaleString('en')} loan-months/s, ratio ${(simCpu / bareCpu).toFixed(4)}`);
  console.log(`  check: total:maOutstanding in ${out?.month}: P10 ${out?.p10} P50 ${out?.p50} P90 ${out?.p90} fen`);
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  parentPort!.postMessage(work(workerData as Job));
}
