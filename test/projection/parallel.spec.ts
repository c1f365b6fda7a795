import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BASELINE_SCENARIO, simulateRuns, type BookSnapshot, type ScenarioSpec } from '#libs/projection';
import { syntheticBook } from '#libs/testing';

/**
 * The projection's runs on worker threads give the runs of one thread, run by run: the compiled runner (`dist/`,
 * built by `npm test` before the tests; under the test runner the sources have no worker to start) on two threads,
 * each taking run numbers from the shared counter as it frees up, against the same runs in this thread.
 */
const COMPILED = join(process.cwd(), 'dist', 'libs', 'projection', 'src', 'parallel.js');
const AS_OF = '2026-01-15';

/** 120 mutual-aid loans of 24 or 12 months disbursed over the last year, in 3 funds, paid on time so far. */
const book = (n: number): BookSnapshot =>
  syntheticBook(n, { asOf: AS_OF, terms: [24, 12], funds: 3, cashFen: 5_000_000n, capitalFen: 10_000_000n });

const SCENARIO: ScenarioSpec = {
  ...BASELINE_SCENARIO,
  horizonMonths: 12,
  runs: 9,
  seed: 5,
  behaviour: { MUTUAL_AID: { latePercent: 20, lateDays: { min: 3, max: 40 }, defaultPercent: 10 } },
};

/** A run as text: its months' figures and its events (Maps written as their entries, bigints as decimals). */
const text = (x: unknown) =>
  JSON.stringify(x, (_, v: unknown) =>
    typeof v === 'bigint' ? String(v) : v instanceof Map ? [...v.entries()] : v,
  );

describe('projection runs on worker threads', () => {
  it('are the runs of one thread, each at its own index, whichever thread took it', async () => {
    expect(existsSync(COMPILED)).toBe(true);
    const compiled = (await import(pathToFileURL(COMPILED).href)) as { simulateRuns: typeof simulateRuns };
    const snapshot = book(120);
    const progress: number[] = [];
    const threaded = await compiled.simulateRuns({
      snapshot,
      scenario: SCENARIO,
      threads: 2,
      onProgress: (d) => void progress.push(d),
    });
    expect(threaded.threads).toBe(2);
    expect(threaded.busyMs).toHaveLength(2);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const inThread = await simulateRuns({ snapshot, scenario: SCENARIO, threads: 1 });
    expect(inThread.threads).toBe(1);
    expect(threaded.runs).toHaveLength(SCENARIO.runs);
    expect(threaded.runs.map(text)).toEqual(inThread.runs.map(text));
    // the runs differ from one another (late payers and defaults are drawn per run): equal lists mean equal runs
    expect(new Set(inThread.runs.map(text)).size).toBe(SCENARIO.runs);
  }, 120_000);
});
