import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface ReadmeBlock {
  /** 1-based, in the order of the section. */
  index: number;
  code: string;
  /** The block's `#> ` lines: output lines expected in this order, `…` standing for anything. */
  expected: string[];
}

/**
 * The ```sh blocks between `<!-- test: NAME -->` and `<!-- /test: NAME -->` in the README. Any
 * section can be made executable this way; a test then runs it with runReadmeBlocks.
 */
export function readmeBlocks(name: string, file = join(ROOT, 'README.md')): ReadmeBlock[] {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`<!-- test: ${name} -->`);
  const end = text.indexOf(`<!-- /test: ${name} -->`);
  if (start === -1 || end < start) throw new Error(`README has no section <!-- test: ${name} --> … <!-- /test: ${name} -->`);
  const blocks: ReadmeBlock[] = [];
  for (const match of text.slice(start, end).matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const code = match[1]!;
    const expected = code.split('\n').flatMap((line) => (line.startsWith('#> ') ? [line.slice(3)] : []));
    blocks.push({ index: blocks.length + 1, code, expected });
  }
  return blocks;
}

export interface BlockRun {
  block: ReadmeBlock;
  output: string[];
}

/**
 * Runs the blocks in one bash process (so variables and functions carry from block to block),
 * after `preamble`, with `set -eo pipefail`: a failing command stops the run. Returns each
 * block's stdout lines; stderr is returned whole.
 */
export function runReadmeBlocks(blocks: ReadmeBlock[], opts: { preamble: string; env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number }) {
  const marker = (i: number) => `@@readme-block-${i}-done@@`;
  const script = [
    'set -eo pipefail',
    opts.preamble,
    ...blocks.map((b) => `${b.code}\nprintf '\\n%s\\n' '${marker(b.index)}'`),
  ].join('\n');
  const run = spawnSync('bash', ['-c', script], { cwd: opts.cwd ?? ROOT, env: opts.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  const runs: BlockRun[] = [];
  let rest = run.stdout ?? '';
  for (const block of blocks) {
    const at = rest.indexOf(marker(block.index));
    if (at === -1) break;
    runs.push({ block, output: rest.slice(0, at).split('\n').filter((l) => l !== '') });
    rest = rest.slice(at + marker(block.index).length);
  }
  return { status: run.status, stderr: run.stderr ?? '', runs, error: run.error };
}

/** `…` matches anything; the rest is literal. */
export const expectedPattern = (line: string) =>
  new RegExp(`^${line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** The expected lines that do not appear, in order, among the block's output lines. */
export function missingLines(run: BlockRun): string[] {
  const missing: string[] = [];
  let from = 0;
  for (const line of run.block.expected) {
    const pattern = expectedPattern(line);
    const at = run.output.findIndex((out, i) => i >= from && pattern.test(out.trimEnd()));
    if (at === -1) missing.push(line);
    else from = at + 1;
  }
  return missing;
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** The service from its sources on a free port and a temp DATA_DIR; stdout is collected. */
export async function startService(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-readme-'));
  const port = await freePort();
  const serviceEnv = { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', REDIS_URL: '', ...env };
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], { cwd: ROOT, env: serviceEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; !stderr.includes('listening on'); i++) {
    if (i > 1200 || child.exitCode !== null) throw new Error(`service did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    env: serviceEnv,
    stdout: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
