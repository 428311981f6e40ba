import type { Redis } from 'ioredis';
import { RedisDayKeyStore, RedisDeviceSketchStore, sketchKey } from '../../src/adapters/redis/redis-device-sketches';
import { fromRedisHll, toRedisHll } from '../../src/adapters/redis/redis-hll-format';
import { connectRedis } from '../../src/adapters/redis/redis-client';
import { estimateCardinality } from '../../src/domain/hyperloglog';
import type { SketchKey } from '../../src/ports/device-sketches';
import { deviceSketchContract, sketchOf } from '../contract/device-sketches.contract';
import { describeWhenReachable, unreachableReason } from './service-probe';

const REDIS_URL = process.env.REDIS_URL;
const describeRedis = describeWhenReachable('Redis device sketches', unreachableReason('REDIS_URL', REDIS_URL, 6379));
const retention = { hourlyDays: 7, dailyDays: 90 };

describeRedis('RedisDeviceSketchStore against real Redis', () => {
  deviceSketchContract(
    'redis',
    async () => {
      const client = await connectRedis(REDIS_URL!);
      return { store: new RedisDeviceSketchStore(client, retention), dayKeys: new RedisDayKeyStore(client), cleanup: async () => void (await client.quit()) };
    },
    { expiresItself: true },
  );

  describe('native HyperLogLog', () => {
    let redis: Redis;
    beforeAll(async () => {
      redis = await connectRedis(REDIS_URL!);
    });
    afterAll(async () => {
      await redis.quit();
    });
    const key = (appId: string, bucket = new Date()): SketchKey => ({
      appId,
      cell: { version: '2.0.0', channel: 'stable', platform: 'linux', arch: 'x64' },
      granularity: 'hour',
      bucket: new Date(Math.floor(bucket.getTime() / 3_600_000) * 3_600_000),
      kind: 'active',
    });

    test.each([0, 5, 300, 5000, 60_000])('when %i devices are written in Redis form, then PFCOUNT agrees with our estimate and the registers read back', async (n) => {
      const registers = sketchOf(Array.from({ length: n }, (_, i) => `n${i}`));
      const name = `tt:test:hll:${n}:${Date.now()}`;
      await redis.set(name, toRedisHll(registers), 'PX', 60_000);
      expect(await redis.pfcount(name)).toBe(Math.round(estimateCardinality(registers)));
      await redis.pfadd(name); // a no-op PFADD still validates the value as a HyperLogLog
      expect(Buffer.from(fromRedisHll((await redis.getBuffer(name))!)).equals(Buffer.from(registers))).toBe(true);
    });

    test('when a sketch is merged, then its key carries the app hash tag and expires at the end of the hourly retention', async () => {
      const store = new RedisDeviceSketchStore(redis, retention);
      const k = key(`app-ttl-${Date.now()}`);
      await store.merge([{ key: k, registers: sketchOf(['a', 'b']) }]);
      const name = sketchKey(k);
      expect(name).toContain(`{${k.appId}}`);
      const expiresAt = await redis.pexpiretime(name);
      expect(expiresAt).toBe(k.bucket.getTime() + 3_600_000 + 7 * 86_400_000);
      expect(await redis.pfcount(name)).toBe(2);
      const tagged = await redis.keys(`*${k.appId}*`);
      expect(tagged.every((n) => n.includes(`{${k.appId}}`))).toBe(true);
      expect(tagged.every(async (n) => (await redis.pttl(n)) > 0)).toBe(true);
    });
  });
});
