import { hostname } from 'node:os';
import { MemoryLease } from '../adapters/memory/memory-lease';
import type { RedisConnection } from '../adapters/redis/redis-client';
import { RedisLease } from '../adapters/redis/redis-lease';
import { SqliteLease } from '../adapters/sqlite/sqlite-lease';
import type { Clock } from '../ports/clock';
import type { Lease } from '../ports/lease';
import { randomHex } from './secrets';
import type { Storage } from './storage';

/** The most shared lease store available: Redis, else MongoDB, else the SQLite file, else this process. */
export async function composeLease(storage: Storage, redis: RedisConnection | null, clock: Clock): Promise<Lease> {
  if (redis) return new RedisLease(redis);
  if (storage.mongoDb) {
    // Loaded only when configured: the MongoDB driver is slow to require.
    const { MongoLease } = await import('../adapters/mongo/mongo-lease');
    return new MongoLease(storage.mongoDb, clock);
  }
  if (storage.sqlite) return new SqliteLease(storage.sqlite, clock);
  return new MemoryLease(clock);
}

/** Names this instance as a lease holder: host, pid and a random suffix, so restarts don't inherit a lease. */
export const leaseHolderName = () => `${hostname()}:${process.pid}:${randomHex(4)}`;
