// Telltale as `npm start` runs it, plus an app and key for the load, and instrumentation:
// repository writes and Redis round trips are counted by wrapping the real adapters, and served
// on a second port so the measured server does nothing extra.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { compose } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { createServiceLogger } from '../../src/adapters/pino/pino-logger';

async function main() {
  const config = loadConfig();
  const composition = await compose(config, { logger: createServiceLogger(config.logLevel) });
  // Writes are the adapter's own count of statements it executed; reports are counted by the
  // load generator from its 202 answers, so writes per report is a measurement, not a tautology.
  const repository = composition.repository as unknown as { writes?: number };
  const redis = (composition as unknown as { redis?: { on(event: string, cb: (...a: unknown[]) => void): void; monitor?: unknown } }).redis;
  const limiter = (composition.limiter as unknown as { inner?: { roundTrips?: number } }).inner;

  const now = new Date();
  const appId = randomBytes(12).toString('hex');
  const key = `rpk_${randomBytes(32).toString('hex')}`;
  // Owned by an admin named "bench", so beacons can name the app as faynoSync's SDK does (owner, app_name).
  const admin = await composition.identity.createAdmin({ username: 'bench', password: randomBytes(16).toString('hex') });
  await composition.directory.createApp({ id: appId, owner: admin.id, name: 'bench-app', reports: true, createdAt: now, updatedAt: now });
  await composition.directory.setReportKey(appId, key, now);

  const server = createApp(composition.deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const stats = http
    .createServer((req, res) => {
      // ?gc=1 collects first (with --expose-gc), so RSS readings compare live memory, not garbage.
      if (req.url?.includes('gc=1')) (globalThis as { gc?: () => void }).gc?.();
      const sketches = composition.rollouts.buffer.stats;
      const counts = {
        repositoryWrites: repository.writes ?? -1,
        redisRoundTrips: limiter?.roundTrips ?? 0,
        // Sketch store calls (one merge per flush) and sketches written by them.
        sketchFlushes: sketches.flushes,
        sketchesWritten: sketches.sketchesWritten,
        sketchStore: composition.rollouts.storeName,
      };
      res.setHeader('Content-Type', 'application/json');
      const memory = process.memoryUsage();
      res.end(JSON.stringify({ ...counts, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers, redis: redis ? true : false }));
    })
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => stats.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  const statsPort = (stats.address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ ready: true, port, statsPort, key, appId })}\n`);
  process.on('SIGTERM', () => server.close(async () => {
    await composition.close();
    process.exit(0);
  }));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
