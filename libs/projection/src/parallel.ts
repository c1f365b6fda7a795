import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ReplayPayment } from '#libs/repayment';
import type { BookSnapshot, RunResult, ScenarioSpec } from './domain/model.js';
import { rngOf, runSeed } from './domain/prng.js';
import { simulateRun } from './domain/simulate.js';
import { ENGINE_KERNEL } from './kernel.js';

/**
 * The Monte Carlo runs of a projection on worker threads, one per core: run k is always seeded from the scenario's
 * seed and k and always lands at index k, whichever thread ran it, so the same seed gives the same runs (and the
 * same bands) on one thread or many. Each thread gets the snapshot once, then takes the next run number not yet
 * taken from a counter the threads share (an atomic add), so a thread slowed by other work on its core takes fewer
 * runs instead of holding up the others; it posts a progress message after each run and its results at the end.
 *
 * Threads are used only when they pay (several runs and a book big enough that the snapshot's copy and a thread's
 * start, about a second, are small beside the work) and when the compiled worker is there (`dist/`; under the test
 * runner the sources run in-thread).
 */

export interface ParallelInput {
  snapshot: BookSnapshot;
  scenario: ScenarioSpec;
  /** a back-test's payments (runs in-thread: one run) */
  actual?: ReadonlyMap<string, readonly ReplayPayment[]>;
  /** threads to use; default: the cores */
  threads?: number;
  /** called with the number of runs done, in order, never concurrently */
  onProgress?: (done: number) => Promise<void> | void;
}

export interface ParallelOutput {
  runs: RunResult[];
  threads: number;
  /** per thread, the milliseconds spent simulating (not starting or copying) */
  busyMs: number[];
  /** per thread, the CPU milliseconds of that (the thread's own; on a shared machine less than busyMs) */
  cpuMs: number[];
}

/** This thread's CPU time so far, in milliseconds. */
export const threadCpuMs = (): number => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/** Below this many loan-months in all a projection runs in-thread (a thread costs about a second to start). */
export const THREADED_FROM_LOAN_MONTHS = 2_000_000;

export interface WorkerJob {
  snapshot: BookSnapshot;
  scenario: ScenarioSpec;
  /** the run numbers 0…runs−1 are shared out through `next` */
  runs: number;
  /** one Int32 on shared memory: the next run number to take (every thread adds 1 to take one) */
  next: Int32Array;
}

/** The run numbers this thread takes, one at a time, until every run of the job is taken. */
export function* takeRuns(job: Pick<WorkerJob, 'runs' | 'next'>): Generator<number> {
  for (;;) {
    const k = Atomics.add(job.next, 0, 1);
    if (k >= job.runs) return;
    yield k;
  }
}

export type WorkerMessage =
  | { type: 'run'; k: number }
  | { type: 'done'; results: { k: number; result: RunResult }[]; busyMs: number; cpuMs: number };

const WORKER_URL = new URL('./run-worker.js', import.meta.url);
const WORKER_YOUNG_GENERATION_MB = 64;

const workerAvailable = (): boolean => {
  try {
    return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
  } catch {
    return false;
  }
};

/** Runs 0…N−1 of one thread's share, in order (in-thread, or the worker's body). */
export function runShare(
  snapshot: BookSnapshot,
  scenario: ScenarioSpec,
  runs: Iterable<number>,
  onRun?: (k: number, r: RunResult) => void,
  actual?: ParallelInput['actual'],
): RunResult[] {
  const out: RunResult[] = [];
  for (const k of runs) {
    const r = simulateRun({
      snapshot,
      scenario,
      kernel: ENGINE_KERNEL,
      rng: rngOf(runSeed(scenario.seed, k)),
      actual,
    });
    out.push(r);
    onRun?.(k, r);
  }
  return out;
}

export async function simulateRuns({
  snapshot,
  scenario,
  actual,
  threads,
  onProgress,
}: ParallelInput): Promise<ParallelOutput> {
  const n = scenario.runs;
  const want = Math.max(1, Math.min(threads ?? availableParallelism(), n));
  const loanMonths = snapshot.loans.length * scenario.horizonMonths * n;
  const threaded =
    want > 1 &&
    !actual &&
    workerAvailable() &&
    (threads !== undefined || loanMonths >= THREADED_FROM_LOAN_MONTHS);
  if (!threaded) {
    const runs: RunResult[] = [];
    let busy = 0;
    let cpu = 0;
    for (let k = 0; k < n; k++) {
      const s = performance.now();
      const c = threadCpuMs();
      runs.push(...runShare(snapshot, scenario, [k], undefined, actual));
      busy += performance.now() - s;
      cpu += threadCpuMs() - c;
      if (onProgress) await onProgress(k + 1);
    }
    return { runs, threads: 1, busyMs: [busy], cpuMs: [cpu] };
  }
  const next = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const runs: (RunResult | undefined)[] = new Array(n);
  let done = 0;
  // progress calls are chained: one at a time, in order
  let progress: Promise<void> = Promise.resolve();
  const times = await Promise.all(
    Array.from(
      { length: want },
      () =>
        new Promise<{ busyMs: number; cpuMs: number }>((ok, fail) => {
          const w = new Worker(WORKER_URL, {
            workerData: { snapshot, scenario, runs: n, next } satisfies WorkerJob,
            // a run's loans live for the whole run: a larger young generation lets most die young instead of being
            // copied scavenge after scavenge (measured: a third of the scavenges, the runs about a tenth faster)
            resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
          });
          let settled = false;
          w.on('message', (m: WorkerMessage) => {
            if (m.type === 'run') {
              done++;
              const d = done;
              if (onProgress) progress = progress.then(() => onProgress(d));
              return;
            }
            for (const { k, result } of m.results) runs[k] = result;
            settled = true;
            ok({ busyMs: m.busyMs, cpuMs: m.cpuMs });
          });
          w.once('error', (e) => {
            settled = true;
            fail(e);
          });
          w.once('exit', (code) => {
            if (!settled) fail(new Error(`projection worker exited with code ${code}`));
          });
        }),
    ),
  );
  await progress;
  if (runs.some((r) => r === undefined)) throw new Error('a projection run is missing');
  return {
    runs: runs as RunResult[],
    threads: want,
    busyMs: times.map((t) => t.busyMs),
    cpuMs: times.map((t) => t.cpuMs),
  };
}
