import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ClusterNode } from './cluster-nodes';

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

/** A Redis or a Redis Cluster client: every Redis adapter takes either. */
export type RedisConnection = Redis | Cluster;

export { parseClusterNodes, type ClusterNode } from './cluster-nodes';

const SLOTS = 16384;
const STARTUP_TIMEOUT_MS = 10_000;

/**
 * Connects to a Redis Cluster and checks that it serves every slot, or throws an Error naming
 * REDIS_CLUSTER_NODES: a cluster with uncovered slots would fail some keys' commands, and the
 * limiters would fail open for exactly those keys.
 */
export async function connectRedisCluster(nodes: readonly ClusterNode[], onError: (error: Error) => void = () => undefined, options: ClusterOptions = {}): Promise<Cluster> {
  const where = nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`).join(',');
  const fail = (reason: string) => new Error(`REDIS_CLUSTER_NODES: cannot use the Redis Cluster at ${where}: ${reason}`);
  // Asked of a node directly: ioredis only ends the client when the state is bad, without saying why.
  const state = await clusterState(nodes).catch((error: Error) => {
    throw fail(error.message);
  });
  if (state.cluster_state !== 'ok' || Number(state.cluster_slots_assigned) !== SLOTS || Number(state.cluster_slots_ok) !== SLOTS) {
    throw fail(`the cluster is not ready: cluster_state:${state.cluster_state ?? '?'}, ${state.cluster_slots_assigned ?? '?'} of ${SLOTS} slots assigned, ${state.cluster_slots_ok ?? '?'} ok`);
  }

  let connected = false;
  let lastError: Error | undefined;
  const cluster = new Cluster([...nodes], {
    lazyConnect: true,
    enableOfflineQueue: false,
    // No retries until the first connection succeeds: startup should fail at once, not loop.
    clusterRetryStrategy: (times) => (connected ? backoff(times) : null),
    slotsRefreshTimeout: 2_000,
    redisOptions: NODE_OPTIONS,
    ...options,
  });
  cluster.on('error', (error: Error) => {
    lastError = error;
    if (connected) onError(error);
  });
  try {
    await readyOrEnded(cluster, STARTUP_TIMEOUT_MS, () => lastError);
    connected = true;
    return cluster;
  } catch (error) {
    cluster.disconnect();
    const reason = (error as Error).message;
    // "Failed to refresh slots cache" says little; the node's own error says why.
    const nodeError = (error as { lastNodeError?: Error }).lastNodeError ?? (lastError as { lastNodeError?: Error } | undefined)?.lastNodeError;
    throw fail(nodeError && !reason.includes(nodeError.message) ? `${reason} (${nodeError.message})` : reason);
  }
}

const { lazyConnect: _lazy, enableOfflineQueue: _queue, retryStrategy: _retry, ...NODE_OPTIONS } = REDIS_OPTIONS;

/** CLUSTER INFO from the first startup node that answers. */
async function clusterState(nodes: readonly ClusterNode[]): Promise<Record<string, string>> {
  const errors: string[] = [];
  for (const node of nodes) {
    const client = new Redis({ ...NODE_OPTIONS, host: node.host, port: node.port, lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return parseClusterInfo(String(await client.call('CLUSTER', 'INFO')));
    } catch (error) {
      errors.push(`${node.host}:${node.port}: ${(error as Error).message}`);
    } finally {
      // As in connectRedis: disconnecting an already ended client leaves a timer running.
      if (client.status !== 'end') client.disconnect();
    }
  }
  throw new Error(`no node answered CLUSTER INFO (${errors.join('; ')})`);
}

/**
 * cluster.connect(), but settled in every case: when the nodes answer with no slots, ioredis
 * ends the client without settling the promise it returned.
 */
function readyOrEnded(cluster: Cluster, timeoutMs: number, lastError: () => Error | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let ended: (() => void) | undefined;
  return new Promise<void>((resolve, reject) => {
    const fail = (why: string) => () => reject(new Error(lastError()?.message ?? why));
    timer = setTimeout(fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    ended = fail('the client ended before the cluster was ready (are all its slots assigned?)');
    cluster.once('end', ended);
    cluster.connect().then(resolve, reject);
  }).finally(() => {
    clearTimeout(timer);
    if (ended) cluster.off('end', ended);
  });
}

function parseClusterInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) info[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return info;
}
