import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { RedisBeaconRefusalStore, REFUSAL_KEY_PREFIX } from '../../src/adapters/redis/redis-beacon-refusals';
import { RedisDayKeyStore, RedisDeviceSketchStore } from '../../src/adapters/redis/redis-device-sketches';
import { connectRedis, connectRedisCluster, parseClusterNodes } from '../../src/adapters/redis/redis-client';
import { beaconRefusalContract } from '../contract/beacon-refusals.contract';
import { deviceSketchContract } from '../contract/device-sketches.contract';
import { describeWhenReachable, unreachableReason } from './service-probe';

const REDIS_URL = process.env.REDIS_URL;
const NODES = process.env.TEST_REDIS_CLUSTER_NODES;
const retention = { hourlyDays: 7, dailyDays: 90 };
const H = 3_600_000;

function clusterReason(): string | null {
  if (!NODES) return 'TEST_REDIS_CLUSTER_NODES is not set';
  const first = parseClusterNodes(NODES)[0]!;
  return unreachableReason('TEST_REDIS_CLUSTER_NODES', `redis://${first.host.includes(':') ? `[${first.host}]` : first.host}:${first.port}`, 6379);
}

/** Every key matching `pattern` with its PTTL, on one Redis or on every master of a cluster. */
async function ttlsOf(client: Redis | Cluster, pattern: string): Promise<Record<string, number>> {
  const nodes = 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client as Redis];
  const out: Record<string, number> = {};
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) out[key] = await node.pttl(key);
    } while (cursor !== '0');
  }
  return out;
}

async function writeEverything(store: RedisBeaconRefusalStore, appId: string, hour: Date): Promise<void> {
  const cell = { version: '1.0.0', channel: 'stable', platform: 'linux', arch: 'x64' };
  await store.add([
    { appId, cell, granularity: 'hour', bucket: hour, reason: 'ip_limit', count: 2 },
    { appId, cell: null, granularity: 'day', bucket: new Date(Math.floor(hour.getTime() / 86_400_000) * 86_400_000), reason: 'cell_cap', count: 9 },
  ]);
  await store.addUnmatched(hour, [{ owner: `o-${appId}`, appName: 'typo', reason: 'unknown_app', count: 1 }], 10);
}

const recentHour = () => new Date(Math.floor(Date.now() / H) * H - H);

describeWhenReachable('Redis beacon refusals', unreachableReason('REDIS_URL', REDIS_URL, 6379))('RedisBeaconRefusalStore against real Redis', () => {
  beaconRefusalContract(
    'redis',
    async () => {
      const client = await connectRedis(REDIS_URL!);
      return { store: new RedisBeaconRefusalStore(client, retention), cleanup: async () => void (await client.quit()) };
    },
    { expiresItself: true },
  );

  test('when refusals and unmatched names are written, then every key carries its hash tag and a TTL at the end of its retention', async () => {
    const client = await connectRedis(REDIS_URL!);
    try {
      const appId = randomBytes(6).toString('hex');
      const hour = recentHour();
      await writeEverything(new RedisBeaconRefusalStore(client, retention), appId, hour);
      const ttls = await ttlsOf(client, `${REFUSAL_KEY_PREFIX}{${appId}}:*`);
      expect(Object.keys(ttls)).toHaveLength(2);
      for (const ttl of Object.values(ttls)) expect(ttl).toBeGreaterThan(0);
      const hourly = await client.pexpiretime(`${REFUSAL_KEY_PREFIX}{${appId}}:hour:${hour.getTime()}`);
      expect(hourly).toBe(hour.getTime() + H + 7 * 86_400_000);
      expect(await client.pttl(`${REFUSAL_KEY_PREFIX}{unmatched}:hour:${hour.getTime()}`)).toBeGreaterThan(0);
    } finally {
      await client.quit();
    }
  });
});

describeWhenReachable('Redis Cluster beacon refusals', clusterReason())('RedisBeaconRefusalStore and RedisDeviceSketchStore on a Redis Cluster', () => {
  beaconRefusalContract(
    'redis cluster',
    async () => {
      const client = await connectRedisCluster(parseClusterNodes(NODES!));
      return { store: new RedisBeaconRefusalStore(client, retention), cleanup: async () => void (await client.quit()) };
    },
    { expiresItself: true },
  );

  deviceSketchContract(
    'redis cluster',
    async () => {
      const client = await connectRedisCluster(parseClusterNodes(NODES!));
      return { store: new RedisDeviceSketchStore(client, retention), dayKeys: new RedisDayKeyStore(client), cleanup: async () => void (await client.quit()) };
    },
    { expiresItself: true },
  );

  test('when refusals of two apps are written in one call, then no CROSSSLOT error occurs and every key of theirs has a TTL', async () => {
    const client = await connectRedisCluster(parseClusterNodes(NODES!));
    try {
      const store = new RedisBeaconRefusalStore(client, retention);
      const apps = [randomBytes(6).toString('hex'), randomBytes(6).toString('hex')];
      const hour = recentHour();
      const cell = { version: '1.0.0', channel: 'stable', platform: 'linux', arch: 'x64' };
      await store.add(apps.map((appId) => ({ appId, cell, granularity: 'hour' as const, bucket: hour, reason: 'ip_limit' as const, count: 1 })));
      for (const appId of apps) await writeEverything(store, appId, hour);
      for (const appId of apps) {
        const ttls = await ttlsOf(client, `${REFUSAL_KEY_PREFIX}{${appId}}:*`);
        expect(Object.keys(ttls).length).toBeGreaterThanOrEqual(2);
        for (const ttl of Object.values(ttls)) expect(ttl).toBeGreaterThan(0);
      }
    } finally {
      await client.quit();
    }
  });
});
