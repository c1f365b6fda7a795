/**
 * Jest runs the TypeScript sources as native ESM (NestJS 12 and dinero.js 2 are ESM-only). SWC strips the types
 * (legacy decorators with their design-type metadata, which Nest's injection and class-validator read); type errors
 * are the build's job (`tsc` in scripts/test.sh), so the transform does no type work. See docs/testing.md.
 */
const swc = {
  swcrc: false,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2022',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
  },
  moduleNameMapper: {
    '^#libs/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  testTimeout: 120000,
  maxWorkers: process.env.JEST_WORKERS ?? 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
};
