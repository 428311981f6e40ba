// Builds the dashboard (web/) into dist/web: content-hashed assets under assets/ and an index.html
// that names them. Usage: node scripts/build-web.mjs [--outdir dir]
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = resolve(at > 0 ? process.argv[at + 1] : join(root, 'dist/web'));
const assets = join(outdir, 'assets');
/** Where dashboardRoutes serves assets/ from. */
const ASSET_PATH = '/ui/assets';

await rm(outdir, { recursive: true, force: true });
await mkdir(assets, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['web/src/main.tsx', 'web/src/styles.css'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => resolve(root, file));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
if (!script || !style) throw new Error('build-web: the bundle has no script or no stylesheet');

// No inline script or style anywhere: the Content-Security-Policy allows only 'self'.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telltale</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATH}/${basename(style)}">
<script type="module" src="${ASSET_PATH}/${basename(script)}"></script>
</head>
<body>
<div id="root"></div>
<noscript><p>Telltale's dashboard needs JavaScript. The JSON API works without it.</p></noscript>
</body>
</html>
`;
await writeFile(join(outdir, 'index.html'), html);

const js = await readFile(script);
const css = await readFile(style);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  `build-web: ${basename(script)} ${kib(js.length)} (${kib(gzipSync(js).length)} gzipped), ` +
    `${basename(style)} ${kib(css.length)} (${kib(gzipSync(css).length)} gzipped) -> ${outdir}`,
);
