import { Redis } from 'ioredis';
import request from 'supertest';
import { perIpRateLimitKey } from '../../src/adapters/http/logs-rate-limit';
import { ALICE_TOKEN, logBatch, logsRouterApp, newDeviceId } from '../fixtures/logs';

describe('logs rate limit — store failures', () => {
  it('when the Redis store is unreachable, then requests pass (fail-open) and rate_limiter_errors_total counts each failure', async () => {
    // Nothing listens on port 1; no offline queue and no retries, so each command fails at once.
    const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, disconnectTimeout: 10 });
    redis.on('error', () => undefined);
    try {
      const { app, metrics, clientLog, log } = logsRouterApp({ env: { LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '1' }, redis });
      const deviceId = newDeviceId();
      for (let i = 0; i < 3; i++) {
        const res = await request(app).post('/api/v1/logs').set('X-Device-Id', deviceId).send(logBatch());
        expect(res.status).toBe(200);
      }
      expect(clientLog.lines).toHaveLength(3);
      expect(metrics.value('rate_limiter_errors_total', { op: 'logs' })).toBeGreaterThanOrEqual(3);
      expect(log.lines.filter((line) => line.includes('rate limit') || line.includes('rate-limit')).length).toBeLessThanOrEqual(1);
    } finally {
      redis.disconnect();
    }
  });
});

describe('logs rate limit — per-address ceiling for anonymous callers (LOGS_RATE_LIMIT_PER_IP_PER_MINUTE)', () => {
  it('when one address rotates device ids, then 429 scope logs_ip starts at the ceiling, with Retry-After and both policies in RateLimit-Policy', async () => {
    const { app, metrics, clientLog } = logsRouterApp({ env: { LOGS_RATE_LIMIT_PER_IP_PER_MINUTE: '5' } });
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await request(app).post('/api/v1/logs').set('X-Device-Id', newDeviceId()).send(logBatch());
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(last!.body).toMatchObject({ code: 'rate_limited', scope: 'logs_ip', error: expect.any(String) });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.headers['ratelimit-policy']).toMatch(/"logs_ip"; q=5; w=60/);
    expect(clientLog.lines).toHaveLength(5);
    expect(metrics.value('rate_limit_rejections_total', { scope: 'logs_ip' })).toBe(3);
  });

  it('when the caller is signed in, then only the per-user limit applies', async () => {
    const { app } = logsRouterApp({ env: { LOGS_RATE_LIMIT_PER_IP_PER_MINUTE: '2', LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '100' } });
    for (let i = 0; i < 4; i++) {
      const res = await request(app).post('/api/v1/logs').set('Authorization', `Bearer ${ALICE_TOKEN}`).send(logBatch());
      expect(res.status).toBe(200);
    }
  });

  it('when anonymous callers come from two addresses of one IPv6 /64, then they share one ceiling; another /64 has its own', async () => {
    const { app } = logsRouterApp({ env: { LOGS_RATE_LIMIT_PER_IP_PER_MINUTE: '2', TRUST_PROXY: 'true' } });
    const from = (address: string) => request(app).post('/api/v1/logs').set('X-Device-Id', newDeviceId()).set('X-Forwarded-For', address).send(logBatch());
    expect((await from('2001:db8:1:2::1')).status).toBe(200);
    expect((await from('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).status).toBe(200);
    const third = await from('2001:db8:1:2::ffff');
    expect(third.status).toBe(429);
    expect(third.body.scope).toBe('logs_ip');
    expect((await from('2001:db8:1:3::1')).status).toBe(200);
    // An IPv4 address, also when written IPv4-mapped, is one address of its own.
    expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('::ffff:203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(429);
  });

  it('the address is kept in the limiter key only as a pseudonym', () => {
    const key = perIpRateLimitKey('logs_ip', '203.0.113.9');
    expect(key).toMatch(/^logs_ip:ip:[A-Za-z0-9_-]{22}$/);
    expect(key).not.toContain('203.0.113');
  });
});
