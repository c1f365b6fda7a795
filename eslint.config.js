import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * domain/ files not yet pure, each with its reason; remove an entry when its file is fixed (the domain lint test in
 * test/architecture runs these rules over every other domain file).
 */
const DOMAIN_PURITY_PENDING = [];

export default tseslint.config(
  { ignores: ['dist/**', '**/dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      // Money and rates never go through binary floating point.
      'no-restricted-globals': [
        'error',
        { name: 'parseFloat', message: 'Use #libs/money parsers: no floats on money paths.' },
      ],
    },
  },
  {
    // Plain JavaScript here is Node tooling (Jest config, reporters): Node's globals, CommonJS in .cjs.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // libs/<lib>/src/domain is pure code: no Nest, no TypeORM, no I/O, no clock. Type-only imports are free (they
    // vanish at compile time). Values may come from other domain files, #libs/money and #libs/schedules/domain (pure
    // arithmetic; the schedules library's domain entry, not its index, which brings its Nest module); every other
    // #libs/* index pulls in a Nest module, a store or a queue, so its values are not imported here. node:crypto stays allowed (hashing and HMACs are pure functions of their inputs).
    files: ['libs/*/src/domain/**/*.ts'],
    ignores: ['**/*.spec.ts', ...DOMAIN_PURITY_PENDING],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...['typeorm', 'pg', 'ioredis', 'bullmq', 'axios', 'undici', 'exceljs', 'prom-client'].map(
              (name) => ({
                name,
                message: 'domain/ is pure: do I/O in a store or service and pass the result in.',
              }),
            ),
            ...[
              'fs',
              'net',
              'http',
              'https',
              'child_process',
              'dgram',
              'dns',
              'tls',
              'worker_threads',
            ].flatMap((m) => [
              { name: m, message: 'domain/ does no I/O.' },
              { name: `node:${m}`, message: 'domain/ does no I/O.' },
            ]),
            ...['fs/promises', 'node:fs/promises'].map((name) => ({ name, message: 'domain/ does no I/O.' })),
          ],
          patterns: [
            {
              group: ['@nestjs/*', 'nestjs-*', '@bull-board/*'],
              message: 'domain/ is framework-free: no Nest.',
            },
            {
              // (a regex: in gitignore-style groups a leading # starts a comment)
              regex: '^#libs/(?!(money|schedules/domain)$)',
              allowTypeImports: true,
              message:
                'domain/ may import values only from #libs/money and #libs/schedules/domain (types from anywhere): other libraries bring Nest and I/O.',
            },
            {
              regex: '^\\.\\./(?!domain/)',
              allowTypeImports: true,
              message: 'domain/ imports values only from domain/ (types from anywhere).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'parseFloat', message: 'Use #libs/money parsers: no floats on money paths.' },
        { name: 'fetch', message: 'domain/ does no I/O.' },
        { name: 'process', message: 'domain/ reads no environment: pass configuration in.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'domain/ reads no clock: pass the date in.' },
        { object: 'Math', property: 'random', message: 'domain/ is deterministic: pass randomness in.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'domain/ reads no clock: pass the date in.',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
