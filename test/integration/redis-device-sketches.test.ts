import type { Redis } from 'ioredis';
import { RedisDayKeyStore, RedisDeviceSketchStore, sketchKey } from '../../src/adapters/redis/redis-device-sketches';
import { fromRedisHll, toRedisHll } from '../../src/adapters/redis/redis-hll-format';
import { connectRedis } from '../../src/adapters/redis/redis-client';
import { estimateCardinality } from '../../src/domain/hyperloglog';
import type { SketchKey } from '../../src/ports/device-sketches';
import request from 'supertest';
import { deviceDigest } from '../../src/domain/hyperloglog';
import { deviceSketchContract, sketchOf } from '../contract/device-sketches.contract';
import { harness } from '../fixtures/harness';
import { newDeviceId } from '../fixtures/reports';
import { deviceNeedles } from '../fixtures/sketches';
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

  test('privacy: when beacons are counted in Redis, then no key or value holds a device id or a per-device digest', async () => {
    const h = await harness({ REDIS_URL: REDIS_URL!, ROLLOUT_FLUSH_INTERVAL_MS: '600000' }, { logLevel: 'warn' });
    h.clock.set(new Date());
    const redis = await connectRedis(REDIS_URL!);
    try {
      const { appId, key } = await h.createApp('my-app');
      const devices = Array.from({ length: 20 }, () => newDeviceId());
      for (const device of devices) {
        await request(h.app).get('/telemetry/beacon?version=3.0.0&channel=stable&platform=linux&arch=x64&first_run=1').set('Authorization', `Bearer ${key}`).set('X-Device-ID', device).expect(204);
      }
      await h.rollouts.buffer.flush();
      const dayKey = await h.rollouts.dayKeys.keyFor(h.clock.now().toISOString().slice(0, 10), Buffer.alloc(32));
      const needles = deviceNeedles(devices, devices.map((d) => deviceDigest(dayKey, appId, d)));
      const found: string[] = [];
      let sketches = 0;
      for (const name of await redis.keys('tt:*')) {
        const type = await redis.type(name);
        const value = type === 'string' ? (await redis.getBuffer(name))!.toString('latin1') : type === 'zset' ? (await redis.zrange(name, '0', '-1')).join('\n') : '';
        if (name.includes(`{${appId}}`) && value.startsWith('HYLL')) sketches++;
        found.push(...needles.filter((n) => name.includes(n) || value.includes(n)).map((n) => `${name}: ${n}`));
      }
      expect(found).toEqual([]);
      expect(sketches).toBe(4); // active and first runs, by hour and by day
    } finally {
      await redis.quit();
      await h.close();
    }
  });
});
