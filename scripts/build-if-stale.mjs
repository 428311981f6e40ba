#!/usr/bin/env node
// `prestart` and `precli`: compile only when a source is newer than dist/, so a second `npm start`
// starts in about a second instead of spending 10-20 s in tsc. Messages go to stderr, so the
// CLI's stdout stays its own. In an image without the sources (or without TypeScript) dist/ is
// used as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['dist/main.js', 'dist/cli.js', 'dist/web/index.html'].map((f) => join(root, f));
const inputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build-web.mjs', 'scripts/gen-api-types.mjs', 'scripts/openapi-document.ts'].map((f) => join(root, f));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (/\.(ts|tsx|json|css|html)$/.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const src = join(root, 'src');
if (!existsSync(src)) process.exit(0);
const built = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
const web = join(root, 'web');
const sources = Math.max(newest(src), existsSync(web) ? newest(web) : 0, ...inputs.filter(existsSync).map((f) => statSync(f).mtimeMs));
if (built > sources) process.exit(0);

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  if (built > 0) {
    process.stderr.write('telltale: sources are newer than dist/, but TypeScript is not installed; using dist/ as it is\n');
    process.exit(0);
  }
  process.stderr.write('telltale: dist/ is missing and TypeScript is not installed: run `npm ci` (with dev dependencies) first\n');
  process.exit(1);
}
process.stderr.write(built === 0 ? 'telltale: building dist/ …\n' : 'telltale: sources changed since the last build; rebuilding dist/ …\n');
try {
  // What `npm run build` does: the service, the dashboard's API types, then the dashboard.
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 2, 2] });
  for (const script of ['gen-api-types.mjs', 'build-web.mjs']) {
    if (existsSync(join(root, 'scripts', script))) execFileSync(process.execPath, [join(root, 'scripts', script)], { cwd: root, stdio: ['ignore', 2, 2] });
  }
} catch {
  process.exit(1);
}
