// Throughput of one process against two (node:cluster on one port, one SQLite file, one Redis when
// REDIS_URL is set), measured with wrk in the same run. Honest about the machine: the target
// (≥1.8× with two processes) needs two cores free for the servers besides the load generator's.
// Run: node -r @swc-node/register bench/scale.ts
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const seconds = Number(process.env.BENCH_DURATION ?? 10);
const body = JSON.stringify({
  application: { name: 'bench-app', version: '1.4.2', channel: 'stable' },
  system: { platform: 'windows', arch: 'amd64' },
  event: { type: 'update_failure', reason: 'checksum_mismatch' },
});

async function measure(workers: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-scale-'));
  const port = 18500 + workers;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'bench/servers/cluster.ts'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, WORKERS: String(workers), PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOGS_DESTINATION: '/dev/null', REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000000', REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = await new Promise<{ key: string }>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line);
        if (parsed.ready) resolve(parsed);
      } catch {
        /* log line */
      }
    });
  });
  const script = join(dataDir, 'load.lua');
  writeFileSync(script, `wrk.method="POST"\nwrk.headers["content-type"]="application/json"\nwrk.headers["authorization"]="Bearer ${info.key}"\nwrk.body=${JSON.stringify(body)}\nfunction request() wrk.headers["x-device-id"]=string.format("%08x-0000-4000-8000-%012x", math.random(0,0xffffffff), math.random(0,0xffffffffffff)) return wrk.format() end\n`);
  const out = spawnSync('wrk', ['-t2', '-c64', `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}/reports/ingest`], { encoding: 'utf8' }).stdout;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
}

async function main() {
  const results: number[][] = [[], []];
  for (let round = 0; round < 2; round++) {
    results[0]!.push(await measure(1));
    results[1]!.push(await measure(2));
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [one, two] = [avg(results[0]!), avg(results[1]!)];
  process.stdout.write(
    `scale: ${cpus().length} cores, Redis ${process.env.REDIS_URL ? 'on' : 'off'}; 1 process ${one.toFixed(0)} req/s, 2 processes ${two.toFixed(0)} req/s, ratio ${(two / one).toFixed(2)}x` +
      `${cpus().length < 4 ? ' (this machine has fewer than 2 cores free for the servers besides wrk: the ratio is bounded by that, not by Telltale)' : ''}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
