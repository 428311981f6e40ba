// node -r @swc-node/register bench/devices.ts — 1,000,000 distinct simulated devices send the
// faynoSync beacon over 3 versions × 2 platforms through the HTTP path (keep-alive, many requests in
// flight), then every cell's count is compared with the truth and the sketches' stored size is
// reported. Not a test: nothing asserts. Options via env:
//   DEVICES=1000000  CONCURRENCY=128  REDIS_URL (sketches in Redis instead of SQLite)
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis } from '../src/adapters/redis/redis-client';
import { RedisDeviceSketchStore, sketchKey } from '../src/adapters/redis/redis-device-sketches';
import { openSqliteDatabase } from '../src/adapters/sqlite/sqlite-database';
import { SqliteDeviceSketchStore } from '../src/adapters/sqlite/sqlite-device-sketches';
import { estimateCardinality, emptyRegisters, mergeRegisters } from '../src/domain/hyperloglog';
import { cellId } from '../src/domain/rollout-cell';
import type { DeviceSketchStore, SketchEntry, SketchQuery } from '../src/ports/device-sketches';
import { startServer } from './start-server';

const DEVICES = Number(process.env.DEVICES ?? 1_000_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 128);
const REDIS_URL = process.env.REDIS_URL ?? '';
const VERSIONS = ['1.4.1', '1.4.2', '1.5.0'];
const PLATFORMS = ['windows', 'linux'];
const CELLS = VERSIONS.flatMap((version) => PLATFORMS.map((platform) => ({ version, channel: 'stable', platform, arch: 'amd64' })));

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-devices-'));
  const server = await startServer('bench/servers/telltale.ts', {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    REDIS_URL,
    TELEMETRY_RATE_LIMIT_PER_IP: '100000000',
  });
  const { port, appId } = server.info;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses: Record<number, number> = {};
  const started = Date.now();
  let next = 0;
  const send = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const cell = CELLS[i % CELLS.length]!;
      const path = `/telemetry/beacon?owner=bench&app_name=bench-app&version=${cell.version}&channel=stable&platform=${cell.platform}&arch=amd64`;
      const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { 'X-Device-ID': `device-${i}`, 'User-Agent': 'faynosync-js/1.0' } }, (res) => {
        statuses[res.statusCode!] = (statuses[res.statusCode!] ?? 0) + 1;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (next < DEVICES) {
      const i = next++;
      await send(i);
      if (i > 0 && i % 100_000 === 0) process.stdout.write(`  ${i} beacons, ${Math.round(i / ((Date.now() - started) / 1000))}/s\n`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  await server.stop(); // the composition's close flushes the last interval

  let store: DeviceSketchStore;
  let sizeOf: (entry: SketchEntry) => Promise<number>;
  let close: () => Promise<void>;
  if (REDIS_URL) {
    const redis = await connectRedis(REDIS_URL);
    store = new RedisDeviceSketchStore(redis, { hourlyDays: 7, dailyDays: 90 });
    sizeOf = async (entry) => Number(await redis.memory('USAGE', sketchKey(entry.key)));
    close = async () => void (await redis.quit());
  } else {
    const db = openSqliteDatabase(dataDir);
    store = new SqliteDeviceSketchStore(db);
    const row = db.prepare('SELECT length(registers) AS n FROM device_sketches WHERE app_id = ? AND granularity = ? AND bucket = ? AND version = ? AND platform = ? AND kind = ?');
    sizeOf = async (e) => (row.get(e.key.appId, e.key.granularity, e.key.bucket.getTime(), e.key.cell.version, e.key.cell.platform, e.key.kind) as { n: number }).n;
    close = async () => void db.close();
  }
  const window = { appId: appId!, from: new Date(started - 86_400_000), to: new Date(Date.now() + 86_400_000) };
  const readAll = async (query: SketchQuery) => {
    const out: SketchEntry[] = [];
    for await (const page of store.readPages(query)) out.push(...page);
    return out;
  };
  const daily = await readAll({ ...window, granularity: 'day', kinds: ['active'] });
  const hourly = await readAll({ ...window, granularity: 'hour', kinds: ['active'] });
  const lines: string[] = [];
  let worst = 0;
  for (const cell of CELLS) {
    const truth = Math.floor(DEVICES / CELLS.length) + (CELLS.indexOf(cell) < DEVICES % CELLS.length ? 1 : 0);
    const days = daily.filter((e) => cellId(e.key.cell) === cellId(cell));
    const merged = days.reduce((acc, e) => mergeRegisters(acc, e.registers), emptyRegisters());
    const estimate = estimateCardinality(merged);
    const error = (estimate - truth) / truth;
    worst = Math.max(worst, Math.abs(error));
    const hours = hourly.filter((e) => cellId(e.key.cell) === cellId(cell));
    const dayBytes = (await Promise.all(days.map(sizeOf))).reduce((a, b) => a + b, 0);
    const hourBytes = (await Promise.all(hours.map(sizeOf))).reduce((a, b) => a + b, 0);
    lines.push(
      `  ${cell.version} ${cell.platform.padEnd(7)} truth ${truth} estimate ${Math.round(estimate)} error ${(error * 100).toFixed(2)}% | stored: daily ${dayBytes} B in ${days.length} sketch, hourly ${hourBytes} B in ${hours.length} sketches`,
    );
  }
  await close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(
    `devices: ${DEVICES} distinct devices over ${CELLS.length} cells through GET /telemetry/beacon, ${CONCURRENCY} in flight, ` +
      `sketches in ${REDIS_URL ? 'Redis' : 'SQLite'}: ${seconds.toFixed(0)} s (${Math.round(DEVICES / seconds)} beacons/s), statuses ${JSON.stringify(statuses)}\n` +
      `${lines.join('\n')}\nworst relative error ${(worst * 100).toFixed(2)}% (target ≤ 2%)\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
