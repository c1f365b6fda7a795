import { parentPort, workerData } from 'node:worker_threads';
import type { RunResult } from './domain/model.js';
import { runShare, takeRuns, threadCpuMs, type WorkerJob, type WorkerMessage } from './parallel.js';

/** A projection worker thread: runs taken one at a time (see parallel.ts), a message after each, the results at the end. */
const job = workerData as WorkerJob;
const results: { k: number; result: RunResult }[] = [];
const t = performance.now();
const c = threadCpuMs();
runShare(job.snapshot, job.scenario, takeRuns(job), (k, result) => {
  results.push({ k, result });
  parentPort!.postMessage({ type: 'run', k } satisfies WorkerMessage);
});
parentPort!.postMessage({
  type: 'done',
  results,
  busyMs: performance.now() - t,
  cpuMs: threadCpuMs() - c,
} satisfies WorkerMessage);
