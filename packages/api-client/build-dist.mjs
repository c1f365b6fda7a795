// After `tsc`: completes dist/ as a package of its own (compiled JavaScript, the generated types, a package.json
// whose exports point at them), so `npm pack ./dist` gives a tarball any project can install.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
copyFileSync('src/schema.d.ts', 'dist/schema.d.ts');
copyFileSync('README.md', 'dist/README.md');
writeFileSync(
  'dist/package.json',
  JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      type: 'module',
      exports: { '.': { types: './index.d.ts', default: './index.js' }, './schema': { types: './schema.d.ts' } },
      dependencies: pkg.dependencies,
    },
    null,
    2,
  ) + '\n',
);
console.log(`dist/ is ${pkg.name}@${pkg.version}: npm pack ./dist`);
