import { createServer, type AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { MemoryBlobStore } from '../../src/adapters/memory/memory-blob-store';
import { MemoryMetrics } from '../../src/adapters/memory/memory-metrics';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import { connectRedis, createRedisClient } from '../../src/adapters/redis/redis-client';
import { RATE_LIMIT_KEY_PREFIX, RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter';
import { randomHex } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { FailOpenRateLimiter } from '../../src/app/fail-open-rate-limiter';
import { ReportIngestion } from '../../src/app/report-ingestion';
import { contractUrlSigner } from '../contract/blob-store.contract';
import { rateLimiterContract } from '../contract/rate-limiter.contract';
import { CapturedLog } from '../fixtures/harness';
import { advanceRedisTtls } from '../fixtures/redis-ttl';
import { newDeviceId, newReportKey, reportBody } from '../fixtures/reports';
import { ingestTwicePerDevice, keyHostileDeviceIds } from '../fixtures/device-id-dedup';
import { describeWhenReachable, unreachableReason } from './service-probe';

const REDIS_URL = process.env.REDIS_URL;
const describeRedis = describeWhenReachable('Redis rate limiter integration', unreachableReason('REDIS_URL', REDIS_URL, 6379));

describeRedis('RedisRateLimiter against real Redis', () => {
  let admin: Redis;
  beforeAll(async () => {
    admin = await connectRedis(REDIS_URL!);
  });
  afterAll(async () => {
    await admin.quit();
  });

  rateLimiterContract(
    'redis',
    async (_clock, run) => {
      const client = await connectRedis(REDIS_URL!);
      // Redis expires keys by its own clock: time moves by shortening the run's keys' TTLs.
      return { limiter: new RedisRateLimiter(client), cleanup: async () => void (await client.quit()), advance: (ms) => advanceRedisTtls([client], `*${run}*`, ms) };
    },
    {
      sharedStore: true,
      async keyTtlsMs() {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await admin.scan(cursor, 'MATCH', `${RATE_LIMIT_KEY_PREFIX}*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        const pipeline = admin.pipeline();
        for (const key of keys) pipeline.pttl(key);
        // A key that expired between SCAN and PTTL reads -2; it no longer exists, so it doesn't count.
        return ((await pipeline.exec()) ?? []).map(([, ttl]) => ttl as number).filter((ttl) => ttl !== -2);
      },
    },
  );

  it('when consuming several rules or peeking, then each call is one round trip', async () => {
    const client = await connectRedis(REDIS_URL!);
    const limiter = new RedisRateLimiter(client);
    const partition = randomHex(8);
    const rules = ['key', 'group', 'device'].map((scope) => ({ scope, key: randomHex(8), partition, limit: 5, windowSeconds: 60 }));
    await limiter.consume(rules);
    await limiter.peek(rules[0]!);
    expect(limiter.roundTrips).toBe(2);
    await client.quit();
  });

  it('when Redis has lost the script cache, then the call still succeeds by sending the script', async () => {
    const client = await connectRedis(REDIS_URL!);
    const limiter = new RedisRateLimiter(client);
    await admin.script('FLUSH');
    const rule = { scope: 'group', key: randomHex(8), limit: 1, windowSeconds: 60 };
    expect(await limiter.consume([rule])).toEqual({ allowed: true });
    expect(limiter.roundTrips).toBe(2);
    expect(await limiter.consume([rule])).toEqual({ allowed: false, scope: 'group', retryAfterSeconds: 60 });
    expect(limiter.roundTrips).toBe(3);
    await client.quit();
  });

  it('when the connection drops, then the client reconnects and the limiter works again', async () => {
    const client = await connectRedis(REDIS_URL!);
    const limiter = new RedisRateLimiter(client);
    const reconnected = new Promise((resolve) => client.once('ready', resolve));
    await admin.client('KILL', 'ID', String(await client.client('ID')));
    await reconnected;
    expect(await limiter.peek({ scope: 'key', key: randomHex(8), limit: 1, windowSeconds: 60 })).toEqual({ allowed: true });
    await client.quit();
  });

  it('when a minimal report is ingested, then the limiter costs at most 2 Redis round trips', async () => {
    const client = await connectRedis(REDIS_URL!);
    const limiter = new RedisRateLimiter(client);
    const clock = new ManualClock();
    const directory = new MemoryAppDirectory();
    const repository = new MemoryReportRepository();
    const metrics = new MemoryMetrics();
    const ingestion = new ReportIngestion({
      directory,
      repository,
      blobStore: new MemoryBlobStore(contractUrlSigner()),
      limiter,
      clock,
      metrics,
      logger: pino({ level: 'silent' }),
      randomHex,
      settings: loadConfig({}).reports,
    });
    const appId = randomHex(12);
    const key = newReportKey();
    await directory.createApp({ id: appId, owner: 'owner-1', name: 'my-app', reports: true, createdAt: clock.now(), updatedAt: clock.now() });
    await directory.setReportKey(appId, key, clock.now());

    const ticket = await ingestion.authorize(`Bearer ${key}`, newDeviceId());
    const result = await ingestion.ingest(ticket, reportBody());

    expect(limiter.roundTrips).toBe(2);
    expect((await repository.findGroup(appId, result.groupHash))?.stats.count).toBe(1);
    await client.quit();
  });
});

describeRedis('RedisRateLimiter with device ids as faynoSync takes them', () => {
  it('when devices with braces, spaces, non-ASCII or 256-byte ids report twice, then each repeat hits its own dedup, and no Redis key holds an id or a brace of it', async () => {
    const client = await connectRedis(REDIS_URL!);
    const ids = keyHostileDeviceIds();
    const { appId, first, repeat } = await ingestTwicePerDevice(new RedisRateLimiter(client), ids);
    expect(first).toEqual(ids.map(() => 'accepted'));
    expect(repeat).toEqual(ids.map(() => 'limited:device'));
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${RATE_LIMIT_KEY_PREFIX}{${appId}}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const deviceKeys = keys.filter((key) => key.includes(':device:'));
    expect(deviceKeys).toHaveLength(ids.length);
    for (const key of deviceKeys) expect(key).toMatch(new RegExp(`^tt:rl:\\{${appId}\\}:device:${appId}:[A-Za-z0-9_-]{22}:[0-9a-f]{64}$`));
    await client.quit();
  });
});

describe('RedisRateLimiter when Redis is down', () => {
  let deadPort: number;
  beforeAll(async () => {
    // Bind then release a port, so nothing listens on it during the test.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    deadPort = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
  });

  // ioredis' default is to reconnect for ever: that would run into the test's timeout.
  it('when connecting at startup, then it fails at the first refusal naming REDIS_URL and hiding the password', async () => {
    await expect(connectRedis(`redis://:hunter2@127.0.0.1:${deadPort}`)).rejects.toThrow(/^REDIS_URL: cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1.*ECONNREFUSED/);
  });

  it('when wrapped in FailOpenRateLimiter, then requests are allowed at once, not queued behind a reconnect, and rate_limiter_errors_total counts the failures', async () => {
    const client = createRedisClient(`redis://127.0.0.1:${deadPort}`);
    const metrics = new MemoryMetrics();
    const log = new CapturedLog();
    const limiter = new FailOpenRateLimiter(new RedisRateLimiter(client), { metrics, logger: pino(log), clock: new ManualClock() });
    const rule = { scope: 'key', key: 'app-1', limit: 1, windowSeconds: 60 };

    expect(await limiter.peek(rule)).toEqual({ allowed: true });
    expect(await limiter.consume([rule])).toEqual({ allowed: true });
    expect(await limiter.consume([rule])).toEqual({ allowed: true });
    // The command was refused by the client itself: nothing waited for a connection.
    expect(JSON.parse(log.lines[0]!).err.message).toMatch(/enableOfflineQueue/);

    expect(metrics.value('rate_limiter_errors_total', { op: 'peek' })).toBe(1);
    expect(metrics.value('rate_limiter_errors_total', { op: 'consume' })).toBe(2);
    client.disconnect();
  });
});
