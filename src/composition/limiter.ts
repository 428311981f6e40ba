import type { Logger as PinoLogger } from 'pino';
import { MemoryRateLimiter } from '../adapters/memory/memory-rate-limiter';
import type { RedisConnection } from '../adapters/redis/redis-client';
import { RedisRateLimiter } from '../adapters/redis/redis-rate-limiter';
import { FailOpenRateLimiter } from '../app/fail-open-rate-limiter';
import type { Clock } from '../ports/clock';
import type { Metrics } from '../ports/metrics';
import type { RateLimiter } from '../ports/rate-limiter';
import type { Closers } from './closers';
import { startupError, type Config } from './config';

export interface Limiting {
  limiter: RateLimiter;
  /** Set when REDIS_URL or REDIS_CLUSTER_NODES is; shared with other Redis users (logs limiter, sketches, leases). */
  redis: RedisConnection | null;
}

/** Rate limits in Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES), else per process; failing open, and counted. */
export async function composeLimiter(
  config: Readonly<Config>,
  deps: { logger: PinoLogger; metrics: Metrics; clock: Clock },
  closers: Closers,
): Promise<Limiting> {
  const { logger, metrics, clock } = deps;
  let redis: RedisConnection | null = null;
  let raw: RateLimiter;
  const redisTarget = config.redisUrl
    ? { variable: 'REDIS_URL', connect: async (onError: (e: Error) => void) => (await redisClient()).connectRedis(config.redisUrl!, onError) }
    : config.redisClusterNodes
      ? { variable: 'REDIS_CLUSTER_NODES', connect: async (onError: (e: Error) => void) => (await redisClient()).connectRedisCluster(config.redisClusterNodes!, onError) }
      : null;
  if (redisTarget) {
    // Errors after startup surface through FailOpenRateLimiter's counted, throttled warning.
    const onError = (error: Error) => logger.debug({ err: { message: error.message } }, 'redis connection error');
    const client: RedisConnection = await redisTarget.connect(onError).catch((error: Error) => {
      throw startupError(error, redisTarget.variable);
    });
    redis = client;
    closers.add(async () => void (await client.quit()));
    raw = new RedisRateLimiter(client);
  } else {
    raw = new MemoryRateLimiter(clock);
    if (config.reports.enabled) logger.warn('REDIS_URL is not set: rate limits are per process');
  }
  const limiter = new FailOpenRateLimiter(raw, { metrics, logger, clock });
  closers.add(() => limiter.close());
  return { limiter, redis };
}

// Loaded only when Redis is configured: ioredis is slow to require, and the embedded default doesn't use it.
const redisClient = () => import('../adapters/redis/redis-client');
