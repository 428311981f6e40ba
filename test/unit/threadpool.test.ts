import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

// Each read-open of a FIFO without a writer holds one libuv pool thread. With `blocked` of them
// held, a stat completes only if the pool has a thread left over.
const probe = (blocked: number, fifoDir: string, waitMs: number) => `
const fs = require('node:fs');
const fifos = Array.from({ length: ${blocked} }, (_, i) => ${JSON.stringify(fifoDir)} + '/f' + i);
for (const fifo of fifos) fs.promises.open(fifo, 'r').then((handle) => handle.close(), () => {});
const report = (statDone) => {
  console.log(JSON.stringify({ size: process.env.UV_THREADPOOL_SIZE, statDone }));
  // Release the held threads (a writer that doesn't wait), or the process can't exit.
  for (const fifo of fifos) fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
};
const timer = setTimeout(() => report(false), ${waitMs});
setTimeout(() => fs.promises.stat('/').then(() => { clearTimeout(timer); report(true); }), 100);
`;

// A stat that should complete gets long to do so on a loaded machine (it returns at once when it does);
// one that should wait is watched for 3 s.
function run(blocked: number, preload: boolean, env: Record<string, string | undefined>, waitMs = 3000) {
  const fifoDir = mkdtempSync(join(tmpdir(), 'telltale-fifo-'));
  try {
    for (let i = 0; i < blocked; i++) execFileSync('mkfifo', [join(fifoDir, `f${i}`)]);
    const args = [...(preload ? ['-r', '@swc-node/register', '-r', './src/composition/threadpool.ts'] : []), '-e', probe(blocked, fifoDir, waitMs)];
    const result = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, UV_THREADPOOL_SIZE: undefined, ...env }, encoding: 'utf8', timeout: 120_000 });
    if (!result.stdout) throw new Error(`probe failed: ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n')[0]!) as { size: string | undefined; statDone: boolean };
  } finally {
    rmSync(fifoDir, { recursive: true, force: true });
  }
}

describe('thread pool size (src/composition/threadpool.ts, imported first by src/main.ts)', () => {
  it('when UV_THREADPOOL_SIZE is unset, then the pool has 16 threads: 8 blocked reads still leave a stat room', () => {
    expect(run(8, true, {}, 60_000)).toEqual({ size: '16', statDone: true });
  });

  it('without it, the default 4 threads are all held by 4 blocked reads and the stat waits (the failure it prevents)', () => {
    expect(run(4, false, {})).toEqual({ size: undefined, statDone: false });
  });

  it('when the operator sets UV_THREADPOOL_SIZE, then that value is kept', () => {
    expect(run(4, true, { UV_THREADPOOL_SIZE: '4' })).toEqual({ size: '4', statDone: false });
  });

  it('src/main.ts imports it before anything else', () => {
    const source = require('node:fs').readFileSync(join(root, 'src/main.ts'), 'utf8') as string;
    expect(source.split('\n')[0]).toBe("import './composition/threadpool';");
  });
});
