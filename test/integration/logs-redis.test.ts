import { pseudonym } from '../../src/domain/privacy';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { ALICE_TOKEN, logBatch, logsRouterApp, newDeviceId } from '../fixtures/logs';
import { describeWhenReachable, unreachableReason } from './service-probe';

const REDIS_URL = process.env.REDIS_URL;
const describeRedis = describeWhenReachable('logs rate limit on real Redis', unreachableReason('REDIS_URL', REDIS_URL, 6379));

describeRedis('logs rate limit on real Redis (rate-limit-redis)', () => {
  let redis: Redis;
  const prefix = `tt:test:${randomBytes(6).toString('hex')}:`;

  beforeAll(() => {
    redis = new Redis(REDIS_URL!, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const app = (max: number) => logsRouterApp({ env: { LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: String(max) }, redis, redisPrefix: prefix }).app;

  it('when a device passes the limit, then 429, and its counter lives in Redis under logs:device:<pseudonym> with a TTL, never the raw id', async () => {
    const server = app(2);
    const deviceId = newDeviceId();
    const send = () => request(server).post('/api/v1/logs').set('X-Device-Id', deviceId).send(logBatch());
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited', scope: 'logs' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const key = `${prefix}logs:device:${pseudonym(deviceId)}`;
    expect(await redis.get(key)).toBe('3');
    expect(await redis.keys(`*${deviceId}*`)).toEqual([]);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('when two service instances share Redis, then a user has one budget across them and across devices', async () => {
    const a = app(2);
    const b = app(2);
    const send = (server: typeof a) =>
      request(server).post('/api/v1/logs').set('Authorization', `Bearer ${ALICE_TOKEN}`).set('X-Device-Id', newDeviceId()).send(logBatch());
    expect((await send(a)).status).toBe(200);
    expect((await send(b)).status).toBe(200);
    expect((await send(a)).status).toBe(429);
    expect(await redis.pttl(`${prefix}logs:user:alice`)).toBeGreaterThan(0);
  });
});
