// RSS over a soak at a fixed rate (default: 80% of the peak measured first, by wrk when installed).
// Run: node -r @swc-node/register bench/soak.ts   (SOAK_SECONDS=600 SOAK_RATE=<req/s>)
// Reports RSS after the first minute and at the end (both after a forced GC), and the growth.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { canPin, serverStats, startServer } from './start-server';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);

const body = JSON.stringify({
  application: { name: 'bench-app', version: '1.4.2', channel: 'stable' },
  system: { platform: 'windows', arch: 'amd64' },
  event: { type: 'update_failure', reason: 'checksum_mismatch' },
});

function peakWithWrk(port: number, key: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-soak-'));
  const script = join(dir, 'p.lua');
  writeFileSync(script, `wrk.method="POST"\nwrk.headers["content-type"]="application/json"\nwrk.headers["authorization"]="Bearer ${key}"\nwrk.body=${JSON.stringify(body)}\nfunction request() wrk.headers["x-device-id"]=string.format("%08x-0000-4000-8000-%012x", math.random(0,0xffffffff), math.random(0,0xffffffffffff)) return wrk.format() end\n`);
  const args = ['-t1', '-c32', '-d10s', '-s', script, `http://127.0.0.1:${port}/reports/ingest`];
  const out = spawnSync(canPin ? 'taskset' : 'wrk', canPin ? ['-c', '1', 'wrk', ...args] : args, { encoding: 'utf8' }).stdout;
  rmSync(dir, { recursive: true, force: true });
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-soak-'));
  const server = await startServer('bench/servers/telltale.ts', { DATA_DIR: dataDir, LOG_LEVEL: 'warn', REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000000', REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000000' });
  const { info } = server;
  const rss = async () => (await serverStats(info)).rss / 1048576;
  const peak = existsSync('/usr/bin/wrk') ? peakWithWrk(info.port, info.key!) : 0;
  const rate = Number(process.env.SOAK_RATE ?? Math.floor(peak * 0.8)) || 1000;
  process.stdout.write(`soak: peak ${peak.toFixed(0)} req/s, soaking at ${rate} req/s for ${seconds} s\n`);
  const samples: Array<{ t: number; rss: number }> = [];
  const started = Date.now();
  const timer = setInterval(async () => {
    samples.push({ t: (Date.now() - started) / 1000, rss: await rss() });
  }, 10_000);
  const result = await autocannon({
    url: `http://127.0.0.1:${info.port}/reports/ingest`,
    method: 'POST',
    connections: 32,
    duration: seconds,
    overallRate: rate,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${info.key!}` },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, 'x-device-id': randomUUID() }, body }) } as autocannon.Request],
  });
  clearInterval(timer);
  const end = await rss();
  const afterMinute = samples.find((s) => s.t >= 60)?.rss ?? samples[0]?.rss ?? end;
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count]));
  process.stdout.write(
    `soak: ${result.requests.total} requests, ${result.requests.average.toFixed(0)} req/s average, statuses ${JSON.stringify(statuses)}, p99 ${result.latency.p99} ms\n` +
      `soak: RSS after 1 min ${afterMinute.toFixed(1)} MiB, at the end ${end.toFixed(1)} MiB, growth ${(((end - afterMinute) / afterMinute) * 100).toFixed(1)}%\n` +
      `soak: samples ${samples.map((s) => `${s.t.toFixed(0)}s=${s.rss.toFixed(0)}`).join(' ')}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
