import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the one plain closing line CI reads: "N passed, N failed" (", N skipped" when any). In a file that failed
 * outside its tests (it could not load, or a beforeAll/afterAll threw) every test that did not pass counts as
 * failed, and the file counts once when it has no test to blame; an error thrown outside any file counts too.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const m of testModules) {
      const broken = m.state() === 'failed';
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed' || broken) failedHere++;
        else skipped++;
      }
      failed += broken && !failedHere ? 1 : failedHere;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
