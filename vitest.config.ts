import { transform } from '@swc/core';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import SummaryReporter from './test/summary-reporter.js';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * SWC strips the types: legacy decorators with their design-type metadata, which Nest's injection and class-validator
 * read (Vite's own transform does not emit that metadata). Type errors are the build's job (`tsc` in scripts/test.sh).
 */
const swcDecorators = (): Plugin => ({
  name: 'swc-decorators',
  enforce: 'pre',
  async transform(code, id) {
    if (!id.endsWith('.ts') || id.includes('/node_modules/')) return null;
    const out = await transform(code, {
      filename: id,
      swcrc: false,
      sourceMaps: true,
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        target: 'es2022',
        keepClassNames: true,
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
      module: { type: 'es6' },
    });
    return { code: out.code, map: out.map };
  },
});

/**
 * The files that take longest (a simulated year, the production install, the two-year close-of-business run) start
 * first, so the other worker fills the time beside them instead of one of them starting last and running alone.
 * A fresh clone has no timing cache to order by; after that, Vitest's own order (slowest known first) applies.
 */
const LONG_FIRST = ['test/simulation/', 'test/platform/production-install', 'test/cob/simulation'];
class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((p) => f.moduleId.includes(p));
      return i === -1 ? LONG_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
  }
}

/**
 * Every spec file (unit, integration, e2e) in one run. Files are not isolated from each other: each of the two
 * worker processes loads NestJS, TypeORM and the libraries once and runs its share of files one after another, so
 * a file pays for its own database and app, not for loading them. Each file still gets its own database clone
 * (createTestDatabase) and its own app (createTestApp). See docs/testing.md for the figures behind this.
 */
export default defineConfig({
  root,
  oxc: false,
  plugins: [swcDecorators()],
  resolve: {
    alias: [
      { find: /^#libs\/([^/]+)\/domain$/, replacement: `${root}libs/$1/src/domain/index.ts` },
      { find: /^#libs\/(.*)$/, replacement: `${root}libs/$1/src/index.ts` },
    ],
  },
  test: {
    globals: true,
    include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/**/*.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    maxWorkers: Number(process.env.TEST_WORKERS ?? process.env.JEST_WORKERS ?? 2),
    isolate: false,
    sequence: { sequencer: LongFirstSequencer },
    reporters: ['default', new SummaryReporter()],
  },
});
