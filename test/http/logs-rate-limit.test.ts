import { Redis } from 'ioredis';
import request from 'supertest';
import { logBatch, logsRouterApp, newDeviceId } from '../fixtures/logs';

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
