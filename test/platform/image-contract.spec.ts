import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Dockerfile and docker-compose.yml cannot be built here (no Docker engine, no registry), so what they name is
 * checked against the repository: the Node version, the entry points in dist/ (after the build `npm test` runs),
 * and that .dockerignore keeps what the build stage compiles.
 */
const ROOT = process.cwd();
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const dockerfile = read('Dockerfile');
const compose = read('docker-compose.yml');

describe('the image and compose files name what exists', () => {
  it('builds on the Node.js version of .nvmrc, which package.json engines accepts', () => {
    const nvmrc = read('.nvmrc').trim().replace(/^v/, '');
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_VERSION=${nvmrc.replace(/\./g, '\\.')}$`, 'm'));
    expect(dockerfile).toMatch(/^FROM node:\$\{NODE_VERSION\}-slim AS base$/m);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const [major, minor] = engines.replace('>=', '').split('.').map(Number);
    const [vMajor, vMinor] = nvmrc.split('.').map(Number);
    expect(vMajor > major || (vMajor === major && vMinor >= minor)).toBe(true);
  });

  it('runs the API by default, installs production dependencies only, as a non-root user, with a /health check', () => {
    expect(dockerfile).toContain('CMD ["node", "dist/apps/api/src/main.js"]');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD \[[^\n]*\/health/m);
    expect(dockerfile).toContain('COPY --from=build /app/apps/console/dist ./apps/console/dist');
  });

  it('names entry points that the build produces', () => {
    const commands = [...`${dockerfile}\n${compose}`.matchAll(/"node", "(dist\/[^"]+\.js)"/g)].map(
      (m) => m[1],
    );
    expect(new Set(commands)).toEqual(
      new Set(['dist/apps/api/src/main.js', 'dist/apps/worker/src/main.js', 'dist/scripts/migrate.js']),
    );
    for (const c of commands) expect(existsSync(join(ROOT, c))).toBe(true);
  });

  it('compose runs migrate, api and worker under the profile app, after healthy PostgreSQL and Redis', () => {
    expect(compose).toMatch(/^x-app: &app\n {2}profiles: \["app"\]\n/m);
    for (const service of ['migrate', 'api', 'worker'])
      expect(compose).toMatch(new RegExp(`^ {2}${service}:\\n {4}<<: \\*app$`, 'm'));
    expect(compose.match(/condition: service_healthy/g)?.length).toBeGreaterThanOrEqual(6);
    expect(compose.match(/condition: service_completed_successfully/g)?.length).toBe(2);
    expect(compose).toMatch(/NODE_ENV: production/);
  });

  it('.dockerignore keeps every file the build stage compiles', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'apps',
      'libs',
      'migrations',
      'scripts',
      'bench',
      'test',
      'apps/console/dist',
    ];
    const matches = (pattern: string, path: string) => {
      const p = pattern.replace(/^\//, '');
      if (p.startsWith('**/')) return path.split('/').includes(p.slice(3));
      return path === p || path.startsWith(`${p}/`) || (p.startsWith('*') && path.endsWith(p.slice(1)));
    };
    for (const path of needed)
      expect({ path, excludedBy: patterns.filter((p) => matches(p, path)) }).toEqual({
        path,
        excludedBy: [],
      });
    expect(patterns).toEqual(expect.arrayContaining(['.env', 'node_modules', '/dist']));
  });
});
