import { addressKey } from '../../domain/ip-ranges';
import { pseudonym } from '../../domain/privacy';
import type { Request, RequestHandler, Response } from 'express';
import { MemoryStore, rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Cluster } from 'ioredis';
import { RedisStore, type RedisReply, type SendCommandClusterFn, type SendCommandFn } from 'rate-limit-redis';
import { RateLimitedError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import type { Metrics } from '../../ports/metrics';
import type { RedisConnection } from '../redis/redis-client';

export interface LogsRateLimitOptions {
  maxRequestsPerMinute: number;
  metrics: Metrics;
  logger: Logger;
  redis?: RedisConnection | null;
  /** Prefix of the Redis keys; tests give each run its own. */
  redisPrefix?: string;
}

/** The seed's key: the signed-in user, else the device, else the address. */
export function logsRateLimitKey(locals: Response['locals'], ip: string | undefined): string {
  const user = locals.user as { id: string } | null | undefined;
  if (user) return `logs:user:${user.id}`;
  // Device ids and IPs are kept in the limiter's store only as pseudonyms.
  if (typeof locals.deviceId === 'string') return `logs:device:${pseudonym(locals.deviceId)}`;
  return `logs:device:${pseudonym(addressKey(ip ?? ''))}`;
}

/** Runs after the guard, which has put user or deviceId on res.locals. */
export function logsRateLimit(options: LogsRateLimitOptions): RequestHandler {
  return limiter({
    ...options,
    limit: options.maxRequestsPerMinute,
    scope: 'logs',
    keyGenerator: (req, res) => logsRateLimitKey(res.locals, req.ip),
  });
}

export interface PerIpRateLimitOptions extends Omit<LogsRateLimitOptions, 'maxRequestsPerMinute'> {
  maxRequestsPerMinute: number;
  /** Named in the 429 body, the metric and the RateLimit headers, e.g. 'logs_ip'. */
  scope: string;
  /** True for requests this ceiling doesn't apply to, e.g. signed-in callers, limited per user. */
  skip?: (req: Request, res: Response) => boolean;
}

/**
 * A ceiling per client address, whatever device ids it sends: the per-device limit holds only for
 * honest devices, and an anonymous intake must not let one address rotate ids without end. Same
 * 429 body and headers as the other limits; the address (an IPv6 /64) is kept in the store only as a pseudonym.
 * Reusable by any anonymous intake (client logs, beacons): give each its own scope.
 */
export function perIpRateLimit(options: PerIpRateLimitOptions): RequestHandler {
  return limiter({
    ...options,
    limit: options.maxRequestsPerMinute,
    keyGenerator: (req) => perIpRateLimitKey(options.scope, req.ip),
  });
}

export function perIpRateLimitKey(scope: string, ip: string | undefined): string {
  return `${scope}:ip:${pseudonym(addressKey(ip ?? ''))}`;
}

function limiter(
  options: Omit<LogsRateLimitOptions, 'maxRequestsPerMinute'> & {
    limit: number;
    scope: string;
    keyGenerator: (req: Request, res: Response) => string;
    skip?: (req: Request, res: Response) => boolean;
  },
): RequestHandler {
  const inner: Store = options.redis
    ? new RedisStore({ ...redisStoreSender(options.redis), prefix: options.redisPrefix ?? 'tt:rl:' })
    : new MemoryStore();
  return rateLimit({
    windowMs: 60_000,
    limit: options.limit,
    identifier: options.scope,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: options.keyGenerator,
    skip: options.skip,
    // The check reads the generator's source; the IP fallbacks here go through addressKey (an IPv6 /64).
    validate: { keyGeneratorIpFallback: false },
    store: new MeteredStore(inner, options.metrics),
    // Abuse control, not a trust boundary: a store outage lets traffic through, counted and logged.
    passOnStoreError: true,
    logger: sharedThrottledLogger(options.logger),
    handler: (req, _res, next) => {
      options.metrics.increment('rate_limit_rejections_total', { scope: options.scope });
      const resetTime = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - Date.now()) / 1000) : 60;
      next(new RateLimitedError(options.scope, Math.max(1, seconds)));
    },
  });
}

/**
 * How rate-limit-redis reaches Redis. Each of its commands touches one key, so a cluster routes
 * it by that key with no slot to share. Its scripts are loaded with SCRIPT LOAD, which names no
 * key: on a cluster that goes to every master, or EVALSHA on another master would keep failing
 * with NOSCRIPT (its one reload would again land on a random node).
 */
export function redisStoreSender(redis: RedisConnection): { sendCommand: SendCommandFn } | { sendCommandCluster: SendCommandClusterFn } {
  // ioredis marks a cluster client with isCluster; asked that way, ioredis needn't be loaded here.
  if (!redis.isCluster) {
    return { sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply> };
  }
  const cluster = redis as Cluster;
  return {
    sendCommandCluster: async ({ command }) => {
      const [name = '', ...args] = command;
      if (name.toUpperCase() === 'SCRIPT') {
        const replies = await Promise.all(cluster.nodes('master').map((node) => node.call(name, ...args)));
        return replies[0] as RedisReply;
      }
      return cluster.call(name, ...args) as Promise<RedisReply>;
    },
  };
}

/**
 * Counts store failures, and initialises the inner store again after a failed init: the Redis
 * store keeps the rejected script load and would otherwise fail every request after Redis returns.
 */
class MeteredStore implements Store {
  private options: Options | undefined;
  private initFailed = false;

  constructor(
    private readonly inner: Store,
    private readonly metrics: Metrics,
  ) {}

  get localKeys(): boolean | undefined {
    return this.inner.localKeys;
  }

  async init(options: Options): Promise<void> {
    this.options = options;
    await this.guard(async () => {
      await this.inner.init?.(options);
      this.initFailed = false;
    }, true);
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (this.initFailed && this.options) await this.init(this.options);
    return this.guard(async () => this.inner.increment(key));
  }

  async decrement(key: string): Promise<void> {
    await this.guard(async () => this.inner.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    await this.guard(async () => this.inner.resetKey(key));
  }

  async shutdown(): Promise<void> {
    await this.inner.shutdown?.();
  }

  private async guard<T>(run: () => Promise<T>, initialising = false): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (initialising) this.initFailed = true;
      this.metrics.increment('rate_limiter_errors_total', { op: 'logs' });
      throw error;
    }
  }
}

// One throttle per service logger, shared by every limiter on it: one store outage, one line.
const throttled = new WeakMap<Logger, Options['logger']>();
function sharedThrottledLogger(logger: Logger): Options['logger'] {
  let shared = throttled.get(logger);
  if (shared === undefined) throttled.set(logger, (shared = throttledLogger(logger)));
  return shared;
}

/** At most one line per interval, so a Redis outage can't flood the service log. */
function throttledLogger(logger: Logger, intervalMs = 10_000): Options['logger'] {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  const log = (error: unknown, message?: string) => {
    const now = Date.now();
    if (now - lastAt < intervalMs) {
      suppressed++;
      return;
    }
    logger.warn({ err: { message: error instanceof Error ? error.message : String(error) }, suppressed }, message ?? 'logs rate limiter');
    lastAt = now;
    suppressed = 0;
  };
  return { error: log, warn: log };
}
