import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * libs/<lib>/src/domain stays pure: the ESLint rules of eslint.config.js (no Nest, TypeORM, pg, Redis, queues, file
 * or network I/O, clock or environment reads; values only from domain/, #libs/money and #libs/schedules/domain) run here
 * over every domain folder, so `npm test` fails when one imports I/O.
 */
const root = process.cwd();
const run = promisify(execFile);

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; message: string; severity: number }[];
}

async function lint(patterns: string[]): Promise<LintResult[]> {
  const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  try {
    const { stdout } = await run(process.execPath, [eslint, '--format', 'json', ...patterns], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout) as LintResult[];
  } catch (e) {
    // Exit code 1 = lint errors (the JSON is still on stdout); anything else is a broken config.
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (err.code === 1 && err.stdout) return JSON.parse(err.stdout) as LintResult[];
    throw new Error(`eslint failed: ${err.stderr ?? String(e)}`, { cause: e });
  }
}

const errorsOf = (results: LintResult[]) =>
  results.flatMap((r) =>
    r.messages
      .filter((m) => m.severity === 2)
      .map((m) => `${r.filePath.slice(root.length + 1)}:${m.line} ${m.ruleId}: ${m.message}`),
  );

describe('domain/ purity lint', () => {
  it('finds no error in any libs/*/src/domain folder', async () => {
    const results = await lint(['libs/*/src/domain/**/*.ts']);
    expect(results.length).toBeGreaterThan(10);
    expect(errorsOf(results)).toEqual([]);
  });
});
