import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { RedisStore } from 'rate-limit-redis';
import request from 'supertest';
import { redisStoreSender } from '../../src/adapters/http/logs-rate-limit';
import { MemoryMetrics } from '../../src/adapters/memory/memory-metrics';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import { connectRedis, connectRedisCluster, parseClusterNodes, type ClusterNode } from '../../src/adapters/redis/redis-client';
import { RedisLease } from '../../src/adapters/redis/redis-lease';
import { RATE_LIMIT_KEY_PREFIX, RedisRateLimiter, rateLimitKey } from '../../src/adapters/redis/redis-rate-limiter';
import { FailOpenRateLimiter } from '../../src/app/fail-open-rate-limiter';
import type { LimitRule } from '../../src/ports/rate-limiter';
import { leaseContract } from '../contract/lease.contract';
import { rateLimiterContract } from '../contract/rate-limiter.contract';
import { logBatch, logsRouterApp, newDeviceId } from '../fixtures/logs';
import { ingestTwicePerDevice, keyHostileDeviceIds } from '../fixtures/device-id-dedup';
import { advanceRedisTtls } from '../fixtures/redis-ttl';
import { describeWhenReachable, unreachableReason } from './service-probe';

// TEST_ prefixed: suites that pass process.env to the service's config must not see REDIS_URL and REDIS_CLUSTER_NODES both.
const NODES = process.env.TEST_REDIS_CLUSTER_NODES;

function clusterReason(): string | null {
  if (!NODES) return 'TEST_REDIS_CLUSTER_NODES is not set';
  let nodes: ClusterNode[];
  try {
    nodes = parseClusterNodes(NODES);
  } catch (error) {
    return (error as Error).message;
  }
  const first = nodes[0]!;
  return unreachableReason('TEST_REDIS_CLUSTER_NODES', `redis://${first.host.includes(':') ? `[${first.host}]` : first.host}:${first.port}`, 6379);
}

const describeCluster = describeWhenReachable('Redis Cluster integration', clusterReason());
const hex = (bytes = 6) => randomBytes(bytes).toString('hex');
// For the contract suites: they are about what the adapters decide, not how fast, and the cluster's
// nodes share a busy machine with the tests. The service's own 1 s command timeout (fail-open) is
// checked elsewhere.
const PATIENT = { redisOptions: { commandTimeout: 30_000, connectTimeout: 10_000, maxRetriesPerRequest: 1 } };

describeCluster('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  const nodes = () => parseClusterNodes(NODES!);
  let admin: Cluster;
  const clients: Cluster[] = [];
  const connect = async () => {
    const client = await connectRedisCluster(nodes());
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    admin = await connectRedisCluster(nodes());
  });
  afterAll(async () => {
    for (const client of clients) if (client.status !== 'end') await client.quit();
    await admin.quit();
  });

  /** SCAN on every master: a cluster's keys are spread over them. */
  async function keysMatching(pattern: string): Promise<Array<{ key: string; master: Redis }>> {
    const found: Array<{ key: string; master: Redis }> = [];
    for (const master of admin.nodes('master')) {
      let cursor = '0';
      do {
        const [next, batch] = await master.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of batch) found.push({ key, master });
      } while (cursor !== '0');
    }
    return found;
  }

  it('when connected, then the cluster has three masters covering every slot', async () => {
    expect(admin.nodes('master')).toHaveLength(3);
    expect(String(await admin.cluster('INFO'))).toMatch(/cluster_slots_assigned:16384/);
  });

  rateLimiterContract(
    'redis cluster',
    async (_clock, run) => {
      const client = await connectRedisCluster(nodes(), undefined, PATIENT);
      // Redis expires keys by its own clock: time moves by shortening the run's keys' TTLs, on every master.
      return { limiter: new RedisRateLimiter(client), cleanup: async () => void (await client.quit()), advance: (ms) => advanceRedisTtls(admin.nodes('master'), `*${run}*`, ms) };
    },
    {
      sharedStore: true,
      async keyTtlsMs() {
        const keys = await keysMatching(`${RATE_LIMIT_KEY_PREFIX}*`);
        const ttls = await Promise.all(keys.map(({ key, master }) => master.pttl(key)));
        // A key that expired between SCAN and PTTL reads -2; it no longer exists, so it doesn't count.
        return ttls.filter((ttl) => ttl !== -2);
      },
    },
  );

  leaseContract('redis cluster', async (_clock, run) => {
    const shared = await Promise.all([0, 1, 2].map(() => connectRedisCluster(nodes(), undefined, PATIENT)));
    const leases = shared.map((client) => new RedisLease(client));
    return {
      contender: (i) => leases[i % leases.length]!,
      cleanup: async () => void (await Promise.all(shared.map((c) => c.quit()))),
      advance: (ms) => advanceRedisTtls(admin.nodes('master'), `*${run}*`, ms),
    };
  });

  describe('two service instances sharing the cluster', () => {
    const ingestRules = (appId: string, device: string, limits = { key: 37, group: 1000, device: 1000 }): LimitRule[] => [
      { scope: 'key', key: appId, partition: appId, limit: limits.key, windowSeconds: 60 },
      { scope: 'group', key: `${appId}:g1`, partition: appId, limit: limits.group, windowSeconds: 60 },
      { scope: 'device', key: `${appId}:${device}:g1`, partition: appId, limit: limits.device, windowSeconds: 3600 },
    ];

    it('when 200 reports of one app are limited concurrently through two instances, then exactly the per-key limit pass, with no Redis error (no CROSSSLOT, nothing failed open)', async () => {
      const metrics = new MemoryMetrics();
      const logger = pino({ level: 'silent' });
      const instances = await Promise.all([connect(), connect()]);
      const limiters = instances.map((client) => new FailOpenRateLimiter(new RedisRateLimiter(client), { metrics, logger, clock: new ManualClock() }));
      const appId = hex(12);
      const verdicts = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 2]!.consume(ingestRules(appId, `d${i % 13}`))));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(37);
      expect(verdicts.find((v) => !v.allowed)).toEqual({ allowed: false, scope: 'key', retryAfterSeconds: expect.any(Number) });
      expect(metrics.value('rate_limiter_errors_total', { op: 'consume' })).toBe(0);
    });

    it('when many apps report at once, then each app keeps its own exact limit and its keys sit in one slot, spread over the masters', async () => {
      const [a, b] = await Promise.all([connect(), connect()]);
      const limiters = [new RedisRateLimiter(a), new RedisRateLimiter(b)];
      const apps = Array.from({ length: 12 }, () => hex(12));
      const verdicts = await Promise.all(
        apps.flatMap((appId, app) => Array.from({ length: 20 }, (_, i) => limiters[(app + i) % 2]!.consume(ingestRules(appId, 'd', { key: 7, group: 1000, device: 1000 })))),
      );
      for (let app = 0; app < apps.length; app++) expect(verdicts.slice(app * 20, app * 20 + 20).filter((v) => v.allowed)).toHaveLength(7);

      const slotOf = async (key: string) => Number(await admin.cluster('KEYSLOT', key));
      const slots = new Set<number>();
      for (const appId of apps) {
        const appSlots = new Set(await Promise.all(ingestRules(appId, 'd').map((rule) => slotOf(rateLimitKey(rule)))));
        expect(appSlots.size).toBe(1);
        slots.add([...appSlots][0]!);
      }
      const owners = new Set<string>();
      for (const appId of apps) for (const { master } of await keysMatching(`${RATE_LIMIT_KEY_PREFIX}{${appId}}:*`)) owners.add(`${master.options.host}:${master.options.port}`);
      expect(owners.size).toBeGreaterThan(1);
    });

    it('when the rules of one call name different partitions, then the call is refused before it reaches Redis', async () => {
      const limiter = new RedisRateLimiter(await connect());
      await expect(
        limiter.consume([
          { scope: 'key', key: 'a', partition: 'app-a', limit: 5, windowSeconds: 60 },
          { scope: 'key', key: 'b', partition: 'app-b', limit: 5, windowSeconds: 60 },
        ]),
      ).rejects.toThrow(/share a partition/);
      expect(limiter.roundTrips).toBe(0);
    });

    it('when every master has lost the script cache, then calls still succeed by sending the script', async () => {
      const limiter = new RedisRateLimiter(await connect());
      await Promise.all(admin.nodes('master').map((master) => master.script('FLUSH')));
      const appId = hex(12);
      expect(await limiter.consume(ingestRules(appId, 'd', { key: 1, group: 5, device: 5 }))).toEqual({ allowed: true });
      expect(limiter.roundTrips).toBe(2);
      expect(await limiter.consume(ingestRules(appId, 'd', { key: 1, group: 5, device: 5 }))).toEqual({ allowed: false, scope: 'key', retryAfterSeconds: 60 });
      expect(limiter.roundTrips).toBe(3);
    });
  });

  it('when devices with braces, spaces, non-ASCII or 256-byte ids report twice, then every key of the app stays in the app\'s slot and each repeat hits its own dedup, with no CROSSSLOT', async () => {
    const client = await connect();
    const ids = keyHostileDeviceIds();
    const { appId, first, repeat } = await ingestTwicePerDevice(new RedisRateLimiter(client), ids);
    expect(first).toEqual(ids.map(() => 'accepted'));
    expect(repeat).toEqual(ids.map(() => 'limited:device'));
    const keys = await keysMatching(`${RATE_LIMIT_KEY_PREFIX}{${appId}}:*`);
    expect(keys.filter(({ key }) => key.includes(':device:'))).toHaveLength(ids.length);
    const slots = new Set(await Promise.all(keys.map(({ key }) => admin.cluster('KEYSLOT', key))));
    expect([...slots]).toEqual([await admin.cluster('KEYSLOT', `{${appId}}`)]);
    for (const { key } of keys) for (const id of ids) expect(key).not.toContain(id);
  });

  describe('logs limiter (rate-limit-redis) on the cluster client', () => {
    it('when stores on two instances count keys spread over every master, then counts are shared and each key has a TTL, even after the masters lost their scripts', async () => {
      const prefix = `tt:rl:test-${hex()}:`;
      const [a, b] = await Promise.all([connect(), connect()]);
      const stores = [new RedisStore({ ...redisStoreSender(a), prefix }), new RedisStore({ ...redisStoreSender(b), prefix })];
      for (const store of stores) await store.init({ windowMs: 60_000 } as never);
      const keys = Array.from({ length: 30 }, (_, i) => `logs:device:${i}-${hex(4)}`);
      for (const key of keys) {
        await stores[0]!.increment(key);
        expect((await stores[1]!.increment(key)).totalHits).toBe(2);
      }
      await Promise.all(admin.nodes('master').map((master) => master.script('FLUSH')));
      for (const key of keys) expect((await stores[1]!.increment(key)).totalHits).toBe(3);

      const stored = await keysMatching(`${prefix}*`);
      expect(stored).toHaveLength(keys.length);
      expect(new Set(stored.map(({ master }) => master.options.port)).size).toBe(3);
      for (const { key, master } of stored) expect(await master.pttl(key)).toBeGreaterThan(0);
    });

    it('when two instances serve POST /api/v1/logs, then one device has one budget across them', async () => {
      const prefix = `tt:rl:test-${hex()}:`;
      const [a, b] = await Promise.all([connect(), connect()]);
      const app = (redis: Cluster) => logsRouterApp({ env: { LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '2' }, redis, redisPrefix: prefix }).app;
      const [first, second] = [app(a), app(b)];
      const deviceId = newDeviceId();
      const send = (server: typeof first) => request(server).post('/api/v1/logs').set('X-Device-Id', deviceId).send(logBatch());
      expect((await send(first)).status).toBe(200);
      expect((await send(second)).status).toBe(200);
      expect((await send(first)).status).toBe(429);
      expect((await send(second)).status).toBe(429);
    });
  });

  describe('connectRedisCluster', () => {
    let server: ChildProcess | null = null;
    let dir = '';
    afterEach(() => {
      server?.kill();
      server = null;
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('when the nodes answer but serve no slots or only some, then it fails naming REDIS_CLUSTER_NODES', async () => {
      const redisServer = spawnSync('redis-server', ['--version']);
      // The cluster under test may be remote; a node without slots needs a local redis-server.
      if (redisServer.status !== 0) {
        process.stdout.write('skipped: Redis Cluster integration: no local redis-server for the uncovered-cluster check\n');
        return;
      }
      const port = await freePort();
      dir = mkdtempSync(join(tmpdir(), 'telltale-cluster-'));
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--dir', dir], { stdio: 'ignore' });
      await waitForPort(port);
      await expect(connectRedisCluster([{ host: '127.0.0.1', port }])).rejects.toThrow(/^REDIS_CLUSTER_NODES: cannot use the Redis Cluster at 127\.0\.0\.1:\d+: /);

      const node = await connectRedis(`redis://127.0.0.1:${port}`);
      await node.call('CLUSTER', 'ADDSLOTSRANGE', '0', '99');
      await node.quit();
      await expect(connectRedisCluster([{ host: '127.0.0.1', port }])).rejects.toThrow(
        /^REDIS_CLUSTER_NODES: cannot use the Redis Cluster at 127\.0\.0\.1:\d+: the cluster is not ready: cluster_state:fail, 100 of 16384 slots assigned/,
      );
    });
  });
});

describe('connectRedisCluster when nothing answers', () => {
  // ioredis' cluster client retries for ever by default: that would run into the test's timeout.
  it('when the nodes are unreachable at startup, then it fails naming REDIS_CLUSTER_NODES rather than retrying', async () => {
    const [a, b] = [await freePort(), await freePort()];
    await expect(
      connectRedisCluster([
        { host: '127.0.0.1', port: a },
        { host: '127.0.0.1', port: b },
      ]),
    ).rejects.toThrow(new RegExp(`^REDIS_CLUSTER_NODES: cannot use the Redis Cluster at 127\\.0\\.0\\.1:${a},127\\.0\\.0\\.1:${b}: `));
  });
});

/** Binds then releases a port, so nothing listens on it until the test starts something there. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (unreachableReason('port', `redis://127.0.0.1:${port}`, port, 200) === null) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}
