// npm run bench — load benchmarks, reported as ratios against a bare Express JSON server measured
// in the same run (A B A B …), because absolute numbers on a shared CI machine mean little.
// Not a test: nothing here asserts a target. Options via env:
//   BENCH_DURATION=10 (seconds per round)  BENCH_ROUNDS=2  BENCH_CONNECTIONS=32  BENCH_SCENARIOS=minimal,storm,redis,details,logs,beacon,beacon-redis
// storm: one key over its per-key limit (1/min), 50 connections, at the default LOG_LEVEL; it
// reports the 429 path against minimal ingest and the log lines written per second.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { canPin, serverStats, startServer, type ServerInfo } from './start-server';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const defaultConnections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const wanted = (process.env.BENCH_SCENARIOS ?? 'minimal,storm,redis,details,logs,beacon,beacon-redis').split(',');
const cores = require('node:os').cpus().length as number;

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

interface LoadSpec {
  headers: Record<string, string>;
  /** Bodies sent round-robin. */
  bodies: string[];
  /** A fresh X-Device-ID per request, so the limiter sees many keys, as in real traffic. */
  freshDevice: boolean;
  /** GET sends no body (the beacon). */
  method?: 'GET' | 'POST';
  /** BENCH_CONNECTIONS when absent. */
  connections?: number;
}

const hasWrk = existsSync('/usr/bin/wrk');

/** wrk (C, far faster than the server) when installed, else autocannon. */
async function load(port: number, path: string, spec: LoadSpec): Promise<Measure> {
  const url = `http://127.0.0.1:${port}${path}`;
  const method = spec.method ?? 'POST';
  const headers = method === 'GET' ? { ...spec.headers } : { 'content-type': 'application/json', ...spec.headers };
  const connections = spec.connections ?? defaultConnections;
  if (hasWrk) return loadWithWrk(url, headers, spec);
  let i = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    method,
    headers,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          headers: spec.freshDevice ? { ...req.headers, 'x-device-id': randomUUID() } : req.headers,
          ...(method === 'GET' ? {} : { body: spec.bodies[i++ % spec.bodies.length] }),
        }),
      } as autocannon.Request,
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (n as { count: number }).count;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses };
}

// JSON string escapes are valid Lua string escapes for the ASCII bodies used here.
const lua = (s: string) => JSON.stringify(s);

function loadWithWrk(url: string, headers: Record<string, string>, spec: LoadSpec): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-wrk-'));
  const script = join(dir, 'load.lua');
  writeFileSync(
    script,
    `wrk.method = "${spec.method ?? 'POST'}"
${Object.entries(headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`).join('\n')}
local bodies = { ${spec.bodies.map(lua).join(',\n')} }
local i = 0
local statuses = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)) ; codes = {} end
local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff), math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffffffffff))
end
function request()
  i = i + 1
  ${spec.freshDevice ? 'wrk.headers["x-device-id"] = uuid()' : ''}
  return wrk.format(nil, nil, nil, ${spec.method === 'GET' ? 'nil' : 'bodies[(i % #bodies) + 1]'})
end
function response(status) codes[status] = (codes[status] or 0) + 1 end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for k, v in pairs(c) do merged[k] = (merged[k] or 0) + v end
  end
  io.write("STATUSES")
  for k, v in pairs(merged) do io.write(string.format(" %d=%d", k, v)) end
  io.write("\\n")
  io.write(string.format("P50 %f\\nP99 %f\\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
`,
  );
  const args = ['-t1', `-c${spec.connections ?? defaultConnections}`, `-d${duration}s`, '-s', script, url];
  const [cmd, argv] = canPin ? ['taskset', ['-c', '1', 'wrk', ...args]] : ['wrk', args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out}`));
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
      const p50 = Number(/P50 ([\d.]+)/.exec(out)?.[1] ?? 0);
      const p99 = Number(/P99 ([\d.]+)/.exec(out)?.[1] ?? 0);
      const statuses: Record<string, number> = {};
      for (const m of (/STATUSES(.*)/.exec(out)?.[1] ?? '').matchAll(/(\d+)=(\d+)/g)) statuses[m[1]!] = Number(m[2]);
      resolve({ rps, p50, p99, statuses });
    });
  });
}

const report = (name: string, version = '1.4.2') =>
  JSON.stringify({
    application: { name, version, channel: 'stable' },
    system: { platform: 'windows', arch: 'amd64' },
    event: { type: 'update_failure', reason: 'checksum_mismatch' },
  });

const details = () => {
  // ~10 KiB of JSON that compresses poorly, like a real stack trace with addresses.
  const frames = Array.from({ length: 160 }, () => `at fn_${randomUUID()} (file.js:${Math.floor(Math.random() * 1e5)})`);
  return { encoding: 'gzip+base64', content_type: 'application/json', payload: gzipSync(Buffer.from(JSON.stringify({ frames }))).toString('base64') };
};

const logBatch = () =>
  JSON.stringify({
    logs: Array.from({ length: 100 }, (_, i) => ({
      level: i % 10 === 0 ? 'error' : 'info',
      message: `Transaction step ${i} finished`,
      timestamp: 1736956780000 + i,
      context: { screen: 'SendScreen', action: 'submitTransaction', metadata: { attempt: i, token: 'secret-value' } },
    })),
    device: { platform: 'ios', osVersion: '17.2', appVersion: '2.5.0' },
    sessionId: 'sess_bench',
  });

// The faynoSync JS SDK's update-check beacon, naming the app by owner and name.
const BEACON_PATH = '/telemetry/beacon?owner=bench&app_name=bench-app&version=1.4.2&channel=stable&platform=windows&arch=amd64&is_latest=true';
const beaconLoad = (): LoadSpec => ({ headers: { 'user-agent': 'faynosync-js/1.0' }, bodies: [''], freshDevice: true, method: 'GET' });

interface Scenario {
  name: string;
  env: Record<string, string>;
  path: string;
  load: (info: ServerInfo) => LoadSpec;
  skip?: () => string | null;
}

// Limits are raised so the load measures ingestion, not 429s; the limiter still runs every check.
const highLimits = {
  REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
  REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '100000000',
  REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR: '100000000',
  LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '100000000',
  TELEMETRY_RATE_LIMIT_PER_IP: '100000000',
  LOG_LEVEL: 'warn',
  LOGS_DESTINATION: '/dev/null',
};

const reportLoad = (bodies: string[]) => (info: ServerInfo): LoadSpec => ({
  headers: { authorization: `Bearer ${info.key}` },
  bodies,
  freshDevice: true,
});

const scenarios: Scenario[] = [
  { name: 'minimal', env: {}, path: '/reports/ingest', load: reportLoad([report('bench-app')]) },
  {
    name: 'storm',
    // The default log level, so refusals are logged as in production; only the key limit is low.
    env: { REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1', LOG_LEVEL: 'info' },
    path: '/reports/ingest',
    load: (info) => ({ ...reportLoad([report('bench-app')])(info), connections: 50 }),
  },
  {
    name: 'redis',
    env: { REDIS_URL: process.env.REDIS_URL ?? '' },
    path: '/reports/ingest',
    load: reportLoad([report('bench-app')]),
    skip: () => (process.env.REDIS_URL ? null : 'REDIS_URL is not set (scripts/test-services.sh start prints it)'),
  },
  {
    name: 'details',
    env: {},
    path: '/reports/ingest',
    load: reportLoad(Array.from({ length: 64 }, () => JSON.stringify({ ...JSON.parse(report('bench-app')), details: details() }))),
  },
  { name: 'beacon', env: { REDIS_URL: '' }, path: BEACON_PATH, load: beaconLoad },
  {
    name: 'beacon-redis',
    env: { REDIS_URL: process.env.REDIS_URL ?? '' },
    path: BEACON_PATH,
    load: beaconLoad,
    skip: () => (process.env.REDIS_URL ? null : 'REDIS_URL is not set (scripts/test-services.sh start prints it)'),
  },
  {
    name: 'logs',
    env: {},
    path: '/api/v1/logs',
    load: () => ({ headers: {}, bodies: [logBatch()], freshDevice: true }),
  },
];

const fmt = (n: number, d = 0) => n.toFixed(d);

async function main() {
  process.stdout.write(
    `bench: ${duration}s x ${rounds} rounds per side, ${defaultConnections} connections (storm: 50), ${hasWrk ? 'wrk' : 'autocannon'}, ${cores} cores, ${canPin ? 'server pinned to core 0, load to core 1' : 'no pinning'}\n`,
  );
  if (canPin) spawn('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const rows: string[] = [];
  /** Each scenario's telltale/baseline req/s ratio, measured interleaved and so robust to noise. */
  const ratios: Record<string, number> = {};
  const telltaleRps: Record<string, number> = {};
  for (const scenario of scenarios.filter((s) => wanted.includes(s.name))) {
    const why = scenario.skip?.();
    if (why) {
      rows.push(`${scenario.name.padEnd(8)} skipped: ${why}`);
      continue;
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'telltale-bench-'));
    const baseline = await startServer('bench/servers/baseline.ts', {});
    const telltale = await startServer('bench/servers/telltale.ts', { ...highLimits, ...scenario.env, DATA_DIR: dataDir, PORT: '0' });
    const A: Measure[] = [];
    const B: Measure[] = [];
    try {
      const spec = scenario.load(telltale.info);
      let logLines = 0;
      for (let r = 0; r < rounds; r++) {
        A.push(await load(baseline.info.port, scenario.path, spec));
        const before = telltale.lines();
        B.push(await load(telltale.info.port, scenario.path, spec));
        // The aggregated lines of the round's last second are written up to a second later.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        logLines += telltale.lines() - before;
      }
      const stats = await serverStats(telltale.info);
      const avg = (ms: Measure[], k: 'rps' | 'p50' | 'p99') => ms.reduce((s, m) => s + m[k], 0) / ms.length;
      const [rpsA, rpsB, p50A, p50B, p99A, p99B] = [avg(A, 'rps'), avg(B, 'rps'), avg(A, 'p50'), avg(B, 'p50'), avg(A, 'p99'), avg(B, 'p99')];
      const statuses = B.reduce<Record<string, number>>((acc, m) => {
        for (const [c, n] of Object.entries(m.statuses)) acc[c] = (acc[c] ?? 0) + n;
        return acc;
      }, {});
      const accepted = statuses['202'] ?? 0;
      telltaleRps[scenario.name] = rpsB;
      ratios[scenario.name] = rpsB / rpsA;
      const perReport = accepted > 0 ? stats.repositoryWrites / accepted : 0;
      const redisPerReport = accepted > 0 ? stats.redisRoundTrips / accepted : 0;
      rows.push(
        `${scenario.name.padEnd(8)} baseline ${fmt(rpsA).padStart(6)} req/s p50 ${fmt(p50A, 1)} ms p99 ${fmt(p99A, 1)} ms | telltale ${fmt(rpsB).padStart(6)} req/s p50 ${fmt(p50B, 1)} ms p99 ${fmt(p99B, 1)} ms | ratio req/s ${fmt(rpsB / rpsA, 2)}x p50 ${fmt(p50B / Math.max(p50A, 0.001), 2)}x p99 ${fmt(p99B / Math.max(p99A, 0.001), 2)}x | statuses ${JSON.stringify(statuses)}` +
          (scenario.path === BEACON_PATH
            ? ` | sketch store (${stats.sketchStore}) merge calls/beacon ${fmt((stats.sketchFlushes ?? 0) / Math.max(statuses['204'] ?? 0, 1), 5)}, sketches written/beacon ${fmt((stats.sketchesWritten ?? 0) / Math.max(statuses['204'] ?? 0, 1), 5)}`
            : '') +
          (scenario.path === '/reports/ingest'
            ? ` | repository writes/report ${fmt(perReport, 3)}${scenario.env.REDIS_URL ? ` | redis round trips/report ${fmt(redisPerReport, 3)}` : ''}`
            : '') +
          ` | server RSS ${fmt(stats.rss / 1048576)} MiB` +
          ` | log lines ${logLines} (${fmt(logLines / (rounds * duration), 1)}/s)` +
          // Raw req/s compare two periods of a shared machine; the ratio of the two baseline ratios
          // compares the two paths with the machine's drift between them divided out.
          (scenario.name === 'storm' && ratios.minimal
            ? ` | 429 path vs minimal ingest ${fmt(ratios.storm! / ratios.minimal, 2)}x (raw req/s ${fmt(rpsB / telltaleRps.minimal!, 2)}x)`
            : ''),
      );
    } finally {
      await baseline.stop();
      await telltale.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
