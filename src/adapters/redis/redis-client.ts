import { Redis, type RedisOptions } from 'ioredis';

const backoff = (times: number) => Math.min(times * 200, 2_000);

// A down Redis must make commands fail fast (the limiter fails open above us) rather than queue
// requests behind a reconnect loop; reconnecting continues in the background.
export const REDIS_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  commandTimeout: 1_000,
  retryStrategy: backoff,
};

/** The client, not yet connected; commands fail at once until it is. */
export function createRedisClient(url: string, onError: (error: Error) => void = () => undefined, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...REDIS_OPTIONS, ...options });
  client.on('error', onError);
  return client;
}

/** Connects or throws an Error naming REDIS_URL; the URL's password never appears in it. */
export async function connectRedis(url: string, onError: (error: Error) => void = () => undefined): Promise<Redis> {
  let connected = false;
  let lastError: Error | undefined;
  // No retries until the first connection succeeds: startup should fail at once, not loop.
  const client = createRedisClient(url, (error) => {
    lastError = error;
    if (connected) onError(error);
  }, { retryStrategy: (times) => (connected ? backoff(times) : null) });
  try {
    await client.connect();
    await client.ping();
    connected = true;
    return client;
  } catch (error) {
    // After a refused first connect the client has already ended; disconnecting again would
    // leave ioredis waiting out its disconnect timer on a socket that is already closed.
    if (client.status !== 'end') client.disconnect();
    throw new Error(`REDIS_URL: cannot connect to ${redactedUrl(url)}: ${(lastError ?? (error as Error)).message}`);
  }
}

export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
